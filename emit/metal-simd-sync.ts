/**
 * SIMD-group barriers where CUDA code leans on a warp's reconvergence to pass data between lanes through
 * memory (passes/kernel/warp-reconvergence.ts: a loop or branch whose stores a later statement reads, no
 * __syncwarp between; llm.c's attention_forward_fused1). Metal promises no ordering of memory between the
 * lanes of a SIMD-group without a barrier, so after each such statement (at the top of the kernel) the
 * translation says so: `simdgroup_barrier(mem_flags::mem_device | mem_flags::mem_threadgroup)` before the
 * next statement. Top-level statements are reached by every lane still running, as a SIMD-group barrier
 * must be.
 */
import type { CudaNode } from "../grammar/cuda.js";
import { reconvergenceSites } from "../passes/kernel/warp-reconvergence.js";

const BARRIER = "simdgroup_barrier(mem_flags::mem_device | mem_flags::mem_threadgroup);";

/** Adds the barriers to `before` (statement → text printed before it). */
export function reconvergenceBarriers(body: CudaNode, before: Map<CudaNode, string>): void {
  for (const site of reconvergenceSites(body)) {
    let next = site.nextNamedSibling;
    while (next && next.type === "comment") next = next.nextNamedSibling;
    if (!next) continue;
    const pre = before.get(next);
    before.set(next, pre === undefined ? BARRIER : `${pre} ${BARRIER}`);
  }
}
