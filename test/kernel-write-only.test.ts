/**
 * Issue 14, write-only buffers (passes/kernel/write-only.ts): a buffer the kernel only writes keeps the caller's
 * values where the kernel does not write (pytorch_cluster's radius: `row` pre-filled with -1, only found
 * neighbours written), unless every thread stores its own element and which ones depends on no load (a plain
 * elementwise kernel), which stays a fresh output. The harness starts outputs from a non-zero draw on both sides
 * (src/verify/golden.ts outputValues), so a translation that loses the caller's values fails; shown here by
 * planting that loss.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { verifyAgainstSpec, zeroFreshOutputs } from "../src/kernel/verify.js";
import { goldenBuffers } from "../src/verify/golden.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

// radius_kernel's shape (pytorch_cluster/csrc/cuda/radius_cuda.cu): each query writes only the neighbours it finds
const SPARSE = `
__global__ void radius(const float* x, const float* y, long long* row, long long* col, float r, int n, int m, int max_n) {
  const int n_y = blockIdx.x * blockDim.x + threadIdx.x;
  if (n_y >= m) return;
  int count = 0;
  for (int n_x = 0; n_x < n; n_x++) {
    float d = x[n_x] - y[n_y];
    if (d * d < r && count < max_n) {
      row[n_y * max_n + count] = n_y;
      col[n_y * max_n + count] = n_x;
      count++;
    }
  }
}
`;

// a store at the thread's own index, but only where the data says so
const OWN_IF = `
__global__ void positives(const float* x, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n && x[i] > 0.f) y[i] = 2.f * x[i];
}
`;

const PLAIN = `
__global__ void twice(const float* x, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = 2.f * x[i];
}

__global__ void twice_strided(const float* x, float* y, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) y[i] = 2.f * x[i];
}

__global__ void twice_unless(const float* x, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (x[0] > 1.f) return;
  if (i < n) y[i] = 2.f * x[i];
}
`;

const sparseSpec = spec(
  "radius",
  [
    { N: 40, M: 70, K: 4 },
    { N: 17, M: 33, K: 3 },
  ],
  [
    { name: "x", dtype: "float32", count: "N", role: "input" },
    { name: "y", dtype: "float32", count: "M", role: "input" },
    { name: "row", dtype: "int64", count: "M * K", role: "output" },
    { name: "col", dtype: "int64", count: "M * K", role: "output" },
  ],
  [
    {
      kernel: "radius",
      grid: ["cdiv(M, 32)", 1, 1],
      block: [32, 1, 1],
      args: [
        { buffer: "x" },
        { buffer: "y" },
        { buffer: "row" },
        { buffer: "col" },
        { scalar: 0.01, type: "float" },
        { scalar: "N", type: "int" },
        { scalar: "M", type: "int" },
        { scalar: "K", type: "int" },
      ],
    },
  ],
);

const ownIfSpec = spec(
  "positives",
  [{ N: 100 }, { N: 37 }],
  [
    { name: "x", dtype: "float32", count: "N", role: "input" },
    { name: "y", dtype: "float32", count: "N", role: "output" },
  ],
  [{ kernel: "positives", grid: ["cdiv(N, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "N", type: "int" }] }],
);

/**
 * A planted loss of the caller's values: every flag starts set (init_value 1), so the wrapper takes the fresh
 * output everywhere, as a fresh output without flags gives (its unwritten elements 1 here instead of 0).
 */
const freshOnly = { mutate: (k: { initValue: number }) => void (k.initValue = 1) };

describe("a write-only buffer keeps the caller's values where the kernel does not write", () => {
  it("sparse, data-dependent stores (radius): in place with flags, verified with non-zero starting outputs", async () => {
    const r = await translatesAndVerifies(SPARSE, sparseSpec);
    const k = r.kernels[0]!;
    for (const name of ["row", "col"]) expect(k.params.find((p) => p.name === name)).toMatchObject({ role: "inout-copy", inputName: `${name}_in`, maskName: `${name}_touched` });
    expect(r.python).toContain("return mx.where(outputs[2].astype(mx.bool_), outputs[0], row), mx.where(outputs[3].astype(mx.bool_), outputs[1], col)");
    expect(r.python).toMatch(/row: written only, at elements that depend on the data .* elements the kernel does not write keep the caller's values\./);
    // the harness's outputs start non-zero (so the elements no neighbour fills matter) and a translation that loses them fails
    expect(Array.from(goldenBuffers(sparseSpec, 0).row!, Number).every((v) => v >= 1 && v < 100)).toBe(true);
    expect((await verifyAgainstSpec(r, SPARSE, sparseSpec, freshOnly)).ok).toBe(false);
  }, 240_000);

  it("a store at the thread's own index under a condition on the data: in place too", async () => {
    const r = await translatesAndVerifies(OWN_IF, ownIfSpec);
    expect(r.kernels[0]!.params.find((p) => p.name === "y")).toMatchObject({ role: "inout-copy", maskName: "y_touched" });
    expect(zeroFreshOutputs(r, ownIfSpec)).toBe(ownIfSpec);
    expect((await verifyAgainstSpec(r, OWN_IF, ownIfSpec, freshOnly)).ok).toBe(false);
  }, 240_000);

  it("a plain elementwise kernel (bounds test on scalars only, or a grid-stride loop) stays a fresh output, 0 past the launch", () => {
    const r = compileKernels(PLAIN, { filename: "k.cu" });
    expect(r.refused).toEqual([]);
    const y = (name: string) => r.kernels.find((k) => k.name === name)!.params.find((p) => p.name === "y")!;
    for (const name of ["twice", "twice_strided"]) {
      expect(y(name)).toMatchObject({ role: "output", ownIndexStores: true });
      expect(y(name).maskName).toBeUndefined();
    }
    expect(r.python).toContain("elements past the launch's threads or rows, or the kernel's bounds tests on scalars, are 0");
    // a thread that leaves depending on a loaded value writes data-dependent elements
    expect(y("twice_unless")).toMatchObject({ role: "inout-copy", maskName: "y_touched" });
    // the harness starts such a fresh output at 0 (its documented rule), every other output from the draw
    const s = spec(
      "twice",
      [{ N: 64 }],
      [
        { name: "x", dtype: "float32", count: "N", role: "input" },
        { name: "y", dtype: "float32", count: "2 * N", role: "output" },
      ],
      [{ kernel: "twice", grid: [1, 1, 1], block: [64, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "N", type: "int" }] }],
    );
    expect(Array.from(goldenBuffers(s, 0).y!).every((v) => v !== 0)).toBe(true);
    expect(Array.from(goldenBuffers(zeroFreshOutputs(r, s), 0).y!).every((v) => v === 0)).toBe(true);
    expect(Array.from(goldenBuffers({ ...s, zeroOutputs: true }, 0).y!).every((v) => v === 0)).toBe(true);
  });

  it("a plain elementwise kernel verifies when its launch covers the buffer", async () => {
    const s = spec(
      "twice",
      [{ N: 100 }],
      [
        { name: "x", dtype: "float32", count: "N", role: "input" },
        { name: "y", dtype: "float32", count: "N", role: "output" },
      ],
      [{ kernel: "twice", grid: ["cdiv(N, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "N", type: "int" }] }],
    );
    await translatesAndVerifies(PLAIN.slice(0, PLAIN.indexOf("__global__ void twice_strided")), s);
  }, 240_000);
});
