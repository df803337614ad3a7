/**
 * libcu++'s block-scoped cuda::barrier with cuda::memcpy_async into it (SGEMM_CUDA's
 * 12_kernel_double_buffering) is a cooperative copy and a threadgroup barrier in Metal
 * (passes/kernel/block-barrier.ts); a barrier of fewer threads than the block stays refused (C2M-K042).
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { lowerBlockBarriers } from "../passes/kernel/block-barrier.js";
import { spec, verifies } from "./kernel-spec-helpers.js";

const src = `#include <cooperative_groups.h>
#include <cuda/barrier>
template <typename T>
__device__ void load(const float *x, float *s, int i, T &barrier) {
  cuda::memcpy_async(&s[threadIdx.x * 4], &x[i * 4],
                     cuda::aligned_size_t<sizeof(float4)>(sizeof(float4)), barrier);
}
__global__ void stage(const float *x, float *y, int n) {
  auto block = cooperative_groups::this_thread_block();
  __shared__ cuda::barrier<cuda::thread_scope::thread_scope_block> bar;
  auto barPtr = &bar;
  if (block.thread_rank() == 0) {
    init(&bar, block.size());
  }
  __syncthreads();
  __shared__ float s[128 * 4];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  load(x, s, i, *barPtr);
  (*barPtr).arrive_and_wait();
  // each thread reads what its neighbour copied: the barrier made it visible
  int j = (threadIdx.x + 1) % blockDim.x;
  for (int k = 0; k < 4; k++) y[i * 4 + k] = 2.0f * s[j * 4 + k];
}
`;

describe("libcu++ block barrier and memcpy_async", () => {
  it("lowers to element copies and __syncthreads, keeping the lines", () => {
    const out = lowerBlockBarriers(src);
    expect(out).toContain("for (int c2m_k = 0; c2m_k < (int)((sizeof(float4)) / sizeof(s[0])); ++c2m_k) s[(threadIdx.x * 4) + c2m_k] = x[(i * 4) + c2m_k];");
    expect(out).toContain("__device__ void load(const float *x, float *s, int i) {");
    expect(out).toContain("load(x, s, i);");
    expect(out).toContain("  __syncthreads();\n  // each thread");
    expect(out).not.toMatch(/cuda::|init\(|barPtr|template/);
    expect(out.split("\n").length).toBe(src.split("\n").length);
  });

  it("translates and verifies against the original (the emulator's libcu++ shim)", async () => {
    const r = compileKernels(src, { filename: "stage.cu" });
    expect(r.refused).toEqual([]);
    const s = spec(
      "stage",
      [{ n: 256 }],
      [
        { name: "x", dtype: "float32", count: "n * 4", role: "input" },
        { name: "y", dtype: "float32", count: "n * 4", role: "output" },
      ],
      [{ kernel: "stage", grid: ["n / 128", 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
    );
    await verifies(r, s, { clangCheck: true });
  }, 120_000);

  it("a barrier of fewer threads than the block is left alone, and refused", () => {
    const partial = src.replace("init(&bar, block.size())", "init(&bar, 32)");
    expect(lowerBlockBarriers(partial)).toBe(partial);
    const r = compileKernels(partial, { filename: "partial.cu" });
    expect(r.diagnostics.some((d) => d.code === "C2M-K042")).toBe(true);
  });
});
