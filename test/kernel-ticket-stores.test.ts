/**
 * Issue 14, llm.c's layernorm_backward_kernel5/9/10 and llmc's kernel10: a float scratchpad that every threadgroup
 * stores its own part into plainly (`scratch_dbias[i + C * blockIdx.x] = ...`, `store128(scratch_dbias + i + 2 * C *
 * blockIdx.x, ...)` after `scratch += 32`), whose ticket counts in a word of it seen as unsigned int, and which only
 * the last threadgroup to take a ticket reads (passes/kernel/hand-over.ts takingStore): each store takes its element
 * over from the caller's array first, as each atomic and read does, so the wrapper keeps what the store wrote.
 * Verified with the threadgroups in both orders, the scratchpad cleared by the host or left holding the caller's values.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";
import { spec, translatesAndVerifies, verifies, PACKED128_CUDA } from "./kernel-spec-helpers.js";

// kernel5, reduced: each threadgroup's part stored through a local pointer, the ticket's word after the parts
const parts = `__global__ void parts(const float* x, float* out, float* scratch, int C) {
  __shared__ unsigned int ticket;
  float* part = scratch;
  for (int i = threadIdx.x; i < C; i += blockDim.x) part[i + C * blockIdx.x] = x[blockIdx.x * C + i] * 2.0f;
  __threadfence();
  __syncthreads();
  unsigned int* scratchFlag = (unsigned int*)(scratch + C * gridDim.x);
  if (threadIdx.x == 0) ticket = atomicAdd(scratchFlag, 1);
  __syncthreads();
  if (ticket == gridDim.x - 1) {
    for (int i = threadIdx.x; i < C; i += blockDim.x) {
      float s = 0.0f;
      for (int j = 0; j < gridDim.x; j++) s += part[i + j * C];
      out[i] = s;
    }
  }
}
`;

const packed = PACKED128_CUDA;

// kernel10, reduced: the ticket's word at the start, the parameter moved a cache line past it, 128-bit parts
const packedParts = `${packed}
__global__ void packed_parts(const float* x, float* out, float* scratch, int C) {
  __shared__ unsigned int ticket;
  unsigned int* scratchFlag = (unsigned int*)(scratch);
  scratch += 32;
  float* part = scratch;
  for (int i = threadIdx.x * f128::size; i < C; i += blockDim.x * f128::size) {
    f128 v = load128(x + blockIdx.x * C + i);
    for (int k = 0; k < f128::size; k++) v[k] = v[k] + 1.0f;
    store128(part + i + C * blockIdx.x, v);
  }
  __syncthreads();
  if (threadIdx.x == 0) ticket = atomicInc(scratchFlag, gridDim.x);
  __syncthreads();
  if (ticket == gridDim.x - 1) {
    for (int i = threadIdx.x * f128::size; i < C; i += blockDim.x * f128::size) {
      f128 acc;
      for (int k = 0; k < f128::size; k++) acc[k] = 0.0f;
      for (int j = 0; j < gridDim.x; j++) {
        f128 p = load128(part + i + j * C);
        for (int k = 0; k < f128::size; k++) acc[k] += p[k];
      }
      store128(out + i, acc);
    }
  }
}
`;

const partsSpec = (name: string, scratch: string, fill?: number) =>
  spec(
    name,
    [{ C: 40 }, { C: 8 }],
    [
      { name: "x", dtype: "float32", count: "4 * C", role: "input" },
      { name: "out", dtype: "float32", count: "C", role: "output" },
      // the host clears the scratchpad, counter included, as llm.c's launchers do; or leaves the caller's values
      { name: "scratch", dtype: "float32", count: scratch, role: "inout", ...(fill === undefined ? {} : { fill }) },
    ],
    [{ kernel: name, grid: [4, 1, 1], block: [8, 1, 1], args: [{ buffer: "x" }, { buffer: "out" }, { buffer: "scratch" }, { scalar: "C", type: "int" }] }],
  );
// 'out' is a fresh output (C2M-K058: the kernel has atomic outputs), its unwritten elements 0: with the counter
// left at the caller's value no threadgroup is the last and nothing writes it, so both sides start it at 0
const partsSpecZeroOut = (name: string, scratch: string, fill?: number) => ({ ...partsSpec(name, scratch, fill), zeroOutputs: true });

describe("a ticket scratchpad each threadgroup stores its own part into plainly", () => {
  it("kernel5's stores (a local pointer, an index naming the threadgroup) take their elements over: verified in both orders", async () => {
    const s = partsSpec("parts", "4 * C + 1", 0);
    const r = await translatesAndVerifies(parts, s);
    const rep = await verifies(r, s);
    expect(rep.lines.filter((l) => /^ok .*threadgroups last to first/.test(l)).length).toBeGreaterThan(0);
    const src = r.kernels[0]!.spec.source;
    expect(src).toContain(
      "atomic_store_explicit(c2m_atomic_take(&part[i + C * threadgroup_position_in_grid.x], scratch, scratch_touched, scratch_in), x[threadgroup_position_in_grid.x * C + i] * 2.0f, memory_order_relaxed)",
    );
    expect(src).toContain("atomic_load_explicit(c2m_atomic_take(&part[i + j * C], scratch, scratch_touched, scratch_in), memory_order_relaxed)");
    expect(r.python).toMatch(/scratch: each threadgroup's part stored, then updated with atomics and read by the last threadgroup/);
    // the CUDA twin (mx.fast.cuda_kernel) takes the stored element over too
    expect(r.python).toContain("(*c2m_atomic_take(&part[i + C * blockIdx.x], scratch, (unsigned*)scratch_touched, scratch_in)) = x[blockIdx.x * C + i] * 2.0f;");
  }, 180_000);

  it("with the caller's values left in the scratchpad, the parts stored are what comes back (the wrapper does not put the caller's back)", async () => {
    const s = partsSpecZeroOut("parts", "4 * C + 1");
    const r = compileKernels(parts, { filename: s.file });
    const rep = await verifyAgainstSpec(r, parts, s, {});
    expect(rep.lines.filter((l) => l.startsWith("FAIL"))).toEqual([]);
    expect(rep.lines.filter((l) => /^ok .* scratch /.test(l)).length).toBeGreaterThanOrEqual(4);
  }, 180_000);

  it("kernel10's 128-bit stores after 'scratch += 32', the ticket by atomicInc on the word before: each element of the 16 bytes taken over, verified in both orders", async () => {
    for (const fill of [0, undefined]) {
      const s = partsSpecZeroOut("packed_parts", "32 + 4 * C", fill);
      const r = fill === 0 ? await translatesAndVerifies(packedParts, s) : compileKernels(packedParts, { filename: s.file });
      const rep = await verifies(r, s);
      if (fill === 0) expect(rep.lines.filter((l) => /^ok .*threadgroups last to first/.test(l)).length).toBeGreaterThan(0);
      const src = r.kernels[0]!.spec.source;
      expect(src).toContain("(scratch += 32, scratch_in += 32, scratch_touched += 32);");
      expect(src).toContain("store128(c2m_atomic_take128(part + i + C * threadgroup_position_in_grid.x, scratch, scratch_touched, scratch_in), v);");
      expect(src).toContain("load128(c2m_atomic_take128(part + i + j * C, scratch, scratch_touched, scratch_in))");
      expect(src).toContain("c2m_atomic_inc(c2m_atomic_take(scratchFlag, scratch, scratch_touched, scratch_in), uint(threadgroups_per_grid.x))");
    }
  }, 360_000);
});

describe("a store the take-over does not carry keeps the scratchpad refused (C2M-K007), naming the store", () => {
  it.each([
    ["every threadgroup stores the same element", (s: string) => s.replace("  __threadfence();", "  if (threadIdx.x == 0) scratch[0] = 1.0f;\n  __threadfence();"), "scratch[0]"],
    ["a compound assignment at the threadgroup's part", (s: string) => s.replace("part[i + C * blockIdx.x] = x", "part[i + C * blockIdx.x] += x"), "part[i + C * blockIdx.x]"],
    ["a store at an index not naming the threadgroup", (s: string) => s.replace("part[i + C * blockIdx.x] = x", "part[i + C * threadIdx.y] = x"), "part[i + C * threadIdx.y]"],
  ] as const)("%s", (name, edit, store) => {
    const src = edit(parts);
    expect(src).not.toBe(parts);
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K007"]);
    const msg = r.refused[0]!.diagnostic.message;
    expect(msg).toContain(`'${store}'`);
    // a read-modify-write is a plain read outside the hand-over: the ticket's counter refusal names it
    if (!name.startsWith("a compound"))
      expect(msg).toMatch(/other than as a threadgroup's own part .* so c2m cannot show that no other threadgroup's atomic or store reaches the element meanwhile/);
  });
});
