/** `c2m compile model.py -o model_mlx.py` */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { compile } from "../compile.js";
import { defaultSearchPaths, nodeHost } from "../host.js";
import { formatDiagnostic } from "../diagnostics.js";
import { InputError, readSource, samePath, writeAtomic } from "../io.js";
import type { Plugin, Rule } from "../plugins.js";

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
  let source: string;
  try {
    if (opts.output && samePath(input, opts.output)) throw new InputError("C2M-E005", `${opts.output}: refusing to overwrite the input file`);
    source = readSource(input);
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
  const { loadPlugin, loadRules, RuleSyntaxError } = opts.rules?.length || opts.plugin?.length ? await import("../plugins.js") : ({} as typeof import("../plugins.js"));
  for (const file of opts.rules ?? []) {
    try {
      rules.push(...loadRules(readSource(file), file));
    } catch (err) {
      if (err instanceof RuleSyntaxError || err instanceof InputError) {
        process.stderr.write(`c2m: error in rule file ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  }
  for (const file of opts.plugin ?? []) {
    try {
      plugins.push(await loadPlugin(resolve(file)));
    } catch (err) {
      process.stderr.write(`c2m: cannot load plugin ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 2;
    }
  }
  const result = compile(source, {
    filename: input,
    layout: (opts.layout as "torch" | "nhwc") ?? "torch",
    topClass: opts.class,
    rules,
    plugins,
    cookbook: opts.cookbook !== false,
    host: nodeHost(defaultSearchPaths(opts.pythonPath)),
  });
  const color = !opts.json && process.stderr.isTTY === true;
  if (opts.json) process.stderr.write(`${JSON.stringify({ diagnostics: result.diagnostics }, null, 2)}\n`);
  else for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d, source, color)}\n\n`);
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = result.diagnostics.length - errors;
  if (errors) return 1;
  if (opts.output) {
    const mapName = `${opts.output}.map`;
    writeAtomic(opts.output, `${result.code}${result.code.endsWith("\n") ? "" : "\n"}# sourceMappingURL=${mapName.split("/").pop()}\n`);
    writeAtomic(mapName, result.map!.toString());
    if (!opts.json) process.stderr.write(`c2m: wrote ${opts.output} (${warnings} warning${warnings === 1 ? "" : "s"})\n`);
  } else process.stdout.write(result.code);
  return opts.strict && warnings ? 1 : 0;
}
