/**
 * any-rank-layers: a channels-last layer of several ranks (a row's `ranks`: GroupNorm, PReLU, Upsample) applied to
 * a value of unknown rank takes its row's default rank, a guess the result's type carries (TensorType.rankGuess).
 * Where a later use in the same function needs that value at another rank (diffusers' TemporalResnetBlock: a
 * GroupNorm on its input, then a Conv3d), the guess was wrong: the layer is then called through c2m_any_rank, which
 * moves torch's channel axis last for the layer and back, at whatever rank the value has, in torch's layout; the
 * function is walked again without the decisions made on the guess (fixpoint.ts). A rank conflict no guess of the
 * walk explains is C2M-E034 at the use, never a transpose of the wrong length.
 *
 * Reads: the value's type, the layout a use wants, the function being walked. Writes: ctx.anyRankLayers.
 */
import type { SyntaxNode } from "../grammar/python.js";
import { isIdentity, type Perm, type TensorType } from "../ir/tensor.js";

export const ANY_RANK_HELPER = "c2m_any_rank";

/** The ranks of a value that a layout it is wanted in contradicts (`want` of another length than its rank), or undefined. */
export function rankConflict(t: TensorType, want: Perm | undefined): { has: number; needs: number } | undefined {
  // torch's layout holds any rank; a channels-last one is a permutation of exactly its rank's axes
  if (isIdentity(want)) return undefined;
  const has = t.rank ?? t.perm?.length;
  return has === undefined || has === want!.length ? undefined : { has, needs: want!.length };
}

/** The guess a layer made in the walk of `fn`, for a value of type `t`: the layer's key, to run it at any rank. */
export function retractableGuess(t: TensorType, fn: SyntaxNode | undefined, anyRankLayers: Set<string>): string | undefined {
  const g = t.rankGuess;
  return g && fn && g.fn === fn.startIndex && !anyRankLayers.has(g.layer) ? g.layer : undefined;
}

export const rankConflictMessage = (c: { has: number; needs: number }): string =>
  `a tensor of rank ${c.has} reaches a use that needs rank ${c.needs} in channels-last order: c2m cannot tell which rank it holds here`;
