/**
 * logical-ranks: the rank of what a shape op in torch's layout gives, where its arguments say it — a reshape to
 * `(b, c, h * w)` is rank 3, a transpose keeps its input's rank. A layer that takes several ranks (GroupNorm on
 * (N, C, L) in diffusers' attention) is then fed a value converted at the right rank.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";

/** Ops that keep their input's rank. */
const SAME_RANK = new Set(["Tensor.transpose"]);
/** Ops that keep their input's rank, which their axes also count (`x.permute(0, 2, 1, 3, 4)` is rank 5). */
const PERMUTES = new Set(["Tensor.permute", "torch.permute"]);
const RESHAPES = new Set(["Tensor.view", "torch.reshape"]);
const SEQUENCE_DISPLAYS = new Set(["tuple", "list"]);

/**
 * The result's rank, or undefined: `op` is the row's first torch name, `shape` the node(s) bound to its shape
 * parameter (a reshape's) or its dims parameter (a permute's).
 */
export function logicalResultRank(op: string, shape: SyntaxNode | SyntaxNode[] | undefined, subjectRank: number | undefined): number | undefined {
  if (SAME_RANK.has(op)) return subjectRank;
  if (PERMUTES.has(op) && subjectRank !== undefined) return subjectRank;
  if ((!RESHAPES.has(op) && !PERMUTES.has(op)) || !shape) return undefined;
  const dims = Array.isArray(shape) && shape.length === 1 ? shape[0] : shape;
  if (Array.isArray(dims)) return dims.some((d) => d.type === "list_splat") ? undefined : dims.length;
  if (!SEQUENCE_DISPLAYS.has(dims.type)) return undefined;
  const items = namedChildren(dims).filter((c) => c.type !== "comment");
  return items.some((d) => d.type === "list_splat") ? undefined : items.length;
}
