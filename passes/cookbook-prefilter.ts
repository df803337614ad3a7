/**
 * cookbook-prefilter: which patterns can match a node at all, decided from cheap facts (callee name,
 * operator, def name, literal words) before the matcher runs.
 */
import type { SyntaxNode } from "../grammar/python.js";
import { metavarOf } from "../grammar/rule-patterns.js";
import { norm, parts, patternTorchName, restOf, stripParens } from "./cookbook-matcher.js";
import { qualify } from "./resolve-imports.js";

/**
 * What a node must have for a pattern to match it, checked before the matcher runs (most nodes match no
 * rule, and the matcher is the expensive part). First the pattern's top, in constant time:
 * - `callee`: a call pattern whose callee is a torch name matches only calls of that name;
 * - `calleeText`: a call pattern whose callee is a plain name (`repeat_kv`) or a method (`$x.bincount`)
 *   matches only calls whose callee is that name or ends in that attribute;
 * - `operator`: a binary-operator pattern matches only that operator;
 * - `defName`: a def pattern with a plain name matches only defs of that name.
 * Then `words`: the pattern's literal names and numbers (not metavariables, not torch names, which an
 * import alias may spell differently) are compared by text, so each one is a substring of any match's text.
 */
export interface Prefilter {
  callee?: string;
  calleeText?: { kind: "identifier" | "attribute"; text: string };
  operator?: string;
  defName?: string;
  words: string[];
}

const LITERAL_LEAVES = new Set(["identifier", "integer", "float"]);

const prefilters = new WeakMap<SyntaxNode, Prefilter>();
/** The prefilter of a pattern rooted at `root` (an expression, statement or def; a sequence's first statement). */
export function prefilterOf(root: SyntaxNode): Prefilter {
  let f = prefilters.get(root);
  if (f) return f;
  const words = new Set<string>();
  // the matcher's own walk: parentheses stripped, comments and block docstrings skipped
  const stack = [root];
  while (stack.length) {
    const p = stripParens(stack.pop()!);
    if (metavarOf(p)) continue;
    if ((p.type === "identifier" || p.type === "attribute") && patternTorchName(p)) continue;
    const ps = parts(p);
    if (!ps.length && LITERAL_LEAVES.has(p.type)) words.add(norm(p.text));
    for (const c of ps) stack.push(c);
  }
  // longest first: the more specific a word, the sooner a node without it is rejected
  f = { words: [...words].sort((a, b) => b.length - a.length) };
  const top = stripParens(root);
  if (top.type === "call") {
    const callee = stripParens(top.childForFieldName("function")!);
    const q = callee.type === "identifier" || callee.type === "attribute" ? patternTorchName(callee) : undefined;
    if (q) f.callee = q;
    else if (callee.type === "identifier" && !metavarOf(callee)) f.calleeText = { kind: "identifier", text: norm(callee.text) };
    else if (callee.type === "attribute") {
      const attr = callee.childForFieldName("attribute")!;
      if (!metavarOf(attr)) f.calleeText = { kind: "attribute", text: norm(attr.text) };
    }
  } else if (top.type === "binary_operator" && !parts(top).some((c) => restOf(c) !== undefined)) {
    f.operator = top.childForFieldName("operator")!.type;
  } else if (top.type === "function_definition") {
    const name = top.childForFieldName("name")!;
    if (!metavarOf(name) && !patternTorchName(name)) f.defName = norm(name.text);
  }
  prefilters.set(root, f);
  return f;
}

/** A node's facts the prefilters read, computed on first use (one node is checked against many patterns). */
export class Candidate {
  private calleeName: string | undefined | null = null;
  private calleeNode: SyntaxNode | undefined | null = null;
  constructor(
    readonly node: SyntaxNode,
    private aliases: Map<string, string>,
  ) {}
  /** the call's callee, parentheses stripped */
  get calleeExpr(): SyntaxNode | undefined {
    if (this.calleeNode === null) {
      const fn = this.node.childForFieldName("function");
      this.calleeNode = fn ? stripParens(fn) : undefined;
    }
    return this.calleeNode;
  }
  /** the torch name (or other qualified name) the call's callee resolves to */
  get callee(): string | undefined {
    if (this.calleeName === null) {
      const fn = this.calleeExpr;
      this.calleeName = fn ? qualify(fn, this.aliases) : undefined;
    }
    return this.calleeName;
  }
}

export function mayMatch(f: Prefilter, c: Candidate): boolean {
  if (f.callee !== undefined && c.callee !== f.callee) return false;
  if (f.calleeText) {
    const fn = c.calleeExpr;
    if (!fn || fn.type !== f.calleeText.kind) return false;
    const name = fn.type === "attribute" ? fn.childForFieldName("attribute") : fn;
    if (!name || norm(name.text) !== f.calleeText.text) return false;
  }
  if (f.operator !== undefined && c.node.childForFieldName("operator")?.type !== f.operator) return false;
  if (f.defName !== undefined && c.node.childForFieldName("name")?.text !== f.defName) return false;
  if (f.words.length) {
    const text = c.node.text;
    for (const w of f.words) if (!text.includes(w)) return false;
  }
  return true;
}
