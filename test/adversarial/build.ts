/**
 * Builders for hostile inputs, byte by byte: pickles (a torch state_dict, or a payload that would run
 * code if it were executed), zip archives laid out as torch.save lays them out (entries stored or
 * deflated, with sizes that may lie), safetensors files (header text given raw) — and the harness that
 * runs the real CLI on them as a subprocess under rlimits and checks what every hostile run must hold.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { expect } from "vitest";
import { packageRoot } from "../../src/python.js";

export const ROOT = packageRoot();
/** C2M_ADVERSARIAL_CLI runs the suite against another build (main's, to see which cases failed before) */
export const CLI = process.env.C2M_ADVERSARIAL_CLI ?? join(ROOT, "dist", "src", "cli.js");

// ---- pickles ----

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
};
/** BINUNICODE */
export const str = (s: string) => Buffer.concat([Buffer.from([0x58]), u32(Buffer.byteLength(s)), Buffer.from(s)]);
/** BININT */
export const int = (n: number) => Buffer.concat([Buffer.from([0x4a]), i32(n)]);
/** GLOBAL module\nname\n */
export const global = (module: string, name: string) => Buffer.from(`c${module}\n${name}\n`, "latin1");
export const op = {
  PROTO2: Buffer.from([0x80, 2]),
  MARK: Buffer.from([0x28]),
  TUPLE: Buffer.from([0x74]),
  EMPTY_TUPLE: Buffer.from([0x29]),
  EMPTY_DICT: Buffer.from([0x7d]),
  SETITEMS: Buffer.from([0x75]),
  REDUCE: Buffer.from([0x52]),
  BINPERSID: Buffer.from([0x51]),
  NEWFALSE: Buffer.from([0x89]),
  STOP: Buffer.from([0x2e]),
};

export interface TensorSpec {
  key: string;
  storage: string;
  numel: number;
  offset?: number;
  shape: number[];
  stride: number[];
  storageType?: string;
}

/** The pickle torch.save writes for a state_dict of these tensors (protocol 2, the rebuild functions). */
export function stateDictPickle(tensors: TensorSpec[], extra: Buffer[] = []): Buffer {
  const parts: Buffer[] = [op.PROTO2, op.EMPTY_DICT, op.MARK];
  for (const t of tensors) {
    const tuple = (xs: number[]) => Buffer.concat([op.MARK, ...xs.map(int), op.TUPLE]);
    parts.push(
      str(t.key),
      global("torch._utils", "_rebuild_tensor_v2"),
      op.MARK,
      op.MARK,
      str("storage"),
      global("torch", t.storageType ?? "FloatStorage"),
      str(t.storage),
      str("cpu"),
      int(t.numel),
      op.TUPLE,
      op.BINPERSID,
      int(t.offset ?? 0),
      tuple(t.shape),
      tuple(t.stride),
      op.NEWFALSE,
      global("collections", "OrderedDict"),
      op.EMPTY_TUPLE,
      op.REDUCE,
      op.TUPLE,
      op.REDUCE,
    );
  }
  parts.push(...extra, op.SETITEMS, op.STOP);
  return Buffer.concat(parts);
}

/** A pickle that, if executed, would create `marker` (the classic os.system / eval / exec routes). */
export function payloadPickle(route: string, marker: string): Buffer {
  const cmd = `touch ${marker}`;
  const py = `open(${JSON.stringify(marker)}, "w").close()`;
  const call = (mod: string, name: string, arg: string) => Buffer.concat([op.PROTO2, global(mod, name), op.MARK, str(arg), op.TUPLE, op.REDUCE, op.STOP]);
  switch (route) {
    case "os.system":
      return call("os", "system", cmd);
    case "posix.system":
      return call("posix", "system", cmd);
    case "subprocess.getoutput":
      return call("subprocess", "getoutput", cmd);
    case "builtins.eval":
      return call("builtins", "eval", py);
    case "builtins.exec":
      return call("builtins", "exec", py);
    case "__builtin__.eval":
      return call("__builtin__", "eval", py);
    case "INST":
      return Buffer.concat([op.MARK, str(cmd), Buffer.from("ios\nsystem\n", "latin1"), op.STOP]);
    case "OBJ":
      return Buffer.concat([op.MARK, global("os", "system"), str(cmd), Buffer.from([0x6f]), op.STOP]);
    case "STACK_GLOBAL":
      return Buffer.concat([op.PROTO2, str("os"), str("system"), Buffer.from([0x93]), op.MARK, str(cmd), op.TUPLE, op.REDUCE, op.STOP]);
    case "NEWOBJ":
      return Buffer.concat([op.PROTO2, global("subprocess", "Popen"), op.MARK, op.MARK, str("touch"), str(marker), Buffer.from([0x6c]), op.TUPLE, Buffer.from([0x81]), op.STOP]);
    case "BUILD":
      return Buffer.concat([
        op.PROTO2,
        global("collections", "OrderedDict"),
        op.EMPTY_TUPLE,
        op.REDUCE,
        op.EMPTY_DICT,
        str("__setstate__"),
        global("os", "system"),
        Buffer.from([0x73]),
        Buffer.from([0x62]),
        op.STOP,
      ]);
    case "EXT1":
      return Buffer.concat([op.PROTO2, Buffer.from([0x82, 1]), op.STOP]);
    default:
      throw new Error(route);
  }
}
export const PAYLOAD_ROUTES = [
  "os.system",
  "posix.system",
  "subprocess.getoutput",
  "builtins.eval",
  "builtins.exec",
  "__builtin__.eval",
  "INST",
  "OBJ",
  "STACK_GLOBAL",
  "NEWOBJ",
  "BUILD",
  "EXT1",
];

// ---- zips ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntrySpec {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** the uncompressed size written in the headers (a lie when it differs from data.length) */
  declaredSize?: number;
}

/** A zip archive: local headers, data, central directory, end record (no zip64: entries are small). */
export function zip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const name = Buffer.from(e.name);
    const size = e.declaredSize ?? e.data.length;
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(e.deflate ? 8 : 0, 8);
    head.writeUInt32LE(crc32(e.data), 14);
    head.writeUInt32LE(body.length, 18);
    head.writeUInt32LE(size, 22);
    head.writeUInt16LE(name.length, 26);
    locals.push(head, name, body);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(e.deflate ? 8 : 0, 10);
    c.writeUInt32LE(crc32(e.data), 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    centrals.push(c, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A torch.save archive: archive/data.pkl, archive/byteorder, archive/data/<key>. */
export function torchZip(pickle: Uint8Array, storages: Record<string, Uint8Array>, opts: { deflate?: boolean } = {}): Buffer {
  return zip([
    { name: "archive/data.pkl", data: pickle, deflate: opts.deflate },
    { name: "archive/byteorder", data: Buffer.from("little") },
    ...Object.entries(storages).map(([k, data]) => ({ name: `archive/data/${k}`, data, deflate: opts.deflate })),
  ]);
}

// ---- safetensors ----

/** 8-byte length, the header text as given (not re-encoded), the data. */
export function safetensors(header: string | Uint8Array, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Buffer {
  const h = typeof header === "string" ? Buffer.from(header) : Buffer.from(header);
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(lengthOverride ?? BigInt(h.length));
  return Buffer.concat([n, h, data]);
}

// ---- the CLI under rlimits ----

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * The real CLI as a subprocess, under rlimits: 3 GiB of data segment (RLIMIT_DATA: heap and writable
 * mappings; not RLIMIT_AS, which WebAssembly's reserved-but-unused memory exceeds; a reader that inflates or
 * expands past its budget dies instead of taking the machine), 60 s of CPU, and a wall-clock timeout.
 */
export function c2m(args: string[], opts: { cwd?: string; timeoutMs?: number; memMiB?: number } = {}): CliRun {
  const started = Date.now();
  const mem = (opts.memMiB ?? 3072) * 1024 * 1024;
  const r = spawnSync("prlimit", [`--data=${mem}`, "--cpu=60", "--", process.execPath, CLI, ...args], {
    encoding: "utf8",
    cwd: opts.cwd ?? ROOT,
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 16 << 20,
    env: { ...process.env, C2M_NO_BUNDLE: "" },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms: Date.now() - started };
}

export const hashFile = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

/** Every file under `dir`, recursively. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

export interface HostileExpectations {
  /** allowed exit codes */
  exit: number[];
  /** text the message must contain (the file's name, usually) */
  names: string;
  /** a code the output must carry */
  code?: string | RegExp;
  /** inputs with their hashes before the run: unchanged after it */
  inputs?: Record<string, string>;
  /** outputs that must not exist after the run (no partial output) */
  absent?: string[];
  /** a file the payload would have created */
  marker?: string;
  /** folders that must hold no temporary file */
  folders?: string[];
}

/** What every hostile run must hold: the exit code, a message naming the file, no trace, nothing run or lost. */
export function expectHandled(r: CliRun, e: HostileExpectations): void {
  const all = r.stdout + r.stderr;
  const context = `exit ${r.status} ${r.signal ?? ""}\n${all.slice(0, 2000)}`;
  expect(r.signal, context).toBeNull();
  expect(e.exit, context).toContain(r.status);
  expect(all, context).toContain(e.names);
  if (e.code) expect(all, context).toMatch(e.code);
  expect(all, context).not.toMatch(/internal error|\n\s+at .*:\d+:\d+\)?\n|RangeError|TypeError|Maximum call stack/);
  for (const [p, h] of Object.entries(e.inputs ?? {})) expect(hashFile(p), `input ${p} changed`).toBe(h);
  for (const p of e.absent ?? []) expect(existsSync(p), `partial output ${p}`).toBe(false);
  if (e.marker) expect(existsSync(e.marker), `payload ran: ${e.marker}`).toBe(false);
  for (const d of e.folders ?? [])
    expect(
      listFiles(d).filter((p) => p.endsWith(".tmp")),
      `temporaries in ${d}`,
    ).toEqual([]);
}

export const isFile = (p: string) => existsSync(p) && statSync(p).isFile();
