/**
 * safetensors: an 8-byte little-endian header length, a JSON header
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { str: str } }`, then the data.
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DTYPE_SIZE, isDtype, numel, type Tensor } from "./tensor.js";

export class SafetensorsError extends Error {}

/** A header this large is not a real file (the reference implementation caps it at 100 MB). */
const MAX_HEADER = 100_000_000;

/** True when the bytes start like a safetensors file: a plausible header length, then '{'. */
export function looksLikeSafetensors(head: Uint8Array, fileSize: number): boolean {
  if (head.length < 9) return false;
  const n = new DataView(head.buffer, head.byteOffset, head.byteLength).getBigUint64(0, true);
  return n > 1n && n <= BigInt(Math.min(MAX_HEADER, fileSize - 8)) && head[8] === 0x7b;
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
    if (size < 8) throw new SafetensorsError(`${source} is too short to be a safetensors file`);
    const headerLength = Number(new DataView(readAt(0, 8).buffer).getBigUint64(0, true));
    if (headerLength > MAX_HEADER || 8 + headerLength > size) throw new SafetensorsError(`${source}: not a safetensors file (header length ${headerLength} does not fit)`);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder().decode(readAt(8, headerLength)));
    } catch {
      throw new SafetensorsError(`${source}: not a safetensors file (its header is not JSON)`);
    }
    if (typeof header !== "object" || header === null || Array.isArray(header)) throw new SafetensorsError(`${source}: safetensors header is not an object`);
    const dataStart = 8 + headerLength;
    const dataSize = size - dataStart;
    const out = new Map<string, Tensor>();
    for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
      if (name === "__metadata__") continue;
      const { dtype, shape, data_offsets: offsets } = (info ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof dtype !== "string" || !isDtype(dtype)) throw new SafetensorsError(`${source}: tensor '${name}' has dtype ${String(dtype)}, which c2m does not support (supported: ${Object.keys(DTYPE_SIZE).join(", ")})`);
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(`${source}: tensor '${name}' has a bad shape`);
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(`${source}: tensor '${name}' has bad data_offsets`);
      const [begin, end] = offsets as number[];
      const expected = numel(shape) * DTYPE_SIZE[dtype];
      if (end - begin !== expected || end > dataSize) throw new SafetensorsError(`${source}: tensor '${name}' has data_offsets [${begin}, ${end}] that do not fit its shape or the file`);
      out.set(name, { dtype, shape: [...shape], data: readAt(dataStart + begin, expected) });
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** The file's bytes: header padded with spaces to a multiple of 8 (so tensor data stays aligned). */
function encodeHeader(tensors: Map<string, Tensor>, metadata: Record<string, string>): { header: Uint8Array; dataSize: number } {
  const json: Record<string, unknown> = {};
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
 * Writes `tensors` (in insertion order) to `path` atomically: into a temporary file beside it, renamed
 * over `path` only once complete, so a failure never leaves a partial file.
 */
export function writeSafetensors(path: string, tensors: Map<string, Tensor>, metadata: Record<string, string> = { format: "mlx" }): void {
  const { header } = encodeHeader(tensors, metadata);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx");
    writeAll(fd, header);
    for (const t of tensors.values()) writeAll(fd, t.data);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30));
}
