import { nameTable } from "../../ir/tables.js";
// Dtypes the kernel harness moves between TypeScript and the emulated kernels, with the exact
// float16 / bfloat16 conversions (round to nearest even) needed to read and write their bits.

export type TypedArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export type Dtype = "float32" | "float16" | "bfloat16" | "float64" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64" | "bool";

interface DtypeInfo {
  bytes: number;
  /** The type name MLX's `get_type_string` writes into the kernel signature. */
  mlx: string;
  /** The typed array that holds this dtype's raw storage (half/bfloat16: the 16-bit patterns). */
  array: new (n: number) => TypedArray;
  float: boolean;
}

export const DTYPES: Record<Dtype, DtypeInfo> = nameTable({
  float32: { bytes: 4, mlx: "float", array: Float32Array, float: true },
  float16: { bytes: 2, mlx: "float16_t", array: Uint16Array, float: true },
  bfloat16: { bytes: 2, mlx: "bfloat16_t", array: Uint16Array, float: true },
  float64: { bytes: 8, mlx: "double", array: Float64Array, float: true },
  int8: { bytes: 1, mlx: "int8_t", array: Int8Array, float: false },
  int16: { bytes: 2, mlx: "int16_t", array: Int16Array, float: false },
  int32: { bytes: 4, mlx: "int32_t", array: Int32Array, float: false },
  int64: { bytes: 8, mlx: "int64_t", array: BigInt64Array, float: false },
  uint8: { bytes: 1, mlx: "uint8_t", array: Uint8Array, float: false },
  uint16: { bytes: 2, mlx: "uint16_t", array: Uint16Array, float: false },
  uint32: { bytes: 4, mlx: "uint32_t", array: Uint32Array, float: false },
  uint64: { bytes: 8, mlx: "uint64_t", array: BigUint64Array, float: false },
  bool: { bytes: 1, mlx: "bool", array: Uint8Array, float: false },
});

export function dtypeInfo(d: string): DtypeInfo {
  const info = (DTYPES as Record<string, DtypeInfo>)[normalizeDtype(d)];
  if (!info) throw new Error(`c2m verify: unknown dtype "${d}"`);
  return info;
}

/** Accepts MLX/torch spellings: "float32", "mx.float16", "torch.bfloat16", "half", "float", "int". */
export function normalizeDtype(d: string): Dtype {
  const s = d.replace(/^(mx|mlx\.core|torch|np|numpy)\./, "");
  const alias: Record<string, Dtype> = { float: "float32", half: "float16", double: "float64", int: "int32", bool_: "bool" };
  return (alias[s] ?? s) as Dtype;
}

/** The dtype a typed array most plausibly holds (Uint16Array is ambiguous: say float16 explicitly if meant). */
export function dtypeOfArray(a: TypedArray): Dtype {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
  if (a instanceof Int16Array) return "int16";
  if (a instanceof Uint16Array) return "uint16";
  if (a instanceof Int8Array) return "int8";
  if (a instanceof Uint8Array) return "uint8";
  if (a instanceof BigInt64Array) return "int64";
  return "uint64";
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function floatToHalfBits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    const rounded = rem > mid || (rem === mid && half & 1) ? half + 1 : half;
    return sign | rounded;
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  const rounded = rem > 0x1000 || (rem === 0x1000 && half & 1) ? half + 1 : half;
  return sign | rounded; // a carry into the exponent is the correct rounding (up to infinity)
}

export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function floatToBfloatBits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bfloatBitsToFloat(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0]!;
}

/** Element values as numbers (float16/bfloat16 decoded from their bits). */
export function toNumbers(a: TypedArray, dtype: Dtype): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (dtype === "float16") out[i] = halfBitsToFloat(Number(v));
    else if (dtype === "bfloat16") out[i] = bfloatBitsToFloat(Number(v));
    else out[i] = Number(v);
  }
  return out;
}

/** Storage for `values` in `dtype` (float16/bfloat16 rounded to nearest even). */
export function fromNumbers(values: ArrayLike<number>, dtype: Dtype): TypedArray {
  const info = dtypeInfo(dtype);
  const out = new info.array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (dtype === "float16") (out as Uint16Array)[i] = floatToHalfBits(v);
    else if (dtype === "bfloat16") (out as Uint16Array)[i] = floatToBfloatBits(v);
    else if (out instanceof BigInt64Array || out instanceof BigUint64Array) out[i] = BigInt(Math.trunc(v));
    else (out as Float32Array)[i] = dtype === "bool" ? (v ? 1 : 0) : v;
  }
  return out;
}

export function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A typed array of `dtype` over a copy of `bytes`. */
export function arrayFromBytes(bytes: Uint8Array, dtype: Dtype): TypedArray {
  const info = dtypeInfo(dtype);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new (info.array as unknown as new (b: ArrayBuffer, o: number, n: number) => TypedArray)(copy.buffer, 0, bytes.byteLength / info.bytes);
}
