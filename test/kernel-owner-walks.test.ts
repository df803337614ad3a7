/**
 * Issue 14, ownership proofs (passes/kernel/walk-apart.ts, group-range.ts, ownership.ts):
 * - an owner that moves with a loop counter started at the thread's index keeps the threads apart only when
 *   the counter steps over all of them (block-, grid- or warp-stride): `for (i = gid; i < n; i++) y[i] += ...`
 *   has thread t at iteration k on the element thread t + 1 had at k - 1, so it is refused (C2M-K007) where
 *   threadgroups meet, and translated through c2m_own for one threadgroup where they cannot;
 * - each threadgroup's range [A[g], A[g + 1]) of a CSR pointer array is the group's (pytorch_cluster's
 *   fps_kernel): translated with c2m_own, verified on a spec whose pointer arrays are ascending;
 * - an index read from memory that reaches other threads' elements (graclus) is the original's data race, which
 *   Metal's device memory has too: translated read-through with a warning (C2M-K053, test/kernel-read-through.test.ts);
 * - a PyTorch launcher's tensor read as `data_ptr<int64_t>()` is an int64 buffer in the host launch c2m reads.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { deriveVerifySpecs } from "../src/kernel/launch-spec.js";
import { ascendingValues } from "../src/verify/golden.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const k007 = (src: string) => compileKernels(src, { filename: "k.cu" }).diagnostics.find((d) => d.code === "C2M-K007")?.message;
const k053 = (src: string) => compileKernels(src, { filename: "k.cu" }).diagnostics.find((d) => d.code === "C2M-K053" && d.severity === "warning")?.message;
const walk = (init: string, step: string, body = "y[i] = y[i] * 2.0f + x[i];") =>
  `__global__ void walk(float* y, const float* x, int n) {\n  for (int i = ${init}; i < n; ${step}) { ${body} }\n}\n`;
const walkSpec = spec(
  "walk",
  [{ n: 1000 }, { n: 77 }],
  [
    { name: "y", dtype: "float32", count: "n", role: "inout" },
    { name: "x", dtype: "float32", count: "n", role: "input" },
  ],
  [{ kernel: "walk", grid: [3, 1, 1], block: [64, 1, 1], args: [{ buffer: "y" }, { buffer: "x" }, { scalar: "n", type: "int" }] }],
);

describe("an owner index that moves with a loop counter", () => {
  const gid = "blockIdx.x * blockDim.x + threadIdx.x";
  it("a counter started at the thread's index and stepped by 1 (or down) is refused where threadgroups meet", () => {
    for (const step of ["i++", "++i", "i += 1", "i += 2", "i += blockDim.x / 2"]) {
      const why = k007(walk(gid, step));
      expect(why, step).toMatch(/'y\[i\]' \(line 2\) moves with the loop counter 'i', which starts at the thread's own index/);
      expect(why).toMatch(/a grid-wide barrier, which Metal does not have/);
    }
    expect(k007(walk(`${gid} + 64`, "i--"))).toMatch(/moves with the loop counter 'i'/);
  });

  it("with no threadgroup index, the walk is one threadgroup's: copied in at first touch (c2m_own), launched with grid 1", () => {
    const r = compileKernels(walk("threadIdx.x", "i++"), { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.kernels[0]!.oneThreadgroup).toBe(true);
    expect(r.kernels[0]!.spec.source).toMatch(/c2m_own\(y, y_in, y_touched, i, 1\)/);
  });

  for (const [name, init, step] of [
    ["grid-stride", gid, "i += blockDim.x * gridDim.x"],
    ["grid-stride through a local", gid, "i += stride"],
  ] as const) {
    it(`a ${name} walk keeps the threads apart: translated, verified`, async () => {
      const src = walk(init, step).replace("{\n  for", "{\n  int stride = gridDim.x * blockDim.x;\n  for");
      await translatesAndVerifies(src, walkSpec);
    }, 120_000);
  }

  it("a block-stride walk over the block's row keeps the threads apart: translated, verified", async () => {
    const src = `__global__ void walk(float* y, const float* x, int n) {
  float* r = y + blockIdx.x * n;
  const float* s = x + blockIdx.x * n;
  for (int i = threadIdx.x; i < n; i += blockDim.x) r[i] = r[i] * 2.0f + s[i];
}`;
    const rows = { ...walkSpec, buffers: walkSpec.buffers.map((b) => ({ ...b, count: "3 * n" })) };
    await translatesAndVerifies(src, rows);
  }, 120_000);
});

const fps = `
#define THREADS 256
__global__ void fps(const float* src, const long long* ptr, const long long* out_ptr, float* dist, long long* out, int dim) {
  const long long t = threadIdx.x;
  const long long b = blockIdx.x;
  const long long start_idx = ptr[b];
  const long long end_idx = ptr[b + 1];
  __shared__ float best_dist[THREADS];
  __shared__ long long best_idx[THREADS];
  if (t == 0) out[out_ptr[b]] = start_idx;
  for (long long m = out_ptr[b] + 1; m < out_ptr[b + 1]; m++) {
    __syncthreads();
    long long old = out[m - 1];
    float best = -1.0f;
    long long bi = 0;
    for (long long n = start_idx + t; n < end_idx; n += THREADS) {
      float dd = 0.0f;
      for (int d = 0; d < dim; d++) { float e = src[dim * old + d] - src[dim * n + d]; dd += e * e; }
      dd = fminf(dist[n], dd);
      dist[n] = dd;
      if (dd > best) { best = dd; bi = n; }
    }
    best_dist[t] = best;
    best_idx[t] = bi;
    for (int i = 1; i < THREADS; i *= 2) {
      __syncthreads();
      if (t + i < THREADS && best_dist[t] < best_dist[t + i]) { best_dist[t] = best_dist[t + i]; best_idx[t] = best_idx[t + i]; }
    }
    __syncthreads();
    if (t == 0) out[m] = best_idx[0];
  }
}
`;

describe("a threadgroup's range of a CSR pointer array", () => {
  it("ascending buffers run from 0 to range - 1, strictly increasing", () => {
    for (const [n, range] of [
      [4, 25],
      [2, 9],
      [5, 5],
    ] as const) {
      const v = ascendingValues(12345, n, range);
      expect(v[0]).toBe(0);
      expect(v[n - 1]).toBe(range - 1);
      expect(v.every((x, i) => i === 0 || x > v[i - 1]!)).toBe(true);
    }
  });

  it("fps's samples [out_ptr[b], out_ptr[b + 1]) and points [ptr[b], ptr[b + 1]) are the group's: c2m_own, verified", async () => {
    const r = await translatesAndVerifies(
      fps,
      spec(
        "fps",
        [
          { B: 3, N: 300, D: 3, M: 24 },
          { B: 2, N: 700, D: 2, M: 9 },
        ],
        [
          { name: "src", dtype: "float32", count: "N * D", role: "input" },
          { name: "ptr", dtype: "int64", count: "B + 1", role: "input", range: "N + 1", ascending: true },
          { name: "out_ptr", dtype: "int64", count: "B + 1", role: "input", range: "M + 1", ascending: true },
          { name: "dist", dtype: "float32", count: "N", role: "inout", fill: 50000 },
          { name: "out", dtype: "int64", count: "M", role: "inout", range: 5 },
        ],
        [
          {
            kernel: "fps",
            grid: ["B", 1, 1],
            block: [256, 1, 1],
            args: [{ buffer: "src" }, { buffer: "ptr" }, { buffer: "out_ptr" }, { buffer: "dist" }, { buffer: "out" }, { scalar: "D", type: "int" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/c2m_own\(out, out_in, out_touched, m - 1, 1\)/);
  }, 180_000);

  it("an access past the range's end (m <= A[b + 1]), or a bound from another array, stays refused", () => {
    expect(k007(fps.replace("m < out_ptr[b + 1]", "m <= out_ptr[b + 1]"))).toBeDefined();
    expect(k007(fps.replace("m < out_ptr[b + 1]", "m < ptr[b + 1]"))).toBeDefined();
  });
});

describe("an index read from memory that reaches other threads' elements", () => {
  it("graclus's propose: the original's data race, translated as it behaves (C2M-K053, a warning; not a gap)", () => {
    const why = k053(`__global__ void propose(long long* out, const long long* rowptr, const long long* col, long long numel) {
  const long long u = blockIdx.x * blockDim.x + threadIdx.x;
  if (u < numel) {
    if (out[u] != -1) return;
    bool unmatched = false;
    for (long long i = rowptr[u]; i < rowptr[u + 1]; i++) {
      long long v = col[i];
      if (out[v] < 0) unmatched = true;
    }
    if (!unmatched) out[u] = u;
  }
}`);
    expect(why).toMatch(/'out\[v\]' \(line 8\) is at an index read from memory \('v' = col\[i\]\), which reaches elements other threads own as 'out\[u\]'/);
    expect(why).toMatch(/threads of any threadgroup read and write each other's elements with nothing ordering them/);
    expect(why).toMatch(/the CUDA original has a data race/);
    expect(why).toMatch(/Metal cannot order threads of different threadgroups within a dispatch either/);
    expect(why).toMatch(/a read sees the element's value from before the launch or one some thread stored, as in CUDA/);
  });
});

describe("the host launch of a PyTorch launcher", () => {
  it("a tensor read as data_ptr<int64_t>() (or made with its options) is an int64 buffer", () => {
    const src = `#include <torch/extension.h>
__global__ void pick(const float* x, const int64_t* ptr, int64_t* out, int64_t n) {
  int64_t i = blockIdx.x;
  if (threadIdx.x == 0 && i < n) out[i] = ptr[i] + (x[i] > 0.0f ? 1 : 0);
}
torch::Tensor pick_cuda(torch::Tensor x, torch::Tensor ptr) {
  auto out = torch::empty({x.size(0)}, ptr.options());
  pick<<<x.size(0), 32>>>(x.data_ptr<float>(), ptr.data_ptr<int64_t>(), out.data_ptr<int64_t>(), x.size(0));
  return out;
}`;
    const r = compileKernels(src, { filename: "pick.cu" });
    const { specs } = deriveVerifySpecs(src, "pick.cu", r, {});
    expect(Object.fromEntries(specs[0]!.buffers.map((b) => [b.name, b.dtype]))).toEqual({ x: "float32", ptr: "int64", out: "int64" });
  });
});
