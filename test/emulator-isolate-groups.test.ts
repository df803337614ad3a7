// The emulator's isolated-groups perturbation (request flag 16, RunOptions.isolateGroups; emu_runtime.cpp run_grid):
// every block of a launch runs against device memory as the launch found it, and what each block changed is written
// back after the last block. Blocks that exchange nothing through device memory give what the plain run gives;
// blocks that read what another block of the same launch wrote, with no atomics, race on a GPU (which runs them at
// once) and come out otherwise. The case it was made for: llm.c's wpe_backward_kernel launched with a grid axis it
// never reads (synthesised grid [3,2,1]), so two blocks each did `dwpe[i] = dwpe[i] + accum` on the same elements:
// the emulator, one block after the other, added twice in either block order; the H100 ran them at once and added
// once, which is what the isolated run gives.
import { describe, expect, test } from "vitest";
import { runCuda, runCudaLaunches } from "../src/verify/cuda.js";
import { runMetal } from "../src/verify/metal.js";

const ACCUMULATE = `
__global__ void accumulate(float* y, const float* x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;  // blockIdx.y is never read: the grid's y blocks repeat the x blocks
  if (i < n) y[i] = y[i] + x[i];
}
__global__ void scale(float* out, const float* x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = 2.0f * x[i];
}
__global__ void shift(float* out, const float* x, int n) {
  // block b reads what block b - 1 wrote in this launch
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  out[i] = x[i];
  if (i >= blockDim.x) out[i] = out[i] + out[i - blockDim.x];
}
`;

const n = 64;
const x = () => Float32Array.from({ length: n }, (_, i) => i + 1);
const y = () => Float32Array.from({ length: n }, (_, i) => 1000 + i);

describe("isolated groups (a perturbation: blocks that read each other's writes show)", () => {
  test("duplicated blocks adding into an inout buffer: twice one after the other, once when isolated", async () => {
    const launch = {
      source: ACCUMULATE,
      kernel: "accumulate",
      grid: [2, 2, 1] as [number, number, number],
      block: [32, 1, 1] as [number, number, number],
      args: [{ buffer: "y" }, { buffer: "x" }, { scalar: n, type: "int" }],
    };
    const plain = await runCuda(launch, { y: y(), x: x() });
    const backwards = await runCuda(launch, { y: y(), x: x() }, { reverseGroups: true });
    const isolated = await runCuda(launch, { y: y(), x: x() }, { isolateGroups: true });
    const y0 = y();
    const x0 = x();
    // CUDA: the two blocks of each column race; run in turn each sees the other's sum, run at once neither does
    expect(Array.from(plain.y!)).toEqual(Array.from(y0, (v, i) => v + 2 * x0[i]!));
    expect(Array.from(backwards.y!), "the groups' order alone does not show it").toEqual(Array.from(plain.y!));
    expect(Array.from(isolated.y!)).toEqual(Array.from(y0, (v, i) => v + x0[i]!));
  });

  test("duplicated blocks writing a function of the inputs: the same either way", async () => {
    const launch = {
      source: ACCUMULATE,
      kernel: "scale",
      grid: [2, 3, 1] as [number, number, number],
      block: [32, 1, 1] as [number, number, number],
      args: [{ buffer: "out" }, { buffer: "x" }, { scalar: n, type: "int" }],
    };
    const out = () => new Float32Array(n).fill(-1);
    const plain = await runCuda(launch, { out: out(), x: x() });
    const isolated = await runCuda(launch, { out: out(), x: x() }, { isolateGroups: true });
    expect(Array.from(isolated.out!)).toEqual(Array.from(x(), (v) => 2 * v));
    expect(Array.from(isolated.out!)).toEqual(Array.from(plain.out!));
  });

  test("a block that reads another block's output of the same launch: another result", async () => {
    const launch = {
      source: ACCUMULATE,
      kernel: "shift",
      grid: [2, 1, 1] as [number, number, number],
      block: [32, 1, 1] as [number, number, number],
      args: [{ buffer: "out" }, { buffer: "x" }, { scalar: n, type: "int" }],
    };
    const plain = await runCuda(launch, { out: new Float32Array(n), x: x() });
    const isolated = await runCuda(launch, { out: new Float32Array(n), x: x() }, { isolateGroups: true });
    const x0 = x();
    expect(Array.from(plain.out!.slice(32))).toEqual(Array.from(x0.slice(32), (v, i) => v + x0[i]!));
    // isolated, block 1 reads out[i - 32] as the launch found it (0)
    expect(Array.from(isolated.out!.slice(32))).toEqual(Array.from(x0.slice(32)));
  });

  test("launches in turn still see each other: the isolation is within one launch", async () => {
    const grid: [number, number, number] = [2, 1, 1];
    const block: [number, number, number] = [32, 1, 1];
    const launches = [
      { kernel: "scale", grid, block, args: [{ buffer: "y" }, { buffer: "x" }, { scalar: n, type: "int" }] },
      { kernel: "accumulate", grid, block, args: [{ buffer: "y" }, { buffer: "x" }, { scalar: n, type: "int" }] },
    ];
    const plain = await runCudaLaunches(ACCUMULATE, launches, { y: y(), x: x() });
    const isolated = await runCudaLaunches(ACCUMULATE, launches, { y: y(), x: x() }, { isolateGroups: true });
    expect(Array.from(isolated.y!)).toEqual(Array.from(x(), (v) => 3 * v));
    expect(Array.from(isolated.y!)).toEqual(Array.from(plain.y!));
  });

  test("buffers of many pages over many blocks: each element once, the cost of what the blocks write", async () => {
    const big = (1 << 20) + 3; // 4 MiB of floats and a ragged end: 1025 pages
    const launch = {
      source: ACCUMULATE,
      kernel: "accumulate",
      grid: [Math.ceil(big / 256), 2, 1] as [number, number, number],
      block: [256, 1, 1] as [number, number, number],
      args: [{ buffer: "y" }, { buffer: "x" }, { scalar: big, type: "int" }],
    };
    const xs = Float32Array.from({ length: big }, (_, i) => i % 1000);
    const ys = Float32Array.from({ length: big }, (_, i) => -(i % 777));
    const isolated = await runCuda(launch, { y: ys.slice(), x: xs }, { isolateGroups: true });
    let wrong = 0;
    for (let i = 0; i < big; i++) if (isolated.y![i] !== ys[i]! + xs[i]!) wrong++;
    expect(wrong).toBe(0);
  }, 60_000);

  test("atomics exchange through memory by design: isolated, blocks' atomicAdds into one element are lost (leave such kernels out)", async () => {
    const source = `__global__ void count(int* total) { if (threadIdx.x == 0) atomicAdd(total, 1); }`;
    const launch = { source, kernel: "count", grid: [4, 1, 1] as [number, number, number], block: [32, 1, 1] as [number, number, number], args: [{ buffer: "total" }] };
    expect(Array.from((await runCuda(launch, { total: new Int32Array(1) })).total!)).toEqual([4]);
    expect(Array.from((await runCuda(launch, { total: new Int32Array(1) }, { isolateGroups: true })).total!)).toEqual([1]);
  });

  test("the Metal emulator too (one runtime)", async () => {
    // two threadgroups of 32 threads over 32 elements: both add into out (an input passed as the initial value)
    const spec = {
      name: "acc",
      inputNames: ["x"],
      outputNames: ["out"],
      source: "uint i = thread_position_in_grid.x % 32;\nout[i] = out[i] + x[i];",
      grid: [64, 1, 1] as [number, number, number],
      threadgroup: [32, 1, 1] as [number, number, number],
      outputShapes: [[32]],
      outputDtypes: ["float32"],
      initValue: 10,
    };
    const xs = Float32Array.from({ length: 32 }, (_, i) => i);
    const plain = await runMetal(spec, { x: xs });
    const isolated = await runMetal(spec, { x: xs }, { isolateGroups: true });
    expect(Array.from(plain.out!)).toEqual(Array.from(xs, (v) => 10 + 2 * v));
    expect(Array.from(isolated.out!)).toEqual(Array.from(xs, (v) => 10 + v));
  });
});
