/**
 * `npm run kernel-zoo`: `c2m kernel` over the real CUDA of test/corpus/cuda, per kernel.
 *
 * Reads test/corpus/kernel-zoo.json (projects: where their files are, which `-I` folders they need;
 * per file: template arguments, specs or flags to verify with). For every `__global__` kernel the
 * census (kernel-zoo-scan.ts) finds, says whether it was translated (emitted in the file's module),
 * refused (the diagnostic's code, file:line and construct), verified (a spec's launches agree on the
 * CUDA and Metal emulators) or silent (emitted with no diagnostic, yet verification fails).
 *
 * Options: --readme (rewrite README's generated:kernel-zoo block), --json FILE (per-kernel records),
 * --no-verify (translation only), --baseline FILE (write the ratchet's baseline), --only SUBSTRING[,SUBSTRING...].
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { packageRoot } from "../src/python.js";
import type { Diagnostic } from "../ir/diagnostics.js";
import { kernelCensus, type KernelSite } from "./kernel-zoo-scan.js";

export interface ZooProject {
  name: string;
  /** folder of the vendored project, relative to the config file */
  root: string;
  /** folders (relative to root) whose .cu files are translated, recursively */
  dirs: string[];
  /** `-I` folders, relative to root */
  include?: string[];
  /** file endings translated as units (default ["cu"]): llm.c's production kernels live in `llmc/*.cuh`, included by no `.cu` of the corpus */
  extensions?: string[];
  /** `-D` macros the project's own build defines (detectron2's setup.py: WITH_CUDA), as `c2m kernel -D` takes them */
  defines?: Record<string, string>;
}

export interface ZooFileConfig {
  template?: Record<string, string>;
  /** golden-style specs (sizes, buffers, launches), relative to the config file */
  specs?: string[];
  /**
   * specs verified like `specs` (both CPU emulators) whose CUDA originals are not yet recorded on a GPU
   * (test/kernel-zoo-gpu.test.ts checks every recorded one): `kernel-zoo-gpu prepare` writes their drivers
   * too; once their recordings are committed they move to `specs`
   */
  unrecordedSpecs?: string[];
  /** instead of a spec: flags for `c2m kernel --verify` (spec-less verification, when the CLI has it) */
  verifyFlags?: string[];
  /** verified in the CI subset (test/kernel-zoo.test.ts) */
  ci?: boolean;
}

export interface ZooConfig {
  projects: ZooProject[];
  /** keyed by `<project>/<path under root>` */
  files: Record<string, ZooFileConfig>;
}

export type KernelStatus = "translated" | "refused";

export interface KernelRecord {
  /** `<project>/<file>:<kernel>` */
  id: string;
  project: string;
  /** the corpus file (its key in the config) whose translation this kernel was counted with */
  unit: string;
  file: string;
  kernel: string;
  line: number;
  endLine: number;
  status: KernelStatus;
  /** refused: the diagnostic that stopped it */
  refusal?: { code: string; at: string; message: string };
  /** translated: undefined (no spec), true, or false with why */
  verified?: boolean;
  verifyNote?: string;
  /** translated with no diagnostic at the kernel, yet verification failed */
  silent?: boolean;
  /** verified: whose launches (a hand-written spec, the file's host code read statically, or synthesised from the signature) */
  verifiedBy?: "spec" | "host" | "synthesised";
  /** translated and not verified: the group the runner's "not verified because" table counts it in */
  unverifiedBecause?: string;
}

export interface ZooFigures {
  total: number;
  translated: number;
  verified: number;
  silent: number;
}

/** The translation step: one corpus file → the compiler's result (the module, kernels, diagnostics). */
export type TranslateFile = (
  path: string,
  opts: { filename: string; includeDirs: string[]; template?: Record<string, string>; defines?: Record<string, string> },
) => {
  python: string;
  kernels: { name: string }[];
  refused?: { name: string; diagnostic: Diagnostic }[];
  diagnostics: Diagnostic[];
  source: string;
  compiled: unknown;
  /** kernels specialised from a kernel template (src/kernel/index.ts CompileKernelsResult.instances) */
  instances?: Record<string, { kernel: string }>;
};

export function configPath(root = packageRoot()): string {
  return join(root, "test/corpus/kernel-zoo.json");
}

export function loadConfig(path = configPath()): ZooConfig {
  return JSON.parse(readFileSync(path, "utf8")) as ZooConfig;
}

function cuFiles(dir: string, extensions: string[]): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? cuFiles(p, extensions) : extensions.some((x) => e.endsWith(`.${x}`)) ? [p] : [];
    });
}

/** Every corpus file with its project, its key in `files`, and its `-I` folders. */
export function corpusFiles(config: ZooConfig, base: string): { project: ZooProject; path: string; key: string; includeDirs: string[] }[] {
  return config.projects.flatMap((project) => {
    const root = resolve(base, project.root);
    const includeDirs = (project.include ?? []).map((d) => resolve(root, d));
    return project.dirs
      .flatMap((d) => cuFiles(resolve(root, d), project.extensions ?? ["cu"]))
      .map((path) => ({ project, path, key: `${project.name}/${relative(root, path)}`, includeDirs }));
  });
}

/**
 * The diagnostic the compiler names for the kernel, else the first error inside the kernel's lines, else
 * the first error of the file (it sank the file).
 */
function refusalOf(site: KernelSite, diags: Diagnostic[], project: string, rootRel: (f: string) => string, named?: Diagnostic): KernelRecord["refusal"] {
  if (named) return { code: named.code, at: `${project}/${rootRel(named.file)}:${named.line}:${named.col}`, message: named.message.split("\n")[0]!.slice(0, 160) };
  const errors = diags.filter((d) => d.severity === "error");
  const inside = errors.find((d) => rootRel(d.file) === site.file && d.line >= site.line && d.line <= site.endLine);
  const d = inside ?? errors[0];
  if (!d) return { code: "none", at: `${project}/${site.file}:${site.line}`, message: "not emitted, with no error diagnostic" };
  const message = inside ? d.message : `file not emitted: ${d.message}`;
  return { code: d.code, at: `${project}/${rootRel(d.file)}:${d.line}:${d.col}`, message: message.split("\n")[0]!.slice(0, 160) };
}

/** The kernels a kernel template was specialised into (`trimul_global__matmul_tri_naive`, ...); [] for a plain kernel. */
export function instanceNames(result: { instances?: Record<string, { kernel: string }> }, kernel: string): string[] {
  return Object.entries(result.instances ?? {})
    .filter(([, i]) => i.kernel === kernel)
    .map(([n]) => n);
}

/** Kernel records of one file, before verification. */
export function recordsOf(
  file: { project: ZooProject; path: string; key: string },
  sites: KernelSite[],
  result: {
    python: string;
    kernels: { name: string }[];
    refused?: { name: string; diagnostic: Diagnostic }[];
    diagnostics: Diagnostic[];
    instances?: Record<string, { kernel: string }>;
  },
  base: string,
): KernelRecord[] {
  const root = resolve(base, file.project.root);
  const rootRel = (f: string) => relative(root, resolve(f));
  const emitted = new Set(result.python ? result.kernels.map((k) => k.name) : []);
  // a kernel template over a function pointer is emitted as one kernel per function it is given: translated when all are
  for (const name of new Set(Object.values(result.instances ?? {}).map((i) => i.kernel))) {
    const mine = instanceNames(result, name);
    if (mine.every((n) => emitted.has(n))) emitted.add(name);
  }
  return sites.map((site) => {
    const rec: KernelRecord = {
      id: `${file.project.name}/${site.file}:${site.name}`,
      project: file.project.name,
      unit: file.key,
      file: site.file,
      kernel: site.name,
      line: site.line,
      endLine: site.endLine,
      status: emitted.has(site.name) ? "translated" : "refused",
    };
    const names = new Set([site.name, ...instanceNames(result, site.name)]);
    if (rec.status === "refused") rec.refusal = refusalOf(site, result.diagnostics, file.project.name, rootRel, result.refused?.find((r) => names.has(r.name))?.diagnostic);
    return rec;
  });
}

export function figures(records: KernelRecord[]): ZooFigures {
  const translated = records.filter((r) => r.status === "translated");
  return { total: records.length, translated: translated.length, verified: translated.filter((r) => r.verified).length, silent: records.filter((r) => r.silent).length };
}

export function summaryLine(f: ZooFigures): string {
  return `kernel-zoo: ${f.translated}/${f.total} translated, ${f.verified}/${f.translated} verified, ${f.silent} silent`;
}

/** Translate every corpus file (no verification); the per-kernel records and what each file compiled to. */
export function translateCorpus(
  config: ZooConfig,
  base: string,
  translate: TranslateFile,
  only?: string,
): { records: KernelRecord[]; results: Map<string, ReturnType<TranslateFile>> } {
  const records: KernelRecord[] = [];
  const results = new Map<string, ReturnType<TranslateFile>>();
  const counted = new Set<string>();
  for (const f of corpusFiles(config, base)) {
    if (only && !only.split(",").some((o) => f.key.includes(o))) continue;
    const root = resolve(base, f.project.root);
    // a header's kernel reached from two files counts once, with the first
    const sites = kernelCensus(f.path, root, f.includeDirs, f.project.defines).filter((s) => !counted.has(`${f.project.name}/${s.file}:${s.name}`));
    for (const s of sites) counted.add(`${f.project.name}/${s.file}:${s.name}`);
    let result: ReturnType<TranslateFile>;
    try {
      result = translate(f.path, { filename: relative(process.cwd(), f.path), includeDirs: f.includeDirs, template: config.files[f.key]?.template, defines: f.project.defines });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      result = {
        python: "",
        kernels: [],
        source: "",
        compiled: undefined,
        diagnostics: [{ code: "internal", severity: "error", message: `c2m crashed: ${msg}`, file: f.path, line: 1, col: 1 }],
      };
    }
    results.set(f.key, result);
    records.push(...recordsOf(f, sites, result, base));
  }
  return { records, results };
}

/** The README block: the summary, per project, and the refusals by code. */
export function renderReadme(records: KernelRecord[]): string {
  const out = [summaryLine(figures(records)), "", "| project | kernels | translated | verified | silent |", "|---|---:|---:|---:|---:|"];
  for (const p of [...new Set(records.map((r) => r.project))]) {
    const f = figures(records.filter((r) => r.project === p));
    out.push(`| ${p} | ${f.total} | ${f.translated} | ${f.verified} | ${f.silent} |`);
  }
  const byCode = new Map<string, KernelRecord[]>();
  for (const r of records) if (r.refusal) byCode.set(r.refusal.code, [...(byCode.get(r.refusal.code) ?? []), r]);
  out.push("", "| refused by | kernels | e.g. |", "|---|---:|---|");
  for (const [code, rs] of [...byCode.entries()].sort((a, b) => b[1].length - a[1].length)) {
    const e = rs[0]!.refusal!;
    out.push(`| ${code} | ${rs.length} | ${e.at}: ${e.message.replace(/\|/g, "\\|").slice(0, 110)} |`);
  }
  const why = notVerifiedTable(records);
  if (why.length)
    out.push(
      "",
      "| not verified because | kernels | e.g. |",
      "|---|---:|---|",
      ...why.map((w) => `| ${w.group} | ${w.count} | ${w.example.replace(/\|/g, "\\|").slice(0, 130)} |`),
    );
  return `\`\`\`\n${out[0]}\n\`\`\`\n\n${out.slice(2).join("\n")}`;
}

/** Translated kernels that did not verify, grouped by why (largest group first), each with one example. */
export function notVerifiedTable(records: KernelRecord[]): { group: string; count: number; example: string }[] {
  const groups = new Map<string, KernelRecord[]>();
  for (const r of records.filter((x) => x.status === "translated" && !x.verified)) {
    const g = r.unverifiedBecause ?? (r.verified === undefined ? "not tried (no spec, verification off)" : "verify disagreed");
    groups.set(g, [...(groups.get(g) ?? []), r]);
  }
  return [...groups.entries()].sort((a, b) => b[1].length - a[1].length).map(([group, rs]) => ({ group, count: rs.length, example: `${rs[0]!.id}: ${rs[0]!.verifyNote ?? ""}` }));
}

const BEGIN = "<!-- generated:kernel-zoo:begin (npm run kernel-zoo -- --readme) -->";
const END = "<!-- generated:kernel-zoo:end -->";

export function replaceReadmeBlock(readme: string, body: string): string {
  const i = readme.indexOf(BEGIN);
  const j = readme.indexOf(END);
  if (i < 0 || j < i) throw new Error(`README.md has no ${BEGIN} … ${END} section`);
  return `${readme.slice(0, i + BEGIN.length)}\n${body.trimEnd()}\n${readme.slice(j)}`;
}

/** The ratchet: which kernels translate and verify today; CI fails on any that stops. */
export interface ZooBaseline {
  summary: string;
  translated: string[];
  verified: string[];
  silent: number;
}

export function baselineOf(records: KernelRecord[]): ZooBaseline {
  return {
    summary: summaryLine(figures(records)),
    translated: records
      .filter((r) => r.status === "translated")
      .map((r) => r.id)
      .sort(),
    verified: records
      .filter((r) => r.verified)
      .map((r) => r.id)
      .sort(),
    silent: figures(records).silent,
  };
}

/** `c2m kernel FILE --verify FLAGS…` as a user runs it (the hook spec-less verification slots into). */
export function verifyWithCli(root: string, path: string, includeDirs: string[], flags: string[]): { ok: boolean; note: string } {
  const args = [join(root, "dist/src/cli.js"), "kernel", path, "--verify", ...includeDirs.flatMap((d) => ["-I", d]), ...flags];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 300_000 });
  const tail = `${r.stderr ?? ""}`.trim().split("\n").slice(-2).join(" ").slice(0, 200);
  return { ok: r.status === 0, note: r.status === 0 ? "verified by c2m kernel --verify" : `c2m kernel --verify exit ${r.status}: ${tail}` };
}
