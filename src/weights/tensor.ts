/**
 * The in-memory tensor every part of the weights converter passes around: a dtype name (the safetensors
 * spelling), a shape, and the elements as contiguous little-endian bytes in row-major order.
 */
import { nameTable } from "../../ir/tables.js";

export type Dtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

export interface Tensor {
  dtype: Dtype;
  shape: number[];
  /** row-major, contiguous, little-endian; length = numel(shape) * itemSize(dtype) */
  data: Uint8Array;
}

/** Bytes per element. */
export const DTYPE_SIZE: Readonly<Record<Dtype, number>> = nameTable({
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
});

export function isDtype(name: string): name is Dtype {
  return Object.prototype.hasOwnProperty.call(DTYPE_SIZE, name);
}

export function isFloatDtype(dtype: Dtype): boolean {
  return dtype === "F64" || dtype === "F32" || dtype === "F16" || dtype === "BF16";
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major strides, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Gathers a strided view into contiguous bytes. `offset` and `strides` are in elements, as torch
 * keeps them. Elements are copied as unsigned words (never as floats, which could rewrite NaN payloads).
 */
export function gatherStrided(source: Uint8Array, itemSize: number, shape: readonly number[], strides: readonly number[], offset: number): Uint8Array {
  const count = numel(shape);
  const out = new Uint8Array(count * itemSize);
  if (count === 0) return out;
  // copy in words of up to 4 bytes: an 8-byte element is two 4-byte words
  const word = Math.min(itemSize, 4);
  const perItem = itemSize / word;
  const aligned = source.byteOffset % word === 0 ? source : source.slice();
  const Words = word === 4 ? Uint32Array : word === 2 ? Uint16Array : Uint8Array;
  const src = new Words(aligned.buffer as ArrayBuffer, aligned.byteOffset, aligned.byteLength / word);
  const dst = new Words(out.buffer);
  const rank = shape.length;
  if (rank === 0) {
    for (let w = 0; w < perItem; w++) dst[w] = src[offset * perItem + w];
    return out;
  }
  const innerSize = shape[rank - 1];
  const innerStride = strides[rank - 1] * perItem;
  const index = new Array<number>(rank).fill(0);
  let base = offset * perItem;
  let d = 0;
  for (let row = 0; row < count / innerSize; row++) {
    let s = base;
    if (perItem === 1) {
      for (let i = 0; i < innerSize; i++, s += innerStride) dst[d++] = src[s];
    } else {
      for (let i = 0; i < innerSize; i++, s += innerStride) for (let w = 0; w < perItem; w++) dst[d++] = src[s + w];
    }
    // advance the outer multi-index like an odometer, keeping `base` in step
    for (let axis = rank - 2; axis >= 0; axis--) {
      index[axis]++;
      base += strides[axis] * perItem;
      if (index[axis] < shape[axis]) break;
      base -= strides[axis] * shape[axis] * perItem;
      index[axis] = 0;
    }
  }
  return out;
}

/** Permutes the axes of a tensor: output axis i is input axis `perm[i]` (numpy's transpose). */
export function permute(t: Tensor, perm: readonly number[]): Tensor {
  const inStrides = contiguousStrides(t.shape);
  const shape = perm.map((p) => t.shape[p]);
  const strides = perm.map((p) => inStrides[p]);
  return { dtype: t.dtype, shape, data: gatherStrided(t.data, DTYPE_SIZE[t.dtype], shape, strides, 0) };
}

// ---- element access for arithmetic (sum) ----

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE half → number. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number → IEEE half, round to nearest even (via float32 first, as MLX's CPU casts do). */
export function numberToHalf(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0];
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
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r;
  }
  let r = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) {
    r++;
    if (r === 0x400) {
      r = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | r;
}

export function bf16ToNumber(b: number): number {
  u32Scratch[0] = b << 16;
  return f32Scratch[0];
}

/** number → bfloat16, round to nearest even (NaN stays NaN). */
export function numberToBf16(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/**
 * Reads element i as a number (int64 as a number too: sums of int64 weights beyond 2^53 are not a
 * concern for checkpoints).
 */
export function readElement(view: DataView, dtype: Dtype, i: number): number {
  switch (dtype) {
    case "F64":
      return view.getFloat64(i * 8, true);
    case "F32":
      return view.getFloat32(i * 4, true);
    case "F16":
      return halfToNumber(view.getUint16(i * 2, true));
    case "BF16":
      return bf16ToNumber(view.getUint16(i * 2, true));
    case "I64":
      return Number(view.getBigInt64(i * 8, true));
    case "I32":
      return view.getInt32(i * 4, true);
    case "I16":
      return view.getInt16(i * 2, true);
    case "I8":
      return view.getInt8(i);
    case "U8":
      return view.getUint8(i);
    case "BOOL":
      return view.getUint8(i) ? 1 : 0;
  }
}

/** Writes element i, rounding/wrapping the number to the dtype the way a cast would. */
export function writeElement(view: DataView, dtype: Dtype, i: number, value: number): void {
  switch (dtype) {
    case "F64":
      view.setFloat64(i * 8, value, true);
      return;
    case "F32":
      view.setFloat32(i * 4, value, true);
      return;
    case "F16":
      view.setUint16(i * 2, numberToHalf(value), true);
      return;
    case "BF16":
      view.setUint16(i * 2, numberToBf16(value), true);
      return;
    case "I64":
      view.setBigInt64(i * 8, BigInt(Math.trunc(value)), true);
      return;
    case "I32":
      view.setInt32(i * 4, value, true);
      return;
    case "I16":
      view.setInt16(i * 2, value, true);
      return;
    case "I8":
      view.setInt8(i, value);
      return;
    case "U8":
      view.setUint8(i, value);
      return;
    case "BOOL":
      view.setUint8(i, value ? 1 : 0);
      return;
  }
}

/** Rounds a number to what the dtype can hold (so a running sum rounds at each step like MLX's adds). */
export function roundToDtype(dtype: Dtype, value: number): number {
  switch (dtype) {
    case "F64":
      return value;
    case "F32":
      return Math.fround(value);
    case "F16":
      return halfToNumber(numberToHalf(value));
    case "BF16":
      return bf16ToNumber(numberToBf16(value));
    default:
      return value;
  }
}

export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Swaps the byte order of every element in place (for checkpoints saved on big-endian machines). */
export function swapBytesInPlace(bytes: Uint8Array, itemSize: number): void {
  if (itemSize === 1) return;
  for (let i = 0; i < bytes.length; i += itemSize) bytes.subarray(i, i + itemSize).reverse();
}
