/**
 * Reading a user's kernel spec (`foo.spec.json` beside `foo.cu`, for `c2m kernel --verify`): the same
 * checked read as every input, JSON with the error's line and column, a hand-written schema check that
 * names the field (a JSON pointer) in every message, and budgets on what the spec makes the emulators
 * allocate and run (buffer elements, bytes in all, threads per launch), checked for every size before
 * anything is allocated.
 */
import { InputError, readSource } from "../io.js";
import { jsonErrorLocation } from "../weights/strict-json.js";
import { evalExpr, type GoldenSpec, type Sizes } from "../verify/golden.js";
import { DTYPES, normalizeDtype, type Dtype } from "../verify/dtypes.js";

/** A spec is a few kilobytes; this is generous. */
const MAX_SPEC_BYTES = 1024 * 1024;
/** Elements of one buffer at one size. */
export const MAX_BUFFER_ELEMENTS = 1 << 24;
/** Bytes of every buffer at one size together. */
export const MAX_TOTAL_BYTES = 256 * 1024 * 1024;
/** Threads of one launch (grid × block), what the emulators run one by one. */
export const MAX_LAUNCH_THREADS = 1 << 24;
/** CUDA's own limits on a block. */
const MAX_BLOCK_THREADS = 1024;
const MAX_SHARED_BYTES = 1024 * 1024;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Reads and checks a kernel spec; every failure is an InputError (C2M-E015 for content) naming the file. */
export function readKernelSpec(path: string): GoldenSpec {
  const text = readSource(path, MAX_SPEC_BYTES);
  let raw: Json;
  try {
    raw = JSON.parse(text) as Json;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const where = jsonErrorLocation(text) ?? "1:1";
    throw new InputError("C2M-E015", `${path}:${where}: not valid JSON (${message.split("\n")[0]})`);
  }
  const spec = checkSchema(raw, path);
  checkBudgets(spec, path);
  return spec;
}

class SpecError extends InputError {
  constructor(file: string, pointer: string, what: string) {
    super("C2M-E015", `${file}: ${pointer || "/"}: ${what}`);
  }
}

const isObject = (v: Json | undefined): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);
const isExpr = (v: Json | undefined): v is string | number => (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && v.length > 0 && v.length <= 200);
const isName = (v: Json | undefined): v is string => typeof v === "string" && /^[A-Za-z_]\w{0,127}$/.test(v);

/** The spec's shape, field by field; the first wrong field is the error. */
function checkSchema(raw: Json, file: string): GoldenSpec {
  const fail = (pointer: string, what: string): never => {
    throw new SpecError(file, pointer, what);
  };
  if (!isObject(raw)) return fail("", "a spec is a JSON object with name, sizes, buffers and launches");
  if (!isName(raw.name)) fail("/name", "must be a kernel name (letters, digits, _)");
  if (raw.file !== undefined && typeof raw.file !== "string") fail("/file", "must be a string");
  if (raw.description !== undefined && typeof raw.description !== "string") fail("/description", "must be a string");
  if (raw.needsTorch !== undefined && typeof raw.needsTorch !== "boolean") fail("/needsTorch", "must be true or false");
  if (raw.zeroOutputs !== undefined && typeof raw.zeroOutputs !== "boolean") fail("/zeroOutputs", "must be true or false");
  if (!Array.isArray(raw.sizes) || raw.sizes.length === 0 || raw.sizes.length > 64) fail("/sizes", "must be a list of 1 to 64 objects of size variables");
  (raw.sizes as Json[]).forEach((s, i) => {
    if (!isObject(s)) return fail(`/sizes/${i}`, "must be an object of size variables");
    for (const [k, v] of Object.entries(s)) {
      if (!isName(k)) fail(`/sizes/${i}/${k}`, "size variables are names");
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) fail(`/sizes/${i}/${k}`, "must be a non-negative integer");
    }
  });
  if (!Array.isArray(raw.buffers) || raw.buffers.length === 0 || raw.buffers.length > 256) fail("/buffers", "must be a list of 1 to 256 buffers");
  const names = new Set<string>();
  (raw.buffers as Json[]).forEach((b, i) => {
    const at = `/buffers/${i}`;
    if (!isObject(b)) return fail(at, "must be an object { name, dtype, count, role }");
    if (!isName(b.name)) fail(`${at}/name`, "must be a name");
    if (names.has(b.name as string)) fail(`${at}/name`, `buffer '${String(b.name)}' is declared twice`);
    names.add(b.name as string);
    if (typeof b.dtype !== "string" || !Object.hasOwn(DTYPES, normalizeDtype(b.dtype))) fail(`${at}/dtype`, `must be one of ${Object.keys(DTYPES).join(", ")}`);
    if (!isExpr(b.count)) fail(`${at}/count`, "must be a number or an expression of the sizes");
    if (b.role !== "input" && b.role !== "output" && b.role !== "inout") fail(`${at}/role`, "must be input, output or inout");
    if (b.range !== undefined && !isExpr(b.range)) fail(`${at}/range`, "must be a number or an expression of the sizes");
  });
  if (!Array.isArray(raw.launches) || raw.launches.length === 0 || raw.launches.length > 256) fail("/launches", "must be a list of 1 to 256 launches");
  (raw.launches as Json[]).forEach((l, i) => {
    const at = `/launches/${i}`;
    if (!isObject(l)) return fail(at, "must be an object { kernel, grid, block, args }");
    if (!isName(l.kernel)) fail(`${at}/kernel`, "must be a kernel name");
    if (l.templateArgs !== undefined && !(Array.isArray(l.templateArgs) && l.templateArgs.every((t) => typeof t === "string")))
      fail(`${at}/templateArgs`, "must be a list of strings");
    if (!Array.isArray(l.grid) || l.grid.length !== 3 || !l.grid.every(isExpr)) fail(`${at}/grid`, "must be three numbers or expressions");
    const block = l.block;
    if (!Array.isArray(block) || block.length !== 3 || !block.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 1))
      fail(`${at}/block`, "must be three positive integers");
    if ((block as number[]).reduce((a, b) => a * b, 1) > MAX_BLOCK_THREADS) fail(`${at}/block`, `a block holds at most ${MAX_BLOCK_THREADS} threads`);
    if (l.sharedBytes !== undefined && !isExpr(l.sharedBytes)) fail(`${at}/sharedBytes`, "must be a number or an expression of the sizes");
    if (!Array.isArray(l.args)) return fail(`${at}/args`, "must be a list");
    l.args.forEach((a, j) => {
      const aat = `${at}/args/${j}`;
      if (!isObject(a)) return fail(aat, "must be { buffer } or { scalar, type }");
      if ("buffer" in a) {
        if (typeof a.buffer !== "string" || !names.has(a.buffer)) fail(`${aat}/buffer`, "must name a buffer of /buffers");
      } else if ("vector" in a) {
        if (!Array.isArray(a.vector) || !a.vector.every(isExpr) || typeof a.type !== "string") fail(aat, "must be { vector: [expressions], type }");
      } else if (!isExpr(a.scalar) || typeof a.type !== "string") fail(aat, "must be { buffer } or { scalar, type }");
    });
  });
  if (raw.host !== undefined) {
    const h = raw.host;
    if (!isObject(h) || typeof h.function !== "string" || !Array.isArray(h.args) || !h.args.every((a) => typeof a === "string"))
      fail("/host", "must be { function, args: [strings] }");
  }
  return raw as unknown as GoldenSpec;
}

/** Every size: each buffer's count, the bytes in all, each launch's threads and shared memory, within budget. */
function checkBudgets(spec: GoldenSpec, file: string): void {
  const value = (e: string | number, sizes: Sizes, pointer: string, max: number): number => {
    let v: number;
    try {
      v = evalExpr(e, sizes);
    } catch (err) {
      throw new SpecError(file, pointer, `cannot evaluate ${JSON.stringify(e)}: ${err instanceof Error ? err.message.replace(/^c2m verify: /, "") : String(err)}`);
    }
    if (!Number.isSafeInteger(v) || v < 0) throw new SpecError(file, pointer, `${JSON.stringify(e)} is ${v}, not a non-negative integer`);
    if (v > max) throw new SpecError(file, pointer, `${JSON.stringify(e)} is ${v}, over the limit of ${max}`);
    return v;
  };
  spec.sizes.forEach((sizes, s) => {
    let bytes = 0;
    spec.buffers.forEach((b, i) => {
      const n = value(b.count, sizes, `/buffers/${i}/count (size ${s})`, MAX_BUFFER_ELEMENTS);
      bytes += n * DTYPES[normalizeDtype(b.dtype) as Dtype].bytes;
      if (b.range !== undefined) value(b.range, sizes, `/buffers/${i}/range (size ${s})`, Number.MAX_SAFE_INTEGER);
    });
    if (bytes > MAX_TOTAL_BYTES) throw new SpecError(file, `/buffers (size ${s})`, `${bytes} bytes in all, over the limit of ${MAX_TOTAL_BYTES}`);
    spec.launches.forEach((l, i) => {
      const blocks = l.grid.reduce<number>((a, g, k) => a * value(g, sizes, `/launches/${i}/grid/${k} (size ${s})`, MAX_LAUNCH_THREADS), 1);
      const threads = blocks * l.block.reduce((a, b) => a * b, 1);
      if (threads > MAX_LAUNCH_THREADS) throw new SpecError(file, `/launches/${i}/grid (size ${s})`, `${threads} threads, over the limit of ${MAX_LAUNCH_THREADS}`);
      if (l.sharedBytes !== undefined) value(l.sharedBytes, sizes, `/launches/${i}/sharedBytes (size ${s})`, MAX_SHARED_BYTES);
      l.args.forEach((a, j) => {
        // a scalar may be negative or fractional (alpha = 0.5); it must only evaluate
        if ("scalar" in a && !Number.isFinite(safeEval(a.scalar, sizes)))
          throw new SpecError(file, `/launches/${i}/args/${j}/scalar (size ${s})`, `cannot evaluate ${JSON.stringify(a.scalar)}`);
      });
    });
  });
}

function safeEval(e: string | number, sizes: Sizes): number {
  try {
    return evalExpr(e, sizes);
  } catch {
    return NaN;
  }
}
