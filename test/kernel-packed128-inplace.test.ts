import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies, PACKED128_CUDA } from "./kernel-spec-helpers.js";

/**
 * In-place buffers reached through 128-bit helpers (llm.c's load128/store128 over Packed128, fused_residual_forward_kernel4):
 * the ownership proof sees the helper's 16-byte span at its argument, and the span's elements are copied in on first touch
 * (c2m_own128) before the helper reads or writes through the buffer's pointer.
 */
const packed = PACKED128_CUDA;

describe("in-place buffers through 128-bit helpers", () => {
  it("a warp per row scales its row in place through load128/store128 (the caller's values read): translated, verified", async () => {
    const src = `${packed}
__global__ void scale_rows(float* y, const float* s, int N, int C) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    if (row >= N) return;
    y += row * C;
    for (int c = threadIdx.x * f128::size; c < C; c += 32 * f128::size) {
        f128 v = load128(y + c);
        for (int k = 0; k < f128::size; ++k) v[k] = v[k] * s[row] + 1.0f;
        store128(y + c, v);
    }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "scale_rows",
        [
          { N: 5, C: 256 },
          { N: 3, C: 16 },
        ],
        [
          { name: "y", dtype: "float32", count: "N * C", role: "inout" },
          { name: "s", dtype: "float32", count: "N", role: "input" },
        ],
        [
          {
            kernel: "scale_rows",
            grid: ["cdiv(N, 2)", 1, 1],
            block: [32, 2, 1],
            args: [{ buffer: "y" }, { buffer: "s" }, { scalar: "N", type: "int" }, { scalar: "C", type: "int" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/load128\(c2m_own128\(y, y_in, y_touched, c, 1\)\)/);
  }, 180_000);

  it("a 128-bit span beside element accesses at other offsets stays K007, saying why", () => {
    const src = `${packed}
__global__ void k(float* y, int n) {
    int i = (blockIdx.x * blockDim.x + threadIdx.x) * 4;
    f128 v = load128(y + i);
    y[i + 1] = v[0] + 1.0f;
}
`;
    const errors = compileKernels(src, { filename: "k.cu" }).diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.code)).toEqual(["C2M-K007"]);
    expect(errors[0]!.message).toMatch(/128-bit helper .* so c2m cannot show the 16-byte spans of different threads stay apart/);
  });

  // llm.c matmul_forward.cu's st_vec is a span (test/kernel-write-only-marks.test.ts); a helper that keeps the cast is not
  it("a float4 cast the helper keeps in a local reaches past 16 bytes: not a span, so the store stays a fresh output (K058)", () => {
    const src = `__device__ void st_rows(float* address, float4 val, int k) { float4* p = reinterpret_cast<float4*>(address); p[k] = val; }
__global__ void k(float* out, const float* x, int n) {
    int i = 4 * (blockIdx.x * blockDim.x + threadIdx.x);
    if (i < n && x[i] > 0.0f) st_rows(out + i, make_float4(x[i], x[i], x[i], x[i]), 1);
}
`;
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.diagnostics.map((d) => d.code)).toContain("C2M-K058");
  });
});
