/**
 * Threadgroups handing work over within one launch (passes/kernel/hand-over.ts):
 * - the last-arriver hand-over (cuda-samples' threadFenceReduction, llm.c's layernorm_backward): every
 *   threadgroup writes its part, fences, takes an atomic ticket, and only the last to arrive reads all the
 *   parts. No threadgroup waits, so Metal runs it: the parts buffer becomes an atomic output (device-scope
 *   atomic loads and stores) and __threadfence becomes atomic_thread_fence (MSL 3.2);
 * - a threadgroup spinning until another one writes (a hand-rolled grid barrier, decoupled look-back) is
 *   refused with C2M-K046: Metal gives no forward-progress guarantee between threadgroups.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies, verifies } from "./kernel-spec-helpers.js";

const lastSum = `__global__ void last_sum(const float* x, float* part, float* out, unsigned int* count, int n) {
  __shared__ float s[64];
  __shared__ bool amLast;
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  s[threadIdx.x] = i < n ? x[i] : 0.0f;
  __syncthreads();
  for (int k = 32; k > 0; k >>= 1) {
    if (threadIdx.x < k) s[threadIdx.x] += s[threadIdx.x + k];
    __syncthreads();
  }
  if (threadIdx.x == 0) part[blockIdx.x] = s[0];
  __threadfence();
  if (threadIdx.x == 0) {
    unsigned int ticket = atomicAdd(count, 1);
    amLast = (ticket == gridDim.x - 1);
  }
  __syncthreads();
  if (amLast && threadIdx.x == 0) {
    float t = 0.0f;
    for (int j = 0; j < gridDim.x; j++) t += part[j];
    out[0] = t;
  }
}
`;
const lastSumSpec = spec(
  "last_sum",
  [{ n: 300 }, { n: 1000 }],
  [
    { name: "x", dtype: "float32", count: "n", role: "input" },
    { name: "part", dtype: "float32", count: "cdiv(n, 64)", role: "output" },
    { name: "out", dtype: "float32", count: 1, role: "output" },
    // the host clears the counter before the launch, as threadFenceReduction's and llm.c's do
    { name: "count", dtype: "uint32", count: 1, role: "inout", range: 1 },
  ],
  [
    {
      kernel: "last_sum",
      grid: ["cdiv(n, 64)", 1, 1],
      block: [64, 1, 1],
      args: [{ buffer: "x" }, { buffer: "part" }, { buffer: "out" }, { buffer: "count" }, { scalar: "n", type: "int" }],
    },
  ],
);

const kernel = (body: string) => `__global__ void k(const float* x, float* y, int* flags, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
${body}
}
`;

describe("grid-level hand-over between threadgroups", () => {
  it("the last threadgroup to take a ticket reads every threadgroup's part: atomic loads and stores after a device-scope fence, verified", async () => {
    const r = await translatesAndVerifies(lastSum, lastSumSpec);
    // the emulator runs threadgroups one after another: verify also runs them last to first, so another one is last
    const rep = await verifies(r, lastSumSpec);
    expect(rep.lines.filter((l) => /^ok .*threadgroups last to first/.test(l))).toHaveLength(2 * 3);
    const src = r.kernels[0]!.spec.source;
    expect(src).toContain("atomic_store_explicit(&part[threadgroup_position_in_grid.x], s[0], memory_order_relaxed);");
    expect(src).toContain("atomic_thread_fence(mem_flags::mem_device, memory_order_seq_cst, thread_scope_device);");
    expect(src).toContain("t += atomic_load_explicit(&part[j], memory_order_relaxed);");
    expect(r.python).toContain("atomic_outputs=True");
    expect(r.python).toMatch(/part: written by every threadgroup and read by the last one to take the atomic ticket/);
    expect(r.diagnostics.filter((d) => d.code === "C2M-K046")).toEqual([]);
  }, 120_000);

  it("the group-order run catches a hand-over that depends on which threadgroup is last", async () => {
    // planted: the last threadgroup is taken to be the grid's last one, not the last to take a ticket
    const r = compileKernels(lastSum, { filename: "last_sum.cu" });
    const { verifyAgainstSpec } = await import("../src/kernel/verify.js");
    const rep = await verifyAgainstSpec(r, lastSum, lastSumSpec, {
      mutate: (k) => {
        k.spec.source = k.spec.source.replace(
          "amLast && thread_position_in_threadgroup.x == 0",
          "threadgroup_position_in_grid.x == threadgroups_per_grid.x - 1 && thread_position_in_threadgroup.x == 0",
        );
      },
    });
    expect(rep.ok).toBe(false);
    expect(rep.lines.filter((l) => /^FAIL .*threadgroups last to first/.test(l)).length).toBeGreaterThan(0);
  }, 120_000);

  // threadFenceReduction's reduceBlocks stores the threadgroup's part itself: `if (tid == 0) g_odata[blockIdx.x] = sdata[0];`
  const viaHelper = (index: string) =>
    lastSum
      .replace("__global__ void last_sum", `__device__ void put(float* p, float v) {\n  if (threadIdx.x == 0) p[${index}] = v;\n}\n__global__ void last_sum`)
      .replace("if (threadIdx.x == 0) part[blockIdx.x] = s[0];", "put(part, s[0]);");

  it("a part stored by a device function at an index naming the threadgroup is handed over: atomic stores there too, verified in both orders", async () => {
    const r = await translatesAndVerifies(viaHelper("blockIdx.x"), lastSumSpec);
    const rep = await verifies(r, lastSumSpec);
    expect(rep.lines.filter((l) => /^ok .*threadgroups last to first/.test(l))).toHaveLength(2 * 3);
    expect(r.kernels[0]!.spec.header).toContain("atomic_store_explicit(&p[threadgroup_position_in_grid.x], v, memory_order_relaxed);");
  }, 120_000);

  it("a device function storing the part at another index is not a hand-over (C2M-K007)", () => {
    const r = compileKernels(viaHelper("n % 4").replace("float v)", "float v, int n)").replace("put(part, s[0]);", "put(part, s[0], n);"), { filename: "case.cu" });
    expect(r.refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K007"]);
    expect(r.refused[0]!.diagnostic.message).toMatch(/c2m does not see that each threadgroup writes its own part/);
  });

  it("parts not written at an index naming the threadgroup are not a hand-over: the last one could read the caller's elements", () => {
    const src = lastSum.replace("part[blockIdx.x] = s[0];", "part[n % 4] = s[0];");
    const r = compileKernels(src, { filename: "case.cu" });
    expect(r.refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K007"]);
    expect(r.refused[0]!.diagnostic.message).toMatch(/c2m does not see that each threadgroup writes its own part before it \('part\[n % 4\]' \(line 11\)/);
  });

  // threadFenceReduction: `atomicInc(&retirementCount, gridDim.x)`, and the last threadgroup resets it (`retirementCount = 0`)
  const incReset = lastSum.replace("atomicAdd(count, 1)", "atomicInc(count, gridDim.x)").replace("out[0] = t;", "out[0] = t;\n    count[0] = 0;");
  it("a ticket counter counted by atomicInc and reset by the last threadgroup is held as its offset from the caller's value: verified in both orders", async () => {
    const s = { ...lastSumSpec, buffers: lastSumSpec.buffers.map((b) => (b.name === "count" ? { ...b, range: undefined, fill: 0 } : b)) };
    const r = await translatesAndVerifies(incReset, s);
    const rep = await verifies(r, s);
    expect(rep.lines.filter((l) => /^ok .*count .*threadgroups last to first/.test(l))).toHaveLength(2);
    const src = r.kernels[0]!.spec.source;
    expect(src).toContain("c2m_atomic_inc_from(count, uint(threadgroups_per_grid.x), count_in[(count) - count_base])");
    expect(src).toContain("atomic_store_explicit(&count[0], (0) - count_in[0], memory_order_relaxed);");
    expect(r.python).toMatch(/count: updated with atomic add; the output starts at the identity and count is folded in afterwards/);
  }, 180_000);

  it("the offset counter is exact whatever the caller's value (7: no threadgroup sees the last ticket, the counter wraps at gridDim)", async () => {
    const s = { ...lastSumSpec, buffers: lastSumSpec.buffers.map((b) => (b.name === "count" ? { ...b, range: undefined, fill: 7 } : b)) };
    const r = compileKernels(incReset, { filename: s.file });
    const { verifyAgainstSpec } = await import("../src/kernel/verify.js");
    const rep = await verifyAgainstSpec(r, incReset, s, {});
    // the original's 'last' threadgroup is then not the last to arrive, so its sum depends on the order, in CUDA too;
    // the counter itself agrees in every run
    const counts = rep.lines.filter((l) => / count[ :]/.test(l) && /^(ok|FAIL)/.test(l));
    expect(counts.length).toBeGreaterThanOrEqual(6);
    expect(counts.filter((l) => l.startsWith("FAIL"))).toEqual([]);
  }, 180_000);

  it("a ticket counter c2m cannot hold as an offset (a float counter reset by the last threadgroup) is a gap of c2m's (C2M-K007), not Metal's missing grid order", () => {
    const src = lastSum
      .replace("unsigned int* count", "float* count")
      .replace("atomicAdd(count, 1)", "atomicAdd(count, 1.0f)")
      .replace("out[0] = t;", "out[0] = t;\n    count[0] = 0.0f;");
    const r = compileKernels(src, { filename: "case.cu" });
    const d = r.diagnostics.filter((x) => x.code === "C2M-K007" || x.code === "C2M-K046");
    expect(d.map((x) => x.code)).toEqual(["C2M-K007"]);
    expect(d[0]!.message).toMatch(/buffer 'count' .* it counts the tickets of a last-arriver hand-over \('atomicAdd\(count, 1\.0f\)' \(line 14\)\), which Metal expresses/);
    expect(d[0]!.message).toMatch(/a store without atomics \('count\[0\]' \(line 22\)\) would have the caller's value added/);
  });

  it("a read across threadgroups with no ticket before it stays refused (C2M-K046)", () => {
    const src = lastSum.replace("if (amLast && threadIdx.x == 0)", "if (threadIdx.x == 0)");
    const r = compileKernels(src, { filename: "case.cu" });
    expect(r.diagnostics.find((d) => d.code === "C2M-K046")?.message).toMatch(/'part\[j\]' \(line 20\) reads, in one threadgroup, the elements of every threadgroup/);
  });

  for (const [name, body] of [
    ["an atomic read in the loop's condition", `  if (threadIdx.x == 0) atomicAdd(&flags[0], 1);\n  while (atomicAdd(&flags[0], 0) < gridDim.x) {}\n  if (i < n) y[i] = x[i];`],
    [
      "a plain read of another threadgroup's flag",
      `  if (blockIdx.x > 0) while (flags[blockIdx.x - 1] == 0) {}\n  if (i < n) y[i] = x[i];\n  if (threadIdx.x == 0) flags[blockIdx.x] = 1;`,
    ],
    [
      "a do-while on a value loaded in its body",
      `  if (threadIdx.x == 0) atomicAdd(&flags[0], 1);\n  int seen;\n  do { seen = atomicOr(&flags[0], 0); } while (seen < gridDim.x);\n  if (i < n) y[i] = x[i];`,
    ],
  ] as const)
    it(`a threadgroup spinning until others write is refused with C2M-K046: ${name}`, () => {
      const src = kernel(body);
      const r = compileKernels(src, { filename: "case.cu" });
      const d = r.diagnostics.find((x) => x.code === "C2M-K046");
      expect(d, JSON.stringify(r.diagnostics.map((x) => x.code))).toBeDefined();
      expect(d!.message).toMatch(/threadgroups waiting on each other: Metal gives no forward-progress guarantee between threadgroups/);
      expect(src.split("\n")[d!.line - 1]).toMatch(/while/);
      expect(r.refused.map((x) => x.name)).toContain("k");
    });

  it("a compare-exchange loop retries its own update: not a spin-wait", () => {
    const src = kernel(
      `  if (i >= n) return;\n  int old = flags[0], assumed;\n  do { assumed = old; old = atomicCAS(&flags[0], assumed, max(assumed, (int)x[i])); } while (assumed != old);`,
    );
    const r = compileKernels(src, { filename: "case.cu" });
    expect(r.diagnostics.filter((d) => /waits until/.test(d.message))).toEqual([]);
  });
});
