// Golden CUDA kernels (golden/kernels/<name>.cu + <name>.spec.json): spec loading, deterministic
// inputs (a fixed LCG, reproduced by the H100 fixture drivers), launch configurations as expressions
// of the sizes, and runs on the CUDA emulator.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../python.js";
import { bytesOf, fromNumbers, normalizeDtype, type Dtype, type TypedArray } from "./dtypes.js";
import { SCALAR_TYPES, VECTOR_TYPES } from "../../passes/kernel/tables.js";
import { runCudaLaunches, type CudaArg, type CudaEntry, type CudaLaunch } from "./cuda.js";
import type { RunOptions } from "./metal.js";
import { nameTable } from "../../ir/tables.js";

export type Sizes = Record<string, number>;
type Expr = string | number;

export interface GoldenBuffer {
  name: string;
  dtype: string;
  /** Element count, an expression of the sizes. */
  count: Expr;
  /**
   * input: random; output: written by the kernel, starting from a recognisable non-zero draw (outputValues) that
   * the original and the translation both start from, so a translation that loses the caller's values where the
   * kernel does not write fails; inout: random, then updated in place.
   */
  role: "input" | "output" | "inout";
  /** Integers are drawn from [0, range) (an expression); floats from [-2, 2) in steps of 1/1024. */
  range?: Expr;
  /**
   * Floats: drawn from [lo, hi) instead (4096 steps), for kernels defined on part of the line (log, sqrt, 1/x).
   * Integers: drawn from the integers of [lo, hi) (negative ones too: pytorch_cluster's graclus marks nodes -1 and -2).
   */
  domain?: [number, number];
  /** Every element this value instead (an input): the sizes array of a lowered tensor accessor, say. */
  fill?: number;
  /**
   * A CSR pointer array (pytorch_cluster's `ptr`: batch b's rows are [ptr[b], ptr[b + 1])): integers strictly
   * increasing from 0 to range - 1 (range ≥ count), which a random draw would not give.
   */
  ascending?: boolean;
  /**
   * Every element this expression of the sizes and of `i`, the element's index (an input): a graph's CSR arrays drawn
   * as a pattern, say (pytorch_cluster's graclus specs: a ring whose every node is its own first neighbour).
   */
  index?: Expr;
  /**
   * An output summed by atomics in the order the GPU's threads arrive, in a type whose every addition rounds
   * (bfloat16 pairs added by compare-exchange): the emulator adds in one fixed order, so its sums can differ from
   * a GPU recording by the rounding of the partial sums. The GPU comparison (test/kernel-zoo-gpu.test.ts) allows
   * this tolerance for the buffer instead of its dtype's; --verify, which runs both sides on the emulators in the
   * same order, is unaffected.
   */
  gpuOrder?: { rtol: number; atol: number };
  /**
   * Set by the harness, not in spec files (src/kernel/verify.ts zeroFreshOutputs): an output every launch's kernel
   * writes as a fresh output at each thread's own element (BufferPlan.ownIndexStores), whose documented rule is 0
   * past the launch's reach; it starts at 0 on both sides.
   */
  zeroStart?: boolean;
}

export interface GoldenLaunch {
  kernel: string;
  templateArgs?: string[];
  grid: [Expr, Expr, Expr];
  block: [number, number, number];
  sharedBytes?: Expr;
  /** `vector`: a CUDA vector passed by value (`type` its name, `long4`), one expression per component */
  args: ({ buffer: string } | { scalar: Expr; type: string } | { vector: Expr[]; type: string })[];
}

export interface GoldenSpec {
  name: string;
  file: string;
  description?: string;
  /** The file needs the torch headers; the emulator and the H100 driver use its device code only. */
  needsTorch?: boolean;
  sizes: Sizes[];
  buffers: GoldenBuffer[];
  launches: GoldenLaunch[];
  /**
   * Outputs start at 0 instead of outputValues' draw: for specs whose GPU recordings (test/corpus/fixtures,
   * golden/kernels/fixtures) were made with zero-initialised outputs, which the drivers reproduce. A translation's
   * loss of the caller's values is not caught for these specs' outputs.
   */
  zeroOutputs?: boolean;
  /** The file's own host launcher and its arguments (buffer names or expressions). */
  host?: { function: string; args: string[] };
}

export function goldenDir(): string {
  return join(packageRoot(), "golden", "kernels");
}

export function listGoldenSpecs(): string[] {
  return readdirSync(goldenDir())
    .filter((f) => f.endsWith(".spec.json"))
    .map((f) => f.slice(0, -".spec.json".length))
    .sort();
}

export function loadGoldenSpec(name: string): GoldenSpec {
  const p = join(goldenDir(), `${name}.spec.json`);
  if (!existsSync(p)) throw new Error(`c2m verify: no golden spec ${p}`);
  return JSON.parse(readFileSync(p, "utf8")) as GoldenSpec;
}

export function loadGoldenSource(spec: GoldenSpec): string {
  return readFileSync(join(goldenDir(), spec.file), "utf8");
}

/** Evaluates `cdiv(n, 256)`, `rows * cols`, `min(a, 4)`, numbers; variables from `sizes`. */
export function evalExpr(e: Expr, sizes: Sizes): number {
  if (typeof e === "number") return e;
  const toks = e.match(/\d+\.?\d*(?:e[-+]?\d+)?|[A-Za-z_]\w*|[-+*/%(),]/g) ?? [];
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const fns: Record<string, (...a: number[]) => number> = {
    cdiv: (a, b) => Math.ceil(a! / b!),
    min: (...a) => Math.min(...a),
    max: (...a) => Math.max(...a),
    floor: (a) => Math.floor(a!),
    ceil: (a) => Math.ceil(a!),
  };
  const primary = (): number => {
    const t = next();
    if (t === undefined) throw new Error(`c2m verify: bad expression "${e}"`);
    if (t === "(") {
      const v = sum();
      next();
      return v;
    }
    if (t === "-") return -primary();
    if (/^\d/.test(t)) return Number(t);
    if (peek() === "(") {
      next();
      const args: number[] = [];
      while (peek() !== ")") {
        args.push(sum());
        if (peek() === ",") next();
      }
      next();
      const f = Object.hasOwn(fns, t) ? fns[t] : undefined;
      if (!f) throw new Error(`c2m verify: unknown function ${t} in "${e}"`);
      return f(...args);
    }
    if (!Object.hasOwn(sizes, t)) throw new Error(`c2m verify: unknown size "${t}" in "${e}"`);
    return sizes[t]!;
  };
  const product = (): number => {
    let v = primary();
    while (peek() === "*" || peek() === "/" || peek() === "%") {
      const op = next();
      const r = primary();
      v = op === "*" ? v * r : op === "/" ? v / r : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === "+" || peek() === "-") {
      const op = next();
      const r = product();
      v = op === "+" ? v + r : v - r;
    }
    return v;
  };
  return sum();
}

/** FNV-1a, 32 bits: the seed of each buffer's LCG. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function bufferSeed(spec: string, buffer: string, sizeIndex: number): number {
  return fnv1a(`${spec}/${buffer}/${sizeIndex}`);
}

/** GoldenBuffer.ascending: 0, then the LCG's draw sorted and spread to stay strictly increasing, then range - 1. */
export function ascendingValues(seed: number, count: number, range: number): number[] {
  if (range < count) throw new Error(`an ascending buffer of ${count} elements needs a range of at least ${count} (it is ${range})`);
  if (count < 2) return new Array<number>(count).fill(0);
  const inner = lcgValues(seed, count - 2, false, range - count + 1)
    .sort((a, b) => a - b)
    .map((v, i) => v + i + 1);
  return [0, ...inner, range - 1];
}

/** The LCG the fixture drivers use too: state = state * 1664525 + 1013904223 (mod 2^32). */
export function lcgValues(seed: number, count: number, isFloat: boolean, range: number): number[] {
  let s = seed >>> 0;
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const r = s >>> 8;
    out[i] = isFloat ? ((r % 4096) - 2048) / 1024 : r % range;
  }
  return out;
}

/** GoldenBuffer.index: the expression at every index `i` of n. */
export function indexValues(e: Expr, n: number, sizes: Sizes): number[] {
  if (Object.hasOwn(sizes, "i")) throw new Error(`c2m verify: a size named "i" hides the element index of an index buffer`);
  const at: Sizes = { ...sizes };
  return Array.from({ length: n }, (_, i) => {
    at.i = i;
    return evalExpr(e, at);
  });
}

/** A domain an integer buffer is drawn from: whole ends, lo below hi (another is ignored there, as before integer domains). */
export function isIntegerDomain(d: [number, number]): boolean {
  return Number.isInteger(d[0]) && Number.isInteger(d[1]) && d[0] < d[1];
}

/** GoldenBuffer.domain of an integer buffer: the LCG's draw from [0, hi - lo), shifted by lo. */
export function integerDomain(seed: number, count: number, d: [number, number]): number[] {
  return lcgValues(seed, count, false, d[1] - d[0]).map((v) => v + d[0]);
}

export function isFloatDtype(d: string): boolean {
  const n = normalizeDtype(d);
  return n === "float32" || n === "float16" || n === "bfloat16" || n === "float64";
}

/**
 * An output's elements before the launches (GoldenBuffer.role): 0 for a spec with zeroOutputs, else a draw that is
 * never 0: floats the LCG's [-2, 2) with 0 moved to 1.5, integers from [1, 100) (bool: true and false, drawn). A caller's array is what a kernel
 * that writes only some elements leaves elsewhere (pytorch_cluster's radius: `row` pre-filled with -1), so the
 * original and the translation both start from it and must agree on the elements the kernel does not write.
 */
export function outputValues(spec: GoldenSpec, b: GoldenBuffer, sizeIndex: number, n: number): number[] {
  if (spec.zeroOutputs || b.zeroStart) return new Array<number>(n).fill(0);
  const dtype = normalizeDtype(b.dtype);
  const seed = bufferSeed(spec.name, b.name, sizeIndex);
  // bool: the draw's parity, half true, so a store of true or false shows (synth-spec.ts wroteSomething) and the elements left alone are both
  if (dtype === "bool") return lcgValues(seed, n, false, 2);
  if (isFloatDtype(dtype)) return lcgValues(seed, n, true, 0).map((v) => (v === 0 ? 1.5 : v));
  return lcgValues(seed, n, false, 99).map((v) => v + 1);
}

/** The buffers before the launches: inputs and inouts from the LCG, outputs from outputValues. */
export function goldenBuffers(spec: GoldenSpec, sizeIndex: number): Record<string, TypedArray> {
  const sizes = spec.sizes[sizeIndex]!;
  const out: Record<string, TypedArray> = nameTable({});
  for (const b of spec.buffers) {
    const dtype = normalizeDtype(b.dtype);
    const n = evalExpr(b.count, sizes);
    let vals =
      b.role === "output"
        ? outputValues(spec, b, sizeIndex, n)
        : lcgValues(bufferSeed(spec.name, b.name, sizeIndex), n, isFloatDtype(dtype), b.range === undefined ? 0 : evalExpr(b.range, sizes));
    if (b.fill !== undefined && b.role !== "output") vals = new Array<number>(n).fill(b.fill);
    else if (b.index !== undefined && b.role !== "output") vals = indexValues(b.index, n, sizes);
    else if (b.ascending && b.role !== "output") vals = ascendingValues(bufferSeed(spec.name, b.name, sizeIndex), n, b.range === undefined ? n : evalExpr(b.range, sizes));
    const d = b.domain;
    // [-2, 2) in 4096 steps mapped onto [lo, hi)
    if (d && b.role !== "output" && isFloatDtype(dtype)) vals = vals.map((v) => d[0] + ((v + 2) / 4) * (d[1] - d[0]));
    else if (d && b.role !== "output" && b.fill === undefined && b.index === undefined && !b.ascending && isIntegerDomain(d))
      vals = integerDomain(bufferSeed(spec.name, b.name, sizeIndex), n, d);
    out[b.name] = fromNumbers(vals, dtype);
  }
  return out;
}

export function goldenLaunches(spec: GoldenSpec, sizeIndex: number): CudaLaunch[] {
  const sizes = spec.sizes[sizeIndex]!;
  return spec.launches.map((l) => ({
    kernel: l.kernel,
    templateArgs: l.templateArgs,
    grid: l.grid.map((g) => evalExpr(g, sizes)) as [number, number, number],
    block: l.block,
    sharedBytes: l.sharedBytes === undefined ? 0 : evalExpr(l.sharedBytes, sizes),
    args: l.args.map(
      (a): CudaArg =>
        "buffer" in a
          ? { buffer: a.buffer }
          : "vector" in a
            ? {
                bytes: vectorBytes(
                  a.type,
                  a.vector.map((e) => evalExpr(e, sizes)),
                ),
              }
            : { scalar: evalExpr(a.scalar, sizes), type: a.type },
    ),
  }));
}

/** The MLX dtype of a CUDA vector type's components (`long4` → int64). */
export function vectorDtype(type: string): Dtype {
  const v = VECTOR_TYPES[type];
  const mlx = v ? SCALAR_TYPES[v.elem]?.mlx : undefined;
  if (!v || !mlx) throw new Error(`c2m verify: '${type}' is not a CUDA vector type c2m knows`);
  return normalizeDtype(mlx);
}

/** A CUDA vector's bytes as the host lays it out: its components in order, no padding (sizeof(long4) is 4 * 8). */
export function vectorBytes(type: string, values: number[]): Uint8Array {
  return bytesOf(fromNumbers(values, vectorDtype(type)));
}

export function bufferDtype(spec: GoldenSpec, name: string): Dtype {
  const b = spec.buffers.find((x) => x.name === name);
  if (!b) throw new Error(`c2m verify: ${spec.name} has no buffer ${name}`);
  return normalizeDtype(b.dtype);
}

/** Every function of a golden file the harness calls (its kernels, then its host launcher): one program serves all runs. */
export function goldenEntries(spec: GoldenSpec): CudaEntry[] {
  const out: CudaEntry[] = spec.launches.map((l) => ({ kernel: l.kernel, templateArgs: l.templateArgs }));
  if (spec.host && !spec.needsTorch) out.push({ kernel: spec.host.function, host: true });
  return out;
}

/** Runs a golden kernel's launches on the CUDA emulator; returns every buffer afterwards. */
export async function runGoldenOnCpu(spec: GoldenSpec, sizeIndex: number, options: RunOptions = {}): Promise<Record<string, TypedArray>> {
  return runCudaLaunches(loadGoldenSource(spec), goldenLaunches(spec, sizeIndex), goldenBuffers(spec, sizeIndex), {
    ...options,
    deviceCodeOnly: spec.needsTorch,
    extraEntries: goldenEntries(spec),
  });
}
