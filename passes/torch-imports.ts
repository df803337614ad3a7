/**
 * torch imports below the top level: in a `try`, an `if`, a function, a class body. The emitter replaces the
 * module's top-level torch imports by MLX's; these it never saw, so they stayed in the output and made the
 * port import torch (`try: from torch.hub import X / except ImportError: from torch.utils.model_zoo import …`,
 * `from torch.version import cuda` in a function). Each becomes what a machine without torch runs:
 *
 *   - torch's own names: those the tables translate are dropped, the way top-level imports are (the names
 *     are translated where they are used: nested imports add their aliases); a name with no translation,
 *     imported in a `try` that catches the ImportError, makes the import raise it so the fallback runs
 *     (C2M-W052), and elsewhere is bound to `Untranslated("torch.x.name")` (passes/untranslated.ts), which
 *     raises only when used, with an error diagnostic (C2M-E050);
 *   - a library that needs torch (torchvision, timm, torchcodec, …), not the user's own package: inside a
 *     `try` that catches the ImportError it is an optional dependency, and the import becomes
 *     `raise ImportError(...)` so that the fallback runs as it would without torch (C2M-W040); elsewhere its
 *     names become placeholders (C2M-E050).
 *
 * Reads the syntax tree and the tables; writes edits, markers and diagnostics through the caller's context.
 */
import { dottedName, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import { canonicalTorchName, isTorch } from "./resolve-imports.js";
import { CONTAINERS, INIT_FUNCTIONS, LAYER_BY_NAME, OP_BY_NAME, TORCH_NAMES } from "./tables/index.js";
import { AUTOCAST_CONTEXTS, DROPPED_DECORATORS, RUNTIME_CALLS, RUNTIME_STATEMENTS, VALUE_CALLS } from "./tables/torch-runtime.js";
import { placeholderBinding, UNTRANSLATED_HELPER } from "./untranslated.js";

/** Libraries that import torch themselves: a port that imports them still needs torch. */
const TORCH_LIBRARIES = new Set([
  "torchvision",
  "torchaudio",
  "torchtext",
  "functorch",
  "timm",
  "transformers",
  "diffusers",
  "accelerate",
  "triton",
  "xformers",
  "flash_attn",
  "apex",
  "fairscale",
  "pytorch_lightning",
  "lightning",
  "torchmetrics",
  "peft",
  "deepspeed",
  "safetensors.torch",
]);

/** Whether `module` is torch or a library that needs it (any `torch*` package: torchcodec, torchvision_extra_decoders). */
export function needsTorch(module: string): boolean {
  const top = module.split(".")[0];
  return top.startsWith("torch") || TORCH_LIBRARIES.has(top) || TORCH_LIBRARIES.has(module);
}

/** Whether an import sits in a `try` whose handlers catch a failed import (ImportError, ModuleNotFoundError, Exception, bare). */
export function isGuardedImport(n: SyntaxNode): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === "function_definition" || p.type === "class_definition") return false;
    if (p.type !== "block" || p.parent?.type !== "try_statement" || p.parent.childForFieldName("body") !== p) continue;
    const handlers = p.parent.namedNonComment.filter((c) => c.type === "except_clause");
    const catches = (h: SyntaxNode) => {
      const types = h.namedNonComment.filter((c) => c.type !== "block");
      return !types.length || /\b(ImportError|ModuleNotFoundError|Exception|BaseException)\b/.test(types.map((c) => c.text).join(" "));
    };
    if (handlers.some(catches)) return true;
  }
  return false;
}

export interface NestedTorchImport {
  stmt: SyntaxNode;
  /** the module imported (`torch.hub`, `torchcodec`) */
  module: string;
  /** torch itself, or a library that needs it */
  kind: "torch" | "library";
  /** local name → the qualified name it binds */
  names: [string, string][];
  /** `import a.b.c` binds `a` to the package: nothing to bind a placeholder to when it is torch's */
  plain: boolean;
}

/** Statements that may hold further statements (import statements are found only through these). */
const STATEMENT_CONTAINERS = /^(module|block|.*_statement|.*_clause|function_definition|class_definition|decorated_definition)$/;

/**
 * The torch imports of a file that are not top-level statements; `isOwn(module)` says whether an absolute
 * import is of the user's own package (a compile of torchvision itself imports `torchvision.ops`).
 */
export function nestedTorchImports(root: SyntaxNode, isOwn: (module: string) => boolean): NestedTorchImport[] {
  const found: NestedTorchImport[] = [];
  const visit = (node: SyntaxNode) => {
    for (const c of namedChildren(node)) {
      if (c.type === "import_statement" || c.type === "import_from_statement") {
        if (node !== root) {
          const site = siteOf(c, isOwn);
          if (site) found.push(site);
        }
      } else if (STATEMENT_CONTAINERS.test(c.type)) visit(c);
    }
  };
  visit(root);
  return found;
}

function siteOf(stmt: SyntaxNode, isOwn: (module: string) => boolean): NestedTorchImport | undefined {
  if (stmt.type === "import_statement") {
    const names: [string, string][] = [];
    let module: string | undefined;
    for (const c of namedChildren(stmt)) {
      const dotted = c.type === "aliased_import" ? c.childForFieldName("name")! : c;
      const full = dottedName(dotted) ?? dotted.text;
      if (!needsTorch(full) || (!isTorch(full) && isOwn(full))) return undefined;
      module ??= full;
      names.push(c.type === "aliased_import" ? [c.childForFieldName("alias")!.text, full] : [full.split(".")[0], full.split(".")[0]]);
    }
    if (!module) return undefined;
    return { stmt, module, kind: isTorch(module) ? "torch" : "library", names, plain: true };
  }
  const moduleNode = stmt.childForFieldName("module_name");
  if (!moduleNode || moduleNode.type === "relative_import") return undefined;
  const module = moduleNode.text.replace(/\s+/g, "");
  if (!needsTorch(module) || (!isTorch(module) && isOwn(module))) return undefined;
  const names: [string, string][] = [];
  for (const c of stmt.childrenForFieldName("name")) {
    const name = c.type === "aliased_import" ? c.childForFieldName("name")!.text : c.text;
    names.push([c.type === "aliased_import" ? c.childForFieldName("alias")!.text : name, canonicalTorchName(`${module}.${name}`)]);
  }
  // `from torch.x import *` binds what cannot be known: nothing is bound, the uses are reported where they are
  return { stmt, module, kind: isTorch(module) ? "torch" : "library", names, plain: false };
}

/** Adds the aliases of nested torch imports to the file's (a top-level import of the same local name wins). */
export function addNestedAliases(sites: NestedTorchImport[], aliases: Map<string, string>): void {
  for (const s of sites) if (s.kind === "torch" && !guardedTorchNames(s)) for (const [local, q] of s.names) if (!aliases.has(local)) aliases.set(local, q);
}

/**
 * `from torch.x import name` in a try that catches ImportError: the names are what the except branch defines (C2M-W052),
 * even a name the tables translate: a sibling may import it from this file (`from .torch_utils import maybe_allow_in_graph`).
 */
function guardedTorchNames(site: NestedTorchImport): boolean {
  return site.kind === "torch" && !site.plain && isGuardedImport(site.stmt) && !underTypeChecking(site.stmt);
}

/** Whether the tables translate torch name `q` where it is used (a value, a layer, an op, a runtime switch, or a namespace of those). */
export function translatedTorchName(name: string): boolean {
  const q = canonicalTorchName(name);
  if (TORCH_NAMES[q] || LAYER_BY_NAME.has(q) || OP_BY_NAME.has(q) || RUNTIME_CALLS[q] || INIT_FUNCTIONS[q] || CONTAINERS.has(q)) return true;
  if (RUNTIME_STATEMENTS.has(q) || VALUE_CALLS[q] || AUTOCAST_CONTEXTS.has(q) || DROPPED_DECORATORS.test(q)) return true;
  return isTorchNamespace(q);
}

let namespaces: Set<string> | undefined;
function isTorchNamespace(q: string): boolean {
  if (!namespaces) {
    namespaces = new Set();
    for (const name of [...Object.keys(TORCH_NAMES), ...LAYER_BY_NAME.keys(), ...OP_BY_NAME.keys(), ...Object.keys(RUNTIME_CALLS)]) {
      const parts = name.split(".");
      for (let i = 1; i < parts.length; i++) namespaces.add(parts.slice(0, i).join("."));
    }
  }
  return namespaces.has(q);
}

export interface ImportEdit {
  start: number;
  end: number;
  text: string;
}

export interface RewriteContext {
  source: string;
  diags: DiagnosticBag;
  /** per-line markers: insert position → marker text (as the translator keeps them) */
  markers: Map<number, string>;
  helpers: Set<string>;
}

/** A guarded import the port lets fail as on a machine without torch: `raise ImportError(why)` in its place, so its except clause runs. */
function raiseInstead(stmt: SyntaxNode, why: string): ImportEdit {
  return { start: stmt.startIndex, end: stmt.endIndex, text: `raise ImportError(${JSON.stringify(why)})` };
}

/** The edits that take each nested torch import out of the output (an empty text removes the statement's line). */
export function rewriteNestedImports(sites: NestedTorchImport[], ctx: RewriteContext): ImportEdit[] {
  const edits: ImportEdit[] = [];
  for (const site of sites) {
    const { stmt } = site;
    const indent = " ".repeat(stmt.startPosition.column);
    if (site.kind === "library" && isGuardedImport(stmt)) {
      const message = `'${site.module}' needs torch: the import raises ImportError, so the fallback in its except clause runs, as without torch`;
      report(ctx, "C2M-W040", stmt, message);
      edits.push(raiseInstead(stmt, `c2m: ${site.module} needs torch`));
      continue;
    }
    if (guardedTorchNames(site)) {
      // names from torch in a try that catches ImportError: the code's own fallback defines them (for this file and
      // for the files that import them from here); dropping the import would leave them undefined
      const message = `names from ${site.module} in a try that catches ImportError: the port runs its except branch`;
      report(ctx, "C2M-W052", stmt, message);
      edits.push(raiseInstead(stmt, `${site.module} is torch's`));
      continue;
    }
    const untranslated = site.names.filter(([, q]) => site.kind === "library" || !(site.plain || translatedTorchName(q)));
    // a name nothing in its function reads was imported for its effects (`import torch_npu  # noqa: F401`): a placeholder bound there would be a dead store
    const placeholders = untranslated.filter(([local]) => readInScope(stmt, local));
    const what = untranslated.map(([, q]) => q).join(", ");
    const verb = untranslated.length > 1 ? "have" : "has";
    if (untranslated.length && !placeholders.length) {
      // the statement goes and its line keeps only the marker (a trailing `# noqa` goes with it)
      report(ctx, "C2M-E050", stmt, `${what} ${verb} no MLX translation: the import goes (nothing reads what it binds)`);
      const eol = ctx.source.indexOf("\n", stmt.endIndex);
      edits.push({ start: stmt.startIndex, end: eol < 0 ? ctx.source.length : eol, text: "" });
      continue;
    }
    if (!placeholders.length) {
      edits.push(lineRemoval(ctx.source, stmt));
      continue;
    }
    ctx.helpers.add(UNTRANSLATED_HELPER);
    report(ctx, "C2M-E050", stmt, `${what} ${verb} no MLX translation: bound to Untranslated(...), which raises when used`);
    const lines = placeholders.map(([local, q]) => `${local} = Untranslated(${JSON.stringify(q)})`);
    edits.push({ start: stmt.startIndex, end: stmt.endIndex, text: lines.join(`\n${indent}`) });
  }
  return edits;
}

/**
 * Top-level `from torch.x import name` statements go with the other torch imports (emit/python.ts), yet a
 * name with no translation may be the module's own attribute that a sibling imports (`from .utils import
 * tqdm`, which torchvision's datasets/utils.py took from torch.utils.model_zoo): each such name is bound to a
 * placeholder, one line each, placed after the helpers. Returns those lines, each with its marker.
 */
export function topLevelPlaceholders(imports: { node: SyntaxNode; torch: boolean }[], ctx: RewriteContext): string[] {
  const lines: string[] = [];
  for (const imp of imports) {
    if (!imp.torch || imp.node.type !== "import_from_statement" || imp.node.parent?.type !== "module") continue;
    const site = siteOf(imp.node, () => false);
    const untranslated = (site?.names ?? []).filter(([, q]) => !translatedTorchName(q));
    for (const [local, q] of untranslated) {
      const message = `${q} has no MLX translation: '${local}' is bound to Untranslated(...), which raises when used`;
      ctx.diags.report("C2M-E050", imp.node.startPosition, message);
      lines.push(placeholderBinding(local, q, message));
    }
  }
  if (lines.length) ctx.helpers.add(UNTRANSLATED_HELPER);
  return lines;
}

/**
 * Whether `name` is read in the function an import statement binds it in, the statement aside. A module-level
 * name is the module's attribute (another file may import it): it counts as read.
 */
function readInScope(stmt: SyntaxNode, name: string): boolean {
  let scope = stmt.parent;
  while (scope && scope.type !== "function_definition" && scope.type !== "module") scope = scope.parent;
  if (!scope || scope.type === "module") return true;
  return scope.descendantsOfType("identifier").some((id) => id.text === name && !(id.startIndex >= stmt.startIndex && id.endIndex <= stmt.endIndex));
}

/** The statement's whole line(s), newline included (the emitter leaves `pass` where a block empties). */
function lineRemoval(src: string, stmt: SyntaxNode): ImportEdit {
  const start = src.lastIndexOf("\n", stmt.startIndex - 1) + 1;
  const nl = src.indexOf("\n", stmt.endIndex);
  return { start, end: nl < 0 ? src.length : nl + 1, text: "" };
}

function report(ctx: RewriteContext, code: string, stmt: SyntaxNode, message: string): void {
  const d = ctx.diags.report(code, stmt.startPosition, message);
  let eol = ctx.source.indexOf("\n", stmt.endIndex);
  if (eol < 0) eol = ctx.source.length;
  const prev = ctx.markers.get(eol);
  const marker = `c2m: ${d.code} ${message}`;
  if (!prev?.includes(d.code)) ctx.markers.set(eol, prev ? `${prev}; ${marker}` : `  # ${marker}`);
}

/** Whether a node sits under `if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`): Python never runs it. */
export function underTypeChecking(node: SyntaxNode): boolean {
  for (let child = node, p = node.parent; p; child = p, p = p.parent) {
    if (p.type === "if_statement" && p.childForFieldName("consequence") === child && /^(typing\.)?TYPE_CHECKING$/.test(p.childForFieldName("condition")!.text.trim())) return true;
  }
  return false;
}
