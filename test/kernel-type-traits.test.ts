import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import type { GoldenSpec } from "../src/verify/golden.js";
import { spec, verifies } from "./kernel-spec-helpers.js";

/**
 * Compile-time type tests on 16-bit float types answer as the CUDA build does (emit/metal-type-traits.ts): CUDA's
 * __half and ATen's at::Half are classes in C++, so std::is_floating_point / is_arithmetic / is_signed say false
 * for them (Metal's built-in half says true), CCCL's cuda::is_floating_point says true, and at::Half is not
 * __half (`std::is_same<at::Half, __half>` is false), where Metal has one half. Each branch scales by its own
 * factor, so a wrong branch is a wrong value; each instantiation is verified on both emulators.
 */
const src = `
#include <cuda_fp16.h>
#include <cuda/std/type_traits>
template <typename T>
__global__ void scale(const T* x, T* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    if (cuda::std::is_floating_point_v<T>) y[i] = x[i] * (T)2;
    else if (std::is_same<T, __half>::value) y[i] = x[i] * (T)3;
    else if (std::is_same<T, at::Half>::value && !std::is_arithmetic<T>::value) y[i] = x[i] * (T)4;
    else if (cuda::is_floating_point<T>::value) y[i] = x[i] * (T)5;
    else y[i] = x[i] * (T)6;
}
`;
const launch = (type: string, dtype: string): GoldenSpec =>
  spec(
    "scale",
    [{ n: 100 }],
    [
      { name: "x", dtype, count: "n", role: "input" },
      { name: "y", dtype, count: "n", role: "output" },
    ],
    [{ kernel: "scale", templateArgs: [type], grid: [1, 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
  );

describe("type traits on 16-bit floats answer as C++ does", () => {
  // the file's tests name both 16-bit families: --template says which one its half is (float leaves it open: any half)
  for (const [type, dtype, branch, family] of [
    ["float", "float32", "* (T)2", "__half"],
    ["__half", "float16", "* (T)3", "__half"],
    ["at::Half", "float16", "* (T)4", "at::Half"],
    ["__nv_bfloat16", "bfloat16", "* (T)5", "__nv_bfloat16"],
  ] as const) {
    it(`T = ${type} (--template T=${family}): translates and verifies (the ${branch} branch)`, async () => {
      const r = compileKernels(src, { filename: "scale.cu", template: { T: family } });
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      await verifies(r, launch(type, dtype), { clangCheck: true });
    }, 180_000);
  }

  it("prints C++'s traits, and the family the file does not instantiate as a type equal to none", () => {
    const metal = (template: Record<string, string>) => compileKernels(src, { filename: "scale.cu", template }).kernels[0]!.spec.source;
    const aten = metal({ T: "at::Half" });
    expect(aten).toContain("if constexpr (c2m_cxx_is_floating_point_v<T>)");
    expect(aten).toContain("else if constexpr (metal::is_same<T, c2m_uninstantiated<half>>::value)");
    expect(aten).toContain("else if constexpr (metal::is_same<T, half>::value && !c2m_cxx_is_arithmetic<T>::value)");
    expect(aten).toContain("else if constexpr (metal::is_floating_point<T>::value)");
    expect(metal({ T: "__half" })).toContain("else if constexpr (metal::is_same<T, half>::value)");
  });

  it("AT_DISPATCH in the host code says the 16-bit instantiation is ATen's; tests naming both families with nothing to say which: refused (K002)", () => {
    const launcher = `\nvoid run(at::Tensor x, at::Tensor y) {\n  AT_DISPATCH_FLOATING_TYPES_AND_HALF(x.scalar_type(), "scale", ([&] {\n    scale<scalar_t><<<1, 128>>>(x.data_ptr<scalar_t>(), y.data_ptr<scalar_t>(), x.numel());\n  }));\n}\n`;
    const dispatched = compileKernels(src + launcher, { filename: "scale.cu" });
    expect(dispatched.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(dispatched.kernels[0]!.spec.source).toContain("metal::is_same<T, c2m_uninstantiated<half>>::value");
    const bare = compileKernels(src, { filename: "scale.cu" });
    expect(bare.diagnostics.filter((d) => d.code === "C2M-K002").map((d) => `${d.severity} ${d.line}:${d.col}`)).toEqual(["error 9:30", "error 10:30"]);
    expect(bare.refused.map((r) => r.name)).toEqual(["scale"]);
  });
});
