/**
 * cookbook-matcher: one pattern's CST against one input sub-tree. Node types, operators and leaf texts agree;
 * parentheses are transparent; a metavariable binds a sub-tree (the same metavariable twice must bind the
 * same text); `$...name` binds a run of arguments, parameters or statements; torch names compare by what they
 * resolve to under each side's imports; docstrings, comments and parameter annotations are ignored.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import { metavarOf, type Pattern } from "../grammar/rule-patterns.js";
import { isTorch, qualify } from "./resolve-imports.js";

/** The imports a pattern is written under. */
const PATTERN_ALIASES = new Map([
  ["torch", "torch"],
  ["nn", "torch.nn"],
  ["F", "torch.nn.functional"],
]);

export type Binding = SyntaxNode | SyntaxNode[];
export type Env = Map<string, Binding>;

/** Anonymous tokens that never change meaning (list punctuation). */
const PUNCTUATION = new Set([",", "(", ")", "[", "]", "{", "}"]);

export const norm = (s: string) => s.replace(/\s+/g, "");

export function stripParens(n: SyntaxNode): SyntaxNode {
  while (n.type === "parenthesized_expression") {
    const inner = namedChildren(n);
    if (inner.length !== 1) break;
    n = inner[0];
  }
  return n;
}

const isDocstring = (n: SyntaxNode) => n.type === "expression_statement" && n.namedChildCount === 1 && ["string", "concatenated_string"].includes(n.namedChildren[0].type);

/** The children a match compares: named ones, without comments (and without docstrings in a block). */
export function parts(n: SyntaxNode): SyntaxNode[] {
  const kids = namedChildren(n);
  return n.type === "block" || n.type === "module" ? kids.filter((k) => !isDocstring(k)) : kids;
}

/** A pattern's statements, computed once per pattern (patterns live as long as their rules). */
const patternPartsCache = new WeakMap<Pattern, SyntaxNode[]>();
export function patternParts(p: Pattern): SyntaxNode[] {
  let ps = patternPartsCache.get(p);
  if (!ps) patternPartsCache.set(p, (ps = parts(p.root)));
  return ps;
}

/** Operators and keywords between the named children, in order (`x[:2]` and `x[2:]` differ only here). */
function shape(n: SyntaxNode): string {
  return n.children
    .filter((c) => c.type !== "comment")
    .map(shapeToken)
    .filter(Boolean)
    .join(" ");
}

/** A child's part of its parent's shape: "#" for a named child, nothing for punctuation and comments. */
function shapeToken(c: SyntaxNode): string {
  return c.type === "comment" || (!c.isNamed && PUNCTUATION.has(c.type)) ? "" : c.isNamed ? "#" : c.type;
}

/**
 * Whether `shape(n) === expected`, read off n's children without building the string (the matcher asks
 * this of every input node it tries, and most tries fail).
 */
function hasShape(n: SyntaxNode, expected: string): boolean {
  let at = 0;
  let first = true;
  for (const c of n.children) {
    const token = shapeToken(c);
    if (!token) continue;
    if (!first) {
      if (expected.charCodeAt(at) !== 32) return false;
      at++;
    }
    first = false;
    if (!expected.startsWith(token, at)) return false;
    at += token.length;
  }
  return at === expected.length;
}

/** A pattern node's shape, computed once (pattern trees live as long as their rules). */
const patternShapes = new WeakMap<SyntaxNode, string>();
function patternShape(p: SyntaxNode): string {
  let sh = patternShapes.get(p);
  if (sh === undefined) patternShapes.set(p, (sh = shape(p)));
  return sh;
}

/** `$...name` in a list position: the placeholder itself, or an expression statement holding only it. */
export function restOf(p: SyntaxNode): string | undefined {
  const inner = p.type === "expression_statement" && p.namedChildCount === 1 ? p.namedChildren[0] : p;
  const mv = metavarOf(inner);
  return mv?.rest ? mv.name : undefined;
}

/** Arguments that are not a positional expression: a metavariable standing for one never binds them. */
const ARGUMENT_FORMS = new Set(["keyword_argument", "list_splat", "dictionary_splat"]);

export class Matcher {
  /** metavariables in the order they were bound: a failed branch unbinds what it bound (bindings are never overwritten) */
  private trail: string[] = [];

  constructor(private aliases: Map<string, string>) {}

  /** `p` against `n` from no bindings: the bindings, or undefined */
  matchNode(p: SyntaxNode, n: SyntaxNode): Env | undefined {
    const env: Env = new Map();
    this.trail.length = 0;
    return this.node(p, n, env) ? env : undefined;
  }

  /** the statements `ps` against the statements `ns`, from no bindings */
  matchList(ps: SyntaxNode[], ns: SyntaxNode[]): Env | undefined {
    const env: Env = new Map();
    this.trail.length = 0;
    return this.list(ps, 0, ns, 0, env) ? env : undefined;
  }

  private node(p0: SyntaxNode, n0: SyntaxNode, env: Env): boolean {
    const p = stripParens(p0);
    const n = stripParens(n0);
    // a parameter pattern without annotation matches an annotated parameter
    if (p.type === "identifier" && n.type === "typed_parameter" && p.parent?.type === "parameters") {
      const id = namedChildren(n).find((c) => c.type === "identifier");
      return !!id && this.node(p, id, env);
    }
    const mv = metavarOf(p);
    if (mv && !mv.rest) {
      // `f($x, $r)` names positional arguments: `repeats=r` or `**kw` in that place is another call
      if (p.parent?.type === "argument_list" && ARGUMENT_FORMS.has(n.type)) return false;
      return this.bind(mv.name, n, env);
    }
    if (p.type === "identifier" || p.type === "attribute") {
      const q = patternTorchName(p);
      if (q) return (n.type === "identifier" || n.type === "attribute") && qualify(n, this.aliases) === q;
    }
    if (p.type !== n.type) return false;
    if (p.type === "function_definition") return this.functionDef(p, n, env);
    const ps = parts(p);
    const ns = parts(n);
    if (!ps.length && !ns.length) return norm(p.text) === norm(n.text);
    // blocks have no operators (and their docstrings are not compared)
    const isBlock = p.type === "block" || p.type === "module";
    if (!isBlock && !ps.some((c) => restOf(c) !== undefined) && !hasShape(n, patternShape(p))) return false;
    return this.list(ps, 0, ns, 0, env);
  }

  /** def: name, parameters and body; the input's return annotation is ignored when the pattern has none. */
  private functionDef(p: SyntaxNode, n: SyntaxNode, env: Env): boolean {
    for (const field of ["name", "parameters", "body"]) {
      const pc = p.childForFieldName(field);
      const nc = n.childForFieldName(field);
      if (!pc || !nc || !this.node(pc, nc, env)) return false;
    }
    const pr = p.childForFieldName("return_type");
    return !pr || (!!n.childForFieldName("return_type") && this.node(pr, n.childForFieldName("return_type")!, env));
  }

  /** `ps[i..]` against `ns[j..]` */
  private list(ps: SyntaxNode[], i: number, ns: SyntaxNode[], j: number, env: Env): boolean {
    if (i === ps.length) return j === ns.length;
    const mark = this.trail.length;
    const rest = restOf(ps[i]);
    if (rest !== undefined) {
      for (let k = j; k <= ns.length; k++) {
        if (this.bind(rest, ns.slice(j, k), env) && this.list(ps, i + 1, ns, k, env)) return true;
        this.undo(env, mark);
      }
      return false;
    }
    if (j === ns.length) return false;
    if (this.node(ps[i], ns[j], env) && this.list(ps, i + 1, ns, j + 1, env)) return true;
    this.undo(env, mark);
    return false;
  }

  private bind(name: string, value: Binding, env: Env): boolean {
    const prev = env.get(name);
    if (prev === undefined) {
      env.set(name, value);
      this.trail.push(name);
      return true;
    }
    return norm(bindingText(prev)) === norm(bindingText(value));
  }

  private undo(env: Env, mark: number): void {
    while (this.trail.length > mark) env.delete(this.trail.pop()!);
  }
}

/** The torch name a pattern's identifier or attribute chain stands for (`F.relu` → `torch.nn.functional.relu`), cached. */
const patternTorchNames = new WeakMap<SyntaxNode, string | null>();
export function patternTorchName(p: SyntaxNode): string | undefined {
  let q = patternTorchNames.get(p);
  if (q === undefined) {
    const name = qualify(p, PATTERN_ALIASES);
    patternTorchNames.set(p, (q = name && isTorch(name) ? name : null));
  }
  return q ?? undefined;
}

const STATEMENT_TYPES = /statement$|^function_definition$|^class_definition$|^decorated_definition$/;

/**
 * What a binding reads as: a node's text; a run of arguments joined by commas; a run of statements as the
 * source holds them (later lines keep their indentation, right when the replacement puts the run at the
 * column it had).
 */
export function bindingText(b: Binding): string {
  if (!Array.isArray(b)) return b.text;
  if (b.length && STATEMENT_TYPES.test(b[0].type)) {
    let root = b[0];
    while (root.parent) root = root.parent;
    return root.text.slice(b[0].startIndex - root.startIndex, b[b.length - 1].endIndex - root.startIndex);
  }
  return b.map((n) => n.text).join(", ");
}
