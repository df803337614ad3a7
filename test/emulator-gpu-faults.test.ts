// What the H100 refuses, the CUDA emulator refuses too (issue 14 §5: where the GPU and the emulator disagree, the
// GPU decides). The first GPU recording of the spec-less launches found a launch of 0 blocks ("invalid argument":
// cuda-samples mergeSort's host code at small N) that the emulator had run as an empty grid and verified. (It also
// found float4 loads at addresses not a multiple of 16, "misaligned address", which the emulator does not check yet:
// UBSan's alignment check also flags thread-local arrays a GPU keeps in registers.)
import { describe, expect, it } from "vitest";
import { runCudaLaunches } from "../src/verify/cuda.js";
import { KernelFault } from "../src/verify/native.js";

const SOURCE = `
__global__ void copy4(const float* in, float* out, int offset) {
  int i = threadIdx.x;
  float4 v = reinterpret_cast<const float4*>(&in[offset + 4 * i])[0];
  reinterpret_cast<float4*>(&out[4 * i])[0] = v;
}
`;

const run = (offset: number, grid: [number, number, number], block: [number, number, number] = [4, 1, 1]) =>
  runCudaLaunches(SOURCE, [{ kernel: "copy4", grid, block, args: [{ buffer: "in" }, { buffer: "out" }, { scalar: offset, type: "int" }] }], {
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
    [[0, 1, 1], [4, 1, 1], /grid dimension of 0/],
    [[1, 70000, 1], [4, 1, 1], /grid dimension past/],
  ] as const)("a launch CUDA refuses (grid %j, block %j) is a bad launch", async (grid, block, why) => {
    const f = await faultOf(run(4, [...grid], [...block]));
    expect(f.kind).toBe("bad-launch");
    expect(f.message).toMatch(why);
  });
});
