/**
 * A launcher given its buffers by its caller (SGEMM_CUDA's `run_sgemm_naive(int M, ..., float *A, ...)`):
 * read statically with its ints as the sizes and its pointers as the caller's data, grown where the
 * original reads past them (src/kernel/launch-spec.ts, synth-spec.ts growCallerBuffers/sizedSpecs);
 * function-like macros evaluated, and only the branch taken of an `if` the sizes decide.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { deriveVerifySpecs } from "../src/kernel/launch-spec.js";
import { deviceOnlySource } from "../src/verify/device-code.js";
import { kernelCliHarness } from "./kernel-spec-helpers.js";

const gemm = `#include <cuda_runtime.h>
#define CEIL_DIV(M, N) (((M) + (N)-1) / (N))
template <const int BLOCK>
__global__ void gemm(int M, int N, int K, float alpha, const float *A, const float *B, float beta, float *C) {
  const int x = blockIdx.x * BLOCK + (threadIdx.x / BLOCK);
  const int y = blockIdx.y * BLOCK + (threadIdx.x % BLOCK);
  if (x < M && y < N) {
    float tmp = 0.0;
    for (int i = 0; i < K; ++i) tmp += A[x * K + i] * B[i * N + y];
    C[x * N + y] = alpha * tmp + beta * C[x * N + y];
  }
}
void run_gemm(int M, int N, int K, float alpha, float *A, float *B, float beta, float *C) {
  if (M >= 128) {
    gemm<32><<<dim3(CEIL_DIV(M, 32), CEIL_DIV(N, 32)), dim3(32 * 32)>>>(M, N, K, alpha, A, B, beta, C);
  } else {
    gemm<16><<<dim3(CEIL_DIV(M, 16), CEIL_DIV(N, 16)), dim3(16 * 16)>>>(M, N, K, alpha, A, B, beta, C);
  }
}
`;

const cli = kernelCliHarness("c2m-caller-launcher-");

describe("a launcher that takes its buffers from its caller", () => {
  it("reads its ints as the sizes, its pointers as the caller's data, and only the branch the sizes take", () => {
    const compiled = compileKernels(gemm, { filename: "gemm.cu" });
    const d = deriveVerifySpecs(gemm, "gemm.cu", compiled, {});
    expect(d.specs.map((s) => s.sizes[0])).toEqual([{ S: 128 }, { S: 64 }, { S: 37 }]);
    expect(d.specs.map((s) => s.launches.map((l) => [l.templateArgs, l.grid, l.block]))).toEqual([
      [[["32"], [4, 4, 1], [1024, 1, 1]]],
      [[["16"], [4, 4, 1], [256, 1, 1]]],
      [[["16"], [3, 3, 1], [256, 1, 1]]],
    ]);
    const s = d.specs[0]!;
    expect(s.buffers.map((b) => [b.name, b.role])).toEqual([
      ["A", "input"],
      ["B", "input"],
      ["C", "inout"],
    ]);
    expect(d.callerBuffers?.[s.name]).toEqual(["A", "B", "C"]);
  });

  it("verifies end to end (c2m kernel --verify, no spec)", async () => {
    const file = join(cli.dir(), "gemm.cu");
    writeFileSync(file, gemm);
    const { code, stderr } = await cli.run(file, { verify: true });
    expect(stderr).toMatch(/the buffers its caller passes sized by running the original/);
    expect(stderr).toMatch(/ok {3}gemm_run_gemm_0_0 \[S=128\] C \(metal\)/);
    expect(stderr).toMatch(/ok {3}gemm_run_gemm_0_2 \[S=37\] C \(metal\)/);
    expect(code).toBe(0);
  }, 240_000);
});

describe("the device cut", () => {
  it("keeps functions a macro qualifies __device__, members included (detectron2's HOST_DEVICE_INLINE)", () => {
    const src = `#if defined(__CUDACC__)
#define HOST_DEVICE __host__ __device__
#define HOST_DEVICE_INLINE HOST_DEVICE __forceinline__
#else
#define HOST_DEVICE
#define HOST_DEVICE_INLINE HOST_DEVICE inline
#endif
template <typename T>
struct Point {
  T x, y;
  HOST_DEVICE_INLINE Point operator+(const Point& p) const { return Point{x + p.x, y + p.y}; }
};
template <typename T>
HOST_DEVICE_INLINE T dot_2d(const Point<T>& A, const Point<T>& B) { return A.x * B.x + A.y * B.y; }
__global__ void k(float* y) { Point<float> p{1, 2}; y[0] = dot_2d(p + p, p); }
void host_only() {}
`;
    const out = deviceOnlySource(src).source;
    expect(out).toContain("HOST_DEVICE_INLINE T dot_2d(");
    expect(out).toContain("HOST_DEVICE_INLINE Point operator+(");
    expect(out).not.toContain("host_only");
  });

  it("drops a host prototype nothing kept names (one naming std::ofstream, which the emulator forbids)", () => {
    const src = `#include <fstream>
void print_matrix(const float *A, int M, int N, std::ofstream &fs);
__device__ float twice(float x);
__global__ void k(float* y) { y[0] = twice(y[0]); }
__device__ float twice(float x) { return 2 * x; }
`;
    const out = deviceOnlySource(src).source;
    expect(out).not.toContain("ofstream &fs");
    expect(out).toContain("__device__ float twice(float x);");
  });
});
