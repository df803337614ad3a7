/**
 * The data side of the cookbook rule language: rules, patterns, conditions, and the pattern compiler (a
 * pattern is Python with metavariables, parsed by tree-sitter). The text syntax of rule files is parsed by
 * grammar/rules.ts (chevrotain); built-in rules arrive precompiled (cookbook/rules.json), so compiling a
 * model never loads the rule-file parser.
 */
import type { IToken } from "chevrotain";
import { firstError, namedChildren, parseModule, type SyntaxNode } from "./python.js";

/** A located problem in a rule file. `message` already carries `file:line:col`. */
export class RuleSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** what the parser expected there, in words */
    readonly expected: string,
    detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = "RuleSyntaxError";
  }
}

export type ConditionType = "int" | "float" | "number" | "string" | "bool" | "none" | "name" | "attribute" | "call" | "literal" | "arithmetic";
export const CONDITION_TYPES: readonly ConditionType[] = ["int", "float", "number", "string", "bool", "none", "name", "attribute", "call", "literal", "arithmetic"];

export type Literal = number | string | boolean | null;

export type Condition =
  | { kind: "is"; metavar: string; negate: boolean; type: ConditionType }
  | { kind: "compare"; metavar: string; op: "==" | "!=" | "<" | "<=" | ">" | ">="; value: Literal }
  | { kind: "in"; metavar: string; negate: boolean; values: Literal[] };

export type PatternKind = "expression" | "statement" | "sequence" | "function";

/** A pattern, parsed: `root` is the pattern's CST (metavariables are placeholder identifiers, see `metavarOf`). */
export interface Pattern {
  source: string;
  kind: PatternKind;
  root: SyntaxNode;
  /** metavariable names bound by the pattern (`x` for `$x`, `args` for `$...args`) */
  metavars: Set<string>;
  /** names bound by `$...name` */
  rest: Set<string>;
}

export interface Rule {
  name: string;
  patterns: Pattern[];
  conditions: Condition[];
  replace: string;
  helpers: string[];
  imports: string[];
  examples: { code: string; expect: string[] }[];
  /** where it was defined, for messages */
  file: string;
  line: number;
}

// ---------------------------------------------------------------- metavariable placeholders

const MV_PREFIX = "__c2m_mv_";
const REST_PREFIX = "__c2m_rest_";
export const METAVAR_RE = /\$(\.\.\.)?([A-Za-z_][A-Za-z0-9_]*)/g;

/** `$x` → placeholder identifier; returns the Python text and, per line, where placeholders widened it. */
function withPlaceholders(code: string): string {
  return code.replace(METAVAR_RE, (_, rest: string | undefined, name: string) => (rest ? REST_PREFIX : MV_PREFIX) + name);
}

/** The metavariable a pattern node stands for, if it is a placeholder. */
export function metavarOf(node: SyntaxNode): { name: string; rest: boolean } | undefined {
  if (node.type !== "identifier") return undefined;
  if (node.text.startsWith(MV_PREFIX)) return { name: node.text.slice(MV_PREFIX.length), rest: false };
  if (node.text.startsWith(REST_PREFIX)) return { name: node.text.slice(REST_PREFIX.length), rest: true };
  return undefined;
}

/** Column in the original (metavariable) text of a column in the placeholder text, on one line. */
function originalColumn(line: string, placeholderCol: number): number {
  let orig = 0;
  let ph = 0;
  METAVAR_RE.lastIndex = 0;
  for (let m = METAVAR_RE.exec(line); m; m = METAVAR_RE.exec(line)) {
    const widened = (m[1] ? REST_PREFIX : MV_PREFIX).length + m[2].length;
    if (ph + (m.index - orig) + widened > placeholderCol) break;
    ph += m.index - orig + widened;
    orig = m.index + m[0].length;
  }
  return orig + Math.max(0, placeholderCol - ph);
}

/** Removes the indentation common to all non-blank lines, and one leading and trailing blank line. */
export function dedent(text: string): string {
  const lines = text
    .replace(/^[ \t]*\r?\n/, "")
    .replace(/\r?\n[ \t]*$/, "")
    .split(/\r?\n/);
  const indents = lines.filter((l) => l.trim()).map((l) => l.match(/^[ \t]*/)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join("\n");
}

/** The text inside a CODE token and where it starts (1-based line and column of the first character after the backtick). */
export function codeOf(tok: IToken): { text: string; line: number; col: number } {
  return { text: tok.image.slice(1, -1), line: tok.startLine!, col: tok.startColumn! + 1 };
}

/** Parses one pattern; `where` locates errors (a CODE token, or nothing for patterns given from TypeScript). */
export function compilePattern(where: IToken | string, file = "<rule>"): Pattern {
  const code = typeof where === "string" ? { text: where, line: 1, col: 1 } : codeOf(where);
  const source = dedent(code.text);
  // dedent() removed a leading blank line and a common indent: map positions back through both
  const firstBlank = /^[ \t]*\r?\n/.test(code.text) ? 1 : 0;
  const origLines = code.text.split(/\r?\n/);
  const srcLines = source.split("\n");
  const locate = (row: number, col: number): [number, number] => {
    const origRow = row + firstBlank;
    const cut = (origLines[origRow]?.length ?? 0) - (srcLines[row]?.length ?? 0);
    const c = originalColumn(srcLines[row] ?? "", col) + cut;
    return [code.line + origRow, (origRow === 0 ? code.col : 1) + c];
  };
  const fail = (row: number, col: number, expected: string, detail: string): never => {
    const [l, c] = locate(row, col);
    throw new RuleSyntaxError(file, l, c, expected, detail);
  };
  if (!source.trim()) fail(0, 0, "a Python pattern", "empty pattern");
  const tree = parseModule(withPlaceholders(source));
  const err = firstError(tree.rootNode);
  if (err) {
    const what = err.isMissing ? `missing ${err.type}` : `unexpected '${err.text.slice(0, 20)}'`;
    fail(err.startPosition.row, err.startPosition.column, "a Python expression, statement or def", `pattern is not valid Python: ${what}`);
  }
  const stmts = namedChildren(tree.rootNode).filter((n) => n.type !== "comment");
  const def = stmts.find((n) => n.type === "function_definition");
  if (stmts.length > 1 && def) fail(def.startPosition.row, def.startPosition.column, "one def, or statements without a def", "a def pattern stands alone");
  const stmt = stmts[0];
  let kind: PatternKind;
  let root: SyntaxNode;
  if (stmts.length > 1) {
    kind = "sequence";
    root = tree.rootNode;
    const rest = stmts.find((n) => n.type === "expression_statement" && n.namedChildCount === 1 && metavarOf(n.namedChildren[0])?.rest);
    if (rest) fail(rest.startPosition.row, rest.startPosition.column, "a statement", "a statement sequence cannot hold $...name at its top level");
  } else if (stmt.type === "function_definition") {
    kind = "function";
    root = stmt;
  } else if (stmt.type === "expression_statement" && namedChildren(stmt).length === 1 && !["assignment", "augmented_assignment"].includes(namedChildren(stmt)[0].type)) {
    kind = "expression";
    root = namedChildren(stmt)[0];
    if (metavarOf(root)) fail(0, 0, "a pattern with structure", "a pattern that is only a metavariable would match every expression");
  } else {
    kind = "statement";
    root = stmt;
  }
  const metavars = new Set<string>();
  const rest = new Set<string>();
  const walk = (n: SyntaxNode) => {
    const mv = metavarOf(n);
    if (mv) ((mv.rest ? rest : metavars).add(mv.name), metavars.add(mv.name));
    for (const c of n.namedChildren) walk(c);
  };
  walk(root);
  return { source, kind, root, metavars, rest };
}
