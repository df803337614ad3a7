/**
 * The two 16-bit atomic mechanisms on one buffer: an output summed into with atomicAdd on half or bfloat16
 * (taken as 32-bit words, emit/metal-atomic16.ts) whose returned old value the kernel uses (the caller's
 * element folded into it, BufferPlan.foldsFetched). Every thread adds into its own element, so the value it
 * gets back is the caller's element exactly (no thread order to depend on), and it writes that down. Before
 * the view had a difference of two views, the fold's index into the caller's array did not compile.
 */
import { describe, expect, it } from "vitest";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const src = `
#include <cuda_fp16.h>
#include <cuda_bf16.h>
template <typename T>
__global__ void fetch16(const float* x, T* y, float* seen, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        T old = atomicAdd(&y[i], T(x[i]));
        seen[i] = (float)old + 1.0f;
    }
}
`;

describe("a 16-bit atomicAdd output whose returned value is used", () => {
  for (const [type, dtype] of [
    ["__half", "float16"],
    ["__nv_bfloat16", "bfloat16"],
  ] as const) {
    it(`T = ${type}: the old value read back is the caller's element (words16 and foldsFetched together), verified`, async () => {
      const r = await translatesAndVerifies(
        src,
        spec(
          "fetch16",
          [{ n: 300 }, { n: 77 }],
          [
            { name: "x", dtype: "float32", count: "n", role: "input", range: 0, domain: [0, 1] },
            { name: "y", dtype, count: "n", role: "inout" },
            { name: "seen", dtype: "float32", count: "n", role: "output" },
          ],
          [
            {
              kernel: "fetch16",
              templateArgs: [type],
              grid: ["cdiv(n, 128)", 1, 1],
              block: [128, 1, 1],
              args: [{ buffer: "x" }, { buffer: "y" }, { buffer: "seen" }, { scalar: "n", type: "int" }],
            },
          ],
        ),
      );
      const p = r.kernels[0]!.params.find((q) => q.name === "y")!;
      expect(p.words16).toBe(true);
      expect(r.python).toMatch(/_y_words/);
    }, 180_000);
  }
});
