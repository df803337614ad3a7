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
// prints a plan as CUDA. Constructs c2m refuses on purpose (in-place buffers next to atomic outputs,
// an in-place read behind `?:` or passed to a helper) are not generated.
import fc from "fast-check";
import { fromNumbers, type TypedArray } from "./dtypes.js";
import { lcgValues } from "./golden.js";

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
const FLOAT_LITS = [0, 0.5, 1, 2, -1.5, 0.25, 3, -0.75, 1.125, -4];
const ALPHAS = [0.5, -1.25, 2, 0.75, 1.5];
/** Odd multipliers of the unsigned `bits` steps. */
const MULTIPLIERS = ["2654435761u", "0x85ebca6bu", "40503u", "3u"];
const BIT_STEPS = 8;

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

// ---------------------------------------------------------------------------------------------
// Printing

/** Integers stay within ±2^28 everywhere (sums of a block or warp of them within int range). */
const INT_LIMIT = 1 << 28;
/** Section values (reduced, summed over up to 1024 threads) stay within ±2^16. */
const VALUE_LIMIT = 1 << 16;
/** Floats multiplied stay below this in magnitude (no overflow to infinity). */
const FLOAT_LIMIT = 1e4;

interface IntVal {
  s: string;
  lo: number;
  hi: number;
}
interface FloatVal {
  s: string;
  /** An upper bound of the magnitude. */
  mag: number;
}

interface Scope {
  ints: IntVal[];
  floats: FloatVal[];
  /** The thread's own element index, when the code stands under the bounds guard. */
  self?: string;
  /** Buffer names by type, and the element count as code and as a number. */
  xf: string;
  xi: string;
  n: string;
  nValue: number;
  /** Helper function names and result bounds (undefined inside the helpers themselves). */
  helpers?: { f: string; i: string; iBounds: [number, number]; fMag: number };
}

function fmtFloat(v: number): string {
  const s = Number.isInteger(v) ? `${v}.0f` : `${v}f`;
  return v < 0 ? `(${s})` : s;
}

function maxAbs(v: IntVal): number {
  return Math.max(Math.abs(v.lo), Math.abs(v.hi));
}

/** `v` reduced to ±(m-1) when it could exceed `limit`. */
function reduceInt(v: IntVal, limit: number, m = 1024): IntVal {
  if (maxAbs(v) <= limit) return v;
  return { s: `((${v.s}) % ${m})`, lo: v.lo < 0 ? -(m - 1) : 0, hi: m - 1 };
}

function clampFloat(v: FloatVal, limit: number): FloatVal {
  if (v.mag <= limit) return v;
  return { s: `fminf(fmaxf(${v.s}, -100.0f), 100.0f)`, mag: 100 };
}

/** An index into a buffer of `n` elements: `e mod n`, non-negative. */
function wrapIndex(v: IntVal, scope: Scope): string {
  if (v.lo >= 0 && v.hi < scope.nValue) return v.s;
  return v.lo >= 0 ? `(${v.s}) % ${scope.n}` : `((${v.s}) % ${scope.n} + ${scope.n}) % ${scope.n}`;
}

class Printer {
  readonly features = new Set<string>();

  int(e: Expr, sc: Scope): IntVal {
    const r = this.intRaw(e, sc);
    return reduceInt(r, INT_LIMIT, 65536);
  }

  private intRaw(e: Expr, sc: Scope): IntVal {
    switch (e.k) {
      case "lit":
        return { s: e.v < 0 ? `(${e.v})` : String(e.v), lo: e.v, hi: e.v };
      case "var":
        return sc.ints[e.pick % sc.ints.length]!;
      case "load":
        return { s: this.load(sc.xi, e, sc), lo: 0, hi: 63 };
      case "cast": {
        const f = this.float(e.a, sc);
        this.features.add("float-to-int");
        return { s: `(int)fminf(fmaxf(${f.s}, -4096.0f), 4096.0f)`, lo: -4096, hi: 4096 };
      }
      case "call": {
        if (!sc.helpers) return this.int({ k: "bin", op: "+", a: e.a, b: e.b }, sc);
        this.features.add("device-helper");
        const a = reduceInt(this.int(e.a, sc), 1023);
        const b = reduceInt(this.int(e.b, sc), 1023);
        return { s: `${sc.helpers.i}(${a.s}, ${b.s})`, lo: sc.helpers.iBounds[0], hi: sc.helpers.iBounds[1] };
      }
      case "sel": {
        const c = this.cond(e.c, sc);
        const a = this.int(e.a, sc);
        const b = this.int(e.b, sc);
        this.features.add("ternary");
        return { s: `(${c} ? ${a.s} : ${b.s})`, lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
      }
      case "un": {
        const a = this.int(e.a, sc);
        switch (e.op) {
          case "-":
            return { s: `(-${a.s})`, lo: -a.hi, hi: -a.lo };
          case "abs":
            return { s: `abs(${a.s})`, lo: a.lo >= 0 ? a.lo : a.hi <= 0 ? -a.hi : 0, hi: maxAbs(a) };
          case "~":
            return { s: `(~${a.s})`, lo: -a.hi - 1, hi: -a.lo - 1 };
          default:
            this.features.add("popc");
            // `__popc(v) - 5` goes negative: __popc is an int in CUDA, which the translation must keep
            return { s: `__popc((unsigned)(${a.s}))`, lo: 0, hi: 32 };
        }
      }
      case "bin": {
        let a = this.int(e.a, sc);
        let b = this.int(e.b, sc);
        switch (e.op) {
          case "+":
          case "-":
            return e.op === "+" ? { s: `(${a.s} + ${b.s})`, lo: a.lo + b.lo, hi: a.hi + b.hi } : { s: `(${a.s} - ${b.s})`, lo: a.lo - b.hi, hi: a.hi - b.lo };
          case "*": {
            if (maxAbs(a) * maxAbs(b) > INT_LIMIT) {
              a = reduceInt(a, 1023);
              b = reduceInt(b, 1023);
            }
            const p = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
            return { s: `(${a.s} * ${b.s})`, lo: Math.min(...p), hi: Math.max(...p) };
          }
          case "/":
          case "%": {
            // the divisor is 1..8 whatever b is
            const d = `((${b.s} & 7) + 1)`;
            this.features.add(e.op === "/" ? "int-div" : "int-mod");
            if (e.op === "/") return { s: `(${a.s} / ${d})`, lo: Math.min(a.lo, 0), hi: Math.max(a.hi, 0) };
            return { s: `(${a.s} % ${d})`, lo: a.lo < 0 ? -7 : 0, hi: a.hi > 0 ? 7 : 0 };
          }
          case "min":
            return { s: `min(${a.s}, ${b.s})`, lo: Math.min(a.lo, b.lo), hi: Math.min(a.hi, b.hi) };
          case "max":
            return { s: `max(${a.s}, ${b.s})`, lo: Math.max(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
          case "<<":
            this.features.add("shift");
            return { s: `((${a.s} & 255) << (${b.s} & 3))`, lo: 0, hi: 255 * 8 };
          case ">>":
            this.features.add("shift");
            return { s: `(${a.s} >> (${b.s} & 3))`, lo: Math.min(a.lo, 0), hi: Math.max(a.hi, 0) };
          default: {
            // & ^ |: on values masked to 10 bits unless they are already within [0, 1023]
            this.features.add("bitwise");
            const m = (v: IntVal) => (v.lo >= 0 && v.hi <= 1023 ? v.s : `(${v.s} & 1023)`);
            return { s: `(${m(a)} ${e.op} ${m(b)})`, lo: 0, hi: 1023 };
          }
        }
      }
    }
  }

  float(e: Expr, sc: Scope): FloatVal {
    switch (e.k) {
      case "lit": {
        const v = FLOAT_LITS[e.v % FLOAT_LITS.length]!;
        return { s: fmtFloat(v), mag: Math.abs(v) };
      }
      case "var":
        return sc.floats[e.pick % sc.floats.length]!;
      case "load":
        return { s: this.load(sc.xf, e, sc), mag: 2 };
      case "cast": {
        const a = this.int(e.a, sc);
        return { s: `(float)${a.s}`, mag: maxAbs(a) };
      }
      case "call": {
        if (!sc.helpers) return this.float({ k: "bin", op: "+", a: e.a, b: { k: "cast", a: e.b } }, sc);
        this.features.add("device-helper");
        const a = clampFloat(this.float(e.a, sc), FLOAT_LIMIT);
        const b = reduceInt(this.int(e.b, sc), 1023);
        return { s: `${sc.helpers.f}(${a.s}, ${b.s})`, mag: sc.helpers.fMag };
      }
      case "sel": {
        const c = this.cond(e.c, sc);
        const a = this.float(e.a, sc);
        const b = this.float(e.b, sc);
        this.features.add("ternary");
        return { s: `(${c} ? ${a.s} : ${b.s})`, mag: Math.max(a.mag, b.mag) };
      }
      case "un": {
        const a = this.float(e.a, sc);
        switch (e.op) {
          case "-":
            return { s: `(-${a.s})`, mag: a.mag };
          case "fabsf":
            return { s: `fabsf(${a.s})`, mag: a.mag };
          case "sqrt":
            this.features.add("math");
            return { s: `sqrtf(fabsf(${a.s}))`, mag: Math.sqrt(a.mag) };
          case "floorf":
            return { s: `floorf(${a.s})`, mag: a.mag + 1 };
          case "tanhf":
            this.features.add("math");
            return { s: `tanhf(${a.s})`, mag: 1 };
          case "exp":
            this.features.add("math");
            return { s: `expf(fminf(${a.s}, 8.0f))`, mag: 2981 };
          default:
            this.features.add("math");
            return { s: `rsqrtf(fabsf(${a.s}) + 1.0f)`, mag: 1 };
        }
      }
      case "bin": {
        let a = this.float(e.a, sc);
        let b = this.float(e.b, sc);
        switch (e.op) {
          case "+":
            return { s: `(${a.s} + ${b.s})`, mag: a.mag + b.mag };
          case "-":
            return { s: `(${a.s} - ${b.s})`, mag: a.mag + b.mag };
          case "*":
          case "fmaf":
            if (a.mag * b.mag > FLOAT_LIMIT * 10) {
              a = clampFloat(a, 100);
              b = clampFloat(b, 100);
            }
            if (e.op === "fmaf") {
              this.features.add("math");
              return { s: `fmaf(${a.s}, ${b.s}, 1.0f)`, mag: a.mag * b.mag + 1 };
            }
            return { s: `(${a.s} * ${b.s})`, mag: a.mag * b.mag };
          case "/":
            this.features.add("float-div");
            return { s: `(${a.s} / (fabsf(${b.s}) + 1.0f))`, mag: a.mag };
          default:
            return { s: `${e.op}(${a.s}, ${b.s})`, mag: Math.max(a.mag, b.mag) };
        }
      }
    }
  }

  cond(c: Cond, sc: Scope): string {
    switch (c.k) {
      case "cmp": {
        const a = c.t === "int" ? this.int(c.a, sc).s : this.float(c.a, sc).s;
        const b = c.t === "int" ? this.int(c.b, sc).s : this.float(c.b, sc).s;
        return `(${a} ${c.op} ${b})`;
      }
      case "not":
        return `!${this.cond(c.a, sc)}`;
      default:
        return `(${this.cond(c.a, sc)} ${c.k === "and" ? "&&" : "||"} ${this.cond(c.b, sc)})`;
    }
  }

  private load(buf: string, e: { at?: Expr; ldg?: boolean }, sc: Scope): string {
    let ref: string;
    if (!e.at && sc.self) ref = `${buf}[${sc.self}]`;
    else {
      // a gather: anywhere in the buffer (or the own index where no guard makes it valid)
      this.features.add("gather");
      const idx = e.at ? this.int(e.at, sc) : sc.ints[0]!;
      ref = `${buf}[${wrapIndex(idx, sc)}]`;
    }
    if (!e.ldg) return ref;
    this.features.add("ldg");
    return `__ldg(&${ref})`;
  }
}

const BLOCKS_1D = [32, 64, 128, 256, 96, 160, 48, 40, 100, 17, 1, 7, 33, 64, 128];
const BLOCKS_2D: [number, number][] = [
  [8, 4],
  [16, 4],
  [4, 8],
  [8, 8],
  [16, 8],
  [32, 2],
  [32, 4],
  [6, 5],
  [10, 3],
  [3, 7],
  [12, 4],
  [2, 16],
];
const MAX_THREADS = 768;

function isPow2(v: number): boolean {
  return v > 0 && (v & (v - 1)) === 0;
}

interface Layout {
  bx: number;
  by: number;
  gx: number;
  gy: number;
  /** 1-D: n; 2-D: rows, cols. */
  n: number;
  rows: number;
  cols: number;
}

function layoutOf(p: KernelPlan): Layout {
  const needsWarp = p.sections.some((s) => s.kind === "warp");
  const needsPow2 = p.sections.some((s) => s.kind === "reduce");
  const ok = (threads: number) => (!needsWarp || threads % 32 === 0) && (!needsPow2 || isPow2(threads));
  const pick = <T>(list: T[], threads: (b: T) => number): T => {
    const fits = list.filter((b) => ok(threads(b)));
    return fits[p.blockPick % fits.length]!;
  };
  let bx: number;
  let by = 1;
  if (p.dims === 1) bx = pick(BLOCKS_1D, (b) => b);
  else [bx, by] = pick(BLOCKS_2D, ([a, b]) => a * b);
  const threads = bx * by;
  let gx = p.gridX;
  let gy = p.dims === 2 ? p.gridY : 1;
  while (gx * gy * threads > MAX_THREADS && gx > 1) gx--;
  while (gx * gy * threads > MAX_THREADS && gy > 1) gy--;
  const size = (cover: number, pickN: number): number => {
    switch (p.sizeMode) {
      case "exact":
        return cover;
      case "ragged":
        return Math.max(1, cover - 1 - (pickN % Math.max(1, Math.min(cover - 1, 40))));
      case "small":
        return 1 + (pickN % Math.max(1, Math.min(cover, 20)));
      case "over":
        return cover + 1 + (pickN % Math.max(1, cover));
    }
  };
  if (p.dims === 1) return { bx, by, gx, gy, n: size(gx * bx, p.sizePick), rows: 1, cols: 1 };
  const cols = size(gx * bx, p.sizePick);
  const rows = size(gy * by, p.sizePick2);
  return { bx, by, gx, gy, n: rows * cols, rows, cols };
}

const IDENTITY: Record<string, Record<Scalar, string>> = {
  "+": { int: "0", float: "0.0f" },
  max: { int: "(-1000000)", float: "(-1.0e30f)" },
  min: { int: "1000000", float: "1.0e30f" },
};

function combineOp(op: string, t: Scalar, a: string, b: string): string {
  if (op === "+") return `${a} + ${b}`;
  return t === "int" ? `${op}(${a}, ${b})` : `${op === "max" ? "fmaxf" : "fminf"}(${a}, ${b})`;
}

/** Prints a plan as a CUDA file with its launch and buffers. */
export function renderKernel(plan: KernelPlan): RandomKernel {
  const L = layoutOf(plan);
  const threads = L.bx * L.by;
  const blocks = L.gx * L.gy;
  const P = new Printer();
  const features = P.features;
  const is2d = plan.dims === 2;
  const hasBarrier = plan.sections.some((s) => s.kind === "stage" || s.kind === "reduce" || (s.kind === "atomic" && s.scope !== "global"));
  const hasWarp = plan.sections.some((s) => s.kind === "warp");
  const earlyReturn = plan.earlyReturn && !hasBarrier && !hasWarp;
  const hasGlobalAtomic = plan.sections.some((s) => s.kind === "atomic" && s.scope === "global");
  const ty = (t: RandomBuffer["t"]) => ({ int: "int", float: "float", half: "__half", uint: "unsigned int" })[t];
  const R = plan.restrict ? " __restrict__" : "";
  // the block size where a constant is needed
  const blockName = plan.blockConst === "literal" || is2d ? String(threads) : plan.blockConst === "define" ? "BLOCK" : "BS";
  if (!is2d && plan.blockConst !== "literal") features.add(plan.blockConst === "define" ? "macro" : "template");
  features.add(is2d ? "2d" : "1d");
  features.add(`size-${plan.sizeMode}`);

  const nCode = is2d ? "(rows * cols)" : "n";
  const guard = is2d ? "(r < rows && c < cols)" : "i < n";
  const m = plan.m + (plan.bumpScalar ? 1 : 0);
  const alpha = ALPHAS[plan.alphaPick % ALPHAS.length]!;
  const maxIndex = blocks * threads + (is2d ? L.cols * L.gy * L.by : 0);

  // helpers: T h(T a, int b), bodies over their parameters
  const hScope = (): Scope => ({
    ints: [{ s: "b", lo: -1023, hi: 1023 }],
    floats: [{ s: "a", mag: FLOAT_LIMIT }],
    xf: "x",
    xi: "xi",
    n: "1",
    nValue: 1,
  });
  const hiScope = hScope();
  hiScope.ints.unshift({ s: "a", lo: -1023, hi: 1023 });
  hiScope.floats = [{ s: "0.5f", mag: 0.5 }];
  // helpers read no buffers: their loads become parameters
  const noLoads = (e: Expr): Expr => {
    if (e.k === "load") return { k: "var", pick: 0 };
    if (e.k === "bin") return { ...e, a: noLoads(e.a), b: noLoads(e.b) };
    if (e.k === "un" || e.k === "cast") return { ...e, a: noLoads(e.a) };
    if (e.k === "call") return { ...e, a: noLoads(e.a), b: noLoads(e.b) };
    if (e.k === "sel") return { ...e, c: noLoadsCond(e.c), a: noLoads(e.a), b: noLoads(e.b) };
    return e;
  };
  const noLoadsCond = (c: Cond): Cond =>
    c.k === "cmp" ? { ...c, a: noLoads(c.a), b: noLoads(c.b) } : c.k === "not" ? { ...c, a: noLoadsCond(c.a) } : { ...c, a: noLoadsCond(c.a), b: noLoadsCond(c.b) };
  const hp = new Printer();
  const hf = hp.float(noLoads(plan.helpers.f), hScope());
  const hi = reduceInt(hp.int(noLoads(plan.helpers.i), hiScope), VALUE_LIMIT, 65536);
  const inl = plan.helpers.forceinline ? "__device__ __forceinline__" : "__device__";
  const helperDefs = [`${inl} float hf(float a, int b) { return ${hf.s}; }`, `${inl} int hi(int a, int b) { return ${hi.s}; }`];

  const ints: IntVal[] = [
    { s: "i", lo: 0, hi: maxIndex },
    { s: "tid", lo: 0, hi: threads - 1 },
    { s: "blk", lo: 0, hi: blocks - 1 },
    { s: "m", lo: m, hi: m },
    { s: is2d ? "cols" : "n", lo: is2d ? L.cols : L.n, hi: is2d ? L.cols : L.n },
  ];
  if (is2d) ints.push({ s: "r", lo: 0, hi: L.gy * L.by - 1 }, { s: "c", lo: 0, hi: L.gx * L.bx - 1 });
  else ints.push({ s: "(int)blockIdx.x", lo: 0, hi: blocks - 1 }, { s: "(int)threadIdx.x", lo: 0, hi: threads - 1 });
  const base: Scope = {
    ints,
    floats: [{ s: "alpha", mag: Math.abs(alpha) }],
    xf: "x",
    xi: "xi",
    n: nCode,
    nValue: L.n,
    helpers: { f: "hf", i: "hi", iBounds: [hi.lo, hi.hi], fMag: hf.mag },
  };
  const guarded = (sc: Scope, self = "i"): Scope => ({ ...sc, self });
  const withInt = (sc: Scope, v: IntVal): Scope => ({ ...sc, ints: [...sc.ints, v] });
  const withFloat = (sc: Scope, v: FloatVal): Scope => ({ ...sc, floats: [...sc.floats, v] });
  const value = (t: Scalar, e: Expr, sc: Scope): { s: string; lo: number; hi: number; mag: number } => {
    if (t === "int") {
      const v = reduceInt(P.int(e, sc), VALUE_LIMIT, 65536);
      return { ...v, mag: maxAbs(v) };
    }
    const f = clampFloat(P.float(e, sc), FLOAT_LIMIT);
    return { s: f.s, lo: -f.mag, hi: f.mag, mag: f.mag };
  };
  const withVal = (sc: Scope, t: Scalar, name: string, v: { lo: number; hi: number; mag: number }): Scope =>
    t === "int" ? withInt(sc, { s: name, lo: v.lo, hi: v.hi }) : withFloat(sc, { s: name, mag: v.mag });

  const buffers: RandomBuffer[] = [
    { name: "x", t: "float", count: L.n, role: "input", range: 0 },
    { name: "xi", t: "int", count: L.n, role: "input", range: 64 },
  ];
  const body: string[] = [];
  let dynamicUsed = false;
  let sharedBytes = 0;
  const FULL = (s: { mask: string }) => (s.mask === "hex" ? "0xffffffff" : "0xFFFFFFFFu");

  plan.sections.forEach((s, si) => {
    const o = `o${si}`;
    const out = (t: RandomBuffer["t"], count: number, role: RandomBuffer["role"] = "output", range = 0) => buffers.push({ name: o, t, count, role, range });
    const lines: string[] = [];
    switch (s.kind) {
      case "map": {
        features.add("map");
        out(s.t, L.n);
        let sc = guarded(base);
        lines.push(`if (${guard}) {`);
        if (s.pre) {
          const v = value(s.t, s.pre, sc);
          lines.push(`  ${s.constPre ? "const " : ""}${ty(s.t)} t${si} = ${v.s};`);
          sc = withVal(sc, s.t, `t${si}`, v);
          features.add("local");
        }
        const v = value(s.t, s.body, sc);
        if (s.alt) {
          features.add("if-else");
          lines.push(`  if (${P.cond(s.alt.c, sc)}) ${o}[i] = ${v.s};`, `  else ${o}[i] = ${value(s.t, s.alt.e, sc).s};`);
        } else lines.push(`  ${o}[i] = ${v.s};`);
        lines.push("}");
        break;
      }
      case "bits": {
        features.add("unsigned");
        out("uint", L.n);
        const h = `u${si}`;
        const v = P.int(s.value, guarded(base));
        const steps = s.steps.map(({ op, k }) => {
          switch (op % BIT_STEPS) {
            case 0:
              return `${h} ^= ${h} >> ${k};`;
            case 1:
              return `${h} *= ${MULTIPLIERS[k % MULTIPLIERS.length]};`;
            case 2:
              return `${h} += threadIdx.x * ${k}u;`;
            case 3:
              return `${h} = (${h} << ${k}) | (${h} >> ${32 - k});`;
            case 4:
              return `${h} = ${h} % ${k + 1}u + blockIdx.x;`;
            case 5:
              return `${h} -= (unsigned)tid + ${k}u;`;
            case 6:
              features.add("64-bit");
              return `${h} = (unsigned)(((unsigned long long)${h} * 0x100000001b3ull) >> ${k});`;
            default:
              return `if (${h} & ${1 << k % 8}u) ${h} = ${h} / ${k + 1}u; else ${h} = ${h} ^ 0x${((k * 0x9e3779b1) >>> 0).toString(16)}u;`;
          }
        });
        lines.push(`if (${guard}) {`, `  unsigned int ${h} = (unsigned)(${v.s});`, ...steps.map((l) => "  " + l), `  ${o}[i] = ${h};`, "}");
        break;
      }
      case "half": {
        features.add(`half-${s.style}`);
        const hx = `hx${si}`;
        const h = `h${si}`;
        buffers.push({ name: hx, t: "half", count: L.n, role: "input", range: 0 });
        out("half", L.n);
        const v = value("float", s.body, withFloat(guarded(base), { s: h, mag: 2 }));
        const store = s.style === "convert" ? `__float2half(${v.s})` : `__hadd(${hx}[i], __float2half(${v.s}))`;
        lines.push(`if (${guard}) {`, `  float ${h} = __half2float(${hx}[i]);`, `  ${o}[i] = ${store};`, "}");
        break;
      }
      case "gridStride": {
        if (is2d) {
          // a grid-stride loop over the rows of a 2-D launch
          features.add("grid-stride");
          out(s.t, L.n);
          const sc = guarded(withInt(base, { s: `rr${si}`, lo: 0, hi: L.rows - 1 }), `rr${si} * cols + c`);
          lines.push(`if (c < cols) {`, `  for (int rr${si} = r; rr${si} < rows; rr${si} += blockDim.y * gridDim.y) {`);
          lines.push(`    ${o}[rr${si} * cols + c] = ${value(s.t, s.body, sc).s};`, "  }", "}");
          break;
        }
        features.add("grid-stride");
        out(s.t, L.n);
        const j = `j${si}`;
        const sc = guarded(withInt(base, { s: j, lo: 0, hi: L.n - 1 }), j);
        lines.push(`for (int ${j} = i; ${j} < n; ${j} += blockDim.x * gridDim.x) {`, `  ${o}[${j}] = ${value(s.t, s.body, sc).s};`, "}");
        break;
      }
      case "loop": {
        features.add(s.style === "while" ? "while-loop" : "for-loop");
        out(s.t, L.n);
        const k = `k${si}`;
        const count = s.count === 0 ? "m" : String(s.count);
        const countValue = s.count === 0 ? m : s.count;
        if (s.count === 0) features.add("loop-runtime-count");
        let sc = withInt(s.guarded ? guarded(base) : base, { s: k, lo: 0, hi: Math.max(0, countValue - 1) });
        const inner = s.inner > 0 ? `l${si}` : undefined;
        if (inner) {
          sc = withInt(sc, { s: inner, lo: 0, hi: s.inner - 1 });
          features.add("nested-loop");
        }
        const v = value(s.t, s.body, sc);
        const acc = `acc${si}`;
        const init = s.t === "int" ? "0" : "0.0f";
        const step =
          s.acc === "sum"
            ? `${acc} = ${acc} + ${v.s};`
            : s.acc === "max"
              ? `${acc} = ${combineOp("max", s.t, acc, v.s)};`
              : s.t === "int"
                ? `${acc} = (${acc} ^ (${v.s} & 255)) + 1;`
                : `${acc} = ${acc} * 0.5f + ${v.s};`;
        const ind = s.guarded ? "  " : "";
        if (s.guarded) lines.push(`if (${guard}) {`);
        lines.push(`${ind}${ty(s.t)} ${acc} = ${init};`);
        const innerOpen = inner ? [`${ind}  for (int ${inner} = 0; ${inner} < ${s.inner}; ++${inner}) {`] : [];
        const innerClose = inner ? [`${ind}  }`] : [];
        const skip = s.skip ? [`${ind}  ${inner ? "  " : ""}if (${P.cond(s.skip, sc)}) continue;`] : [];
        if (s.skip) features.add("continue");
        if (s.style === "for") {
          if (s.unroll && s.count > 0) {
            lines.push(`${ind}#pragma unroll`);
            features.add("pragma-unroll");
          }
          lines.push(`${ind}for (int ${k} = 0; ${k} < ${count}; ++${k}) {`, ...innerOpen, ...skip, `${ind}  ${inner ? "  " : ""}${step}`, ...innerClose, `${ind}}`);
        } else {
          // a while loop: `continue` would skip the increment, so it skips through an if
          const stepLine = s.skip ? `if (!${P.cond(s.skip, sc)}) ${step}` : step;
          lines.push(
            `${ind}int ${k} = 0;`,
            `${ind}while (${k} < ${count}) {`,
            ...innerOpen,
            `${ind}  ${inner ? "  " : ""}${stepLine}`,
            ...innerClose,
            `${ind}  ${k}++;`,
            `${ind}}`,
          );
        }
        if (s.guarded) lines.push(`  ${o}[i] = ${acc};`, "}");
        else lines.push(`if (${guard}) ${o}[i] = ${acc};`);
        break;
      }
      case "stage": {
        features.add("shared-staging");
        out(s.t, L.n);
        const arr = `s${si}`;
        const zero = s.t === "int" ? "0" : "0.0f";
        const dynamic = s.dynamic && !dynamicUsed && !is2d;
        if (dynamic) {
          dynamicUsed = true;
          sharedBytes = threads * 4;
          features.add("extern-shared");
          lines.push(`extern __shared__ ${ty(s.t)} ${arr}[];`);
        } else if (is2d) lines.push(`__shared__ ${ty(s.t)} ${arr}[${L.by}][${L.bx}];`);
        else lines.push(`__shared__ ${ty(s.t)} ${arr}[${blockName}];`);
        const at = (idx: string) => `${arr}[${idx}]`;
        const own = is2d ? `${arr}[threadIdx.y][threadIdx.x]` : `${arr}[tid]`;
        const w = value(s.t, s.write, guarded(base));
        lines.push(`${own} = (${guard}) ? ${w.s} : ${zero};`, "__syncthreads();");
        const nb = is2d ? at(`(threadIdx.y + ${s.d}) % ${L.by}][(threadIdx.x + ${s.d % 7}) % ${L.bx}`) : at(`(tid + ${s.d}) % ${blockName}`);
        const mirror = is2d ? at(`${L.by - 1} - threadIdx.y][${L.bx - 1} - threadIdx.x`) : at(`${blockName} - 1 - tid`);
        const a = `a${si}`;
        const b = `b${si}`;
        lines.push(`${ty(s.t)} ${a} = ${nb};`, `${ty(s.t)} ${b} = ${mirror};`);
        if (s.twoRound) {
          // a second round: every read above must finish before the array is overwritten
          features.add("barrier-war");
          const sum = s.t === "int" ? `(${a} + ${b}) % 65536` : `${a} - ${b}`;
          lines.push(
            "__syncthreads();",
            `${own} = ${sum};`,
            "__syncthreads();",
            `${a} = ${is2d ? at(`threadIdx.y][(threadIdx.x + 1) % ${L.bx}`) : at(`(tid + 1) % ${blockName}`)};`,
          );
        }
        const bound = { lo: -2 * w.mag - 65536, hi: 2 * w.mag + 65536, mag: 2 * w.mag + 2 };
        const sc = withVal(withVal(guarded(base), s.t, a, bound), s.t, b, bound);
        // the neighbour's value always reaches the output
        const rest = value(s.t, s.out, sc);
        lines.push(`if (${guard}) ${o}[i] = ${s.t === "int" ? `(${a} % 65536) + ${rest.s}` : `${a} + ${rest.s}`};`);
        break;
      }
      case "reduce": {
        features.add(`block-reduce`);
        out(s.t, blocks);
        const arr = `red${si}`;
        const v = value(s.t, s.value, guarded(base));
        const id = IDENTITY[s.op]![s.t];
        const sz = is2d ? String(threads) : blockName;
        lines.push(`__shared__ ${ty(s.t)} ${arr}[${sz}];`, `${arr}[tid] = (${guard}) ? ${v.s} : ${id};`, "__syncthreads();");
        const start = s.bound === "constant" ? `${sz} / 2` : is2d ? "blockDim.x * blockDim.y / 2" : "blockDim.x / 2";
        lines.push(
          `for (int st = ${start}; st > 0; st >>= 1) {`,
          `  if (tid < st) ${arr}[tid] = ${combineOp(s.op, s.t, `${arr}[tid]`, `${arr}[tid + st]`)};`,
          "  __syncthreads();",
          "}",
          `if (tid == 0) ${o}[blk] = ${arr}[0];`,
        );
        break;
      }
      case "warp": {
        features.add(`warp-${s.style}`);
        const W = s.width;
        const v = value(s.t, s.value, guarded(base));
        const id = IDENTITY[s.op]![s.t];
        const wv = `w${si}`;
        const widthArg = W === 32 && !s.explicitWidth ? "" : `, ${W}`;
        const mask = FULL(s);
        if (s.style === "reduceSync") {
          // __reduce_*_sync takes integers: a float value is converted (clamped) first
          const iv = s.t === "int" ? v.s : `(int)fminf(fmaxf(${v.s}, -4096.0f), 4096.0f)`;
          const fn = s.explicitWidth
            ? { "+": "__reduce_or_sync", max: "__reduce_and_sync", min: "__reduce_xor_sync" }[s.op]
            : `__reduce_${{ "+": "add", max: "max", min: "min" }[s.op]}_sync`;
          features.add(fn);
          out("int", L.n);
          const arg = s.explicitWidth ? `(unsigned)${wv}` : wv;
          lines.push(`int ${wv} = (${guard}) ? ${iv} : 0;`, `int r${si} = (int)${fn}(${mask}, ${arg});`, `if (${guard}) ${o}[i] = r${si};`);
          break;
        }
        lines.push(`${ty(s.t)} ${wv} = (${guard}) ? ${v.s} : ${id};`);
        if (s.style === "vote") {
          const src = P.int(s.src, base);
          const thr = s.t === "int" ? src.s : `(float)${src.s}`;
          out("int", L.n);
          lines.push(
            `unsigned bal${si} = __ballot_sync(${mask}, ${wv} > ${thr});`,
            `int any${si} = __any_sync(${mask}, ${wv} < ${thr});`,
            `int all${si} = __all_sync(${mask}, ${wv} != ${thr});`,
            `if (${guard}) ${o}[i] = __popc(bal${si}) + 64 * any${si} + 128 * all${si} + 256 * (int)(bal${si} & 1023u);`,
          );
          break;
        }
        features.add(`warp-width-${s.width}`);
        if (s.style === "down" || s.style === "xor") {
          const fn = s.style === "down" ? "__shfl_down_sync" : "__shfl_xor_sync";
          lines.push(`for (int off = ${W / 2}; off > 0; off /= 2) ${wv} = ${combineOp(s.op, s.t, wv, `${fn}(${mask}, ${wv}, off${widthArg})`)};`);
          if (s.style === "down") {
            out(s.t, (blocks * threads) / W);
            lines.push(`if (tid % ${W} == 0) ${o}[(blk * ${threads} + tid) / ${W}] = ${wv};`);
          } else {
            out(s.t, L.n);
            lines.push(`if (${guard}) ${o}[i] = ${wv};`);
          }
        } else if (s.style === "bcast") {
          out(s.t, L.n);
          const src = P.int(s.src, base);
          lines.push(`${ty(s.t)} q${si} = __shfl_sync(${mask}, ${wv}, ${src.s}${widthArg});`, `if (${guard}) ${o}[i] = q${si};`);
        } else {
          out(s.t, L.n);
          lines.push(
            `for (int off = 1; off < ${W}; off <<= 1) {`,
            `  ${ty(s.t)} u = __shfl_up_sync(${mask}, ${wv}, off${widthArg});`,
            `  if (tid % ${W} >= off) ${wv} = ${combineOp(s.op, s.t, wv, "u")};`,
            "}",
            `if (${guard}) ${o}[i] = ${wv};`,
          );
        }
        break;
      }
      case "atomic": {
        const idx = P.int(s.index, guarded(base));
        const val = reduceInt(P.int(s.value, guarded(base)), 1000, 1000);
        if (s.scope === "global") {
          const t: Scalar = s.op === "add" ? s.t : "int";
          features.add(`atomic-global-${s.op}-${t}`);
          // the caller's values are folded in (the buffer starts with data, not zeros)
          out(t, s.size, "inout", 64);
          const slot = idx.lo >= 0 ? `(${idx.s}) % ${s.size}` : `((${idx.s}) % ${s.size} + ${s.size}) % ${s.size}`;
          const fn = { add: "atomicAdd", sub: "atomicSub", or: "atomicOr", xor: "atomicXor" }[s.op]!;
          const arg = t === "float" ? `(float)${val.s}` : s.op === "or" || s.op === "xor" ? `(${val.s} & 1023)` : val.s;
          lines.push(`if (${guard}) ${fn}(&${o}[${slot}], ${arg});`);
          break;
        }
        const fn = { add: "atomicAdd", sub: "atomicSub", max: "atomicMax", min: "atomicMin", or: "atomicOr", and: "atomicAnd", xor: "atomicXor", cas: "atomicCAS" }[s.op]!;
        const init = { add: "0", sub: "0", max: "(-1000000)", min: "1000000", or: "0", and: "(-1)", xor: "0", cas: "0" }[s.op]!;
        const arg = s.op === "or" || s.op === "xor" || s.op === "and" ? `(${val.s} & 1023)` : val.s;
        const update = (target: string) =>
          s.op === "cas"
            ? [
                `  int old${si} = ${target};`,
                `  int as${si};`,
                "  do {",
                `    as${si} = old${si};`,
                `    old${si} = atomicCAS(&${target}, as${si}, as${si} + 1);`,
                `  } while (as${si} != old${si});`,
              ]
            : [`  ${fn}(&${target}, ${arg});`];
        if (s.scope === "shared") {
          features.add(`atomic-shared-${s.op}`);
          out("int", blocks);
          const cnt = `cnt${si}`;
          lines.push(
            `__shared__ int ${cnt};`,
            `if (tid == 0) ${cnt} = ${init};`,
            "__syncthreads();",
            `if (${guard}) {`,
            ...update(cnt),
            "}",
            "__syncthreads();",
            `if (tid == 0) ${o}[blk] = ${cnt};`,
          );
        } else {
          features.add(`atomic-histogram-${s.op}`);
          out("int", blocks * 8);
          const h = `h${si}`;
          const stride = is2d ? "blockDim.x * blockDim.y" : "blockDim.x";
          const slot = `(${idx.s}) & 7`;
          lines.push(
            `__shared__ int ${h}[8];`,
            `for (int q = tid; q < 8; q += ${stride}) ${h}[q] = ${init};`,
            "__syncthreads();",
            `if (${guard}) {`,
            ...update(`${h}[${slot}]`),
            "}",
            "__syncthreads();",
            `for (int q = tid; q < 8; q += ${stride}) ${o}[blk * 8 + q] = ${h}[q];`,
          );
        }
        break;
      }
      case "inplace": {
        if (hasGlobalAtomic) {
          // c2m refuses in-place buffers next to atomic outputs (MLX would make the copy atomic too):
          // the section becomes a plain map
          features.add("map");
          out(s.t, L.n);
          lines.push(`if (${guard}) ${o}[i] = ${value(s.t, s.body, guarded(base)).s};`);
          break;
        }
        features.add("in-place");
        buffers.push({ name: o, t: s.t, count: L.n + s.extra, role: "inout", range: s.t === "int" ? 64 : 0 });
        const cond = s.cond ? ` && ${P.cond(s.cond, guarded(base))}` : "";
        if (s.viaLocal) {
          // read into a local, which the new value may use anywhere
          const cur = `v${si}`;
          const v = value(s.t, s.body, withVal(guarded(base), s.t, cur, { lo: 0, hi: 63, mag: 2 }));
          lines.push(`if (${guard}${cond}) {`, `  ${ty(s.t)} ${cur} = ${o}[i];`, `  ${o}[i] = ${v.s};`, "}");
        } else {
          // read in the statement that writes it: as a plain operand (c2m copies only such reads in)
          const v = value(s.t, s.body, guarded(base));
          const upd = s.t === "int" ? `(${o}[i] ^ 85) + ${v.s}` : `${o}[i] * 0.5f + ${v.s}`;
          lines.push(`if (${guard}${cond}) ${o}[i] = ${upd};`);
        }
        break;
      }
    }
    body.push(...lines);
  });

  // parameters: inputs, section buffers, scalars
  const params: RandomKernel["params"] = [];
  const sig: string[] = [];
  for (const b of buffers) {
    const c = b.role === "input" ? "const " : "";
    sig.push(`${c}${ty(b.t)}*${R} ${b.name}`);
    params.push({ name: b.name, arg: { buffer: b.name } });
  }
  if (is2d) {
    sig.push("int rows", "int cols");
    params.push({ name: "rows", arg: { scalar: L.rows, type: "int" } }, { name: "cols", arg: { scalar: L.cols, type: "int" } });
  } else {
    sig.push("int n");
    params.push({ name: "n", arg: { scalar: L.n, type: "int" } });
  }
  sig.push("int m", "float alpha");
  params.push({ name: "m", arg: { scalar: plan.m, type: "int" } }, { name: "alpha", arg: { scalar: alpha, type: "float" } });
  if (plan.bumpScalar) features.add("assigned-scalar");
  if (earlyReturn) features.add("early-return");

  const prologue = is2d
    ? [
        "int c = blockIdx.x * blockDim.x + threadIdx.x;",
        "int r = blockIdx.y * blockDim.y + threadIdx.y;",
        "int tid = threadIdx.y * blockDim.x + threadIdx.x;",
        "int blk = blockIdx.y * gridDim.x + blockIdx.x;",
        "int i = r * cols + c;",
      ]
    : ["int tid = threadIdx.x;", `int i = blockIdx.x * ${plan.blockConst === "template" ? "BS" : "blockDim.x"} + threadIdx.x;`, "int blk = blockIdx.x;"];
  if (plan.bumpScalar) prologue.push("m = m + 1;");
  if (earlyReturn) prologue.push(is2d ? "if (r >= rows || c >= cols) return;" : "if (i >= n) return;");

  const usesHelper = features.has("device-helper");
  const template = !is2d && plan.blockConst === "template";
  const src = [
    `// random kernel (seed ${plan.seed}): ${[...features].sort().join(", ")}`,
    ...(plan.sections.some((s) => s.kind === "half") ? ["#include <cuda_fp16.h>"] : []),
    ...(!is2d && plan.blockConst === "define" ? [`#define BLOCK ${threads}`] : []),
    ...(usesHelper ? helperDefs : []),
    `${template ? "template <int BS>\n" : ""}__global__ void rk(${sig.join(", ")}) {`,
    ...[...prologue, ...body].map((l) => "  " + l),
    "}",
    "",
  ].join("\n");
  return {
    plan,
    kernel: "rk",
    source: src,
    ...(template ? { templateArgs: [String(threads)], template: { BS: threads } } : {}),
    grid: [L.gx, L.gy, 1],
    block: [L.bx, L.by, 1],
    sharedBytes,
    params,
    buffers,
    features: [...features].sort(),
  };
}

/** The buffers before the launch: inputs, in-place and atomic buffers from the LCG; outputs zero. */
export function randomKernelBuffers(k: RandomKernel): Record<string, TypedArray> {
  const out: Record<string, TypedArray> = {};
  k.buffers.forEach((b, bi) => {
    const dtype = ({ int: "int32", uint: "uint32", half: "float16", float: "float32" } as const)[b.t];
    const vals =
      b.role === "output"
        ? new Array<number>(b.count).fill(0)
        : lcgValues((k.plan.seed ^ Math.imul(bi + 1, 0x9e3779b1)) >>> 0, b.count, (b.t === "float" || b.t === "half") && b.range === 0, b.range);
    out[b.name] = fromNumbers(vals, dtype);
  });
  return out;
}
