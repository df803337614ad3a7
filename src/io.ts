/** File input and output shared by the commands: checked reads, atomic writes. */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export class InputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_INPUT_BYTES = 8 * 1024 * 1024;

/** Reads a source file, refusing what is not a readable UTF-8 text file of sane size. */
export function readSource(path: string, maxBytes = MAX_INPUT_BYTES): string {
  if (!existsSync(path)) throw new InputError("C2M-E004", `${path}: no such file`);
  const st = statSync(path);
  if (st.isDirectory()) throw new InputError("C2M-E004", `${path}: is a directory`);
  if (st.size > maxBytes) throw new InputError("C2M-E003", `${path}: ${st.size} bytes is over the ${maxBytes}-byte limit`);
  const bytes = readFileSync(path);
  if (bytes.includes(0)) throw new InputError("C2M-E002", `${path}: binary file (contains NUL bytes)`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new InputError("C2M-E002", `${path}: not valid UTF-8 text`);
  }
}

export function samePath(a: string, b: string): boolean {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
}

/** Writes via a temporary file in the same folder and a rename: readers never see half a file. */
export function writeAtomic(path: string, content: string | Uint8Array): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir)) throw new InputError("C2M-E004", `${dir}: output folder does not exist`);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, typeof content === "string" ? Buffer.from(content, "utf8") : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw err;
  }
}
