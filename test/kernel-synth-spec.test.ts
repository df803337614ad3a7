/**
 * `--verify` without a launcher: launch specs synthesised from a kernel's signature (src/kernel/synth-spec.ts),
 * checked by running the CUDA original, then verified as any spec is; and the emulator pieces the
 * corpus's device code needed (src/verify/include/cuda_emu.hpp, rewrite.ts, device-code.ts).
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { assertedBlock, candidateLaunches, candidateSpec, synthesizeSpecs, SynthFailure } from "../src/kernel/synth-spec.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";
import { runCudaLaunches } from "../src/verify/cuda.js";
import { deviceOnlySource } from "../src/verify/device-code.js";
import { rewriteCudaShared } from "../src/verify/rewrite.js";
import { notVerifiedTable, type KernelRecord } from "../bench/kernel-zoo.js";

function compiled(source: string) {
  const c = compileKernels(source, { filename: "case.cu" });
  expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return c;
}

// kernels only, no host code: nothing to read a launch from
const kernels = `
__global__ void scale_rows(const float* x, float* y, float a, int rows, int cols) {
  int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r < rows) for (int c = 0; c < cols; c++) y[r * cols + c] = a * x[(r * cols + c) * 32] + 1.0f;
}
#define TILE 16
__global__ void transpose_tiled(const float* in, float* out, int w, int h) {
  __shared__ float tile[TILE][TILE + 1];
  int x = blockIdx.x * TILE + threadIdx.x, y = blockIdx.y * TILE + threadIdx.y;
  if (x < w && y < h) tile[threadIdx.y][threadIdx.x] = in[y * w + x];
  __syncthreads();
  x = blockIdx.y * TILE + threadIdx.x; y = blockIdx.x * TILE + threadIdx.y;
  if (x < h && y < w) out[y * h + x] = tile[threadIdx.x][threadIdx.y];
}
__global__ void block_sum(const float* x, float* out, int n) {
  extern __shared__ float s[];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;  // before a barrier: every thread of a block must be in range
  s[threadIdx.x] = x[i];
  __syncthreads();
  if (threadIdx.x == 0) { float t = 0; for (int k = 0; k < blockDim.x; k++) t += s[k]; out[blockIdx.x] = t; }
}
__global__ void never(float* y, int n) { if (n > 100000) y[0] = 1.0f; }
`;

describe("a launch synthesised from the kernel's signature", () => {
  const c = compiled(kernels);

  it("candidates: 2-D blocks first for a kernel reading threadIdx.y, a 2-D grid for blockIdx.y, dynamic shared memory where the file declares extern __shared__", () => {
    const t = candidateLaunches(c.kernels.find((k) => k.name === "transpose_tiled")!, "");
    expect(t[0]).toEqual({ block: [16, 16, 1], grid: [3, 2, 1], sharedBytes: undefined, size: 64 });
    const s = candidateLaunches(c.kernels.find((k) => k.name === "block_sum")!, kernels);
    expect(s[0]).toEqual({ block: [128, 1, 1], grid: [3, 1, 1], sharedBytes: 8192, size: 64 });
    // S = the grid's threads is the second candidate of each block shape
    expect(s.map((x) => x.size)).toContain(384);
    // with dynamic shared memory, S = the block's width last (tiles sized by int parameters fit Metal's 32 KB)
    expect(s.filter((x) => x.block[0] === 32).map((x) => x.size)).toEqual([64, 64, 96, 96, 32, 32, 16, 16]);
    // then S = 16 (attention buffers of S^4 elements)
    expect(t.filter((x) => x.block[0] === 16).map((x) => x.size)).toEqual([64, 768, 16]);
  });

  it("a block shape the kernel asserts is the first candidate (constexpr names folded, C's integer division)", () => {
    const src = `__global__ void k(float* y) {\n  constexpr const int bdx = 4;\n  constexpr const int bdy = 32 / bdx;\n  assert(blockDim.x == bdx);\n  assert(blockDim.y == bdy);\n  y[threadIdx.z * 32 + threadIdx.y * 4 + threadIdx.x] = 1.0f;\n}\n`;
    expect(assertedBlock(src)).toEqual({ x: 4, y: 8 });
    expect(assertedBlock("assert(blockDim.x == 7 / 2 * (1 + 1)); assert(blockDim.y == n);")).toEqual({ x: 6 });
    expect(candidateLaunches(compiled(src).kernels[0]!)[0]!.block).toEqual([4, 8, 4]);
  });

  it("sizes buffers by growing them where the CUDA original runs out of bounds, and verifies", async () => {
    const specs = await synthesizeSpecs(c, kernels, "scale_rows");
    // 64 rows of 64 columns read x at a stride of 32, up to 131040: the first 65536 elements were too few
    expect(specs[0]!.note).toMatch(/block 128x1x1, 8192 B dynamic shared, int parameters 64, buffers grown x→262144$/);
    expect(specs.map((s) => s.spec.sizes[0])).toEqual([{ S: 64 }, { S: 37 }]);
    const a = specs[0]!.spec.launches[0]!.args;
    expect(a.slice(2)).toEqual([
      { scalar: 0.5, type: "float" },
      { scalar: 64, type: "int" },
      { scalar: 64, type: "int" },
    ]);
    expect((await verifyAgainstSpec(c, kernels, specs[1]!.spec)).ok).toBe(true);
  }, 60_000);

  it("a kernel that returns before a barrier gets S = the grid's threads; a wrong translation of it is caught", async () => {
    const [spec] = await synthesizeSpecs(c, kernels, "block_sum");
    expect(spec!.note).toMatch(/8192 B dynamic shared, int parameters 384/);
    expect((await verifyAgainstSpec(c, kernels, spec!.spec)).ok).toBe(true);
    const wrong = await verifyAgainstSpec(c, kernels, spec!.spec, { mutate: (k) => void (k.spec.source = k.spec.source.replace("t += ", "t -= ")) });
    expect(wrong.ok).toBe(false);
    expect(wrong.lines.join("\n")).toMatch(/FAIL block_sum_synth_384 .* out: 3 of \d+ elements differ/);
  }, 60_000);

  it("2-D tiles verify on a 16x16 block", async () => {
    const [spec] = await synthesizeSpecs(c, kernels, "transpose_tiled");
    expect(spec!.spec.launches[0]!.block).toEqual([16, 16, 1]);
    expect((await verifyAgainstSpec(c, kernels, spec!.spec)).ok).toBe(true);
  }, 60_000);

  it("a lowered tensor accessor's sizes array holds one small extent per dimension, not random indices", () => {
    const src = `#include <torch/extension.h>\n__global__ void rowsum(const at::PackedTensorAccessor64<float, 2, at::RestrictPtrTraits> x, at::PackedTensorAccessor64<float, 1, at::RestrictPtrTraits> y) {\n  const int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i >= x.size(0)) return;\n  float s = 0;\n  for (int j = 0; j < x.size(1); ++j) s += x[i][j];\n  y[i] = s;\n}\n`;
    const k = compileKernels(src, { filename: "acc.cu" }).kernels.find((x) => x.name === "rowsum")!;
    const spec = candidateSpec(k, candidateLaunches(k)[0]!, {});
    expect(spec.buffers.find((b) => b.name === "x_size")).toMatchObject({ role: "input", fill: 8 });
    expect(spec.buffers.find((b) => b.name === "x")).toMatchObject({ role: "input", count: 65536 });
  });

  it("a timeout rejects its value of S, not the kernel: the next size is tried (llm.c's `block_size / 32` step is 0 at small S)", async () => {
    const src = `__global__ void strided(float* y, int n) {\n  for (int i = threadIdx.x; i < 64; i += n - 64) y[blockIdx.x * 64 + i] = 2.0f * i;\n}\n`;
    const k = compiled(src);
    // S = 64 steps by 0 and loops for ever; S = the grid's threads (384) steps past the end
    const specs = await synthesizeSpecs(k, src, "strided", { timeoutMs: 1500 });
    expect(specs[0]!.spec.sizes[0]).toEqual({ S: 384 });
    expect((await verifyAgainstSpec(k, src, specs[0]!.spec)).ok).toBe(true);
    // a kernel that loops for ever at every size gives up after a bounded number of timeouts
    const forever = `__global__ void spin(float* y, int n) {\n  for (int i = threadIdx.x; i < 64; i += 0 * n) y[blockIdx.x * 64 + i] = 1.0f;\n}\n`;
    await expect(synthesizeSpecs(compiled(forever), forever, "spin", { timeoutMs: 500 })).rejects.toThrow(/did not finish/);
  }, 60_000);

  it("a launch that writes nothing is not a verification", async () => {
    await expect(synthesizeSpecs(c, kernels, "never")).rejects.toThrow(SynthFailure);
    await expect(synthesizeSpecs(c, kernels, "never")).rejects.toThrow(/writes nothing/);
    // a kernel with no buffer to write (its only effect an assert, cuda-samples' simpleAssert) is not launched at all
    const asserts = `#include <assert.h>\n__global__ void check(int n) { assert(blockIdx.x * blockDim.x + threadIdx.x < n); }\n`;
    // its outcome says so: the assert is the kernel's only effect, and the translation cannot check it (C2M-K025)
    await expect(synthesizeSpecs(compileKernels(asserts, { filename: "a.cu" }), asserts, "check")).rejects.toMatchObject({
      kind: "asserts-only",
      message: expect.stringMatching(/its only effect is assert\(blockIdx\.x \* blockDim\.x \+ threadIdx\.x < n\), which the translation does not check \(C2M-K025/),
    });
    const idle = `__global__ void idle(int n) { int i = threadIdx.x + n; (void)i; }\n`;
    await expect(synthesizeSpecs(compileKernels(idle, { filename: "i.cu" }), idle, "idle")).rejects.toMatchObject({ kind: "no-outputs" });
  }, 60_000);
});

describe("the emulator runs the corpus's CUDA idioms", () => {
  it("a tag parameter (std::bool_constant<B>, llm.c's matmul_backward_bias_kernel9) takes no launch argument, on either side", async () => {
    const src = `#include <type_traits>\ntemplate <bool Twice>\n__global__ void scale(float* y, const float* x, int n, std::bool_constant<Twice>) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) y[i] = Twice ? 2.0f * x[i] : x[i];\n}\n`;
    const c = compiled(src);
    expect(c.kernels[0]!.params.map((p) => p.name)).toEqual(["y", "x", "n"]);
    const [s] = await synthesizeSpecs(c, src, "scale");
    expect(s!.spec.launches[0]!.args).toHaveLength(3);
    expect((await verifyAgainstSpec(c, src, s!.spec)).ok).toBe(true);
  }, 60_000);

  it("umin, __umul24, mixed-sign min, half2 arithmetic, uchar4, several __shared__ names in one declaration, assert", async () => {
    const src = `#include <cuda_fp16.h>
#include <assert.h>
__global__ void idioms(unsigned* u, float* f) {
  __shared__ unsigned a, b[4];
  unsigned t = threadIdx.x;
  assert(t < 32);
  if (t == 0) { a = umin(7u, 9u); b[0] = __umul24(0x1000001u, 3u); }
  __syncthreads();
  half2 h(1.5f, 2.0f);
  h = h * h + h;
  uchar4 c = make_uchar4(1, 2, 3, 250);
  if (t == 0) { u[0] = a; u[1] = b[0]; u[2] = min(-1, 5u); u[3] = c.w; f[0] = __low2float(h); f[1] = __high2float(h); }
}`;
    const out = await runCudaLaunches(
      src,
      [{ kernel: "idioms", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "u" }, { buffer: "f" }] }],
      { u: new Uint32Array(4), f: new Float32Array(2) },
      { deviceCodeOnly: true },
    );
    expect([...out.u!]).toEqual([7, 3, 5, 250]);
    expect([...out.f!]).toEqual([3.75, 6]);
  }, 60_000);

  it("cg::reduce with a __forceinline__ function for its op, and a tile's inclusive scan (cooperative_groups/scan.h)", async () => {
    const src = `#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
#include <cooperative_groups/scan.h>
namespace cg = cooperative_groups;
__forceinline__ __device__ float add_op(float a, float b) { return a + b; }
__global__ void sums(const float* x, float* total, float* prefix) {
  auto warp = cg::tiled_partition<32>(cg::this_thread_block());
  float v = x[threadIdx.x];
  float t = cg::reduce(warp, v, add_op);
  prefix[threadIdx.x] = cg::inclusive_scan(warp, v);
  if (threadIdx.x == 0) total[0] = t;
}`;
    const x = Float32Array.from({ length: 32 }, (_, i) => i + 1);
    const out = await runCudaLaunches(
      src,
      [{ kernel: "sums", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "x" }, { buffer: "total" }, { buffer: "prefix" }] }],
      { x, total: new Float32Array(1), prefix: new Float32Array(32) },
      { deviceCodeOnly: true },
    );
    expect(out.total![0]).toBe(528);
    expect([...out.prefix!].slice(0, 4)).toEqual([1, 3, 6, 10]);
    expect(out.prefix![31]).toBe(528);
  }, 60_000);

  it('the device cut drops a lone extern "C" with its host function, and a typedef of a type to itself', () => {
    const src = `extern "C" int host_helper(int n) { return n; }\nstatic inline __device__ int twice(int v) { return 2 * v; }\ntypedef float float;\n__global__ void k(int* x) { x[0] = twice(1); }\n`;
    const cut = deviceOnlySource(src).source;
    expect(cut).not.toMatch(/extern "C"|typedef float float/);
    expect(cut).toMatch(/static inline __device__ int twice/);
    expect(cut.split("\n")).toHaveLength(src.split("\n").length);
  });

  it("__shared__ declarations of several names keep their line", () => {
    const out = rewriteCudaShared("__shared__ uint s, t[2];\nx;");
    expect(out.split("\n")).toHaveLength(2);
    expect(out).toMatch(/tg_alloc<__emu_tg_t_s_1>\(1, "s"\).*tg_alloc<__emu_tg_t_t_2>\(2, "t"\)/);
  });
});

describe("the kernel zoo's 'not verified because' table", () => {
  it("groups translated, unverified kernels by why, largest group first", () => {
    const rec = (kernel: string, verified: boolean | undefined, why?: string): KernelRecord => ({
      id: `p/f.cu:${kernel}`,
      project: "p",
      unit: "p/f.cu",
      file: "f.cu",
      kernel,
      line: 1,
      endLine: 2,
      status: "translated",
      verified,
      unverifiedBecause: why,
      verifyNote: `${kernel} note`,
    });
    const table = notVerifiedTable([rec("a", false, "faults"), rec("b", true), rec("c", false, "metal"), rec("d", false, "metal"), rec("e", undefined)]);
    expect(table).toEqual([
      { group: "metal", count: 2, example: "p/f.cu:c: c note" },
      { group: "faults", count: 1, example: "p/f.cu:a: a note" },
      { group: "not tried (no spec, verification off)", count: 1, example: "p/f.cu:e: e note" },
    ]);
  });
});

describe("c2m kernel --verify on a file of kernels only", () => {
  it("synthesises each kernel's launch and verifies it; says C2M-K040 for a kernel no launch exercises", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { runKernel } = await import("../src/commands/kernel.js");
    const dir = mkdtempSync(join(tmpdir(), "c2m-synth-"));
    const file = join(dir, "only_kernels.cu");
    writeFileSync(
      file,
      `__global__ void axpy(const float* x, float* y, float a, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) y[i] = a * x[i] + y[i];\n}\n__global__ void never(float* y, int n) { if (n > 100000) y[0] = 1.0f; }\n`,
    );
    const captured: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => (captured.push(String(chunk)), true)) as typeof process.stderr.write;
    let code: number;
    try {
      code = await runKernel(file, { output: join(dir, "out_mlx.py"), verify: true });
    } finally {
      process.stderr.write = write;
      rmSync(dir, { recursive: true, force: true });
    }
    const stderr = captured.join("");
    expect(stderr).toMatch(/each kernel's launch is synthesised from its signature/);
    expect(stderr).toMatch(/axpy: synthesised launch: grid 3x1x1, block 128x1x1, int parameters 64/);
    expect(stderr).toMatch(/ok {3}axpy_synth_64 \[S=64\] y \(metal\): 65536 values/);
    expect(stderr).toMatch(/only_kernels\.cu:5:1: error C2M-K040: --verify could not synthesise a launch of never: the launch writes nothing/);
    expect(code).toBe(1);
  }, 120_000);
});

describe("a convolution's geometry, when every int S writes nothing", () => {
  // im2col-like: with pad = stride = S every sample falls outside the image (detectron2's deformable col2im kernels);
  // the padding narrower than the kernel, as every real convolution's, keeps the other retries (counts cubed) from rescuing it
  const src = `__global__ void col2im(const int n, const float* col, const int height, const int width, const int kernel_h,
    const int pad_h, const int stride_h, const int dilation_h, float* im) {
  for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < n; index += blockDim.x * gridDim.x) {
    const int i = index % kernel_h;
    const int h_out = index / kernel_h;
    const int h = h_out * stride_h - pad_h - i * dilation_h;
    if (pad_h < kernel_h && h >= 0 && h < height) atomicAdd(im + h * width, col[index]);
  }
}
`;
  it("takes padding, stride and dilation 1 and kernel 3, after the plain candidates", async () => {
    const r = compileKernels(src, { filename: "col2im.cu" });
    const specs = await synthesizeSpecs(r, r.source, "col2im");
    expect(specs[0]!.note).toMatch(/a convolution's padding, stride, dilation and groups 1, kernel 3/);
    const args = specs[0]!.spec.launches[0]!.args.map((a) => ("scalar" in a ? a.scalar : a.buffer));
    expect(args.slice(4, 8)).toEqual([3, 1, 1, 1]);
    const rep = await verifyAgainstSpec(r, r.source, specs[0]!.spec);
    expect(rep.ok, rep.lines.join("\n")).toBe(true);
  }, 120_000);
});
