/**
 * A launch whose result its inputs do not determine verifies nothing (src/kernel/determinacy.ts): blocks or threads
 * racing on one element, threadgroup memory read before any thread wrote it. Synthesis rejects such a candidate and
 * tries the next (synth-spec.ts); a kernel no candidate is determinate for is reported, not verified; a failing
 * comparison says when the original itself is indeterminate (verify.ts). The emulator's second poison pattern
 * (request flag 8: threadgroup memory starts at zeros) is what tells memory nobody wrote.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { synthesizeSpecs, SynthFailure } from "../src/kernel/synth-spec.js";
import { stridedWidths } from "../src/kernel/synth-blocks.js";
import { originalIndeterminacy, PerturbedOriginal } from "../src/kernel/determinacy.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";
import { runCudaLaunches } from "../src/verify/cuda.js";
import { goldenBuffers, goldenLaunches, type GoldenSpec } from "../src/verify/golden.js";

function compiled(source: string) {
  const c = compileKernels(source, { filename: "case.cu" });
  expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return c;
}

const kernels = `
// thread i writes y[i % n]: at n = 64 the 384 threads of 3 blocks of 128 write each element 6 times, the last wins
__global__ void wrap_store(const float* x, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  y[i % n] = x[i];
}
// clears its bins as if every block had 256 threads (histogram256's s_Hist[threadIdx.x] = 0): smaller blocks read
// bins nobody cleared
#define BINS 256
__global__ void block_bins(const int* x, int* out, int n) {
  __shared__ int bins[BINS];
  bins[threadIdx.x] = 0;
  __syncthreads();
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) atomicAdd(&bins[x[i] & (BINS - 1)], 1);
  __syncthreads();
  for (int b = threadIdx.x; b < BINS; b += blockDim.x) out[blockIdx.x * BINS + b] = bins[b];
}
// clears 2 x 192 counters as 192 threads would (histogram256's WARP_COUNT * WARP_SIZE): only a block of 192 clears them all
#define WARPS 6
#define THREADS (WARPS * (1U << 5))
__global__ void warp_bins(const int* x, int* out, int n) {
  __shared__ int s[2 * THREADS];
  for (int i = 0; i < 2; i++) s[threadIdx.x + i * THREADS] = 0;
  __syncthreads();
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) atomicAdd(&s[x[i] % (2 * THREADS)], 1);
  __syncthreads();
  for (int b = threadIdx.x; b < 2 * THREADS; b += blockDim.x) out[blockIdx.x * 2 * THREADS + b] = s[b];
}
// a block per output pixel, placed by a stride and padding (flownet2's correlation_backward): with stride1 = pad_size = S
// the blocks land past the image, on one another's elements
__global__ void pixel_blocks(const float* in, float* out, int height, int width, int pad_size, int stride1) {
  int y = blockIdx.x * stride1 + pad_size, x = blockIdx.y * stride1 + pad_size, c = blockIdx.z;
  if (threadIdx.x == 0) out[c * height * width + (y - pad_size) * width + (x - pad_size)] = in[(c * 3 + blockIdx.x) * 2 + blockIdx.y];
}
// every thread of every block stores to y[0]: no size makes that the inputs' result
__global__ void all_to_one(const float* x, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[0] = x[i];
}
// every thread adds into one element: the order moves the sum's rounding only, which is the GPU's to choose
__global__ void sum_all(const float* x, float* total, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) atomicAdd(total, x[i]);
}
`;

describe("the CUDA original's determinacy", () => {
  const c = compiled(kernels);

  it("threadgroup memory starts at all ones, or at zeros with the zeroShared flag", async () => {
    const src = `__global__ void peek(int* out) {\n  __shared__ int s[64];\n  out[threadIdx.x] = s[threadIdx.x];\n}\n`;
    const run = (zeroShared: boolean) =>
      runCudaLaunches(src, [{ kernel: "peek", grid: [1, 1, 1], block: [64, 1, 1], args: [{ buffer: "out" }] }], { out: new Int32Array(64) }, { zeroShared });
    expect([...(await run(false)).out!.slice(0, 3)]).toEqual([-1, -1, -1]);
    expect([...(await run(true)).out!.slice(0, 3)]).toEqual([0, 0, 0]);
  }, 60_000);

  it("blocks racing on one element: the racy size is rejected, the grid's thread count picked", async () => {
    const specs = await synthesizeSpecs(c, kernels, "wrap_store");
    // S = 64 (and so its ragged S = 37) is rejected; S = 384, every thread its own element, is kept
    expect(specs.map((s) => s.spec.sizes[0])).toEqual([{ S: 384 }]);
    expect(specs[0]!.spec.launches[0]!.block).toEqual([128, 1, 1]);
    expect((await verifyAgainstSpec(c, kernels, specs[0]!.spec)).ok).toBe(true);
  }, 120_000);

  it("shared memory read before it is written: block shapes that leave bins uncleared are rejected, 256 threads kept", async () => {
    const specs = await synthesizeSpecs(c, kernels, "block_bins");
    expect(specs[0]!.spec.launches[0]!.block).toEqual([256, 1, 1]);
    expect(specs.map((s) => s.spec.sizes[0])).toEqual([{ S: 64 }, { S: 37 }]);
    expect((await verifyAgainstSpec(c, kernels, specs[0]!.spec)).ok).toBe(true);
  }, 180_000);

  it("the width a kernel strides threadIdx.x by over an array is tried last: a block of 192 clears every counter", async () => {
    expect(stridedWidths("#define WARP_SIZE (1U << 5)\n#define TB (6 * WARP_SIZE)\ns[threadIdx.x + i * TB] = 0;")).toEqual([192]);
    expect(stridedWidths("#define LIMIT 1024U\ns_key[threadIdx.x + (LIMIT / 2)] = k[(LIMIT / 2)];")).toEqual([512]);
    // a variable stride, a small offset, another index: nothing
    expect(stridedWidths("d[threadIdx.x + stride]; d[threadIdx.x + 1]; x[threadIdx.x + blockIdx.x * blockDim.x]")).toEqual([]);
    const specs = await synthesizeSpecs(c, kernels, "warp_bins");
    expect(specs[0]!.spec.launches[0]!.block).toEqual([192, 1, 1]);
    expect((await verifyAgainstSpec(c, kernels, specs[0]!.spec)).ok).toBe(true);
  }, 300_000);

  it("a convolution's geometry by name (pad_size, stride1) gives blocks their own pixels where every int S made them collide", async () => {
    const specs = await synthesizeSpecs(c, kernels, "pixel_blocks");
    expect(specs.map((s) => s.spec.sizes[0])).toEqual([{ S: 64 }, { S: 37 }]);
    const spec = specs[0];
    expect(spec!.note).toMatch(/a convolution's padding, stride/);
    expect(spec!.spec.launches[0]!.args.slice(4)).toEqual([
      { scalar: 1, type: "int" },
      { scalar: 1, type: "int" },
    ]);
  }, 300_000);

  it("no determinate candidate: synthesis fails and says why", async () => {
    const e = await synthesizeSpecs(c, kernels, "all_to_one").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SynthFailure);
    expect((e as SynthFailure).kind).toBe("indeterminate");
    expect((e as SynthFailure).message).toMatch(
      /depends on the order threads run: with its threadgroups and each group's threads run last to first it writes other values \(y: 1 of/,
    );
  }, 180_000);

  it("a float atomicAdd sum is determinate: its order moves only the rounding", async () => {
    const specs = await synthesizeSpecs(c, kernels, "sum_all");
    expect(specs.map((s) => s.spec.sizes[0])).toEqual([{ S: 64 }, { S: 37 }]);
  }, 120_000);

  // block_bins on blocks of 32: bins 32..255 are never cleared
  const bins32: GoldenSpec = {
    name: "bins_32",
    file: "case.cu",
    sizes: [{ S: 64 }],
    buffers: [
      { name: "x", dtype: "int32", count: 64, role: "input", range: 64 },
      { name: "out", dtype: "int32", count: 3 * 256, role: "output" },
    ],
    launches: [{ kernel: "block_bins", grid: [3, 1, 1], block: [32, 1, 1], args: [{ buffer: "x" }, { buffer: "out" }, { scalar: 64, type: "int" }] }],
  };

  it("names the cause: uninitialised threadgroup memory", async () => {
    const plain = await runCudaLaunches(kernels, goldenLaunches(bins32, 0), goldenBuffers(bins32, 0), { deviceCodeOnly: true });
    const why = await originalIndeterminacy(kernels, bins32, 0, plain);
    expect(why?.cause).toBe("uninitialised-shared");
    expect(why?.message).toMatch(
      /depends on uninitialised threadgroup memory: with threadgroup memory filled with zeros instead of all ones before each group it writes other values \(out: /,
    );
  }, 60_000);

  it("sizes c2m chose (a host launch): an indeterminate one is not compared and says why", async () => {
    // both emulators poison threadgroup memory alike, so a plain comparison agrees and would prove nothing
    expect((await verifyAgainstSpec(c, kernels, bins32)).ok).toBe(true);
    const rep = await verifyAgainstSpec(c, kernels, bins32, { determinacy: true });
    expect(rep.ok).toBe(false);
    expect(rep.results).toEqual([]);
    expect(rep.indeterminate).toMatch(/^\[S=64\] the CUDA original's result at these sizes depends on uninitialised threadgroup memory/);
  }, 120_000);

  it("a failing comparison says when the original itself is indeterminate", async () => {
    const wrong = (k: { spec: { source: string } }) => void (k.spec.source = k.spec.source.replace("(BINS - 1)], 1,", "(BINS - 1)], 2,"));
    const rep = await verifyAgainstSpec(c, kernels, bins32, { mutate: wrong });
    expect(rep.ok).toBe(false);
    expect(rep.results.filter((r) => !r.comparison.ok).every((r) => r.orderDependent)).toBe(true);
    expect(rep.lines.join("\n")).toMatch(/out: indeterminate: the CUDA original itself writes other values when threadgroup memory starts at zeros/);
    // a determinate launch of it fails plainly: the translation is wrong
    const [ok] = await synthesizeSpecs(c, kernels, "block_bins");
    const plainFail = await verifyAgainstSpec(c, kernels, ok!.spec, { mutate: wrong });
    expect(plainFail.lines.join("\n")).toMatch(/FAIL block_bins_synth_64 .* out: \d+ of \d+ elements differ/);
  }, 180_000);
});

describe("fast math's last bits (jitterMath)", () => {
  // 1 / (e^a p + e^(a + 1/4)) with p just below -e^(1/4): the denominator cancels to a few 2^-20 of its terms, so the
  // __expf's last bits — the GPU's ex2.approx's, which the emulator cannot know — decide the quotient's third digit
  const src = `
__global__ void cancel(float* out, float* soft, int n) {
  int i = threadIdx.x;
  if (i >= n) return;
  float a = -3.0f + 0.2f * i, p = -expf(0.25f) * (1.0f + (1 + i % 3) * 9.5367431640625e-07f);
  float e1 = __expf(a), e2 = __expf(a + 0.25f);
  out[i] = 1.0f / (e1 * p + e2);
  soft[i] = e1 / (e1 + e2);
}
`;
  const spec: GoldenSpec = {
    name: "cancel",
    file: "case.cu",
    sizes: [{ S: 32 }],
    buffers: [
      { name: "out", dtype: "float32", count: 32, role: "output" },
      { name: "soft", dtype: "float32", count: 32, role: "output" },
    ],
    launches: [{ kernel: "cancel", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "out" }, { buffer: "soft" }, { scalar: 32, type: "int" }] }],
  } as GoldenSpec;

  it("an output that cancels is not determined; a softmax of the same exponentials is", async () => {
    const plain = await runCudaLaunches(src, goldenLaunches(spec, 0), goldenBuffers(spec, 0), { deviceCodeOnly: true });
    const original = new PerturbedOriginal(src, spec, 0, plain);
    const why = await original.dependence(["out"]);
    expect(why?.cause).toBe("fast-math");
    expect(why?.message).toMatch(/last bits of its fast math intrinsics/);
    expect(await original.dependence(["soft"])).toBeUndefined();
  }, 60_000);
});

describe("groups that read what other groups of the launch write (isolateGroups)", () => {
  // llm.c wpe_backward_kernel on a grid axis it never reads: blocks (x, 0) and (x, 1) both add into dwpe[i]; one after
  // another (in either order) both adds land, while a GPU running them at once may keep one
  const src = `
__global__ void add_twice(float* dwpe, const float* g, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) dwpe[i] = dwpe[i] + g[i];
}
__global__ void add_once(float* dwpe, const float* g, int n) {
  int i = (blockIdx.y * gridDim.x + blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) dwpe[i] = dwpe[i] + g[i];
}
`;
  const spec = (kernel: string): GoldenSpec =>
    ({
      name: kernel,
      file: "case.cu",
      sizes: [{ S: 64 }],
      buffers: [
        { name: "dwpe", dtype: "float32", count: 128, role: "inout" },
        { name: "g", dtype: "float32", count: 128, role: "input" },
      ],
      launches: [{ kernel, grid: [2, 2, 1], block: [32, 1, 1], args: [{ buffer: "dwpe" }, { buffer: "g" }, { scalar: 128, type: "int" }] }],
    }) as GoldenSpec;

  it("names the cause where neither order of running the groups shows it; groups on their own elements are determined", async () => {
    for (const [kernel, cause] of [
      ["add_twice", "concurrent-groups"],
      ["add_once", undefined],
    ] as const) {
      const s = spec(kernel);
      const plain = await runCudaLaunches(src, goldenLaunches(s, 0), goldenBuffers(s, 0), { deviceCodeOnly: true });
      const why = await originalIndeterminacy(src, s, 0, plain);
      expect(why?.cause, kernel).toBe(cause);
      if (cause) expect(why?.message).toMatch(/depends on whether its threadgroups run at once: .* with every threadgroup run against device memory as the launch found it/);
    }
  }, 60_000);
});
