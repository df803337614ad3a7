/**
 * Gap classes that widening the kernel corpus exposed (issue 14, kCorp): each reduced to its construct,
 * translated and verified. Pointer type aliases (RWKV's `typedef bf * __restrict__ F_;`), `-D` macros used
 * in code (RWKV's `-D_N_=64`), an `auto` pointer into a buffer (mmdetection3d's voxelization: its writes were
 * missed, the buffer became a read-only input and Metal rejected the store: silent), overloads that print as
 * one template (apex's `load_store(T*, volatile T*)`), `SharedMemory<T>` specialised over a declared-only
 * primary (apex's layer norm), and host-launch buffers typed by `data_ptr<int>()` (torchsparse).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { deriveVerifySpecs } from "../src/kernel/launch-spec.js";
import { preprocessCuda } from "../passes/kernel/preprocess.js";
import { kernelCliHarness, spec, translatesAndVerifies, verifies } from "./kernel-spec-helpers.js";

const rows = (kernel: string, role: "output" | "inout") =>
  spec(
    kernel,
    [{ n: 37, w: 3 }],
    [
      { name: "x", dtype: "float32", count: "n*w", role: "input" },
      { name: "y", dtype: "float32", count: "n*w", role },
    ],
    [{ kernel, grid: ["cdiv(n, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }, { scalar: "w", type: "int" }] }],
  );

describe("kCorp gap classes", () => {
  it("a pointer type alias (typedef T* __restrict__ P; using P = const T*) is followed; `const P` stays a const pointer", async () => {
    const src = [
      "typedef float * __restrict__ F_;",
      "using CF = const float*;",
      "__global__ void scale_rows(CF x, F_ y, int n, int w) {",
      "  const F_ out = y;",
      "  int i = blockIdx.x * blockDim.x + threadIdx.x;",
      "  if (i < n) for (int k = 0; k < w; k++) out[i * w + k] = x[i * w + k] * 3.0f;",
      "}",
    ].join("\n");
    const p = preprocessCuda(src, "alias.cu");
    expect(p.typedefs.get("F_")).toBe("float * __restrict__");
    expect(p.text).toContain("float * __restrict__ const out = y;");
    const r = await translatesAndVerifies(src, rows("scale_rows", "output"));
    // written only, at a row of w elements per thread (not the thread's own element): kept in place, the caller's values where not written (write-only.ts)
    expect(r.kernels[0]!.params.map((q) => q.role ?? "scalar")).toEqual(["input", "inout-copy", "scalar", "scalar"]);
  }, 120_000);

  it("-D NAME=VALUE is expanded where code uses it (kernel and launch), lines kept; a name the file defines again is the file's", async () => {
    const src = [
      "__global__ void fill(float* y) {",
      "  __shared__ float s[_N_];",
      "  s[threadIdx.x] = _N_ + SCALE;",
      "  __syncthreads();",
      "  y[threadIdx.x] = s[_N_ - 1 - threadIdx.x];",
      "}",
      "#define SCALE 2",
    ].join("\n");
    const p = preprocessCuda(src, "d.cu", undefined, { _N_: "64", SCALE: "5" });
    expect(p.text.split("\n")).toEqual([
      "__global__ void fill(float* y) {",
      "  __shared__ float s[64];",
      "  s[threadIdx.x] = 64 + 5;",
      "  __syncthreads();",
      "  y[threadIdx.x] = s[64 - 1 - threadIdx.x];",
      "}",
      "#define SCALE 2",
    ]);
    const r = compileKernels(src, { filename: "fill.cu", defines: { _N_: "64", SCALE: "5" } });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    await verifies(
      r,
      spec("fill", [{ n: 64 }], [{ name: "y", dtype: "float32", count: "n", role: "output" }], [{ kernel: "fill", grid: [1, 1, 1], block: [64, 1, 1], args: [{ buffer: "y" }] }]),
    );
  }, 120_000);

  it("`auto p = y + i * w;` is an alias of y: stores through it make y an output (it was an input, rejected by Metal)", async () => {
    const src = [
      "__global__ void copy_rows(const float* x, float* y, int n, int w) {",
      "  int i = blockIdx.x * blockDim.x + threadIdx.x;",
      "  if (i < n) {",
      "    auto yo = y + i * w;",
      "    auto xo = x + i * w;",
      "    for (int k = 0; k < w; k++) yo[k] = xo[k] * 2.0f;",
      "  }",
      "}",
    ].join("\n");
    const r = await translatesAndVerifies(src, rows("copy_rows", "output"));
    // written only, at a row of w elements per thread (not the thread's own element): kept in place, the caller's values where not written (write-only.ts)
    expect(r.kernels[0]!.params.map((q) => q.role ?? "scalar")).toEqual(["input", "inout-copy", "scalar", "scalar"]);
  }, 120_000);

  it("an auto alias of a read-write buffer gets the in-place twins", async () => {
    const src = [
      "__global__ void acc_rows(const float* x, float* y, int n, int w) {",
      "  int i = blockIdx.x * blockDim.x + threadIdx.x;",
      "  if (i < n) {",
      "    auto yo = y + i * w;",
      "    for (int k = 0; k < w; k++) yo[k] += x[i * w + k];",
      "  }",
      "}",
    ].join("\n");
    await translatesAndVerifies(src, rows("acc_rows", "inout"));
  }, 120_000);

  it("overloads that differ only in a pointee's volatile print as one template, once", async () => {
    const src = [
      "template <typename T> __device__ void load_store(T* dst, T* src, int d, int s) { dst[d] = src[s]; }",
      "template <typename T> __device__ void load_store(T* dst, volatile T* src, int d, int s) { dst[d] = src[s]; }",
      "template <typename T> __device__ void load_store(volatile T* dst, T* src, int d, int s) { dst[d] = src[s]; }",
      "__global__ void relu_rows(const float* x, float* y, int n, int w) {",
      "  int i = blockIdx.x * blockDim.x + threadIdx.x;",
      "  float r[1];",
      "  if (i < n) for (int k = 0; k < w; k++) { load_store(r, (float*)x, 0, i * w + k); r[0] = r[0] > 0.f ? r[0] : 0.f; load_store(y, r, i * w + k, 0); }",
      "}",
    ].join("\n");
    const r = await translatesAndVerifies(src, rows("relu_rows", "output"));
    expect(r.kernels[0]!.spec.header.match(/void load_store\(/g)).toHaveLength(1);
  }, 120_000);

  it("SharedMemory<T> specialised for float and double over a primary only declared is the dynamic shared memory", async () => {
    const src = [
      "template <typename T> struct SharedMemory;",
      "template <> struct SharedMemory<float> { __device__ float* getPointer() { extern __shared__ float s_float[]; return s_float; } };",
      "template <> struct SharedMemory<double> { __device__ double* getPointer() { extern __shared__ double s_double[]; return s_double; } };",
      "template <typename U> __global__ void rev(const U* x, U* y) {",
      "  SharedMemory<U> shared;",
      "  U* buf = shared.getPointer();",
      "  buf[threadIdx.x] = x[blockIdx.x * blockDim.x + threadIdx.x];",
      "  __syncthreads();",
      "  y[blockIdx.x * blockDim.x + threadIdx.x] = buf[blockDim.x - 1 - threadIdx.x];",
      "}",
    ].join("\n");
    await translatesAndVerifies(
      src,
      spec(
        "rev",
        [{ n: 256 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "y", dtype: "float32", count: "n", role: "output" },
        ],
        [{ kernel: "rev", templateArgs: ["float"], grid: [2, 1, 1], block: [128, 1, 1], sharedBytes: 512, args: [{ buffer: "x" }, { buffer: "y" }] }],
      ),
    );
  }, 120_000);

  it("an unscoped enum parameter the kernel only compares is an int scalar; one passed on keeps C2M-K012", async () => {
    const src = [
      "typedef enum { SUM = 0, MEAN = 1, MAX = 2 } reduce_t;",
      "enum Mode { ADD, MUL };",
      "__device__ float apply(Mode m, float v) { return m == ADD ? v + 1.f : v * 2.f; }",
      "__global__ void red(const float* x, float* y, const reduce_t r, int n) {",
      "  int i = blockIdx.x * blockDim.x + threadIdx.x;",
      "  if (i >= n) return;",
      "  switch (r) { case SUM: y[i] = x[i]; break; default: y[i] = r == reduce_t::MAX ? -x[i] : 0.f; }",
      "}",
      "__global__ void passed(const float* x, float* y, Mode m, int n) {",
      "  int i = blockIdx.x * blockDim.x + threadIdx.x;",
      "  if (i < n) y[i] = apply(m, x[i]);",
      "}",
    ].join("\n");
    const r = compileKernels(src, { filename: "red.cu" });
    expect(r.kernels.map((k) => k.name)).toEqual(["red"]);
    expect(r.refused?.map((x) => [x.name, x.diagnostic.code])).toEqual([["passed", "C2M-K012"]]);
    const s = (value: number) =>
      spec(
        `red${value}`,
        [{ n: 100 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "y", dtype: "float32", count: "n", role: "output" },
        ],
        [{ kernel: "red", grid: [1, 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: value, type: "int" }, { scalar: "n", type: "int" }] }],
      );
    await verifies(r, s(0), { source: src, clangCheck: true });
    await verifies(r, s(2), { source: src });
  }, 120_000);
});

const cli = kernelCliHarness("c2m-kcorp-");

describe("host launch: tensors typed by data_ptr<T>()", () => {
  const src = [
    "#include <torch/torch.h>",
    "__global__ void vox(int N, int c, int s, const float* data, const int* idx, const int* counts, float* out) {",
    "  int index = blockDim.x * blockIdx.x + threadIdx.x;",
    "  int i = index / c, j = index % c;",
    "  if (i < N) {",
    "    int pos = idx[i];",
    "    if (pos < 0 || pos >= s || counts[pos] == 0) return;",
    "    atomicAdd(&out[pos * c + j], data[i * c + j] / float(counts[pos]));",
    "  }",
    "}",
    "at::Tensor vox_forward(const at::Tensor inputs, const at::Tensor idx, const at::Tensor counts) {",
    "  int N = inputs.size(0);",
    "  int c = inputs.size(1);",
    "  int N1 = counts.size(0);",
    "  at::Tensor out = torch::zeros({N1, c}, at::device(idx.device()).dtype(inputs.dtype()));",
    "  vox<<<N, c>>>(N, c, N1, inputs.data_ptr<float>(), idx.data_ptr<int>(), counts.data_ptr<int>(), out.data_ptr<float>());",
    "  return out;",
    "}",
  ].join("\n");

  it("idx.data_ptr<int>() makes idx a buffer of int32 (in bounds), not float bits", () => {
    const compiled = compileKernels(src, { filename: "vox.cu" });
    const { specs } = deriveVerifySpecs(src, "vox.cu", compiled, {});
    expect(specs[0]!.buffers.map((b) => [b.name, b.dtype])).toEqual([
      ["inputs", "float32"],
      ["idx", "int32"],
      ["counts", "int32"],
      ["out", "float32"],
    ]);
  });

  it("and the launch verifies (it disagreed: the original read float bits as indices, MLX converted them)", async () => {
    const file = join(cli.dir(), "vox.cu");
    writeFileSync(file, src);
    const { code, stderr } = await cli.run(file, { verify: true, output: join(cli.dir(), "vox.py") });
    expect(stderr).not.toContain("FAIL");
    expect(code).toBe(0);
  }, 240_000);
});
