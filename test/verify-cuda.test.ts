// The CUDA emulator on its own: each golden file's host launcher (with its real `<<<>>>` launch) gives
// the same buffers as the launch configuration in its spec.json, which the translator reads; and the
// CUDA semantics the golden kernels do not exercise (shuffle widths, votes, atomics' return values,
// partial-warp masks, dynamic shared memory) behave as the CUDA programming guide says.
import { describe, expect, test } from "vitest";
import { runCuda, runCudaHost } from "../src/verify/cuda.js";
import { compareArrays } from "../src/verify/compare.js";
import { normalizeDtype } from "../src/verify/dtypes.js";
import { evalExpr, goldenBuffers, goldenEntries, listGoldenSpecs, loadGoldenSource, loadGoldenSpec, runGoldenOnCpu } from "../src/verify/golden.js";

describe("spec.json launch configurations match the files' own launchers", () => {
  for (const name of listGoldenSpecs()) {
    const spec = loadGoldenSpec(name);
    if (!spec.host) continue;
    test(`${name}: ${spec.host.function}`, async () => {
      const si = spec.sizes.length - 1; // the largest, ragged size
      const viaSpec = await runGoldenOnCpu(spec, si);
      const bufs = goldenBuffers(spec, si);
      const args = spec.host!.args.map((a) => (a in bufs ? { buffer: a } : { scalar: evalExpr(a, spec.sizes[si]!) }));
      const viaHost = await runCudaHost(loadGoldenSource(spec), spec.host!.function, args, bufs, { extraEntries: goldenEntries(spec) });
      const written = spec.buffers.filter((b) => b.role !== "input" && spec.host!.args.includes(b.name));
      expect(written.length).toBeGreaterThan(0);
      for (const b of written) {
        const c = compareArrays(viaHost[b.name]!, viaSpec[b.name]!, normalizeDtype(b.dtype), { rtol: 0, atol: 0 });
        expect(c.ok, `${b.name}: ${JSON.stringify(c.firstMismatch)}`).toBe(true);
      }
    });
  }
});

describe("CUDA semantics", () => {
  test("shuffles with width, votes, atomics' old values, dynamic shared memory", async () => {
    const src = `
#include <cuda_runtime.h>
__global__ void k(int* out, unsigned* ballots, int* order) {
  extern __shared__ int dyn[];
  int lane = threadIdx.x % 32;
  dyn[threadIdx.x] = lane;
  __syncthreads();
  int v = dyn[(threadIdx.x + 1) % blockDim.x];
  int a = __shfl_down_sync(0xffffffff, lane, 4, 8);   // stays within groups of 8
  int b = __shfl_up_sync(0xffffffff, lane, 1);
  int c = __shfl_sync(0xffffffff, lane, 3, 16);        // lane 3 of each half
  int d = __shfl_xor_sync(0xffffffff, lane, 16, 16);   // a later group: own value; an earlier one: read
  out[threadIdx.x * 5 + 0] = v;
  out[threadIdx.x * 5 + 1] = a;
  out[threadIdx.x * 5 + 2] = b;
  out[threadIdx.x * 5 + 3] = c;
  out[threadIdx.x * 5 + 4] = d;
  unsigned m = __ballot_sync(0xffffffff, lane % 3 == 0);
  if (lane == 0) ballots[threadIdx.x / 32] = m;
  order[threadIdx.x] = atomicAdd(&order[64], 1);
}`;
    const r = await runCuda(
      { source: src, kernel: "k", grid: [1, 1, 1], block: [64, 1, 1], sharedBytes: 64 * 4, args: [{ buffer: "out" }, { buffer: "ballots" }, { buffer: "order" }] },
      { out: new Int32Array(64 * 5), ballots: new Uint32Array(2), order: new Int32Array(65) },
    );
    const out = r.out as Int32Array;
    for (let t = 0; t < 64; t++) {
      const lane = t % 32;
      expect(out[t * 5 + 0]).toBe(((t + 1) % 64) % 32);
      expect(out[t * 5 + 1]).toBe((lane % 8) + 4 < 8 ? lane + 4 : lane);
      expect(out[t * 5 + 2]).toBe(lane >= 1 ? lane - 1 : lane);
      expect(out[t * 5 + 3]).toBe((lane & ~15) + 3);
      expect(out[t * 5 + 4]).toBe(lane < 16 ? lane : lane - 16);
    }
    let expectBallot = 0;
    for (let l = 0; l < 32; l++) if (l % 3 === 0) expectBallot |= 1 << l;
    expect(Array.from(r.ballots!)).toEqual([expectBallot >>> 0, expectBallot >>> 0]);
    // every thread got a distinct old value and the counter saw all 64 increments
    const order = Array.from(r.order!.slice(0, 64)).sort((x, y) => Number(x) - Number(y));
    expect(order).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(r.order![64]).toBe(64);
  });

  test("blocks whose last warp is partial: shuffles among the lanes that exist", async () => {
    const src = `__global__ void k(float* y) {
  float v = threadIdx.x;
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffff, v, o);
  y[blockIdx.x * blockDim.x + threadIdx.x] = v;
}`;
    const r = await runCuda({ source: src, kernel: "k", grid: [2, 1, 1], block: [32, 1, 1], args: [{ buffer: "y" }] }, { y: new Float32Array(64) });
    expect(Array.from(r.y!)).toEqual(new Array(64).fill(496));
  });

  test("__shared__ declaration forms, a struct passed by value, a templated device helper", async () => {
    const src = `
#include <cuda_runtime.h>
struct Params { int n; float scale; };
template <typename T> __device__ T twice(T v) { return v + v; }
template <typename T, int N>
__global__ void k(Params p, const T* __restrict__ x, T* y) {
  __shared__ volatile float vols[N];
  __shared__ __align__(16) T tile[2][N];
  __shared__ int counter;
  extern __shared__ __align__(16) unsigned char raw[];
  float* scratch = reinterpret_cast<float*>(raw);
  int t = threadIdx.x;
  if (t == 0) counter = 0;
  __syncthreads();
  atomicAdd(&counter, 1);
  vols[t] = t;
  tile[1][t] = x[t];
  scratch[t] = p.scale;
  __syncthreads();
  if (t < p.n) y[t] = twice(tile[1][N - 1 - t]) * scratch[t] + vols[t] + counter;
}`;
    const params = new ArrayBuffer(8);
    new DataView(params).setInt32(0, 30, true);
    new DataView(params).setFloat32(4, 0.5, true);
    const x = new Float32Array(32).map((_, i) => i * 10);
    const r = await runCuda(
      {
        source: src,
        kernel: "k",
        templateArgs: ["float", "32"],
        grid: [1, 1, 1],
        block: [32, 1, 1],
        sharedBytes: 32 * 4,
        args: [{ bytes: new Uint8Array(params) }, { buffer: "x" }, { buffer: "y" }],
      },
      { x, y: new Float32Array(32) },
    );
    for (let t = 0; t < 32; t++) expect(r.y![t]).toBe(t < 30 ? 2 * x[31 - t]! * 0.5 + t + 32 : 0);
  });
});
