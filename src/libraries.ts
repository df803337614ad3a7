/**
 * Installed torch libraries the user's code imports, translated with it. A model file that imports timm's
 * layers (`from timm.models.layers import DropPath`) needs timm, and timm needs torch: the port cannot import it.
 * c2m reads the library's source where it is installed (never importing or running it), translates the modules
 * the program reaches with the user's files, writes them under a private folder of the output
 * (`OUT/_c2m_lib/timm/...`, beside a single output file likewise) and points the imports there
 * (passes/library-imports.ts).
 *
 * Which imports: the module's own import statements (the ones that always run when the user's module is
 * imported) of a library the tables know to be built on torch (passes/torch-imports.ts `needsTorch` of its
 * top-level package), found on a library search path and not in the user's own folder. An import under an `if`
 * (`if is_timm_available():`) or in a `try` is an optional dependency and keeps today's treatment; one inside a
 * function runs only when that function is called (a checkpoint loader's `from transformers import …`) and
 * keeps its placeholder. A library with one torch module beside others (`safetensors.torch`), libraries the
 * tables translate by rows (einops) and libraries without torch (numpy) stay as they are.
 *
 * Which modules: the files Python loads when it imports those modules, within the library's package (the rule
 * of src/tools/zoo/zoo_closure.py): the module, the `__init__.py` of each package above it, every module of
 * the package it imports (nested imports included, `if TYPE_CHECKING:` blocks left out), and, for
 * `from P import N`, module N when it is a submodule. Another torch library a library module imports at
 * module level is translated too, by the same rule.
 */
import { dirname, join, relative, sep } from "node:path";
import { namedChildren, parseModule, type SyntaxNode } from "../grammar/python.js";
import { needsTorch, underTypeChecking } from "../passes/torch-imports.js";
import { isTorch } from "../passes/resolve-imports.js";
import type { Host } from "../ir/program/host.js";
import { importRootOf, ImportResolver } from "../ir/program/import-resolver.js";
import type { TranslatedLibraries } from "../passes/library-imports.js";

/** What a worker needs to know of the translated libraries (plain data: it crosses to the worker threads). */
export interface LibraryTaskInfo {
  /** the dotted package the libraries live under in the output */
  prefix: string;
  /** installed folders (or module files) of the translated libraries: the program's own files */
  roots: string[];
  /** top-level names translated */
  translated: string[];
  failed?: [string, string][];
  withErrors?: [string, string][];
}

/** The compile's view of the libraries (passes/library-imports.ts). */
export function translatedLibraries(info: LibraryTaskInfo): TranslatedLibraries {
  return { prefix: info.prefix, translated: new Set(info.translated), failed: new Map(info.failed ?? []), withErrors: new Map(info.withErrors ?? []) };
}

/** The output folder translated libraries go to, beside the user's modules. */
export const LIBRARY_FOLDER = "_c2m_lib";

export interface LibraryFile {
  /** the installed file (absolute) */
  path: string;
  /** its path relative to the search path it was found on (`timm/layers/drop.py`), `/`-separated: its place under LIBRARY_FOLDER */
  rel: string;
  /** the library's top-level name */
  top: string;
}

export interface LibraryPlan {
  /** top-level name → the installed package folder (or module file), absolute */
  roots: Map<string, string>;
  files: LibraryFile[];
  /** top-level name → why it is not translated, known before compiling anything (a lazy package) */
  refused: Map<string, string>;
}

/** The dotted package translated libraries live under in the output: beside the user's package when the input folder is one. */
export const libraryPrefix = (packageName?: string): string => (packageName ? `${packageName}.${LIBRARY_FOLDER}` : LIBRARY_FOLDER);

/**
 * What the compile of the user's files is told of the libraries when those of `plan` not in `failed` are translated:
 * the workers' view (reported at each import: C2M-E043 for a failed one) and the translated modules, with their
 * places in the output. One rule for the compile (src/batch/libraries.ts, with the failures its translation found)
 * and for `c2m analyze`, which translates no library and so knows the failures the plan knows (`plan.refused`).
 */
export function libraryView(plan: LibraryPlan, prefix: string, failed: ReadonlyMap<string, string>): { info: LibraryTaskInfo; files: LibraryFile[]; libraryFiles: string[] } {
  const files = plan.files.filter((f) => !failed.has(f.top));
  const translated = [...new Set(files.map((f) => f.top))];
  const info: LibraryTaskInfo = { prefix, roots: translated.map((t) => plan.roots.get(t)!), translated, failed: [...failed] };
  return { info, files, libraryFiles: files.map((f) => `${LIBRARY_FOLDER}/${f.rel}`) };
}

/** A first look that costs nothing for files importing no torch library: a module-level import line naming one. */
const IMPORT_LINE = /^(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*))/gm;

function candidateModules(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_LINE)) {
    const modules = m[1] ? [m[1]] : m[2]!.split(",").map((p) => p.trim().split(/\s+/)[0]!);
    for (const module of modules) if (isTorchLibrary(module)) out.push(module);
  }
  return out;
}

/**
 * A module of a library built on torch as a whole (timm, torchvision): translated with the program. A library with
 * one torch module beside others (`safetensors.torch`, einops' layers) keeps its placeholders and table rows.
 */
function isTorchLibrary(module: string): boolean {
  const top = module.split(".")[0]!;
  return !isTorch(module) && needsTorch(top);
}

/**
 * The library modules a program of these files reaches, or undefined when none of them imports a torch library
 * (the usual case, decided from the import lines alone). `host` is the program's, without translated libraries.
 */
export function planLibraries(userFiles: readonly { path: string; source: string }[], host: Host): LibraryPlan | undefined {
  const resolver = new ImportResolver(host);
  const starts: { module: string; names: string[]; from: string; importRoot: string }[] = [];
  for (const f of userFiles) {
    const modules = candidateModules(f.source);
    if (!modules.length) continue;
    const tree = parseModule(f.source);
    for (const stmt of moduleLevelImports(tree.rootNode))
      for (const [module, names] of importTargets(stmt, undefined)) starts.push({ module, names, from: f.path, importRoot: importRootOf(host, f.path) });
  }
  if (!starts.length) return undefined;
  const plan: LibraryPlan = { roots: new Map(), files: [], refused: new Map() };
  const seen = new Set<string>();
  const todo: string[] = [];
  const add = (path: string, top: string, searchPath: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    plan.files.push({ path, rel: relative(searchPath, path).split(sep).join("/"), top });
    todo.push(path);
  };
  const searchPathOf = (path: string) => host.searchPaths.find((sp) => path.startsWith(sp.endsWith("/") ? sp : `${sp}/`));
  /** a torch library's module imported absolutely from `from`: its files (the module, the packages above it) join the plan */
  const reach = (module: string, from: string, importRoot: string, names: string[]) => {
    if (!isTorchLibrary(module)) return;
    const loc = resolver.resolve(from, importRoot, module, 0);
    if ((loc.kind !== "file" && loc.kind !== "namespace") || loc.origin !== "library") return;
    const sp = searchPathOf(loc.kind === "file" ? loc.path : loc.dir);
    if (!sp) return;
    const top = module.split(".")[0]!;
    const pieces = module.split(".");
    if (plan.refused.has(top)) return;
    if (!plan.roots.has(top)) {
      // a package whose __init__ hands out its modules lazily (transformers', diffusers' `_LazyModule`) names
      // them in tables read at run time: which modules an import reaches cannot be told from the source
      const init = join(sp, top, "__init__.py");
      if (/\b_LazyModule\(/.test(host.readFile(init) ?? "")) {
        plan.refused.set(top, `${init} loads its modules lazily (_LazyModule): which of them an import reaches is not known from the source`);
        return;
      }
      plan.roots.set(top, host.isDir(join(sp, top)) ? join(sp, top) : join(sp, `${top}.py`));
    }
    for (let i = 1; i <= pieces.length; i++) {
      const f = moduleFile(host, sp, pieces.slice(0, i));
      if (f && (i === pieces.length || f.endsWith("__init__.py"))) add(f, top, sp);
    }
    for (const name of names) {
      const f = moduleFile(host, sp, [...pieces, name]);
      if (f) add(f, top, sp);
    }
  };
  for (const s of starts) reach(s.module, s.from, s.importRoot, s.names);
  while (todo.length) {
    const path = todo.pop()!;
    const sp = searchPathOf(path)!;
    const top = relative(sp, path).split(sep)[0]!.replace(/\.py$/, "");
    const source = host.readFile(path);
    if (source === undefined) continue; // unreadable: its compile reports it
    const root = parseModule(source).rootNode;
    const packageParts = relative(sp, dirname(path)).split(sep).filter(Boolean);
    for (const stmt of allImports(root)) {
      const moduleLevel = stmt.parent === root;
      for (const [module, names] of importTargets(stmt, packageParts)) {
        const t = module.split(".")[0]!;
        // the library's own modules, wherever imported (a function's import runs when it is called); another
        // torch library only when it is needed to import this module
        if (t === top || moduleLevel) reach(module, path, sp, names);
      }
    }
  }
  if (!plan.files.length && !plan.refused.size) return undefined;
  plan.files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return plan;
}

/** `a.b.c` under `base`: `a/b/c/__init__.py` or `a/b/c.py`, or undefined. */
function moduleFile(host: Host, base: string, parts: string[]): string | undefined {
  const dir = join(base, ...parts);
  if (host.isFile(join(dir, "__init__.py"))) return join(dir, "__init__.py");
  if (host.isFile(`${dir}.py`)) return `${dir}.py`;
  return undefined;
}

/**
 * Import statements that always run when the module is imported: the module's own statements. One under an `if`
 * (`if is_torchvision_available():`) or a `try` is an optional dependency, one in a function runs when it is called.
 */
function moduleLevelImports(root: SyntaxNode): SyntaxNode[] {
  return namedChildren(root).filter((n) => n.type === "import_statement" || n.type === "import_from_statement");
}

/** Every import statement of a file, `if TYPE_CHECKING:` blocks left out (they never run). */
function allImports(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode) => {
    if (n.type === "import_statement" || n.type === "import_from_statement") {
      if (!underTypeChecking(n)) out.push(n);
      return;
    }
    for (const c of namedChildren(n)) visit(c);
  };
  visit(root);
  return out;
}

/** Each module a statement imports, absolute (relative ones resolved against `packageParts`, or skipped without it), with the names taken from it. */
function importTargets(stmt: SyntaxNode, packageParts: string[] | undefined): [string, string[]][] {
  if (stmt.type === "import_statement") {
    return namedChildren(stmt)
      .filter((c) => c.type === "dotted_name" || c.type === "aliased_import")
      .map((c) => [(c.type === "aliased_import" ? c.childForFieldName("name")! : c).text.replace(/\s+/g, ""), []]);
  }
  const moduleNode = stmt.childForFieldName("module_name");
  if (!moduleNode) return [];
  const names = stmt.childrenForFieldName("name").map((n) => (n.type === "aliased_import" ? n.childForFieldName("name")! : n).text);
  const text = moduleNode.text.replace(/\s+/g, "");
  if (moduleNode.type !== "relative_import") return [[text, names]];
  if (!packageParts) return [];
  const dots = /^\.*/.exec(text)![0].length;
  if (dots - 1 > packageParts.length) return [];
  const base = packageParts.slice(0, packageParts.length - (dots - 1));
  const rest = text.slice(dots);
  return [[[...base, ...(rest ? rest.split(".") : [])].join("."), names]];
}
