/**
 * The parity runner: run a PyTorch model and its MLX translation on the same weights and inputs, and
 * compare every output. The torch half and the MLX half are Python scripts next to this file; each runs
 * once for all cases (importing torch costs seconds). Weights go through c2m's own converter, so a run
 * checks the translation and the weight map together.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import type { WeightMaps, WeightRule } from "../../ir/weights.js";
import type { Diagnostic } from "../../ir/diagnostics.js";
import type { CompileResult } from "../index.js";
import { packageRoot, pythonExecutable } from "../python.js";
import { convertWeightsFile, readWeightMaps } from "../weights/index.js";

/** One forward argument: a tensor of this shape, float ~ N(0, 1) or int ~ U[low, high). */
export interface InputSpec {
  shape: number[];
  /** numpy dtype name; default float32. Integer inputs need `high`. */
  dtype?: string;
  low?: number;
  high?: number;
}

/** The shape of a golden `parity.json`. */
export interface ParitySpec {
  /** the nn.Module class to build */
  class: string;
  /** constructor arguments: a list (positional) or an object (keyword). `{"__class__": "Cfg", ...fields}` builds
   *  `Cfg(**fields)` from the same module; `{"__ref__": "Name"}` is the module-level object itself. */
  args?: unknown[] | Record<string, unknown>;
  /** max abs diff allowed per element (default 1e-4) */
  atol?: number;
  /** relative term: an element passes when |mlx - torch| <= atol + rtol * |torch| (default 0) */
  rtol?: number;
  /** one list of inputs per case */
  cases: InputSpec[][];
  /** seed for weights (torch.manual_seed) and inputs (numpy); default 0 */
  seed?: number;
  /** give constant-initialised state (BatchNorm statistics, norm weights, zero biases) random values; default true */
  perturb?: boolean;
}

export interface OutputResult {
  index: number;
  /** torch's shape (null when torch returned None there) */
  shape: number[] | null;
  mlxShape: number[] | null;
  /** Infinity when the shapes differ or a value is NaN/inf on one side only */
  maxAbs: number;
  /** max of |mlx - torch| / (|torch| + atol) */
  maxRel: number;
  ok: boolean;
  note?: string;
}

export interface CaseResult {
  inputs: { shape: number[]; dtype: string }[];
  outputs: OutputResult[];
}

export interface Divergence {
  /** torch's name of the first submodule (in execution order) whose output MLX does not reproduce */
  module: string;
  maxAbs: number;
  case: number;
  torchShape: number[];
  mlxShape: number[];
}

export interface ParityResult {
  ok: boolean;
  atol: number;
  cases: CaseResult[];
  divergence?: Divergence;
  /** why no comparison could be made (compile errors, a failing import or constructor, weights that do not fit) */
  error?: string;
  /** the compiler's diagnostics, when this run compiled the model */
  diagnostics?: Diagnostic[];
  /** the MLX module that was compared (when this run compiled it into a temporary folder that was removed, the
   *  path it had there; see workDir) */
  mlxFile: string;
  /** intermediate files (compiled module, weights, torch's tensors), kept when a run fails or was given a workDir */
  workDir?: string;
}

export interface ParityOptions {
  /** use this MLX module instead of compiling the model (its C2M_WEIGHT_MAPS, if any, converts the weights) */
  mlxFile?: string;
  /** keep intermediate files here (default: a temporary folder, removed afterwards) */
  workDir?: string;
  /** Python interpreter with torch, mlx and numpy (default: pythonExecutable()) */
  python?: string;
}

/** A spec or option the user got wrong: reported as a message, never a stack trace. */
export class ParityUsageError extends Error {}

const DTYPES = new Set(["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]);

/** Checks a parsed parity.json (or options turned into one) and fills defaults. */
export function validateSpec(raw: unknown, where = "parity spec"): ParitySpec & { atol: number } {
  const fail = (msg: string): never => {
    throw new ParityUsageError(`${where}: ${msg}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("must be a JSON object");
  const spec = raw as Record<string, unknown>;
  if (typeof spec.class !== "string" || !/^[A-Za-z_]\w*$/.test(spec.class)) fail(`"class" must be a class name, got ${JSON.stringify(spec.class)}`);
  if (spec.args !== undefined && (typeof spec.args !== "object" || spec.args === null)) fail(`"args" must be a list or an object`);
  const atol = spec.atol === undefined ? 1e-4 : spec.atol;
  if (typeof atol !== "number" || !(atol >= 0)) fail(`"atol" must be a non-negative number`);
  if (spec.rtol !== undefined && (typeof spec.rtol !== "number" || !(spec.rtol >= 0))) fail(`"rtol" must be a non-negative number`);
  if (!Array.isArray(spec.cases) || spec.cases.length === 0) fail(`"cases" must be a non-empty list of input lists`);
  (spec.cases as unknown[]).forEach((c, i) => {
    if (!Array.isArray(c)) fail(`case ${i} must be a list of inputs ({"shape": [...], "dtype": ...})`);
    (c as unknown[]).forEach((inp, j) => {
      const at = `case ${i} input ${j}`;
      if (typeof inp !== "object" || inp === null) fail(`${at} must be an object`);
      const s = inp as Record<string, unknown>;
      if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) fail(`${at}: "shape" must be a list of non-negative integers`);
      const dtype = s.dtype ?? "float32";
      if (typeof dtype !== "string" || !DTYPES.has(dtype)) fail(`${at}: unsupported dtype ${JSON.stringify(dtype)} (one of ${[...DTYPES].join(", ")})`);
      if ((dtype as string).includes("int") && !(typeof s.high === "number" && Number.isInteger(s.high)))
        fail(`${at}: integer inputs need "high" (ids are drawn from [low, high))`);
    });
  });
  return { ...(spec as unknown as ParitySpec), atol: atol as number };
}

type CompileOutput = Pick<CompileResult, "code" | "diagnostics" | "weightMaps">;

/** Compiles with c2m's public API, loaded on demand so that parity with `mlxFile` never loads the compiler. */
async function compileModel(source: string, filename: string, topClass: string): Promise<CompileOutput> {
  const { compile } = await import("../index.js");
  return compile(source, { filename, topClass });
}

interface Proc {
  code: number;
  stderr: string;
}

function runPython(python: string, script: string, request: string): Promise<Proc> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, [script, request], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20000);
    });
    child.on("error", (err) => reject(new ParityUsageError(`cannot run Python (${python}): ${err.message}; set C2M_PYTHON to an interpreter with torch, mlx and numpy`)));
    child.on("close", (code) => resolvePromise({ code: code ?? 1, stderr }));
  });
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const lastLines = (text: string, n = 8) => text.trim().split("\n").slice(-n).join("\n");
const num = (v: unknown) => (typeof v === "number" ? v : Infinity);

/**
 * Runs torch and MLX on every case of `spec` and compares the outputs. Throws ParityUsageError for a bad spec,
 * a missing file or a missing Python; a model that fails to build, load or run gives a result with `error`.
 */
export async function runParitySpec(modelPath: string, rawSpec: ParitySpec, opts: ParityOptions = {}): Promise<ParityResult> {
  const spec = validateSpec(rawSpec);
  if (!existsSync(modelPath)) throw new ParityUsageError(`model file not found: ${modelPath}`);
  if (opts.mlxFile !== undefined && !existsSync(opts.mlxFile)) throw new ParityUsageError(`MLX file not found: ${opts.mlxFile}`);
  const python = opts.python ?? pythonExecutable();
  const ownDir = opts.workDir === undefined;
  const work = resolve(opts.workDir ?? mkdtempSync(join(tmpdir(), "c2m-parity-")));
  mkdirSync(work, { recursive: true });
  const scripts = join(packageRoot(), "src", "parity");
  let result: ParityResult | undefined;
  try {
    // 1. the MLX module and the weight rules for the class
    let mlxFile: string;
    let maps: WeightMaps;
    let diagnostics: Diagnostic[] | undefined;
    if (opts.mlxFile !== undefined) {
      mlxFile = resolve(opts.mlxFile);
      const text = readFileSync(mlxFile, "utf8");
      maps = /^C2M_WEIGHT_MAPS\s*=/m.test(text) ? readWeightMaps(mlxFile) : {};
    } else {
      let compiled: CompileOutput;
      try {
        compiled = await compileModel(readFileSync(modelPath, "utf8"), basename(modelPath), spec.class);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        return (result = { ok: false, atol: spec.atol, cases: [], mlxFile: join(work, "model_mlx.py"), error: `the compiler failed on ${basename(modelPath)}: ${msg}` });
      }
      diagnostics = compiled.diagnostics;
      const errors = compiled.diagnostics.filter((d) => d.severity === "error");
      mlxFile = join(work, "model_mlx.py");
      if (errors.length > 0) {
        const list = errors.map((d) => `${d.file}:${d.line}:${d.col}: ${d.code}: ${d.message}`).join("\n  ");
        return (result = { ok: false, atol: spec.atol, cases: [], diagnostics, mlxFile, error: `compile failed:\n  ${list}` });
      }
      writeFileSync(mlxFile, compiled.code);
      maps = compiled.weightMaps;
    }
    const rules: WeightRule[] = maps[spec.class] ?? [];
    const fail = (error: string): ParityResult => (result = { ok: false, atol: spec.atol, cases: [], error, diagnostics, mlxFile });

    // 2. torch: weights, inputs, outputs, per-module trace
    const torchDir = join(work, "torch");
    const torchRequest = join(work, "torch_request.json");
    writeFileSync(
      torchRequest,
      JSON.stringify({
        model: resolve(modelPath),
        class: spec.class,
        args: spec.args ?? {},
        cases: spec.cases,
        seed: spec.seed ?? 0,
        perturb: spec.perturb ?? true,
        trace: true,
        out: torchDir,
      }),
    );
    const torchRun = await runPython(python, join(scripts, "torch_side.py"), torchRequest);
    if (torchRun.code !== 0) {
      const reported = readJson(join(torchDir, "torch.json"))?.error;
      return fail(`torch side failed: ${typeof reported === "string" ? reported : lastLines(torchRun.stderr)}`);
    }

    // 3. weights through c2m's own converter
    const weights = join(work, "model_mlx.safetensors");
    try {
      convertWeightsFile(join(torchDir, "model.pt"), weights, rules);
    } catch (err) {
      return fail(`weight conversion failed: ${err instanceof Error ? err.message : String(err)}`);
    }

    // 4. MLX: load, run, compare, locate the first divergence
    const resultPath = join(work, "result.json");
    const mlxRequest = join(work, "mlx_request.json");
    writeFileSync(
      mlxRequest,
      JSON.stringify({
        mlx: mlxFile,
        class: spec.class,
        args: spec.args ?? {},
        weights,
        torch_dir: torchDir,
        atol: spec.atol,
        rtol: spec.rtol ?? 0,
        result: resultPath,
      }),
    );
    const mlxRun = await runPython(python, join(scripts, "mlx_side.py"), mlxRequest);
    const raw = readJson(resultPath);
    if (!raw) return fail(`MLX side failed: ${lastLines(mlxRun.stderr) || `exit status ${mlxRun.code}`}`);
    const err = raw.error as { stage: string; message: string } | undefined;
    if (err) return fail(`MLX side failed to ${err.stage}: ${err.message}`);
    result = toResult(raw, spec.atol, mlxFile, diagnostics);
    return result;
  } finally {
    // a failed run keeps its files (the compiled module above all) for inspection
    if (ownDir && result?.ok !== false) rmSync(work, { recursive: true, force: true });
    else if (result) result.workDir = work;
  }
}

/** JSON from mlx_side.py → ParityResult (null diffs, which JSON cannot say as Infinity, become Infinity). */
function toResult(raw: Record<string, unknown>, atol: number, mlxFile: string, diagnostics?: Diagnostic[]): ParityResult {
  const cases = (raw.cases as CaseResult[]).map((c) => ({
    inputs: c.inputs,
    outputs: c.outputs.map((o) => ({ ...o, maxAbs: num(o.maxAbs), maxRel: num(o.maxRel) })),
  }));
  const result: ParityResult = { ok: raw.ok === true, atol, cases, mlxFile };
  const div = raw.divergence as (Omit<Divergence, "maxAbs"> & { maxAbs: number | null }) | undefined;
  if (div) result.divergence = { ...div, maxAbs: num(div.maxAbs) };
  if (diagnostics) result.diagnostics = diagnostics;
  return result;
}
