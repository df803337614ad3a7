/**
 * What each import of the output brings in, and whether it can: MLX (its submodules and the names taken
 * from them must exist in the MLX we target), numpy, the standard library, a module of the package being
 * compiled (relative imports, or absolute ones under the package's own name). torch and the libraries
 * built on it cannot be imported by a port; any other library is a dependency the user must install.
 */
import type { SyntaxNode } from "../../grammar/python.js";
import type { MlxApi } from "../../passes/tables/index.js";
import { isGuardedImport, needsTorch, underTypeChecking } from "../../passes/torch-imports.js";
import { finding, type Finding } from "./types.js";
import { nameTable } from "../../ir/tables.js";

/** MLX modules → the namespace keys of the API table */
export const MLX_MODULES: Record<string, string> = nameTable({
  "mlx.core": "mx",
  "mlx.core.fast": "mx.fast",
  "mlx.core.random": "mx.random",
  "mlx.core.linalg": "mx.linalg",
  "mlx.core.fft": "mx.fft",
  "mlx.core.distributed": "mx.distributed",
  "mlx.core.metal": "mx.metal",
  "mlx.nn": "nn",
  "mlx.nn.init": "nn.init",
  "mlx.nn.losses": "nn.losses",
  "mlx.utils": "mlx.utils",
  "mlx.optimizers": "mlx.optimizers",
});

export interface PackageInfo {
  /** every module file of the package, relative to its root, `/`-separated (`models/resnet.py`) */
  files: string[];
  /** this file's path among them */
  path: string;
  /** the package's own name (its folder's name), for absolute imports of itself */
  name?: string;
  /** the installed libraries' modules translated into the output beside the package (`_c2m_lib/timm/layers/drop.py`, src/libraries.ts) */
  libraryFiles?: string[];
}

export interface ImportFacts {
  /** local name → MLX namespace key (`mx` → "mx", `F` bound by `from mlx.nn import losses as F` → "nn.losses"); "mlx" for the package */
  namespaces: Map<string, string>;
  /** local names bound to torch or a torch library → the module they come from (each use is a torch name left in the output) */
  torchBound: Map<string, string>;
  findings: Finding[];
}

export function checkImports(imports: SyntaxNode[], api: MlxApi, pkg: PackageInfo | undefined): ImportFacts {
  const facts: ImportFacts = { namespaces: new Map(), torchBound: new Map(), findings: [] };
  const stdlib = new Set(api.stdlib);
  for (const n of imports) {
    // an optional dependency (`try: import xformers … except ImportError:`): the output runs without it
    // an import under `if TYPE_CHECKING:` never runs (lazy `__init__` files list their whole package there)
    if (n.type === "future_import_statement" || isGuardedImport(n) || underTypeChecking(n)) continue;
    if (n.type === "import_statement") {
      for (const c of n.namedNonComment) {
        const dotted = c.type === "aliased_import" ? c.childForFieldName("name")! : c;
        const module = dotted.text.replace(/\s+/g, "");
        const local = c.type === "aliased_import" ? c.childForFieldName("alias")!.text : module.split(".")[0];
        const known = classify(module, n, stdlib, pkg, api, facts);
        if (known === "torch") facts.torchBound.set(local, module);
        if (known === "mlx") facts.namespaces.set(local, c.type === "aliased_import" ? (MLX_MODULES[module] ?? "") : "mlx");
      }
      continue;
    }
    const moduleNode = n.childForFieldName("module_name")!;
    const relative = moduleNode.type === "relative_import";
    const module = moduleNode.text.replace(/\s+/g, "");
    const names = n.namedNonComment.filter((c) => c !== moduleNode);
    if (relative) {
      checkRelative(module, names, n, pkg, facts);
      continue;
    }
    const known = classify(module, n, stdlib, pkg, api, facts);
    for (const c of names) {
      if (c.type === "wildcard_import") continue;
      const nameNode = c.type === "aliased_import" ? c.childForFieldName("name")! : c;
      const local = c.type === "aliased_import" ? c.childForFieldName("alias")!.text : nameNode.text;
      if (known === "torch") facts.torchBound.set(local, module);
      if (known !== "mlx") continue;
      const sub = `${module}.${nameNode.text}`;
      if (MLX_MODULES[sub]) facts.namespaces.set(local, MLX_MODULES[sub]);
      else if (module === "mlx") {
        if (!["core", "nn", "utils", "optimizers"].includes(nameNode.text)) facts.findings.push(finding("C2M-E024", nameNode, `mlx has no module '${nameNode.text}'`));
      } else {
        const ns = MLX_MODULES[module];
        if (ns && !api.namespaces[ns].includes(nameNode.text)) facts.findings.push(finding("C2M-E024", nameNode, `${module}.${nameNode.text} does not exist in MLX ${api.mlx}`));
      }
    }
  }
  return facts;
}

type Origin = "torch" | "mlx" | "ok" | "unresolved";

function classify(module: string, at: SyntaxNode, stdlib: Set<string>, pkg: PackageInfo | undefined, api: MlxApi, facts: ImportFacts): Origin {
  const top = module.split(".")[0];
  // the package's own modules, by their absolute name (a compile of timm/ importing timm.layers)
  if (pkg?.name && top === pkg.name) {
    const rel = module.split(".").slice(1).join("/");
    if (moduleExists(pkg, rel)) return "ok";
    facts.findings.push(finding("C2M-E027", at, `'${module}' is not a module of the package being compiled`));
    return "unresolved";
  }
  // a plain folder holding a package (a compile of site-packages' timm/ folder among others; no __init__.py, so
  // not itself a package whatever its name): the folder is the import root, so `timm.layers` is the folder's
  // own when `timm` is one of its packages
  if (pkg && !pkg.files.includes("__init__.py") && moduleExists(pkg, top)) {
    if (moduleExists(pkg, module.split(".").join("/"))) return "ok";
    facts.findings.push(finding("C2M-E027", at, `'${module}' is not a module of the folder being compiled`));
    return "unresolved";
  }
  if (needsTorch(module)) {
    facts.findings.push(finding("C2M-E023", at, `'${module}' is imported: the port still needs torch`));
    return "torch";
  }
  if (top === "mlx") {
    if (module !== "mlx" && !MLX_MODULES[module] && !/^mlx\.(nn\.layers|core)\b/.test(module))
      facts.findings.push(finding("C2M-E024", at, `'${module}' is not a module of MLX ${api.mlx}`));
    return "mlx";
  }
  if (top === "numpy" || stdlib.has(top)) return "ok";
  // a folder's top-level module imported absolutely (its import root is the folder); a single file has no
  // package list to tell a sibling from a library, so nothing is said there
  if (!pkg || moduleExists(pkg, module.split(".").join("/"))) return "ok";
  facts.findings.push(finding("C2M-W020", at, `'${module}' is neither MLX, numpy, the standard library nor a module of this package: the port needs it installed`));
  return "ok";
}

/** `from .x import a`, `from .. import b`: the module (or, for `from . import b`, module b or the package) must be in the package. */
function checkRelative(module: string, names: SyntaxNode[], at: SyntaxNode, pkg: PackageInfo | undefined, facts: ImportFacts): void {
  // a single file has no package to check against
  if (!pkg) return;
  const dots = /^\.*/.exec(module)![0].length;
  const rest = module.slice(dots);
  const dir = pkg.path.split("/").slice(0, -1);
  if (dots - 1 > dir.length) {
    facts.findings.push(finding("C2M-E027", at, `'${module}' reaches above the package being compiled`));
    return;
  }
  const base = [...dir.slice(0, dir.length - (dots - 1)), ...(rest ? rest.split(".") : [])].join("/");
  if (rest) {
    if (!moduleExists(pkg, base)) facts.findings.push(finding("C2M-E027", at, `'${module}' is not a module of the package being compiled (${base || "."})`));
    return;
  }
  // `from . import a, b`: each a submodule, or a name the package's __init__ defines
  const init = `${base ? `${base}/` : ""}__init__.py`;
  for (const c of names) {
    const name = (c.type === "aliased_import" ? c.childForFieldName("name")! : c).text;
    if (!moduleExists(pkg, `${base ? `${base}/` : ""}${name}`) && !pkg.files.includes(init))
      facts.findings.push(finding("C2M-E027", c, `'${module}${name}' is not a module of the package being compiled`));
  }
}

function moduleExists(pkg: PackageInfo, rel: string): boolean {
  if (rel === "") return true;
  const has = (files: readonly string[]) => files.includes(`${rel}.py`) || files.includes(`${rel}/__init__.py`) || files.some((f) => f.startsWith(`${rel}/`));
  return has(pkg.files) || (pkg.libraryFiles !== undefined && has(pkg.libraryFiles));
}
