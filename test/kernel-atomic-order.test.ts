/**
 * Float atomicAdd sums differ from the original by the order of their additions only: the translation's
 * atomic output starts at zero and the wrapper adds the caller's values last (MLX's init_value), and GPU
 * atomics fix no order either. verifyAgainstSpec then runs the original in the translation's order, and
 * that must agree at the default tolerance (src/kernel/verify.ts, atomicSumBuffers).
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { atomicSumBuffers, verifyAgainstSpec } from "../src/kernel/verify.js";
import { spec, verifies } from "./kernel-spec-helpers.js";

// partial sums swing by +-200000 (a float step of 2^-6) around a total near 512: the caller's starting value, added first or last, rounds differently
const src = `__global__ void swing_sum(const float* x, float* acc, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) atomicAdd(&acc[(i >> 1) & 3], x[i] * 1.1f + 0.5f + ((i & 1) ? 200000.0f : -200000.0f));
}
`;
const s = spec(
  "swing_sum",
  [{ n: 4096 }],
  [
    { name: "x", dtype: "float32", count: "n", role: "input" },
    { name: "acc", dtype: "float32", count: 4, role: "inout" },
  ],
  [{ kernel: "swing_sum", grid: ["cdiv(n, 128)", 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "acc" }, { scalar: "n", type: "int" }] }],
);

describe("float atomicAdd sums compare in the translation's order", () => {
  const r = compileKernels(src, { filename: "swing_sum.cu" });

  it("finds the buffers summed into by float atomicAdd only", () => {
    expect(r.refused).toEqual([]);
    expect(atomicSumBuffers(r, s)).toEqual(["acc"]);
  });

  it("verifies, saying why, where the plain comparison differs by the order of the additions", async () => {
    const rep = await verifies(r, s);
    const line = rep.lines.find((l) => l.includes("acc (metal)"))!;
    // the order mattered here: the plain comparison alone would have failed
    expect(line).toMatch(/float atomicAdd: the original summed in the translation's order/);
  }, 60_000);

  it("a translation off by 2e-4 relative still fails: only the order is forgiven", async () => {
    const rep = await verifyAgainstSpec(r, r.source, s, { mutate: (k) => void (k.spec.source = k.spec.source.replace("0.5f", "0.5001f")) });
    expect(rep.ok).toBe(false);
    // within the 1e-3 that sends it to the second comparison, and failed there
    const failed = rep.results.find((x) => x.buffer === "acc" && !x.comparison.ok)!;
    expect(failed.comparison.maxRelDiff).toBeLessThan(1e-3);
    expect(failed.comparison.maxRelDiff).toBeGreaterThan(1e-5);
  }, 60_000);
});
