/**
 * The walk's text of a node: the source as written with some descendants replaced (rebuild), the rewrite a
 * cookbook rule or plugin left for a node, and small readings of the syntax the walk asks about.
 */
import { intLiteral, namedChildren, nodeKey, type SyntaxNode } from "../../grammar/python.js";
import type { Rewrite } from "../../ir/pipeline.js";

/**
 * Where the rewrites of a map start (undefined: a key not made by nodeKey, so every node is looked up), for
 * the map size it was read at. The walk asks about every statement and expression, and nearly none has a
 * rewrite: checking the start offset first spares making a nodeKey string for each of them.
 */
const rewriteStarts = new WeakMap<Map<string, Rewrite>, { size: number; starts: Set<number> | undefined }>();

/** The rewrite a cookbook rule or plugin pass left for a node, if any. */
export function rewriteOf(rewrites: Map<string, Rewrite>, node: SyntaxNode): Rewrite | undefined {
  if (!rewrites.size) return undefined;
  let index = rewriteStarts.get(rewrites);
  if (!index || index.size !== rewrites.size) {
    let starts: Set<number> | undefined = new Set<number>();
    for (const key of rewrites.keys()) {
      const start = /^\d+(?=:)/.exec(key);
      if (!start) {
        starts = undefined;
        break;
      }
      starts.add(Number(start[0]));
    }
    rewriteStarts.set(rewrites, (index = { size: rewrites.size, starts }));
  }
  if (index.starts && !index.starts.has(node.startIndex)) return undefined;
  return rewrites.get(nodeKey(node));
}

/** The axes `shape[start:stop]` of a rank-`rank` shape names, when start and stop are integer literals or absent (no step). */
export function shapeSliceAxes(sub: SyntaxNode, rank: number): number[] | undefined {
  if (sub.type !== "slice") return undefined;
  const parts: (SyntaxNode | undefined)[] = [undefined, undefined];
  let at = 0;
  for (const c of sub.children) {
    if (c.type === ":") at++;
    else if (at > 1)
      return undefined; // a step
    else parts[at] = c;
  }
  const bound = (n: SyntaxNode | undefined) => (n === undefined ? undefined : intLiteral(n));
  const [start, stop] = parts.map(bound);
  if ((parts[0] && start === undefined) || (parts[1] && stop === undefined)) return undefined;
  return [...Array(rank).keys()].slice(start, stop);
}

export function firstNonDocstring(body: SyntaxNode): SyntaxNode | undefined {
  const stmts = namedChildren(body);
  const first = stmts[0];
  if (first?.type === "expression_statement" && namedChildren(first)[0]?.type === "string") return stmts[1] ?? undefined;
  return first;
}

/**
 * `e` is a class an instance or class is tested against (`isinstance(m, (nn.Conv2d, nn.Linear))`): MLX's
 * class, which the stand-ins derive from. A comparison (`act_layer is nn.GELU`) meets the stand-in that was
 * passed, so it is no type test; nor is a base class (`class LayerNorm2d(nn.LayerNorm)`): its
 * `super().__init__(...)` and whoever builds it pass torch's constructor arguments, which the stand-in takes.
 */
export function isTypeTest(e: SyntaxNode): boolean {
  let n = e;
  while (n.parent && (n.parent.type === "tuple" || n.parent.type === "parenthesized_expression")) n = n.parent;
  const p = n.parent;
  if (p?.type !== "argument_list") return false;
  const callee = p.parent?.childForFieldName("function")?.text;
  return callee === "isinstance" || callee === "issubclass";
}

/** rebuild() with one node replaced (the common case), without a map to make. */
export function rebuildOne(node: SyntaxNode, replaced: SyntaxNode, text: string): string {
  if (text === replaced.text || replaced.startIndex < node.startIndex) return node.text;
  const src = node.tree.source;
  return src.slice(node.startIndex, replaced.startIndex) + text + src.slice(replaced.endIndex, node.endIndex);
}

/** The node's source with some descendant nodes' text replaced; everything else (comments, spacing) as written. */
export function rebuild(node: SyntaxNode, replaced: Map<SyntaxNode, string>): string {
  if (replaced.size === 0) return node.text;
  let spans: { start: number; end: number; text: string }[] | undefined;
  let sorted = true;
  for (const [n, t] of replaced) {
    if (t === n.text) continue;
    const span = { start: n.startIndex, end: n.endIndex, text: t };
    if (!spans) spans = [span];
    else {
      if (span.start < spans[spans.length - 1].start) sorted = false;
      spans.push(span);
    }
  }
  if (!spans) return node.text;
  // a stable sort, as before: equal starts keep their insertion order
  if (!sorted) spans.sort((a, b) => a.start - b.start);
  const src = node.tree.source;
  let out = "";
  let pos = node.startIndex;
  for (const s of spans) {
    if (s.start < pos) continue;
    out += src.slice(pos, s.start) + s.text;
    pos = s.end;
  }
  return out + src.slice(pos, node.endIndex);
}
