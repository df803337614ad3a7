/** `c2m kernel foo.cu [-o foo_mlx.py] [--metal-only] [--template T=float ...] [--json] [--verify]` */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { formatDiagnostic, type Diagnostic } from "../diagnostics.js";

export async function runKernel(
  input: string,
  opts: { output?: string; metalOnly?: boolean; verify?: boolean; template?: string[]; json?: boolean },
): Promise<number> {
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
  const template: Record<string, string> = {};
  for (const t of opts.template ?? []) {
    const m = /^(\w+)=(.+)$/.exec(t);
    if (!m) {
      process.stderr.write(`c2m kernel: --template expects NAME=VALUE, got '${t}'\n`);
      return 2;
    }
    template[m[1]] = m[2];
  }
  const source = bytes.toString("utf8");
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
    if (opts.output) writeFileSync(opts.output, text);
    else process.stdout.write(text);
    return 0;
  }
  if (opts.verify) {
    const verify = await loadVerifier();
    if (!verify) {
      process.stderr.write("c2m kernel: --verify needs the verification harness (src/verify), which is not available in this build\n");
      return 2;
    }
    const code = await verify(input, source, result);
    if (code !== 0) return code;
  }
  if (opts.output) writeFileSync(opts.output, result.python);
  else if (!opts.json) process.stdout.write(result.python);
  return 0;
}

type Verifier = (file: string, source: string, result: unknown) => Promise<number>;

/** The harness owns --verify; it exports `verifyKernels(file, source, compileResult)` from src/verify/index.js. */
async function loadVerifier(): Promise<Verifier | undefined> {
  try {
    const mod = (await import("../verify/index.js" as string)) as { verifyKernels?: Verifier };
    return mod.verifyKernels;
  } catch {
    return undefined;
  }
}
