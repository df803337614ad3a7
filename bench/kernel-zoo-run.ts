/** `npm run kernel-zoo` entry: translate the corpus, verify what has a spec or flags, report (see kernel-zoo.ts). */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { packageRoot } from "../src/python.js";
import { deviceOnlySource } from "./kernel-zoo-device.js";
import type { GoldenSpec } from "../src/verify/golden.js";
import {
  baselineOf,
  configPath,
  corpusFiles,
  figures,
  loadConfig,
  renderReadme,
  replaceReadmeBlock,
  summaryLine,
  translateCorpus,
  verifyWithCli,
  type KernelRecord,
  type TranslateFile,
  type ZooConfig,
} from "./kernel-zoo.js";

/** c2m's kernel compiler on one corpus file, in process. */
export const translateFile: TranslateFile = (path, opts) => {
  const r = compile(readFileSync(path, "utf8"), opts);
  return { ...r, compiled: r };
};

let compile: (source: string, opts: Parameters<TranslateFile>[1]) => import("../src/kernel/index.js").CompileKernelsResult;

export async function loadTranslator(): Promise<TranslateFile> {
  const { compileKernels } = await import("../src/kernel/index.js");
  compile = (source, opts) => compileKernels(source, { filename: opts.filename, template: opts.template, includeDirs: opts.includeDirs });
  return translateFile;
}

/**
 * Verify a file's translated kernels: each spec's launches on both emulators; a spec that agrees
 * verifies the kernels it launches. A kernel with no diagnostic whose spec disagrees is silent.
 */
export async function verifyFile(
  config: ZooConfig,
  base: string,
  key: string,
  records: KernelRecord[],
  result: ReturnType<TranslateFile>,
  includeDirs: string[],
  path: string,
): Promise<void> {
  const fc = config.files[key];
  if (!fc) return;
  const mine = records.filter((r) => r.unit === key);
  const translated = (name: string) => mine.find((r) => r.kernel === name && r.status === "translated");
  // a comparison that ran and disagreed, on a kernel with no diagnostic, is silent; a harness that could not run is not
  const mark = (r: KernelRecord | undefined, ok: boolean, note: string, compared = true) => {
    if (!r || r.verified === false) return;
    r.verified = ok;
    r.verifyNote = note;
    const warned = result.diagnostics.some((d) => d.line >= r.line && d.line <= r.endLine);
    if (!ok && compared && !warned) r.silent = true;
  };
  const { verifyAgainstSpec } = await import("../src/kernel/verify.js");
  for (const specRel of [...(fc.specs ?? []), ...(fc.unrecordedSpecs ?? [])]) {
    const spec = JSON.parse(readFileSync(resolve(base, specRel), "utf8")) as GoldenSpec;
    const launched = [...new Set(spec.launches.map((l) => l.kernel))];
    if (launched.some((k) => !translated(k))) continue; // verifies only once every kernel it launches translates
    let ok = false;
    let compared = true;
    let note: string;
    try {
      const rep = await verifyAgainstSpec(result.compiled as import("../src/kernel/index.js").CompileKernelsResult, deviceOnlySource(result.source, new Set(launched)), spec);
      ok = rep.ok;
      // inputs outside the kernel's domain (C2M-K020: the CUDA original itself gave NaN/Inf) compared nothing
      compared = !rep.results.some((r) => r.outsideDomain);
      note = ok ? `${specRel}: ${rep.results.length} comparisons agree` : (rep.lines.find((l) => l.startsWith("FAIL")) ?? "FAIL").slice(0, 200);
      // NaN or Inf from the CUDA original itself (C2M-K020): the spec's inputs are outside the kernel's domain, nothing was compared
      if (!ok && /C2M-K020/.test(note)) compared = false;
    } catch (e) {
      // the emitted Metal not compiling is the translation failing; the CUDA original not compiling is the harness
      compared = /\.metal:\d+/.test(e instanceof Error ? e.message : String(e));
      note = `${specRel}: could not run: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 200)}`;
    }
    for (const k of launched) mark(translated(k), ok, note, compared);
  }
  if (fc.verifyFlags) {
    const v = verifyWithCli(packageRoot(), path, includeDirs, fc.verifyFlags);
    for (const r of mine.filter((x) => x.status === "translated")) mark(r, v.ok, v.note);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flag = (n: string) => argv.includes(n);
  const value = (n: string) => (argv.includes(n) ? argv[argv.indexOf(n) + 1] : undefined);
  const root = packageRoot();
  const cfgPath = configPath(root);
  const base = dirname(cfgPath);
  const config = loadConfig(cfgPath);
  const translate = await loadTranslator();
  const { records, results } = translateCorpus(config, base, translate, value("--only"));
  if (!flag("--no-verify")) {
    for (const f of corpusFiles(config, base)) {
      const r = results.get(f.key);
      if (r) await verifyFile(config, base, f.key, records, r, f.includeDirs, f.path);
    }
  }
  for (const r of records) {
    const what =
      r.status === "refused"
        ? `refused ${r.refusal!.code} at ${r.refusal!.at}: ${r.refusal!.message}`
        : r.verified === undefined
          ? "translated"
          : r.verified
            ? "translated, verified"
            : `translated, NOT verified${r.silent ? " (silent)" : ""}: ${r.verifyNote}`;
    process.stdout.write(`${r.id}  ${what}\n`);
  }
  const line = summaryLine(figures(records));
  process.stdout.write(`${line}\n`);
  const json = value("--json");
  if (json) writeFileSync(json, JSON.stringify(records, null, 1) + "\n");
  const baseline = value("--baseline");
  if (baseline) writeFileSync(baseline, JSON.stringify(baselineOf(records), null, 1) + "\n");
  if (flag("--readme")) {
    const p = join(root, "README.md");
    writeFileSync(p, replaceReadmeBlock(readFileSync(p, "utf8"), renderReadme(records)));
    process.stderr.write(`kernel-zoo: README.md updated (${relative(root, p)})\n`);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`kernel-zoo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
