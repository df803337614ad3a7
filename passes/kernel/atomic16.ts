/**
 * Which outputs take 16-bit float atomics as 32-bit words (BufferPlan.words16; emit/metal-atomic16.ts says how):
 * those summed into with atomicAdd only (atomic-accumulate by add) whose element is a 16-bit float (`__half*`,
 * `__nv_bfloat16*`, `at::Half*`) or a template type, which the launch may make one (pytorch_scatter's `scalar_t*`
 * under AT_DISPATCH_ALL_TYPES_AND2(Half, BFloat16, ...)); and, in a kernel with atomic outputs, every output or
 * in-place buffer of 16-bit float elements (wordsBesideAtomics). Pure: reads the analysis, marks its plans.
 */
import type { BufferPlan } from "../../ir/kernel.js";
import type { KernelAnalysis } from "./buffers.js";
import { SCALAR_TYPES } from "./tables.js";

/** MLX dtypes whose atomics Metal lacks and the words stand in for. */
export const SIXTEEN_BIT_DTYPES = ["float16", "bfloat16"];

/**
 * An output or in-place buffer of 16-bit float elements (or of a template type, which the launch may make one) beside atomic outputs:
 * MLX's metal_kernel declares every output atomic<T> (atomic_outputs is one flag) and Metal has no atomic<half> or
 * atomic<bfloat>, so it goes as 32-bit words too, its element loads atomic loads of the word, its stores and
 * compound assignments compare-exchange loops on the element's half (emit/metal-atomic16.ts).
 */
export function wordsBesideAtomics(b: BufferPlan): boolean {
  if (b.role !== "output" && b.role !== "inout-copy") return false;
  if (b.readThrough || b.takeOnAtomic) return false;
  const e = b.pointee;
  // a template element may be one (llm.c's Tdinp launched with __nv_bfloat16): c2m_atomic_view picks per instantiation
  return e.kind === "template" || (e.kind === "scalar" && SIXTEEN_BIT_DTYPES.includes(SCALAR_TYPES[e.name]?.mlx ?? ""));
}

export function markSixteenBitWords(a: KernelAnalysis): void {
  for (const b of a.buffers) {
    if (a.atomicOutputs && wordsBesideAtomics(b)) b.words16 = true;
    if (b.role !== "atomic-accumulate" || b.atomicOp !== "add") continue;
    const e = b.pointee;
    const sixteen = e.kind === "scalar" && SIXTEEN_BIT_DTYPES.includes(SCALAR_TYPES[e.name]?.mlx ?? "");
    if (sixteen || e.kind === "template") b.words16 = true;
  }
}
