/** `c2m compile model.py -o model_mlx.py` */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { compile } from "../compile.js";
import { defaultSearchPaths, nodeHost } from "../host.js";
import { formatDiagnostic } from "../../ir/diagnostics.js";
import { checkOutputPath, InputError, readSource, writeOutputs } from "../io.js";
import type { Plugin, Rule } from "../plugins.js";
import type { LibraryCompile } from "../batch/libraries.js";
import { LIBRARY_FOLDER, planLibraries, translatedLibraries } from "../libraries.js";

export interface CompileCommandOptions {
  output?: string;
  layout?: string;
  strict?: boolean;
  json?: boolean;
  class?: string;
  jobs?: string;
  /** plugin module paths (--plugin) */
  plugin?: string[];
  /** rule file paths (--rules) */
  rules?: string[];
  /** false with --no-cookbook */
  cookbook?: boolean;
  /** --python-path: library folders read for base classes and blocks */
  pythonPath?: string[];
}

export async function runCompile(input: string, opts: CompileCommandOptions): Promise<number> {
  if (opts.layout && opts.layout !== "torch" && opts.layout !== "nhwc") {
    process.stderr.write(`c2m: --layout must be 'torch' or 'nhwc', not '${opts.layout}'\n`);
    return 2;
  }
  // a directory: every .py file under it, on worker threads (src/batch)
  if (existsSync(input) && statSync(input).isDirectory()) {
    if (opts.plugin?.length || opts.rules?.length || opts.cookbook === false) {
      process.stderr.write("c2m: --plugin, --rules and --no-cookbook apply to a single input file, not a directory\n");
      return 2;
    }
    const { runBatch } = await import("../batch/index.js");
    return runBatch("compile", input, { ...opts, layout: (opts.layout as "torch" | "nhwc") ?? "torch", searchPaths: defaultSearchPaths(opts.pythonPath) });
  }
  // every file the user hands in: none of them may be written over
  const inputs = [input, ...(opts.rules ?? []), ...(opts.plugin ?? [])];
  const outputs = opts.output ? [opts.output, `${opts.output}.map`] : [];
  let source: string;
  try {
    source = readSource(input);
    for (const out of outputs) checkOutputPath(out, inputs);
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`c2m: error ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const rules: Rule[] = [];
  const plugins: Plugin[] = [];
  // the rule-file parser (chevrotain) loads only when the user brings rules or plugins
  const { loadPlugin, loadRules, PluginError, RuleSyntaxError } =
    opts.rules?.length || opts.plugin?.length ? await import("../plugins.js") : ({} as typeof import("../plugins.js"));
  for (const file of opts.rules ?? []) {
    try {
      rules.push(...loadRules(readSource(file), file));
    } catch (err) {
      if (err instanceof InputError) {
        process.stderr.write(`c2m: error ${err.code}: rule file ${err.message}\n`);
        return 2;
      }
      if (err instanceof RuleSyntaxError) {
        process.stderr.write(`c2m: error C2M-E016: in rule file ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  }
  for (const file of opts.plugin ?? []) {
    try {
      plugins.push(await loadPlugin(resolve(file)));
    } catch (err) {
      const where = err instanceof Error ? pluginErrorLocation(err, file) : "";
      process.stderr.write(`c2m: error C2M-E016: cannot load plugin ${file}${where}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}\n`);
      return 2;
    }
  }
  // installed torch libraries the file imports: translated beside the output file (src/libraries.ts)
  const searchPaths = defaultSearchPaths(opts.pythonPath);
  const libraries = await translateLibraries(input, source, searchPaths, opts);
  let result: ReturnType<typeof compile>;
  try {
    result = compile(source, {
      filename: input,
      layout: (opts.layout as "torch" | "nhwc") ?? "torch",
      topClass: opts.class,
      rules,
      plugins,
      cookbook: opts.cookbook !== false,
      host: nodeHost(searchPaths, [], libraries?.info.roots),
      ...(libraries ? { libraries: translatedLibraries(libraries.info) } : {}),
    });
  } catch (err) {
    if (!plugins.length || !(err instanceof PluginError)) throw err;
    const file = opts.plugin?.find((f) => err.message.startsWith(resolve(f))) ?? "";
    const cause = (err as Error & { cause?: unknown }).cause;
    const where = file && cause instanceof Error ? pluginErrorLocation(cause, file) : "";
    process.stderr.write(`c2m: error C2M-E016: ${where ? `${file}${where}: ` : ""}${err.message}\n`);
    return 1;
  }
  const color = !opts.json && process.stderr.isTTY === true;
  // the translated libraries' own diagnostics (at their installed paths) come first: the file's are what the user reads last
  const libraryDiagnostics = libraries?.results.flatMap((r) => r.diagnostics) ?? [];
  const diagnostics = [...libraryDiagnostics, ...result.diagnostics];
  if (opts.json) process.stderr.write(`${JSON.stringify({ diagnostics }, null, 2)}\n`);
  else {
    for (const r of libraries?.results ?? []) if (r.text) process.stderr.write(`${r.text}\n`);
    for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d, source, color)}\n\n`);
  }
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  // input that does not parse produces no module; any other error is written with its marker (exit 1)
  if (errors && result.code === "") return 1;
  const status = errors || (opts.strict && warnings) ? 1 : 0;
  if (opts.output) {
    const mapName = `${opts.output}.map`;
    try {
      writeOutputs(
        [
          { path: opts.output, content: `${result.code}${result.code.endsWith("\n") ? "" : "\n"}# sourceMappingURL=${mapName.split("/").pop()}\n` },
          { path: mapName, content: result.map!.toString() },
        ],
        inputs,
      );
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      process.stderr.write(`c2m: error ${err.code}: ${err.message}\n`);
      return 2;
    }
    if (!opts.json)
      process.stderr.write(`c2m: wrote ${opts.output} (${errors ? `${errors} error${errors === 1 ? "" : "s"}, ` : ""}${warnings} warning${warnings === 1 ? "" : "s"})\n`);
  } else process.stdout.write(result.code);
  return status;
}

/**
 * The installed torch libraries `input` imports, translated into `_c2m_lib` beside the output file; undefined when it
 * imports none. Printed to stdout, the output has nowhere to put them: their imports keep placeholders (C2M-E043).
 */
async function translateLibraries(input: string, source: string, searchPaths: string[], opts: CompileCommandOptions): Promise<LibraryCompile | undefined> {
  const plan = planLibraries([{ path: input, source }], nodeHost(searchPaths));
  if (!plan) return undefined;
  if (!opts.output) {
    const why = `the output goes to stdout, and c2m writes a translated library only beside an output file (give -o; it goes to ${LIBRARY_FOLDER}/ there)`;
    const failed: [string, string][] = [...[...plan.roots.keys()].map((top): [string, string] => [top, why]), ...plan.refused];
    return { info: { prefix: LIBRARY_FOLDER, roots: [], translated: [], failed }, results: [], libraryFiles: [] };
  }
  const { compileLibraries } = await import("../batch/libraries.js");
  const { defaultJobs } = await import("../batch/pool.js");
  const jobs = opts.jobs === undefined ? defaultJobs() : Math.max(1, Number(opts.jobs) || 1);
  return compileLibraries(plan, {
    outDir: dirname(resolve(opts.output)),
    jobs,
    searchPaths,
    layout: (opts.layout as "torch" | "nhwc") ?? "torch",
    color: !opts.json && process.stderr.isTTY === true,
    log: opts.json ? undefined : (line) => void process.stderr.write(line),
  });
}

/** `:line:col` of the plugin file itself in a load error's stack (a syntax error, a throw at import), or "". */
function pluginErrorLocation(err: Error, file: string): string {
  const url = pathToFileURL(resolve(file)).href;
  const m = new RegExp(`${url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+)(?::(\\d+))?`).exec(err.stack ?? "");
  return m ? `:${m[1]}${m[2] ? `:${m[2]}` : ""}` : "";
}
