// What the H100 refuses, the CUDA emulator refuses too (issue 14 §5: where the GPU and the emulator disagree, the
// GPU decides). The first GPU recording of the spec-less launches found a launch of 0 blocks ("invalid argument":
// cuda-samples mergeSort's host code at small N) that the emulator had run as an empty grid and verified, and float4
// loads at offsets not a multiple of 16 ("misaligned address": SGEMM_CUDA's vectorised kernels at K = 37, llm.c's
// x128 at C = 37). The emulator checks alignment of loads and stores into device buffers and threadgroup memory
// (UBSan's check, its handler in emu_runtime.cpp), not of thread-local arrays, which a GPU keeps in registers
// (causal-conv1d's vec_t views of x_vals_load).
import { describe, expect, it } from "vitest";
import { runCudaLaunches } from "../src/verify/cuda.js";
import { KernelFault } from "../src/verify/native.js";

const SOURCE = `
__global__ void copy4(const float* in, float* out, int offset) {
  int i = threadIdx.x;
  float4 v = reinterpret_cast<const float4*>(&in[offset + 4 * i])[0];
  reinterpret_cast<float4*>(&out[4 * i])[0] = v;
}
__global__ void store4(const float* in, float* out, int offset) {
  int i = threadIdx.x;
  float4 v = reinterpret_cast<const float4*>(&in[4 * i])[0];
  reinterpret_cast<float4*>(&out[offset + 4 * i])[0] = v;
}
__global__ void shared4(const float* in, float* out, int offset) {
  __shared__ float s[40];
  int i = threadIdx.x;
  for (int k = i; k < 40; k += blockDim.x) s[k] = in[k];
  __syncthreads();
  float4 v = reinterpret_cast<const float4*>(&s[offset + 4 * i])[0];
  reinterpret_cast<float4*>(&out[4 * i])[0] = v;
}
__global__ void local4(const float* in, float* out, int offset) {
  float x[20];
  for (int k = 0; k < 20; k++) x[k] = in[k];
  float4 v = reinterpret_cast<const float4*>(&x[offset + 4 * threadIdx.x])[0];
  reinterpret_cast<float4*>(&out[4 * threadIdx.x])[0] = v;
}
// llm.c's load128cs: a copy through a cache-hint load (g++ checks it as the binding of *p to the copy)
__global__ void ldcs4(const float* in, float* out, int offset) {
  int4 q = __ldcs(reinterpret_cast<const int4*>(&in[offset + 4 * threadIdx.x]));
  out[threadIdx.x] = __int_as_float(q.x);
}
__global__ void member4(const float* in, float* out, int offset) {
  const float4* p = reinterpret_cast<const float4*>(&in[offset + 4 * threadIdx.x]);
  out[threadIdx.x] = p->y;
}
`;

const run = (offset: number, grid: [number, number, number], block: [number, number, number] = [4, 1, 1], kernel = "copy4") =>
  runCudaLaunches(SOURCE, [{ kernel, grid, block, args: [{ buffer: "in" }, { buffer: "out" }, { scalar: offset, type: "int" }] }], {
    in: Float32Array.from({ length: 40 }, (_, i) => i),
    out: new Float32Array(16),
  });

async function faultOf(p: Promise<unknown>): Promise<KernelFault> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KernelFault) return e;
    throw e;
  }
  throw new Error("no fault");
}

describe("the CUDA emulator faults where the GPU does", () => {
  it("an aligned float4 copy runs", async () => {
    const out = await run(4, [1, 1, 1]);
    expect(Array.from(out.out!)).toEqual(Array.from({ length: 16 }, (_, i) => i + 4));
  });

  it.each([
    ["copy4", "read", "device", "in", 1],
    ["copy4", "read", "device", "in", 6],
    ["store4", "write", "device", "out", 2],
    ["shared4", "read", "threadgroup", "s", 3],
    ["ldcs4", "read", "device", "in", 2],
  ] as const)("%s: a 16-byte %s of %s buffer %s at an offset of %i floats faults (misaligned address)", async (kernel, access, space, buffer, offset) => {
    const f = await faultOf(run(offset, [1, 1, 1], [4, 1, 1], kernel));
    expect(f.kind).toBe("misaligned");
    expect(f.details).toMatchObject({ access, space, buffer, index: offset, offset: 4 * offset, alignment: 16 });
    expect(f.message).toMatch(new RegExp(`misaligned address: 16-byte ${access} \\([^)]*4\\) of ${space} buffer "${buffer}" at element ${offset} .*by thread \\[0,0,0\\]`));
  });

  it.each([
    ["shared4", 4, 4],
    ["store4", 0, 0],
  ] as const)("%s at an aligned offset (%i floats) runs", async (kernel, offset, first) => {
    const out = await run(offset, [1, 1, 1], [4, 1, 1], kernel);
    expect(Array.from(out.out!)).toEqual(Array.from({ length: 16 }, (_, i) => i + first));
  });

  it("a float4 view of a thread-local array at an odd offset runs (registers on a GPU)", async () => {
    const out = await run(1, [1, 1, 1], [4, 1, 1], "local4");
    expect(Array.from(out.out!)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
  });

  it("a float member read through a misaligned float4 pointer runs (a 4-byte load on a GPU)", async () => {
    const out = await run(1, [1, 1, 1], [4, 1, 1], "member4");
    expect(Array.from(out.out!.slice(0, 4))).toEqual([2, 6, 10, 14]);
  });

  it.each([
    [[0, 1, 1], [4, 1, 1], /grid dimension of 0/],
    [[1, 70000, 1], [4, 1, 1], /grid dimension past/],
  ] as const)("a launch CUDA refuses (grid %j, block %j) is a bad launch", async (grid, block, why) => {
    const f = await faultOf(run(4, [...grid], [...block]));
    expect(f.kind).toBe("bad-launch");
    expect(f.message).toMatch(why);
  });
});

describe("device buffers start 16-byte aligned, as a GPU's do", () => {
  // a buffer of 1027 floats: x86 code may store a float4 (alignas(16)) with an aligned instruction, which faults on a
  // start placed right against the guard page; the up to 15 bytes left before it are checked after the launches
  const src = `
__global__ void vec4_store(float* y, int n) {
  int i = threadIdx.x;
  if (i < n / 4) reinterpret_cast<float4*>(y)[i] = make_float4(i, i, i, i);
}
__global__ void one_past(float* y, int n) {
  if (threadIdx.x == 0) y[n] = 1.0f;
}
`;
  const launch = (kernel: string, n: number) =>
    runCudaLaunches(src, [{ kernel, grid: [1, 1, 1], block: [256, 1, 1], args: [{ buffer: "y" }, { scalar: n, type: "int" }] }], { y: new Float32Array(n) });

  it("float4 stores into a buffer of 1027 floats run", async () => {
    const out = await launch("vec4_store", 1027);
    expect(out.y![1024 - 1]).toBe(255);
  });

  it("a write one element past the end, short of the guard page, is out of bounds", async () => {
    const f = await faultOf(launch("one_past", 1027));
    expect(f.kind).toBe("out-of-bounds");
    expect(f.message).toMatch(/write of device buffer "y" at index 1027 \(length 1027\) \(found after the launches/);
  });
});
