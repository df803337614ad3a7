/**
 * c2m adds no pyflakes finding (README, "Output invariants"): what the translation made unused goes, what the
 * input left unused stays as the input had it. Three kinds, each read from the emitted text against the input:
 * - an import c2m adds (`import mlx.nn as nn`, a helper's `import math`) is added only where the output reads a
 *   name it binds, and never over a name the file's own imports bind already;
 * - an input import (not torch's) the input read and the output no longer reads is dropped;
 * - a local the input read and the output no longer reads (`device = x.device` once `device=` is gone,
 *   `dd = dict(device=device, dtype=dtype)` once `**dd` is) loses its assignment, when evaluating the value
 *   has no effect (names, attributes, literals, operators, a few builtins) and the statement carries no marker.
 * Usage is flow-insensitive and counts a read anywhere below a function (closures included): it errs towards
 * keeping a line, never towards dropping one that is read.
 */
import type MagicString from "magic-string";
import { importBindings, parseModule, type SyntaxNode } from "../grammar/python.js";
import { isTypeString } from "./string-annotations.js";
import { analyzeScopes, MODULE_DUNDERS, readsModule, resolves, type Scope } from "./verify/scopes.js";

export { importBindings };

/** The names each read in a module's text, in total and per function (by its qualified name). */
export interface Usage {
  all: Set<string>;
  perFunction: Map<string, Set<string>>;
  /** names read where nothing binds them (a removed import's name left in a function body: ../passes/runtime-placeholders.ts) */
  unresolved: Set<string>;
  /** names read from the module's namespace (no enclosing function binds them): what a module-level import must bind */
  moduleReads: Set<string>;
}

export function usageOf(root: SyntaxNode): Usage {
  const a = analyzeScopes(root);
  const all = new Set<string>();
  const perFunction = new Map<string, Set<string>>();
  const unresolved = new Set<string>();
  const moduleReads = new Set<string>();
  const names = functionNames(root);
  /** per scope, the read sets of the functions around it (made on its first read) */
  const readersOf = new Map<Scope, Set<string>[]>();
  for (const { node, scope } of a.loads) {
    const name = node.text;
    all.add(name);
    const fromModule = readsModule(scope, name);
    // a star import binds what cannot be known, but only from where it runs (pyflakes reads it so): a name no
    // statement binds counts as unresolved even beside one
    if (!resolves(scope, name) || (a.module.open && fromModule && !a.module.bindings.has(name) && !MODULE_DUNDERS.has(name))) unresolved.add(name);
    if (fromModule) moduleReads.add(name);
    // the read counts for its function and every function around it (a closure reads its parent's locals)
    let sets = readersOf.get(scope);
    if (!sets) {
      sets = [];
      for (let s: Scope | undefined = scope; s; s = s.parent) {
        const q = s.kind === "function" ? names.get(s.node) : undefined;
        if (q) sets.push(perFunction.get(q) ?? perFunction.set(q, new Set()).get(q)!);
      }
      readersOf.set(scope, sets);
    }
    for (const set of sets) set.add(name);
  }
  // `__all__ = ["name", …]` exports its names: they count as read
  for (const n of root.namedNonComment) {
    const asg = n.type === "expression_statement" ? n.namedNonComment[0] : undefined;
    if (asg?.type === "assignment" && asg.childForFieldName("left")?.text === "__all__")
      for (const m of (asg.childForFieldName("right")?.text ?? "").matchAll(/["'](\w+)["']/g)) {
        all.add(m[1]);
        moduleReads.add(m[1]);
      }
  }
  // names inside string annotations (`x: "nn.Module"`) are read by pyflakes too
  for (const s of root.descendantsOfType("string"))
    if (isTypeString(s))
      for (const m of s.text.matchAll(/(?<![\w.])[A-Za-z_]\w*/g)) {
        all.add(m[0]);
        moduleReads.add(m[0]);
      }
  return { all, perFunction, unresolved, moduleReads };
}

/** per module root: its functions' qualified names (the input's are asked for twice, by usageOf and dropDeadStores) */
const functionNamesOf = new WeakMap<SyntaxNode, Map<SyntaxNode, string>>();

/** `Class.method`, `outer.inner`; a second definition of the same name gets `#2` (if/else variants). */
function functionNames(root: SyntaxNode): Map<SyntaxNode, string> {
  let out = functionNamesOf.get(root);
  if (out) return out;
  out = new Map<SyntaxNode, string>();
  // each class and function qualified by the nearest one around it: from the tree's index, in document order
  // (an enclosing definition comes before what it holds), not by a walk of every node
  const qualified = new Map<SyntaxNode, string>();
  const seen = new Map<string, number>();
  const defs =
    root === root.tree.rootNode
      ? [...root.tree.nodesOfType("function_definition"), ...root.tree.nodesOfType("class_definition")].sort((a, b) => a.preorder - b.preorder)
      : root.descendantsOfType(["function_definition", "class_definition"]);
  for (const d of defs) {
    let outer = d.parent;
    while (outer && outer !== root && outer.type !== "function_definition" && outer.type !== "class_definition") outer = outer.parent;
    if (outer === root) outer = null;
    const prefix = outer ? `${qualified.get(outer)}.` : "";
    const base = `${prefix}${d.childForFieldName("name")?.text ?? "?"}`;
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    const q = k === 1 ? base : `${base}#${k}`;
    qualified.set(d, q);
    if (d.type === "function_definition") out.set(d, q);
  }
  functionNamesOf.set(root, out);
  return out;
}

/** per import line (the same few, `import mlx.core as mx`…, in every file): the names it binds */
const lineBindingsOf = new Map<string, readonly string[]>();

/** The names an import line binds (`import mlx.core as mx` → mx), or none when it is not one plain import. */
export function lineBindings(line: string): readonly string[] {
  let names = lineBindingsOf.get(line);
  if (!names) {
    const stmt = parseModule(line).rootNode.namedNonComment[0];
    names = stmt && (stmt.type === "import_statement" || stmt.type === "import_from_statement") ? importBindings(stmt).map((b) => b.name) : [];
    // helper imports are few and fixed; a bound on the cache all the same (a plugin may add lines)
    if (lineBindingsOf.size > 1000) lineBindingsOf.clear();
    lineBindingsOf.set(line, names);
  }
  return names;
}

/**
 * The lines of the import block c2m adds that the output needs: a line stays when the output reads a name
 * it binds and no import of the file's own binds all its names already.
 */
export function neededImportLines(lines: string[], used: Set<string>, ownBindings: Set<string>): string[] {
  return lines.filter((l) => {
    const names = lineBindings(l);
    if (!names.length) return true;
    return names.some((n) => used.has(n)) && !names.every((n) => ownBindings.has(n));
  });
}

/**
 * Drops the input's own (not torch) module-level imports of names the input read and the output no longer reads:
 * `imports` (top-level statements), and those in the module's `try`/`if`/`with` blocks (a fallback
 * `except ImportError: from .fast_norm import rms_norm` once the name translates).
 */
export function dropImportsMadeUnused(s: MagicString, root: SyntaxNode, imports: SyntaxNode[], input: Usage, output: Usage): void {
  // a module-level import serves reads from the module's namespace: a helper's own local of the same name is not one
  const dead = (name: string) => input.moduleReads.has(name) && !output.moduleReads.has(name);
  for (const stmt of imports) if (stmt.parent?.type === "module") dropImport(s, stmt, dead);
  for (const stmt of nestedModuleImports(root)) if (!/^(import|from)\s+torch\b/.test(stmt.text)) dropImport(s, stmt, dead);
}

/** Import statements inside the module's compound statements (not in a function or class body). */
function nestedModuleImports(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode, top: boolean): void => {
    for (const c of n.namedNonComment) {
      if (c.type === "import_statement" || c.type === "import_from_statement") {
        if (!top) out.push(c);
      } else if (!["function_definition", "class_definition", "decorated_definition", "expression_statement"].includes(c.type)) visit(c, false);
    }
  };
  visit(root, true);
  return out;
}

/** Drops the names of an import statement that `dead` says the translation left unread (the statement, when all are). */
function dropImport(s: MagicString, stmt: SyntaxNode, dead: (name: string) => boolean): number {
  if (stmt.type === "future_import_statement" || /\bimport\s*\*/.test(stmt.text)) return 0;
  const binds = importBindings(stmt);
  const keep = binds.filter((b) => !dead(b.name));
  if (keep.length === binds.length) return 0;
  try {
    // an import the translation rewrote is left as it is
    if (s.slice(stmt.startIndex, stmt.endIndex) !== stmt.text) return 0;
    if (!keep.length) return dropStatement(s, stmt);
    const names = keep.map((b) => b.node.text).join(", ");
    s.overwrite(stmt.startIndex, stmt.endIndex, stmt.type === "import_from_statement" ? `from ${stmt.childForFieldName("module_name")!.text} import ${names}` : `import ${names}`);
    return 1;
  } catch {
    return 0;
  }
}

/** builtins whose call has no effect beyond its value (on the values these statements hold) */
const PURE_CALLS = new Set([
  "int",
  "float",
  "bool",
  "str",
  "len",
  "any",
  "all",
  "tuple",
  "list",
  "dict",
  "set",
  "min",
  "max",
  "abs",
  "round",
  "isinstance",
  "hasattr",
  "getattr",
  "sum",
  "range",
  "zip",
  "enumerate",
  "sorted",
  "reversed",
  // c2m's torch.device: a str with torch's .type and .index (cookbook/helpers/ops_device.py)
  "ops_device",
  // `x.device` of a value c2m cannot type (cookbook/helpers/c2m_device_of.py): a read, as the attribute was
  "c2m_device_of",
  // `value in t` as torch reads it (cookbook/helpers/c2m_contains.py): a read
  "c2m_contains",
]);
/** qualified calls that only read state (a tensor's `.device` is `mx.default_device()` in the output) */
const PURE_QUALIFIED_CALLS = new Set(["mx.default_device"]);
const PURE_NODES = new Set([
  "identifier",
  "attribute",
  "subscript",
  "slice",
  "integer",
  "float",
  "string",
  "string_start",
  "string_content",
  "string_end",
  "escape_sequence",
  "concatenated_string",
  "interpolation",
  "format_specifier",
  "format_expression",
  "true",
  "false",
  "none",
  "ellipsis",
  "tuple",
  "list",
  "set",
  "dictionary",
  "pair",
  "parenthesized_expression",
  "expression_list",
  "binary_operator",
  "unary_operator",
  "boolean_operator",
  "comparison_operator",
  "not_operator",
  "conditional_expression",
  "generator_expression",
  "list_comprehension",
  "set_comprehension",
  "dictionary_comprehension",
  "for_in_clause",
  "if_clause",
  "argument_list",
  "keyword_argument",
  "type_conversion",
]);

function pure(n: SyntaxNode): boolean {
  if (n.type === "call") {
    const fn = n.childForFieldName("function");
    const known =
      (fn?.type === "identifier" && PURE_CALLS.has(fn.text)) ||
      (fn?.type === "attribute" && (fn.childForFieldName("object")?.text === "math" || PURE_QUALIFIED_CALLS.has(fn.text)));
    return known && pure(n.childForFieldName("arguments")!);
  }
  if (n.type === "comment") return true;
  return PURE_NODES.has(n.type) && n.namedChildren.every(pure);
}

/** The identifiers an assignment target binds, or null when it is not only plain names (one starred: `*rest`). */
function targetNames(t: SyntaxNode): string[] | null {
  if (t.type === "identifier") return [t.text];
  if (t.type === "list_splat_pattern" && t.parent?.type === "pattern_list") return starredName(t) ? [starredName(t)!] : null;
  if (t.type === "pattern_list" || t.type === "tuple_pattern" || t.type === "list_pattern") {
    const out: string[] = [];
    for (const c of t.namedNonComment) {
      const names = targetNames(c);
      if (!names) return null;
      out.push(...names);
    }
    return out;
  }
  return null;
}

/** `a = b = value` → [[a, b], value] */
function assignmentOf(stmt: SyntaxNode): { names: string[]; value: SyntaxNode } | null {
  let asg = stmt.type === "expression_statement" && stmt.namedNonComment.length === 1 ? stmt.namedNonComment[0] : undefined;
  const names: string[] = [];
  while (asg?.type === "assignment") {
    const t = targetNames(asg.childForFieldName("left")!);
    const right = asg.childForFieldName("right");
    if (!t || !right) return null;
    names.push(...t);
    if (right.type !== "assignment") return { names, value: right };
    asg = right;
  }
  return null;
}

/** A right-hand side pyflakes reads as a literal tuple (its unread targets are findings). */
const LITERAL_TUPLES = new Set(["tuple", "expression_list"]);

/** per function body of the input (read again in each round of dropDeadStores): its statements */
const bodyStatementsOf = new WeakMap<SyntaxNode, SyntaxNode[]>();

/** Statements of a function body, into its control blocks but not into nested definitions. */
function bodyStatements(body: SyntaxNode): SyntaxNode[] {
  let out = bodyStatementsOf.get(body);
  if (out) return out;
  out = [];
  const collect = (block: SyntaxNode, into: SyntaxNode[]): void => {
    for (const st of block.namedNonComment) {
      into.push(st);
      if (st.type === "function_definition" || st.type === "class_definition" || st.type === "decorated_definition") continue;
      for (const c of st.namedNonComment) {
        if (c.type === "block") collect(c, into);
        else for (const b of c.namedNonComment) if (b.type === "block") collect(b, into);
      }
    }
  };
  collect(body, out);
  bodyStatementsOf.set(body, out);
  return out;
}

/**
 * Removes the assignments to locals the input read and the output does not (see the file's comment); a
 * statement left alone in its block becomes `pass`. Returns how many went.
 */
export function dropDeadStores(s: MagicString, inputRoot: SyntaxNode, input: Usage, output: Usage): number {
  let removed = 0;
  for (const [fn, q] of functionNames(inputRoot)) {
    const readIn = input.perFunction.get(q);
    // a module's forward is the output's __call__
    const readOut = output.perFunction.get(q) ?? output.perFunction.get(q.replace(/\.forward(#\d+)?$/, ".__call__$1"));
    // a function the output does not have under this name, or one that reads its own frame
    if (!readIn || !readOut || ["locals", "vars", "eval", "exec"].some((n) => readIn.has(n))) continue;
    const declared = new Set(scopeDeclarations(inputRoot, fn).flatMap((g) => g.namedNonComment.map((i) => i.text)));
    const dead = (n: string) => readIn.has(n) && !readOut.has(n) && !declared.has(n);
    for (const st of bodyStatements(fn.childForFieldName("body")!)) {
      if (st.type === "import_statement" || st.type === "import_from_statement") {
        // torch's own imports are the import emission's and the verifier's (a torch import left is C2M-E023)
        if (!/^(import|from)\s+torch\b/.test(st.text)) removed += dropImport(s, st, (b) => dead(b));
        continue;
      }
      const a = assignmentOf(st);
      // `B, C = x.shape[:2]` with C read nowhere: pyflakes lets an unpacked name go unread, but not once the
      // translation writes the value as a tuple (`B, C = x.shape[0], x.shape[3]`): that name goes too
      const unread = (n: string) => !readIn.has(n) && !readOut.has(n) && !declared.has(n);
      const unpackedUnread = !!a && a.names.length > 1 && !LITERAL_TUPLES.has(a.value.type) && a.names.some(unread);
      if (!a || !(a.names.some(dead) || unpackedUnread)) continue;
      try {
        // still this assignment in the output (an idiom rule may have written another statement over its range)
        const left = st.text.slice(0, st.namedNonComment[0].childForFieldName("left")!.endIndex - st.startIndex);
        const text = s.slice(st.startIndex, st.endIndex);
        if (!text.startsWith(left)) continue;
        // a marked statement keeps its line (the marker's): only its targets may go
        const marked = /#\s*c2m:/.test(s.slice(lineStart(s.original, st.startIndex), lineEnd(s.original, st.endIndex)));
        // what runs is the output's value (`torch.device(d)` is `d` there); a statement the translation left as
        // it was is its input's (a simple statement parses alike alone and in its block)
        const same = text === st.text;
        const out = same ? a : assignmentOf(parseModule(text).rootNode.namedNonComment[0]);
        if (!out || out.names.join() !== a.names.join()) continue;
        const valueStart = out.value.startIndex - (same ? st.startIndex : 0);
        if (!a.names.some(dead)) {
          if (!marked && LITERAL_TUPLES.has(out.value.type)) removed += dropTupleElements(s, st, out.value, unread);
          continue;
        }
        if (a.names.every(dead) && !pure(out.value)) removed += dropTargets(s, st, text, valueStart);
        else if (marked) continue;
        else if (a.names.every(dead)) removed += dropStatement(s, st);
        else removed += dropTupleElements(s, st, out.value, dead);
      } catch {
        // inside an edit: leave it
      }
    }
  }
  return removed;
}

/**
 * The `global` and `nonlocal` statements inside a function (nested functions included): those of the file's
 * index (most files have none) within its span, not a walk of the function.
 */
function scopeDeclarations(root: SyntaxNode, fn: SyntaxNode): SyntaxNode[] {
  const all =
    root.tree.rootNode === root
      ? [...root.tree.nodesOfType("global_statement"), ...root.tree.nodesOfType("nonlocal_statement")]
      : root.descendantsOfType(["global_statement", "nonlocal_statement"]);
  return all.filter((g) => g.startIndex >= fn.startIndex && g.endIndex <= fn.endIndex);
}

/** Removes a statement alone on its lines; one left alone in its block becomes `pass`. */
function dropStatement(s: MagicString, st: SyntaxNode): number {
  const start = lineStart(s.original, st.startIndex);
  const end = lineEnd(s.original, st.endIndex);
  // alone on its lines (a comment after it goes with it)
  if (s.original.slice(start, st.startIndex).trim() || !/^\s*(#.*)?\s*$/.test(s.original.slice(st.endIndex, end))) return 0;
  if (st.parent!.namedNonComment.every((o) => o === st || emptied(s, o))) s.overwrite(st.startIndex, st.endIndex, "pass");
  else s.remove(start, end);
  return 1;
}

/**
 * `device = next(model.parameters()).device` with `device` unread and a value that may have effects (a call):
 * the value stays, as an expression statement, and the targets go. `text` is the statement as the output has
 * it, `valueStart` where its value starts in that text; the targets must be as the input wrote them.
 */
function dropTargets(s: MagicString, st: SyntaxNode, text: string, valueStart: number): number {
  let asg = st.namedNonComment[0];
  while (asg.childForFieldName("right")?.type === "assignment") asg = asg.childForFieldName("right")!;
  const start = asg.childForFieldName("right")!.startIndex;
  if (s.original.slice(st.startIndex, start) !== text.slice(0, valueStart)) return 0;
  s.remove(st.startIndex, start);
  return 1;
}

/** `*rest` as a target: the name it binds, or undefined when it is not a plain name. */
const starredName = (t: SyntaxNode): string | undefined => (t.namedNonComment.length === 1 && t.namedNonComment[0].type === "identifier" ? t.namedNonComment[0].text : undefined);

/**
 * `dtype, device = x.dtype, None` with `device` unread: `dtype = x.dtype` (a pure value for each name dropped).
 * A starred target or an unpacked value (`b, *axis, device = *x.shape, x.device`) leaves the names bound one
 * value each where they are: from the start up to the first of them, from the end back to the last; only
 * those pairs may go, which leaves every other name bound to what it was (`b, *axis = *x.shape`).
 */
function dropTupleElements(s: MagicString, st: SyntaxNode, outRight: SyntaxNode, dead: (name: string) => boolean): number {
  const asg = st.namedNonComment[0];
  const left = asg.childForFieldName("left")!;
  if (left.type !== "pattern_list" || (outRight.type !== "expression_list" && outRight.type !== "tuple")) return 0;
  const targets = left.namedNonComment;
  // the values as the output has them (the translator may have rewritten the whole right-hand side)
  const values = outRight.namedNonComment;
  const starred = (t: SyntaxNode) => t.type === "list_splat_pattern";
  // tree-sitter reads `*x.shape` as the attribute `shape` of `*x`: an unpacked value is one whose text starts with `*`
  const splat = (v: SyntaxNode) => v.text.startsWith("*");
  if (targets.some((t) => t.type !== "identifier" && !(starred(t) && starredName(t))) || targets.filter(starred).length > 1) return 0;
  const spread = targets.some(starred) || values.some(splat);
  if (!spread && targets.length !== values.length) return 0;
  // target index → the value index it takes, where it takes exactly one
  const pairs = new Map<number, number>();
  for (let i = 0; i < Math.min(targets.length, values.length) && !starred(targets[i]) && !splat(values[i]); i++) pairs.set(i, i);
  for (let j = 1; j <= Math.min(targets.length, values.length); j++) {
    const [ti, vi] = [targets.length - j, values.length - j];
    if (starred(targets[ti]) || splat(values[vi])) break;
    if (pairs.has(ti) && pairs.get(ti) !== vi) return 0;
    pairs.set(ti, vi);
  }
  const drop = new Set([...pairs].filter(([t, v]) => dead(targets[t].text) && pure(values[v])).map(([t]) => t));
  if (!drop.size) return 0;
  const keptTargets = targets.filter((_, i) => !drop.has(i)).map((t) => t.text);
  const droppedValues = new Set([...drop].map((t) => pairs.get(t)!));
  const keptValues = values.filter((_, i) => !droppedValues.has(i));
  // what is left must still be an assignment with the same binding: never a lone `*rest = …` or `x = *v`
  if (!keptTargets.length || (keptTargets.length === 1 && (keptTargets[0].startsWith("*") || keptValues.some(splat)))) return 0;
  let value = keptValues.map((v) => v.text).join(", ");
  // one value left for several names: it is a tuple of one (`a, *r = v,`), or what a lone `*v` unpacks
  if (keptValues.length === 1 && keptTargets.length > 1) value = splat(keptValues[0]) ? keptValues[0].text.slice(1) : `${value},`;
  // one edit over the whole assignment: either all of it happens or none
  s.overwrite(asg.startIndex, asg.endIndex, `${keptTargets.join(", ")} = ${value}`);
  return 1;
}

/** Whether the output holds nothing of a statement (the translation dropped it); unsure counts as emptied (an extra `pass` is harmless). */
function emptied(s: MagicString, st: SyntaxNode): boolean {
  try {
    return s.slice(st.startIndex, st.endIndex).trim() === "";
  } catch {
    return true;
  }
}

function lineStart(src: string, pos: number): number {
  return src.lastIndexOf("\n", pos - 1) + 1;
}

/** Index just past the newline ending the line that contains `pos`. */
export function lineEnd(src: string, pos: number): number {
  const nl = src.indexOf("\n", pos);
  return nl < 0 ? src.length : nl + 1;
}
