/**
 * A batch worker thread: takes one task at a time (compile a Python file, translate a CUDA file, or
 * analyse a file), does it exactly as the single-file command would, and posts the result back. Outputs
 * are written here, atomically, and only when the file had no error. Nothing in a task can make this
 * thread import or run the code it reads.
 */
import { parentPort, workerData } from "node:worker_threads";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Diagnostic } from "../../ir/diagnostics.js";
import type { FileAnalysis } from "../analyze/index.js";
import type { PackageInfo } from "../../emit/verify/index.js";
import { translatedLibraries, type LibraryTaskInfo } from "../libraries.js";

export interface Task {
  op: "compile" | "kernel" | "analyze";
  input: string;
  /** the name diagnostics carry (the input path as the user would write it) */
  display: string;
  /** compile/kernel: the output file */
  output?: string;
  color?: boolean;
  layout?: "torch" | "nhwc";
  topClass?: string;
  template?: Record<string, string>;
  /** kernel: `-I` folders for local includes */
  include?: string[];
  defines?: Record<string, string>;
  /** compile or analyze of a folder: the package's module files and this file's path among them */
  package?: PackageInfo;
  searchPaths?: string[];
  /** a folder's compile or analyze: that folder (a namespace folder's files import from there) */
  projectRoot?: string;
  /** installed torch libraries translated with the program (./libraries.ts) */
  libraries?: LibraryTaskInfo;
}

export interface TaskResult {
  input: string;
  /** skipped: a CUDA file of a directory with no `__global__` kernel (a host program, a header): nothing to write */
  status: "ok" | "error" | "skipped";
  diagnostics: Diagnostic[];
  /** the diagnostics formatted for a terminal (code frames included) */
  text: string;
  /** files written */
  wrote: string[];
  analysis?: FileAnalysis;
}

export async function runTask(task: Task): Promise<TaskResult> {
  try {
    if (task.op === "analyze") {
      const { analyzeFile } = await import("../analyze/index.js");
      // the compile `c2m compile DIR` runs on this file: the same program and package
      const analysis = await analyzeFile(task.input, task.display, {
        program: await workerProgram(task.searchPaths ?? [], task.projectRoot, task.libraries?.roots),
        package: task.package,
        libraries: task.libraries && translatedLibraries(task.libraries),
      });
      return { input: task.input, status: analysis.status === "error" ? "error" : "ok", diagnostics: [], text: "", wrote: [], analysis };
    }
    const { InputError, readSource } = await import("../io.js");
    const { formatDiagnostic } = await import("../../ir/diagnostics.js");
    let source: string;
    try {
      source = readSource(task.input);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const d: Diagnostic = { code: err.code, severity: "error", message: err.message, file: task.display, line: 1, col: 1 };
      return { input: task.input, status: "error", diagnostics: [d], text: formatDiagnostic(d, undefined, task.color) + "\n", wrote: [] };
    }
    let diagnostics: Diagnostic[];
    let outputs: [string, string][];
    // whether the compile produced a module (input that does not parse produces none)
    let produced: boolean;
    if (task.op === "compile") {
      const { compile } = await import("../compile.js");
      // one program per worker: files another file imported are parsed once per worker, not once per file
      const r = compile(source, {
        filename: task.display,
        layout: task.layout ?? "torch",
        topClass: task.topClass,
        program: await workerProgram(task.searchPaths ?? [], task.projectRoot, task.libraries?.roots),
        package: task.package,
        libraries: task.libraries && translatedLibraries(task.libraries),
      });
      diagnostics = r.diagnostics;
      produced = r.code !== "";
      // byte for byte what `c2m compile FILE -o OUT` writes
      const mapName = `${task.output!}.map`;
      outputs = [
        [task.output!, `${r.code}${r.code.endsWith("\n") ? "" : "\n"}# sourceMappingURL=${mapName.split("/").pop()}\n`],
        [mapName, r.map ? r.map.toString() : ""],
      ];
    } else {
      const { compileKernels } = await import("../kernel/index.js");
      const r = compileKernels(source, { filename: task.display, template: task.template ?? {}, includeDirs: task.include, defines: task.defines });
      // in a tree, a file with no kernels is not a failure: it holds nothing to translate
      if (r.diagnostics.length === 1 && r.diagnostics[0].code === "C2M-K013") return { input: task.input, status: "skipped", diagnostics: [], text: "", wrote: [] };
      diagnostics = r.diagnostics;
      produced = r.python !== "";
      outputs = [[task.output!, r.python]];
    }
    const text = diagnostics.map((d) => formatDiagnostic(d, source, task.color) + "\n").join(task.op === "compile" ? "\n" : "");
    const failed = diagnostics.some((d) => d.severity === "error");
    // an error still writes what the compile produced, with a marker at each error, so that a user sees
    // everything left to do in one pass (a kernel module holds its refused kernels as stubs); only input
    // that does not parse leaves nothing (as `c2m compile FILE -o OUT` and `c2m kernel FILE -o OUT` do)
    if (failed && !produced) return { input: task.input, status: "error", diagnostics, text, wrote: [] };
    // interrupted while this file compiled: write nothing (the pool waits for this thread to exit)
    if (stopRequested()) process.exit(0);
    const { writeOutputs } = await import("../io.js");
    for (const [path] of outputs) mkdirSync(dirname(path), { recursive: true });
    try {
      // the shared writer: all files of the output or none, never over the input or through a link
      writeOutputs(
        outputs.map(([path, content]) => ({ path, content })),
        [task.input],
      );
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const d: Diagnostic = { code: err.code, severity: "error", message: err.message, file: task.display, line: 1, col: 1 };
      return { input: task.input, status: "error", diagnostics: [...diagnostics, d], text: text + formatDiagnostic(d, undefined, task.color) + "\n", wrote: [] };
    }
    if (failed) return { input: task.input, status: "error", diagnostics, text, wrote: outputs.map(([p]) => p) };
    return { input: task.input, status: "ok", diagnostics, text, wrote: outputs.map(([p]) => p) };
  } catch (err) {
    const message = `c2m internal error on this file: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
    const d: Diagnostic = { code: "C2M-E006", severity: "error", message, file: task.display, line: 1, col: 1 };
    return { input: task.input, status: "error", diagnostics: [d], text: `${task.display}:1:1: error C2M-E006: ${message}\n`, wrote: [] };
  }
}

let program: { key: string; program: import("../../ir/program/program.js").Program } | undefined;

async function workerProgram(searchPaths: string[], projectRoot?: string, libraries: string[] = []) {
  const key = [...searchPaths, projectRoot ?? "", ...libraries].join("\0");
  if (program?.key !== key) {
    const { newProgram } = await import("../compile.js");
    const { nodeHost } = await import("../host.js");
    program = { key, program: newProgram(nodeHost(searchPaths, projectRoot === undefined ? [] : [projectRoot], libraries)) };
  }
  return program.program;
}

/** Set by the pool on a signal (shared memory: readable while this thread is busy). */
function stopRequested(): boolean {
  const flag = (workerData as { stopFlag?: Int32Array } | null)?.stopFlag;
  return flag !== undefined && Atomics.load(flag, 0) !== 0;
}

if (parentPort) {
  const port = parentPort;
  // load the compilers before saying ready, so that dispatch spreads work evenly
  await Promise.all([import("../compile.js"), import("../kernel/index.js"), import("../analyze/index.js"), import("../io.js"), import("../../ir/diagnostics.js")]);
  port.on("message", (task: Task) => {
    if (stopRequested()) process.exit(0);
    void runTask(task).then((r) => (stopRequested() ? process.exit(0) : port.postMessage(r)));
  });
  port.postMessage({ ready: true });
}
