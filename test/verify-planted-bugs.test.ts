// The harness catches translation bugs: each test plants one bug in a correct Metal translation
// (test/verify-metal-kernels.ts) and checks that the harness reports it, and where.
import { describe, expect, test } from "vitest";
import { KernelFault } from "../src/verify/native.js";
import { runMetal } from "../src/verify/metal.js";
import { runCuda } from "../src/verify/cuda.js";
import { metalRaceCheck, verifyKernel } from "../src/verify/verify.js";
import { HALFWARP_BODY, SOFTMAX_SHARED_BODY, VECTOR_ADD_BODY, halfwarpReduce, plant, softmaxShared, vectorAdd } from "./verify-metal-kernels.js";

describe("planted translation bugs are caught", () => {
  test("a barrier dropped from softmax_shared's sum reduction", async () => {
    const body = plant(SOFTMAX_SHARED_BODY, /threadgroup_barrier\(mem_flags::mem_threadgroup\); \/\/ BARRIER_IN_SUM_LOOP/, "");
    const r = await verifyKernel("softmax_shared", softmaxShared(body));
    expect(r.ok).toBe(false);
    // a row of one element needs no reduction; every longer row goes wrong, and the differential
    // names the first bad element with both values
    expect(r.results.map((s) => s.outputs.y!.ok)).toEqual([true, false, false, false]);
    const first = r.results[1]!;
    expect(first.outputs.y!.firstMismatch!.index).toBe(0);
    expect(first.message).toMatch(/^\{"rows":3,"cols":100\}: y: \d+ of 300 elements differ; first at y\[0\]: Metal has [-\d.e]+, CUDA has [-\d.e]+/);
  });

  test("a barrier dropped from softmax_shared's max reduction: within tolerance, but the race check sees it", async () => {
    // softmax is shift-invariant, so a max taken over only part of the row changes the result by
    // rounding alone; the differential alone would pass. Reversing the thread order exposes the race.
    const body = plant(SOFTMAX_SHARED_BODY, /threadgroup_barrier\(mem_flags::mem_threadgroup\); \/\/ BARRIER_IN_MAX_LOOP/, "");
    const r = await verifyKernel("softmax_shared", softmaxShared(body), { raceCheck: true, sizes: [{ rows: 4, cols: 256 }] });
    expect(r.ok).toBe(false);
    expect(r.results[0]!.race).toMatchObject({ side: "metal", buffers: ["y"] });
    expect(r.summary).toMatch(/Metal result depends on the order threads run \(y\): a missing barrier/);
  });

  test("an index off by one: a guard `i <= n` reads past the end on ragged sizes", async () => {
    const body = plant(VECTOR_ADD_BODY, "i < uint(n)", "i <= uint(n)");
    const r = await verifyKernel("vector_add", vectorAdd(body));
    expect(r.ok).toBe(false);
    const ragged = r.results.find((s) => s.sizes.n === 1000)!;
    expect(ragged.fault?.side).toBe("metal");
    expect(ragged.fault?.kind).toBe("out-of-bounds");
    expect(ragged.fault?.details).toMatchObject({ access: "read", buffer: "a", index: 1000, length: 1000, thread: [232, 0, 0], group: [3, 0, 0] });
    // n = 1024 fills the grid exactly: no thread 1024 exists, so only the ragged sizes expose the bug
    expect(r.results.find((s) => s.sizes.n === 1024)!.ok).toBe(true);
  });

  test("an index off by one: a shifted read `a[i + 1]`", async () => {
    const body = plant(VECTOR_ADD_BODY, "a[i]", "a[i + 1]");
    const r = await verifyKernel("vector_add", vectorAdd(body), { sizes: [{ n: 1024 }] });
    expect(r.ok).toBe(false);
    expect(r.results[0]!.fault?.details).toMatchObject({ kind: "out-of-bounds", buffer: "a", index: 1024 });
  });

  test("an index off by one: the last element never written is a mismatch at that index", async () => {
    const body = plant(VECTOR_ADD_BODY, "i < uint(n)", "i < uint(n) - 1");
    const r = await verifyKernel("vector_add", vectorAdd(body), { sizes: [{ n: 1000 }] });
    expect(r.ok).toBe(false);
    const c = r.results[0]!.outputs.out!;
    expect(c.mismatches).toBe(1);
    expect(c.firstMismatch!.index).toBe(999);
    expect(Number.isNaN(c.firstMismatch!.actual)).toBe(true); // MLX outputs are uninitialised: poisoned here
  });

  test("simd_sum where a 16-lane partial reduction was meant", async () => {
    const body = plant(HALFWARP_BODY, /for \(ushort offset[^\n]*\n/, "v = simd_sum(v);\n");
    const r = await verifyKernel("halfwarp_reduce", halfwarpReduce(body), { randomRuns: 5 });
    expect(r.ok).toBe(false);
    const s = r.results.find((x) => x.sizes.rows === 8)!;
    expect(s.outputs.sums!.ok).toBe(false);
    // row 0 got the sum of rows 0 and 1 (both halves of the SIMD-group)
    expect(s.outputs.sums!.firstMismatch!.index).toBe(0);
    // fast-check shrinks the random case to the smallest failing size: two rows share a SIMD-group
    expect(r.counterexample?.sizes.rows).toBe(2);
  });
});

describe("faults the emulator reports", () => {
  test("out-of-bounds write with buffer, index and thread", async () => {
    const spec = vectorAdd(plant(VECTOR_ADD_BODY, "out[i] = a[i] + b[i];", "out[i + 8] = a[i] + b[i];"))({ n: 100 });
    const err = await runMetal(spec, { a: new Float32Array(100), b: new Float32Array(100), n: { data: 100, dtype: "int32", shape: [] } }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelFault);
    expect(err.kind).toBe("out-of-bounds");
    expect(err.details).toMatchObject({ access: "write", buffer: "out", index: 100, thread: [92, 0, 0] });
    expect(err.message).toMatch(/out-of-bounds write of device buffer "out" at index 100 \(length 100\)/);
  });

  test("out-of-bounds on a CUDA __shared__ array", async () => {
    const src = `__global__ void k(const float* x, float* y) {
  __shared__ float t[64];
  t[threadIdx.x + 1] = x[threadIdx.x];
  __syncthreads();
  y[threadIdx.x] = t[threadIdx.x];
}`;
    const err = await runCuda(
      { source: src, kernel: "k", grid: [1, 1, 1], block: [64, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }] },
      { x: new Float32Array(64), y: new Float32Array(64) },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(KernelFault);
    expect(err.details).toMatchObject({ kind: "out-of-bounds", space: "threadgroup", buffer: "t", index: 64, access: "write", thread: [63, 0, 0] });
  });

  test("a missing barrier between a threadgroup write and a read of another thread's element", async () => {
    const body = (barrier: string) => `
  threadgroup float tile[64];
  uint l = thread_position_in_threadgroup.x;
  uint g = thread_position_in_grid.x;
  tile[l] = x[g];
  ${barrier}
  y[g] = tile[(l + 1) % 64];
`;
    const spec = (b: string) => ({
      name: "shift",
      inputNames: ["x"],
      outputNames: ["y"],
      source: body(b),
      grid: [128, 1, 1] as [number, number, number],
      threadgroup: [64, 1, 1] as [number, number, number],
      outputShapes: [[128]],
      outputDtypes: ["float32"],
    });
    const x = new Float32Array(128).map((_, i) => i);
    const racy = await metalRaceCheck(spec(""), { x });
    expect(racy.ok).toBe(false);
    expect(racy.buffers).toEqual(["y"]);
    expect(racy.message).toMatch(/missing barrier/);
    const fixed = await metalRaceCheck(spec("threadgroup_barrier(mem_flags::mem_threadgroup);"), { x });
    expect(fixed.ok).toBe(true);
    const y = (await runMetal(spec("threadgroup_barrier(mem_flags::mem_threadgroup);"), { x })).y!;
    expect(Array.from(y.slice(60, 66))).toEqual([61, 62, 63, 0, 65, 66]);
  });

  test("a barrier after a non-uniform early return", async () => {
    const err = await runMetal(
      {
        name: "early",
        inputNames: ["x"],
        outputNames: ["y"],
        source: `
  threadgroup float t[64];
  uint l = thread_position_in_threadgroup.x;
  if (l >= 48) return;
  t[l] = x[l];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  y[l] = t[63 - l];
`,
        grid: [64, 1, 1],
        threadgroup: [64, 1, 1],
        outputShapes: [[64]],
        outputDtypes: ["float32"],
      },
      { x: new Float32Array(64) },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(KernelFault);
    expect(err.kind).toBe("divergent-barrier");
    expect(err.message).toMatch(/48 threads wait at a barrier that 16 threads of the group returned without reaching/);
  });

  test("a SIMD shuffle that part of the SIMD-group never reaches is a deadlock", async () => {
    const src = `__global__ void k(float* y) {
  float v = threadIdx.x;
  if (threadIdx.x < 16) v = __shfl_xor_sync(0xffffffff, v, 1);
  __syncthreads();
  y[threadIdx.x] = v;
}`;
    const err = await runCuda({ source: src, kernel: "k", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "y" }] }, { y: new Float32Array(32) }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelFault);
    expect(err.kind).toBe("deadlock");
  });

  test("threadgroup memory over Metal's 32 KB (a CUDA tile that fit in 48 KB)", async () => {
    const err = await runMetal(
      {
        name: "big",
        inputNames: ["x"],
        outputNames: ["y"],
        source: `
  threadgroup float a[64][64];
  threadgroup float b[64][65];
  uint l = thread_position_in_threadgroup.x;
  a[0][l] = x[l];
  b[0][l] = x[l];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  y[l] = a[0][l] + b[0][l];
`,
        grid: [64, 1, 1],
        threadgroup: [64, 1, 1],
        outputShapes: [[64]],
        outputDtypes: ["float32"],
      },
      { x: new Float32Array(64) },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(KernelFault);
    expect(err.kind).toBe("bad-launch");
    expect(err.message).toMatch(/threadgroup memory of 33024 bytes exceeds the 32768-byte limit \(declaring b\)/);
  });
});
