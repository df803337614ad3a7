/**
 * 16-bit float outputs and in-place buffers of a kernel with atomic outputs (passes/kernel/atomic16.ts
 * wordsBesideAtomics): MLX's atomic_outputs is one flag, so every output is `device atomic<T>*`, and Metal has no
 * atomic<half>/atomic<bfloat>. The buffer goes as 32-bit words (output dtype uint32, two elements a word), the kernel
 * sees `c2m_a16_ptr<T>` over them (element loads atomic loads of the word, stores and compound assignments
 * compare-exchange loops on the element's half; in-place elements copied in per element, 128-bit spans copied in
 * per element then read or written through T), and the wrapper views the words back. Each case is verified
 * against the CUDA original on the emulators, its Metal checked by clang. An 8-bit or 16-bit integer element still
 * refuses (C2M-K007). Also: a launch guard's `P % K != 0` makes a synthesised launch's P a multiple of K.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { candidateSpec } from "../src/kernel/synth-spec.js";
import { spec, translatesAndVerifies, PACKED128_CUDA } from "./kernel-spec-helpers.js";

const plainOut = `#include <cuda_bf16.h>
__global__ void k(__nv_bfloat16* out, float* total, const float* x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    out[i] = (__nv_bfloat16)(x[i] * 2.0f);
    atomicAdd(total, x[i]);
}
`;

const inPlace = `#include <cuda_fp16.h>
__global__ void k(__half* y, float* total, const float* x, int n) {
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    int stride = gridDim.x * blockDim.x;
    for (int i = t; i < n; i += stride) {
        atomicAdd(total, x[i]);
        y[i] = (__half)((float)y[i] + x[i]);
    }
}
`;

describe("16-bit float buffers beside atomic outputs go as 32-bit words", () => {
  it("a bf16 output stored plainly beside a float atomicAdd (neighbouring threads store the two halves of a word): translated, verified", async () => {
    const r = await translatesAndVerifies(
      plainOut,
      spec(
        "k",
        [{ n: 100 }, { n: 37 }],
        [
          { name: "out", dtype: "bfloat16", count: "n", role: "output" },
          { name: "total", dtype: "float32", count: 1, role: "inout" },
          { name: "x", dtype: "float32", count: "n", role: "input", range: 8 },
        ],
        [{ kernel: "k", grid: ["cdiv(n, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "out" }, { buffer: "total" }, { buffer: "x" }, { scalar: "n", type: "int" }] }],
      ),
    );
    const k = r.kernels[0]!;
    expect(k.spec.atomic_outputs).toBe(true);
    expect(k.spec.output_names).toContain("out_words");
    expect(k.spec.source).toContain("auto out = c2m_atomic_view<bfloat16_t>(out_words);");
    expect(k.spec.source).toContain("atomic_store_explicit(&out[i], ");
    expect(r.python).toMatch(/output_dtypes=\[mx\.uint32 if _out_words else mx\.bfloat16, mx\.float32\]/);
    expect(r.python).toContain("outputs[0].view(mx.bfloat16)[: out.size].reshape(out.shape) if _out_words else outputs[0]");
  }, 240_000);

  it("an in-place half buffer read and stored beside an atomic output: copied in, loaded and stored on the element's word, verified", async () => {
    const r = await translatesAndVerifies(
      inPlace,
      spec(
        "k",
        [{ n: 1000 }, { n: 37 }],
        [
          { name: "y", dtype: "float16", count: "n", role: "inout" },
          { name: "total", dtype: "float32", count: 1, role: "inout" },
          { name: "x", dtype: "float32", count: "n", role: "input", range: 8 },
        ],
        [{ kernel: "k", grid: [3, 1, 1], block: [64, 1, 1], args: [{ buffer: "y" }, { buffer: "total" }, { buffer: "x" }, { scalar: "n", type: "int" }] }],
      ),
    );
    const src = r.kernels[0]!.spec.source;
    expect(src).toContain("auto y = c2m_atomic_view<half>(y_words);");
    // copied in at one site before the statement (an element store on the words), then loaded and stored on the words
    expect(src).toContain("atomic_store_explicit(&y[i], y_in[i], memory_order_relaxed);");
    expect(src).toContain("atomic_store_explicit(&y[i], (half)((float)atomic_load_explicit(&y[i], memory_order_relaxed) + x[i]), memory_order_relaxed);");
    expect(r.python).toContain("mx.where(outputs[2].astype(mx.bool_), (outputs[0].view(mx.float16)[: y.size].reshape(y.shape) if _y_words else outputs[0]), y)");
  }, 240_000);

  it("an in-place half buffer copied in at first touch beside an atomic output: c2m_own_atomic over the words, '+=' a compare-exchange add on the element's half, verified", async () => {
    // two loops touching y (the first reads it into the atomic sum): each element copied in at its first touch (c2m_own_atomic over the words)
    const src = inPlace.replace(
      "        atomicAdd(total, x[i]);\n        y[i] = (__half)((float)y[i] + x[i]);\n",
      "        atomicAdd(total, (float)y[i]);\n    }\n    for (int i = t; i < n; i += stride) {\n        y[i] = (__half)((float)y[i] * 2.0f);\n        y[i] += (__half)x[i];\n        y[i] -= (__half)0.5f;\n",
    );
    expect(src).toContain("y[i] += (__half)x[i];");
    const r = await translatesAndVerifies(
      src,
      spec(
        "k",
        [{ n: 300 }],
        [
          { name: "y", dtype: "float16", count: "n", role: "inout" },
          { name: "total", dtype: "float32", count: 1, role: "inout" },
          { name: "x", dtype: "float32", count: "n", role: "input", range: 8 },
        ],
        [{ kernel: "k", grid: [2, 1, 1], block: [32, 1, 1], args: [{ buffer: "y" }, { buffer: "total" }, { buffer: "x" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.source).toContain("atomic_fetch_add_explicit(c2m_own_atomic(y, y_in, y_touched, i, 1), (half)x[i], memory_order_relaxed);");
    expect(r.kernels[0]!.spec.source).toContain("atomic_fetch_sub_explicit(c2m_own_atomic(y, y_in, y_touched, i, 1), (half)0.5f, memory_order_relaxed);");
  }, 240_000);

  it("a 128-bit span (load128/store128 of 8 bf16) of an in-place buffer beside an atomic output: c2m_own128_atomic over the words, verified", async () => {
    const src = `#include <cuda_bf16.h>
${PACKED128_CUDA}
typedef Packed128<__nv_bfloat16> x128;
__global__ void scale_rows(__nv_bfloat16* y, float* total, int N, int C) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    if (row >= N) return;
    __nv_bfloat16* y_row = y + row * C;
    for (int c = threadIdx.x * x128::size; c < C; c += 32 * x128::size) {
        x128 v = load128(y_row + c);
        for (int k = 0; k < x128::size; ++k) { atomicAdd(total, (float)v[k]); v[k] = (__nv_bfloat16)((float)v[k] * 3.0f - 1.0f); }
        store128(y_row + c, v);
    }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "scale_rows",
        [
          { N: 5, C: 512 },
          { N: 3, C: 16 },
        ],
        [
          { name: "y", dtype: "bfloat16", count: "N * C", role: "inout", range: 4 },
          { name: "total", dtype: "float32", count: 1, role: "inout" },
        ],
        [
          {
            kernel: "scale_rows",
            grid: ["cdiv(N, 2)", 1, 1],
            block: [32, 2, 1],
            args: [{ buffer: "y" }, { buffer: "total" }, { scalar: "N", type: "int" }, { scalar: "C", type: "int" }],
          },
        ],
      ),
    );
    const metal = r.kernels[0]!.spec.source;
    expect(metal).toContain("auto y = c2m_atomic_view<bfloat16_t>(y_words);");
    expect(metal).toMatch(/store128\(c2m_own128_atomic\(y_row, y_row_in, y_row_touched, c, 1\), v\)/);
  }, 240_000);

  it("an 8-bit or 16-bit integer output beside atomic outputs still refuses (C2M-K007), naming why", () => {
    for (const t of ["unsigned char", "short"]) {
      const src = plainOut.replace("__nv_bfloat16* out", `${t}* out`).replace("(__nv_bfloat16)(x[i] * 2.0f)", `(${t})x[i]`);
      const errors = compileKernels(src, { filename: "k.cu" }).diagnostics.filter((d) => d.severity === "error");
      expect(errors.map((d) => d.code)).toEqual(["C2M-K007"]);
      expect(errors[0]!.message).toMatch(/holds (8|16)-bit elements .*c2m passes only 16-bit float elements \(half, bfloat16\) as 32-bit words/);
    }
  });

  it("without atomic outputs a bf16 output stays a plain bfloat16 output", () => {
    const r = compileKernels(plainOut.replace("atomicAdd(total, x[i]);", "total[i] = x[i];"), { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.kernels[0]!.spec.output_names).toContain("out");
    expect(r.kernels[0]!.spec.source).not.toContain("c2m_atomic_view");
  });
});

describe("a launch guard's multiple constrains synthesised sizes", () => {
  const guarded = `${PACKED128_CUDA}
__global__ void k(float* out, const float* x, int N, int C) {
    if (C % (32 * f128::size) != 0 || N % 2) { if (threadIdx.x == 0) printf("C must be a multiple of 128\\n"); __trap(); }
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < N * C) out[i] = x[i];
}
`;
  it("`C % (32 * f128::size) != 0 || N % 2` traps: the kernel records C a multiple of 128 and N of 2, and candidate launches round S up to them", () => {
    const r = compileKernels(guarded, { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const k = r.kernels[0]!;
    expect(k.launchMultiples).toEqual({ C: 128, N: 2 });
    const s = candidateSpec(k, { block: [128, 1, 1], grid: [3, 1, 1], sharedBytes: undefined, size: 37 }, {});
    expect(s.launches[0]!.args.slice(2)).toEqual([
      { scalar: 38, type: "int" },
      { scalar: 128, type: "int" },
    ]);
  });
});
