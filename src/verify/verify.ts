// Differential check: a Metal kernel (as MLX would run it) against the CUDA original, on the emulators,
// over fixed sizes (ragged ones included) and fast-check random sizes/inputs (seeded, shrinking to the
// smallest failing case). Also a race check: each kernel also runs with its threads in reverse order,
// and a result that depends on the order means a missing barrier or a race on threadgroup memory.
import fc from "fast-check";
import { normalizeDtype, type Dtype, type TypedArray } from "./dtypes.js";
import { compareArrays, describeMismatch, type Comparison, type Tolerance } from "./compare.js";
import { runCudaLaunches, type CudaEntry, type CudaLaunch } from "./cuda.js";
import {
  bufferSeed,
  evalExpr,
  goldenBuffers,
  goldenEntries,
  goldenLaunches,
  isFloatDtype,
  lcgValues,
  loadGoldenSource,
  loadGoldenSpec,
  type GoldenSpec,
  type Sizes,
} from "./golden.js";
import { runMetal, type KernelInput, type MetalKernelSpec } from "./metal.js";
import { KernelFault } from "./native.js";
import { fromNumbers } from "./dtypes.js";
import { nameTable } from "../../ir/tables.js";

/** Both sides of one kernel, as functions of the sizes. */
export interface KernelPair {
  name: string;
  /** Buffers before the launches (inputs filled, outputs zero), by name, with their dtypes. */
  buffers: (sizes: Sizes, seed?: number) => Record<string, { data: TypedArray; dtype: Dtype }>;
  /** CUDA source and launches (run in order on the buffers). */
  cuda: (sizes: Sizes) => { source: string; launches: CudaLaunch[]; deviceCodeOnly?: boolean; extraEntries?: CudaEntry[] };
  /** The Metal kernel call(s), in order; each reads buffers/scalars by input name and writes buffers by output name. */
  metal: (sizes: Sizes) => MetalKernelSpec[];
  /** Values for Metal inputs that are not buffers (0-d scalars): default, a size of the same name as int32. */
  metalScalars?: (sizes: Sizes) => Record<string, KernelInput>;
  /** The buffers compared after the launches (default: every non-input). */
  compare: string[];
  /** Metal output name → the buffer it stands for, where they differ (an in-place CUDA buffer `y` written by Metal as `y_out`). */
  outputMap?: Record<string, string>;
}

export interface VerifyOptions {
  tolerance?: Tolerance;
  /** Also run every kernel with threads in reverse order and report order-dependent results. */
  raceCheck?: boolean;
  /** Run both sides under the race detector (every threadgroup access tracked): a race is a fault. Slow. */
  raceDetect?: boolean;
  /** fast-check random cases (sizes drawn up to the largest fixed size per variable, random input seed). 0: none. */
  randomRuns?: number;
  /** fast-check seed, for reproducible random cases. */
  seed?: number;
  timeoutMs?: number;
}

export interface SizeResult {
  sizes: Sizes;
  ok: boolean;
  /** Per compared buffer: max abs / rel difference and the first mismatch. */
  outputs: Record<string, Comparison>;
  /** A fault found while running either side (out-of-bounds access, deadlock, ...). */
  fault?: { side: "metal" | "cuda"; kind: string; message: string; details: Record<string, unknown> };
  /** The race check's finding: buffers whose values change with the thread order. */
  race?: { side: "metal" | "cuda"; buffers: string[]; message: string };
  message: string;
}

export interface VerifyReport {
  name: string;
  ok: boolean;
  results: SizeResult[];
  /** The smallest failing random case fast-check found, if any. */
  counterexample?: SizeResult & { seed: number };
  summary: string;
}

type Buffers = Record<string, { data: TypedArray; dtype: Dtype }>;

async function runMetalSide(pair: KernelPair, sizes: Sizes, bufs: Buffers, reverse: boolean, timeoutMs?: number, raceDetect?: boolean): Promise<Record<string, TypedArray>> {
  const state: Record<string, TypedArray> = Object.fromEntries(Object.entries(bufs).map(([k, v]) => [k, v.data]));
  const scalars = pair.metalScalars?.(sizes) ?? {};
  for (const spec of pair.metal(sizes)) {
    const inputs: Record<string, KernelInput> = nameTable({});
    for (const n of spec.inputNames) {
      if (Object.hasOwn(scalars, n)) inputs[n] = scalars[n]!;
      else if (Object.hasOwn(bufs, n)) inputs[n] = { data: state[n]!, dtype: bufs[n]!.dtype };
      else if (Object.hasOwn(sizes, n)) inputs[n] = { data: sizes[n]!, dtype: "int32", shape: [] };
      else throw new Error(`c2m verify: Metal input "${n}" of ${spec.name} is neither a buffer, a scalar nor a size`);
    }
    const out = await runMetal(spec, inputs, { reverse, timeoutMs, raceDetect });
    for (const [k, v] of Object.entries(out)) state[pair.outputMap?.[k] ?? k] = v;
  }
  return state;
}

async function runCudaSide(pair: KernelPair, sizes: Sizes, bufs: Buffers, reverse: boolean, timeoutMs?: number, raceDetect?: boolean): Promise<Record<string, TypedArray>> {
  const c = pair.cuda(sizes);
  const data = Object.fromEntries(Object.entries(bufs).map(([k, v]) => [k, v.data]));
  return runCudaLaunches(c.source, c.launches, data, { reverse, timeoutMs, raceDetect, deviceCodeOnly: c.deviceCodeOnly, extraEntries: c.extraEntries });
}

function faultOf(side: "metal" | "cuda", e: unknown): SizeResult["fault"] {
  if (e instanceof KernelFault) return { side, kind: e.kind, message: e.message, details: e.details };
  throw e;
}

/** Runs both sides once on `sizes` (inputs from `seed`, or the pair's default) and compares. */
export async function checkSize(pair: KernelPair, sizes: Sizes, options: VerifyOptions = {}, seed?: number): Promise<SizeResult> {
  const bufs = pair.buffers(sizes, seed);
  const result: SizeResult = { sizes, ok: true, outputs: {}, message: "" };
  let cuda: Record<string, TypedArray>;
  let metal: Record<string, TypedArray>;
  try {
    cuda = await runCudaSide(pair, sizes, bufs, false, options.timeoutMs, options.raceDetect);
  } catch (e) {
    result.fault = faultOf("cuda", e);
    result.ok = false;
    result.message = `${JSON.stringify(sizes)}: CUDA side: ${result.fault!.message}`;
    return result;
  }
  try {
    metal = await runMetalSide(pair, sizes, bufs, false, options.timeoutMs, options.raceDetect);
  } catch (e) {
    result.fault = faultOf("metal", e);
    result.ok = false;
    result.message = `${JSON.stringify(sizes)}: Metal side: ${result.fault!.message}`;
    return result;
  }
  const lines: string[] = [];
  for (const name of pair.compare) {
    const dtype = bufs[name]!.dtype;
    const c = compareArrays(metal[name]!, cuda[name]!, dtype, options.tolerance ?? {});
    result.outputs[name] = c;
    if (!c.ok) {
      result.ok = false;
      lines.push(
        describeMismatch(name, c)
          .replace(/expected/, "CUDA has")
          .replace(/got/, "Metal has"),
      );
    }
  }
  if (options.raceCheck) {
    for (const side of ["metal", "cuda"] as const) {
      const forward = side === "metal" ? metal : cuda;
      let reversed: Record<string, TypedArray>;
      try {
        reversed = side === "metal" ? await runMetalSide(pair, sizes, bufs, true, options.timeoutMs) : await runCudaSide(pair, sizes, bufs, true, options.timeoutMs);
      } catch (e) {
        result.fault ??= faultOf(side, e);
        result.ok = false;
        continue;
      }
      const changed = pair.compare.filter((n) => !compareArrays(reversed[n]!, forward[n]!, bufs[n]!.dtype, options.tolerance ?? {}).ok);
      if (changed.length) {
        result.ok = false;
        result.race = {
          side,
          buffers: changed,
          message: `${side === "metal" ? "Metal" : "CUDA"} result depends on the order threads run (${changed.join(", ")}): a missing barrier or a race on threadgroup memory`,
        };
        lines.push(result.race.message);
      }
    }
  }
  result.message = `${JSON.stringify(sizes)}: ` + (result.ok ? "outputs agree" : lines.join("; "));
  return result;
}

/** Checks a kernel pair on every size (and random cases); reports per size max abs/rel diffs and the first mismatch. */
export async function verifyPair(pair: KernelPair, sizes: Sizes[], options: VerifyOptions = {}): Promise<VerifyReport> {
  const results: SizeResult[] = [];
  for (const s of sizes) results.push(await checkSize(pair, s, options));
  let counterexample: VerifyReport["counterexample"];
  if ((options.randomRuns ?? 0) > 0 && sizes.length > 0) {
    const keys = Object.keys(sizes[0]!);
    const maxOf = (k: string) => Math.max(...sizes.map((s) => s[k]!));
    const arb = fc.record({
      sizes: fc.record(Object.fromEntries(keys.map((k) => [k, fc.integer({ min: 1, max: Math.max(1, maxOf(k)) })])) as Record<string, fc.Arbitrary<number>>),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
    });
    const out = await fc.check(
      fc.asyncProperty(arb, async ({ sizes: s, seed }) => (await checkSize(pair, s as Sizes, options, seed)).ok),
      { numRuns: options.randomRuns, seed: options.seed ?? 42 },
    );
    if (out.failed && out.counterexample) {
      const [{ sizes: s, seed }] = out.counterexample;
      counterexample = { ...(await checkSize(pair, s as Sizes, options, seed)), seed };
    }
  }
  const ok = results.every((r) => r.ok) && !counterexample;
  const bad = results.filter((r) => !r.ok).map((r) => r.message);
  if (counterexample) bad.push(`random case (input seed ${counterexample.seed}): ${counterexample.message}`);
  let maxAbs = 0;
  let maxRel = 0;
  for (const r of results)
    for (const c of Object.values(r.outputs)) {
      maxAbs = Math.max(maxAbs, c.maxAbsDiff);
      maxRel = Math.max(maxRel, c.maxRelDiff);
    }
  const random = options.randomRuns ? ` and ${options.randomRuns} random cases` : "";
  const summary = ok
    ? `${pair.name}: Metal agrees with CUDA on ${results.length} sizes${random} (max |diff| ${maxAbs.toExponential(2)}, max rel diff ${maxRel.toExponential(2)})`
    : `${pair.name}: MISMATCH\n  ${bad.join("\n  ")}`;
  return { name: pair.name, ok, results, counterexample, summary };
}

/**
 * Builds the pair for a golden CUDA kernel (golden/kernels/<name>.spec.json) and a translated Metal
 * kernel: `metal(sizes)` gives the MetalKernelSpec(s) for one size; Metal inputs and outputs are bound
 * to the golden buffers by name, and Metal 0-d inputs named like a size get that size (int32).
 */
export function goldenPair(
  golden: GoldenSpec | string,
  metal: (sizes: Sizes) => MetalKernelSpec | MetalKernelSpec[],
  extra: { metalScalars?: KernelPair["metalScalars"]; compare?: string[]; outputMap?: Record<string, string> } = {},
): KernelPair {
  const spec = typeof golden === "string" ? loadGoldenSpec(golden) : golden;
  const source = loadGoldenSource(spec);
  const sizeIndex = (sizes: Sizes) => spec.sizes.findIndex((s) => Object.keys(s).every((k) => s[k] === sizes[k]));
  return {
    name: spec.name,
    buffers: (sizes, seed) => {
      const si = sizeIndex(sizes);
      if (si >= 0 && seed === undefined) {
        const b = goldenBuffers(spec, si);
        return Object.fromEntries(spec.buffers.map((x) => [x.name, { data: b[x.name]!, dtype: normalizeDtype(x.dtype) }]));
      }
      // a random case: same layout, inputs from the given seed
      return Object.fromEntries(
        spec.buffers.map((x) => {
          const dtype = normalizeDtype(x.dtype);
          const n = evalExpr(x.count, sizes);
          const vals =
            x.role === "output"
              ? new Array<number>(n).fill(0)
              : lcgValues((seed ?? 0) ^ bufferSeed(spec.name, x.name, 0), n, isFloatDtype(dtype), x.range === undefined ? 0 : evalExpr(x.range, sizes));
          return [x.name, { data: fromNumbers(vals, dtype), dtype }];
        }),
      );
    },
    cuda: (sizes) => ({
      source,
      deviceCodeOnly: spec.needsTorch,
      extraEntries: goldenEntries(spec),
      launches: goldenLaunches({ ...spec, sizes: [sizes] }, 0),
    }),
    metal: (sizes) => {
      const m = metal(sizes);
      return Array.isArray(m) ? m : [m];
    },
    metalScalars: extra.metalScalars,
    outputMap: extra.outputMap,
    compare: extra.compare ?? spec.buffers.filter((b) => b.role !== "input").map((b) => b.name),
  };
}

/** `verifyKernel(golden, metal, sizes?)`: the translator's entry point (see docs/kernel-proof.md). */
export async function verifyKernel(
  golden: GoldenSpec | string,
  metal: (sizes: Sizes) => MetalKernelSpec | MetalKernelSpec[],
  options: VerifyOptions & { sizes?: Sizes[]; metalScalars?: KernelPair["metalScalars"]; compare?: string[]; outputMap?: Record<string, string> } = {},
): Promise<VerifyReport> {
  const spec = typeof golden === "string" ? loadGoldenSpec(golden) : golden;
  const pair = goldenPair(spec, metal, { metalScalars: options.metalScalars, compare: options.compare, outputMap: options.outputMap });
  return verifyPair(pair, options.sizes ?? spec.sizes, options);
}

/**
 * Race check of one Metal kernel call on its own: runs it with threads in normal and in reverse order
 * (threadgroup memory poisoned before each group) and reports outputs that differ.
 */
export async function metalRaceCheck(
  spec: MetalKernelSpec,
  inputs: Record<string, KernelInput>,
  tolerance: Tolerance = {},
): Promise<{ ok: boolean; buffers: string[]; message: string }> {
  const a = await runMetal(spec, inputs);
  const b = await runMetal(spec, inputs, { reverse: true });
  const buffers = spec.outputNames.filter((n, i) => !compareArrays(b[n]!, a[n]!, normalizeDtype(spec.outputDtypes[i]!), tolerance).ok);
  return {
    ok: buffers.length === 0,
    buffers,
    message: buffers.length
      ? `${spec.name}: result depends on the order threads run (${buffers.join(", ")}): a missing barrier or a race on threadgroup memory`
      : `${spec.name}: no order dependence found`,
  };
}
