/**
 * Issue 14, mmcv's bbox_overlaps_cuda_kernel: a kernel template's explicit specialisation
 * (`template <> __global__ void k<at::Half>(...)`) shares the template's name. It used to stand in for the
 * template at every argument (the translation ran the specialisation's body for float too). Now the template
 * is the kernel, the specialisation is reported (C2M-K002: one Metal body serves every template argument), and
 * the wrapper raises for the specialisation's arguments.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const src = `
template <typename T>
__global__ void twice(const T* x, T* y, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) y[i] = x[i] * (T)2; }

template <>
__global__ void twice<at::Half>(const at::Half* x, at::Half* y, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) y[i] = x[i] * (at::Half)3; }
`;

describe("a kernel template's explicit specialisation", () => {
  it("the template is the kernel, at every argument; the specialisation is reported and its arguments refused by the wrapper", () => {
    const r = compileKernels(src, { filename: "t.cu" });
    expect(r.kernels.map((k) => [k.name, k.templateParams.map((t) => t.name)])).toEqual([["twice", ["T"]]]);
    expect(r.kernels[0]!.spec.source).toContain("x[i] * (T)2");
    expect(r.kernels[0]!.spec.source).not.toContain("3");
    const d = r.diagnostics.find((x) => x.code === "C2M-K002")!;
    expect([d.line, d.message]).toEqual([5, expect.stringMatching(/^explicit specialisation twice<at::Half> of kernel template 'twice' is not translated/)]);
    expect(r.python).toMatch(
      / {4}if T == mx\.float16:\n {8}raise NotImplementedError\("c2m: twice's explicit specialisation for at::Half \(line 5\) is not translated \(C2M-K002\)"\)/,
    );
  });

  it("verifies at the template's other arguments", async () => {
    const primary = src.replace(/template <>[\s\S]*$/, "");
    await translatesAndVerifies(
      primary,
      spec(
        "twice",
        [{ n: 100 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "y", dtype: "float32", count: "n", role: "output" },
        ],
        [{ kernel: "twice", templateArgs: ["float"], grid: ["cdiv(n, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
      ),
    );
  }, 120_000);
});
