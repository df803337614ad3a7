/**
 * `c2m parity model.py --class Net --input 1,3,32,32 [--args JSON] [--atol 1e-4] [--json]`
 * `c2m parity model.py --spec golden/models/resnet18/parity.json`
 *
 * Exit status: 0 when every output of every case is within tolerance, 1 when one is not (or the model could not
 * be compiled, built or run), 2 for bad options.
 */
import { InputError, readSource } from "../io.js";
import { jsonErrorLocation } from "../weights/strict-json.js";
import { formatDiagnostic } from "../../ir/diagnostics.js";
import { ParityUsageError, runParitySpec, validateSpec, type InputSpec, type ParityResult, type ParitySpec } from "../parity/index.js";

export interface ParityCommandOptions {
  class?: string;
  input?: string[];
  args?: string;
  spec?: string;
  atol?: string;
  json?: boolean;
  /** compare this MLX module instead of compiling the model */
  mlx?: string;
}

const DEFAULT_ATOL = "1e-4";

/** `1,3,32,32` (float32) or `2,16:int64:1000` (token ids in [0, 1000)). */
export function parseInputShape(text: string): InputSpec {
  const [dims, dtype, high, ...rest] = text.split(":");
  const bad = () => new ParityUsageError(`--input ${text}: expected comma-separated sizes such as 1,3,32,32, optionally :dtype[:high] as in 2,16:int64:1000`);
  if (rest.length > 0 || !dims) throw bad();
  const shape = dims.split(",").map((d) => Number(d.trim()));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad();
  const spec: InputSpec = { shape, dtype: dtype || "float32" };
  if (high !== undefined) {
    const h = Number(high);
    if (!Number.isInteger(h) || h <= 0) throw bad();
    spec.high = h;
  }
  return spec;
}

function specFromOptions(opts: ParityCommandOptions): ParitySpec {
  if (opts.spec) {
    if (opts.input || opts.args) throw new ParityUsageError("--spec already holds the inputs and constructor arguments; drop --input/--args");
    const text = readSource(opts.spec, 1024 * 1024);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const at = jsonErrorLocation(text);
      const where = at ? `:${at}` : "";
      throw new InputError("C2M-E015", `${opts.spec}${where}: not valid JSON (${message.split("\n")[0]})`);
    }
    const spec = validateSpec(raw, opts.spec);
    if (opts.class && opts.class !== spec.class) throw new ParityUsageError(`--class ${opts.class} does not match the spec's class ${spec.class}`);
    return spec;
  }
  if (!opts.class) throw new ParityUsageError("missing --class <name> (the nn.Module to build)");
  if (!opts.input || opts.input.length === 0) throw new ParityUsageError("missing --input <shape> (e.g. --input 1,3,32,32), or give --spec parity.json");
  let args: ParitySpec["args"];
  if (opts.args !== undefined) {
    try {
      args = JSON.parse(opts.args) as ParitySpec["args"];
    } catch {
      throw new ParityUsageError(`--args must be JSON: a list of positional arguments or an object of keyword arguments, got ${opts.args}`);
    }
    if (typeof args !== "object" || args === null) throw new ParityUsageError(`--args must be a JSON list or object, got ${opts.args}`);
  }
  // Two cases from one shape: the given batch and batch + 1, so a batch size baked into the translation shows.
  const first = opts.input.map(parseInputShape);
  const second = first.map((s) => ({ ...s, shape: s.shape.length > 0 ? [s.shape[0] + 1, ...s.shape.slice(1)] : [] }));
  return validateSpec({ class: opts.class, args, cases: [first, second] }, "options");
}

/** 3.1e-07: two significant digits, a two-digit exponent, so that the columns line up. */
function sci(x: number): string {
  if (!Number.isFinite(x)) return "inf";
  const [mantissa, exp] = x.toExponential(1).split("e");
  const e = Number(exp);
  return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}
const shapeText = (s: number[] | null) => (s ? `[${s.join(", ")}]` : "None");

/** The human-readable report; `against` names the MLX side (a file, or c2m's own translation). */
export function formatResult(result: ParityResult, className: string, modelPath: string, against = result.mlxFile): string {
  const lines = [`parity ${className} (${modelPath}) vs ${against}, atol ${sci(result.atol)}`];
  result.cases.forEach((c, i) => {
    lines.push(`case ${i}: ${c.inputs.map((inp) => `${shapeText(inp.shape)} ${inp.dtype}`).join(", ")}`);
    for (const o of c.outputs) {
      const shape = o.shape && o.mlxShape && o.shape.join() !== o.mlxShape.join() ? `${shapeText(o.shape)} vs mlx ${shapeText(o.mlxShape)}` : shapeText(o.shape ?? o.mlxShape);
      const note = o.note ? `  (${o.note})` : "";
      lines.push(`  output ${o.index} ${shape.padEnd(18)} max abs ${sci(o.maxAbs)}  max rel ${sci(o.maxRel)}  ${o.ok ? "ok" : "FAIL"}${note}`);
    }
  });
  if (result.error) lines.push(`error: ${result.error}`);
  if (result.divergence) {
    const d = result.divergence;
    lines.push(`first divergence: ${d.module} (case ${d.case}), max abs ${sci(d.maxAbs)}, torch ${shapeText(d.torchShape)} mlx ${shapeText(d.mlxShape)}`);
  } else if (!result.ok && !result.error) {
    lines.push("first divergence: not located (every traced submodule agrees; look at the code between them and the outputs)");
  }
  if (!result.ok && result.workDir) lines.push(`files kept for inspection (translated module, weights, torch tensors): ${result.workDir}`);
  lines.push(result.ok ? "PASS" : "FAIL");
  return lines.join("\n") + "\n";
}

export async function runParity(model: string, opts: ParityCommandOptions): Promise<number> {
  try {
    // the same checks as every command's input: a regular file, within the size limit, UTF-8 text
    const modelSource = readSource(model);
    const spec = specFromOptions(opts);
    // --atol given on the command line beats the spec's; the CLI's default does not
    if (opts.atol !== undefined && (opts.atol !== DEFAULT_ATOL || !opts.spec)) {
      const atol = Number(opts.atol);
      if (!Number.isFinite(atol) || atol < 0) throw new ParityUsageError(`--atol must be a non-negative number, got ${opts.atol}`);
      spec.atol = atol;
    }
    if (opts.mlx !== undefined) readSource(opts.mlx);
    const result = await runParitySpec(model, spec, opts.mlx ? { mlxFile: opts.mlx } : {});
    if (opts.json) {
      process.stdout.write(JSON.stringify(result, (_k, v: unknown) => (v === Infinity ? null : v), 2) + "\n");
    } else {
      for (const d of result.diagnostics ?? []) {
        if (d.severity === "error") process.stderr.write(formatDiagnostic(d, modelSource) + "\n");
      }
      process.stdout.write(formatResult(result, spec.class, model, opts.mlx ?? "its c2m translation"));
    }
    return result.ok ? 0 : 1;
  } catch (err) {
    if (err instanceof ParityUsageError) {
      process.stderr.write(`c2m parity: ${err.message}\n`);
      return 2;
    }
    if (err instanceof InputError) {
      process.stderr.write(`c2m parity: error ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
