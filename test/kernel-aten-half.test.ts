import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import type { GoldenSpec } from "../src/verify/golden.js";
import { spec, verifies } from "./kernel-spec-helpers.js";

/**
 * ATen's 16-bit floats in compound assignments (passes/kernel/aten-compound.ts): c10::Half has `+=` only with
 * Half, so `acc += x[j] * 0.37f` rounds the float product to Half before the sum is rounded, where Metal's
 * `half += float` rounds once. A file whose AT_DISPATCH gives scalar_t at::Half is translated with ATen's two
 * roundings, and verifies against the original instantiated at at::Half on both emulators (the CUDA emulator's
 * at::Half carries ATen's operators, emu_torch.hpp); a float instantiation is unchanged.
 */
const src = `
#include <cuda_fp16.h>
template <typename scalar_t>
__global__ void dot(const scalar_t* x, scalar_t* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    scalar_t acc = 0;
    for (int j = 0; j < 64; j++) acc += x[(i + j) % n] * 0.37f;
    y[i] = acc;
}
void dot_cuda(at::Tensor x, at::Tensor y) {
    AT_DISPATCH_FLOATING_TYPES_AND_HALF(x.scalar_type(), "dot", ([&] {
        dot<scalar_t><<<1, 128>>>(x.data_ptr<scalar_t>(), y.data_ptr<scalar_t>(), x.numel());
    }));
}
`;
const launch = (type: string, dtype: string): GoldenSpec =>
  spec(
    "dot",
    [{ n: 100 }],
    [
      { name: "x", dtype, count: "n", role: "input" },
      { name: "y", dtype, count: "n", role: "output" },
    ],
    [{ kernel: "dot", templateArgs: [type], grid: [1, 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
  );

describe("ATen's Half rounds a compound assignment's float right side first", () => {
  it("prints the right side through c2m_aten_operand", () => {
    const r = compileKernels(src, { filename: "dot.cu" });
    expect(r.kernels[0]!.spec.source).toContain("acc += c2m_aten_operand<scalar_t>(x[(i + j) % n] * 0.37f);");
  });

  for (const [type, dtype] of [
    ["at::Half", "float16"],
    ["float", "float32"],
  ] as const) {
    it(`scalar_t = ${type}: verifies`, async () => {
      const r = compileKernels(src, { filename: "dot.cu" });
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      await verifies(r, launch(type, dtype), { clangCheck: true });
    }, 180_000);
  }

  it("CUDA's float functions take a 16-bit argument as float (sqrtf(h) is a float sqrt; fmaxf(h, 0.f) compiles)", () => {
    const k = `template <typename T>\n__global__ void f(const T* x, T* y, int off) {\n  int i = threadIdx.x;\n  y[i] = sqrtf(x[i]) + fmaxf(x[i] - x[0] + off, 0.f) + fminf(1.f, T(off));\n}\n`;
    const metal = compileKernels(k, { filename: "f.cu" }).kernels[0]!.spec.source;
    expect(metal).toContain("metal::sqrt(float(x[i])) + metal::fmax(float(x[i] - x[0] + off), 0.f) + metal::fmin(1.f, float(T(off)))");
  });
});
