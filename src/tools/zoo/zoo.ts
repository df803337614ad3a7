/**
 * The zoo's engine: real model packages, compiled and checked the way a user porting them would.
 *
 * Per case (a row of test/zoo/cases/<package>.json): the package-internal import closure of the case's module
 * (zoo_closure.py) is copied out of site-packages with the installed layout, compiled with the real CLI
 * (`c2m compile DIR -o OUT --json`), the torch model is built by the package's own constructor and its
 * state_dict converted with `c2m weights`, and the emitted package is imported in a fresh interpreter with
 * torch blocked, built with the same expression, loaded strictly, run and compared (zoo_mlx.py).
 * The cases of one package share one compile of the union of their closures (a user porting the package
 * compiles it once; each case is judged on its own closure's diagnostics and files), checked once by
 * zoo_check.py (every file parses, none imports torch) and pyflakes against the input (../pyflakes.ts); the torch side runs in one process for the
 * whole run, beside the compiles. Nothing here judges: ./classify.ts does.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { packageRoot, pythonExecutable } from "../../python.js";
import { haveRuff, newFindings, countsPerFile, pyflakes, type PyflakesFinding } from "../pyflakes.js";
import type { FileAnalysis } from "../../analyze/index.js";
import { analyzeVerdicts, disagreement, type AnalyzeVerdict, type FileAgreement } from "./agreement.js";
import type { EmittedTree, Frame, Owner } from "./attribute.js";
import { classify, type CaseResult, type CompileRecord, type Diag, type FileCheck } from "./classify.js";
import { inputLinesPerEmittedLine, markerCodes } from "./sourcemap-lines.js";
import type { ZooCase } from "./cases.js";

export interface ZooOptions {
  /** scratch folder (kept, so a failing case can be inspected) */
  work: string;
  /** seconds per case for each of the torch side, the weights conversion and the MLX side */
  timeout: number;
  /** called as each case is judged, in table order */
  onResult?: (r: CaseResult) => void;
  /** progress lines for the slow steps before the first result */
  log?: (line: string) => void;
  /** extra folders on every Python child's path (where a test's fixture package is installed) */
  pythonPath?: string[];
  /** also run `c2m analyze` on each package and record per file whether it agrees with the compile (default true) */
  analyze?: boolean;
}

const HERE = (): string => join(packageRoot(), "src", "tools", "zoo");
const CLI = (): string => join(packageRoot(), "dist", "src", "cli.js");

let extraPythonPath: string[] = [];
let userPythonPath: string[] = [];

/** The environment every child gets: no network, one thread each (the machine is small and shared). */
function childEnv(paths = extraPythonPath): NodeJS.ProcessEnv {
  const pythonPath = [...paths, ...(process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [])].join(":");
  return {
    ...process.env,
    ...(pythonPath ? { PYTHONPATH: pythonPath } : {}),
    HF_HUB_OFFLINE: "1",
    TRANSFORMERS_OFFLINE: "1",
    HF_DATASETS_OFFLINE: "1",
    TOKENIZERS_PARALLELISM: "false",
    OMP_NUM_THREADS: "1",
    PYTHONDONTWRITEBYTECODE: "1",
    C2M_NO_BUNDLE: process.env.C2M_NO_BUNDLE ?? "",
  };
}

interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function runProcess(cmd: string, args: string[], timeoutS: number, cwd?: string, paths?: string[]): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env: childEnv(paths), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr = (stderr + b).slice(-20000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutS * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, timedOut });
    });
  });
}

const python = (script: string, request: string, timeoutS: number, paths?: string[]) => runProcess(pythonExecutable(), [join(HERE(), script), request], timeoutS, undefined, paths);

export interface Closure {
  root: string;
  files: string[];
}

/** The files each case copies (zoo_closure.py), or why none could be found. */
export async function closures(cases: ZooCase[], work: string): Promise<Map<string, Closure | { error: string }>> {
  mkdirSync(work, { recursive: true });
  const request = join(work, "closure.request.json");
  const out = join(work, "closure.json");
  const roots = Object.fromEntries(cases.filter((c) => c.root).map((c) => [c.name, c.root]));
  writeFileSync(request, JSON.stringify({ entries: Object.fromEntries(cases.map((c) => [c.name, c.module])), roots, out }));
  const ran = await python("zoo_closure.py", request, 300);
  if (ran.code !== 0) throw new Error(`zoo_closure.py failed: ${ran.stderr.slice(-2000)}`);
  const parsed = JSON.parse(readFileSync(out, "utf8")) as { cases: Record<string, Closure | { error: string }> };
  return new Map(Object.entries(parsed.cases));
}

/** Copy a closure out of site-packages and compile it with the CLI; then count pyflakes findings per file. */
async function compileClosure(closure: Closure, dir: string, analyze: boolean): Promise<CompileRecord> {
  const src = join(dir, "src");
  const out = join(dir, "out");
  for (const f of closure.files) {
    mkdirSync(dirname(join(src, f)), { recursive: true });
    copyFileSync(join(closure.root, f), join(src, f));
  }
  const started = Date.now();
  const ran = await runProcess(process.execPath, [CLI(), "compile", src, "-o", out, "--json"], 900);
  const seconds = (Date.now() - started) / 1000;
  // kept beside the output: the diagnostics a failing case is judged against, for a person to read
  writeFileSync(join(dir, "compile.json"), ran.stdout);
  const record: CompileRecord = { out, seconds, diagnostics: [], written: [], libraryFiles: [], crash: null, pyflakes: null, pyflakesAdded: [], checks: new Map(), analyze: null };
  let parsed: { files: { input: string; status: string; wrote?: string[]; diagnostics: Diag[] }[] } | undefined;
  try {
    parsed = JSON.parse(ran.stdout);
  } catch {
    parsed = undefined;
  }
  if (ran.timedOut) record.crash = "c2m compile timed out";
  else if ((ran.code !== 0 && ran.code !== 1) || !parsed) record.crash = `c2m compile exited ${ran.code ?? ran.signal}: ${lastLine(ran.stderr)}`;
  const libraryInputs = new Map<string, string[]>();
  for (const f of parsed?.files ?? []) {
    // an installed library translated with the package (src/libraries.ts) is named by its place in the output
    const library = relative(src, f.input).startsWith("..") && f.wrote?.length;
    const rel = library ? relative(out, f.wrote![0]!) : relative(src, f.input);
    if (library) {
      record.libraryFiles!.push(rel);
      // the installed file's findings are the input's for this output file
      const installedRoot = f.input.slice(0, f.input.length - (rel.length - "_c2m_lib/".length));
      libraryInputs.set(installedRoot, [...(libraryInputs.get(installedRoot) ?? []), rel.slice("_c2m_lib/".length)]);
    }
    if (f.status === "ok") record.written.push(rel);
    for (const d of f.diagnostics) record.diagnostics.push({ code: d.code, severity: d.severity, message: d.message, file: rel, line: d.line, col: d.col });
  }
  if (haveRuff() && existsSync(out)) {
    // c2m adds no pyflakes finding: the emitted files' findings against the input files' own
    const [own, output, ...libraries] = await Promise.all([
      pyflakes(src),
      pyflakes(out),
      ...[...libraryInputs].map(([root, files]) => pyflakes(realpathSync(root), files).then((fs) => fs.map((x) => ({ ...x, file: `_c2m_lib/${x.file}` })))),
    ]);
    // a translated library's name in a finding is read through its import, which now names the output's copy: a
    // dotted name (F401 `timm.layers`) or the module of a star import (F403 `from timm.layers import *`)
    const tops = new Set(record.libraryFiles!.map((f) => f.split("/")[1]!.replace(/\.py$/, "")));
    const renamed = (x: PyflakesFinding) => {
      const m = /^(from )?([\w.]+)/.exec(x.name);
      return m && tops.has(m[2]!.split(".")[0]!) ? { ...x, name: `${m[1] ?? ""}_c2m_lib.${x.name.slice((m[1] ?? "").length)}` } : x;
    };
    const input = [...own, ...libraries.flat()].map(renamed);
    record.pyflakesAdded = newFindings(input, output, (file) => readFileSync(join(out, file), "utf8"));
    record.pyflakes = countsPerFile(output, record.pyflakesAdded);
  }
  record.checks = await checkEmitted(out, record.written, dir);
  if (analyze && parsed) record.analyze = await analyzeAgreement(src, dir, parsed.files);
  return record;
}

/** `c2m analyze` over the same folder: per compiled file, the compile's error codes beside analyze's verdict, and whether they agree (./agreement.ts). */
async function analyzeAgreement(src: string, dir: string, compiled: { input: string; diagnostics: Diag[] }[]): Promise<Map<string, FileAgreement>> {
  const report = join(dir, "analyze.json");
  const ran = await runProcess(process.execPath, [CLI(), "analyze", src, "--json", "-o", report], 900);
  const out = new Map<string, FileAgreement>();
  const verdicts =
    existsSync(report) && !ran.timedOut ? analyzeVerdicts((JSON.parse(readFileSync(report, "utf8")) as { files: FileAnalysis[] }).files, src) : new Map<string, AnalyzeVerdict>();
  for (const f of compiled) {
    const rel = relative(src, f.input);
    // an installed library translated with the package: analyze reads the folder alone
    if (rel.startsWith("..")) continue;
    const errors = [...new Set(f.diagnostics.filter((d) => d.severity === "error").map((d) => d.code))].sort();
    const analyze = verdicts.get(rel) ?? null;
    out.set(rel, { compile: errors, analyze, disagreement: verdicts.size ? disagreement(errors, analyze ?? undefined) : `c2m analyze wrote no report: ${lastLine(ran.stderr)}` });
  }
  return out;
}

/** zoo_check.py over the emitted files: which do not parse, which import torch. */
async function checkEmitted(out: string, files: string[], dir: string): Promise<Map<string, FileCheck>> {
  const request = join(dir, "check.request.json");
  const result = join(dir, "check.json");
  writeFileSync(request, JSON.stringify({ root: out, files, out: result }));
  const ran = await python("zoo_check.py", request, 600);
  if (ran.code !== 0 || !existsSync(result)) throw new Error(`zoo_check.py failed: ${lastLine(ran.stderr)}`);
  return new Map(Object.entries((JSON.parse(readFileSync(result, "utf8")) as { files: Record<string, FileCheck> }).files));
}

const lastLine = (s: string): string =>
  s
    .trim()
    .split("\n")
    .filter((l) => l.trim())
    .slice(-1)[0] ?? "";

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9_.-]+/g, "_");

interface TorchRecord {
  class?: string;
  classFile?: string;
  params?: number;
  outputs?: number[][];
  error?: string;
}

/** Run every case; results come back (and through onResult) in the order of `cases`. */
export async function runZoo(cases: ZooCase[], opts: ZooOptions): Promise<CaseResult[]> {
  const log = opts.log ?? (() => {});
  const work = opts.work;
  // vendored tables' roots first: their packages are imported from there by the torch side (and found there by the closure)
  extraPythonPath = [...new Set(cases.flatMap((c) => (c.root ? [c.root] : []))), ...(opts.pythonPath ?? [])];
  userPythonPath = opts.pythonPath ?? [];
  mkdirSync(work, { recursive: true });
  log(`zoo: finding the import closure of ${cases.length} case${cases.length === 1 ? "" : "s"}`);
  const found = await closures(cases, work);

  // the torch side, all cases in one process, while the compiles run
  const torchRequest = join(work, "torch.request.json");
  const torchDir = (c: ZooCase) => join(work, "torch", safeName(c.name));
  writeFileSync(
    torchRequest,
    JSON.stringify({ timeout: opts.timeout, cases: cases.map((c) => ({ name: c.name, module: c.module, build: c.build, inputs: c.inputs, seed: c.seed ?? 0, out: torchDir(c) })) }),
  );
  const torchRun = python("zoo_torch.py", torchRequest, opts.timeout * cases.length + 120);

  // one compile per package: the union of its cases' closures
  const unions = new Map<string, Closure>();
  for (const c of cases) {
    const closure = found.get(c.name);
    if (!closure || "error" in closure) continue;
    const u = unions.get(c.package) ?? { root: closure.root, files: [] };
    if (u.root !== closure.root) throw new Error(`${c.name}: ${c.package} found in two places (${u.root}, ${closure.root})`);
    u.files = [...new Set([...u.files, ...closure.files])].sort();
    unions.set(c.package, u);
  }
  const compiles = new Map<string, CompileRecord>();
  for (const [pkg, union] of unions) {
    log(`zoo: c2m compile ${pkg} (${union.files.length} files)`);
    compiles.set(pkg, await compileClosure(union, join(work, "compile", safeName(pkg)), opts.analyze !== false));
  }
  const torchRan = await torchRun;
  if (torchRan.code !== 0) log(`zoo: the torch side exited ${torchRan.code ?? torchRan.signal}: ${lastLine(torchRan.stderr)}`);

  const results: CaseResult[] = [];
  for (const c of cases) {
    const started = Date.now();
    const closure = found.get(c.name);
    const compile = compiles.get(c.package);
    // the installed libraries translated with the package are the case's files too: a failure inside one is judged there
    const files = closure && !("error" in closure) ? [...closure.files, ...(compile?.libraryFiles ?? [])] : [];
    const tdir = torchDir(c);
    const torch: TorchRecord = existsSync(join(tdir, "torch.json"))
      ? JSON.parse(readFileSync(join(tdir, "torch.json"), "utf8"))
      : { error: "the torch side wrote no record (crashed or timed out)" };
    const setupError = closure && "error" in closure ? `closure: ${closure.error}` : torch.error ? `torch: ${torch.error}` : null;
    let weightsCrash: string | null = null;
    let mlx: MlxRecord | null = null;
    if (!setupError && compile && !compile.crash) {
      const conv = await convertWeights(c, torch, compile, tdir, opts.timeout);
      weightsCrash = conv.crash;
      mlx = await runMlxSide(c, torch, compile, tdir, conv, opts.timeout);
    }
    const tree = compile ? emittedTree(compile.out) : undefined;
    const r = classify({ c, files, compile, setupError, weightsCrash, mlx, tree, seconds: (Date.now() - started) / 1000 });
    results.push(r);
    opts.onResult?.(r);
  }
  return results;
}

/** The Python frames faulthandler wrote on a crash (innermost first there), inside the emitted tree, outermost first. */
function faultFrames(path: string, out: string): Frame[] {
  if (!existsSync(path)) return [];
  // the crashing thread's block: "(most recent call first):" then one `File "...", line N in f` per frame
  const block = /most recent call first\):\n((?:[ \t]+File[^\n]*\n?)+)/.exec(readFileSync(path, "utf8"))?.[1] ?? "";
  return [...block.matchAll(/File "([^"]+)", line (\d+)/g)]
    .map((m) => ({ file: relative(out, m[1]), line: Number(m[2]), endLine: Number(m[2]) }))
    .filter((f) => !f.file.startsWith("..") && !f.file.startsWith("/"))
    .reverse();
}

const IMPORT = /^\s*(?:import|from)\s/;

/**
 * The emitted tree's source maps (OUT/x.py.map) and markers, each file read once when first asked. Code c2m
 * inserted in place of an import (pasted helpers, placeholder classes) maps to that import's line: an emitted
 * line that is not an import mapped to an input line that is one is inserted code, and maps to nothing.
 */
export function emittedTree(out: string): EmittedTree {
  const files = new Map<string, { per: number[][]; input: string[]; emitted: string[] }>();
  const load = (file: string) => {
    if (!files.has(file)) {
      let entry = { per: [] as number[][], input: [] as string[], emitted: [] as string[] };
      try {
        const map = JSON.parse(readFileSync(join(out, `${file}.map`), "utf8")) as { mappings: string; sourcesContent?: string[] };
        entry = { per: inputLinesPerEmittedLine(map.mappings), input: (map.sourcesContent?.[0] ?? "").split("\n"), emitted: readFileSync(join(out, file), "utf8").split("\n") };
      } catch {
        // no map or no file: nothing maps
      }
      files.set(file, entry);
    }
    return files.get(file)!;
  };
  return {
    inputLines(file, first, last) {
      const { per, input, emitted } = load(file);
      const lines = new Set<number>();
      for (let l = first; l <= last; l++) {
        const inserted = !IMPORT.test(emitted[l - 1] ?? "");
        for (const i of per[l - 1] ?? []) if (!(inserted && IMPORT.test(input[i - 1] ?? ""))) lines.add(i);
      }
      return [...lines];
    },
    markers(file, line) {
      return markerCodes(load(file).emitted[line - 1] ?? "");
    },
    insertedFor(file, line) {
      // a line with no segments between mapped lines of one function is a conversion c2m inserted (a layout
      // transpose) before the statement that needs it; pasted helpers are runs of unmapped lines from `def` on
      const { per, emitted } = load(file);
      const mapped = (l: number) => (per[l - 1] ?? []).length > 0;
      if (mapped(line) || !/^\s/.test(emitted[line - 1] ?? "")) return [];
      const near = (step: number) => [1, 2, 3].map((k) => line + k * step).find((l) => (emitted[l - 1] ?? "").trim() && mapped(l));
      const [before, after] = [near(-1), near(1)];
      return before !== undefined && after !== undefined ? this.inputLines(file, after, after) : [];
    },
  };
}

interface Converted {
  weights: string | null;
  error: string | null;
  crash: string | null;
}

async function convertWeights(c: ZooCase, torch: TorchRecord, compile: CompileRecord, tdir: string, timeout: number): Promise<Converted> {
  const map = join(compile.out, torch.classFile ?? "");
  if (!torch.classFile || !existsSync(map)) return { weights: null, error: `no emitted file ${torch.classFile} to take ${torch.class}'s weight map from`, crash: null };
  const weights = join(tdir, "model_mlx.safetensors");
  const ran = await runProcess(process.execPath, [CLI(), "weights", join(tdir, "model.pt"), "-o", weights, "--map", map, "--class", torch.class!], timeout);
  if (ran.timedOut) return { weights: null, error: "c2m weights timed out", crash: "c2m weights timed out" };
  if (ran.code === 0) return { weights, error: null, crash: null };
  const message = `c2m weights: ${lastLine(ran.stderr).replace(/^c2m: /, "")}`;
  // 1 and 2 are the converter's own reports (a map that does not fit, a usage error); anything else is a crash
  return { weights: null, error: message, crash: ran.code === 1 || ran.code === 2 ? null : message };
}

export interface MlxRecord {
  stage: string | null;
  error?: string;
  where?: string | null;
  /** the failure's frames inside the emitted tree, outermost first */
  frames?: Frame[];
  /** weights, outputs, params failures: the emitted classes holding what failed */
  owners?: Owner[];
  /** outputs failures: c2m parity's first diverging submodule call (null: none diverges) */
  divergence?: { module: string; maxAbs: number | null; torchShape: number[]; mlxShape: number[] } | null;
  /** why owners could not be found */
  locateError?: string;
  outputs?: { shape: number[]; maxAbs: number | null }[];
  params?: number;
}

async function runMlxSide(c: ZooCase, torch: TorchRecord, compile: CompileRecord, tdir: string, conv: Converted, timeout: number): Promise<MlxRecord> {
  const request = join(tdir, "mlx.request.json");
  const result = join(tdir, "mlx.json");
  writeFileSync(
    request,
    JSON.stringify({
      root: compile.out,
      confine: [c.module.split(".")[0]],
      module: c.module,
      build: c.build,
      inputs: c.inputs,
      weights: conv.weights,
      weightsError: conv.error,
      torch_dir: tdir,
      torch,
      atol: c.atol ?? 1e-4,
      rtol: c.rtol ?? 0,
      result,
    }),
  );
  // only this case's own root: another table's vendored packages are not on the machine of this port's user (a vendored
  // mamba.py made transformers' `is_mambapy_available()` true, and the port imported torch code through it)
  const ran = await python("zoo_mlx.py", request, timeout, [...(c.root ? [c.root] : []), ...userPythonPath]);
  if (ran.timedOut) return { stage: "timeout", error: `the MLX side took over ${timeout} s` };
  if (!existsSync(result) || ran.code !== 0)
    return { stage: "crash", error: `the MLX side exited ${ran.code ?? ran.signal}: ${lastLine(ran.stderr)}`, frames: faultFrames(`${result}.fault`, compile.out) };
  return JSON.parse(readFileSync(result, "utf8")) as MlxRecord;
}
