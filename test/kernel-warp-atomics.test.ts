/**
 * Issue 14: two things Metal expresses that c2m used to refuse or get wrong.
 * - A warp whose lanes pass data through memory with no __syncwarp (llm.c's attention_forward_fused1: each
 *   lane writes its share of a row in one loop, every lane reads the whole row in the next): the GPU's warp
 *   reconverges between the loops, so the translation puts a SIMD-group barrier there, and it verifies
 *   against a CUDA emulator that reconverges there too (passes/kernel/warp-reconvergence.ts).
 * - atomicInc/atomicDec (wrapping increment/decrement): Metal has no such atomic, but a compare-exchange
 *   loop on the 32-bit word is one (emit/metal-helpers.ts c2m_atomic_inc/dec); it was C2M-K002.
 */
import { describe, expect, it } from "vitest";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

describe("warp reconvergence and wrapping atomics in translations", () => {
  it("a row per warp written a lane per element, then read whole by every lane: a SIMD-group barrier between, verified", async () => {
    const src = `
#include <cooperative_groups.h>
namespace cg = cooperative_groups;
__global__ void warp_rows(float* out, float* att, int T, int C) {
    cg::thread_block block = cg::this_thread_block();
    cg::thread_block_tile<32> warp = cg::tiled_partition<32>(block);
    int t = blockIdx.x * warp.meta_group_size() + warp.meta_group_rank();
    if (t >= T) return;
    float* att_bth = att + t * T;
    for (int t2 = warp.thread_rank(); t2 <= t; t2 += warp.size()) att_bth[t2] = att_bth[t2] * 2.0f;
    for (int i = warp.thread_rank(); i < C; i += warp.size()) {
        float o = 0.0f;
        for (int t2 = 0; t2 <= t; t2++) o += att_bth[t2] * (float)(i + 1);
        out[t * C + i] = o;
    }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "warp_rows",
        [
          { T: 5, C: 8 },
          { T: 40, C: 36 },
        ],
        [
          { name: "out", dtype: "float32", count: "T * C", role: "output" },
          { name: "att", dtype: "float32", count: "T * T", role: "inout" },
        ],
        [
          {
            kernel: "warp_rows",
            grid: ["cdiv(T, 2)", 1, 1],
            block: [64, 1, 1],
            args: [{ buffer: "out" }, { buffer: "att" }, { scalar: "T", type: "int" }, { scalar: "C", type: "int" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/\* 2\.0f;\nsimdgroup_barrier\(mem_flags::mem_device \| mem_flags::mem_threadgroup\);\nfor \(int i = /);
    expect(r.kernels[0]!.spec.source.match(/simdgroup_barrier/g)).toHaveLength(1);
  }, 90_000);

  it("atomicInc/atomicDec on a threadgroup counter: compare-exchange loops, verified (the wrapped counts and how many threads saw 0)", async () => {
    const src = `
__global__ void tickets(unsigned int* out, int n) {
    __shared__ unsigned int up, down, zeros;
    if (threadIdx.x == 0) { up = 0; down = 3; zeros = 0; }
    __syncthreads();
    unsigned int mine = atomicInc(&up, 5);
    unsigned int back = atomicDec(&down, 7);
    if (mine == 0) atomicAdd(&zeros, 1u);
    if (back == 0) atomicAdd(&zeros, 100u);
    __syncthreads();
    if (threadIdx.x == 0) {
        out[blockIdx.x * 3] = up;
        out[blockIdx.x * 3 + 1] = down;
        out[blockIdx.x * 3 + 2] = zeros;
    }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "tickets",
        [{ n: 2 }, { n: 3 }],
        [{ name: "out", dtype: "uint32", count: "n * 3", role: "output" }],
        [{ kernel: "tickets", grid: ["n", 1, 1], block: [64, 1, 1], args: [{ buffer: "out" }, { scalar: "n", type: "int" }] }],
      ),
    );
    const metal = `${r.kernels[0]!.spec.header ?? ""}\n${r.kernels[0]!.spec.source}`;
    expect(metal).toContain("c2m_atomic_inc(&up, uint(5))");
    expect(metal).toContain("c2m_atomic_dec(&down, uint(7))");
    expect(metal).toContain("atomic_compare_exchange_weak_explicit");
  }, 90_000);
});
