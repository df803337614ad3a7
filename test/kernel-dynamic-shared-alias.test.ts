/**
 * CUDA gives every `extern __shared__` array of a launch the same memory, the launch's dynamic shared memory. Where a
 * device function declares one (hoisted into the kernel, emit/metal-hoist.ts) and the kernel another (cuda-samples'
 * threadFenceReduction: `sdata` in reduceBlocks, `smem` in reduceSinglePass), the Metal kernel declares the memory
 * once and the other arrays point to it, so a value one writes the other reads, as in CUDA.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const SWAP = `__device__ void stage(const float* x, int n) {
  extern __shared__ float sdata[];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  sdata[threadIdx.x] = i < n ? x[i] : 0.0f;
}
__global__ void swap_pairs(const float* x, float* y, int n) {
  stage(x, n);
  __syncthreads();
  extern __shared__ float smem[];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = smem[threadIdx.x ^ 1] * 2.0f;
}
`;

describe("extern __shared__ arrays of a device function and of its kernel", () => {
  it("are one memory: the kernel's array points to the hoisted one, and what one writes the other reads; verified", async () => {
    const r = await translatesAndVerifies(
      SWAP,
      spec(
        "swap_pairs",
        [{ n: 300 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "y", dtype: "float32", count: "n", role: "output" },
        ],
        [
          {
            kernel: "swap_pairs",
            grid: ["cdiv(n, 64)", 1, 1],
            block: [64, 1, 1],
            sharedBytes: "64 * 4",
            args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }],
          },
        ],
      ),
    );
    const src = r.kernels[0]!.spec.source;
    expect(src).toContain("threadgroup float c2m_sh_stage_sdata[(C2M_SHARED_BYTES + sizeof(float) - 1) / sizeof(float)];");
    expect(src).toContain("threadgroup float* smem = c2m_sh_stage_sdata;");
  }, 120_000);

  it("of different element types stay refused (C2M-K002): the memory's alignment is the first array's", () => {
    const r = compileKernels(SWAP.replace("extern __shared__ float smem[];", "extern __shared__ float4 smem[];").replace("smem[threadIdx.x ^ 1] * 2.0f", "smem[0].x"), {
      filename: "case.cu",
    });
    expect(r.refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K002"]);
    expect(r.refused[0]!.diagnostic.message).toMatch(
      /extern __shared__ array 'smem' aliases the dynamic shared array 'c2m_sh_stage_sdata' of a device function, of another element type/,
    );
  });
});
