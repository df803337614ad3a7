/**
 * cookbook: finds the idioms of the loaded rules (grammar/rules.ts) in the input and leaves a rewrite for
 * each match in the context; the translator emits the replacement instead of translating the match. The
 * match is CST against CST: node types, operators and leaf texts agree; parentheses are transparent; a
 * metavariable binds a sub-tree (the same metavariable twice must bind the same text); `$...name` binds a
 * run of arguments, parameters or statements; torch names compare by what they resolve to under each
 * side's imports; docstrings, comments and parameter annotations are ignored. The first rule that matches
 * a node wins, and a node another pass already rewrote is left alone.
 */
import { namedChildren, nodeKey, type SyntaxNode } from "../grammar/python.js";
import { dedent, metavarOf, type Condition, type Literal, type Pattern, type Rule } from "../grammar/rule-patterns.js";
import type { ModuleIR } from "../ir/module.js";
import type { PassContext, Rewrite } from "../ir/pipeline.js";
import { isTorch, qualify } from "./resolve-imports.js";

/** The imports a pattern is written under. */
const PATTERN_ALIASES = new Map([
  ["torch", "torch"],
  ["nn", "torch.nn"],
  ["F", "torch.nn.functional"],
]);

type Binding = SyntaxNode | SyntaxNode[];
type Env = Map<string, Binding>;

/** Anonymous tokens that never change meaning (list punctuation). */
const PUNCTUATION = new Set([",", "(", ")", "[", "]", "{", "}"]);

const norm = (s: string) => s.replace(/\s+/g, "");

function stripParens(n: SyntaxNode): SyntaxNode {
  while (n.type === "parenthesized_expression") {
    const inner = namedChildren(n);
    if (inner.length !== 1) break;
    n = inner[0];
  }
  return n;
}

const isDocstring = (n: SyntaxNode) => n.type === "expression_statement" && n.namedChildCount === 1 && ["string", "concatenated_string"].includes(n.namedChildren[0].type);

/** The children a match compares: named ones, without comments (and without docstrings in a block). */
function parts(n: SyntaxNode): SyntaxNode[] {
  const kids = namedChildren(n);
  return n.type === "block" || n.type === "module" ? kids.filter((k) => !isDocstring(k)) : kids;
}

/** A pattern's statements, computed once per pattern (patterns live as long as their rules). */
const patternPartsCache = new WeakMap<Pattern, SyntaxNode[]>();
function patternParts(p: Pattern): SyntaxNode[] {
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
function restOf(p: SyntaxNode): string | undefined {
  const inner = p.type === "expression_statement" && p.namedChildCount === 1 ? p.namedChildren[0] : p;
  const mv = metavarOf(inner);
  return mv?.rest ? mv.name : undefined;
}

/** Arguments that are not a positional expression: a metavariable standing for one never binds them. */
const ARGUMENT_FORMS = new Set(["keyword_argument", "list_splat", "dictionary_splat"]);

class Matcher {
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
function patternTorchName(p: SyntaxNode): string | undefined {
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
function bindingText(b: Binding): string {
  if (!Array.isArray(b)) return b.text;
  if (b.length && STATEMENT_TYPES.test(b[0].type)) {
    let root = b[0];
    while (root.parent) root = root.parent;
    return root.text.slice(b[0].startIndex - root.startIndex, b[b.length - 1].endIndex - root.startIndex);
  }
  return b.map((n) => n.text).join(", ");
}

// ---------------------------------------------------------------- conditions

function literalValue(n: SyntaxNode): Literal | undefined {
  n = stripParens(n);
  switch (n.type) {
    case "integer":
    case "float":
      return Number(n.text.replace(/_/g, ""));
    case "unary_operator": {
      // one sign on a number literal (deeper chains are not literals a rule needs)
      const inner = stripParens(n.namedChildren[0]);
      if (inner.type !== "integer" && inner.type !== "float") return undefined;
      const v = Number(inner.text.replace(/_/g, ""));
      const op = n.child(0)?.text;
      return op === "-" ? -v : op === "+" ? v : undefined;
    }
    case "string": {
      const m = /^[rRbBuU]*("""|'''|"|')([\s\S]*)\1$/.exec(n.text);
      return m ? m[2] : undefined;
    }
    case "true":
      return true;
    case "false":
      return false;
    case "none":
      return null;
    default:
      return undefined;
  }
}

const ARITHMETIC = new Set([
  "identifier",
  "attribute",
  "integer",
  "float",
  "binary_operator",
  "unary_operator",
  "comparison_operator",
  "parenthesized_expression",
  "boolean_operator",
  "not_operator",
  "true",
  "false",
  "none",
]);

/** Only names, attributes, numbers and operators: text that means the same in MLX as in torch. */
function isArithmetic(root: SyntaxNode): boolean {
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === "comment") continue;
    if (!ARITHMETIC.has(n.type)) return false;
    stack.push(...n.namedChildren);
  }
  return true;
}

function hasType(b: Binding, type: string): boolean {
  if (Array.isArray(b)) return false;
  const n = stripParens(b);
  const v = literalValue(n);
  switch (type) {
    case "int":
      return typeof v === "number" && /^-?\+?\d[\d_]*$/.test(n.text.replace(/\s/g, ""));
    case "float":
      return typeof v === "number" && !/^-?\+?\d[\d_]*$/.test(n.text.replace(/\s/g, ""));
    case "number":
      return typeof v === "number";
    case "string":
      return n.type === "string" || n.type === "concatenated_string";
    case "bool":
      return typeof v === "boolean";
    case "none":
      return v === null;
    case "literal":
      return v !== undefined;
    case "name":
      return n.type === "identifier";
    case "attribute":
      return n.type === "attribute";
    case "call":
      return n.type === "call";
    case "arithmetic":
      return isArithmetic(n);
    default:
      return false;
  }
}

function holds(c: Condition, env: Env): boolean {
  const b = env.get(c.metavar);
  if (b === undefined) return false;
  if (c.kind === "is") return hasType(b, c.type) !== c.negate;
  const v = Array.isArray(b) ? undefined : literalValue(b);
  if (v === undefined) return false;
  if (c.kind === "in") return c.values.some((x) => x === v) !== c.negate;
  switch (c.op) {
    case "==":
      return v === c.value;
    case "!=":
      return v !== c.value;
    default: {
      if (typeof v !== "number" || typeof c.value !== "number") return false;
      return c.op === "<" ? v < c.value : c.op === "<=" ? v <= c.value : c.op === ">" ? v > c.value : v >= c.value;
    }
  }
}

// ---------------------------------------------------------------- applying rules

/** The first pattern of `rule` that matches `node` (with its conditions), as bindings. */
export function matchRule(rule: Rule, node: SyntaxNode, aliases: Map<string, string>): Env | undefined {
  return matchPatterns(rule, rule.patterns, node, new Matcher(aliases));
}

function matchPatterns(rule: Rule, patterns: readonly Pattern[], node: SyntaxNode, m: Matcher): Env | undefined {
  for (const p of patterns) {
    const env = m.matchNode(p.root, node);
    if (env && rule.conditions.every((c) => holds(c, env))) return env;
  }
  return undefined;
}

// ---------------------------------------------------------------- which patterns can match a node

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
interface Prefilter {
  callee?: string;
  calleeText?: { kind: "identifier" | "attribute"; text: string };
  operator?: string;
  defName?: string;
  words: string[];
}

const LITERAL_LEAVES = new Set(["identifier", "integer", "float"]);

const prefilters = new WeakMap<SyntaxNode, Prefilter>();
/** The prefilter of a pattern rooted at `root` (an expression, statement or def; a sequence's first statement). */
function prefilterOf(root: SyntaxNode): Prefilter {
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
class Candidate {
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

function mayMatch(f: Prefilter, c: Candidate): boolean {
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

/** The node type a pattern matches at its root. */
function rootType(p: Pattern): string {
  return stripParens(p.root).type;
}

/** Reindents a multi-line replacement so that its later lines sit at `column` (the first line is placed by the emitter). */
function reindent(text: string, column: number): string {
  const pad = " ".repeat(column);
  return text
    .split("\n")
    .map((l, i) => (i === 0 || !l.trim() ? l : pad + l))
    .join("\n");
}

const SPLAT_STARS: Record<string, string> = { list_splat: "*", dictionary_splat: "**" };

/** The rewrite a match leaves: expression replacements get their metavariables translated, others as written. */
export function rewriteFor(rule: Rule, kind: Pattern["kind"], node: SyntaxNode, env: Env): Rewrite {
  const base = { rule: rule.name, helpers: rule.helpers.length ? rule.helpers : undefined, imports: rule.imports.length ? rule.imports : undefined };
  if (kind === "expression") {
    const bindings: Record<string, SyntaxNode> = {};
    let text = rule.replace.replace(/\$\.\.\.([A-Za-z_]\w*)/g, (_, name: string) => `$${name}`);
    for (const [name, b] of env) {
      if (!Array.isArray(b)) bindings[name] = b;
      else {
        // a keyword argument or a splat is bound by its value (the translator parenthesises what it
        // substitutes, and `(**kwargs)` is not Python); the name or the stars stay in the template
        const items = b.map((n, i) => {
          const stars = SPLAT_STARS[n.type] ?? "";
          const value = n.type === "keyword_argument" ? n.childForFieldName("value") : stars ? n.namedChildren[0] : null;
          bindings[`${name}__${i}`] = value ?? n;
          return n.type === "keyword_argument" ? `${n.childForFieldName("name")!.text}=$${name}__${i}` : `${stars}$${name}__${i}`;
        });
        text = text.replace(new RegExp(`\\$${name}\\b`, "g"), () => items.join(", "));
      }
    }
    return { ...base, text, bindings };
  }
  // reindent first, then substitute: multi-line bindings carry their own indentation
  const names = [...env.keys()].sort((a, b) => b.length - a.length);
  const text = reindent(rule.replace, node.startPosition.column);
  const raw = names.length ? text.replace(new RegExp(`\\$(?:\\.\\.\\.)?(${names.join("|")})\\b`, "g"), (_, n: string) => bindingText(env.get(n)!)) : text;
  return { ...base, text: raw };
}

/**
 * A def rule replaces the function's body: the first statement (after the docstring) takes the replacement's
 * body, the others are removed. The def line stays the input's (the emitter renames `forward` itself).
 */
function rewriteBody(ctx: PassContext, rule: Rule, fn: SyntaxNode, env: Env): void {
  const stmts = parts(fn.childForFieldName("body")!);
  if (!stmts.length || stmts.some((s) => ctx.rewrites.has(nodeKey(s)))) return;
  const body = /^def\b/.test(rule.replace) ? dedent(rule.replace.split("\n").slice(1).join("\n")) : rule.replace;
  ctx.rewrites.set(nodeKey(stmts[0]), rewriteFor({ ...rule, replace: body }, "function", stmts[0], env));
  for (const s of stmts.slice(1)) ctx.rewrites.set(nodeKey(s), { text: "", rule: rule.name });
}

/** Sequence rules: each run of consecutive statements of a block that matches a pattern's statements. */
function applySequences(mod: ModuleIR, ctx: PassContext, rules: { rule: Rule; patterns: Pattern[] }[], block: SyntaxNode): void {
  const stmts = parts(block);
  const m = new Matcher(mod.aliases);
  for (let i = 0; i < stmts.length; i++) {
    // one per statement, made on first need: it memoises the statement's callee for every pattern tried
    let candidate: Candidate | undefined;
    for (const { rule, patterns } of rules) {
      let done = false;
      for (const p of patterns) {
        const ps = patternParts(p);
        if (i + ps.length > stmts.length || ps[0].type !== stmts[i].type || !mayMatch(prefilterOf(ps[0]), (candidate ??= new Candidate(stmts[i], mod.aliases)))) continue;
        const run = stmts.slice(i, i + ps.length);
        if (run.some((s) => ctx.rewrites.has(nodeKey(s)))) continue;
        const env = m.matchList(ps, run);
        if (!env || !rule.conditions.every((c) => holds(c, env))) continue;
        ctx.rewrites.set(nodeKey(run[0]), rewriteFor(rule, "sequence", run[0], env));
        for (const s of run.slice(1)) ctx.rewrites.set(nodeKey(s), { text: "", rule: rule.name });
        i += ps.length - 1;
        done = true;
        break;
      }
      if (done) break;
    }
  }
}

/** Applies `rules` to every node of the module; leaves nodes that already have a rewrite alone. */
export function applyRules(mod: ModuleIR, ctx: PassContext, rules: readonly Rule[]): void {
  if (!rules.length) return;
  // a pattern whose literal words are not all in the file matches nowhere in it (most idioms are rare)
  // (patterns share words, and each test scans the whole source: one scan per distinct word)
  const present = new Map<string, boolean>();
  const inSource = (w: string) => {
    let has = present.get(w);
    if (has === undefined) present.set(w, (has = mod.source.includes(w)));
    return has;
  };
  const inFile = (p: Pattern) => prefilterOf(p.root).words.every(inSource);
  const live = rules.map((rule) => ({ rule, patterns: rule.patterns.filter(inFile) })).filter((r) => r.patterns.length);
  const sequences = live.filter((r) => r.rule.patterns[0].kind === "sequence");
  if (sequences.length) {
    const blocks = [mod.root, ...mod.root.descendantsOfType("block")];
    for (const b of blocks) applySequences(mod, ctx, sequences, b);
  }
  // per node type, the rules (in order) with a pattern rooted there; every pattern of such a rule is tried
  const byType = new Map<string, { rule: Rule; kind: Pattern["kind"]; patterns: { p: Pattern; f: Prefilter }[] }[]>();
  for (const { rule, patterns } of live) {
    if (rule.patterns[0].kind === "sequence") continue;
    const entry = { rule, kind: rule.patterns[0].kind, patterns: patterns.map((p) => ({ p, f: prefilterOf(p.root) })) };
    for (const t of new Set(patterns.map(rootType))) {
      if (!byType.has(t)) byType.set(t, []);
      byType.get(t)!.push(entry);
    }
  }
  if (!byType.size) return;
  const m = new Matcher(mod.aliases);
  // the candidates of every type in one document-order list (a match can take nodes other rules would
  // have matched, so the order is the walk's), without import statements' insides and parenthesised nodes
  const tree = mod.root.tree;
  const candidates = mergeInOrder([...byType.keys()].filter((t) => t !== "parenthesized_expression").map((t) => tree.nodesOfType(t)));
  const imports = mergeInOrder([tree.nodesOfType("import_statement"), tree.nodesOfType("import_from_statement")]);
  let imp = 0;
  for (const n of candidates) {
    while (imp < imports.length && imports[imp].endIndex <= n.startIndex) imp++;
    if (imp < imports.length && imports[imp].startIndex <= n.startIndex && n.endIndex <= imports[imp].endIndex) continue;
    const c = new Candidate(n, mod.aliases);
    for (const { rule, kind, patterns } of byType.get(n.type)!) {
      const possible = patterns.filter(({ f }) => mayMatch(f, c));
      if (!possible.length || ctx.rewrites.has(nodeKey(n))) continue;
      const env = matchPatterns(
        rule,
        possible.map(({ p }) => p),
        n,
        m,
      );
      if (env) {
        if (kind === "function") rewriteBody(ctx, rule, n, env);
        else ctx.rewrites.set(nodeKey(n), rewriteFor(rule, kind, n, env));
        break;
      }
    }
  }
}

/** Node lists in document order merged into one (by the tree's walk numbers). */
function mergeInOrder(lists: readonly (readonly SyntaxNode[])[]): SyntaxNode[] {
  const nonEmpty = lists.filter((l) => l.length);
  if (nonEmpty.length <= 1) return [...(nonEmpty[0] ?? [])];
  const out: SyntaxNode[] = [];
  const at = nonEmpty.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < nonEmpty.length; i++) {
      if (at[i] < nonEmpty[i].length && (best < 0 || nonEmpty[i][at[i]].preorder < nonEmpty[best][at[best]].preorder)) best = i;
    }
    if (best < 0) return out;
    out.push(nonEmpty[best][at[best]++]);
  }
}
