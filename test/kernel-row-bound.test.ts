import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { PACKED128_CUDA, spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

/**
 * A threadgroup's row of P elements walked up to V (passes/kernel/row-bound.ts: llm.c's fused_classifier_kernel5 pads
 * its rows of V logits to P): the rows stay apart when V <= P, which the wrapper checks before the launch.
 */
const sizes = [
  { N: 3, V: 50, P: 64 },
  { N: 2, V: 64, P: 64 },
];
const buffers = [{ name: "y", dtype: "float32" as const, count: "N * P", role: "inout" as const }];
const args = [{ buffer: "y" }, { scalar: "V", type: "int" }, { scalar: "P", type: "int" }];

describe("rows walked up to a size parameter below their stride", () => {
  it("the row's threads scale it, then its first thread sums it after a barrier: translated, verified, the wrapper checks V <= P", async () => {
    const src = `
__global__ void k(float* y, int V, int P) {
    float* r = y + blockIdx.x * P;
    for (int j = threadIdx.x; j < V; j += blockDim.x) r[j] = r[j] * 2.0f;
    __syncthreads();
    if (threadIdx.x == 0) {
        float s = 0.0f;
        for (int j = 0; j < V; j++) s += r[j];
        r[0] = s;
    }
}
`;
    const r = await translatesAndVerifies(src, spec("k", sizes, buffers, [{ kernel: "k", grid: ["N", 1, 1], block: [32, 1, 1], args }]));
    expect(r.python).toContain('    if not (V <= P):\n        raise ValueError("k: y is updated in place in rows of P elements that its threadgroups walk up to V');
  }, 180_000);

  it("128-bit spans up to V / 8 * 8 and single elements from V & ~7 on, in rows of P: translated, verified", async () => {
    const src = `${PACKED128_CUDA}__global__ void k(float* y, int V, int P) {
    long row = blockIdx.x;
    for (int i = threadIdx.x; i < V / f128::size; i += blockDim.x) {
        f128 v = load128(y + row * P + i * f128::size);
        for (int c = 0; c < f128::size; ++c) v[c] = v[c] + 1.0f;
        store128(y + row * P + i * f128::size, v);
    }
    __syncthreads();
    int start = V & ~(f128::size - 1);
    for (int i = threadIdx.x + start; i < V; i += blockDim.x) y[row * P + i] = y[row * P + i] * 3.0f;
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "k",
        [
          { N: 3, V: 50, P: 64 },
          { N: 2, V: 64, P: 64 },
        ],
        buffers,
        [{ kernel: "k", grid: ["N", 1, 1], block: [32, 1, 1], args }],
      ),
    );
    expect(r.python).toContain("    if not (V <= P):");
  }, 180_000);

  it("a bound that the kernel assigns is not one the wrapper can check: refused", () => {
    const src = `
__global__ void k(float* y, int V, int P) {
    V = V + 1;
    float* r = y + blockIdx.x * P;
    for (int j = threadIdx.x; j < V; j += blockDim.x) r[j] = r[j] * 2.0f;
    __syncthreads();
    if (threadIdx.x == 0) r[0] = r[1];
}
`;
    const errors = compileKernels(src, { filename: "k.cu" }).diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.code)).toEqual(["C2M-K007"]);
    expect(errors[0]!.message).toMatch(/not shown to stay inside its row of P elements/);
  });
});
