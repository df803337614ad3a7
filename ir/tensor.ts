/**
 * Tensor types. A tensor's *logical* axes are torch's (N, C, H, W); its *physical* order is what the MLX
 * array holds. `perm[j]` is the logical axis stored at physical position j; identity = torch order.
 */
export type Perm = readonly number[];

export interface TensorType {
  kind: "tensor";
  rank?: number;
  /** physical order; undefined = logical (torch) order */
  perm?: Perm;
  /** all spatial extents are known to be 1 (after AdaptiveAvgPool2d((1, 1)): flatten is order-free) */
  spatialOne?: boolean;
  /** channel count, when the layer that made it says so statically */
  channels?: number;
  /**
   * A channels-last tensor flattened to (N, H*W*C) in MLX's order rather than torch's (N, C*H*W): only
   * unary elementwise ops and a Linear may consume it (the Linear's weight columns are permuted at
   * conversion); anything else vetoes the flatten at `key`, which then converts to torch order first.
   */
  flatFrom?: { channels: number; key: string };
  /**
   * The rank is a guess: a layer of several ranks (GroupNorm) met an input of unknown rank and took its row's
   * default. `layer` is the layer's key, `fn` the start of the function whose walk guessed; a use needing another
   * rank there runs that layer at any rank instead (passes/walk/layout-conversion.ts, any-rank-layers.ts).
   */
  rankGuess?: { layer: string; fn: number };
}

export const channelsLast = (rank: number): Perm => [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];

export const isIdentity = (perm: Perm | undefined): boolean => !perm || perm.every((a, i) => a === i);
/** A tensor in torch's layout whose rank is not known (a module's input, an op of it): it may hold any rank. */
export const unknownRank = (t: TensorType): boolean => isIdentity(t.perm) && t.rank === undefined;

export const samePerm = (a: Perm | undefined, b: Perm | undefined): boolean =>
  isIdentity(a) && isIdentity(b) ? true : !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);

/** Axes argument for `x.transpose(...)` taking a tensor held in `from` to `to`. */
export function transposeAxes(from: Perm | undefined, to: Perm | undefined, rank: number): number[] {
  const f = from ?? [...Array(rank).keys()];
  const t = to ?? [...Array(rank).keys()];
  return t.map((logical) => f.indexOf(logical));
}

/** Physical position of logical axis `axis` (negative counts from the end). */
export function physicalAxis(perm: Perm, axis: number): number {
  const logical = axis < 0 ? axis + perm.length : axis;
  return perm.indexOf(logical);
}

/** The perm of what remains after removing the logical axes `dropped` (keepdims=False). */
export function dropAxes(perm: Perm, dropped: number[]): Perm {
  const norm = dropped.map((a) => (a < 0 ? a + perm.length : a));
  const kept = perm.filter((a) => !norm.includes(a));
  const order = [...kept].sort((x, y) => x - y);
  return kept.map((a) => order.indexOf(a));
}
