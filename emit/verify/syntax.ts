/**
 * The output parses as Python 3.10+: no ERROR or MISSING node in tree-sitter's tree, and none of what
 * tree-sitter accepts and CPython rejects: an empty block, `**`/`*` splats where only a call takes them
 * (`(n, **dd)`), a repeated keyword argument, a positional argument after a keyword one, a parameter
 * without a default after one with, a repeated parameter name, an assignment to a call or a literal.
 */
import { FLOW_BLOCK_OWNERS, type NativeTree, type SyntaxNode } from "../../grammar/python.js";
import { finding, type Finding } from "./types.js";

const BLOCK_OWNERS = new Set([...FLOW_BLOCK_OWNERS, "function_definition", "class_definition"]);
const ASSIGNABLE = new Set([
  "identifier",
  "attribute",
  "subscript",
  "pattern_list",
  "tuple_pattern",
  "list_pattern",
  "list_splat_pattern",
  "tuple",
  "list",
  "parenthesized_expression",
  "list_splat",
  "expression_list",
]);

/** The node types `checkSyntaxAt` has a check for. */
const CHECKED_TYPES = [
  "module",
  "block",
  "tuple",
  "list",
  "set",
  "parenthesized_expression",
  "argument_list",
  "parameters",
  "lambda_parameters",
  "assignment",
  "augmented_assignment",
];

export function checkSyntax(root: SyntaxNode): Finding[] {
  const out: Finding[] = [];
  // a whole tree without errors: the nodes of the checked types from the tree's index, in document order, not a walk of every node
  if (!root.hasError && root === root.tree.rootNode) {
    for (const n of root.tree.nodesOfTypes(CHECKED_TYPES)) checkSyntaxAt(n, out);
    return out;
  }
  const visit = (n: SyntaxNode): void => {
    if (n.type === "ERROR" || n.isMissing) {
      out.push(finding("C2M-E020", n, n.isMissing ? `the output does not parse: missing ${n.type}` : `the output does not parse near '${snippet(n.text)}'`));
      return;
    }
    checkSyntaxAt(n, out);
    if (n.hasError || n.childCount) for (const c of n.children) visit(c);
  };
  visit(root);
  return out;
}

/** The checks of `checkSyntax` at one node (not ERROR or MISSING), by its type. */
function checkSyntaxAt(n: SyntaxNode, out: Finding[]): void {
  switch (n.type) {
    case "block":
      if (n.namedNonComment.length === 0 && n.parent && BLOCK_OWNERS.has(n.parent.type))
        out.push(finding("C2M-E021", n.parent, `empty block after '${snippet(firstLine(n.parent.text))}'`));
      sameLineStatements(n, out);
      break;
    case "module":
      sameLineStatements(n, out);
      break;
    case "tuple":
    case "list":
    case "set":
      for (const c of n.namedNonComment)
        if (c.type === "list_splat" && c.namedNonComment[0]?.type === "list_splat") out.push(finding("C2M-E020", c, `'${snippet(c.text)}' is not valid in a ${n.type} literal`));
      // `(*a)` is a tuple to tree-sitter; without a comma CPython rejects it
      if (n.type === "tuple" && n.namedNonComment.length === 1 && n.namedNonComment[0].type === "list_splat" && !n.children.some((c) => c.type === ","))
        out.push(finding("C2M-E020", n, `'${snippet(n.text)}': a starred expression cannot stand in parentheses`));
      break;
    case "parenthesized_expression": {
      // `(**kwargs)` and `(*args)`: a splat only stands in a call, a literal with a comma, or an assignment target
      const inner = n.namedNonComment[0];
      if (inner && (inner.type === "list_splat" || inner.type === "dictionary_splat"))
        out.push(finding("C2M-E020", n, `'${snippet(n.text)}': a starred expression cannot stand in parentheses`));
      break;
    }
    case "argument_list":
      checkArguments(n, out);
      break;
    case "parameters":
    case "lambda_parameters":
      checkParameters(n, out);
      break;
    case "assignment":
    case "augmented_assignment": {
      const left = n.childForFieldName("left");
      if (left && !ASSIGNABLE.has(left.type)) out.push(finding("C2M-E020", left, `cannot assign to '${snippet(left.text)}'`));
      break;
    }
  }
}

type NativeNode = NativeTree["rootNode"];

/** The ERROR and MISSING nodes of a native tree, descending only where `hasError` says one is. */
export function parseErrors(root: NativeNode, source: string): Finding[] {
  const out: Finding[] = [];
  const visit = (n: NativeNode): void => {
    if (n.type === "ERROR" || n.isMissing) {
      out.push({
        code: "C2M-E020",
        at: n.startPosition,
        message: n.isMissing ? `the output does not parse: missing ${n.type}` : `the output does not parse near '${snippet(n.text)}'`,
      });
      return;
    }
    const before = out.length;
    for (const c of n.children) if (c.hasError || c.isMissing) visit(c);
    if (out.length > before) return;
    // the error is a hidden token the node API does not list (a MISSING newline between two statements on one line)
    const kids = n.namedChildren;
    for (let i = 1; i < kids.length; i++) {
      const prev = kids[i - 1];
      const next = kids[i];
      if (prev.endPosition.row === next.startPosition.row && !source.slice(prev.endIndex, next.startIndex).includes(";"))
        out.push({ code: "C2M-E020", at: next.startPosition, message: `two statements on one line: '${snippet(next.text)}' follows '${snippet(prev.text)}'` });
    }
    if (out.length === before) out.push({ code: "C2M-E020", at: n.startPosition, message: `the output does not parse in '${snippet(n.text)}'` });
  };
  visit(root);
  return out;
}

/** Two statements on one line need a `;` between them (tree-sitter accepts `a = 1    b = 2`; CPython does not). */
function sameLineStatements(body: SyntaxNode, out: Finding[]): void {
  const stmts = body.namedNonComment;
  const src = body.tree.source;
  for (let i = 1; i < stmts.length; i++) {
    const prev = stmts[i - 1];
    const next = stmts[i];
    if (prev.endPosition.row !== next.startPosition.row) continue;
    if (!src.slice(prev.endIndex, next.startIndex).includes(";"))
      out.push(finding("C2M-E020", next, `two statements on one line: '${snippet(next.text)}' follows '${snippet(prev.text)}'`));
  }
}

function checkArguments(args: SyntaxNode, out: Finding[]): void {
  const seen = new Set<string>();
  let keyword = false;
  for (const a of args.namedNonComment) {
    if (a.type === "keyword_argument") {
      keyword = true;
      const name = a.childForFieldName("name")?.text ?? "";
      if (seen.has(name)) out.push(finding("C2M-E020", a, `keyword argument '${name}' repeated`));
      seen.add(name);
    } else if (a.type === "dictionary_splat") keyword = true;
    else if (a.type !== "list_splat" && keyword && args.parent?.type === "call")
      out.push(finding("C2M-E020", a, `positional argument '${snippet(a.text)}' follows a keyword argument`));
  }
}

function checkParameters(params: SyntaxNode, out: Finding[]): void {
  const seen = new Set<string>();
  let defaulted = false;
  let starred = false;
  for (const p of params.namedNonComment) {
    const name = p.type === "identifier" ? p.text : (p.childForFieldName("name") ?? p.namedNonComment.find((c) => c.type === "identifier"))?.text;
    if (name) {
      if (seen.has(name)) out.push(finding("C2M-E020", p, `parameter '${name}' repeated`));
      seen.add(name);
    }
    const splat = p.type === "typed_parameter" ? p.namedNonComment[0]?.type : p.type;
    if (splat === "list_splat_pattern" || splat === "dictionary_splat_pattern" || splat === "keyword_separator") starred = true;
    else if (p.type === "default_parameter" || p.type === "typed_default_parameter") defaulted = true;
    else if ((p.type === "identifier" || p.type === "typed_parameter") && defaulted && !starred)
      out.push(finding("C2M-E020", p, `parameter '${name}' without a default follows one with a default`));
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0];
}

export function snippet(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}
