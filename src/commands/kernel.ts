/** `c2m kernel foo.cu [-o foo_mlx.py] [--metal-only] [--template T=float ...] [-I dir ...] [--json] [--verify]` */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { formatDiagnostic, type Diagnostic } from "../diagnostics.js";

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
  opts: { output?: string; metalOnly?: boolean; verify?: boolean; template?: string[]; include?: string[]; json?: boolean; jobs?: string },
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
    return runBatch("kernel", input, { output: opts.output, json: opts.json, jobs: opts.jobs, template, include: opts.include });
  }
  const fail = (d: Diagnostic, source?: string) => {
    if (opts.json) process.stdout.write(JSON.stringify({ diagnostics: [d] }, null, 2) + "\n");
    else process.stderr.write(formatDiagnostic(d, source, process.stderr.isTTY) + "\n");
    return 1;
  };
  let bytes: Buffer;
  try {
    bytes = readFileSync(input);
  } catch (e) {
    return fail({ code: "C2M-E004", severity: "error", message: `cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file: input, line: 1, col: 1, hint: "check that the path exists and is readable" });
  }
  if (bytes.includes(0)) {
    return fail({ code: "C2M-E002", severity: "error", message: `${input} is not a text source file`, file: input, line: 1, col: 1, hint: "pass a UTF-8 CUDA (.cu/.cuh) file" });
  }
  if (opts.output && resolve(opts.output) === resolve(input)) {
    return fail({ code: "C2M-E005", severity: "error", message: "refusing to overwrite the input file", file: input, line: 1, col: 1, hint: "choose a different -o path" });
  }
  const template = parseTemplates(opts.template);
  if (!template) return 2;
  const source = bytes.toString("utf8");
  const { compileKernels } = await import("../kernel/index.js");
  const result = compileKernels(source, { filename: input, template, includeDirs: opts.include });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (opts.json) {
    process.stdout.write(JSON.stringify({ diagnostics: result.diagnostics, kernels: result.kernels.map((k) => ({ name: k.name, spec: k.spec, params: k.params })) }, null, 2) + "\n");
  } else {
    // a diagnostic in an included header shows that header's line
    const textOf = (file: string) => (file === input ? source : existsSync(file) ? readFileSync(file, "utf8") : undefined);
    for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d, textOf(d.file), process.stderr.isTTY) + "\n");
  }
  // a kernel that did not translate is a stub in the module; the others are written, and the exit says 1
  if (errors.length && !result.python) return 1;
  const status = errors.length ? 1 : 0;
  if (opts.metalOnly) {
    if (opts.json) return status;
    const text = result.kernels
      .map((k) => `// ===== kernel ${k.name}: header =====\n${k.spec.header}\n// ===== kernel ${k.name}: source (body) =====\n${k.spec.source}\n`)
      .join("\n");
    if (opts.output) writeFileSync(opts.output, text);
    else process.stdout.write(text);
    return status;
  }
  if (opts.verify && !errors.length) {
    const code = await verify(input, result.source, result);
    if (code !== 0) return code;
  }
  if (opts.output) writeFileSync(opts.output, result.python);
  else if (!opts.json) process.stdout.write(result.python);
  return status;
}

/**
 * --verify: with a golden-style spec next to the input (`foo.spec.json` for `foo.cu`: sizes, buffers,
 * launches), run every launch on every size on the Metal emulator as the emitted Python calls it and
 * the CUDA original on the CUDA emulator, and compare. Without a spec there is nothing to size the
 * buffers from, which is said plainly.
 */
async function verify(input: string, source: string, result: import("../kernel/index.js").CompileKernelsResult): Promise<number> {
  const specPath = input.replace(/\.(cu|cuh|cpp|cc)$/, "") + ".spec.json";
  if (!existsSync(specPath)) {
    process.stderr.write(`c2m kernel: --verify needs ${specPath} (sizes, buffers and launches; see golden/kernels/*.spec.json)\n`);
    return 2;
  }
  const spec = JSON.parse(readFileSync(specPath, "utf8")) as import("../verify/golden.js").GoldenSpec;
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
