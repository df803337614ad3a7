/**
 * What a name or a dotted expression of a file refers to, following imports (alias declarations) across
 * the program's files lazily, as a type checker resolves an alias only when a type is asked for. Answers are
 * cached per file and name. A name c2m cannot follow (a library not installed, a star import it cannot
 * read, a computed value) is `unknown` with the reason, never a guess.
 */
import { namedChildren, type SyntaxNode } from "../../grammar/python.js";
import type { ModuleRef, Program } from "../program/program.js";
import type { SourceFile } from "../program/source-file.js";
import type { Declaration } from "./symbol.js";

export type Resolved =
  | { kind: "torch"; name: string }
  | { kind: "module"; ref: PackageRef; name: string }
  /** a name from Python's standard library (never an nn.Module) */
  | { kind: "stdlib"; name: string }
  | { kind: "class"; file: SourceFile; node: SyntaxNode; name: string }
  | { kind: "function"; file: SourceFile; node: SyntaxNode; name: string }
  | { kind: "builtin"; name: string }
  /** a value computed at run time (a variable, a call's result) */
  | { kind: "value" }
  | { kind: "unknown"; reason: string };

type PackageRef = Extract<ModuleRef, { kind: "file" } | { kind: "namespace" }>;

const BUILTINS = new Set(
  "object type int float str bool bytes list tuple dict set frozenset complex range slice property staticmethod classmethod super Exception BaseException ValueError TypeError RuntimeError KeyError IndexError AttributeError NotImplementedError ImportError StopIteration Warning UserWarning DeprecationWarning len print isinstance issubclass getattr setattr hasattr zip enumerate map filter sorted reversed min max sum abs any all iter next round divmod pow hash id repr format open NotImplemented Ellipsis None True False".split(
    " ",
  ),
);

const caches = new WeakMap<Program, Map<SourceFile, Map<string, Resolved | null>>>();
const CYCLE: Resolved = { kind: "unknown", reason: "imports form a cycle" };

/** What module-level `name` of `file` refers to; undefined when the file does not bind it. */
function lookupMember(program: Program, file: SourceFile, name: string): Resolved | undefined {
  let perProgram = caches.get(program);
  if (!perProgram) caches.set(program, (perProgram = new Map()));
  let perFile = perProgram.get(file);
  if (!perFile) perProgram.set(file, (perFile = new Map()));
  if (perFile.has(name)) return perFile.get(name) ?? undefined;
  perFile.set(name, CYCLE);
  const r = lookupUncached(program, file, name);
  perFile.set(name, r ?? null);
  return r;
}

function lookupUncached(program: Program, file: SourceFile, name: string): Resolved | undefined {
  const scope = file.scope;
  if (!scope) return { kind: "unknown", reason: `${file.path} cannot be read or parsed` };
  const decls = scope.symbols.get(name);
  if (decls) return pick(decls.map((d) => resolveDeclaration(program, file, d)));
  for (const star of scope.stars) {
    const ref = program.resolveModule(file, star.module, star.level);
    if (ref.kind === "stdlib") continue;
    if (ref.kind === "file") {
      const r = starExports(ref.file, name) ? lookupMember(program, ref.file, name) : undefined;
      if (r) return r;
      continue;
    }
    if (name.startsWith("_")) continue;
    if (ref.kind === "torch") return { kind: "torch", name: `${ref.name}.${name}` };
    if (ref.kind === "missing") return { kind: "unknown", reason: `'${name}' may come from 'from ${star.module} import *', which c2m cannot find` };
  }
  if (file.isPackageInit) return submodule(program, { kind: "file", file }, name);
  return undefined;
}

/**
 * Whether `from m import *` binds `name`: the names `__all__` lists when m assigns it a literal list or
 * tuple of strings, else every name not starting with an underscore (the modules m imported included:
 * `from .activations import *` hands on its `torch`, `nn`, `F`).
 */
export function starExports(file: SourceFile, name: string): boolean {
  const all = declaredAll(file);
  return all ? all.has(name) : !name.startsWith("_");
}

const allCache = new WeakMap<SourceFile, Set<string> | null>();

/** The names of `__all__ = [...]` (or `(...)`) when every declaration of it is a literal of strings; undefined otherwise. */
export function declaredAll(file: SourceFile): Set<string> | undefined {
  if (allCache.has(file)) return allCache.get(file) ?? undefined;
  const decls = file.scope?.symbols.get("__all__");
  let names: Set<string> | undefined;
  if (decls?.length) {
    names = new Set();
    for (const d of decls) {
      const v = d.kind === "variable" ? d.value : undefined;
      const items = v && (v.type === "list" || v.type === "tuple") ? namedChildren(v) : undefined;
      if (!items || !items.every((i) => i.type === "string")) {
        names = undefined;
        break;
      }
      for (const i of items) names.add(i.text.replace(/^[rRuU]?['"]+|['"]+$/g, ""));
    }
  }
  allCache.set(file, names ?? null);
  return names;
}

/** Several declarations of one name (a try/except fallback, an if/else): the last unconditional one, else the first that tells something. */
function pick(results: Resolved[]): Resolved {
  const informative = results.filter((r) => r.kind !== "unknown" && r.kind !== "value");
  return informative[0] ?? results.find((r) => r.kind === "value") ?? results[0];
}

function resolveDeclaration(program: Program, file: SourceFile, d: Declaration): Resolved {
  switch (d.kind) {
    case "class":
      return { kind: "class", file, node: d.node, name: d.node.childForFieldName("name")!.text };
    case "function":
      return { kind: "function", file, node: d.node, name: d.node.childForFieldName("name")!.text };
    case "variable":
      return d.value && (d.value.type === "identifier" || d.value.type === "attribute") ? resolveExpression(program, file, d.value) : { kind: "value" };
    case "module":
      return moduleValue(program.resolveModule(file, d.module, 0), d.module);
    case "from": {
      const ref = program.resolveModule(file, d.module, d.level);
      if (ref.kind === "torch") return { kind: "torch", name: `${ref.name}.${d.name}` };
      if (ref.kind === "stdlib") return { kind: "stdlib", name: `${ref.name}.${d.name}` };
      if (ref.kind === "missing") return { kind: "unknown", reason: `module '${ref.name}' is not in the folder or on the library search path` };
      if (ref.kind === "file") {
        const r = lookupMember(program, ref.file, d.name);
        if (r) return r;
      }
      return submodule(program, ref, d.name);
    }
  }
}

function moduleValue(ref: ModuleRef, name: string): Resolved {
  if (ref.kind === "torch") return { kind: "torch", name: ref.name };
  if (ref.kind === "stdlib") return { kind: "stdlib", name: ref.name };
  if (ref.kind === "missing") return { kind: "unknown", reason: `module '${name}' is not in the folder or on the library search path` };
  return { kind: "module", ref, name };
}

/** `pkg.sub` where pkg is a package (its __init__.py, or a namespace folder). */
function submodule(program: Program, pkg: PackageRef, name: string): Resolved {
  if (pkg.kind === "file" && !pkg.file.isPackageInit) return { kind: "unknown", reason: `'${name}' is not defined in ${pkg.file.path}` };
  const from = pkg.kind === "file" ? pkg.file : program.file(`${pkg.dir}/__init__.py`);
  const ref = program.resolveModule(from, name, 1);
  if (ref.kind !== "file" && ref.kind !== "namespace") return { kind: "unknown", reason: `'${name}' is not defined in ${pkg.kind === "file" ? pkg.file.path : pkg.dir}` };
  return { kind: "module", ref, name };
}

/** What module-level `name` refers to, as seen from `file` (builtins included). */
export function lookupName(program: Program, file: SourceFile, name: string): Resolved {
  const r = lookupMember(program, file, name);
  if (r) return r;
  if (BUILTINS.has(name)) return { kind: "builtin", name };
  return { kind: "unknown", reason: `'${name}' is not defined at module level of ${file.path}` };
}

/** What `base.attr` refers to. */
export function memberOf(program: Program, base: Resolved, attr: string): Resolved {
  switch (base.kind) {
    case "torch":
      return { kind: "torch", name: `${base.name}.${attr}` };
    case "stdlib":
      return { kind: "stdlib", name: `${base.name}.${attr}` };
    case "module":
      if (base.ref.kind === "file") return lookupMember(program, base.ref.file, attr) ?? submodule(program, base.ref, attr);
      return submodule(program, base.ref, attr);
    case "unknown":
      return base;
    default:
      return { kind: "value" };
  }
}

/** What an identifier or attribute chain written at module level (a base class, an alias's value) refers to. */
export function resolveExpression(program: Program, file: SourceFile, node: SyntaxNode): Resolved {
  if (node.type === "identifier") return lookupName(program, file, node.text);
  if (node.type === "attribute") {
    const base = resolveExpression(program, file, node.childForFieldName("object")!);
    return memberOf(program, base, node.childForFieldName("attribute")!.text);
  }
  // `Generic[T]`, `nn.ModuleList[Block]`: the subscripted class
  if (node.type === "subscript") return resolveExpression(program, file, node.childForFieldName("value")!);
  if (node.type === "parenthesized_expression" && namedChildren(node)[0]) return resolveExpression(program, file, namedChildren(node)[0]);
  return { kind: "value" };
}
