import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { runKernel } from "../src/commands/kernel.js";
import { compileKernels } from "../src/kernel/index.js";
import { deriveVerifySpecs, LaunchUnknown, type LaunchFlags } from "../src/kernel/launch-spec.js";
import { goldenDir } from "../src/verify/golden.js";
import { kernelCliHarness } from "./kernel-spec-helpers.js";

/**
 * `--verify` without a hand-written spec: sizes, buffers and launches read statically from the file's
 * host launcher or PyTorch launcher, or given as flags; a NaN in the CUDA original's output is
 * "inputs outside the kernel's domain" (C2M-K020), not a comparison of NaN with NaN.
 */

const cli = kernelCliHarness("c2m-verify-nospec-");

async function verifyFile(name: string, source: string, opts: Parameters<typeof runKernel>[1] = {}): Promise<{ code: number; stderr: string }> {
  const file = join(cli.dir(), name);
  writeFileSync(file, source);
  return cli.run(file, { verify: true, ...opts });
}

function derive(source: string, flags: LaunchFlags = {}) {
  const compiled = compileKernels(source, { filename: "case.cu" });
  expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return deriveVerifySpecs(source, "case.cu", compiled, flags);
}

const transpose = `#include <cuda_runtime.h>
#define TILE 16
const int W = 37;
const int H = 20;
__global__ void transpose(const float* in, float* out, int w, int h) {
  int x = blockIdx.x * TILE + threadIdx.x;
  int y = blockIdx.y * TILE + threadIdx.y;
  if (x < w && y < h) out[x * h + y] = in[y * w + x];
}
static int cdiv(int a, int b) { return (a + b - 1) / b; }
int main() {
  float *d_in, *d_out;
  cudaMalloc(&d_in, W * H * sizeof(float));
  cudaMalloc(&d_out, W * H * sizeof(float));
  dim3 block(TILE, TILE);
  dim3 grid(cdiv(W, TILE), cdiv(H, TILE));
  transpose<<<grid, block>>>(d_in, d_out, W, H);
  return 0;
}
`;

describe("launches read from the file's own host code", () => {
  it("main: cudaMalloc sizes, #define and const values, dim3 locals, a one-return helper", () => {
    const { specs, from } = derive(transpose);
    expect(from).toMatch(/^the launches in main \(line 11\), read statically/);
    expect(specs).toHaveLength(1);
    expect(specs[0]!.buffers.map((b) => [b.name, b.dtype, b.count, b.role])).toEqual([
      ["d_in", "float32", 740, "input"],
      ["d_out", "float32", 740, "output"],
    ]);
    expect(specs[0]!.launches).toEqual([
      {
        kernel: "transpose",
        templateArgs: undefined,
        grid: [3, 2, 1],
        block: [16, 16, 1],
        sharedBytes: undefined,
        args: [{ buffer: "d_in" }, { buffer: "d_out" }, { scalar: 37, type: "int" }, { scalar: 20, type: "int" }],
      },
    ]);
  });

  it("--size overrides the file's own constant, one run per value", () => {
    const { specs } = derive(transpose, { sizes: { W: [5, 64], H: [3, 17] } });
    expect(specs.map((s) => [s.sizes[0], s.buffers[0]!.count, s.launches[0]!.grid])).toEqual([
      [{ W: 5, H: 3 }, 15, [1, 1, 1]],
      [{ W: 64, H: 17 }, 1088, [4, 2, 1]],
    ]);
  });

  it("deduces a kernel template's type arguments from its buffer arguments, a launcher's own type parameter at float (llm.c's global_sum_deterministic)", () => {
    const src = `template <class Float>
__global__ void sum_one_block(float* result, const Float* values, int count) {
  float s = 0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) s += (float)values[i];
  if (threadIdx.x == 0) *result = s;
}
template <class Float>
void global_sum(float* result, const Float* values, int count) { sum_one_block<<<1, 1>>>(result, values, count); }
`;
    expect(new Set(derive(src).specs.map((s) => JSON.stringify(s.launches[0]!.templateArgs)))).toEqual(new Set(['["float"]']));
    const ints = src.replace(
      /template <class Float>\nvoid global_sum[^\n]*\n/,
      "void sum_ints(float* result, const int* values, int count) { sum_one_block<<<1, 1>>>(result, values, count); }\n",
    );
    expect(new Set(derive(ints).specs.map((s) => JSON.stringify(s.launches[0]!.templateArgs)))).toEqual(new Set(['["int"]']));
  });

  it("leaves out the launches of kernels that write no buffer (nothing to compare; simpleAssert's assert fails on purpose)", () => {
    const src = `#include <cassert>
__global__ void check(int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; assert(i < n); }
__global__ void fill(float* y, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) y[i] = 2.0f; }
int main() {
  float* d;
  cudaMalloc(&d, 64 * sizeof(float));
  check<<<2, 32>>>(60);
  fill<<<2, 32>>>(d, 64);
  return 0;
}
`;
    expect(derive(src).specs.flatMap((s) => s.launches.map((l) => l.kernel))).toEqual(["fill"]);
    const only = `#include <cassert>\n__global__ void check(int n) { assert(threadIdx.x < n); }\nint main() { check<<<2, 32>>>(60); return 0; }\n`;
    expect(() => derive(only)).toThrow(/main: it launches only kernels that write no buffer \(check\)/);
  });

  it("verifies end to end (c2m kernel --verify, no spec)", async () => {
    const { code, stderr } = await verifyFile("transpose.cu", transpose);
    expect(stderr).toMatch(/the Metal of transpose compiles with clang/);
    expect(stderr).toMatch(/ok {3}transpose_main_0_0 \[elements=740\] d_out \(metal\): 740 values/);
    expect(code).toBe(0);
  }, 120_000);

  it("a PyTorch extension's launchers: tensors, empty_like/zeros, numel/size, data_ptr, AT_DISPATCH (golden torch_ext.cu without its spec)", async () => {
    const file = join(cli.dir(), "torch_ext.cu");
    copyFileSync(join(goldenDir(), "torch_ext.cu"), file);
    const { code, stderr } = await cli.run(file, { verify: true });
    expect(stderr).toMatch(
      /from the launches in leaky_relu_forward \(line 33\), bias_add_colsum \(line 47\), read statically; the tensors whose trailing extent it leaves unsaid sized by running the original \(grown where it reads past them\) \(4 runs\)/,
    );
    // leaky_relu on 1-D tensors of 1000 and 4099; bias_add_colsum on 2-D ones (x.size(1) is read) of 17x61 and 68x61
    expect(stderr).toMatch(/ok {3}torch_ext_leaky_relu_forward_0_1 \[n=4099\] y \(metal\): 4099 values/);
    expect(stderr).toMatch(/ok {3}torch_ext_bias_add_colsum_0_0 \[n=1000\] colsum \(metal\): 61 values/);
    expect(stderr).toMatch(/ok {3}torch_ext_bias_add_colsum_0_1 \[n=4099\] y \(cuda_kernel\): 4148 values/);
    expect(stderr).not.toMatch(/FAIL/);
    expect(code).toBe(0);
  }, 180_000);

  it("says where the sizing stops (C2M-K021) when a launch depends on something it cannot see", async () => {
    const src = `#include <cstdlib>\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1.0f; }\nint main(int argc, char** argv) {\n  int n = atoi(argv[1]);\n  float* d;\n  cudaMalloc(&d, n * sizeof(float));\n  k<<<1, 32>>>(d, n);\n}\n`;
    const { code, stderr } = await verifyFile("argv.cu", src);
    expect(code).toBe(1);
    expect(stderr).toMatch(/argv\.cu:6:1: error C2M-K021: --verify cannot size the launch: main: cannot evaluate 'n': 'n' is not a constant c2m can see/);
    expect(stderr).toMatch(/--size N=4096/);
    // and with the size given
    const given = await verifyFile("argv.cu", src, { size: ["n=20"] });
    expect(given.stderr).toMatch(/ok {3}argv_main_0_0 \[n=20\] d \(metal\): 20 values/);
    expect(given.code).toBe(0);
  }, 120_000);
});

describe("launches from flags", () => {
  const scale = `__global__ void scale(const float* x, float* y, float a, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) y[i] = a * x[i];\n}\n`;

  it("--kernel --size --grid --block --scalar", () => {
    const { specs } = derive(scale, { kernel: "scale", sizes: { n: [7, 3001] }, grid: ["cdiv(n, 128)"], block: [128], scalars: { a: 2 } });
    expect(specs.map((s) => [s.sizes[0], s.launches[0]!.grid, s.launches[0]!.args])).toEqual([
      [{ n: 7 }, [1, 1, 1], [{ buffer: "x" }, { buffer: "y" }, { scalar: 2, type: "float" }, { scalar: 7, type: "int" }]],
      [{ n: 3001 }, [24, 1, 1], [{ buffer: "x" }, { buffer: "y" }, { scalar: 2, type: "float" }, { scalar: 3001, type: "int" }]],
    ]);
  });

  it("a file with no host code: the one --size sizes every buffer, grid = ceil(size / block)", async () => {
    const { code, stderr } = await verifyFile("scale.cu", scale, { size: ["n=1000"], block: "64" });
    expect(stderr).toMatch(/sizes and launches from the flags/);
    expect(stderr).toMatch(/ok {3}scale_0 \[n=1000\] y \(metal\): 1000 values/);
    expect(code).toBe(0);
  }, 120_000);

  it("without sizes, it says what to give", () => {
    expect(() => derive(scale)).toThrow(LaunchUnknown);
    expect(() => derive(scale)).toThrow(/give --size NAME=VALUE/);
  });
});

describe("inputs outside the kernel's domain", () => {
  const logk = `__global__ void logk(const float* x, float* y, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) y[i] = logf(x[i]) + sqrtf(x[i]);\n}\n`;

  it("a NaN in the CUDA original's output fails the case as C2M-K020, with a hint, instead of comparing NaN with NaN", async () => {
    const { code, stderr } = await verifyFile("logk.cu", logk, { size: ["n=256"] });
    expect(stderr).toMatch(/FAIL logk_0 \[n=256\] C2M-K020 inputs outside the kernel's domain: the CUDA original itself gives y\[\d+\] = NaN/);
    expect(stderr).toMatch(/--range NAME=0\.5:2/);
    expect(code).toBe(1);
  }, 120_000);

  it("--range draws the input from the kernel's domain, and the case passes", async () => {
    const { code, stderr } = await verifyFile("logk.cu", logk, { size: ["n=256"], range: ["x=0.5:4"] });
    expect(stderr).toMatch(/ok {3}logk_0 \[n=256\] y \(metal\): 256 values/);
    expect(code).toBe(0);
  }, 120_000);
});
