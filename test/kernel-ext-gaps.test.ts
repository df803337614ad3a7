/**
 * Gaps the PyTorch-extension corpus (torch-ngp, flownet2-pytorch, pytorch_cluster) showed, each a mechanism:
 * - an element-access macro (`DIM3_INDEX(T, ...) ((T)[... T##_stride.x ...])`) is expanded where it is used, so an
 *   atomicAdd on `&DIM3_INDEX(gradInput, ...)` targets the buffer;
 * - C's exponent functions (`frexpf(x, &e)`, `scalbnf`, `ldexpf`) become Metal's, which take the exponent by reference;
 * - a double math function given a double (`floor(xf + 0.5)`) computes in float: Metal has no double, and its
 *   float and half overloads both accept one;
 * - cuRAND's device API is refused (C2M-K002): Metal has no random-number library.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { accessorMacro, expandMacroCalls } from "../passes/kernel/preprocess.js";
import { evalInt } from "../emit/metal-limits.js";
import { spec, translatesAndVerifies, verifies } from "./kernel-spec-helpers.js";

describe("element-access macros", () => {
  const def = "DIM3_INDEX(TENSOR, xx, yy, zz, ww) ((TENSOR)[((xx) * (TENSOR##_stride.x)) + ((yy) * (TENSOR##_stride.y))])";

  it("are recognised, and expanded with the argument pasted", () => {
    const m = accessorMacro(def)!;
    expect(m.params).toEqual(["TENSOR", "xx", "yy", "zz", "ww"]);
    expect(expandMacroCalls("atomicAdd(&DIM3_INDEX(g, b, (y + 1), 0, 0), v);", new Map([[m.name, m]]))).toBe(
      "atomicAdd(&((g)[((b) * (g_stride.x)) + (((y + 1)) * (g_stride.y))]), v);",
    );
    // a pasted argument that is not a name is left as a macro call
    expect(expandMacroCalls("DIM3_INDEX(p + 1, b, y, 0, 0)", new Map([[m.name, m]]))).toBe("DIM3_INDEX(p + 1, b, y, 0, 0)");
  });

  it("leave other macros alone", () => {
    expect(accessorMacro("CEIL_DIV(M, N) (((M) + (N)-1) / (N))")).toBeUndefined();
    expect(accessorMacro("NAME(x) #x[0]")).toBeUndefined();
  });

  const src = `#define AT(T, i, j) ((T)[(i) * T##_stride.x + (j) * T##_stride.y])
__global__ void scatter_rows(const float* x, const int2 x_stride, float* g, const int2 g_stride, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  atomicAdd(&AT(g, i % 4, 0), AT(x, i, 0));
  atomicAdd(&AT(g, i % 4, 1), 2.0f * AT(x, i, 1));
}
`;
  it("let an atomicAdd through one target the buffer, and verify", async () => {
    const s = spec(
      "scatter_rows",
      [{ n: 256 }],
      [
        { name: "x", dtype: "float32", count: "2 * n", role: "input" },
        { name: "g", dtype: "float32", count: 8, role: "inout" },
      ],
      [
        {
          kernel: "scatter_rows",
          grid: ["cdiv(n, 64)", 1, 1],
          block: [64, 1, 1],
          args: [{ buffer: "x" }, { vector: [2, 1], type: "int2" }, { buffer: "g" }, { vector: [2, 1], type: "int2" }, { scalar: "n", type: "int" }],
        },
      ],
    );
    const r = await translatesAndVerifies(src, s);
    expect(r.kernels[0]!.spec.source).toMatch(/atomic_fetch_add_explicit\(&\(\(g\)\[/);
  }, 120_000);
});

describe("C math functions", () => {
  const src = `__device__ int level_of(float x) { int e; frexpf(x, &e); return e; }
__global__ void levels(const float* x, float* y, int* lv, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  lv[i] = level_of(x[i]);
  y[i] = scalbnf(1.0f, lv[i]) + ldexpf(x[i], 2) + floor(x[i] + 0.5);
}
`;
  it("become Metal's, and verify", async () => {
    const s = spec(
      "levels",
      [{ n: 300 }],
      [
        { name: "x", dtype: "float32", count: "n", role: "input" },
        { name: "y", dtype: "float32", count: "n", role: "output" },
        { name: "lv", dtype: "int32", count: "n", role: "output" },
      ],
      [{ kernel: "levels", grid: ["cdiv(n, 64)", 1, 1], block: [64, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { buffer: "lv" }, { scalar: "n", type: "int" }] }],
    );
    const r = await translatesAndVerifies(src, s);
    const k = r.kernels[0]!;
    expect(k.spec.header).toMatch(/metal::frexp\(x, \*\(\(&e\)\)\)/);
    expect(k.spec.source).toMatch(/metal::ldexp\(1\.0f, lv\[i\]\)/);
    expect(k.spec.source).toMatch(/floor\(float\(x\[i\] \+ 0\.5\)\)/);
  }, 120_000);

  it("a kernel beside a refused cuRAND one still verifies: the CUDA emulator has cuRAND's XORWOW", async () => {
    const src = `#include <curand_kernel.h>
__global__ void noisy(float* y, int n, unsigned long long seed) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  curandState_t state;
  curand_init(seed, 0, i, &state);
  if (i < n) y[i] = curand_uniform(&state);
}
__global__ void twice(const float* x, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = 2.0f * x[i];
}
`;
    const r = compileKernels(src, { filename: "pair.cu" });
    expect(r.refused.map((x) => x.name)).toEqual(["noisy"]);
    const s = spec(
      "twice",
      [{ n: 100 }],
      [
        { name: "x", dtype: "float32", count: "n", role: "input" },
        { name: "y", dtype: "float32", count: "n", role: "output" },
      ],
      [{ kernel: "twice", grid: [2, 1, 1], block: [64, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
    );
    await verifies(r, s);
  }, 120_000);

  it("cuRAND started at an offset is refused: c2m carries the skip-ahead matrices of subsequences only", () => {
    const r = compileKernels(
      `#include <curand_kernel.h>
__global__ void noise(float* y, int n, unsigned long long seed) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  curandState_t state;
  curand_init(seed, 0, i, &state);
  if (i < n) y[i] = curand_uniform(&state);
}
`,
      { filename: "noise.cu" },
    );
    expect(r.refused.map((x) => x.name ?? x)).toHaveLength(1);
    const errs = r.diagnostics.filter((d) => d.severity === "error");
    expect(errs.every((d) => d.code === "C2M-K002")).toBe(true);
    expect(errs.map((d) => d.message).join("\n")).toMatch(
      /curand_init: curand_init\(seed, 0, i, \.\.\.\) starts at an offset other than 0: cuRAND's XORWOW skips it through precomputed/,
    );
  });
});

describe("Metal's 32 KiB of threadgroup memory", () => {
  const kernel = (n: string) => `#define TILE 16
const int ROWS = 4;
__global__ void big(const float* x, float* y) {
  const int batch = ${n};
  __shared__ float buf[batch * 5];
  __shared__ float4 rows[ROWS][TILE];
  buf[threadIdx.x] = x[threadIdx.x];
  __syncthreads();
  rows[0][0] = make_float4(buf[0], 0, 0, 0);
  y[threadIdx.x] = buf[threadIdx.x + 1] + rows[0][0].x;
}
`;
  it("a kernel whose static __shared__ arrays exceed it is refused at its largest array", () => {
    const r = compileKernels(kernel("2048"), { filename: "big.cu" });
    const e = r.diagnostics.find((d) => d.severity === "error")!;
    expect(e.code).toBe("C2M-K002");
    expect(e.line).toBe(5);
    expect(e.message).toMatch(/declares 41984 bytes of __shared__ memory \(buf: 40960, rows: 1024\); a Metal threadgroup holds at most 32768 bytes/);
  });

  it("one that fits, or whose sizes c2m cannot evaluate, is not", () => {
    expect(compileKernels(kernel("1024"), { filename: "fits.cu" }).refused).toEqual([]);
    expect(compileKernels(kernel("blockDim.x"), { filename: "unknown.cu" }).diagnostics.filter((d) => /32768 bytes/.test(d.message))).toEqual([]);
  });

  it("evaluates integer constant expressions only", () => {
    const v = new Map([["B", 8]]);
    expect(evalInt("(B << 2) * 3 + 1", v)).toBe(97);
    expect(evalInt("64u * B", v)).toBe(512);
    expect(evalInt("B * n", v)).toBeUndefined();
    expect(evalInt("B / 0", v)).toBeUndefined();
  });
});

describe("a lambda that leaves early", () => {
  const src = `__global__ void basis(const float* x, float* out, int C, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  out += i * 4;
  float v = x[i];
  auto write = [&]() {
    out[0] = 1.0f;
    if (C <= 1) { return; }
    out[1] = v;
    for (int k = 2; k < 4; k++) { if (k >= C) break; out[k] = v * k; }
    if (C <= 3) return;
    out[3] = v * v;
  };
  write();
  out[0] += 0.5f;
}
`;
  it("is inlined as do { } while (0), its return; a break;, and verifies whichever way it leaves", async () => {
    for (const C of [1, 3, 4]) {
      const s = spec(
        "basis",
        [{ n: 200 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "out", dtype: "float32", count: "4 * n", role: "output" },
        ],
        [{ kernel: "basis", grid: ["cdiv(n, 64)", 1, 1], block: [64, 1, 1], args: [{ buffer: "x" }, { buffer: "out" }, { scalar: C, type: "int" }, { scalar: "n", type: "int" }] }],
      );
      const r = await translatesAndVerifies(src, s);
      expect(r.kernels[0]!.spec.source).toMatch(/do \{[\s\S]*if \(C <= 1\) \{ break; \}[\s\S]*if \(k >= C\) break;[\s\S]*\} while \(0\);/);
    }
  }, 180_000);

  it("a return inside a loop of the lambda is still refused", () => {
    const r = compileKernels(`__global__ void k(float* out, int n) { auto f = [&]() { for (int j = 0; j < n; j++) { if (j > 2) return; out[j] = j; } }; f(); }`, {
      filename: "k.cu",
    });
    expect(r.refused).toHaveLength(1);
  });
});

describe("a static __shared__ array of a device function template's type parameter", () => {
  const src = (call: string) => `template <typename scalar_t>
__device__ scalar_t blockSum(scalar_t val) {
  static __shared__ scalar_t part[32];
  for (int o = 16; o > 0; o /= 2) val += __shfl_down_sync(0xffffffff, val, o);
  if (threadIdx.x % 32 == 0) part[threadIdx.x / 32] = val;
  __syncthreads();
  val = threadIdx.x < blockDim.x / 32 ? part[threadIdx.x % 32] : (scalar_t)0;
  if (threadIdx.x < 32) for (int o = 16; o > 0; o /= 2) val += __shfl_down_sync(0xffffffff, val, o);
  return val;
}
template <typename T>
__global__ void rowsum(const T* x, T* y, int n) {
  float acc = 0.0f;
  for (int i = threadIdx.x; i < n; i += blockDim.x) acc += (float)x[blockIdx.x * n + i];
  ${call}
  if (threadIdx.x == 0) y[blockIdx.x] = (T)acc;
}
template __global__ void rowsum<float>(const float*, float*, int);
`;
  it("is hoisted into the kernel with the type the kernel's call gives it, and verifies", async () => {
    const s = spec(
      "rowsum",
      [{ n: 300 }],
      [
        { name: "x", dtype: "float32", count: "4 * n", role: "input" },
        { name: "y", dtype: "float32", count: 4, role: "output" },
      ],
      [{ kernel: "rowsum", templateArgs: ["float"], grid: [4, 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
    );
    const r = await translatesAndVerifies(src("acc = blockSum(acc);"), s);
    expect(r.kernels[0]!.spec.source).toMatch(/threadgroup float c2m_sh_blockSum_part\[32\];/);
  }, 120_000);

  it("is refused where the kernel's calls give it two types", () => {
    const r = compileKernels(src("acc = blockSum(acc); int k = 1; k = blockSum(k);"), { filename: "two.cu" });
    expect(r.diagnostics.find((d) => d.severity === "error")?.message).toMatch(/template parameter type 'scalar_t': the kernel calls 'blockSum' with 'scalar_t' as float and int/);
  });
});

describe("a __host__ __device__ helper in a launcher", () => {
  it("becomes a Python def, and the launcher is translated (torch-ngp's div_round_up)", () => {
    const src = `#include <torch/extension.h>
template <typename T>
inline __host__ __device__ T div_round_up(T val, T divisor) {
    return (val + divisor - 1) / divisor;
}
__global__ void scale(const float* x, float* y, const uint32_t N) {
  const uint32_t n = threadIdx.x + blockIdx.x * blockDim.x;
  if (n >= N) return;
  y[n] = 2.0f * x[n];
}
void scale_launch(at::Tensor x, at::Tensor y, const uint32_t N) {
  static constexpr uint32_t N_THREAD = 128;
  scale<<<div_round_up(N, N_THREAD), N_THREAD>>>(x.data_ptr<float>(), y.data_ptr<float>(), N);
}
`;
    const r = compileKernels(src, { filename: "scale.cu" });
    expect(r.diagnostics.filter((d) => d.code === "C2M-K014")).toEqual([]);
    expect(r.python).toMatch(/def div_round_up\(val, divisor\):\n {4}return \(val \+ divisor - 1\) \/\/ divisor/);
    expect(r.python).toMatch(/grid=\(div_round_up\(N, N_THREAD\), 1, 1\)/);
  });
});
