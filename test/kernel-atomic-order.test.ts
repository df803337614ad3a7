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
    // a small difference, and the second comparison (in the translation's order) failed too
    const failed = rep.results.find((x) => x.buffer === "acc" && !x.comparison.ok)!;
    expect(failed.comparison.maxRelDiff).toBeLessThan(1e-3);
    expect(failed.comparison.maxRelDiff).toBeGreaterThan(1e-5);
  }, 60_000);

  // every increment is below half the float step of the starting value in [1, 2): added to it first (the
  // original) each rounds away, summed from zero first (the translation) they add up to 3e-3
  const tiny = `__global__ void tiny_sum(float* acc, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) atomicAdd(acc, 5e-8f);
}
`;
  const ts = spec(
    "tiny_sum",
    [{ n: 65536 }],
    [{ name: "acc", dtype: "float32", count: 1, role: "inout", domain: [1, 2] }],
    [{ kernel: "tiny_sum", grid: ["cdiv(n, 256)", 1, 1], block: [256, 1, 1], args: [{ buffer: "acc" }, { scalar: "n", type: "int" }] }],
  );

  it("forgives the order however far it moves the sum: increments that round away against the starting value", async () => {
    const t = compileKernels(tiny, { filename: "tiny_sum.cu" });
    const rep = await verifies(t, ts);
    const line = rep.lines.find((l) => l.includes("acc (metal)"))!;
    expect(line).toMatch(/float atomicAdd: the original summed in the translation's order/);
  }, 60_000);

  it("a translation adding a different amount still fails there", async () => {
    const t = compileKernels(tiny, { filename: "tiny_sum.cu" });
    const rep = await verifyAgainstSpec(t, t.source, ts, { mutate: (k) => void (k.spec.source = k.spec.source.replace("5e-8f", "6e-8f")) });
    expect(rep.ok).toBe(false);
  }, 60_000);
});
