/**
 * Issue 14, llm.c's layernorm_backward kernels 4–10 (and llmc's kernel10):
 * - a warp walk over rows (`for (bt = blockIdx.x * warpsInBlock + warpId; ...; bt += gridDim.x * warpsInBlock)`)
 *   whose warp count is spelled through a macro and a local (`#define WARP_SIZE 32U`, `int BLOCK_SIZE = blockDim.x;
 *   warpsInBlock = BLOCK_SIZE / WARP_SIZE`) steps over every warp of the grid, as `blockDim.x / 32` does
 *   (passes/kernel/walk-apart.ts): each warp keeps its own rows, so the in-place buffer is translated and verified;
 * - a compare-exchange loop that only adds a packed bf16 pair (kernel4: `atomicCAS` on the 32-bit word of two bf16,
 *   the desired word the expected one reinterpreted plus a pair) is the atomicAdd it is (passes/kernel/cas-add.ts):
 *   an atomic output of 32-bit words added by compare-exchange in Metal, verified against the original loop;
 * - a float scratchpad that every threadgroup adds its partial sums into, whose word after the sums is the ticket
 *   counter (kernel6/7: `unsigned int* scratchFlag = (unsigned int*)(scratch + 2 * C)`, `atomicAdd(scratchFlag, 1)`),
 *   read plainly only by the last threadgroup to take a ticket (passes/kernel/buffer-plans.ts): each atomic, the
 *   ticket's on the reinterpreted word included, takes its element over from the caller's array first, so sums and
 *   ticket count from the caller's values as in CUDA; verified with the threadgroups in both orders.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies, verifies } from "./kernel-spec-helpers.js";

const warpRows = (warps: string) => `#define WARP_SIZE 32U
__global__ void rows(float* dinp, const float* x, int N, int C) {
  ${warps}
  int warpId = threadIdx.x / WARP_SIZE;
  int lane = threadIdx.x % WARP_SIZE;
  int baseIdx = blockIdx.x * warpsInBlock + warpId;
  int warpsInGrid = gridDim.x * warpsInBlock;
  for (int bt = baseIdx; bt < N; bt += warpsInGrid) {
    float* dinp_bt = dinp + bt * C;
    for (int c = lane; c < C; c += WARP_SIZE) dinp_bt[c] = dinp_bt[c] + x[bt * C + c];
  }
}
`;
const rowsSpec = spec(
  "rows",
  [{ N: 13, C: 40 }],
  [
    { name: "dinp", dtype: "float32", count: "N * C", role: "inout" },
    { name: "x", dtype: "float32", count: "N * C", role: "input" },
  ],
  [{ kernel: "rows", grid: [2, 1, 1], block: [64, 1, 1], args: [{ buffer: "dinp" }, { buffer: "x" }, { scalar: "N", type: "int" }, { scalar: "C", type: "int" }] }],
);

describe("a warp walk over rows whose warp count goes through a macro and a local", () => {
  it("BLOCK_SIZE = blockDim.x, warpsInBlock = BLOCK_SIZE / WARP_SIZE (llm.c's kernel9/10): translated, verified", async () => {
    await translatesAndVerifies(warpRows("int BLOCK_SIZE = blockDim.x;\n  int warpsInBlock = BLOCK_SIZE / WARP_SIZE;"), rowsSpec);
  }, 120_000);

  it("warpsInBlock = blockDim.x / WARP_SIZE: translated", () => {
    const r = compileKernels(warpRows("int warpsInBlock = blockDim.x / WARP_SIZE;"), { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("a step of half the warps still meets another warp's rows (C2M-K007)", () => {
    const src = warpRows("int warpsInBlock = blockDim.x / WARP_SIZE;").replace("int warpsInGrid = gridDim.x * warpsInBlock;", "int warpsInGrid = gridDim.x * warpsInBlock - 1;");
    const why = compileKernels(src, { filename: "k.cu" }).diagnostics.find((d) => d.code === "C2M-K007")?.message;
    expect(why).toMatch(/moves with the loop counter 'bt'/);
  });

  it("a macro that is not the warp's size does not count the warps (#define WARP_SIZE 16U)", () => {
    const src = warpRows("int warpsInBlock = blockDim.x / WARP_SIZE;").replace("#define WARP_SIZE 32U", "#define WARP_SIZE 16U");
    const why = compileKernels(src, { filename: "k.cu" }).diagnostics.find((d) => d.code === "C2M-K007")?.message;
    expect(why).toMatch(/moves with the loop counter 'bt'/);
  });
});

// llm.c's layernorm_backward_kernel4, reduced: every threadgroup adds its pair into the same words
const casPairs = `#include <cuda_bf16.h>
__global__ void cas_pairs(__nv_bfloat16* dbias, const float* x, int C) {
  __nv_bfloat162* dbiasVec2 = reinterpret_cast<__nv_bfloat162*>(dbias);
  for (int i = threadIdx.x; i < C / 2; i += blockDim.x) {
    __nv_bfloat162 add_dbias = __halves2bfloat162((__nv_bfloat16)x[blockIdx.x * C + i * 2], (__nv_bfloat16)x[blockIdx.x * C + i * 2 + 1]);
    __nv_bfloat162 current_dbias = __ldcg(&dbiasVec2[i]);
    __nv_bfloat162 new_dbias = add_dbias + current_dbias;
    unsigned int current_dbias32b = *reinterpret_cast<unsigned int*>(&current_dbias);
    unsigned int new_dbias32b = *reinterpret_cast<unsigned int*>(&new_dbias);
    unsigned int old_dbias32b = atomicCAS((unsigned int*)&dbiasVec2[i], current_dbias32b, new_dbias32b);
    while (old_dbias32b != current_dbias32b) {
      current_dbias32b = old_dbias32b;
      new_dbias = *reinterpret_cast<__nv_bfloat162*>(&current_dbias32b) + add_dbias;
      new_dbias32b = *reinterpret_cast<unsigned int*>(&new_dbias);
      old_dbias32b = atomicCAS((unsigned int*)&dbiasVec2[i], current_dbias32b, new_dbias32b);
    }
  }
}
`;
const casSpec = spec(
  "cas_pairs",
  [{ C: 64 }, { C: 18 }],
  [
    // small values: the caller's element is added after the launch, as for any atomicAdd output, which in bf16
    // rounds as CUDA's own order of the threadgroups' adds may
    { name: "dbias", dtype: "bfloat16", count: "C", role: "inout", range: 0 },
    { name: "x", dtype: "float32", count: "3 * C", role: "input", range: 1 },
  ],
  [{ kernel: "cas_pairs", grid: [3, 1, 1], block: [16, 1, 1], args: [{ buffer: "dbias" }, { buffer: "x" }, { scalar: "C", type: "int" }] }],
);

describe("a compare-exchange loop that only adds a packed bf16 pair", () => {
  it("kernel4's loop is an atomicAdd on the pair: 32-bit words added by compare-exchange in Metal, verified against the loop", async () => {
    const r = await translatesAndVerifies(casPairs, casSpec);
    const src = r.kernels[0]!.spec.source;
    expect(src).toContain("atomic_fetch_add_explicit(&dbiasVec2[i], add_dbias, memory_order_relaxed);");
    expect(src).not.toMatch(/c2m_atomic_cas|current_dbias/);
    // every line stays where it was: the diagnostics and the line map need no other shift
    expect(src.split("\n").length).toBeGreaterThan(12);
    expect(r.python).toMatch(/dbias: updated with atomic add/);
  }, 120_000);

  it("the do-while form, seeded by a plain read of the word, is lowered too", () => {
    const src = casPairs.replace(
      /    __nv_bfloat162 current_dbias[\s\S]*?\n    }\n  }/,
      `    unsigned int* w = (unsigned int*)&dbiasVec2[i];
    unsigned int old_dbias32b = *w, current_dbias32b;
    __nv_bfloat162 new_dbias;
    unsigned int new_dbias32b;
    do {
      current_dbias32b = old_dbias32b;
      new_dbias = *reinterpret_cast<__nv_bfloat162*>(&current_dbias32b) + add_dbias;
      new_dbias32b = *reinterpret_cast<unsigned int*>(&new_dbias);
      old_dbias32b = atomicCAS((unsigned int*)&dbiasVec2[i], current_dbias32b, new_dbias32b);
    } while (current_dbias32b != old_dbias32b);
  }`,
    );
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.kernels[0]!.spec.source).toContain("atomic_fetch_add_explicit(&dbiasVec2[i], add_dbias, memory_order_relaxed);");
  });

  it("launched with float for the buffer's type, the pair add stops Metal's compile, naming why (no atomic on a pair inside a 32-bit element)", async () => {
    const src = casPairs.replace("__global__ void cas_pairs(__nv_bfloat16* dbias", "template <typename Tp>\n__global__ void cas_pairs(Tp* dbias");
    const s = {
      ...casSpec,
      buffers: casSpec.buffers.map((b) => (b.name === "dbias" ? { ...b, dtype: "float32" } : b)),
      launches: casSpec.launches.map((l) => ({ ...l, templateArgs: ["float"] })),
    };
    const r = compileKernels(src, { filename: s.file });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const { verifyAgainstSpec } = await import("../src/kernel/verify.js");
    // clang's Metal check reports it, or the emulator's compile of the same Metal throws it
    const why = await verifyAgainstSpec(r, src, s, {}).then(
      (rep) => (rep.ok ? "verified" : JSON.stringify(rep.metalCheck)),
      (e: Error) => e.message,
    );
    expect(why).toMatch(/atomicAdd on a pair of 16-bit floats needs the buffer's element to be a 16-bit float/);
  }, 120_000);

  for (const [name, edit] of [
    ["the exchange multiplies", (s: string) => s.replaceAll("+ add_dbias;", "* add_dbias;").replace("add_dbias + current_dbias", "add_dbias * current_dbias")],
    ["the old value is used after the loop", (s: string) => s.replace("    }\n  }\n}", "    }\n    if (old_dbias32b == 0u) dbias[0] = dbias[1];\n  }\n}")],
    [
      "the addend changes in the loop",
      (s: string) => s.replace("      current_dbias32b = old_dbias32b;", "      current_dbias32b = old_dbias32b;\n      add_dbias = add_dbias + add_dbias;"),
    ],
  ] as const)
    it(`not an add, so not lowered, and refused as before (C2M-K046): ${name}`, () => {
      const src = edit(casPairs);
      expect(src).not.toBe(casPairs);
      const r = compileKernels(src, { filename: "k.cu" });
      expect(r.refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K046"]);
      expect(r.refused[0]!.diagnostic.message).toMatch(/atomic cas/);
    });
});

// llm.c's layernorm_backward_kernel6/7, reduced: float sums and the ticket in one scratchpad
const scratchTicket = `__global__ void sums(const float* x, float* out, float* scratch, int C) {
  __shared__ unsigned int ticket;
  for (int i = threadIdx.x; i < C; i += blockDim.x) atomicAdd(&scratch[i], x[blockIdx.x * C + i]);
  __syncthreads();
  unsigned int* scratchFlag = (unsigned int*)(scratch + C);
  if (threadIdx.x == 0) ticket = atomicAdd(scratchFlag, 1);
  __syncthreads();
  if (ticket == gridDim.x - 1) {
    for (int i = threadIdx.x; i < C; i += blockDim.x) out[i] = scratch[i] * 2.0f;
  }
}
`;
const scratchSpec = (fill?: number) =>
  spec(
    "sums",
    [{ C: 40 }, { C: 7 }],
    [
      { name: "x", dtype: "float32", count: "4 * C", role: "input" },
      { name: "out", dtype: "float32", count: "C", role: "output" },
      // the host clears the scratchpad, counter included, as llm.c's launchers do; or leaves the caller's values
      { name: "scratch", dtype: "float32", count: "C + 1", role: "inout", ...(fill === undefined ? {} : { fill }) },
    ],
    [{ kernel: "sums", grid: [4, 1, 1], block: [16, 1, 1], args: [{ buffer: "x" }, { buffer: "out" }, { buffer: "scratch" }, { scalar: "C", type: "int" }] }],
  );

describe("a float scratchpad whose word after the sums is the ticket counter", () => {
  it("each atomic takes its element over, the ticket's through the word seen as unsigned int: verified in both orders", async () => {
    const s = scratchSpec(0);
    const r = await translatesAndVerifies(scratchTicket, s);
    const rep = await verifies(r, s);
    expect(rep.lines.filter((l) => /^ok .*threadgroups last to first/.test(l)).length).toBeGreaterThan(0);
    const src = r.kernels[0]!.spec.source;
    expect(src).toContain("auto scratchFlag = c2m_cast<atomic<uint>>((scratch + C));");
    expect(src).toContain("atomic_fetch_add_explicit(c2m_atomic_take(scratchFlag, scratch, scratch_touched, scratch_in), 1, memory_order_relaxed)");
    expect(src).toMatch(/atomic_load_explicit\(c2m_atomic_take\(&scratch\[i\], scratch, scratch_touched, scratch_in\), memory_order_relaxed\) \* 2\.0f/);
    expect(r.python).toMatch(/scratch: updated with atomics by every threadgroup and read by the last one to take the atomic ticket/);
  }, 180_000);

  it("the caller's sums and counter are where the atomics start (random scratch: no threadgroup sees the last ticket, as in CUDA)", async () => {
    // out, written only by the last threadgroup in a kernel with atomic outputs, is a fresh output (C2M-K058): where
    // no threadgroup sees the last ticket nothing writes it, and its elements are 0 where CUDA keeps the caller's, so
    // the comparison starts outputs at 0 as that warning's rule gives
    const s = { ...scratchSpec(), zeroOutputs: true };
    const r = compileKernels(scratchTicket, { filename: s.file });
    expect(r.diagnostics.filter((d) => d.code === "C2M-K058").map((d) => d.message)).toEqual([expect.stringMatching(/^buffer 'out' of kernel .* the kernel has atomic outputs/)]);
    const { verifyAgainstSpec } = await import("../src/kernel/verify.js");
    const rep = await verifyAgainstSpec(r, scratchTicket, s, {});
    expect(rep.lines.filter((l) => l.startsWith("FAIL"))).toEqual([]);
    expect(rep.lines.filter((l) => /^ok .* scratch /.test(l)).length).toBeGreaterThanOrEqual(4);
  }, 180_000);

  it("the ticket counted by atomicInc (kernel8-10, llmc's kernel10) wraps on the taken word: verified in both orders", async () => {
    const s = scratchSpec(0);
    const r = await translatesAndVerifies(scratchTicket.replace("atomicAdd(scratchFlag, 1)", "atomicInc(scratchFlag, gridDim.x)"), s);
    const rep = await verifies(r, s);
    expect(rep.lines.filter((l) => /^ok .*threadgroups last to first/.test(l)).length).toBeGreaterThan(0);
    expect(r.kernels[0]!.spec.source).toContain("c2m_atomic_inc(c2m_atomic_take(scratchFlag, scratch, scratch_touched, scratch_in), uint(threadgroups_per_grid.x))");
  }, 180_000);

  it("a plain store every threadgroup makes to one element keeps it refused, naming the store (C2M-K007)", () => {
    const src = scratchTicket.replace("  __syncthreads();\n  unsigned int*", "  if (threadIdx.x == 0) scratch[0] = 1.0f;\n  __syncthreads();\n  unsigned int*");
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K007"]);
    // kernel5/9/10 store each threadgroup's own part, which takes its element over (test/kernel-ticket-stores.test.ts);
    // a store every threadgroup makes to one element does not: the gap named is the store, not the punned ticket
    expect(r.refused[0]!.diagnostic.message).toMatch(/stored to \('scratch\[0\]' \(line 4\)\) other than as a threadgroup's own part/);
  });
});

describe("an in-place index named by several declarations (kernel5's 'i', declared by each of its loops)", () => {
  const src = `__global__ void k(float* y, const float* x, int n) {
  for (int i = threadIdx.x; i < n; i += blockDim.x) y[i] = x[i];
  __syncthreads();
  for (int i = 0; i < 1; i++) { }
  if (blockIdx.x == 0) for (int i = threadIdx.x; i < n; i += blockDim.x) y[i] = y[i] + 1.0f;
}
`;
  it("each access resolved to the declaration it sees (passes/kernel/scoped-defs.ts): loops alike, proved thread-owned", () => {
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.code === "C2M-K007")).toEqual([]);
  });

  it("accesses seeing declarations that differ are refused saying c2m does not follow which declaration the access sees, not that every thread of the grid shares it", () => {
    const differ = src.replace("for (int i = threadIdx.x; i < n; i += blockDim.x) y[i] = x[i];", "for (int i = threadIdx.x * 2; i < n; i += 2 * blockDim.x) y[i] = x[i];");
    const why = compileKernels(differ, { filename: "k.cu" }).diagnostics.find((d) => d.code === "C2M-K007")?.message;
    expect(why).toMatch(/its index 'i' \('y\[i\]' \(line \d\)\) is declared more than once in the kernel/);
    expect(why).not.toMatch(/every thread of the grid updates the same elements/);
  });
});
