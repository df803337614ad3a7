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
  // `print (x), y`, `print >>f, x` and `exec (code) in ns` are valid Python 3 expressions that the
  // grammar reads as statements; only the bare forms are Python 2
  if (statement) return /^(print|exec)\s*(\(|>>)/.test(node.text) ? undefined : statement;
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

/** The node types python2Construct (or the keyword check) can object to: the only ones looked at. */
const CHECKED_TYPES = [...Object.keys(PY2_STATEMENTS), "comparison_operator", "string_start", "integer", "except_clause", "raise_statement", "tuple_pattern", "identifier"];

/** The first construct CPython 3 rejects that tree-sitter accepted, in source order, or undefined. */
export function python3Problem(root: SyntaxNode, source: string): SourceProblem | undefined {
  // the first offending node in document order: per type, from the tree's index (nodes of a type are in
  // document order there), the earliest of each type's first
  let first: { node: SyntaxNode; message: string; code: "C2M-E010" | "C2M-E001" } | undefined;
  // the keyword check looks at every identifier of the file: only where the text holds one of the keywords at all
  const keywordsInText = source.includes("async") || source.includes("await");
  for (const type of CHECKED_TYPES) {
    if (type === "identifier" && !keywordsInText) continue;
    for (const node of nodesOf(root, type)) {
      if (first && node.preorder > first.node.preorder) break;
      const py2 = python2Construct(node);
      // both keywords are five characters: most names are told apart without slicing their text
      const keyword = !py2 && node.type === "identifier" && node.endIndex - node.startIndex === 5 && KEYWORDS_AS_NAMES.has(node.text);
      if (py2) first = { node, code: "C2M-E010", message: `Python 2 syntax: ${py2}` };
      else if (keyword) first = { node, code: "C2M-E001", message: `syntax error: '${node.text}' is a keyword in Python 3` };
      if (py2 || keyword) break;
    }
  }
  const found: SourceProblem | undefined = first && { code: first.code, at: first.node.startPosition, message: first.message };
  const indent = indentationProblem(root, source);
  if (indent && (!found || before(indent.at, found.at))) return indent;
  return found;
}

/** The nodes of a type at or below `root`, in document order, from the tree's index (which numbers every node of the tree). */
function nodesOf(root: SyntaxNode, type: string): readonly SyntaxNode[] {
  const all = root.tree.nodesOfType(type);
  if (root === root.tree.rootNode) return all;
  return all.filter((n) => {
    let a: SyntaxNode | null = n;
    while (a && a !== root) a = a.parent;
    return a === root;
  });
}

const before = (a: Point, b: Point) => a.row < b.row || (a.row === b.row && a.column < b.column);

/** Nodes that start a logical line: statements, and the clauses and decorators that open their own line. */
const LINE_OPENERS = new Set(["elif_clause", "else_clause", "except_clause", "except_group_clause", "finally_clause", "case_clause", "decorator"]);

/**
 * CPython's indentation rules, which tree-sitter's scanner does not enforce: the indentation of each
 * logical line is measured twice, with tabs to the next multiple of 8 and with tabs as 1 column, and the
 * two measures must order the line against the enclosing levels the same way (TabError,
 * Parser/tokenizer.c); a deeper line is legal only as the first statement of a block ("unexpected
 * indent"), the first statement of a block must be deeper ("expected an indented block"), and a
 * shallower line must return to an enclosing level ("unindent does not match").
 */
function indentationProblem(root: SyntaxNode, source: string): SourceProblem | undefined {
  const lines = source.split("\n");
  const levels: [number, number][] = [[0, 0]];
  for (const { row, column, opensBlock } of logicalLineStarts(root)) {
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
    const at = { row, column: 0 };
    const tabs = { code: "C2M-E011" as const, at, message: "inconsistent use of tabs and spaces in indentation (Python 3 raises TabError)" };
    const [topCol, topAlt] = levels[levels.length - 1];
    if (col > topCol) {
      if (alt <= topAlt) return tabs;
      if (!opensBlock) return { code: "C2M-E001", at, message: "syntax error: unexpected indent" };
      levels.push([col, alt]);
      continue;
    }
    if (opensBlock) return { code: "C2M-E001", at, message: "syntax error: expected an indented block" };
    while (levels.length > 1 && col < levels[levels.length - 1][0]) levels.pop();
    const [backCol, backAlt] = levels[levels.length - 1];
    if (col !== backCol) return { code: "C2M-E001", at, message: "syntax error: unindent does not match any outer indentation level" };
    if (alt !== backAlt) return tabs;
  }
  return undefined;
}

interface LineStart {
  row: number;
  /** the leftmost node starting a logical line on this row */
  column: number;
  /** it is the first statement of a block on its own row: CPython expects an INDENT here */
  opensBlock: boolean;
}

/** Where logical lines may start, by row, in order: statements, clauses, decorators. */
function logicalLineStarts(root: SyntaxNode): LineStart[] {
  // the candidates, from the tree's index rather than a walk of every node: the children of the module, of
  // each block and of each decorated definition, and the clauses and decorators
  const candidates: SyntaxNode[] = [...root.children];
  const firstOfBlock = new Set<SyntaxNode>();
  for (const block of nodesOf(root, "block")) {
    candidates.push(...block.children);
    const first = block.children.find((c) => c.isNamed && c.type !== "comment");
    if (first) firstOfBlock.add(first);
  }
  for (const d of nodesOf(root, "decorated_definition")) candidates.push(...d.children);
  for (const type of LINE_OPENERS) candidates.push(...nodesOf(root, type));
  // per row, the leftmost; of two starting at the same place, the outer one (the first a walk meets), which
  // the numbering of the tree's index tells without sorting the candidates
  const rows = new Map<number, LineStart & { preorder: number }>();
  for (const node of candidates) {
    const parentType = node.parent?.type;
    const opens =
      node.isNamed &&
      node.type !== "comment" &&
      (parentType === "module" || parentType === "block" || LINE_OPENERS.has(node.type) || (parentType === "decorated_definition" && node.type !== "decorator"));
    if (!opens) continue;
    const { row, column } = node.startPosition;
    const known = rows.get(row);
    if (!known || column < known.column || (column === known.column && node.preorder < known.preorder))
      rows.set(row, { row, column, opensBlock: firstOfBlock.has(node), preorder: node.preorder });
  }
  return [...rows.values()].sort((a, b) => a.row - b.row);
}
