/** `c2m analyze PATH [--json | --md | --sarif] [-o FILE] [--jobs N]` */
import { existsSync, readFileSync, statSync } from "node:fs";
import { analyzeFile, languageOf, PYTHON_EXTENSIONS, CUDA_EXTENSIONS, type FileAnalysis } from "../analyze/index.js";
import { makeReport, renderJson, renderMarkdown, renderSarif, renderTable } from "../analyze/report.js";
import { checkOutputPath, checkRegularFile, InputError, writeAtomic } from "../io.js";
import type { Host } from "../../ir/program/host.js";
import { LIBRARY_FOLDER, libraryPrefix, libraryView, planLibraries, translatedLibraries } from "../libraries.js";

export interface AnalyzeOptions {
  json?: boolean;
  md?: boolean;
  sarif?: boolean;
  output?: string;
  jobs?: string;
  /** --python-path: library folders read for base classes and blocks, as `c2m compile` reads them */
  pythonPath?: string[];
}

export async function runAnalyze(path: string, opts: AnalyzeOptions): Promise<number> {
  const formats = [opts.json && "--json", opts.md && "--md", opts.sarif && "--sarif"].filter(Boolean);
  if (formats.length > 1) {
    process.stderr.write(`c2m analyze: choose one output format (${formats.join(", ")} given)\n`);
    return 2;
  }
  if (!existsSync(path)) {
    process.stderr.write(`c2m: error C2M-E004: ${path}: no such file or directory\n`);
    return 2;
  }
  let files: FileAnalysis[];
  let inputs: string[] = [path];
  if (statSync(path).isDirectory()) {
    const { findSources, packageNameOf } = await import("../batch/walk.js");
    const { defaultJobs, runPool } = await import("../batch/pool.js");
    const sources = findSources(path, [...PYTHON_EXTENSIONS, ...CUDA_EXTENSIONS], opts.output ? [opts.output] : []);
    inputs = sources.map((s) => s.path);
    const jobs = opts.jobs === undefined ? defaultJobs() : Number(opts.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) {
      process.stderr.write(`c2m analyze: --jobs must be a positive integer, not '${opts.jobs}'\n`);
      return 2;
    }
    const tty = process.stderr.isTTY === true;
    // each file analysed in the compile `c2m compile DIR` runs: the same package and library folders (src/batch/index.ts)
    const { defaultSearchPaths, nodeHost, projectRootPath } = await import("../host.js");
    const searchPaths = defaultSearchPaths(opts.pythonPath);
    const python = sources.filter((s) => languageOf(s.path) === "python");
    const pyFiles = python.map((s) => s.rel);
    const name = packageNameOf(path);
    const libraries = plannedLibraries(
      python.map((s) => s.path),
      nodeHost(searchPaths, [projectRootPath(path)]),
      libraryPrefix(name),
    );
    const run = await runPool(
      sources.map((s) => ({
        op: "analyze" as const,
        input: s.path,
        display: s.path,
        searchPaths,
        projectRoot: projectRootPath(path),
        package: languageOf(s.path) === "python" ? { files: pyFiles, path: s.rel, name, ...(libraries ? { libraryFiles: libraries.libraryFiles } : {}) } : undefined,
        ...(libraries ? { libraries: libraries.info } : {}),
      })),
      // a few small files are analysed faster here than workers start
      sources.length < 4 ? 1 : jobs,
      (_r, done) => {
        if (tty) process.stderr.write(`\r\x1b[2Kanalysing ${done}/${sources.length}${done === sources.length ? "\r\x1b[2K" : ""}`);
      },
    );
    files = run.results.map((r) => r.analysis!);
  } else {
    try {
      checkRegularFile(path);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      process.stderr.write(`c2m: error ${err.code}: ${err.message}\n`);
      return 2;
    }
    if (!languageOf(path)) {
      process.stderr.write(`c2m analyze: ${path} is neither Python (${PYTHON_EXTENSIONS.join(", ")}) nor CUDA (${CUDA_EXTENSIONS.join(", ")})\n`);
      return 2;
    }
    const { defaultSearchPaths, nodeHost } = await import("../host.js");
    const searchPaths = defaultSearchPaths(opts.pythonPath);
    // as `c2m compile FILE -o OUT` translates the libraries beside the output file
    const libraries = plannedLibraries([path], nodeHost(searchPaths), LIBRARY_FOLDER);
    files = [await analyzeFile(path, path, { host: nodeHost(searchPaths, [], libraries?.info.roots), ...(libraries ? { libraries: translatedLibraries(libraries.info) } : {}) })];
  }
  if (opts.output) {
    try {
      checkOutputPath(opts.output, inputs);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      process.stderr.write(`c2m: error ${err.code}: ${err.message}\n`);
      return 2;
    }
  }
  const report = makeReport(path, files);
  const text = opts.sarif
    ? renderSarif(report)
    : opts.json
      ? renderJson(report)
      : opts.md
        ? renderMarkdown(report)
        : renderTable(report, !opts.output && process.stdout.isTTY === true);
  if (opts.output) {
    try {
      writeAtomic(opts.output, text, inputs);
    } catch (err) {
      process.stderr.write(`c2m: error ${err instanceof InputError ? err.code : "C2M-E004"}: cannot write ${opts.output}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 2;
    }
    process.stderr.write(`c2m analyze: wrote ${opts.output}\n`);
  } else process.stdout.write(text);
  // 1 when some file could not be analysed (unreadable, not text, a syntax error): the report says which
  return report.totals.errors ? 1 : 0;
}

/**
 * The installed torch libraries the files import, as the compile's files see them (src/libraries.ts): analyze
 * translates none, so a library is known to fail where the plan refuses it (C2M-E043 at each import, as in the
 * compile) and is otherwise taken as translated. Undefined when the files import none.
 */
function plannedLibraries(paths: string[], host: Host, prefix: string): ReturnType<typeof libraryView> | undefined {
  const sources = paths.map((p) => {
    try {
      return { path: p, source: readFileSync(p, "utf8") };
    } catch {
      return { path: p, source: "" }; // its own analysis reports it
    }
  });
  const plan = planLibraries(sources, host);
  return plan && libraryView(plan, prefix, plan.refused);
}
