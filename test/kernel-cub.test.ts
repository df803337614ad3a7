// CUB's block and warp reductions onto Metal threadgroup memory and barriers (emit/metal-cub.ts): the CUDA
// original runs against the emulator's CUB (include/stubs/cub), the translation against c2m_cub, both
// compared; a CUB primitive c2m does not map stays C2M-K042 naming it.
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const CUB_KERNEL = `
#include <cub/cub.cuh>
template <unsigned int BLOCK>
__global__ void reductions(const float* x, const int* counts, int* sums, int* argmax, int* argmin, float* warp_sums, float* maxima, int n) {
    typedef cub::BlockReduce<cub::KeyValuePair<int, float>, BLOCK, cub::BLOCK_REDUCE_RAKING_COMMUTATIVE_ONLY> PairReduce;
    typedef cub::BlockReduce<int, BLOCK> IntReduce;
    typedef cub::WarpReduce<float, 16> HalfWarpReduce;
    __shared__ typename PairReduce::TempStorage pair_storage;
    __shared__ typename IntReduce::TempStorage int_storage;
    __shared__ typename HalfWarpReduce::TempStorage warp_storage[BLOCK / 16];
    const int tid = threadIdx.x;
    const int i = blockIdx.x * BLOCK + tid;
    const float v = i < n ? x[i] : -1e30f;
    // only the block's first n - blockIdx.x * BLOCK threads are valid at the ragged end
    const int valid = min((int)BLOCK, n - (int)(blockIdx.x * BLOCK));
    int total = IntReduce(int_storage).Sum(i < n ? counts[i] : 0, valid);
    cub::KeyValuePair<int, float> best = PairReduce(pair_storage).Reduce(cub::KeyValuePair<int, float>(i, v), cub::ArgMax(), valid);
    __syncthreads();
    cub::KeyValuePair<int, float> least = PairReduce(pair_storage).Reduce(cub::KeyValuePair<int, float>(i, i < n ? v : 1e30f), cub::ArgMin());
    __syncthreads();
    int top = IntReduce(int_storage).Reduce(i < n ? counts[i] : -1, cub::Max());
    float part = HalfWarpReduce(warp_storage[tid / 16]).Sum(i < n ? x[i] : 0.f);
    if (tid == 0) {
        sums[blockIdx.x] = total;
        argmax[blockIdx.x] = best.key;
        argmin[blockIdx.x] = least.key;
        maxima[blockIdx.x] = (float)top + best.value;
    }
    if (tid % 16 == 0 && i < n) warp_sums[i / 16] = part;
}
`;

describe("CUB block and warp reductions", () => {
  it("BlockReduce (Sum with num_valid, Reduce with ArgMax/ArgMin over KeyValuePair, Max) and WarpReduce<float, 16>::Sum translate and verify", async () => {
    const r = await translatesAndVerifies(
      CUB_KERNEL,
      spec(
        "reductions",
        [{ n: 256 }, { n: 200 }, { n: 37 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "counts", dtype: "int32", count: "n", role: "input", range: "1000" },
          { name: "sums", dtype: "int32", count: "cdiv(n, 64)", role: "output" },
          { name: "argmax", dtype: "int32", count: "cdiv(n, 64)", role: "output" },
          { name: "argmin", dtype: "int32", count: "cdiv(n, 64)", role: "output" },
          { name: "warp_sums", dtype: "float32", count: "cdiv(n, 16)", role: "output" },
          { name: "maxima", dtype: "float32", count: "cdiv(n, 64)", role: "output" },
        ],
        [
          {
            kernel: "reductions",
            templateArgs: ["64"],
            grid: ["cdiv(n, 64)", 1, 1],
            block: [64, 1, 1],
            args: [
              { buffer: "x" },
              { buffer: "counts" },
              { buffer: "sums" },
              { buffer: "argmax" },
              { buffer: "argmin" },
              { buffer: "warp_sums" },
              { buffer: "maxima" },
              { scalar: "n", type: "int" },
            ],
          },
        ],
      ),
    );
    const k = r.kernels[0]!.spec;
    expect(k.source).toContain("IntReduce(int_storage, thread_index_in_threadgroup).Sum(");
    expect(k.source).toContain("HalfWarpReduce(warp_storage[tid / 16], thread_index_in_simdgroup).Sum(");
    expect(k.source).toContain("c2m_cub::ArgMax()");
    expect(k.header).toContain("namespace c2m_cub {");
  }, 180_000);

  it("a CUB primitive c2m does not map (BlockScan) stays C2M-K042, naming it and what is mapped", () => {
    const r = compileKernels(
      `#include <cub/cub.cuh>
__global__ void scan(const int* x, int* y) {
    typedef cub::BlockScan<int, 128> BlockScan;
    __shared__ typename BlockScan::TempStorage tmp;
    int v = x[threadIdx.x];
    BlockScan(tmp).ExclusiveSum(v, v);
    y[threadIdx.x] = v;
}`,
      { filename: "scan.cu" },
    );
    const d = r.diagnostics.find((x) => x.code === "C2M-K042");
    expect(d?.message).toMatch(/^'cub::BlockScan<int, 128>' is from CUB/);
    expect(d?.message).toMatch(/BlockReduce, WarpReduce/);
  });
});
