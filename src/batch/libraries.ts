/**
 * Translating the installed torch libraries a compile's files import (../libraries.ts plans which modules):
 * each library module is compiled on the worker pool like a file of the user's, from its installed path, and
 * written under OUTDIR/_c2m_lib with the installed layout. A library with a module c2m cannot translate at all
 * (it does not parse, the compiler fails on it) is not written: whatever of it was written goes, the others are
 * compiled again without it, and the user's imports of it carry C2M-E043 (passes/library-imports.ts). Errors
 * inside a translated library (a construct with a marker) leave its files written; the user's imports carry
 * C2M-W048 saying what is left.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { formatDiagnostic, type Diagnostic } from "../../ir/diagnostics.js";
import { LIBRARY_FOLDER, libraryPrefix, libraryView, type LibraryPlan, type LibraryTaskInfo } from "../libraries.js";
import { runPool } from "./pool.js";
import type { Task, TaskResult } from "./worker.js";

export interface LibraryCompile {
  info: LibraryTaskInfo;
  results: TaskResult[];
  /** the translated modules' places in the output (`_c2m_lib/timm/layers/drop.py`), for the verifier of the user's files */
  libraryFiles: string[];
}

export interface LibraryCompileOptions {
  outDir: string;
  /** the user's package name when the input folder is a package (its modules import `name._c2m_lib.timm`) */
  packageName?: string;
  jobs: number;
  searchPaths: string[];
  projectRoot?: string;
  layout?: "torch" | "nhwc";
  color?: boolean;
  onResult?: (r: TaskResult) => void;
  /** a line for a person at a terminal (the library modules are compiled before the input's files) */
  log?: (line: string) => void;
}

export async function compileLibraries(plan: LibraryPlan, opts: LibraryCompileOptions): Promise<LibraryCompile> {
  const prefix = libraryPrefix(opts.packageName);
  if (opts.log && plan.files.length) {
    const tops = [...new Set(plan.files.map((f) => f.top))].join(", ");
    opts.log(
      `c2m compile: translating ${plan.files.length} module${plan.files.length === 1 ? "" : "s"} of ${tops} (imported by the input, built on torch) into ${join(opts.outDir, LIBRARY_FOLDER)}\n`,
    );
  }
  const failed = new Map<string, string>(plan.refused);
  for (;;) {
    const { info, files, libraryFiles } = libraryView(plan, prefix, failed);
    const tasks: Task[] = files.map((f) => ({
      op: "compile",
      input: f.path,
      display: f.path,
      output: join(opts.outDir, LIBRARY_FOLDER, f.rel),
      color: opts.color,
      layout: opts.layout,
      package: { files: files.map((g) => g.rel), path: f.rel, name: opts.packageName, libraryFiles },
      searchPaths: opts.searchPaths,
      projectRoot: opts.projectRoot,
      libraries: info,
    }));
    const run = await runPool(tasks, opts.jobs);
    // a module written with nothing (no parse, an internal error): its library cannot be translated
    const broken = new Map<string, string>();
    run.results.forEach((r, i) => {
      const top = files[i]!.top;
      if (r.wrote.length || broken.has(top)) return;
      const d = r.diagnostics.find((x) => x.severity === "error");
      broken.set(top, `${r.input}${d ? `:${d.line}:${d.col}: ${d.code} ${d.message}` : ": not translated"}`);
    });
    if (broken.size) {
      for (const [top, why] of broken) {
        failed.set(top, why);
        rmSync(join(opts.outDir, LIBRARY_FOLDER, top), { recursive: true, force: true });
        rmSync(join(opts.outDir, LIBRARY_FOLDER, `${top}.py`), { force: true });
      }
      continue;
    }
    for (const r of run.results) opts.onResult?.(r);
    info.withErrors = errorsPerLibrary(
      run.results,
      files.map((f) => f.top),
    );
    return { info, results: run.results, libraryFiles };
  }
}

/** Per library with errors left in its translated modules: how many, and the first (for the user's import). */
function errorsPerLibrary(results: TaskResult[], tops: string[]): [string, string][] {
  const per = new Map<string, { errors: number; files: number; first?: Diagnostic }>();
  results.forEach((r, i) => {
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    if (!errors.length) return;
    const e = per.get(tops[i]!) ?? { errors: 0, files: 0 };
    e.errors += errors.length;
    e.files += 1;
    e.first ??= errors[0];
    per.set(tops[i]!, e);
  });
  return [...per].map(([top, e]) => [top, `${e.errors} error${e.errors === 1 ? "" : "s"} in ${e.files} module${e.files === 1 ? "" : "s"}, the first ${firstLine(e.first!)}`]);
}

const firstLine = (d: Diagnostic) => formatDiagnostic(d, undefined, false).split("\n")[0]!;
