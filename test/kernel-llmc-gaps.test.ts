import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { driverHeader, driverSource } from "../src/verify/fixtures.js";
import { assertedBlock } from "../src/kernel/synth-spec.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

/**
 * llm.c's llmc headers: a function template defined only by explicit specialisations (cast_value), the
 * __builtin_assume_aligned hint, a grid extent the kernel asserts, and tag parameters in GPU fixture drivers.
 */
describe("llmc constructs", () => {
  const castSrc = `
#include <cuda_fp16.h>
template<typename Td, typename Ts>
__device__ Td cast_value(Ts val);

template<>
__device__ float cast_value<float, float>(float val) {
    return val;
}

template<>
__device__ float cast_value<float, half>(half val) {
    return __half2float(val);
}

template<typename Td, typename Ts>
__global__ void copy_and_cast_kernel(Td* dst, const Ts* src, size_t n) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n) dst[idx] = cast_value<Td, Ts>(src[idx]);
}
`;

  it("carries a template defined only by explicit specialisations as its declaration and the specialisations", () => {
    const r = compileKernels(castSrc, { filename: "cast.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const header = r.kernels[0]!.spec.header;
    expect(header).toMatch(/template <typename Td, typename Ts>\nTd cast_value\(Ts val\);/);
    expect(header).toMatch(/template <>\ninline float cast_value<float, float>\(float val\)/);
    expect(header).toMatch(/template <>\ninline float cast_value<float, half>\(half val\)/);
  });

  it("verifies both specialisations", async () => {
    const launch = (dst: string, src: string, type: string) => ({
      kernel: "copy_and_cast_kernel",
      templateArgs: ["float", type],
      grid: ["cdiv(n, 64)", 1, 1] as [string, number, number],
      block: [64, 1, 1] as [number, number, number],
      args: [{ buffer: dst }, { buffer: src }, { scalar: "n", type: "size_t" }],
    });
    await translatesAndVerifies(
      castSrc,
      spec(
        "copy_and_cast",
        [{ n: 100 }],
        [
          { name: "a", dtype: "float32", count: "n", role: "output" },
          { name: "b", dtype: "float32", count: "n", role: "output" },
          { name: "xf", dtype: "float32", count: "n", role: "input" },
          { name: "xh", dtype: "float16", count: "n", role: "input" },
        ],
        [launch("a", "xf", "float"), launch("b", "xh", "half")],
      ),
    );
  }, 180_000);

  it("specialisations taking a pointer become templates enabled for their arguments, beside the primary (mmcv's load_bbox<float>)", async () => {
    const src = `
template <typename T>
__device__ __forceinline__ void load_pair(const T* p, const int base, T& a, T& b) {
  a = p[base];
  b = p[base + 1];
}
template <>
__device__ __forceinline__ void load_pair<float>(const float* p, const int base, float& a, float& b) {
  const float2 v = reinterpret_cast<const float2*>(p + base)[0];
  a = v.x;
  b = v.y + 0.5f;
}
template <typename T>
__global__ void sum_pairs(const T* x, T* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  T a, b;
  load_pair<T>(x, 2 * i, a, b);
  y[i] = a + b;
}
`;
    const r = compileKernels(src, { filename: "pairs.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const header = r.kernels[0]!.spec.header;
    expect(header).toMatch(/template <typename T, typename c2m_P0, typename c2m_enable_if<!\(\(c2m_same<T, float>::value\)\)>::type = 0>\ninline void load_pair\(c2m_P0 p/);
    expect(header).toMatch(
      /template <typename T, typename c2m_P0, typename c2m_enable_if<c2m_same<T, float>::value>::type = 0>\ninline void load_pair\(c2m_P0 p, int base, thread float& a/,
    );
    const launch = (x: string, y: string, type: string) => ({
      kernel: "sum_pairs",
      templateArgs: [type],
      grid: ["cdiv(n, 64)", 1, 1] as [string, number, number],
      block: [64, 1, 1] as [number, number, number],
      args: [{ buffer: x }, { buffer: y }, { scalar: "n", type: "int" }],
    });
    await translatesAndVerifies(
      src,
      spec(
        "sum_pairs",
        [{ n: 100 }],
        [
          { name: "xf", dtype: "float32", count: "2 * n", role: "input" },
          { name: "yf", dtype: "float32", count: "n", role: "output" },
          { name: "xi", dtype: "int32", count: "2 * n", role: "input" },
          { name: "yi", dtype: "int32", count: "n", role: "output" },
        ],
        [launch("xf", "yf", "float"), launch("xi", "yi", "int")],
      ),
    );
  }, 180_000);

  it("__builtin_assume_aligned is its pointer: the buffer's reads are seen through it", () => {
    const src = `
__global__ void k(float* y, const float* x, int n) {
    const float* xa = reinterpret_cast<const float*>(__builtin_assume_aligned(x, 16));
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = xa[i] * 2.0f;
}
`;
    const r = compileKernels(src, { filename: "aligned.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const k = r.kernels[0]!;
    expect(k.params.find((p) => p.name === "x")!.role).toBe("input");
    expect(k.spec.source).not.toMatch(/__builtin_assume_aligned/);
  });

  it("min of a signed and an unsigned integer (an unsigned literal through a macro) is CUDA's unsigned min", () => {
    const src = `
#define WARP_SIZE 32U
template <int BLOCK_SIZE = 256>
__global__ void k(int* y, int n) {
    int m = n / 2;
    y[threadIdx.x] = min(BLOCK_SIZE, m * WARP_SIZE);
}
`;
    const r = compileKernels(src, { filename: "minu.cu" });
    expect(r.kernels[0]!.spec.source).toMatch(/metal::min\(uint\(BLOCK_SIZE\), uint\(m \* WARP_SIZE\)\)/);
  });

  it("an in-place buffer whose threadgroups along y reach the same elements is translated for one row of threadgroups", () => {
    const src = (guard: string) => `
__global__ void col_sums(float* sums, const float* x, int R, int C) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C${guard}) return;
    float a = 0.0f;
    for (int r = blockIdx.y; r < R; r += gridDim.y) a += x[r * C + c];
    sums[c] = a + sums[c];
}
`;
    const shared = compileKernels(src(""), { filename: "rows.cu" });
    expect(shared.kernels[0]!.singleBlockAlong).toEqual(["y"]);
    expect(shared.python).toMatch(/if grid\[1\] != 1:\n\s+raise ValueError\("col_sums: threadgroups along y read and write the same elements of sums in place/);
    // a guard naming blockIdx.y may single one row out: nothing is required then
    expect(compileKernels(src(" || blockIdx.y != 0"), { filename: "rows.cu" }).kernels[0]!.singleBlockAlong).toBeUndefined();
  });

  it("verifies such a kernel from a synthesised launch (one row of threadgroups)", async () => {
    const src = `
__global__ void col_sums(float* sums, const float* x, int R, int C) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    float a = 0.0f;
    for (int r = blockIdx.y; r < R; r += gridDim.y) a += x[r * C + c];
    sums[c] = a + sums[c];
}
`;
    const { candidateLaunches } = await import("../src/kernel/synth-spec.js");
    const k = compileKernels(src, { filename: "rows.cu" }).kernels[0]!;
    expect(candidateLaunches(k, src).every((c) => c.grid[1] === 1)).toBe(true);
  });

  it("a buffer handed to a helper through `cond ? p + off : NULL` is written (was silently an unused input)", () => {
    const src = `
__device__ void put(float* p, float v) { if (p != NULL) p[threadIdx.x] = v; }
__global__ void k(float* y, const float* x, int flag) {
    put(flag ? y + blockIdx.x * blockDim.x : NULL, x[blockIdx.x * blockDim.x + threadIdx.x]);
}
`;
    const r = compileKernels(src, { filename: "cond.cu" });
    expect(r.kernels[0]!.params.find((p) => p.name === "y")!.role).toBe("output");
  });

  it("a buffer refused for its atomics (C2M-K007) gets no second error per atomic", () => {
    const src = `
__global__ void k(unsigned long long* g) {
    atomicAdd(&g[0], 10ull);
    atomicExch(&g[1], 3ull);
}
`;
    const r = compileKernels(src, { filename: "atomics.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual(["C2M-K007"]);
  });

  it("reads the grid extents a kernel asserts", () => {
    expect(assertedBlock("assert(gridDim.x == 1);     // only a single block!", "gridDim")).toEqual({ x: 1 });
    expect(assertedBlock("assert(gridDim.x == 1);")).toEqual({});
  });

  it("GPU fixture drivers launch through c2m_launch, which passes tag parameters default-constructed", () => {
    const d = driverSource(
      spec(
        "tagged",
        [{ n: 8 }],
        [{ name: "y", dtype: "bool", count: "n", role: "output" }],
        [{ kernel: "k", templateArgs: ["false"], grid: [1, 1, 1], block: [8, 1, 1], args: [{ buffer: "y" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(d).toMatch(/c2m_launch\(&k<false>, dim3\(1, 1, 1\), dim3\(8, 1, 1\), 0, y_d, \(int\)\(8\)\);/);
    // c2m_launch and the host copies live in the header every driver includes
    expect(d).toMatch(/#include "c2m_driver.cuh"/);
    expect(driverHeader()).toMatch(/if constexpr \(c2m_is_tag<P>\) return std::decay_t<P>\{\};/);
    // no std::vector<bool>, which has no data()
    expect(driverHeader()).not.toMatch(/std::vector<T> host/);
  });
});
