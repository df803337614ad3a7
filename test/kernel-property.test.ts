import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileKernels, planKernelCall, type CallArg, type CompiledKernel } from "../src/kernel/index.js";
import { foldOutputs, metalCallSpec } from "../src/kernel/verify.js";
import type { MlxDtype } from "../ir/kernel.js";
import { runCudaBatch, runMetalBatch, type BatchOutcome, type CudaBatchCase, type MetalBatchCase } from "../src/verify/batch.js";
import { compareArrays, describeMismatch } from "../src/verify/compare.js";
import { normalizeDtype, type TypedArray } from "../src/verify/dtypes.js";
import type { KernelInput } from "../src/verify/metal.js";
import { KernelFault } from "../src/verify/native.js";
import { randomKernelArb, randomKernelBuffers, type KernelArbOptions, type RandomKernel } from "../src/verify/random-kernels.js";

/**
 * Property: random CUDA kernels from a grammar of the constructs c2m translates (src/verify/random-kernels.ts)
 * are translated by the real translator (compileKernels, as `c2m kernel` does), run on the Metal
 * emulator exactly as the emitted Python calls them (planKernelCall, init_value, folding of atomic and
 * in-place outputs) and on the CUDA emulator, and every written buffer must agree: ints exactly, floats
 * within 1e-5 relative. Every other Metal run has its threads in reverse order, so a translation whose
 * result depends on the schedule (a lost barrier) fails too. Many kernels share one compile per side
 * (src/verify/batch.ts), which keeps 500+ cases within a couple of minutes.
 */
const SEED = Number(process.env.C2M_PROPERTY_SEED ?? 20261122);
const CASES = Number(process.env.C2M_PROPERTY_CASES ?? 512);
/** Time fast-check may spend shrinking the first failing kernel (each step compiles two programs). */
const SHRINK_MS = Number(process.env.C2M_PROPERTY_SHRINK_MS ?? 120_000);

interface Prepared {
  k: RandomKernel;
  cuda: CudaBatchCase;
  /** Absent when the translator refused the kernel. */
  metal?: MetalBatchCase;
  compiled?: CompiledKernel;
  refusal?: string;
  /** The buffers after the Metal call, as the emitted Python leaves them. */
  finish?: (out: Record<string, TypedArray>) => Record<string, TypedArray>;
}

const DTYPES = { int: "int32", float: "float32", half: "float16", uint: "uint32" } as const;
const dtypeOf = (k: RandomKernel, name: string) => DTYPES[k.buffers.find((b) => b.name === name)!.t];

interface PrepareOptions {
  /** Changes the emitted Metal body (planted bugs). */
  mutate?: (source: string) => string;
  /** Both sides under the race detector (see RunOptions.raceDetect). */
  raceDetect?: boolean;
}

/** Translates the kernel and builds both sides' runs. */
function prepare(k: RandomKernel, index: number, opts: PrepareOptions = {}): Prepared {
  const buffers = randomKernelBuffers(k);
  const cuda: CudaBatchCase = {
    source: k.source,
    launches: [
      {
        kernel: k.kernel,
        templateArgs: k.templateArgs,
        grid: k.grid,
        block: k.block,
        sharedBytes: k.sharedBytes,
        args: k.params.map((p) => ("buffer" in p.arg ? { buffer: p.arg.buffer } : { scalar: p.arg.scalar, type: p.arg.type })),
      },
    ],
    buffers,
    options: { raceDetect: opts.raceDetect },
  };
  const result = compileKernels(k.source, { filename: `random_${index}.cu` });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  const found = result.kernels.find((x) => x.name === k.kernel);
  if (errors.length || !found) return { k, cuda, refusal: errors.map((d) => `${d.code} ${d.message}`).join("\n") || "kernel not translated" };
  const compiled: CompiledKernel = structuredClone(found);
  if (opts.mutate) compiled.spec.source = opts.mutate(compiled.spec.source);
  const args: Record<string, CallArg> = {};
  for (const p of k.params) args[p.name] = "buffer" in p.arg ? { shape: [buffers[p.name]!.length], dtype: dtypeOf(k, p.name) as MlxDtype } : p.arg.scalar;
  const plan = planKernelCall(compiled, args, { grid: k.grid, block: k.block, sharedMem: k.sharedBytes, template: k.template });
  const inputs: Record<string, KernelInput> = {};
  for (const inp of plan.inputs) {
    inputs[inp.name] = inp.scalar
      ? { data: inp.scalar.value, dtype: inp.scalar.dtype, shape: [] }
      : { data: buffers[inp.arg]!, dtype: dtypeOf(k, inp.arg), shape: [buffers[inp.arg]!.length] };
  }
  const metal: MetalBatchCase = {
    spec: metalCallSpec(compiled, plan),
    inputs,
    // every other case with its threads in reverse order
    options: { reverse: index % 2 === 1, raceDetect: opts.raceDetect },
  };
  const finish = (out: Record<string, TypedArray>) => ({
    ...buffers,
    ...foldOutputs(
      compiled,
      out,
      (p) => buffers[p]!,
      (p) => dtypeOf(k, p),
    ),
  });
  return { k, cuda, metal, compiled, finish };
}

interface Verdict {
  ok: boolean;
  /** What went wrong, with the kernel, its translation and the first differing index. */
  report: string;
  kind?: "refused" | "cuda-fault" | "metal-fault" | "mismatch";
  fault?: KernelFault;
}

function describeCase(p: Prepared): string {
  const c = p.compiled;
  const launch = `grid ${JSON.stringify(p.k.grid)} block ${JSON.stringify(p.k.block)} shared ${p.k.sharedBytes}${p.k.templateArgs ? ` template <${p.k.templateArgs.join(", ")}>` : ""}`;
  const metal = c ? `--- Metal header ---\n${c.spec.header}\n--- Metal body ---\n${c.spec.source}` : "";
  return `--- CUDA (${launch}; Metal threads ${p.metal?.options?.reverse ? "reversed" : "in order"}) ---\n${p.k.source}\n${metal}`;
}

function judge(p: Prepared, cuda: BatchOutcome, metal: BatchOutcome | undefined): Verdict {
  if (p.refusal !== undefined) return { ok: false, kind: "refused", report: `the translator refused the kernel:\n${p.refusal}\n${describeCase(p)}` };
  if (!cuda.ok) {
    const fault = cuda.error instanceof KernelFault ? cuda.error : undefined;
    return { ok: false, kind: "cuda-fault", fault, report: `the CUDA original failed (a generator bug): ${cuda.error.message}\n${describeCase(p)}` };
  }
  if (!metal!.ok) {
    const fault = metal!.error instanceof KernelFault ? metal!.error : undefined;
    return { ok: false, kind: "metal-fault", fault, report: `the Metal translation failed: ${metal!.error.message}\n${describeCase(p)}` };
  }
  const after = p.finish!(metal!.buffers);
  const bad: string[] = [];
  for (const b of p.k.buffers) {
    if (b.role === "input") continue;
    const dtype = normalizeDtype(dtypeOf(p.k, b.name));
    const c = compareArrays(after[b.name]!, cuda.buffers[b.name]!, dtype);
    if (!c.ok) bad.push(describeMismatch(b.name, c).replace("got", "Metal has").replace("expected", "CUDA has"));
  }
  if (bad.length) return { ok: false, kind: "mismatch", report: `Metal and CUDA differ:\n  ${bad.join("\n  ")}\n${describeCase(p)}` };
  return { ok: true, report: "" };
}

/** Runs prepared cases in batches (one compile per side per chunk) and judges each. */
async function check(cases: Prepared[]): Promise<Verdict[]> {
  const withMetal = cases.filter((p) => p.metal);
  const [cuda, metal] = await Promise.all([runCudaBatch(cases.map((p) => p.cuda)), runMetalBatch(withMetal.map((p) => p.metal!))]);
  const metalOf = new Map(withMetal.map((p, i) => [p, metal[i]!]));
  return cases.map((p, i) => judge(p, cuda[i]!, metalOf.get(p)));
}

/** One kernel, checked as case `index` of a run would be (odd: Metal threads reversed). */
async function checkOne(k: RandomKernel, index = 0): Promise<Verdict> {
  return (await check([prepare(k, index)]))[0]!;
}

describe("random kernels: the translation agrees with the CUDA original", () => {
  it(`${CASES} random kernels (seed ${SEED})`, async () => {
    const t0 = Date.now();
    const arb = randomKernelArb();
    const kernels = fc.sample(arb, { seed: SEED, numRuns: CASES });
    const cases = kernels.map((k, i) => prepare(k, i));
    const verdicts = await check(cases);
    const failed = verdicts.map((v, i) => ({ v, i })).filter((x) => !x.v.ok);
    const features = new Map<string, number>();
    for (const k of kernels) for (const f of k.features) features.set(f, (features.get(f) ?? 0) + 1);
    console.log(
      `kernel property: ${CASES} random kernels (seed ${SEED}), ${CASES - failed.length} agree, ${failed.length} fail, in ${((Date.now() - t0) / 1000).toFixed(1)} s\n` +
        `constructs (kernels using each): ${[...features.entries()]
          .sort()
          .map(([f, n]) => `${f} ${n}`)
          .join(", ")}`,
    );
    if (failed.length) {
      const first = failed[0]!;
      let shrunk = "";
      if (SHRINK_MS > 0) {
        // replay the first failure (fast-check's path) and let it shrink to a smaller kernel that still fails
        const out = await fc.check(
          fc.asyncProperty(arb, async (k) => (await checkOne(k, first.i)).ok),
          { seed: SEED, path: String(first.i), interruptAfterTimeLimit: SHRINK_MS, markInterruptAsFailure: false },
        );
        if (out.failed && out.counterexample) shrunk = `\n\nshrunk to (path ${out.counterexamplePath}):\n${(await checkOne(out.counterexample[0], first.i)).report}`;
      }
      const list = failed.slice(0, 5).map((f) => `case ${f.i} (replay: seed ${SEED}, path "${f.i}"): ${f.v.report}`);
      expect.fail(`${failed.length} of ${CASES} random kernels fail; the first ${list.length}:\n\n${list.join("\n\n")}${shrunk}`);
    }
    expect(kernels.length).toBeGreaterThanOrEqual(500);
  }, 600_000);
});

describe("random kernels with barriers and shared memory are race-free on both sides", () => {
  it("48 kernels under the race detector", async () => {
    // the generator's claim (no two threads touch a shared word, one writing, without a barrier
    // between), and the translation keeping it: every shared-memory access of both runs is tracked
    const kernels = fc.sample(randomKernelArb({ kinds: ["stage", "reduce", "atomic", "warp"], maxSections: 2 }), { seed: SEED + 1, numRuns: 48 });
    const verdicts = await check(kernels.map((k, i) => prepare(k, i, { raceDetect: true })));
    const failed = verdicts.filter((v) => !v.ok);
    expect(failed.map((v) => v.report).slice(0, 3)).toEqual([]);
  }, 300_000);
});

describe("the property finds planted translation bugs", () => {
  /** The first `count` random kernels of some section kinds that `keep` accepts. */
  const sample = (options: KernelArbOptions, seed: number, count: number, keep: (k: RandomKernel) => boolean) =>
    fc
      .sample(randomKernelArb(options), { seed, numRuns: count * 200 })
      .filter(keep)
      .slice(0, count);

  /**
   * Of `candidates`, the first `count` whose CUDA result the same mistake changes (or makes fault):
   * whether a dropped barrier or a wrong width shows depends on a kernel's values, and a bug that
   * changes nothing cannot be caught by any comparison.
   */
  async function observable(candidates: RandomKernel[], cudaMistake: (source: string) => string, count: number): Promise<RandomKernel[]> {
    const mistaken = candidates.map((k) => {
      const source = cudaMistake(k.source);
      expect(source).not.toBe(k.source);
      return { ...k, source };
    });
    const [right, wrong] = await Promise.all([runCudaBatch(candidates.map((k) => prepare(k, 0).cuda)), runCudaBatch(mistaken.map((k) => prepare(k, 0).cuda))]);
    const changes = (k: RandomKernel, i: number) => {
      const [a, b] = [right[i]!, wrong[i]!];
      return !a.ok || !b.ok || k.buffers.some((x) => !compareArrays(b.buffers[x.name]!, a.buffers[x.name]!, normalizeDtype(dtypeOf(k, x.name))).ok);
    };
    return candidates.filter(changes).slice(0, count);
  }

  /** `src` with the first match of `re` replaced; the replacement must happen. */
  const plant = (re: RegExp, by: string | ((...m: string[]) => string)) => (src: string) => {
    const out = src.replace(re, by as string);
    expect(out).not.toBe(src);
    return out;
  };

  it("a barrier dropped from shared-memory staging", async () => {
    const candidates = sample({ kinds: ["stage"], maxSections: 1 }, 7, 12, (k) => k.block[0] * k.block[1] > 1);
    const kernels = await observable(candidates, plant(/__syncthreads\(\);/, ""), 6);
    expect(kernels.length).toBe(6);
    const cases = kernels.map((k, i) => prepare(k, 2 * i, { mutate: plant(/threadgroup_barrier\([^)]*\);/, "") }));
    const planted = await check(cases);
    const control = await check(kernels.map((k, i) => prepare(k, 2 * i)));
    expect(control.map((v) => v.report)).toEqual(kernels.map(() => ""));
    // threads read their neighbours' slots before the neighbours wrote them: poison (NaN / -1) reaches the output
    for (const [i, v] of planted.entries()) {
      expect(v.ok, describeCase(cases[i]!)).toBe(false);
      expect(v.kind).toBe("mismatch");
      expect(v.report).toMatch(/first at o0\[\d+\]: Metal has/);
    }
  }, 300_000);

  it("an output index off by one", async () => {
    // with a thread for the last element (sizes not over the grid), its write lands past the end
    const kernels = sample({ kinds: ["map"], maxSections: 1 }, 11, 6, (k) => !k.features.includes("size-over"));
    expect(kernels.length).toBe(6);
    // (an output kept in place where c2m cannot prove every element written, write-only.ts, is stored through c2m_own)
    const planted = await check(kernels.map((k, i) => prepare(k, 2 * i, { mutate: plant(/o0\[i\]|c2m_own\(o0, o0_in, o0_touched, i, 1\)/g, "o0[i + 1]") })));
    // the thread of the last element writes one past the end of the output: the guard page catches it
    for (const v of planted) {
      expect(v.ok, v.report).toBe(false);
      expect(v.kind).toBe("metal-fault");
      expect(v.fault?.details).toMatchObject({ kind: "out-of-bounds", access: "write", buffer: "o0" });
    }
  }, 300_000);

  it("a wrong shuffle width in a segmented warp broadcast", async () => {
    // c2m_shfl_idx(v, src, width, lane) with the width doubled: lanes of every other segment read the
    // segment before. (In the reductions and scans generated here the width cannot show: the lanes
    // that hold results, or pass the scan's lane test, never reach past their segment.)
    const double = (_m: string, pre: string, w: string, post: string) => `${pre}${Number(w) * 2}${post}`;
    const candidates = sample({ kinds: ["warp"], maxSections: 1 }, 13, 12, (k) => {
      const w = k.plan.sections[0]!;
      return w.kind === "warp" && w.style === "bcast" && w.width < 32;
    });
    const kernels = await observable(candidates, plant(/(__shfl_sync\(.*, )(\d+)(\);)/, double), 4);
    expect(kernels.length).toBe(4);
    const cases = kernels.map((k, i) => prepare(k, 2 * i, { mutate: plant(/(c2m_shfl_idx\(.*, )(\d+)(, thread_index_in_simdgroup\))/, double) }));
    const planted = await check(cases);
    for (const [i, v] of planted.entries()) {
      expect(v.ok, describeCase(cases[i]!)).toBe(false);
      expect(v.kind).toBe("mismatch");
    }
  }, 300_000);
});

/**
 * Translator bugs the random kernels found, each as the smallest kernel that showed it, kept as
 * regression tests once fixed.
 */
describe("known translator bugs (found by the random kernels)", () => {
  it("__popc of an unsigned value is an int in CUDA, and in the translation (metal::popcount(uint) is a uint)", async () => {
    // `__popc(bits) - 5` goes negative in CUDA; in the translation it wraps around as unsigned
    const source = `__global__ void k(const int* xi, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) { unsigned bits = xi[i]; y[i] = (float)(__popc(bits) - 5); }
}`;
    const k = {
      kernel: "k",
      source,
      grid: [1, 1, 1],
      block: [4, 1, 1],
      sharedBytes: 0,
      params: [
        { name: "xi", arg: { buffer: "xi" } },
        { name: "y", arg: { buffer: "y" } },
        { name: "n", arg: { scalar: 4, type: "int" } },
      ],
      buffers: [
        { name: "xi", t: "int", count: 4, role: "input", range: 64 },
        { name: "y", t: "float", count: 4, role: "output", range: 0 },
      ],
      features: [],
      plan: { seed: 1 },
    } as unknown as RandomKernel;
    const v = await checkOne(k);
    expect(v.ok, v.report).toBe(true);
  });
});
