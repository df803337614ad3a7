// The CUDA emulator's warp-synchronous `volatile` accesses (emu::lockstep): a warp executes each access for all its
// lanes at once, so where several lanes of one warp store to one address in one instruction a single value is left
// and every lane that reads it again sees that one. CUDA leaves which lane's value unspecified; an H100 keeps the
// lowest lane's (cuda-samples' scan at a size that is not a power of two, test/corpus/fixtures/synth recordings),
// and so does the emulator, while its reverse-order run (the race check's) keeps the highest lane's, so a result
// that depends on the choice shows as order-dependent.
import { describe, expect, test } from "vitest";
import { runCuda } from "../src/verify/cuda.js";

describe("warp-synchronous stores to one address", () => {
  const conflict = `
__global__ void k(int* out) {
  __shared__ volatile int s[64];
  int t = threadIdx.x;
  s[t] = -1;
  __syncthreads();
  s[t / 4] = 100 + t;         // lanes 4j..4j+3 store to s[j] in one instruction
  out[t] = s[t / 4];          // each reads back what was left
}`;
  const launch = { source: conflict, kernel: "k", grid: [1, 1, 1] as [number, number, number], block: [64, 1, 1] as [number, number, number], args: [{ buffer: "out" }] };

  test("one value is left, every lane re-reads it, and it is the lowest lane's", async () => {
    const r = await runCuda(launch, { out: new Int32Array(64) });
    const out = Array.from(r.out as Int32Array);
    for (let t = 0; t < 64; t++) {
      // the group of four that shares s[j] sits in one warp (4 divides 32)
      const lowest = t & ~3;
      expect(out[t], `lane ${t}`).toBe(100 + lowest);
    }
  });

  test("the reverse-order run keeps another lane's value, so the race check sees the dependence", async () => {
    const r = await runCuda(launch, { out: new Int32Array(64) }, { reverse: true });
    const out = Array.from(r.out as Int32Array);
    for (let t = 0; t < 64; t++) expect(out[t], `lane ${t}`).toBe(100 + (t | 3));
  });

  test("scan's first step at a size that is not a power of two: the lower lane's input survives", async () => {
    // cuda-samples scan1Inclusive: pos = 2t - (t & (size - 1)); s[pos] = 0; s[pos + size] = x. With size 9 lanes u
    // and u + 4 (u & 15 in 4..7) share pos, and both store their input to s[pos + 9] in one instruction.
    const src = `
__device__ int scan1(int x, volatile int* s, unsigned size) {
  unsigned pos = 2 * threadIdx.x - (threadIdx.x & (size - 1));
  s[pos] = 0;
  pos += size;
  s[pos] = x;
  return s[pos];
}
__global__ void k(const int* in, int* out, unsigned size) {
  __shared__ int s[128];
  s[threadIdx.x] = 0;
  s[threadIdx.x + 32] = 0;
  s[threadIdx.x + 64] = 0;
  s[threadIdx.x + 96] = 0;
  __syncthreads();
  out[threadIdx.x] = scan1(in[threadIdx.x], s, size);
}`;
    const input = new Int32Array(32).map((_, i) => 1000 + i);
    const r = await runCuda(
      { source: src, kernel: "k", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "in" }, { buffer: "out" }, { scalar: 9, type: "unsigned int" }] },
      { in: input, out: new Int32Array(32) },
    );
    // CUDA semantics: every lane stores, then every lane reads; of the lanes sharing an address the lowest's value
    const cell = new Map<number, number>();
    for (let t = 31; t >= 0; t--) cell.set(2 * t - (t & 8) + 9, input[t]!);
    const want = Array.from({ length: 32 }, (_, t) => cell.get(2 * t - (t & 8) + 9)!);
    expect(Array.from(r.out as Int32Array)).toEqual(want);
    // the pairs really collide: lane 4's value is what lanes 4 and 8 both read
    expect(want[8]).toBe(1004);
  });

  test("a warp-synchronous reduction still reads every operand before any lane writes", async () => {
    const src = `
__device__ void warpReduce(volatile int* v, int t) {
  v[t] += v[t + 16]; v[t] += v[t + 8]; v[t] += v[t + 4]; v[t] += v[t + 2]; v[t] += v[t + 1];
}
__global__ void k(const int* in, int* out) {
  __shared__ int v[64];
  int t = threadIdx.x;
  v[t] = in[t];
  v[t + 32] = 0;
  __syncthreads();
  warpReduce(v, t);
  if (t == 0) out[0] = v[0];
}`;
    const input = new Int32Array(32).map((_, i) => i * i);
    const r = await runCuda({ source: src, kernel: "k", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "in" }, { buffer: "out" }] }, { in: input, out: new Int32Array(1) });
    expect(r.out![0]).toBe(input.reduce((a, b) => a + b, 0));
  });
});
