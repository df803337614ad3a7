/**
 * A small zip reader, enough for torch.save archives: the central directory (with zip64 records, which
 * torch always writes), stored and deflated entries. Reads through a file descriptor with positioned
 * reads, so a checkpoint larger than a Node buffer can still be opened and each entry read on its own.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { inflateRawSync } from "node:zlib";

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

export class ZipError extends Error {}

/** An archive that asks for more than a real checkpoint needs: refused before the memory is spent. */
export class ReaderLimitError extends Error {
  readonly code = "C2M-E012";
}

/** Deflate cannot compress better than about 1032:1; a larger declared ratio is a lie. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * How many bytes all inflated entries of one archive may take together. torch.save stores entries
 * uncompressed, so a real checkpoint inflates nothing; a re-zipped one inflates to about its own size.
 */
export function inflateBudget(fileSize: number): number {
  const env = Number(process.env.C2M_MAX_INFLATE_BYTES);
  if (Number.isFinite(env) && env > 0) return env;
  return 8 * fileSize + 64 * 1024 * 1024;
}

/** True when the first bytes are a zip local header (what torch.save writes since torch 1.6). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  private readonly fd: number;
  private readonly fileSize: number;
  /** bytes inflated entries may still take (see inflateBudget) */
  private budget = 0;

  constructor(private readonly path: string) {
    this.fd = openSync(path, "r");
    try {
      this.fileSize = fstatSync(this.fd).size;
      this.budget = inflateBudget(this.fileSize);
      this.readCentralDirectory();
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The uncompressed bytes of one entry; `maxBytes` bounds what this entry may be (before anything is read). */
  read(name: string, maxBytes = Number.MAX_SAFE_INTEGER): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw new ZipError(`${this.path}: the archive has no entry '${name}'`);
    if (entry.size > maxBytes) throw new ReaderLimitError(`${this.path}: entry '${name}' declares ${entry.size} bytes, over the ${maxBytes}-byte limit for it`);
    const local = this.readAt(entry.localHeaderOffset, 30);
    const lv = view(local);
    if (lv.getUint32(0, true) !== LOCAL_SIG) throw new ZipError(`${this.path}: corrupt zip (bad local header for '${name}')`);
    // the local extra field can differ from the central one (torch pads it to align tensor data)
    const dataStart = entry.localHeaderOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    if (entry.method === STORED) {
      if (entry.size !== entry.compressedSize)
        throw new ZipError(`${this.path}: corrupt zip (stored entry '${name}' declares ${entry.size} bytes but holds ${entry.compressedSize})`);
      return this.readAt(dataStart, entry.compressedSize);
    }
    if (entry.method === DEFLATED) {
      // every bound is checked before a byte is inflated: the declared size against deflate's best ratio
      // and the archive's budget, and the inflater stops at the declared size
      if (entry.size > Math.max(1024, entry.compressedSize * MAX_DEFLATE_RATIO)) {
        throw new ReaderLimitError(`${this.path}: entry '${name}' declares ${entry.size} bytes from ${entry.compressedSize} compressed, more than deflate can produce`);
      }
      if (entry.size > this.budget) {
        throw new ReaderLimitError(
          `${this.path}: entry '${name}' would inflate to ${entry.size} bytes, over the archive's inflate budget (${this.budget} bytes left; C2M_MAX_INFLATE_BYTES raises it)`,
        );
      }
      this.budget -= entry.size;
      const raw = this.readAt(dataStart, entry.compressedSize);
      let out: Uint8Array;
      try {
        out = new Uint8Array(inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) }));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ERR_BUFFER_TOO_LARGE") throw new ZipError(`${this.path}: corrupt zip (entry '${name}' inflates past its declared ${entry.size} bytes)`);
        throw new ZipError(`${this.path}: corrupt zip (entry '${name}' does not inflate: ${err instanceof Error ? err.message : String(err)})`);
      }
      if (out.length !== entry.size) throw new ZipError(`${this.path}: corrupt zip (entry '${name}' inflates to ${out.length} bytes, expected ${entry.size})`);
      return out;
    }
    throw new ZipError(`${this.path}: zip entry '${name}' uses compression method ${entry.method}; only stored and deflate are supported`);
  }

  private readAt(position: number, length: number): Uint8Array {
    if (position < 0 || position + length > this.fileSize) throw new ZipError(`${this.path}: corrupt zip (a record points past the end of the file)`);
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, Math.min(length - done, 1 << 30), position + done);
      if (n === 0) throw new ZipError(`${this.path}: unexpected end of file`);
      done += n;
    }
    return buf;
  }

  private readCentralDirectory(): void {
    // The end-of-central-directory record sits in the last 22 + (up to 65535 comment) bytes.
    const tailLength = Math.min(this.fileSize, 22 + U16_MAX);
    const tailStart = this.fileSize - tailLength;
    const tail = this.readAt(tailStart, tailLength);
    const tv = view(tail);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipError(`${this.path}: not a zip archive (no end-of-central-directory record)`);
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    // zip64: the locator sits just before the EOCD and points at the zip64 EOCD record
    if (eocd >= 20 && tv.getUint32(eocd - 20, true) === ZIP64_LOCATOR_SIG) {
      const z64At = Number(tv.getBigUint64(eocd - 20 + 8, true));
      const z64 = view(this.readAt(z64At, 56));
      if (z64.getUint32(0, true) !== ZIP64_EOCD_SIG) throw new ZipError(`${this.path}: corrupt zip64 end-of-central-directory record`);
      count = Number(z64.getBigUint64(32, true));
      cdSize = Number(z64.getBigUint64(40, true));
      cdOffset = Number(z64.getBigUint64(48, true));
    }
    const cd = this.readAt(cdOffset, cdSize);
    const cv = view(cd);
    const decoder = new TextDecoder();
    let p = 0;
    for (let n = 0; n < count; n++) {
      if (p + 46 > cd.length || cv.getUint32(p, true) !== CENTRAL_SIG) throw new ZipError(`${this.path}: corrupt zip central directory`);
      const method = cv.getUint16(p + 10, true);
      let compressedSize = cv.getUint32(p + 20, true);
      let size = cv.getUint32(p + 24, true);
      const nameLength = cv.getUint16(p + 28, true);
      const extraLength = cv.getUint16(p + 30, true);
      const commentLength = cv.getUint16(p + 32, true);
      let localHeaderOffset = cv.getUint32(p + 42, true);
      const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLength));
      // zip64 extended information: 64-bit values, present only for the fields that read 0xffffffff
      let e = p + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = cv.getUint16(e, true);
        const len = cv.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === U32_MAX) {
            size = Number(cv.getBigUint64(q, true));
            q += 8;
          }
          if (compressedSize === U32_MAX) {
            compressedSize = Number(cv.getBigUint64(q, true));
            q += 8;
          }
          if (localHeaderOffset === U32_MAX) {
            localHeaderOffset = Number(cv.getBigUint64(q, true));
            q += 8;
          }
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      p = extraEnd + commentLength;
    }
  }
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
