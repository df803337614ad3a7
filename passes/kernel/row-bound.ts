/**
 * A threadgroup's row walked up to a size parameter other than its stride (llm.c's fused_classifier_kernel5: the
 * row `logits + idx * P` holds P elements, padded, and its loops stop at the V real ones: `for (i = threadIdx.x;
 * i < V / x128::size; ...)` reaching `i * x128::size`, `for (i = ...; i < V; i++)` reaching `i`). The local lies in
 * [0, B) for B the loop's bound, so inside the row whenever `B <= S`, S the stride: both integer parameters of the
 * kernel that it never assigns, so the wrapper can check that before the launch (kernel-python.ts raises
 * otherwise), and the proof (ownership.ts groupOwnershipProof) takes it as given. The forms:
 *   - a loop counter counting up from a non-negative start while `< B`;
 *   - `v * w` with v such a counter while `< B / w` (so `v * w <= B - w`, and a w-wide span from it ends by B).
 * Pure.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { loopDeclaring, nonNegative } from "./ownership.js";

/** What a row bound assumes: `bound <= stride`, both the kernel's integer parameters. */
export interface RowBound {
  bound: string;
  stride: string;
}

type LocalLike = { kind: "loop"; start: string; bound: string; signature: string } | { kind: "opaque"; text: string } | { kind: "none" } | { kind: "literal"; value: number };

const norm = (s: string) => s.replace(/\s+/g, "");
const strip = (s: string) => s.replace(/^\((.*)\)$/, "$1");

/** The assumption under which the local stays in its row of `stride`, or undefined when none of the forms fits. */
export function rowBound(local: LocalLike, node: CudaNode, stride: string, body: CudaNode, defs: Map<string, string>, scalars: Set<string>): RowBound | undefined {
  const s = strip(norm(stride));
  if (!scalars.has(s)) return undefined;
  const counting = (l: { start: string; signature: string }) => nonNegative(l.start, node, body, defs) && !/-/.test(l.signature);
  if (local.kind === "loop") {
    const b = strip(norm(local.bound));
    return scalars.has(b) && b !== s && counting(local) ? { bound: b, stride: s } : undefined;
  }
  if (local.kind !== "opaque") return undefined;
  const m = /^\(?([A-Za-z_]\w*)\)?\*\(?([\w:.]+)\)?$/.exec(local.text) ?? /^\(?([\w:.]+)\)?\*\(?([A-Za-z_]\w*)\)?$/.exec(local.text);
  if (!m) return undefined;
  for (const [v, w] of [
    [m[1]!, m[2]!],
    [m[2]!, m[1]!],
  ] as const) {
    const loop = loopDeclaring(v, node, body);
    if (loop?.kind !== "loop" || !counting(loop)) continue;
    const parts = /^\(?([A-Za-z_]\w*)\)?\/\(?([\w:.]+)\)?$/.exec(norm(loop.bound));
    if (parts && parts[2] === w && scalars.has(parts[1]!) && parts[1] !== s) return { bound: parts[1]!, stride: s };
  }
  return undefined;
}
