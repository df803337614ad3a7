/**
 * `c2m compile DIR -o OUTDIR` and `c2m kernel DIR -o OUTDIR`: every source file of a tree, on worker
 * threads (one per core unless --jobs says otherwise), each file written exactly as compiling it alone
 * would write it. A progress bar on a terminal, one plain line per file otherwise, then the diagnostics
 * (in file order, so two runs print the same) and a summary. An error in one file writes nothing for that
 * file and does not stop the others.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { nodeHost, projectRootPath } from "../host.js";
import { planLibraries } from "../libraries.js";
import { compileLibraries, type LibraryCompile } from "./libraries.js";
import { watchTempFolder } from "../io.js";
import { formatDiagnostic, type Diagnostic } from "../../ir/diagnostics.js";
import { defaultJobs, runPool } from "./pool.js";
import { findSources, isInside, packageNameOf } from "./walk.js";
import type { Task, TaskResult } from "./worker.js";

export interface BatchOptions {
  output?: string;
  json?: boolean;
  strict?: boolean;
  jobs?: string | number;
  layout?: "torch" | "nhwc";
  class?: string;
  template?: Record<string, string>;
  /** kernel: `-I` folders for local includes */
  include?: string[];
  /** `c2m kernel -D`: macros for #if/#ifdef */
  defines?: Record<string, string>;
  /** library folders the compile reads base classes from (src/host.ts) */
  searchPaths?: string[];
}

export interface BatchSummary {
  files: number;
  ok: number;
  /** CUDA files without kernels */
  skipped: number;
  failed: number;
  warnings: number;
  errors: number;
  /** worker threads that compiled at least one file */
  workersUsed: number;
  seconds: number;
}

const EXTENSIONS = { compile: [".py"], kernel: [".cu"] } as const;

/** The output path of a source file: the same relative path under OUTDIR (`.cu` files become `.py` modules). */
export function outputPathFor(op: "compile" | "kernel", outDir: string, rel: string): string {
  return join(outDir, op === "kernel" ? rel.replace(/\.cu$/, ".py") : rel);
}

const usage = (msg: string) => {
  process.stderr.write(`c2m: ${msg}\n`);
  return 2;
};

export async function runBatch(op: "compile" | "kernel", inputDir: string, opts: BatchOptions): Promise<number> {
  const started = Date.now();
  if (!opts.output) return usage(`${op} of a directory needs -o OUTDIR (the folder the translated files go to)`);
  const outDir = opts.output;
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) return usage(`-o ${outDir}: is a file; a directory input needs an output directory`);
  if (isInside(inputDir, outDir) && isInside(outDir, inputDir)) return usage(`error C2M-E005: -o ${outDir} is the input directory; refusing to write over the input files`);
  const jobs = opts.jobs === undefined ? defaultJobs() : Number(opts.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) return usage(`--jobs must be a positive integer, not '${opts.jobs}'`);
  const files = findSources(inputDir, EXTENSIONS[op], [outDir]);
  if (files.length === 0) return usage(`no ${EXTENSIONS[op].join("/")} files under ${inputDir}`);
  const inputs = new Set(files.map((f) => realpathSync(f.path)));
  const color = !opts.json && process.stderr.isTTY === true;
  const tasks: Task[] = [];
  const refused: TaskResult[] = [];
  // the package the files make up: relative imports in the outputs are checked against it
  const pyFiles = op === "compile" ? files.map((f) => f.rel) : [];
  const packageName = packageNameOf(inputDir);
  // installed torch libraries the files import: translated first, into OUTDIR/_c2m_lib (../libraries.ts)
  const libraries = op === "compile" ? await translateLibraries(files, inputDir, outDir, packageName, jobs, opts, color) : undefined;
  for (const f of files) {
    const output = outputPathFor(op, outDir, f.rel);
    // never write over a source file of the tree (an output folder that overlaps the input tree)
    if (inputs.has(existsSync(output) ? realpathSync(output) : resolve(output))) {
      const d: Diagnostic = {
        code: "C2M-E005",
        severity: "error",
        message: `${output}: refusing to overwrite an input file`,
        file: f.path,
        line: 1,
        col: 1,
        hint: "choose an -o folder outside the input tree",
      };
      refused.push({ input: f.path, status: "error", diagnostics: [d], text: formatDiagnostic(d, undefined, color) + "\n", wrote: [] });
      continue;
    }
    const pkg = op === "compile" ? { files: pyFiles, path: f.rel, name: packageName, ...(libraries ? { libraryFiles: libraries.libraryFiles } : {}) } : undefined;
    tasks.push({
      op,
      input: f.path,
      display: f.path,
      output,
      color,
      layout: opts.layout,
      topClass: opts.class,
      template: opts.template,
      package: pkg,
      searchPaths: opts.searchPaths,
      ...(op === "compile" ? { projectRoot: projectRootPath(inputDir) } : {}),
      include: opts.include,
      defines: opts.defines,
      ...(libraries ? { libraries: libraries.info } : {}),
    });
  }
  mkdirSync(outDir, { recursive: true });
  // a signal sweeps the workers' temporary files from every folder they write to
  for (const t of tasks) watchTempFolder(dirname(resolve(t.output!)));
  const progress = makeProgress(files.length, !opts.json && process.stderr.isTTY === true, opts.json === true);
  refused.forEach((r, i) => progress(r, i + 1));
  const run = await runPool(tasks, jobs, (r, done) => progress(r, refused.length + done));
  const results = [...refused, ...run.results, ...(libraries?.results ?? [])].sort((a, b) => (a.input < b.input ? -1 : a.input > b.input ? 1 : 0));
  const summary: BatchSummary = {
    files: results.length,
    ok: results.filter((r) => r.status === "ok").length,
    skipped: results.filter((r) => r.status === "skipped").length,
    failed: results.filter((r) => r.status === "error").length,
    warnings: results.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === "warning").length, 0),
    errors: results.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === "error").length, 0),
    workersUsed: Object.keys(run.perWorker).length,
    seconds: (Date.now() - started) / 1000,
  };
  if (opts.json) {
    const files = results.map((r) => ({ input: r.input, status: r.status, wrote: r.wrote, diagnostics: r.diagnostics }));
    process.stdout.write(JSON.stringify({ files, summary }, null, 2) + "\n");
  } else {
    for (const r of results) if (r.text) process.stderr.write(r.text + "\n");
    const paint = (sgr: string, s: string) => (color ? `\x1b[${sgr}m${s}\x1b[0m` : s);
    const failed = summary.failed ? paint("31;1", `${summary.failed} failed`) : "0 failed";
    process.stderr.write(
      `c2m ${op}: ${summary.files} file${summary.files === 1 ? "" : "s"}: ${paint("32;1", `${summary.ok} written`)}, ${summary.skipped ? `${summary.skipped} without kernels, ` : ""}${failed}, ` +
        `${summary.warnings} warning${summary.warnings === 1 ? "" : "s"} — ${summary.seconds.toFixed(1)} s on ${summary.workersUsed} worker thread${summary.workersUsed === 1 ? "" : "s"} → ${outDir}\n`,
    );
  }
  if (summary.failed) return 1;
  return opts.strict && summary.warnings ? 1 : 0;
}

/** The installed torch libraries the files import, translated into OUTDIR/_c2m_lib; undefined when they import none. */
async function translateLibraries(
  files: { path: string }[],
  inputDir: string,
  outDir: string,
  packageName: string | undefined,
  jobs: number,
  opts: BatchOptions,
  color: boolean,
): Promise<LibraryCompile | undefined> {
  const sources = files.map((f) => {
    try {
      return { path: f.path, source: readFileSync(f.path, "utf8") };
    } catch {
      return { path: f.path, source: "" }; // its own compile reports it
    }
  });
  const projectRoot = projectRootPath(inputDir);
  const plan = planLibraries(sources, nodeHost(opts.searchPaths ?? [], [projectRoot]));
  if (!plan) return undefined;
  mkdirSync(outDir, { recursive: true });
  const log = opts.json ? undefined : (line: string) => void process.stderr.write(line);
  return compileLibraries(plan, { outDir, packageName, jobs, searchPaths: opts.searchPaths ?? [], projectRoot, layout: opts.layout, color, log });
}

/** A progress bar redrawn in place on a terminal; one line per finished file otherwise; nothing for --json. */
function makeProgress(total: number, tty: boolean, quiet: boolean): (r: TaskResult, done: number) => void {
  if (quiet) return () => {};
  const width = 30;
  return (r, done) => {
    const warnings = r.diagnostics.filter((d) => d.severity === "warning").length;
    const state = r.status === "error" ? "error" : r.status === "skipped" ? "no kernels, skipped" : warnings ? `${warnings} warning${warnings === 1 ? "" : "s"}` : "ok";
    if (tty) {
      const filled = Math.round((width * done) / total);
      const name = r.input.length > 40 ? `…${r.input.slice(-39)}` : r.input;
      process.stderr.write(`\r\x1b[2K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${name}`);
      if (done === total) process.stderr.write("\r\x1b[2K");
    } else process.stderr.write(`[${done}/${total}] ${r.input}: ${state}\n`);
  };
}
