import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import type { GoldenBuffer } from "../src/verify/golden.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

/**
 * 16-bit float atomics (emit/metal-atomic16.ts): an output summed into with atomicAdd on half, bfloat16 or their
 * pairs is taken as 32-bit words (MLX output dtype uint32, viewed back by the wrapper) and each add is a
 * compare-exchange on the element's word. Verified on the emulators (and clang), the sums compared in the
 * translation's order (float atomicAdd order re-check), also for a template type made 16-bit by the launch.
 */
const src = `
#include <cuda_fp16.h>
#include <cuda_bf16.h>
__device__ void addH(__half* a, __half v) { atomicAdd(a, v); }
template <typename T>
__global__ void tsum(const float* x, T* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) atomicAdd(&y[i % 5], T(x[i]));
}
__global__ void pairs(const float* x, __half* h, __nv_bfloat16* z, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        atomicAdd(reinterpret_cast<__half2*>(h) + (i % 3), __floats2half2_rn(x[i], -x[i]));
        atomicAdd(reinterpret_cast<__nv_bfloat162*>(z) + (i % 2), __floats2bfloat162_rn(x[i], 2.0f * x[i]));
        addH(&h[i % 6], __float2half(0.25f * x[i]));
    }
}
`;
const x: GoldenBuffer = { name: "x", dtype: "float32", count: "n", role: "input" };
const sizes = [{ n: 300 }, { n: 77 }];

describe("16-bit float atomics as compare-exchange on 32-bit words", () => {
  for (const [type, dtype] of [
    ["__half", "float16"],
    ["__nv_bfloat16", "bfloat16"],
    ["float", "float32"],
  ] as const) {
    it(`atomicAdd into a template T* output, T = ${type}: translates and verifies`, async () => {
      const r = await translatesAndVerifies(
        src,
        spec(
          "tsum",
          sizes,
          [x, { name: "y", dtype, count: 5, role: "inout" }],
          [{ kernel: "tsum", templateArgs: [type], grid: [3, 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
        ),
      );
      const k = r.kernels.find((c) => c.name === "tsum")!;
      expect(k.spec.output_names).toEqual(["y_words"]);
      expect(k.spec.source).toMatch(/^auto y = c2m_atomic_view<T>\(y_words\);/);
    }, 180_000);
  }

  it("pairs (__half2, __nv_bfloat162) and a helper's element add: translates and verifies", async () => {
    const r = await translatesAndVerifies(
      src,
      spec(
        "pairs",
        sizes,
        [x, { name: "h", dtype: "float16", count: 6, role: "inout" }, { name: "z", dtype: "bfloat16", count: 4, role: "inout" }],
        [{ kernel: "pairs", grid: [3, 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "h" }, { buffer: "z" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.diagnostics.filter((d) => d.code === "C2M-K044")).toEqual([]);
    const k = r.kernels.find((c) => c.name === "pairs")!;
    expect(k.params.filter((p) => p.words16).map((p) => p.outputName)).toEqual(["h_words", "z_words"]);
  }, 180_000);

  it("the wrapper takes a 16-bit output as uint32 words on Metal only and views them back before folding in the caller's values", () => {
    const r = compileKernels(src, { filename: "a16.cu" });
    const py = r.python;
    expect(py).toContain("    _y_words = not _C2M_CUDA and T in (mx.float16, mx.bfloat16)");
    expect(py).toContain("output_shapes=[((y.size + 1) // 2,) if _y_words else y.shape],");
    expect(py).toContain("output_dtypes=[mx.uint32 if _y_words else T],");
    expect(py).toContain("return y + (outputs[0].view(T)[: y.size].reshape(y.shape) if _y_words else outputs[0])");
  });

  it("a float buffer seen as halves, or a 16-bit atomic other than add, stays K044 and says why", () => {
    const errors = (body: string, params = "float* y, const float* x") =>
      compileKernels(`#include <cuda_fp16.h>\n__global__ void k(${params}) {\n  int i = threadIdx.x;\n  ${body}\n}\n`, { filename: "k.cu" })
        .diagnostics.filter((d) => d.severity === "error")
        .map((d) => `${d.code}: ${d.message}`);
    expect(errors("atomicAdd(reinterpret_cast<__half*>(y) + i, __float2half(x[i]));")).toEqual([
      expect.stringMatching(/^C2M-K044: .*this buffer is not one \(it is read or written without atomics too, or its element is not 16-bit\)/),
    ]);
    expect(errors("atomicSub(&y[i], __float2half(x[i]));", "__half* y, const float* x")).toEqual([expect.stringMatching(/^C2M-K044: .*but not a sub/)]);
  });
});
