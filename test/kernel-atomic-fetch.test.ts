/**
 * Two things about atomics whose returned value a kernel uses (torch-ngp's raymarching:
 * `point_index = atomicAdd(counter, num_steps)` picks where each ray writes its samples):
 * - the translation's atomic output starts from the op's identity, so the value an atomic returns counts
 *   from there; the element's true old value folds in the caller's element (BufferPlan.foldsFetched), in
 *   the Metal body and in the mx.fast.cuda_kernel body alike;
 * - where the original itself writes other values when its threads run in another order (threads racing
 *   on one element), verify says the buffer is order-dependent and compares nothing there, rather than
 *   calling one run of the original the answer.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";
import { resultUsed } from "../passes/kernel/cst.js";
import { parseCuda } from "../grammar/cuda.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

// each thread claims `len[i]` slots of `out` from a counter the caller set (not zero), and an or-mask's old bits
const claim = `__global__ void claim(const int* len, int* counter, unsigned* mask, int* out, int* where, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int at = atomicAdd(counter, len[i]);
  where[i] = at;
  unsigned before = atomicOr(&mask[i & 3], 1u << (i & 31));
  where[n + i] = (int)(before & 1u);
  atomicAdd(counter + 1, 1);
  for (int k = 0; k < len[i]; k++) out[(at + k) % 4096] = i;
}
`;
const claimSpec = spec(
  "claim",
  [{ n: 300 }],
  [
    { name: "len", dtype: "int32", count: "n", role: "input", range: 4 },
    { name: "counter", dtype: "int32", count: 2, role: "inout", range: 100 },
    { name: "mask", dtype: "uint32", count: 4, role: "inout", range: 8 },
    { name: "out", dtype: "int32", count: 4096, role: "output" },
    { name: "where", dtype: "int32", count: "2 * n", role: "output" },
  ],
  [
    {
      kernel: "claim",
      grid: ["cdiv(n, 64)", 1, 1],
      block: [64, 1, 1],
      args: [{ buffer: "len" }, { buffer: "counter" }, { buffer: "mask" }, { buffer: "out" }, { buffer: "where" }, { scalar: "n", type: "int" }],
    },
  ],
);

describe("the value an atomic returns, on a buffer that starts from the op's identity", () => {
  it("tells a used result from a statement of its own", () => {
    const tree = parseCuda("void f(int* c) { int a = atomicAdd(c, 1); atomicAdd(c, 2); (void)atomicAdd(c, 3); g(atomicAdd(c, 4)); }");
    const calls: { text: string; used: boolean }[] = [];
    const visit = (n: typeof tree.rootNode) => {
      if (n.type === "call_expression" && n.text.startsWith("atomicAdd")) calls.push({ text: n.text, used: resultUsed(n) });
      for (const c of n.namedChildren) visit(c);
    };
    visit(tree.rootNode);
    expect(calls.map((c) => c.used)).toEqual([true, false, false, true]);
  });

  it("folds the caller's element into each returned value, and verifies against a counter that does not start at 0", async () => {
    // out, written only at slots an atomic counter picks in a kernel with atomic outputs, is a fresh output (C2M-K058):
    // its unclaimed slots are 0 where CUDA keeps the caller's, so this comparison starts outputs at 0, that warning's rule
    const r = await translatesAndVerifies(claim, { ...claimSpec, zeroOutputs: true });
    expect(r.diagnostics.filter((d) => d.code === "C2M-K058").map((d) => d.message)).toEqual([expect.stringMatching(/^buffer 'out' of kernel 'claim' is only written/)]);
    const k = r.kernels.find((x) => x.name === "claim")!;
    expect(k.spec.input_names).toContain("counter_in");
    expect(k.spec.input_names).toContain("mask_in");
    expect(k.spec.source).toMatch(/counter_in\[\(counter\) - counter_base\] \+ atomic_fetch_add_explicit/);
    // the statement whose value nobody reads is left alone
    expect(k.spec.source).toMatch(/^atomic_fetch_add_explicit\(counter \+ 1, 1/m);
    expect(k.cuda.source).toMatch(/counter_in\[\(counter\) - counter_base\] \+ atomicAdd\(counter, len\[i\]\)/);
    expect(r.python).toMatch(/inputs=\[len, counter, mask, /);
  }, 120_000);

  it("a kernel that never reads the returned value passes no copy of the caller's array", () => {
    const r = compileKernels(`__global__ void hist(const int* x, int* h, int n) { int i = threadIdx.x; if (i < n) atomicAdd(&h[x[i] & 7], 1); }`, { filename: "hist.cu" });
    expect(r.kernels[0]!.spec.input_names).toEqual(["x", "n"]);
  });
});

describe("an output the original itself writes differently in another thread order", () => {
  // every thread writes its index to one element: the last to run wins
  const race = `__global__ void last_wins(int* out, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) out[0] = i; }`;
  const s = spec(
    "last_wins",
    [{ n: 64 }],
    [{ name: "out", dtype: "int32", count: 1, role: "output" }],
    [{ kernel: "last_wins", grid: [1, 1, 1], block: [64, 1, 1], args: [{ buffer: "out" }, { scalar: "n", type: "int" }] }],
  );

  it("is reported order-dependent and not compared, where a comparison fails", async () => {
    const r = compileKernels(race, { filename: "last_wins.cu" });
    // the translation made to disagree with the original's own order
    const rep = await verifyAgainstSpec(r, r.source, s, { mutate: (k) => void (k.spec.source = k.spec.source.replace("= i;", "= n - 1 - i;")) });
    expect(rep.ok).toBe(false);
    const bad = rep.results.filter((x) => !x.comparison.ok);
    expect(bad.length).toBeGreaterThan(0);
    expect(bad.every((x) => x.orderDependent)).toBe(true);
    expect(rep.lines.join("\n")).toMatch(/out: order-dependent: the CUDA original itself writes other values/);
  }, 60_000);

  it("a wrong value in an order-independent buffer is still a plain failure", async () => {
    const src = `__global__ void twice(const int* x, int* y, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) y[i] = 2 * x[i]; }`;
    const t = spec(
      "twice",
      [{ n: 64 }],
      [
        { name: "x", dtype: "int32", count: "n", role: "input", range: 100 },
        { name: "y", dtype: "int32", count: "n", role: "output" },
      ],
      [{ kernel: "twice", grid: [1, 1, 1], block: [64, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
    );
    const r = compileKernels(src, { filename: "twice.cu" });
    const rep = await verifyAgainstSpec(r, r.source, t, { mutate: (k) => void (k.spec.source = k.spec.source.replace("2 * x[i]", "3 * x[i]")) });
    expect(rep.ok).toBe(false);
    expect(rep.results.some((x) => !x.comparison.ok && !x.orderDependent)).toBe(true);
  }, 60_000);
});
