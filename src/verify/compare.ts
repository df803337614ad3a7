// Element-wise comparison of kernel outputs with a tolerance, reporting the first mismatch.
import { toNumbers, type Dtype, type TypedArray } from "./dtypes.js";

export interface Tolerance {
  /** |a - b| <= atol + rtol * |b| passes. Integers and bools compare exactly unless given. */
  rtol?: number;
  atol?: number;
}

export interface Mismatch {
  index: number;
  /** The multi-dimensional index, when a shape was given. */
  position?: number[];
  actual: number;
  expected: number;
}

export interface Comparison {
  ok: boolean;
  count: number;
  mismatches: number;
  maxAbsDiff: number;
  maxRelDiff: number;
  firstMismatch?: Mismatch;
}

export function defaultTolerance(dtype: Dtype): Required<Tolerance> {
  switch (dtype) {
    case "float32":
      return { rtol: 1e-5, atol: 1e-6 };
    case "float64":
      return { rtol: 1e-12, atol: 1e-14 };
    case "float16":
      return { rtol: 1e-3, atol: 1e-3 };
    case "bfloat16":
      return { rtol: 1e-2, atol: 1e-2 };
    default:
      return { rtol: 0, atol: 0 };
  }
}

function unravel(i: number, shape: number[]): number[] {
  const pos = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    pos[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return pos;
}

/** Compares `actual` with `expected`; NaN equals NaN, and a length difference is a mismatch at the shorter end. */
export function compareArrays(actual: TypedArray, expected: TypedArray, dtype: Dtype, tol: Tolerance = {}, shape?: number[]): Comparison {
  const d = defaultTolerance(dtype);
  const rtol = tol.rtol ?? d.rtol;
  const atol = tol.atol ?? d.atol;
  const a = toNumbers(actual, dtype);
  const e = toNumbers(expected, dtype);
  const n = Math.min(a.length, e.length);
  let maxAbs = 0;
  let maxRel = 0;
  let mismatches = Math.abs(a.length - e.length);
  let first: Mismatch | undefined;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = e[i]!;
    let bad: boolean;
    if (Number.isNaN(x) || Number.isNaN(y)) bad = !(Number.isNaN(x) && Number.isNaN(y));
    else if (!Number.isFinite(x) || !Number.isFinite(y)) bad = x !== y;
    else {
      const diff = Math.abs(x - y);
      maxAbs = Math.max(maxAbs, diff);
      if (y !== 0) maxRel = Math.max(maxRel, diff / Math.abs(y));
      else if (diff > 0) maxRel = Infinity;
      bad = diff > atol + rtol * Math.abs(y);
    }
    if (bad) {
      mismatches++;
      if (!first) first = { index: i, actual: x, expected: y, ...(shape ? { position: unravel(i, shape) } : {}) };
    }
  }
  if (!first && a.length !== e.length) first = { index: n, actual: a[n] ?? NaN, expected: e[n] ?? NaN };
  return { ok: mismatches === 0, count: n, mismatches, maxAbsDiff: maxAbs, maxRelDiff: maxRel, firstMismatch: first };
}

export function describeMismatch(name: string, c: Comparison): string {
  if (c.ok) return `${name}: ${c.count} elements agree (max |diff| ${c.maxAbsDiff.toExponential(2)})`;
  const m = c.firstMismatch!;
  const where = m.position ? `[${m.position.join(", ")}]` : `[${m.index}]`;
  return `${name}: ${c.mismatches} of ${c.count} elements differ; first at ${name}${where}: got ${m.actual}, expected ${m.expected} (max |diff| ${c.maxAbsDiff.toExponential(2)})`;
}
