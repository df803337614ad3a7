// Random CUDA kernels for property tests of the kernel translator: fast-check arbitraries of a small
// kernel grammar (integer and float expressions over inputs and thread indices, guards, ragged sizes,
// loops, shared-memory staging with barriers, block and warp reductions, warp shuffles, atomics,
// __device__ helpers, __half, 2-D blocks, templates and macros, in-place buffers), each kernel with its
// launch and buffers. Every kernel is valid, free of races and undefined behaviour, and deterministic,
// so its CUDA run and the run of its translation must agree:
//  - each output element is written by one thread only (or through an atomic whose result does not
//    depend on the order: integer add/or/xor/max..., float adds of small integers);
//  - barriers and shuffles sit where the whole block (warp) reaches them; shuffles only in blocks of
//    whole warps, with the full mask;
//  - integer expressions carry bounds while they are printed, and an operand that could overflow is
//    first reduced (`% 1024`); divisors are 1..8; left shifts are of non-negative values, by 0..3;
//  - buffer reads are at the thread's own index under its guard, or at an index reduced modulo the
//    buffer's length; float-to-int conversions are clamped first;
//  - float values stay far from overflow, and literals are exact in binary.
// A plan (the fast-check value) is plain data, so fast-check shrinks failing kernels; `renderKernel`
// (random-kernels-render.ts, with the expression printer of random-kernels-printer.ts) prints a plan as
// CUDA. Constructs c2m refuses on purpose (in-place buffers or 16-bit outputs next to atomic outputs,
// an in-place read behind `?:` or passed to a helper) are not generated.
import fc from "fast-check";
import { randomKernelBuffers, renderKernel } from "./random-kernels-render.js";

export type Scalar = "int" | "float";

/** An expression of a known type; the type follows from where it stands (see the arbitraries). */
export type Expr =
  | { k: "lit"; v: number }
  /** An in-scope variable of the type (thread indices, scalars, locals, loop counters), by position. */
  | { k: "var"; pick: number }
  /** The input buffer of the type (`x` or `xi`): at the thread's own index, or at `at` modulo its length. */
  | { k: "load"; at?: Expr; ldg?: boolean }
  | { k: "bin"; op: string; a: Expr; b: Expr }
  | { k: "un"; op: string; a: Expr }
  | { k: "sel"; c: Cond; a: Expr; b: Expr }
  /** From the other type. */
  | { k: "cast"; a: Expr }
  /** The `__device__` helper of the type: `T h(T a, int b)`. */
  | { k: "call"; a: Expr; b: Expr };

export type Cond = { k: "cmp"; t: Scalar; op: string; a: Expr; b: Expr } | { k: "and" | "or"; a: Cond; b: Cond } | { k: "not"; a: Cond };

export type Section =
  /** `if (guard) out[i] = e;`, with an optional (const) local and an if/else. */
  | { kind: "map"; t: Scalar; pre?: Expr; constPre: boolean; body: Expr; alt?: { c: Cond; e: Expr } }
  /** `__half` in and out: the value converted to float, computed on, converted back (or added in half). */
  | { kind: "half"; body: Expr; style: "convert" | "hadd" }
  /** `for (j = i; j < n; j += blockDim.x * gridDim.x) out[j] = e;` (1-D kernels). */
  | { kind: "gridStride"; t: Scalar; body: Expr }
  /** A fixed-count (or `m`-count) accumulation loop, optionally nested, with `continue` or as a while loop. */
  | { kind: "loop"; t: Scalar; count: number; acc: "sum" | "max" | "mix"; body: Expr; skip?: Cond; style: "for" | "while"; inner: number; guarded: boolean; unroll: boolean }
  /** Write shared memory, barrier, read neighbours (optionally a second write/read round). */
  | { kind: "stage"; t: Scalar; dynamic: boolean; write: Expr; d: number; twoRound: boolean; out: Expr }
  /** Block-wide tree reduction in shared memory; block size a power of two. */
  | { kind: "reduce"; t: Scalar; op: "+" | "max" | "min"; value: Expr; bound: "constant" | "blockDim" }
  /** Warp shuffles: a shuffle-down or butterfly reduction, a broadcast or a scan, in segments of `width` lanes. */
  | {
      kind: "warp";
      t: Scalar;
      op: "+" | "max" | "min";
      /** shuffles in segments of `width` lanes; votes and __reduce_*_sync over the whole warp */
      style: "down" | "xor" | "bcast" | "scan" | "vote" | "reduceSync";
      width: number;
      value: Expr;
      /** shuffles: spell out a width of 32; __reduce_*_sync: the unsigned bitwise forms */
      explicitWidth: boolean;
      /** the broadcast's source lane; the votes' threshold */
      src: Expr;
      mask: "hex" | "suffix";
    }
  /** Unsigned arithmetic that wraps (hash-like steps: xor-shift, multiply, rotate, 64-bit multiply), into a uint buffer. */
  | { kind: "bits"; value: Expr; steps: { op: number; k: number }[] }
  /** Atomics: into a global buffer, a shared counter, or a shared histogram. */
  | { kind: "atomic"; scope: "global" | "shared" | "histogram"; op: string; t: Scalar; index: Expr; value: Expr; size: number }
  /** In-place read-modify-write of a buffer longer than the launch covers (its tail must survive). */
  | { kind: "inplace"; t: Scalar; body: Expr; cond?: Cond; viaLocal: boolean; extra: number };

export interface KernelPlan {
  dims: 1 | 2;
  blockPick: number;
  gridX: number;
  gridY: number;
  sizeMode: "exact" | "ragged" | "small" | "over";
  sizePick: number;
  sizePick2: number;
  /** How the block size is spelled where a constant is needed (shared arrays, loops). */
  blockConst: "literal" | "define" | "template";
  restrict: boolean;
  earlyReturn: boolean;
  bumpScalar: boolean;
  m: number;
  alphaPick: number;
  helpers: { f: Expr; i: Expr; forceinline: boolean };
  sections: Section[];
  seed: number;
}

export interface RandomBuffer {
  name: string;
  t: Scalar | "half" | "uint";
  count: number;
  role: "input" | "output" | "inout";
  /** Integers drawn from [0, range) (inputs, in-place and atomic buffers); floats from [-2, 2) in 1/1024 steps. */
  range: number;
}

export type RandomArg = { buffer: string } | { scalar: number; type: "int" | "float" };

/** A generated kernel with its launch: everything a differential check needs. */
export interface RandomKernel {
  plan: KernelPlan;
  kernel: string;
  source: string;
  templateArgs?: string[];
  /** Template values for the translated kernel, by parameter name. */
  template?: Record<string, number>;
  grid: [number, number, number];
  block: [number, number, number];
  sharedBytes: number;
  /** Kernel parameters in order: buffers by name, scalars with their values. */
  params: { name: string; arg: RandomArg }[];
  buffers: RandomBuffer[];
  /** Constructs the kernel uses (for coverage counts). */
  features: string[];
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const INT_BIN = ["+", "-", "*", "/", "%", "min", "max", "&", "^", "|", "<<", ">>"];
const INT_UN = ["-", "abs", "~", "popc"];
const FLOAT_BIN = ["+", "-", "*", "/", "fminf", "fmaxf", "fmaf"];
const FLOAT_UN = ["-", "fabsf", "sqrt", "floorf", "tanhf", "exp", "rsqrt"];
const CMP = ["<", "<=", "==", "!=", ">", ">="];
/** Float literals exact in binary, so that printing and parsing them loses nothing. */
export const FLOAT_LITS = [0, 0.5, 1, 2, -1.5, 0.25, 3, -0.75, 1.125, -4];
export const ALPHAS = [0.5, -1.25, 2, 0.75, 1.5];
/** Odd multipliers of the unsigned `bits` steps. */
export const MULTIPLIERS = ["2654435761u", "0x85ebca6bu", "40503u", "3u"];
export const BIT_STEPS = 8;

const exprCache = new Map<string, fc.Arbitrary<Expr>>();
const condCache = new Map<number, fc.Arbitrary<Cond>>();

function leafArb(t: Scalar): fc.Arbitrary<Expr> {
  return fc.oneof(
    fc.record({ k: fc.constant("var" as const), pick: fc.nat(9) }),
    fc.record({ k: fc.constant("lit" as const), v: t === "int" ? fc.integer({ min: -8, max: 16 }) : fc.nat(FLOAT_LITS.length - 1) }),
    fc.record({ k: fc.constant("load" as const), ldg: fc.boolean() }, { requiredKeys: ["k"] }),
  );
}

/** Expressions of type `t` up to `depth` operators deep. */
export function exprArb(t: Scalar, depth: number): fc.Arbitrary<Expr> {
  const key = `${t}${depth}`;
  const hit = exprCache.get(key);
  if (hit) return hit;
  let arb: fc.Arbitrary<Expr>;
  if (depth <= 0) arb = leafArb(t);
  else {
    const sub = exprArb(t, depth - 1);
    const other = t === "int" ? "float" : "int";
    arb = fc.oneof(
      { weight: 3, arbitrary: leafArb(t) },
      { weight: 6, arbitrary: fc.record({ k: fc.constant("bin" as const), op: fc.constantFrom(...(t === "int" ? INT_BIN : FLOAT_BIN)), a: sub, b: sub }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant("un" as const), op: fc.constantFrom(...(t === "int" ? INT_UN : FLOAT_UN)), a: sub }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant("sel" as const), c: condArb(depth - 1), a: sub, b: sub }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant("cast" as const), a: exprArb(other, depth - 1) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant("call" as const), a: sub, b: exprArb("int", depth - 1) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant("load" as const), at: exprArb("int", depth - 1) }) },
    );
  }
  exprCache.set(key, arb);
  return arb;
}

export function condArb(depth: number): fc.Arbitrary<Cond> {
  const hit = condCache.get(depth);
  if (hit) return hit;
  const d = Math.max(0, depth);
  const cmp = fc.oneof(
    fc.record({ k: fc.constant("cmp" as const), t: fc.constant("int" as const), op: fc.constantFrom(...CMP), a: exprArb("int", d), b: exprArb("int", d) }),
    fc.record({ k: fc.constant("cmp" as const), t: fc.constant("float" as const), op: fc.constantFrom(...CMP), a: exprArb("float", d), b: exprArb("float", d) }),
  );
  const arb: fc.Arbitrary<Cond> =
    depth <= 0
      ? cmp
      : fc.oneof(
          { weight: 4, arbitrary: cmp },
          { weight: 1, arbitrary: fc.record({ k: fc.constantFrom("and" as const, "or" as const), a: condArb(depth - 1), b: condArb(depth - 1) }) },
          { weight: 1, arbitrary: fc.record({ k: fc.constant("not" as const), a: condArb(depth - 1) }) },
        );
  condCache.set(depth, arb);
  return arb;
}

const scalarArb = fc.constantFrom<Scalar>("float", "int");

/** Which sections the generator may produce (all by default). */
export type SectionKind = Section["kind"];
export const SECTION_KINDS: SectionKind[] = ["map", "half", "bits", "gridStride", "loop", "stage", "reduce", "warp", "atomic", "inplace"];

function sectionArb(kind: SectionKind, depth: number): fc.Arbitrary<Section> {
  const e = (t: Scalar) => exprArb(t, depth);
  switch (kind) {
    case "map":
      return scalarArb.chain((t) =>
        fc.record(
          { kind: fc.constant("map" as const), t: fc.constant(t), pre: e(t), constPre: fc.boolean(), body: e(t), alt: fc.record({ c: condArb(depth - 1), e: e(t) }) },
          { requiredKeys: ["kind", "t", "constPre", "body"] },
        ),
      );
    case "bits":
      return fc.record({
        kind: fc.constant("bits" as const),
        value: exprArb("int", depth),
        steps: fc.array(fc.record({ op: fc.nat(BIT_STEPS - 1), k: fc.integer({ min: 1, max: 31 }) }), { minLength: 1, maxLength: 6 }),
      });
    case "half":
      return fc.record({ kind: fc.constant("half" as const), body: exprArb("float", depth), style: fc.constantFrom("convert" as const, "hadd" as const) });
    case "gridStride":
      return scalarArb.chain((t) => fc.record({ kind: fc.constant("gridStride" as const), t: fc.constant(t), body: e(t) }));
    case "loop":
      return scalarArb.chain((t) =>
        fc.record(
          {
            kind: fc.constant("loop" as const),
            t: fc.constant(t),
            count: fc.integer({ min: 0, max: 5 }),
            acc: fc.constantFrom("sum" as const, "max" as const, "mix" as const),
            body: e(t),
            skip: condArb(0),
            style: fc.constantFrom("for" as const, "while" as const),
            inner: fc.integer({ min: 0, max: 3 }),
            guarded: fc.boolean(),
            unroll: fc.boolean(),
          },
          { requiredKeys: ["kind", "t", "count", "acc", "body", "style", "inner", "guarded", "unroll"] },
        ),
      );
    case "stage":
      return scalarArb.chain((t) =>
        fc.record({
          kind: fc.constant("stage" as const),
          t: fc.constant(t),
          dynamic: fc.boolean(),
          write: e(t),
          d: fc.integer({ min: 1, max: 40 }),
          twoRound: fc.boolean(),
          out: e(t),
        }),
      );
    case "reduce":
      return scalarArb.chain((t) =>
        fc.record({
          kind: fc.constant("reduce" as const),
          t: fc.constant(t),
          op: fc.constantFrom("+" as const, "max" as const, "min" as const),
          value: e(t),
          bound: fc.constantFrom("constant" as const, "blockDim" as const),
        }),
      );
    case "warp":
      return scalarArb.chain((t) =>
        fc.record({
          kind: fc.constant("warp" as const),
          t: fc.constant(t),
          op: fc.constantFrom("+" as const, "max" as const, "min" as const),
          style: fc.constantFrom("down" as const, "xor" as const, "bcast" as const, "scan" as const, "vote" as const, "reduceSync" as const),
          width: fc.constantFrom(32, 16, 8, 4, 2),
          value: e(t),
          explicitWidth: fc.boolean(),
          src: exprArb("int", 1),
          mask: fc.constantFrom("hex" as const, "suffix" as const),
        }),
      );
    case "atomic":
      return fc.oneof(
        fc.record({
          kind: fc.constant("atomic" as const),
          scope: fc.constant("global" as const),
          op: fc.constantFrom("add", "or", "xor", "sub"),
          t: fc.constantFrom<Scalar>("int", "float"),
          index: exprArb("int", depth),
          value: exprArb("int", depth),
          size: fc.integer({ min: 1, max: 8 }),
        }),
        fc.record({
          kind: fc.constant("atomic" as const),
          scope: fc.constantFrom("shared" as const, "histogram" as const),
          op: fc.constantFrom("add", "sub", "max", "min", "or", "and", "xor", "cas"),
          t: fc.constant<Scalar>("int"),
          index: exprArb("int", depth),
          value: exprArb("int", depth),
          size: fc.constant(8),
        }),
      );
    case "inplace":
      return scalarArb.chain((t) =>
        fc.record(
          { kind: fc.constant("inplace" as const), t: fc.constant(t), body: e(t), cond: condArb(0), viaLocal: fc.boolean(), extra: fc.integer({ min: 0, max: 9 }) },
          { requiredKeys: ["kind", "t", "body", "viaLocal", "extra"] },
        ),
      );
  }
}

export interface KernelArbOptions {
  /** Section kinds to draw from (default: all). */
  kinds?: SectionKind[];
  /** Most sections per kernel (default 3). */
  maxSections?: number;
  /** Deepest expression (default 3). */
  depth?: number;
}

/** Plans of random kernels; render them with renderKernel. */
export function kernelPlanArb(options: KernelArbOptions = {}): fc.Arbitrary<KernelPlan> {
  const kinds = options.kinds ?? SECTION_KINDS;
  const depth = options.depth ?? 3;
  const section = fc.oneof(...kinds.map((k) => sectionArb(k, depth)));
  return fc.record({
    dims: fc.constantFrom<1 | 2>(1, 1, 2),
    blockPick: fc.nat(1000),
    gridX: fc.integer({ min: 1, max: 4 }),
    gridY: fc.integer({ min: 1, max: 3 }),
    sizeMode: fc.constantFrom("exact" as const, "ragged" as const, "small" as const, "over" as const),
    sizePick: fc.nat(1000),
    sizePick2: fc.nat(1000),
    blockConst: fc.constantFrom("literal" as const, "define" as const, "template" as const),
    restrict: fc.boolean(),
    earlyReturn: fc.boolean(),
    bumpScalar: fc.boolean(),
    m: fc.integer({ min: 1, max: 4 }),
    alphaPick: fc.nat(ALPHAS.length - 1),
    helpers: fc.record({ f: exprArb("float", 2), i: exprArb("int", 2), forceinline: fc.boolean() }),
    sections: fc.array(section, { minLength: 1, maxLength: options.maxSections ?? 3 }),
    seed: fc.nat(),
  });
}

/** Random kernels with their launches. */
export function randomKernelArb(options: KernelArbOptions = {}): fc.Arbitrary<RandomKernel> {
  return kernelPlanArb(options).map(renderKernel);
}

export { randomKernelBuffers, renderKernel };
