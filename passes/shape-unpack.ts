/**
 * shape-unpack: `batch, channels, length = x.shape` says x has rank 3. A tensor whose rank the walker does not know
 * (a parameter) learns it there, before a layer of several ranks reads it: diffusers' SelfAttention1d unpacks its
 * (N, C, L) input and then applies nn.GroupNorm, whose row defaults to rank 4 where the input's rank is unknown; the
 * parameter was then decided channels-last of rank 4, and the caller transposed a 3-d tensor with 4 axes.
 *
 * Reads: the assignment's two sides. Writes: nothing (the walker records the rank on the name's value).
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";

/** The name a `a, b, c = name.shape` unpacks and the rank it shows (every target a plain name, no `*rest`), else undefined. */
export function rankFromUnpack(left: SyntaxNode, right: SyntaxNode): { name: string; rank: number } | undefined {
  if (left.type !== "pattern_list" && left.type !== "tuple_pattern") return undefined;
  // `x.shape`, or `x.size()` (RWKV's `B, T, C = x.size()`)
  const sized = right.type === "call" && namedChildren(right.childForFieldName("arguments")!).length === 0 ? right.childForFieldName("function")! : undefined;
  const attr = sized ?? right;
  if (attr.type !== "attribute" || attr.childForFieldName("attribute")?.text !== (sized ? "size" : "shape")) return undefined;
  const subject = attr.childForFieldName("object");
  const targets = namedChildren(left);
  if (subject?.type !== "identifier" || !targets.every((t) => t.type === "identifier")) return undefined;
  return { name: subject.text, rank: targets.length };
}
