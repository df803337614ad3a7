/**
 * Issue 14, the refusal classes real PyTorch-extension and teaching kernels showed once they joined the corpus
 * (mmcv's ops, llm.c's llmc production kernels, SGEMM_CUDA), each on a small kernel in the corpus's shape,
 * translated, then verified on both emulators (Metal also through clang):
 * - a function-like macro that reads the thread coordinates (mmcv's `CUDA_1D_KERNEL_LOOP(i, n)`, a grid-stride
 *   loop header) is expanded where it is used: carried as a macro, its `blockIdx` reached Metal (which has none)
 *   and the ownership proof could not see the loop variable declared (C2M-K007 on the focal losses);
 * - a `ptrdiff_t` parameter (llmc's strides) is an int64 scalar (was C2M-K012);
 * - `reinterpret_cast<float4*>(&A[i])[0]` on a pointer that is not const (SGEMM_CUDA's vectorised loads) reads A:
 *   the address taken for the cast is not itself a write (was C2M-K007);
 * - `reinterpret_cast<float4 *>(&C[E])[0]` read and then assigned (SGEMM_CUDA's kernels 6-9 epilogue, `C = alpha * AB + beta
 *   * C`) is one 16-byte access at element E of an in-place C, as a 128-bit helper's argument is (c2m_own128);
 * - `fminf(n_boxes - row_start * threadsPerBlock, threadsPerBlock)` (mmcv's nms: integers, which CUDA's float function
 *   converts) prints each integer argument as float(...): Metal's fmin overloads found it ambiguous (a silent kernel);
 * - `at::cuda::ATenCeilDiv(a, b)` (detectron2's nms_rotated, was C2M-K042 as if libcu++) is `((a) + (b) - 1) / (b)`, and the
 *   CUDA emulator declares it as ATen does;
 * - the device code `--verify` compiles leaves out `using at::Tensor;` and `using phalf = at::Half;` (mmcv's
 *   pytorch_cuda_helper.hpp), names from torch's headers the emulator does not have.
 */
import { describe, expect, it } from "vitest";
import { expandMacroCalls, preprocessCuda, threadCoordinateMacro } from "../passes/kernel/preprocess.js";
import { deviceOnlySource } from "../src/verify/device-code.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

describe("macros over the thread coordinates", () => {
  it("CUDA_1D_KERNEL_LOOP is expanded on its line; other macros and strings stay", () => {
    const m = threadCoordinateMacro("CUDA_1D_KERNEL_LOOP(i, n) for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); \\\n i += blockDim.x * gridDim.x)".replace("\\\n", ""));
    expect(m?.params).toEqual(["i", "n"]);
    expect(threadCoordinateMacro("CEIL_DIV(M, N) (((M) + (N)-1) / (N))")).toBeUndefined();
    const macros = new Map([[m!.name, m!]]);
    expect(expandMacroCalls("  CUDA_1D_KERNEL_LOOP(index, B * (O + 1)) { // CUDA_1D_KERNEL_LOOP(x, y)", macros)).toBe(
      "  for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < (B * (O + 1)); index += blockDim.x * gridDim.x) { // CUDA_1D_KERNEL_LOOP(x, y)",
    );
    const pre = preprocessCuda(
      ["#define LOOP(i, n) \\", "  for (int i = threadIdx.x; i < (n); i += blockDim.x)", "__global__ void k(int n) {", "  LOOP(j, n) {}", "}"].join("\n"),
      "k.cu",
    );
    expect(pre.text.split("\n")[3]).toBe("  for (int j = threadIdx.x; j < (n); j += blockDim.x) {}");
  });

  it("a grid-stride loop from the macro updates its buffer in place (mmcv's sigmoid focal loss shape); verified", async () => {
    const src = `
#define CUDA_1D_KERNEL_LOOP(i, n)                              \\
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); \\
       i += blockDim.x * gridDim.x)

template <typename T>
__global__ void focal(const int nthreads, const T* input, const int* target, T* output, const T alpha, const int num_classes) {
  CUDA_1D_KERNEL_LOOP(index, nthreads) {
    int n = index / num_classes;
    int c = index % num_classes;
    T flag = (target[n] == c);
    output[index] = (T)0.;
    output[index] += -flag * alpha * input[index];
    output[index] *= (T)2.;
  }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "focal",
        [
          { N: 37, K: 5 },
          { N: 300, K: 3 },
        ],
        [
          { name: "input", dtype: "float32", count: "N * K", role: "input" },
          { name: "target", dtype: "int32", count: "N", role: "input", range: "K" },
          { name: "output", dtype: "float32", count: "N * K", role: "inout" },
        ],
        [
          {
            kernel: "focal",
            templateArgs: ["float"],
            // fewer threads than elements: each thread strides over several
            grid: [2, 1, 1],
            block: [32, 1, 1],
            args: [
              { scalar: "N * K", type: "int" },
              { buffer: "input" },
              { buffer: "target" },
              { buffer: "output" },
              { scalar: 0.25, type: "float" },
              { scalar: "K", type: "int" },
            ],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/for \(int index = threadgroup_position_in_grid\.x \* threads_per_threadgroup\.x \+ thread_position_in_threadgroup\.x;/);
    expect(r.kernels[0]!.spec.header ?? "").not.toMatch(/blockIdx/);
  }, 120_000);
});

describe("parameters and casts of real kernels", () => {
  it("a ptrdiff_t stride and a float4 load through reinterpret_cast of a non-const pointer; verified", async () => {
    const src = `
#include <stddef.h>
__global__ void rows4(float* out, float* A, int n4, ptrdiff_t stride) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n4) return;
  float4 v = reinterpret_cast<float4 *>(&A[i * 4 + stride])[0];
  out[i] = v.x + v.y * 2.0f + v.z * 3.0f + v.w * 4.0f;
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "rows4",
        [{ n4: 70 }, { n4: 5 }],
        [
          { name: "out", dtype: "float32", count: "n4", role: "output" },
          { name: "A", dtype: "float32", count: "n4 * 4 + 8", role: "input" },
        ],
        [
          {
            kernel: "rows4",
            grid: ["cdiv(n4, 32)", 1, 1],
            block: [32, 1, 1],
            args: [{ buffer: "out" }, { buffer: "A" }, { scalar: "n4", type: "int" }, { scalar: 8, type: "long" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.input_names).toContain("A");
    expect(r.kernels[0]!.spec.output_names).toEqual(["out"]);
  }, 120_000);
});

describe("in-place 128-bit accesses through a vector cast", () => {
  it("C read and written as float4 at &C[E] after C += a block offset (SGEMM_CUDA's epilogue); verified", async () => {
    const src = `
__global__ void epilogue(int M, int N, float alpha, const float* X, float beta, float* C) {
  const uint cRow = blockIdx.y;
  C += cRow * 4 * N;
  X += cRow * 4 * N;
  const int col = threadIdx.x * 4;
  if (col >= N) return;
  for (uint r = 0; r < 4; r += 1) {
    float4 tmp = reinterpret_cast<float4 *>(&C[r * N + col])[0];
    tmp.x = alpha * X[r * N + col] + beta * tmp.x;
    tmp.y = alpha * X[r * N + col + 1] + beta * tmp.y;
    tmp.z = alpha * X[r * N + col + 2] + beta * tmp.z;
    tmp.w = alpha * X[r * N + col + 3] + beta * tmp.w;
    reinterpret_cast<float4 *>(&C[r * N + col])[0] = tmp;
  }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "epilogue",
        [
          { M: 8, N: 32 },
          { M: 12, N: 16 },
        ],
        [
          { name: "X", dtype: "float32", count: "M * N", role: "input" },
          { name: "C", dtype: "float32", count: "M * N", role: "inout" },
        ],
        [
          {
            kernel: "epilogue",
            grid: [1, "M / 4", 1],
            block: ["N / 4", 1, 1],
            args: [{ scalar: "M", type: "int" }, { scalar: "N", type: "int" }, { scalar: 1.5, type: "float" }, { buffer: "X" }, { scalar: 0.5, type: "float" }, { buffer: "C" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/c2m_own128\(C, C_in, C_touched, r \* N \+ col, 1\)/);
  }, 120_000);
});

describe("CUDA's float functions on integer expressions", () => {
  it("fminf(n - row * tpb, tpb) converts the integers to float, as CUDA does (mmcv's nms); verified", async () => {
    const src = `
int const tpb = sizeof(unsigned long long) * 8;
__global__ void cols(int* out, const int n) {
  const int row = blockIdx.x;
  const int size = fminf(n - row * tpb, tpb);
  if (threadIdx.x == 0) out[row] = size;
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "cols",
        [{ n: 200 }, { n: 64 }],
        [{ name: "out", dtype: "int32", count: "cdiv(n, 64)", role: "output" }],
        [{ kernel: "cols", grid: ["cdiv(n, 64)", 1, 1], block: [32, 1, 1], args: [{ buffer: "out" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/metal::fmin\(float\(n - row \* tpb\), float\(tpb\)\)/);
  }, 120_000);
});

describe("ATen's ceiling division in device code", () => {
  it("at::cuda::ATenCeilDiv (detectron2's nms_rotated) is integer arithmetic in Metal; verified", async () => {
    const src = `
__global__ void blocks_of(int* out, const int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = at::cuda::ATenCeilDiv(i + 1, 64);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "blocks_of",
        [{ n: 300 }],
        [{ name: "out", dtype: "int32", count: "n", role: "output" }],
        [{ kernel: "blocks_of", grid: ["cdiv(n, 64)", 1, 1], block: [64, 1, 1], args: [{ buffer: "out" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/out\[i\] = \(\(\(\(i \+ 1\)\) \+ \(64\) - 1\) \/ \(64\)\);/);
  }, 120_000);
});

describe("device code for --verify", () => {
  it("drops torch's names brought in with using", () => {
    const src = ["using at::Half;", "using at::Tensor;", "using phalf = at::Half;", "using real = float;", "__global__ void k(real* x) { x[0] = 1; }"].join("\n");
    const out = deviceOnlySource(src).source.split("\n");
    expect(out.slice(0, 3).every((l) => !l.trim())).toBe(true);
    expect(out[3]).toBe("using real = float;");
    expect(out[4]).toContain("__global__ void k");
  });
});
