/**
 * The random kernels' expression printer (src/verify/random-kernels.ts has the plans): prints an expression
 * plan as CUDA while carrying its value bounds, reducing an operand that could overflow and wrapping
 * buffer indices into range, and records the features a kernel used.
 */
import { FLOAT_LITS, type Cond, type Expr } from "./random-kernels.js";
// ---------------------------------------------------------------------------------------------
// Printing

/** Integers stay within ±2^28 everywhere (sums of a block or warp of them within int range). */
export const INT_LIMIT = 1 << 28;
/** Section values (reduced, summed over up to 1024 threads) stay within ±2^16. */
export const VALUE_LIMIT = 1 << 16;
/** Floats multiplied stay below this in magnitude (no overflow to infinity). */
export const FLOAT_LIMIT = 1e4;

export interface IntVal {
  s: string;
  lo: number;
  hi: number;
}
export interface FloatVal {
  s: string;
  /** An upper bound of the magnitude. */
  mag: number;
}

export interface Scope {
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

export function fmtFloat(v: number): string {
  const s = Number.isInteger(v) ? `${v}.0f` : `${v}f`;
  return v < 0 ? `(${s})` : s;
}

export function maxAbs(v: IntVal): number {
  return Math.max(Math.abs(v.lo), Math.abs(v.hi));
}

/** `v` reduced to ±(m-1) when it could exceed `limit`. */
export function reduceInt(v: IntVal, limit: number, m = 1024): IntVal {
  if (maxAbs(v) <= limit) return v;
  return { s: `((${v.s}) % ${m})`, lo: v.lo < 0 ? -(m - 1) : 0, hi: m - 1 };
}

export function clampFloat(v: FloatVal, limit: number): FloatVal {
  if (v.mag <= limit) return v;
  return { s: `fminf(fmaxf(${v.s}, -100.0f), 100.0f)`, mag: 100 };
}

/** An index into a buffer of `n` elements: `e mod n`, non-negative. */
export function wrapIndex(v: IntVal, scope: Scope): string {
  if (v.lo >= 0 && v.hi < scope.nValue) return v.s;
  return v.lo >= 0 ? `(${v.s}) % ${scope.n}` : `((${v.s}) % ${scope.n} + ${scope.n}) % ${scope.n}`;
}

export class Printer {
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
