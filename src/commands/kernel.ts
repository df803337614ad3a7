/** `c2m kernel foo.cu [-o foo_mlx.py] [--metal-only] [--template T=float ...] [-I dir ...] [--json] [--verify]` */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { CODES_BY_ID } from "../../ir/diagnostic-codes.js";
import { formatDiagnostic, type Diagnostic } from "../../ir/diagnostics.js";
import { checkOutputPath, InputError, readSource, writeAtomic } from "../io.js";
import type { CompileKernelsResult } from "../kernel/index.js";
import { KERNEL_CODES_BY_ID } from "../../ir/kernel-diagnostic-codes.js";
import type { LaunchFlags } from "../kernel/launch-spec.js";
import { readKernelSpec } from "../kernel/spec-file.js";
import { nameTable } from "../../ir/tables.js";

/** `--template T=float BLOCK=256` as a map; undefined (after saying why) when one is not NAME=VALUE. */
function parseTemplates(given: string[] = []): Record<string, string> | undefined {
  const template: Record<string, string> = nameTable({});
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

/** `-D WITH_CUDA -D N=4` as a map (a name alone is defined as 1, as the compiler does). */
function parseDefines(given: string[] = []): Record<string, string> {
  return Object.fromEntries(given.map((d) => /^(\w+)(?:=(.*))?$/.exec(d)).flatMap((m) => (m ? [[m[1]!, m[2] ?? "1"]] : [])));
}

export interface KernelCommandOptions extends VerifyFlagOptions {
  output?: string;
  metalOnly?: boolean;
  verify?: boolean;
  template?: string[];
  /** -I: folders searched for local includes */
  include?: string[];
  define?: string[];
  json?: boolean;
  jobs?: string;
}

export async function runKernel(input: string, opts: KernelCommandOptions): Promise<number> {
  // a directory: every .cu file under it, on worker threads (src/batch)
  if (existsSync(input) && statSync(input).isDirectory()) {
    if (opts.metalOnly || opts.verify) {
      process.stderr.write(`c2m kernel: --metal-only and --verify take one file, not a directory\n`);
      return 2;
    }
    const template = parseTemplates(opts.template);
    if (!template) return 2;
    const { runBatch } = await import("../batch/index.js");
    return runBatch("kernel", input, { output: opts.output, json: opts.json, jobs: opts.jobs, template, include: opts.include, defines: parseDefines(opts.define) });
  }
  const fail = (d: Diagnostic, source?: string) => {
    if (opts.json) process.stdout.write(JSON.stringify({ diagnostics: [d] }, null, 2) + "\n");
    else process.stderr.write(formatDiagnostic(d, source, process.stderr.isTTY) + "\n");
    return 1;
  };
  const specPath = opts.spec ?? specPathFor(input);
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
  const result = compileKernels(source, { filename: input, template, includeDirs: opts.include, defines: parseDefines(opts.define) });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({ diagnostics: result.diagnostics, kernels: result.kernels.map((k) => ({ name: k.name, spec: k.spec, params: k.params })) }, null, 2) + "\n",
    );
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
    if (opts.output) return write(opts.output, text, inputs, fail, input) || status;
    process.stdout.write(text);
    return status;
  }
  // a file with a refused kernel is still written (the others translated, the refused one a stub), but not verified
  if (opts.verify && !errors.length) {
    const code = await verify(input, result.source, result, opts, template);
    if (code !== 0) return code;
  }
  if (opts.output) return write(opts.output, result.python, inputs, fail, input) || status;
  if (!opts.json) process.stdout.write(result.python);
  return status;
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

/** The --verify flags as commander gives them (strings). */
export interface VerifyFlagOptions {
  spec?: string;
  size?: string[];
  kernel?: string;
  grid?: string;
  block?: string;
  smem?: string;
  count?: string[];
  scalar?: string[];
  range?: string[];
}

/** `NAME=VALUE` pairs; throws on one that is not. */
function pairs(given: string[] = [], flag: string): [string, string][] {
  return given.map((g) => {
    const m = /^([A-Za-z_]\w*)=(.+)$/.exec(g);
    if (!m) throw new Error(`--${flag} expects NAME=VALUE, got '${g}'`);
    return [m[1]!, m[2]!];
  });
}

function number(text: string, flag: string): number {
  const v = Number(text);
  if (!Number.isFinite(v)) throw new Error(`--${flag}: '${text}' is not a number`);
  return v;
}

function launchFlags(o: VerifyFlagOptions, template: Record<string, string>): LaunchFlags {
  const sizes = nameTable(Object.fromEntries(pairs(o.size, "size").map(([k, v]) => [k, v.split(",").map((x) => number(x, "size"))])));
  const ranges = nameTable(
    Object.fromEntries(
      pairs(o.range, "range").map(([k, v]) => {
        const m = /^(-?[\d.e+-]+):(-?[\d.e+-]+)$/.exec(v);
        if (!m) throw new Error(`--range expects NAME=LO:HI, got '${k}=${v}'`);
        return [k, [number(m[1]!, "range"), number(m[2]!, "range")] as [number, number]];
      }),
    ),
  );
  return {
    sizes,
    ranges,
    counts: o.count ? nameTable(Object.fromEntries(pairs(o.count, "count"))) : undefined,
    scalars: nameTable(Object.fromEntries(pairs(o.scalar, "scalar").map(([k, v]) => [k, number(v, "scalar")]))),
    kernel: o.kernel,
    grid: o.grid?.split(","),
    block: o.block?.split(",").map((b) => number(b, "block")),
    smem: o.smem,
    template,
  };
}

/**
 * --verify: the sizes, buffers and launches come from a spec (`--spec`, or `foo.spec.json` next to
 * `foo.cu`), else from the flags or the file's own host code read statically (launch-spec.ts). Every
 * spec is checked against the schema (verify-spec.ts) before anything compiles; every launch runs on
 * every size on the Metal emulator as the emitted Python calls it and the CUDA original (its device
 * code only) on the CUDA emulator, and the Metal is checked by clang.
 */
async function verify(
  input: string,
  source: string,
  result: CompileKernelsResult,
  opts: VerifyFlagOptions & { include?: string[] },
  template: Record<string, string>,
): Promise<number> {
  const { validateVerifySpec } = await import("../kernel/verify-spec.js");
  const kernels = result.kernels.map((k) => ({ name: k.name, params: k.params.length, templateParams: k.templateParams.length }));
  const specPath = opts.spec ?? specPathFor(input);
  let specs: import("../verify/golden.js").GoldenSpec[] = [];
  /** by spec name: buffers the launcher takes from its caller, grown to what the original reads (launch-spec.ts) */
  let callerBuffers: Record<string, string[]> = nameTable({});
  let synthesise = false;
  /** the launches were read from the host code, at sizes c2m chose: each is checked to be determinate first */
  let fromHost = false;
  try {
    if (opts.spec || existsSync(specPath)) {
      // the checked read (size, JSON location, schema, budgets), then the names against the kernels
      specs = [validateVerifySpec(readKernelSpec(specPath), kernels)];
      process.stderr.write(`c2m kernel --verify: sizes and launches from ${specPath}\n`);
    } else {
      const { deriveVerifySpecs, LaunchUnknown } = await import("../kernel/launch-spec.js");
      const flags = launchFlags(opts, template);
      let unknown: InstanceType<typeof LaunchUnknown> | undefined;
      try {
        const derived = deriveVerifySpecs(source, input, result, flags);
        specs = derived.specs.map((s) => validateVerifySpec(s, kernels));
        callerBuffers = derived.callerBuffers ?? {};
        fromHost = true;
        process.stderr.write(`c2m kernel --verify: sizes and launches from ${derived.from} (${specs.length} run${specs.length === 1 ? "" : "s"})\n`);
      } catch (e) {
        if (!(e instanceof LaunchUnknown)) throw e;
        unknown = e;
      }
      // no launch in the file and none given: each kernel's launch is synthesised from its signature (synth-spec.ts)
      const flagsGiven = Object.keys(flags.sizes ?? {}).length > 0 || !!(flags.grid || flags.kernel || flags.counts);
      if (unknown && !flagsGiven && !/<<</.test(result.source) && result.kernels.length) {
        synthesise = true;
        specs = [];
      } else if (unknown) {
        const e = unknown;
        const d: Diagnostic = {
          code: "C2M-K021",
          severity: "error",
          message: `--verify cannot size the launch: ${e.message}`,
          file: input,
          line: e.line ?? 1,
          col: 1,
          hint: KERNEL_CODES_BY_ID.get("C2M-K021")!.hint,
        };
        process.stderr.write(formatDiagnostic(d, source, process.stderr.isTTY) + "\n");
        return 1;
      }
    }
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`c2m: error ${e.code}: ${e.message}\n`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${message.startsWith("c2m kernel:") ? "" : "c2m kernel: "}${message}\n`);
    return 2;
  }
  const { verifyAgainstSpec } = await import("../kernel/verify.js");
  const { sandboxReport } = await import("../verify/sandbox.js");
  process.stderr.write(`c2m kernel --verify: only the kernels and device code are compiled; ${sandboxReport()}\n`);
  // the project's headers: in the input's folder or an -I folder, and inside that folder (links followed first); their device code only
  const folders = [dirname(resolve(input)), ...(opts.include ?? []).map((d) => resolve(d))].filter((d) => existsSync(d)).map((d) => realpathSync(d));
  const resolveInclude = (name: string) => {
    for (const folder of folders) {
      const candidate = resolve(folder, name);
      if (!existsSync(candidate)) continue;
      const path = realpathSync(candidate);
      if (path.startsWith(folder + sep) && statSync(path).isFile()) return { path, text: readFileSync(path, "utf8") };
    }
    return undefined;
  };
  let ok = true;
  if (synthesise) {
    const { synthesizeSpecs, SynthFailure } = await import("../kernel/synth-spec.js");
    process.stderr.write(`c2m kernel --verify: the file launches nothing and no launch was given: each kernel's launch is synthesised from its signature\n`);
    // a kernel translated once per `if constexpr` value is listed once per copy: synthesizeSpecs covers its copies
    for (const k of result.kernels.filter((x, i) => result.kernels.findIndex((y) => y.name === x.name) === i)) {
      try {
        for (const s of await synthesizeSpecs(result, source, k.name, { resolveInclude })) {
          specs.push(validateVerifySpec(s.spec, kernels));
          process.stderr.write(`c2m kernel --verify: ${k.name}: ${s.note}\n`);
        }
      } catch (e) {
        if (!(e instanceof SynthFailure)) throw e;
        const line = source.slice(0, Math.max(0, source.search(new RegExp(`\\b${k.name}\\s*\\(`)))).split("\n").length;
        const d: Diagnostic = {
          code: "C2M-K040",
          severity: "error",
          message: `--verify could not synthesise a launch of ${k.name}: ${e.message}`,
          file: input,
          line,
          col: 1,
          hint: KERNEL_CODES_BY_ID.get("C2M-K040")!.hint,
        };
        process.stderr.write(formatDiagnostic(d, source, process.stderr.isTTY) + "\n");
        ok = false;
      }
    }
  }
  const clangChecked = new Set<string>();
  try {
    const { sizedSpecs } = await import("../kernel/synth-spec.js");
    const sized = await sizedSpecs(specs, callerBuffers, source, { resolveInclude });
    for (const l of sized.left) process.stderr.write(`c2m kernel --verify: left out: ${l}\n`);
    if (specs.length && !sized.specs.length) {
      process.stderr.write(`c2m kernel --verify: nothing verified: the original itself faults at every size c2m chose; give sizes with --size or a spec\n`);
      return 1;
    }
    let compared = 0;
    for (const spec of sized.specs) {
      let report: Awaited<ReturnType<typeof verifyAgainstSpec>>;
      // the Metal of each kernel is checked by clang once (its source does not depend on the sizes)
      const clangCheck = spec.launches.some((l) => !clangChecked.has(l.kernel));
      for (const l of spec.launches) clangChecked.add(l.kernel);
      try {
        report = await verifyAgainstSpec(result, source, spec, { resolveInclude, clangCheck, determinacy: fromHost });
      } catch (e) {
        if (!(e instanceof Error) || !/cannot run .* for the Metal check/.test(e.message)) throw e;
        process.stderr.write(`c2m kernel --verify: the clang check of the Metal is skipped: ${e.message}\n`);
        report = await verifyAgainstSpec(result, source, spec, { resolveInclude, determinacy: fromHost });
      }
      // sizes c2m chose at which the original's result is not its inputs' alone: left out, as sizes it faults at are
      if (report.indeterminate) {
        process.stderr.write(`c2m kernel --verify: left out: ${spec.name} (the original itself: ${report.indeterminate})\n`);
        continue;
      }
      compared++;
      for (const line of report.lines) process.stderr.write(line + "\n");
      ok &&= report.ok;
    }
    if (sized.specs.length && !compared) {
      process.stderr.write(
        `c2m kernel --verify: nothing verified: the original's result is not determined by its inputs at any size c2m chose; give sizes with --size or a spec\n`,
      );
      return 1;
    }
    return ok ? 0 : 1;
  } catch (e) {
    process.stderr.write(`c2m kernel: verification could not run: ${e instanceof Error ? e.message.split("\n").slice(0, 6).join("\n") : String(e)}\n`);
    return 1;
  }
}
