/**
 * `npm run bench`: c2m's two speed figures side by side, in one run.
 *
 * 1. Compiler speed: `compile()` over a large real corpus (every `modeling_*.py` of the installed
 *    transformers package, and the golden tree) against the bare tree-sitter parse of the same files in
 *    the same process; `compileKernels()` against the bare CUDA parse of golden/kernels; the CLI's cold
 *    start on one file (a fresh `node` process, as a user runs it).
 * 2. Output speed: the four golden models the issue names, translated now by this compiler, against the
 *    hand-written MLX ports in bench/ports and against PyTorch, same weights and inputs (bench/output.py).
 *
 * Options: --readme (rewrite the README's benchmark section), --files N (first N corpus files only),
 * --repeats N (timed forwards per variant), --device cpu|gpu (MLX CUDA + torch CUDA on a GPU machine),
 * --skip-compiler, --skip-output, --json FILE (raw figures), --render FILE (re-render saved figures),
 * --prepare-gpu DIR (write the GPU run's request), --gpu-result FILE (add a GPU run's table).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parsePython } from "../grammar/python.js";
import { compile } from "../src/compile.js";
import { startPhaseTimer, stopPhaseTimer } from "../ir/phases.js";
import { packageRoot, pythonExecutable } from "../src/python.js";

/** The goals the issue sets. */
export const GOALS = { compileOverParse: 2, coldStartMs: 300, translatedOverPort: 1.05 } as const;

/** Golden models of the output benchmark, with inputs larger than parity's so that compute shows. */
export const OUTPUT_MODELS: { name: string; inputs: { shape: number[]; dtype: string; high?: number }[] }[] = [
  { name: "resnet18", inputs: [{ shape: [8, 3, 64, 64], dtype: "float32" }] },
  { name: "vit_tiny", inputs: [{ shape: [8, 3, 32, 32], dtype: "float32" }] },
  { name: "gpt2", inputs: [{ shape: [8, 64], dtype: "int64", high: 128 }] },
  { name: "llama_block", inputs: [{ shape: [8, 64], dtype: "int64", high: 256 }] },
];

interface Options {
  readme: boolean;
  files?: number;
  repeats: number;
  device: "cpu" | "gpu";
  skipCompiler: boolean;
  skipOutput: boolean;
  json?: string;
  /** write the GPU run's request (translations + request.json) into this folder, then stop */
  prepareGpu?: string;
  /** a result.json that bench/output.py wrote on a GPU machine: its table is reported beside the CPU one */
  gpuResult?: string;
  /** render figures an earlier run saved with --json instead of measuring */
  render?: string;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { readme: false, repeats: 30, device: "cpu", skipCompiler: false, skipOutput: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === "--readme") o.readme = true;
    else if (a === "--files") o.files = positiveInt(a, value());
    else if (a === "--repeats") o.repeats = positiveInt(a, value());
    else if (a === "--device") {
      const d = value();
      if (d !== "cpu" && d !== "gpu") usage("--device must be cpu or gpu");
      o.device = d;
    } else if (a === "--skip-compiler") o.skipCompiler = true;
    else if (a === "--skip-output") o.skipOutput = true;
    else if (a === "--json") o.json = value();
    else if (a === "--prepare-gpu") o.prepareGpu = value();
    else if (a === "--gpu-result") o.gpuResult = value();
    else if (a === "--render") o.render = value();
    else usage(`unknown option ${a}`);
  }
  return o;
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) usage(`${name} takes a positive integer, not '${v}'`);
  return n;
}

function usage(message: string): never {
  process.stderr.write(
    `bench: ${message}\nusage: npm run bench -- [--readme] [--files N] [--repeats N] [--device cpu|gpu] [--skip-compiler] [--skip-output] [--json FILE] [--prepare-gpu DIR] [--gpu-result FILE] [--render FIGURES.json]\n`,
  );
  process.exit(2);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const lines = (s: string): number => s.split("\n").length;

// ---------------------------------------------------------------------------------------- corpus

export function pythonCorpus(root: string): { corpus: string; files: string[] } {
  const files: string[] = [];
  const models = join(root, ".venv/lib/python3.11/site-packages/transformers/models");
  let corpus = "golden";
  if (existsSync(models)) {
    for (const dir of readdirSync(models).sort()) {
      const d = join(models, dir);
      let names: string[];
      try {
        names = readdirSync(d);
      } catch {
        continue; // a file, not a model folder
      }
      for (const f of names.sort()) if (/^modeling_.*\.py$/.test(f)) files.push(join(d, f));
    }
    corpus = "transformers + golden";
  }
  const golden = join(root, "golden/models");
  for (const m of readdirSync(golden).sort()) if (existsSync(join(golden, m, "input.py"))) files.push(join(golden, m, "input.py"));
  return { corpus, files };
}

// ---------------------------------------------------------------------------------------- compiler speed

export interface CompilerFigures {
  corpus: string;
  files: number;
  lines: number;
  bytes: number;
  parseMs: number;
  compileMs: number;
  failed: string[];
  slowest: { file: string; ms: number; lines: number }[];
  /** each phase's own time over the timed compiles (ir/phases.ts), in the order they first ran */
  phases?: { name: string; ms: number }[];
  kernel?: { files: number; rounds?: number; lines: number; parseMs: number; compileMs: number } | { error: string };
  coldStartMs: number;
  nodeStartMs: number;
  kernelColdStartMs?: number;
}

function timeCompilerOnCorpus(root: string, limit?: number): Omit<CompilerFigures, "kernel" | "coldStartMs" | "nodeStartMs" | "kernelColdStartMs"> {
  const { corpus, files } = pythonCorpus(root);
  const chosen = limit ? files.slice(0, limit) : files;
  const sources = chosen.map((f) => ({ file: f, text: readFileSync(f, "utf8") }));
  // warm both paths (parser construction, JIT) on one file so neither pays a one-time cost in the figures
  parsePython(sources[0].text);
  compile(sources[0].text, { filename: sources[0].file });
  let parseMs = 0;
  let compileMs = 0;
  const failed: string[] = [];
  const per: { file: string; ms: number; lines: number }[] = [];
  // the phase timer runs inside the timed compiles: a few dozen clock reads per file, against milliseconds
  startPhaseTimer();
  for (const { file, text } of sources) {
    // the parse and the compile of each file in turn: both see the same machine load
    let t = performance.now();
    parsePython(text);
    parseMs += performance.now() - t;
    t = performance.now();
    try {
      compile(text, { filename: file });
    } catch (err) {
      failed.push(`${file.replace(`${root}/`, "")}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    }
    const ms = performance.now() - t;
    compileMs += ms;
    per.push({ file: file.replace(`${root}/`, "").replace(".venv/lib/python3.11/site-packages/", ""), ms, lines: lines(text) });
  }
  const phases = [...stopPhaseTimer()].map(([name, ms]) => ({ name, ms }));
  per.sort((a, b) => b.ms - a.ms);
  return {
    corpus,
    files: sources.length,
    lines: sources.reduce((n, s) => n + lines(s.text), 0),
    bytes: sources.reduce((n, s) => n + Buffer.byteLength(s.text), 0),
    parseMs,
    compileMs,
    failed,
    slowest: per.slice(0, 5),
    phases,
  };
}

async function timeKernels(root: string): Promise<CompilerFigures["kernel"]> {
  const dir = join(root, "golden/kernels");
  if (!existsSync(join(root, "dist/src/kernel/index.js"))) return { error: "src/kernel (compileKernels) is not built" };
  try {
    const { parseCudaTree } = await import("../grammar/cuda.js");
    // a path held in a variable: the kernel compiler is optional here (another part of the tree)
    const kernelModule = "../src/kernel/index.js";
    const { compileKernels } = (await import(kernelModule)) as {
      compileKernels: (s: string, o: { filename: string }) => unknown;
    };
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith(".cu"))
      .sort()
      .map((f) => ({ file: f, text: readFileSync(join(dir, f), "utf8") }));
    // the golden kernels are small (a round is ~10 ms): warm both paths for a few rounds, then time enough
    // rounds that the JIT's warm-up and a stray collection do not decide the figure
    for (let r = 0; r < 3; r++) {
      for (const s of sources) {
        parseCudaTree(s.text).delete();
        compileKernels(s.text, { filename: s.file });
      }
    }
    const rounds = 30;
    let parseMs = 0;
    let compileMs = 0;
    for (let r = 0; r < rounds; r++) {
      for (const s of sources) {
        let t = performance.now();
        // the bare parse: web-tree-sitter's tree, freed outside the timing (compileKernels frees its own inside)
        const tree = parseCudaTree(s.text);
        parseMs += performance.now() - t;
        tree.delete();
        t = performance.now();
        compileKernels(s.text, { filename: s.file });
        compileMs += performance.now() - t;
      }
    }
    return { files: sources.length, rounds, lines: sources.reduce((n, s) => n + lines(s.text), 0) * rounds, parseMs, compileMs };
  } catch (err) {
    return { error: err instanceof Error ? err.message.split("\n")[0] : String(err) };
  }
}

/** Median wall time of a fresh process, in ms. */
function coldStart(args: string[], cwd: string, runs = 7): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    times.push(performance.now() - t);
    if (r.status !== 0 && r.status !== 1) throw new Error(`cold start: node ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  }
  return median(times);
}

async function compilerFigures(root: string, opts: Options): Promise<CompilerFigures> {
  const out = mkdtempSync(join(tmpdir(), "c2m-bench-"));
  try {
    const cli = join(root, "dist/src/cli.js");
    const nodeStartMs = coldStart(["-e", "0"], root);
    const coldStartMs = coldStart([cli, "compile", "golden/models/resnet18/input.py", "-o", join(out, "resnet18.py")], root);
    let kernelColdStartMs: number | undefined;
    if (existsSync(join(root, "dist/src/commands/kernel.js")) && existsSync(join(root, "golden/kernels/softmax_warp.cu"))) {
      try {
        kernelColdStartMs = coldStart([cli, "kernel", "golden/kernels/softmax_warp.cu", "-o", join(out, "softmax.py")], root);
      } catch {
        kernelColdStartMs = undefined;
      }
    }
    const corpus = timeCompilerOnCorpus(root, opts.files);
    const kernel = await timeKernels(root);
    return { ...corpus, kernel, coldStartMs, nodeStartMs, kernelColdStartMs };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------- output speed

export interface OutputModel {
  name: string;
  ok: boolean;
  error?: string;
  maxDiff?: Record<string, number>;
  ms?: Record<string, number>;
  /** medians of per-round ratios (translated_over_port, translated_over_torch, translated_compiled_over_port_compiled) */
  ratios?: Record<string, number>;
  peakMB?: Record<string, number>;
  inputs?: number[][];
  samples?: number;
  /** primitives in one forward's lazy graph, and translated − port per primitive (a load-free measure) */
  ops?: { translated: number; port: number };
  opsDiff?: Record<string, number>;
  /** where the translation came from: compiled now, or expected.py when the compile failed */
  source?: string;
}
export interface OutputFigures {
  device: string;
  machine: Record<string, unknown>;
  models: OutputModel[];
}

/**
 * Run bench/output.py on the golden models (all of OUTPUT_MODELS, or `only`). With `timed: false` it checks
 * the port against the translation and the translation against torch, and counts graph ops, without timing.
 */
/**
 * Write the output benchmark's request into `work`: the translations this compiler writes now (not the
 * reviewed copies: the figures follow the passes) and request.json. Paths are relative to `root` when
 * `relative` is set, so that the folder can travel to another machine with the repository (--prepare-gpu).
 */
export function writeOutputRequest(
  root: string,
  work: string,
  opts: { repeats: number; device: "cpu" | "gpu" },
  select: { only?: string[]; timed?: boolean; relative?: boolean } = {},
): { requestPath: string; resultPath: string; sources: Record<string, string> } {
  const path = (p: string): string => (select.relative ? relative(root, p) : p);
  const chosen = OUTPUT_MODELS.filter((m) => !select.only || select.only.includes(m.name));
  const sources: Record<string, string> = {};
  const models = chosen.map((m) => {
    const dir = join(root, "golden/models", m.name);
    const spec = JSON.parse(readFileSync(join(dir, "parity.json"), "utf8")) as { class: string; args: unknown };
    const input = readFileSync(join(dir, "input.py"), "utf8");
    const result = compile(input, { filename: join(dir, "input.py"), topClass: spec.class });
    let mlx = join(work, `${m.name}_mlx.py`);
    sources[m.name] = "compiled now";
    if (result.diagnostics.some((d) => d.severity === "error") || !result.code) {
      mlx = join(dir, "expected.py");
      sources[m.name] = "expected.py (compile failed)";
    } else writeFileSync(mlx, result.code);
    return {
      name: m.name,
      torch: path(join(dir, "input.py")),
      mlx: path(mlx),
      port: path(join(root, "bench/ports", `${m.name}.py`)),
      class: spec.class,
      args: spec.args,
      inputs: m.inputs,
    };
  });
  const resultPath = join(work, "result.json");
  const requestPath = join(work, "request.json");
  writeFileSync(requestPath, JSON.stringify({ models, repeats: opts.repeats, warmup: 3, device: opts.device, result: path(resultPath), time: select.timed ?? true }, null, 1));
  return { requestPath, resultPath, sources };
}

/**
 * Run bench/output.py on the golden models (all of OUTPUT_MODELS, or `only`). With `timed: false` it checks
 * the port against the translation and the translation against torch, and counts graph ops, without timing.
 */
export function outputFigures(root: string, opts: { repeats: number; device: "cpu" | "gpu" }, select: { only?: string[]; timed?: boolean } = {}): OutputFigures {
  const work = mkdtempSync(join(tmpdir(), "c2m-bench-out-"));
  try {
    const { requestPath, resultPath, sources } = writeOutputRequest(root, work, opts, select);
    const r = spawnSync(pythonExecutable(), [join(root, "bench/output.py"), requestPath], { cwd: root, stdio: ["ignore", "inherit", "pipe"], encoding: "utf8" });
    if (r.status !== 0 || !existsSync(resultPath)) {
      throw new Error(`bench/output.py failed (exit ${r.status}): ${(r.stderr ?? "").trim().split("\n").slice(-5).join("\n")}`);
    }
    const figures = JSON.parse(readFileSync(resultPath, "utf8")) as OutputFigures;
    for (const m of figures.models) m.source = sources[m.name];
    return figures;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------- report

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const met = (ok: boolean): string => (ok ? "yes" : "**no**");

export function compilerTable(c: CompilerFigures): string {
  const ratio = c.compileMs / c.parseMs;
  const rows = [
    "| measure | figure | goal | met |",
    "|---|---:|---|---|",
    `| \`compile\` ÷ bare tree-sitter parse (${c.corpus}: ${c.files} files, ${c.lines.toLocaleString("en-US")} lines, ${(c.bytes / 2 ** 20).toFixed(1)} MiB) | ${f1(ratio)}× | ≤ ${GOALS.compileOverParse}× | ${met(ratio <= GOALS.compileOverParse)} |`,
    `| \`compile\` throughput | ${Math.round(c.lines / (c.compileMs / 1e3)).toLocaleString("en-US")} lines/s (${f1(c.compileMs / 1e3)} s) | | |`,
    `| bare parse throughput | ${Math.round(c.lines / (c.parseMs / 1e3)).toLocaleString("en-US")} lines/s (${f2(c.parseMs / 1e3)} s) | | |`,
  ];
  if (c.kernel && "error" in c.kernel) rows.push(`| \`kernel\` ÷ bare CUDA parse | not measured: ${c.kernel.error} | ≤ ${GOALS.compileOverParse}× | |`);
  else if (c.kernel) {
    const k = c.kernel;
    rows.push(
      `| \`kernel\` ÷ bare CUDA parse (golden/kernels: ${k.files} files, ×${k.rounds ?? 5}) | ${f1(k.compileMs / k.parseMs)}× | ≤ ${GOALS.compileOverParse}× | ${met(k.compileMs / k.parseMs <= GOALS.compileOverParse)} |`,
    );
    rows.push(`| \`kernel\` throughput | ${Math.round(k.lines / (k.compileMs / 1e3)).toLocaleString("en-US")} lines/s | | |`);
  }
  rows.push(
    `| CLI cold start, \`c2m compile\` on one file (median of 7) | ${Math.round(c.coldStartMs)} ms | < ${GOALS.coldStartMs} ms | ${met(c.coldStartMs < GOALS.coldStartMs)} |`,
  );
  if (c.kernelColdStartMs !== undefined)
    rows.push(
      `| CLI cold start, \`c2m kernel\` on one file | ${Math.round(c.kernelColdStartMs)} ms | < ${GOALS.coldStartMs} ms | ${met(c.kernelColdStartMs < GOALS.coldStartMs)} |`,
    );
  rows.push(`| of which \`node -e 0\` alone | ${Math.round(c.nodeStartMs)} ms | | |`);
  if (c.failed.length) rows.push(`| files whose compile threw | ${c.failed.length} | 0 | ${met(false)} |`);
  const slow = c.slowest.map((s) => `${s.file.split("/").pop()} ${Math.round(s.ms)} ms (${s.lines} lines)`).join(", ");
  return `${rows.join("\n")}\n\nSlowest files: ${slow}.${c.phases?.length ? `\n\n${phaseTable(c)}` : ""}`;
}

/** Where the compile's time goes, phase by phase (each phase's own time; measured, not a goal). */
export function phaseTable(c: CompilerFigures): string {
  const phases = [...(c.phases ?? [])].sort((a, b) => b.ms - a.ms);
  const total = phases.reduce((n, p) => n + p.ms, 0);
  const rows = [
    `Where the compile's time goes (each phase's own time, summed over the corpus; "other" is the glue between phases):`,
    "",
    "| phase | ms | share of `compile` | ÷ bare parse |",
    "|---|---:|---:|---:|",
    ...phases.map((p) => `| ${p.name} | ${Math.round(p.ms).toLocaleString("en-US")} | ${f1((100 * p.ms) / total)}% | ${f2(p.ms / c.parseMs)}× |`),
  ];
  return rows.join("\n");
}

export function outputTable(o: OutputFigures): string {
  const rows = [
    "| model (input) | translated ms | hand port ms | translated ÷ port (goal ≤ 1.05) | translated + `mx.compile` ms | port + `mx.compile` ms | torch ms | translated ÷ torch | peak MiB translated / port | graph ops translated / port | max diff port vs translated |",
    "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const m of o.models) {
    if (!m.ok || !m.ms) {
      rows.push(`| ${m.name} | failed: ${(m.error ?? "").replace(/\|/g, "\\|").slice(0, 200)} | | | | | | | | | |`);
      continue;
    }
    const r = m.ratios?.translated_over_port ?? m.ms.translated / m.ms.port;
    const rTorch = m.ratios?.translated_over_torch ?? m.ms.translated / m.ms.torch;
    const pk = m.peakMB ?? {};
    rows.push(
      `| ${m.name} (${(m.inputs ?? []).map((s) => s.join("×")).join(", ")}) | ${f2(m.ms.translated)} | ${f2(m.ms.port)} | ${f2(r)} ${r <= GOALS.translatedOverPort ? "" : "**over**"} | ${f2(m.ms.translated_compiled)} | ${f2(m.ms.port_compiled)} | ${f2(m.ms.torch)} | ${f2(rTorch)} | ${f1(pk.translated ?? NaN)} / ${f1(pk.port ?? NaN)} | ${m.ops ? `${m.ops.translated} / ${m.ops.port}` : ""} | ${(m.maxDiff?.port_vs_translated ?? NaN).toExponential(1)} |`,
    );
  }
  const n = o.models.find((m) => m.samples)?.samples;
  const diffs = o.models
    .filter((m) => m.opsDiff && Object.keys(m.opsDiff).length)
    .map(
      (m) =>
        `${m.name}: ${Object.entries(m.opsDiff!)
          .map(([k, v]) => `${k} ${v > 0 ? "+" : ""}${v}`)
          .join(", ")}`,
    );
  const diffText = diffs.length
    ? `\n\nGraph ops, translated − port, per primitive (MLX's lazy graph of one forward; on the CPU backend \`mx.fast.*\` builds its composed fallback, so fused ops count as their parts): ${diffs.join("; ")}.`
    : "";
  return `${rows.join("\n")}\n\nMedians of ${n ?? "?"} forwards per variant in one process, after warm-up, one forward of each variant per round in rotating order; the ratios are medians of the per-round ratios; each forward ends in \`mx.eval\` (torch: \`no_grad\`${o.device === "gpu" ? ", `cuda.synchronize`" : ""}). Same converted weights and seeded inputs everywhere; the port and the \`mx.compile\` variants are checked against the translation (≤ 1e-4) and the translation against torch before timing. Peak memory is MLX's allocator peak over one forward${o.device === "gpu" ? " (torch: CUDA allocator)" : ""}.${diffText}`;
}

/** When and under what load the figures were taken (kept with them, so that a re-render keeps them). */
export interface RunInfo {
  date: string;
  loadAverage: number;
  node: string;
}

function machineLine(o: OutputFigures | undefined, run: RunInfo): string {
  const m = o?.machine ?? {};
  const cpu = (m.cpu as string | undefined) ?? cpus()[0]?.model ?? "unknown CPU";
  const parts = [`${cpu}, ${(m.cores as number | undefined) ?? cpus().length} cores`, `Node ${run.node}`];
  if (m.mlx) parts.push(`MLX ${m.mlx} (${o?.device === "gpu" ? "CUDA" : "CPU"} backend)`, `torch ${m.torch} (${m.torchThreads} threads)`);
  if (m.gpu) parts.push(`GPU ${m.gpu}`);
  parts.push(`load average ${run.loadAverage.toFixed(1)} at the end of the run (the machine is shared: figures are medians, ratios come from interleaved runs)`);
  parts.push(run.date);
  return parts.join(" · ");
}

export function report(c: CompilerFigures | undefined, o: OutputFigures | undefined, run: RunInfo, gpu?: OutputFigures): string {
  const out = [`Machine: ${machineLine(o, run)}. Run with \`npm run bench\`.`, ""];
  if (c) out.push("**Compiler speed**", "", compilerTable(c), "");
  if (o) out.push(`**Output speed** (MLX ${o.device === "gpu" ? "CUDA" : "CPU"} backend vs PyTorch ${o.device === "gpu" ? "CUDA" : "CPU"})`, "", outputTable(o), "");
  if (gpu) {
    const m = gpu.machine as Record<string, string | number | undefined>;
    out.push(
      "**Output speed on a GPU** (MLX CUDA backend vs PyTorch CUDA; a separate run: `npm run bench -- --prepare-gpu DIR`, then `python bench/output.py DIR/request.json` there)",
      "",
      `GPU machine: ${m.gpu ?? "unknown GPU"}, ${m.cpu ?? "unknown CPU"} (${m.cores ?? "?"} cores) · MLX ${m.mlx} · torch ${m.torch}.`,
      "",
      outputTable(gpu),
      "",
    );
  } else if (o) {
    out.push(
      "**Output speed on a GPU** (MLX CUDA backend vs PyTorch CUDA): not in this run. `npm run bench -- --prepare-gpu DIR` writes the request; run `python bench/output.py DIR/request.json RESULT.json` where `mlx[cuda]` and torch CUDA are installed, then `npm run bench -- --render FIGURES.json --gpu-result RESULT.json --readme`.",
      "",
    );
  }
  return out.join("\n");
}

const BEGIN = "<!-- generated:bench:begin (npm run bench -- --readme) -->";
const END = "<!-- generated:bench:end -->";

export function replaceReadmeSection(readme: string, body: string): string {
  const i = readme.indexOf(BEGIN);
  const j = readme.indexOf(END);
  if (i < 0 || j < i) throw new Error(`README.md has no ${BEGIN} … ${END} section`);
  return `${readme.slice(0, i + BEGIN.length)}\n${body.trimEnd()}\n${readme.slice(j)}`;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const root = packageRoot();
  if (opts.prepareGpu) {
    mkdirSync(opts.prepareGpu, { recursive: true });
    const { requestPath } = writeOutputRequest(root, resolve(opts.prepareGpu), { repeats: opts.repeats, device: "gpu" }, { relative: true });
    process.stdout.write(`bench: wrote ${requestPath}; on the GPU machine: python bench/output.py ${relative(root, requestPath)} RESULT.json\n`);
    return;
  }
  const gpu = opts.gpuResult ? (JSON.parse(readFileSync(opts.gpuResult, "utf8")) as OutputFigures) : undefined;
  let c: CompilerFigures | undefined;
  let o: OutputFigures | undefined;
  let run: RunInfo | undefined;
  if (opts.render) {
    // figures from an earlier --json run, rendered again (to add a GPU run's table, say)
    ({ compiler: c, output: o, run } = JSON.parse(readFileSync(opts.render, "utf8")) as { compiler?: CompilerFigures; output?: OutputFigures; run?: RunInfo });
  } else if (!opts.skipCompiler) {
    process.stderr.write("bench: compiler speed…\n");
    c = await compilerFigures(root, opts);
  }
  if (!opts.render && !opts.skipOutput) {
    process.stderr.write(`bench: output speed (MLX ${opts.device})…\n`);
    o = outputFigures(root, opts);
  }
  run ??= { date: new Date().toISOString().replace(/\.\d+Z$/, "Z"), loadAverage: loadavg()[0], node: process.versions.node };
  const text = report(c, o, run, gpu);
  process.stdout.write(`${text}\n`);
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ compiler: c, output: o, run }, null, 1));
  if (opts.readme) {
    const path = join(root, "README.md");
    writeFileSync(path, replaceReadmeSection(readFileSync(path, "utf8"), text));
    process.stderr.write("bench: README.md updated\n");
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
