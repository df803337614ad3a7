// The emulator's jittered fast intrinsics (request flag 32, RunOptions.jitterMath; cuda_emu.hpp fast_math_result):
// __expf, __logf, __powf, __sinf, __cosf, __tanf and __fdividef each 2 ulp off the C library's result, up or down by
// a hash of the argument. CUDA documents them only to within a few ulp ("2 + floor(|1.173x|)" for __expf) and the
// GPU's last bits come from ex2.approx & co., which no documented formula gives: an output that moves past its
// tolerance under the jitter is not decided by its inputs, and no GPU recording (nor a translation's exp) can be
// checked against it. The case: llm.c attention_forward_kernel2 at its host launches with drawn l, m
// (row_l_new = e^a l_prev + e^b row_l cancels, then 1 / row_l_new): the jittered run moves 77 (S=64) and 29 (S=37)
// elements past float32's tolerance, up to 55 in one element; the H100's recordings were 2 and 29.6 away in the sums.
import { describe, expect, test } from "vitest";
import { runCuda } from "../src/verify/cuda.js";

// A denominator that cancels: 1 / (e^a * p + e^b * q) with p < 0 < q. Its last bits decide the output, and the
// GPU's ex2.approx decides those: the jittered run (every fast intrinsic 2 ulp off, within CUDA's documented error)
// moves it far past float32's tolerance, while a softmax of the same exponentials hardly moves.
const CANCEL = `
__global__ void cancel(float* out, float* soft, const float* a, const float* p, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    float e1 = __expf(a[i]), e2 = __expf(a[i] + 0.25f);
    out[i] = 1.0f / (e1 * p[i] + e2);
    soft[i] = e1 / (e1 + e2);
  }
}
`;

describe("jitterMath (request flag 32): the fast intrinsics 2 ulp off", () => {
  const n = 32;
  const a = Float32Array.from({ length: n }, (_, i) => -3 + 0.2 * i);
  // p = -e^0.25 (1 + k 2^-20) makes e1 * p + e2 cancel to k 2^-20 of e2: a few ulp of e1 or e2 move it by a tenth
  const p = Float32Array.from({ length: n }, (_, i) => -Math.exp(0.25) * (1 + (1 + (i % 3)) * 2 ** -20));
  const launch = {
    source: CANCEL,
    kernel: "cancel",
    grid: [1, 1, 1] as [number, number, number],
    block: [32, 1, 1] as [number, number, number],
    args: [{ buffer: "out" }, { buffer: "soft" }, { buffer: "a" }, { buffer: "p" }, { scalar: n, type: "int" }],
  };
  const run = (jitterMath: boolean) => runCuda(launch, { out: new Float32Array(n), soft: new Float32Array(n), a, p }, { jitterMath });

  test("a cancelling output moves past float32's tolerance; a well-conditioned one stays inside it; no jitter, no change", async () => {
    const plain = await run(false);
    const again = await run(false);
    const jit = await run(true);
    const jit2 = await run(true);
    expect(Array.from(again.out!)).toEqual(Array.from(plain.out!));
    expect(Array.from(jit2.out!), "the same argument, the same jitter").toEqual(Array.from(jit.out!));
    const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-30);
    const worst = (k: "out" | "soft") => Math.max(...Array.from(jit[k]!, (v, i) => rel(v, plain[k]![i]!)));
    expect(worst("out")).toBeGreaterThan(1e-3);
    expect(worst("soft")).toBeGreaterThan(0);
    expect(worst("soft")).toBeLessThan(1e-6);
  });
});
