/**
 * What tree-sitter-python accepts and CPython 3 rejects. The grammar keeps Python 2 forms (print and exec
 * statements, `<>`, backticks, `0777`, `10L`, `ur""`, `except E, e:`, `raise E, msg`, tuple parameters)
 * and its indentation scanner counts a tab as eight columns without CPython's second check. c2m must not
 * translate a file Python 3 cannot run, so these are located errors, like tree-sitter's own error nodes.
 * Reads the plain tree only; iterative, so deep nesting cannot exhaust the stack.
 */
import type { Point, SyntaxNode } from "./syntax-tree.js";

export interface SourceProblem {
  code: "C2M-E010" | "C2M-E011" | "C2M-E001";
  at: Point;
  message: string;
}

/** Node types that are Python 2 statements. */
const PY2_STATEMENTS: Readonly<Record<string, string>> = {
  print_statement: "print statement (Python 3: print(...))",
  exec_statement: "exec statement (Python 3: exec(...))",
};

/** String prefixes Python 3 accepts (case-insensitive). */
const PY3_STRING_PREFIXES = new Set(["", "r", "u", "b", "br", "rb", "f", "fr", "rf"]);

/** Python 3 keywords tree-sitter reads as plain names. */
const KEYWORDS_AS_NAMES = new Set(["async", "await"]);

/** The Python 2 construct at `node`, if it is one (a message), else undefined. */
function python2Construct(node: SyntaxNode): string | undefined {
  const statement = PY2_STATEMENTS[node.type];
  if (statement) return statement;
  switch (node.type) {
    case "comparison_operator":
      return node.children.some((c) => c.type === "<>") ? "the <> operator (Python 3: !=)" : undefined;
    case "string_start": {
      const text = node.text;
      if (text.startsWith("`")) return "backtick repr (Python 3: repr(...))";
      const prefix = text.replace(/["']+$/, "").toLowerCase();
      return PY3_STRING_PREFIXES.has(prefix) ? undefined : `string prefix '${prefix}'`;
    }
    case "integer": {
      const text = node.text;
      if (/[lL]$/.test(text)) return `long integer literal '${text}' (Python 3: drop the L)`;
      if (/^0[0-9_]*[1-9]/.test(text)) return `octal literal '${text}' (Python 3: 0o${text.slice(1)})`;
      return undefined;
    }
    case "except_clause":
      return node.children.some((c) => c.type === ",") ? "except E, name (Python 3: except E as name)" : undefined;
    case "raise_statement":
      return node.namedChildren.some((c) => c.type === "expression_list") ? "raise E, message (Python 3: raise E(message))" : undefined;
    case "tuple_pattern":
      return node.parent?.type === "parameters" || node.parent?.type === "lambda_parameters" ? "tuple parameter (Python 3: unpack in the body)" : undefined;
    default:
      return undefined;
  }
}

/** The first tree-sitter error or missing node, in source order (iterative). */
export function firstErrorNode(root: SyntaxNode): SyntaxNode | undefined {
  if (!root.hasError) return undefined;
  let node = root;
  for (;;) {
    if (node.type === "ERROR" || node.isMissing) return node;
    const next = node.children.find((c) => c.hasError || c.isMissing || c.type === "ERROR");
    if (!next) return node;
    node = next;
  }
}

/** The first construct CPython 3 rejects that tree-sitter accepted, in source order, or undefined. */
export function python3Problem(root: SyntaxNode, source: string): SourceProblem | undefined {
  const stack: SyntaxNode[] = [root];
  let found: SourceProblem | undefined;
  while (stack.length) {
    const node = stack.pop()!;
    const py2 = python2Construct(node);
    if (py2) {
      found = { code: "C2M-E010", at: node.startPosition, message: `Python 2 syntax: ${py2}` };
      break;
    }
    if (node.type === "identifier" && KEYWORDS_AS_NAMES.has(node.text)) {
      found = { code: "C2M-E001", at: node.startPosition, message: `syntax error: '${node.text}' is a keyword in Python 3` };
      break;
    }
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  const tabs = tabError(root, source);
  if (tabs && (!found || before(tabs.at, found.at))) return tabs;
  return found;
}

const before = (a: Point, b: Point) => a.row < b.row || (a.row === b.row && a.column < b.column);

/** Nodes that start a logical line: statements, and the clauses and decorators that open their own line. */
const LINE_OPENERS = new Set(["elif_clause", "else_clause", "except_clause", "except_group_clause", "finally_clause", "case_clause", "decorator"]);

/**
 * CPython's TabError: the indentation of each logical line is measured twice, with tabs to the next
 * multiple of 8 and with tabs as 1 column; the two measures must order the line against the enclosing
 * indentation levels the same way (Parser/tokenizer.c, `indenterror`).
 */
function tabError(root: SyntaxNode, source: string): SourceProblem | undefined {
  if (!source.includes("\t")) return undefined;
  const starts = logicalLineStarts(root);
  const lines = source.split("\n");
  const levels: [number, number][] = [[0, 0]];
  for (const [row, column] of starts) {
    const line = lines[row] ?? "";
    // a statement after a continuation line (`(1,\n 2); y = 3`) does not start its row
    if (column !== line.length - line.trimStart().length) continue;
    let col = 0;
    let alt = 0;
    for (const ch of line) {
      if (ch === " ") {
        col++;
        alt++;
      } else if (ch === "\t") {
        col = (Math.floor(col / 8) + 1) * 8;
        alt++;
      } else if (ch === "\f") {
        col = 0;
        alt = 0;
      } else break;
    }
    const [topCol, topAlt] = levels[levels.length - 1];
    let bad = false;
    if (col === topCol) bad = alt !== topAlt;
    else if (col > topCol) {
      bad = alt <= topAlt;
      levels.push([col, alt]);
    } else {
      while (levels.length > 1 && col < levels[levels.length - 1][0]) levels.pop();
      bad = col === levels[levels.length - 1][0] && alt !== levels[levels.length - 1][1];
    }
    if (bad) return { code: "C2M-E011", at: { row, column: 0 }, message: "inconsistent use of tabs and spaces in indentation (Python 3 raises TabError)" };
  }
  return undefined;
}

/** Where logical lines may start, by row (the leftmost start on it), in order: statements, clauses, decorators. */
function logicalLineStarts(root: SyntaxNode): [number, number][] {
  const rows = new Map<number, number>();
  const stack: SyntaxNode[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    const parentType = node.parent?.type;
    const opens = node.isNamed && node.type !== "comment" && (parentType === "module" || parentType === "block" || LINE_OPENERS.has(node.type) || (parentType === "decorated_definition" && node.type !== "decorator"));
    if (opens) {
      const { row, column } = node.startPosition;
      rows.set(row, Math.min(column, rows.get(row) ?? column));
    }
    for (const c of node.children) stack.push(c);
  }
  return [...rows].sort((a, b) => a[0] - b[0]);
}
