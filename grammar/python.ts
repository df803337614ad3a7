/** Python front end: tree-sitter-python (native binding, synchronous) plus small CST helpers. */
import Parser from "tree-sitter";
import Python from "tree-sitter-python";

export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;

let parser: Parser | undefined;

export function parsePython(source: string): Tree {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(Python as unknown as Parser.Language);
  }
  // tree-sitter's default 32 KiB buffer chunks strings it reads by callback; large files need a larger one
  return parser.parse(source, undefined, { bufferSize: Math.max(32 * 1024, source.length * 4 + 1024) });
}

/** The first syntax error node, depth-first, or undefined. */
export function firstError(node: SyntaxNode): SyntaxNode | undefined {
  if (!node.hasError) return undefined;
  if (node.type === "ERROR" || node.isMissing) return node;
  for (const child of node.children) {
    const e = firstError(child);
    if (e) return e;
  }
  return node;
}

/** Named children of a node, skipping comments. */
export function namedChildren(node: SyntaxNode): SyntaxNode[] {
  return node.namedChildren.filter((c) => c.type !== "comment");
}

/** `a.b.c` for identifier/attribute chains, else undefined. */
export function dottedName(node: SyntaxNode | null): string | undefined {
  if (!node) return undefined;
  if (node.type === "identifier") return node.text;
  if (node.type === "attribute") {
    const obj = dottedName(node.childForFieldName("object"));
    const attr = node.childForFieldName("attribute");
    return obj && attr ? `${obj}.${attr.text}` : undefined;
  }
  return undefined;
}

export interface CallArgs {
  positional: SyntaxNode[];
  keyword: Map<string, SyntaxNode>;
  /** *args / **kwargs splats: calls with these are not normalised */
  splat: boolean;
}

export function callArgs(call: SyntaxNode): CallArgs {
  const out: CallArgs = { positional: [], keyword: new Map(), splat: false };
  const list = call.childForFieldName("arguments");
  if (!list) return out;
  if (list.type === "generator_expression") {
    out.positional.push(list);
    return out;
  }
  for (const a of namedChildren(list)) {
    if (a.type === "keyword_argument") {
      out.keyword.set(a.childForFieldName("name")!.text, a.childForFieldName("value")!);
    } else if (a.type === "list_splat" || a.type === "dictionary_splat") {
      out.splat = true;
      out.positional.push(a);
    } else out.positional.push(a);
  }
  return out;
}

/** Integer literal value (including a leading minus), else undefined. */
export function intLiteral(node: SyntaxNode | undefined | null): number | undefined {
  if (!node) return undefined;
  if (node.type === "integer") return Number(node.text.replace(/_/g, ""));
  if (node.type === "unary_operator" && node.child(0)?.text === "-") {
    const v = intLiteral(node.namedChildren[0]);
    return v === undefined ? undefined : -v;
  }
  if (node.type === "parenthesized_expression") return intLiteral(namedChildren(node)[0]);
  return undefined;
}

/** Values of a tuple/list of integer literals, or a single integer, else undefined. */
export function intTuple(node: SyntaxNode | undefined | null): number[] | undefined {
  if (!node) return undefined;
  const single = intLiteral(node);
  if (single !== undefined) return [single];
  if (node.type === "tuple" || node.type === "list" || node.type === "parenthesized_expression") {
    const vals = namedChildren(node).map(intLiteral);
    return vals.every((v) => v !== undefined) ? (vals as number[]) : undefined;
  }
  return undefined;
}

/**
 * A stable key for a node. tree-sitter may hand out a fresh wrapper object for the same node on each
 * access, so sets and maps of nodes must be keyed by position, never by object identity.
 */
export function nodeKey(node: SyntaxNode): string {
  return `${node.startIndex}:${node.endIndex}:${node.type}`;
}
