/** `c2m kernel foo.cu [-o foo_mlx.py] [--metal-only] [--template T=float ...] [--json] [--verify]` */
import { existsSync, statSync } from "node:fs";
import { CODES_BY_ID } from "../diagnostic-codes.js";
import { formatDiagnostic, type Diagnostic } from "../diagnostics.js";
import { checkOutputPath, InputError, readSource, writeAtomic } from "../io.js";
import { readKernelSpec } from "../kernel/spec-file.js";

/** `--template T=float BLOCK=256` as a map; undefined (after saying why) when one is not NAME=VALUE. */
function parseTemplates(given: string[] = []): Record<string, string> | undefined {
  const template: Record<string, string> = {};
  for (const t of given) {
    const m = /^(\w+)=(.+)$/.exec(t);
    if (!m) {
      process.stderr.write(`c2m kernel: --template expects NAME=VALUE, got '${t}'\n`);
      return undefined;
    }
    template[m[1]] = m[2];
  }
  return template;
}

export async function runKernel(
  input: string,
  opts: { output?: string; metalOnly?: boolean; verify?: boolean; template?: string[]; json?: boolean; jobs?: string },
): Promise<number> {
  // a directory: every .cu file under it, on worker threads (src/batch)
  if (existsSync(input) && statSync(input).isDirectory()) {
    if (opts.metalOnly || opts.verify) {
      process.stderr.write(`c2m kernel: --metal-only and --verify take one file, not a directory\n`);
      return 2;
    }
    const template = parseTemplates(opts.template);
    if (!template) return 2;
    const { runBatch } = await import("../batch/index.js");
    return runBatch("kernel", input, { output: opts.output, json: opts.json, jobs: opts.jobs, template });
  }
  const fail = (d: Diagnostic, source?: string) => {
    if (opts.json) process.stdout.write(JSON.stringify({ diagnostics: [d] }, null, 2) + "\n");
    else process.stderr.write(formatDiagnostic(d, source, process.stderr.isTTY) + "\n");
    return 1;
  };
  const specPath = specPathFor(input);
  // the spec is an input too (read by --verify): no output may land on it
  const inputs = [input, specPath];
  let source: string;
  try {
    source = readSource(input);
    if (opts.output) checkOutputPath(opts.output, inputs);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    fail({ code: e.code, severity: "error", message: e.message, file: input, line: 1, col: 1, hint: CODES_BY_ID.get(e.code)?.hint });
    return 2;
  }
  const template = parseTemplates(opts.template);
  if (!template) return 2;
  const { compileKernels } = await import("../kernel/index.js");
  const result = compileKernels(source, { filename: input, template });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (opts.json) {
    process.stdout.write(JSON.stringify({ diagnostics: result.diagnostics, kernels: result.kernels.map((k) => ({ name: k.name, spec: k.spec, params: k.params })) }, null, 2) + "\n");
  } else {
    for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d, source, process.stderr.isTTY) + "\n");
  }
  if (errors.length) return 1;
  if (opts.metalOnly) {
    if (opts.json) return 0;
    const text = result.kernels
      .map((k) => `// ===== kernel ${k.name}: header =====\n${k.spec.header}\n// ===== kernel ${k.name}: source (body) =====\n${k.spec.source}\n`)
      .join("\n");
    if (opts.output) return write(opts.output, text, inputs, fail, input);
    process.stdout.write(text);
    return 0;
  }
  if (opts.verify) {
    const code = await verify(specPath, source, result);
    if (code !== 0) return code;
  }
  if (opts.output) return write(opts.output, result.python, inputs, fail, input);
  if (!opts.json) process.stdout.write(result.python);
  return 0;
}

/** The spec --verify reads for `foo.cu`: `foo.spec.json` beside it. */
function specPathFor(input: string): string {
  return input.replace(/\.(cu|cuh|cpp|cc)$/, "") + ".spec.json";
}

/** Writes one output through the shared writer; a refusal is a diagnostic on the input and exit 2. */
function write(path: string, text: string, inputs: string[], fail: (d: Diagnostic) => number, input: string): number {
  try {
    writeAtomic(path, text, inputs);
    return 0;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    fail({ code: e.code, severity: "error", message: e.message, file: input, line: 1, col: 1, hint: CODES_BY_ID.get(e.code)?.hint });
    return 2;
  }
}

/**
 * --verify: with a golden-style spec next to the input (`foo.spec.json` for `foo.cu`: sizes, buffers,
 * launches), run every launch on every size on the Metal emulator as the emitted Python calls it and
 * the CUDA original on the CUDA emulator, and compare. Without a spec there is nothing to size the
 * buffers from, which is said plainly.
 */
async function verify(specPath: string, source: string, result: import("../kernel/index.js").CompileKernelsResult): Promise<number> {
  if (!existsSync(specPath)) {
    process.stderr.write(`c2m kernel: --verify needs ${specPath} (sizes, buffers and launches; see golden/kernels/*.spec.json)\n`);
    return 2;
  }
  let spec: import("../verify/golden.js").GoldenSpec;
  try {
    spec = readKernelSpec(specPath);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    process.stderr.write(`c2m: error ${e.code}: ${e.message}\n`);
    return 2;
  }
  const { verifyAgainstSpec } = await import("../kernel/verify.js");
  try {
    const report = await verifyAgainstSpec(result, source, spec);
    for (const line of report.lines) process.stderr.write(line + "\n");
    return report.ok ? 0 : 1;
  } catch (e) {
    process.stderr.write(`c2m kernel: verification could not run: ${e instanceof Error ? e.message.split("\n").slice(0, 6).join("\n") : String(e)}\n`);
    return 1;
  }
}
