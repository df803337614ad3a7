import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import type { GoldenBuffer } from "../src/verify/golden.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

/**
 * A branch on a compile-time type test of the kernel's template (emit/metal-type-test.ts), modelled on torch-ngp's
 * kernel_grid_backward: `if (std::is_same<scalar_t, at::Half>::value && N_C % 2 == 0)` holds a __half2 atomicAdd
 * that only a 16-bit buffer (seen as 32-bit words) can take. Printed as `if constexpr`, the float instantiation
 * drops it (it did not compile: atomic_fetch_add_explicit on a half2* into an atomic<float> buffer), and the
 * half instantiation keeps it, an add on the word holding the pair. Each thread adds into elements of its own: 16-bit
 * sums racing on one element would depend on the order of the threads. Every branch adds the same values (as
 * gridencoder's do). MLX's cuda_kernel instantiates with __half, which is not at::Half: its printed CUDA names
 * __half in the test where the file's family is ATen's (emit/cuda.ts traitArgumentEdits), so it takes the same branch.
 */
const src = `
#include <cuda_fp16.h>
template <typename scalar_t, unsigned N_C>
__global__ void acc(const float* x, scalar_t* g, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    if (std::is_same<scalar_t, at::Half>::value && N_C % 2 == 0) {
        for (unsigned c = 0; c < N_C; c += 2) {
            __half2 v = {(__half)x[i], (__half)(0.5f * x[i])};
            atomicAdd((__half2*)&g[i * N_C + c], v);
        }
    } else if (!std::is_same_v<scalar_t, float>) {
        for (unsigned c = 0; c < N_C; c++) atomicAdd(&g[i * N_C + c], (scalar_t)(c % 2 ? 0.5f * x[i] : x[i]));
    } else {
        for (unsigned c = 0; c < N_C; c++) atomicAdd(&g[i * N_C + c], c % 2 ? 0.5f * x[i] : x[i]);
    }
}
`;
const x: GoldenBuffer = { name: "x", dtype: "float32", count: "n", role: "input" };

describe("a branch on a compile-time type test is resolved per instantiation (if constexpr)", () => {
  for (const [type, dtype] of [
    ["float", "float32"],
    ["at::Half", "float16"],
  ] as const) {
    it(`scalar_t = ${type}: translates and verifies`, async () => {
      const r = await translatesAndVerifies(
        src,
        spec(
          "acc",
          [{ n: 100 }],
          [x, { name: "g", dtype, count: 200, role: "inout" }],
          [{ kernel: "acc", templateArgs: [type, "2"], grid: [1, 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "g" }, { scalar: "n", type: "int" }] }],
        ),
      );
      const source = r.kernels.find((k) => k.name === "acc")!.spec.source;
      expect(source).toContain("if constexpr (metal::is_same<scalar_t, half>::value && N_C % 2 == 0) {");
      expect(source).toContain("} else if constexpr (!metal::is_same_v<scalar_t, float>) {");
    }, 180_000);
  }

  it("a condition that reads a runtime value, or tests no template type, stays a plain if", () => {
    const body = (cond: string) =>
      compileKernels(`template <typename T, int K>\n__global__ void k(T* y, int n) {\n  int i = threadIdx.x;\n  if (${cond}) { y[i] = T(1); }\n}\n`, { filename: "k.cu" })
        .kernels[0]!.spec.source;
    expect(body("std::is_same<T, float>::value && i < n")).toMatch(/^\s*if \(metal::is_same<T, float>::value && i < n\)/m);
    expect(body("std::is_same<int, float>::value")).toMatch(/^\s*if \(/m);
    expect(body("std::is_same<T, float>::value || K > 2")).toMatch(/^\s*if constexpr \(metal::is_same<T, float>::value \|\| K > 2\)/m);
  });
});
