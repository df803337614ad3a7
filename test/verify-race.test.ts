// The race detector: every threadgroup-memory access is tracked; two accesses of one word by different
// threads, one a write, with no barrier between them, are a `race` fault naming the buffer, the index
// and both threads. Correct kernels (every golden CUDA kernel, the Metal translations) have none.
import { describe, expect, test } from "vitest";
import { KernelFault } from "../src/verify/native.js";
import { runMetal, type MetalKernelSpec } from "../src/verify/metal.js";
import { listGoldenSpecs, loadGoldenSpec, runGoldenOnCpu } from "../src/verify/golden.js";
import { verifyKernel } from "../src/verify/verify.js";
import { HISTOGRAM_BODY, SOFTMAX_SHARED_BODY, histogram, plant, softmaxShared, softmaxWarp } from "./verify-metal-kernels.js";

const shift = (barrier: string): MetalKernelSpec => ({
  name: "shift",
  inputNames: ["x"],
  outputNames: ["y"],
  source: `
  threadgroup float tile[64];
  uint l = thread_position_in_threadgroup.x;
  uint g = thread_position_in_grid.x;
  tile[l] = x[g];
  ${barrier}
  y[g] = tile[(l + 1) % 64];
`,
  grid: [128, 1, 1],
  threadgroup: [64, 1, 1],
  outputShapes: [[128]],
  outputDtypes: ["float32"],
});

describe("race detector", () => {
  test("a read of another thread's element with no barrier after its write", async () => {
    const x = new Float32Array(128).map((_, i) => i);
    const err = await runMetal(shift(""), { x }, { raceDetect: true }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelFault);
    expect(err.kind).toBe("race");
    // thread 0 reads tile[1]; thread 1 writes it later in the same barrier interval
    expect(err.details).toMatchObject({ buffer: "tile", index: 1, access: "write", otherAccess: "read", thread: [1, 0, 0], otherThread: [0, 0, 0], group: [0, 0, 0] });
    expect(err.message).toMatch(/race on threadgroup buffer "tile" at index 1/);
    const ok = await runMetal(shift("threadgroup_barrier(mem_flags::mem_threadgroup);"), { x }, { raceDetect: true });
    expect(ok.y![63]).toBe(0);
    expect(ok.y![64]).toBe(65);
  });

  test("a write after reads by several threads is checked against every reader, not just the last", async () => {
    // thread 0 reads t[5]; thread 5 then reads and writes it in the same barrier interval
    const err = await runMetal(
      {
        name: "war",
        inputNames: ["x"],
        outputNames: ["y"],
        source: `
  threadgroup float t[64];
  uint l = thread_position_in_threadgroup.x;
  t[l] = x[l];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  float v = (l == 0) ? t[5] : 0.0f;
  if (l == 5) { float w = t[5]; t[5] = w + 1.0f; }
  y[l] = v;
`,
        grid: [64, 1, 1],
        threadgroup: [64, 1, 1],
        outputShapes: [[64]],
        outputDtypes: ["float32"],
      },
      { x: new Float32Array(64) },
      { raceDetect: true },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(KernelFault);
    expect(err.details).toMatchObject({ kind: "race", index: 5, access: "write", otherAccess: "read", thread: [5, 0, 0], otherThread: [0, 0, 0] });
  });

  test("the barrier dropped from softmax_shared's max loop is named precisely", async () => {
    const body = plant(SOFTMAX_SHARED_BODY, /threadgroup_barrier\(mem_flags::mem_threadgroup\); \/\/ BARRIER_IN_MAX_LOOP/, "");
    const r = await verifyKernel("softmax_shared", softmaxShared(body), { raceDetect: true, sizes: [{ rows: 1, cols: 300 }] });
    expect(r.ok).toBe(false);
    expect(r.results[0]!.fault).toMatchObject({ side: "metal", kind: "race", details: { buffer: "red" } });
  });

  test("correct Metal translations have no races (threadgroup atomics are not races)", async () => {
    for (const [name, metal] of [
      ["softmax_shared", softmaxShared()],
      ["softmax_warp", softmaxWarp()],
      ["histogram_atomic", histogram(HISTOGRAM_BODY)],
    ] as const) {
      const r = await verifyKernel(name, metal, { raceDetect: true, sizes: [loadGoldenSpec(name).sizes[1]!] });
      expect(r.ok, r.summary).toBe(true);
    }
  });

  for (const name of listGoldenSpecs()) {
    test(`golden ${name} has no races`, async () => {
      const spec = loadGoldenSpec(name);
      const out = await runGoldenOnCpu(spec, 1, { raceDetect: true });
      expect(Object.keys(out).length).toBe(spec.buffers.length);
    });
  }
});
