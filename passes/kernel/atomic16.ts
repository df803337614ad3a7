/**
 * Which outputs take 16-bit float atomics as 32-bit words (BufferPlan.words16; emit/metal-atomic16.ts says how):
 * those summed into with atomicAdd only (atomic-accumulate by add) whose element is a 16-bit float (`__half*`,
 * `__nv_bfloat16*`, `at::Half*`) or a template type, which the launch may make one (pytorch_scatter's `scalar_t*`
 * under AT_DISPATCH_ALL_TYPES_AND2(Half, BFloat16, ...)). Pure: reads the analysis, marks its plans.
 */
import type { KernelAnalysis } from "./buffers.js";
import { SCALAR_TYPES } from "./tables.js";

/** MLX dtypes whose atomics Metal lacks and the words stand in for. */
export const SIXTEEN_BIT_DTYPES = ["float16", "bfloat16"];

export function markSixteenBitWords(a: KernelAnalysis): void {
  for (const b of a.buffers) {
    if (b.role !== "atomic-accumulate" || b.atomicOp !== "add") continue;
    const e = b.pointee;
    const sixteen = e.kind === "scalar" && SIXTEEN_BIT_DTYPES.includes(SCALAR_TYPES[e.name]?.mlx ?? "");
    if (sixteen || e.kind === "template") b.words16 = true;
  }
}
