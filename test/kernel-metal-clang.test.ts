import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MlxDtype } from "../ir/kernel.js";
import { compileKernels, planKernelCall, type CallArg } from "../src/kernel/index.js";
import { metalCallSpec, metalCalls } from "../src/kernel/verify.js";
import { checkMetalWithClang, type MetalCheckCase } from "../src/verify/metal-check.js";
import { listGoldenSpecs, loadGoldenSource, loadGoldenSpec } from "../src/verify/golden.js";
import { randomKernelArb, randomKernelBuffers } from "../src/verify/random-kernels.js";

/**
 * The emitted Metal, as MLX would hand it to Metal's compiler, compiled by clang against the MSL shim
 * with warnings as errors (src/verify/metal-check.ts): what the g++ emulator accepts but Metal's
 * compiler (a clang) rejects fails here. Needs clang++ (apt-get install clang; .ci/run installs it).
 */

const warpSum = (pragma: string) => `__global__ void warp_sum(const float* x, float* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  float v = i < n ? x[i] : 0.0f;
  ${pragma}
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffff, v, o);
  if (i < n) out[i] = v;
}
`;

/** The clang-check case of a one-kernel file's kernel called on n floats. */
function caseOf(source: string, n = 64, mutate?: (body: string) => string): MetalCheckCase {
  const result = compileKernels(source, { filename: "case.cu" });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const k = structuredClone(result.kernels[0]!);
  if (mutate) k.spec.source = mutate(k.spec.source);
  const args: Record<string, CallArg> = {};
  for (const p of k.params) args[p.name] = p.kind === "buffer" ? { shape: [n], dtype: "float32" } : n;
  const plan = planKernelCall(k, args, { grid: [2, 1, 1], block: [32, 1, 1], sharedMem: 0, template: {} });
  return {
    spec: metalCallSpec(k, plan),
    inputs: plan.inputs.map((i) => (i.scalar ? { name: i.name, dtype: i.scalar.dtype, shape: [] } : { name: i.name, dtype: "float32", shape: [n] })),
  };
}

describe("the Metal clang check", () => {
  it("passes every golden kernel's Metal, as each launch of its spec calls it", async () => {
    const cases = listGoldenSpecs().flatMap((name) => {
      const spec = loadGoldenSpec(name);
      const compiled = compileKernels(loadGoldenSource(spec), { filename: spec.file });
      return metalCalls(compiled, spec, 0);
    });
    expect(cases.length).toBeGreaterThanOrEqual(14);
    const results = await checkMetalWithClang(cases);
    const bad = results.map((r, i) => (r.ok ? "" : `${cases[i]!.spec.name}:\n${r.errors.join("\n")}`)).filter(Boolean);
    expect(bad).toEqual([]);
  }, 120_000);

  it("catches the planted #pragma unroll left in front of a collapsed warp reduction", async () => {
    // the translation before the emitter fix: the pragma kept in front of `v = simd_sum(v);`
    const planted = caseOf(warpSum("#pragma unroll"), 64, (body) => body.replace(/^(v = simd_sum)/m, "#pragma unroll\n$1"));
    expect(planted.spec.source).toMatch(/#pragma unroll\nv = simd_sum\(v\);/);
    const [r] = await checkMetalWithClang([planted]);
    expect(r!.ok).toBe(false);
    expect(r!.errors.join("\n")).toMatch(/expected a for, while, or do-while loop to follow '#pragma unroll'/);
  }, 60_000);

  it("the emitter drops the pragma with the loop it collapses, and keeps it in front of a real loop", async () => {
    const fixed = caseOf(warpSum("#pragma unroll"));
    expect(fixed.spec.source).toContain("v = simd_sum(v);");
    expect(fixed.spec.source).not.toContain("#pragma unroll");
    const kept = caseOf(warpSum("#pragma unroll\n  for (int j = 0; j < 2; ++j) v += 1.0f;\n  #pragma unroll 4"));
    expect(kept.spec.source).toMatch(/#pragma unroll\nfor \(int j = 0; j < 2; \+\+j\) v \+= 1\.0f;\nv = simd_sum\(v\);/);
    const results = await checkMetalWithClang([fixed, kept]);
    expect(results.map((r) => r.errors.join("\n"))).toEqual(["", ""]);
  }, 60_000);

  it("passes a device-scope fence (__threadfence → atomic_thread_fence, MSL 3.2): the shim declares it and thread_scope", async () => {
    const fenced = caseOf(
      `__global__ void k(const float* x, float* y, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) y[i] = x[i];\n  __threadfence();\n}\n`,
    );
    expect(fenced.spec.source).toContain("atomic_thread_fence(mem_flags::mem_device, memory_order_seq_cst, thread_scope_device)");
    const [r] = await checkMetalWithClang([fenced]);
    expect(r!.errors).toEqual([]);
  }, 60_000);

  it("fails Metal that names something undeclared: a type from an include not followed, a cooperative-groups name copied as is", async () => {
    const plain = `__global__ void k(const float* x, float* y, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) y[i] = x[i] * 2.0f;\n}\n`;
    const typedef = caseOf(plain, 64, (b) => b.replace("if (i < n)", "floatX scale = 2.0f;\nif (i < n)"));
    const cg = caseOf(plain, 64, (b) => b.replace("if (i < n)", "cg::thread_block block = cg::this_thread_block();\nblock.sync();\nif (i < n)"));
    const results = await checkMetalWithClang([typedef, cg]);
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(results[0]!.errors.join("\n")).toMatch(/case0_k\.metal:\d+:\d+: error: unknown type name 'floatX'/);
    expect(results[1]!.errors.join("\n")).toMatch(/case1_k\.metal:\d+:\d+: error: .*'cg'/);
  }, 60_000);

  it("passes the Metal of the property test's 512 random kernels", async () => {
    const kernels = fc.sample(randomKernelArb(), { seed: 20261122, numRuns: 512 });
    const cases: MetalCheckCase[] = [];
    for (const [i, k] of kernels.entries()) {
      const result = compileKernels(k.source, { filename: `random_${i}.cu` });
      const found = result.kernels.find((x) => x.name === k.kernel);
      if (!found || result.diagnostics.some((d) => d.severity === "error")) continue;
      const buffers = randomKernelBuffers(k);
      const dtype = (name: string) => (({ int: "int32", float: "float32", half: "float16", uint: "uint32" }) as const)[k.buffers.find((b) => b.name === name)!.t];
      const args: Record<string, CallArg> = {};
      for (const p of k.params) args[p.name] = "buffer" in p.arg ? { shape: [buffers[p.name]!.length], dtype: dtype(p.name) as MlxDtype } : p.arg.scalar;
      const plan = planKernelCall(found, args, { grid: k.grid, block: k.block, sharedMem: k.sharedBytes, template: k.template });
      const inputs = plan.inputs.map((inp) =>
        inp.scalar ? { name: inp.name, dtype: inp.scalar.dtype, shape: [] } : { name: inp.name, dtype: dtype(inp.arg), shape: [buffers[inp.arg]!.length] },
      );
      cases.push({ spec: metalCallSpec(found, plan), inputs });
    }
    expect(cases.length).toBeGreaterThanOrEqual(500);
    const bad: string[] = [];
    for (let i = 0; i < cases.length; i += 128) {
      const chunk = cases.slice(i, i + 128);
      const results = await checkMetalWithClang(chunk);
      results.forEach((r, j) => r.ok || bad.push(`random kernel ${i + j}:\n${r.errors.join("\n")}\n${r.mlxSource}`));
    }
    expect(bad.slice(0, 3)).toEqual([]);
  }, 300_000);
});
