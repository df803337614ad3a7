/**
 * safetensors: an 8-byte little-endian header length, a JSON header
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { str: str } }`, then the data.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import { writeOutputs } from "../io.js";
import { DTYPE_SIZE, isDtype, numel, type Tensor } from "./tensor.js";
import { parseStrictJson, type StrictJson } from "./strict-json.js";
import { nameTable } from "../../ir/tables.js";

/** The file breaks the format (code C2M-E014), or holds a dtype c2m does not convert. */
export class SafetensorsError extends Error {
  readonly code = "C2M-E014";
}

/** A header this large is not a real file (the reference implementation caps it at 100 MB). */
const MAX_HEADER = 100_000_000;
const U64_MAX = (1n << 64n) - 1n;

/**
 * Every dtype the reference implementation (safetensors 0.8) knows, with its size in bits. A file with
 * one c2m does not convert is valid, and refused as unsupported rather than as corrupt.
 */
const REFERENCE_DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

/** True when the bytes start like a safetensors file: a plausible header length, then '{'. */
export function looksLikeSafetensors(head: Uint8Array, fileSize: number): boolean {
  if (head.length < 9) return false;
  const n = new DataView(head.buffer, head.byteOffset, head.byteLength).getBigUint64(0, true);
  return n > 1n && n <= BigInt(Math.min(MAX_HEADER, fileSize - 8)) && head[8] === 0x7b;
}

interface HeaderEntry {
  name: string;
  dtype: string;
  shape: bigint[];
  begin: bigint;
  end: bigint;
}

/**
 * The header's tensors, validated exactly as huggingface/safetensors' `SafeTensors::read_metadata` and
 * `Metadata::validate` do (safetensors/src/tensor.rs), each check in that order:
 *  1. the file holds at least the 8-byte length (HeaderTooSmall);
 *  2. the length is at most 100,000,000 (HeaderTooLarge) and 8 + length fits the file (InvalidHeaderLength);
 *  3. the header is UTF-8 (InvalidHeader);
 *  4. it is JSON as serde_json reads it (see strict-json.ts): one value, whitespace after it only;
 *  5. that value is an object; `__metadata__` is null or an object of string → string, given at most once;
 *  6. every other entry is a tensor: an object with exactly one dtype, shape and data_offsets (other
 *     fields ignored) or a list of exactly those three; a name given twice keeps its last entry;
 *  7. dtype is one of the reference's names; shape and data_offsets are unsigned 64-bit integers (not
 *     floats, not negative), data_offsets exactly two;
 *  8. tensors sorted by (begin, end) tile the data from 0: each begins where the previous ended and does
 *     not end before it begins — no gaps, no overlaps (InvalidOffset);
 *  9. elements × bits fit 64 bits (ValidationOverflow) and fill whole bytes (MisalignedSlice);
 * 10. end − begin is exactly that many bytes (TensorInvalidInfo);
 * 11. the last tensor ends exactly at the end of the file: no trailing bytes (MetadataIncompleteBuffer).
 */
export function validateSafetensorsHeader(headerBytes: Uint8Array, dataSize: number, source: string): HeaderEntry[] {
  const bad = (why: string): never => {
    throw new SafetensorsError(`${source}: invalid safetensors file (${why})`);
  };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    return bad("the header is not valid UTF-8");
  }
  let root: StrictJson;
  try {
    root = parseStrictJson(text);
  } catch (err) {
    return bad(`the header is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (root.kind !== "object") return bad("the header is not a JSON object");
  const u64 = (v: StrictJson, what: string): bigint => {
    if (v.kind !== "int" || v.value < 0n || v.value > U64_MAX) bad(`${what} must be an unsigned integer`);
    return (v as { value: bigint }).value;
  };
  const byName = new Map<string, HeaderEntry>();
  let metadataSeen = false;
  for (const [name, v] of root.entries) {
    if (name === "__metadata__") {
      if (metadataSeen) bad("__metadata__ is given twice");
      metadataSeen = true;
      if (v.kind === "null") continue;
      if (v.kind !== "object") bad("__metadata__ must be an object of strings");
      for (const [k, m] of (v as { entries: [string, StrictJson][] }).entries) if (m.kind !== "string") bad(`__metadata__ value '${k}' is not a string`);
      continue;
    }
    const fields = new Map<string, StrictJson>();
    if (v.kind === "array") {
      if (v.items.length !== 3) bad(`tensor '${name}' as a list must hold [dtype, shape, data_offsets]`);
      ["dtype", "shape", "data_offsets"].forEach((f, i) => fields.set(f, v.items[i]));
    } else if (v.kind === "object") {
      for (const [k, f] of v.entries) {
        if (k !== "dtype" && k !== "shape" && k !== "data_offsets") continue;
        if (fields.has(k)) bad(`tensor '${name}' gives ${k} twice`);
        fields.set(k, f);
      }
    } else bad(`tensor '${name}' is not an object`);
    const dtype = fields.get("dtype");
    const shape = fields.get("shape");
    const offsets = fields.get("data_offsets");
    if (!dtype || !shape || !offsets) return bad(`tensor '${name}' is missing ${!dtype ? "dtype" : !shape ? "shape" : "data_offsets"}`);
    if (dtype.kind !== "string" || !Object.hasOwn(REFERENCE_DTYPE_BITS, dtype.value)) return bad(`tensor '${name}' has an unknown dtype`);
    if (shape.kind !== "array") return bad(`tensor '${name}' has a shape that is not a list`);
    if (offsets.kind !== "array" || offsets.items.length !== 2) return bad(`tensor '${name}' needs data_offsets [begin, end]`);
    byName.set(name, {
      name,
      dtype: dtype.value,
      shape: shape.items.map((d) => u64(d, `tensor '${name}' shape`)),
      begin: u64(offsets.items[0], `tensor '${name}' data_offsets`),
      end: u64(offsets.items[1], `tensor '${name}' data_offsets`),
    });
  }
  const entries = [...byName.values()];
  const sorted = [...entries].sort((a, b) => (a.begin !== b.begin ? (a.begin < b.begin ? -1 : 1) : a.end < b.end ? -1 : a.end > b.end ? 1 : 0));
  let at = 0n;
  for (const e of sorted) {
    if (e.begin !== at || e.end < e.begin) bad(`tensor '${e.name}' has data_offsets [${e.begin}, ${e.end}] that leave a gap or overlap (the data so far ends at ${at})`);
    at = e.end;
    // checked at every step, as Rust's try_fold(checked_mul): [2^64-1, 2, 0] overflows before the 0
    let elements = 1n;
    for (const d of e.shape) {
      elements *= d;
      if (elements > U64_MAX) bad(`tensor '${e.name}': its shape overflows`);
    }
    const bits = elements * BigInt(REFERENCE_DTYPE_BITS[e.dtype]);
    if (bits > U64_MAX) bad(`tensor '${e.name}': its shape overflows`);
    if (bits % 8n !== 0n) bad(`tensor '${e.name}' does not fill whole bytes`);
    if (e.end - e.begin !== bits / 8n) bad(`tensor '${e.name}' has ${e.end - e.begin} bytes but its dtype and shape need ${bits / 8n}`);
  }
  if (at !== BigInt(dataSize)) bad(`the tensors cover ${at} bytes of data but the file holds ${dataSize}`);
  // in the header's order (a name given twice where it first appeared), as c2m always read them
  return entries;
}

export function readSafetensors(path: string): Map<string, Tensor> {
  const source = basename(path);
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const readAt = (position: number, length: number): Uint8Array => {
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, Math.min(length - done, 1 << 30), position + done);
        if (n === 0) throw new SafetensorsError(`${source}: unexpected end of file`);
        done += n;
      }
      return buf;
    };
    if (size < 8) throw new SafetensorsError(`${source}: invalid safetensors file (shorter than the 8-byte header length)`);
    const headerLength = new DataView(readAt(0, 8).buffer).getBigUint64(0, true);
    if (headerLength > BigInt(MAX_HEADER)) throw new SafetensorsError(`${source}: invalid safetensors file (header length ${headerLength} is over the 100,000,000-byte limit)`);
    if (8n + headerLength > BigInt(size)) throw new SafetensorsError(`${source}: invalid safetensors file (header length ${headerLength} does not fit the file)`);
    const dataStart = 8 + Number(headerLength);
    const entries = validateSafetensorsHeader(readAt(8, Number(headerLength)), size - dataStart, source);
    const out = new Map<string, Tensor>();
    // valid, so every offset fits the file; the tensors are read in the header's order
    for (const e of entries) {
      if (!isDtype(e.dtype))
        throw new SafetensorsError(`${source}: tensor '${e.name}' has dtype ${e.dtype}, which c2m does not support (supported: ${Object.keys(DTYPE_SIZE).join(", ")})`);
      out.set(e.name, { dtype: e.dtype, shape: e.shape.map(Number), data: readAt(dataStart + Number(e.begin), Number(e.end - e.begin)) });
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** The file's bytes: header padded with spaces to a multiple of 8 (so tensor data stays aligned). */
function encodeHeader(tensors: Map<string, Tensor>, metadata: Record<string, string>): { header: Uint8Array; dataSize: number } {
  const json: Record<string, unknown> = nameTable({});
  if (Object.keys(metadata).length > 0) json.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === "__metadata__") throw new SafetensorsError("a tensor cannot be named '__metadata__' in safetensors");
    const bytes = numel(t.shape) * DTYPE_SIZE[t.dtype];
    if (t.data.length !== bytes) throw new SafetensorsError(`tensor '${name}' holds ${t.data.length} bytes but its shape [${t.shape.join(", ")}] of ${t.dtype} needs ${bytes}`);
    json[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let text = JSON.stringify(json);
  const raw = new TextEncoder().encode(text);
  const padded = Math.ceil(raw.length / 8) * 8;
  text += " ".repeat(padded - raw.length);
  const encoded = new TextEncoder().encode(text);
  const header = new Uint8Array(8 + encoded.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(encoded.length), true);
  header.set(encoded, 8);
  return { header, dataSize: offset };
}

/**
 * Writes `tensors` (in insertion order) to `path` through the shared output writer: a temporary file
 * beside it, renamed over `path` only once complete, never over one of `inputs` or through a link.
 */
export function writeSafetensors(path: string, tensors: Map<string, Tensor>, metadata: Record<string, string> = { format: "mlx" }, inputs: readonly string[] = []): void {
  const { header } = encodeHeader(tensors, metadata);
  writeOutputs([{ path, content: [header, ...[...tensors.values()].map((t) => t.data)] }], inputs);
}
