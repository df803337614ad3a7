/**
 * File input and output shared by every command. Inputs: regular files only (a FIFO, a device or
 * /dev/zero is refused before a byte is read), read with a size budget, checked as UTF-8 text. Outputs:
 * one writer for every command — never over an input (same resolved path or same inode), never through a
 * symbolic link at the destination, each file written to a temporary file in its destination folder and
 * renamed into place only when every file of the output (a module and its map) is complete; temporaries
 * are removed on SIGINT/SIGTERM/SIGHUP, the batch workers' included.
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { isMainThread } from "node:worker_threads";

export class InputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_INPUT_BYTES = 8 * 1024 * 1024;

const statOrUndefined = (path: string, link = false): Stats | undefined => {
  try {
    return link ? lstatSync(path) : statSync(path);
  } catch {
    return undefined;
  }
};

/**
 * Opens `path` for reading if it is a regular file. Non-blocking open, so that a FIFO cannot hang the
 * command before fstat says what it is.
 */
export function openRegularFile(path: string): { fd: number; size: number } {
  const st = statOrUndefined(path);
  if (!st) throw new InputError("C2M-E004", `${path}: no such file`);
  if (st.isDirectory()) throw new InputError("C2M-E004", `${path}: is a directory`);
  if (!st.isFile()) throw new InputError("C2M-E008", `${path}: not a regular file (a device, FIFO or socket); c2m reads regular files only`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new InputError("C2M-E004", `${path}: cannot open (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const real = fstatSync(fd);
  if (!real.isFile()) {
    closeSync(fd);
    throw new InputError("C2M-E008", `${path}: not a regular file; c2m reads regular files only`);
  }
  return { fd, size: real.size };
}

/** Checks that `path` is a regular file c2m may read (the checkpoint readers open it themselves). */
export function checkRegularFile(path: string): void {
  closeSync(openRegularFile(path).fd);
}

/** The bytes of a regular file, reading at most `maxBytes` (a file that grows while read is still bounded). */
export function readInputBytes(path: string, maxBytes = MAX_INPUT_BYTES): Buffer {
  const { fd, size } = openRegularFile(path);
  try {
    if (size > maxBytes) throw new InputError("C2M-E003", `${path}: ${size} bytes is over the ${maxBytes}-byte limit`);
    const buf = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let done = 0;
    for (;;) {
      const n = readSync(fd, buf, done, buf.length - done, null);
      if (n === 0) break;
      done += n;
      if (done > maxBytes) throw new InputError("C2M-E003", `${path}: over the ${maxBytes}-byte limit`);
      if (done === buf.length) break;
    }
    return buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** Reads a source file, refusing what is not a readable UTF-8 text file of sane size. */
export function readSource(path: string, maxBytes = MAX_INPUT_BYTES): string {
  return decodeSource(readInputBytes(path, maxBytes), path);
}

/** UTF-8 text without NUL bytes (a leading BOM dropped), or an InputError naming `path`. */
export function decodeSource(bytes: Uint8Array, path: string): string {
  if (bytes.includes(0)) throw new InputError("C2M-E002", `${path}: binary file (contains NUL bytes)`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new InputError("C2M-E002", `${path}: not valid UTF-8 text`);
  }
}

/** The path with its folder's links resolved (the file itself need not exist). */
function resolvedPath(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/** True when both paths name the same file: the same resolved path, or the same inode through a hard link. */
export function sameFile(a: string, b: string): boolean {
  if (resolvedPath(a) === resolvedPath(b)) return true;
  const sa = statOrUndefined(a);
  const sb = statOrUndefined(b);
  return !!sa && !!sb && sa.dev === sb.dev && sa.ino === sb.ino;
}

export interface OutputFile {
  path: string;
  /** the bytes, or chunks written one after the other (large outputs are never joined in memory) */
  content: string | Uint8Array | readonly Uint8Array[];
}

interface InterruptRegistry {
  /** temporary files this thread has open, removed if the process is interrupted */
  liveTemps: Set<string>;
  /** folders where batch workers (threads of this process) write temporaries; swept on a signal */
  tempFolders: Set<string>;
  /** called on a signal before the sweep (the batch pool stops its workers here) */
  stoppers: Set<() => Promise<void>>;
}
/**
 * Kept on the thread's global object: the CLI bundle and the ES modules it loads later (the batch
 * pool) each hold their own copy of this module, and the signal handler must see what both register.
 */
const registry: InterruptRegistry = ((globalThis as Record<symbol, unknown>)[Symbol.for("c2m.io.interrupt")] ??= {
  liveTemps: new Set(),
  tempFolders: new Set(),
  stoppers: new Set(),
}) as InterruptRegistry;
const { liveTemps, tempFolders, stoppers } = registry;

const tempPrefix = (path: string) => `.${basename(path)}.c2m-${process.pid}-`;
const isTempOf = (name: string) => name.includes(`.c2m-${process.pid}-`) && name.endsWith(".tmp");

/**
 * Checks that `path` may be written: its folder exists, it is not a symbolic link or anything but a
 * regular file, and it is none of `inputs`.
 */
export function checkOutputPath(path: string, inputs: readonly string[]): void {
  const dir = dirname(resolve(path));
  if (!statOrUndefined(dir)?.isDirectory()) throw new InputError("C2M-E004", `${dirname(path)}: output folder does not exist`);
  const st = statOrUndefined(path, true);
  if (st?.isSymbolicLink()) throw new InputError("C2M-E009", `${path}: is a symbolic link; c2m does not write through links (remove it or choose another -o)`);
  if (st && !st.isFile()) throw new InputError("C2M-E009", `${path}: exists and is not a regular file`);
  for (const input of inputs) {
    if (sameFile(path, input)) throw new InputError("C2M-E005", `${path}: refusing to overwrite the input file ${input}`);
  }
}

/**
 * Writes every file of one output, all or nothing: each goes to a temporary file in its destination
 * folder (created exclusively, fsynced), and the renames happen only once every temporary file is
 * complete. Refuses (InputError) before writing anything when a destination is an input, a link, or
 * not a regular file.
 */
export function writeOutputs(files: readonly OutputFile[], inputs: readonly string[] = []): void {
  for (const f of files) checkOutputPath(f.path, inputs);
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      if (sameFile(files[i].path, files[j].path)) throw new InputError("C2M-E005", `${files[i].path}: two outputs of one command name the same file`);
    }
  }
  const temps: [string, string][] = [];
  try {
    for (const f of files) {
      const tmp = join(dirname(resolve(f.path)), `${tempPrefix(f.path)}${Math.random().toString(36).slice(2)}.tmp`);
      liveTemps.add(tmp);
      temps.push([tmp, f.path]);
      writeTemp(tmp, f.content);
    }
    // a link planted at the destination while the temporaries were written is still refused
    for (const f of files) checkOutputPath(f.path, inputs);
    for (const [tmp, path] of temps) {
      renameSync(tmp, path);
      liveTemps.delete(tmp);
    }
  } catch (err) {
    for (const [tmp] of temps) removeQuietly(tmp);
    throw err;
  }
}

/** One file through the same writer. */
export function writeAtomic(path: string, content: string | Uint8Array, inputs: readonly string[] = []): void {
  writeOutputs([{ path, content }], inputs);
}

function writeTemp(path: string, content: OutputFile["content"]): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    const chunks = typeof content === "string" ? [Buffer.from(content, "utf8")] : content instanceof Uint8Array ? [content] : content;
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.length) done += writeSync(fd, chunk, done, Math.min(chunk.length - done, 1 << 30));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** A batch run registers the folders its workers write to, so that a signal sweeps their temporaries. */
export function watchTempFolder(dir: string): void {
  tempFolders.add(resolve(dir));
}

/** A batch pool registers how to stop its workers before the sweep. Returns the unregister function. */
export function onInterrupt(stop: () => Promise<void>): () => void {
  stoppers.add(stop);
  return () => stoppers.delete(stop);
}

/** Removes every temporary file this process has in flight (its own and its workers'). */
export function removeTemporaries(): void {
  for (const tmp of liveTemps) removeQuietly(tmp);
  liveTemps.clear();
  for (const dir of tempFolders) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (isTempOf(name)) removeQuietly(join(dir, name));
  }
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };
const INSTALLED = Symbol.for("c2m.io.interrupt-installed");

/** The CLI calls this once: on a signal, stop the workers, remove every temporary, exit as the signal would. */
export function installInterruptCleanup(): void {
  const global = globalThis as Record<symbol, unknown>;
  if (!isMainThread || global[INSTALLED]) return;
  global[INSTALLED] = true;
  let stopping = false;
  for (const [signal, number] of Object.entries(SIGNALS)) {
    process.on(signal as NodeJS.Signals, () => {
      if (stopping) return;
      stopping = true;
      // stop the workers first (a terminated thread writes nothing more), then sweep, then exit as the signal would
      const stopped = Promise.allSettled([...stoppers].map((s) => s()));
      const deadline = new Promise((r) => setTimeout(r, 2000).unref());
      void Promise.race([stopped, deadline]).then(() => {
        removeTemporaries();
        process.stderr.write(`\nc2m: error C2M-E017: interrupted (${signal}); no partial output left\n`);
        process.exit(128 + number);
      });
    });
  }
  process.on("exit", removeTemporaries);
}
