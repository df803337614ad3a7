/**
 * SIMD-group barriers where CUDA code leans on a warp's reconvergence. A GPU warp's lanes meet again after
 * a loop or branch they went through different ways; CUDA code that has lanes share an in-place buffer's
 * row (llm.c's attention_forward_fused1: each lane writes its share of `att`'s row in one loop, every lane
 * reads the whole row in the next, no __syncwarp between) relies on that, and an H100 gives the reference
 * result. Metal promises no ordering of device memory between the lanes of a SIMD-group without a barrier,
 * so after each top-level loop, `if` or `switch` of the kernel that writes such a buffer (one whose
 * elements the threads of a group may share: ownAccess.sharedInGroup) the translation says so:
 * `simdgroup_barrier(mem_flags::mem_device)` before the next statement. Top-level statements are reached by
 * every lane still running, as a SIMD-group barrier must be.
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { KernelAnalysis } from "../passes/kernel/buffers.js";
import { named } from "../passes/kernel/cst.js";

const DIVERGENT = new Set(["for_statement", "for_range_loop", "while_statement", "do_statement", "if_statement", "switch_statement"]);
const BARRIER = "simdgroup_barrier(mem_flags::mem_device);";

/** Adds the barriers to `before` (statement → text printed before it). */
export function reconvergenceBarriers(body: CudaNode, analysis: KernelAnalysis, before: Map<CudaNode, string>): void {
  const shared = new Set(analysis.buffers.filter((b) => b.ownAccess?.sharedInGroup).map((b) => b.param));
  if (!shared.size) return;
  const writes = analysis.accesses.filter((s) => s.write && s.root.kind === "param" && shared.has(s.root.name));
  const statements = named(body).filter((c) => c.type !== "comment");
  for (let i = 0; i + 1 < statements.length; i++) {
    const s = statements[i]!;
    if (!DIVERGENT.has(s.type) || !writes.some((w) => w.node.startIndex >= s.startIndex && w.node.endIndex <= s.endIndex)) continue;
    const next = statements[i + 1]!;
    const pre = before.get(next);
    before.set(next, pre === undefined ? BARRIER : `${pre} ${BARRIER}`);
  }
}
