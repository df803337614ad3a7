/** `npm run kernel-zoo` entry: translate the corpus, verify what has a spec or flags, report (see kernel-zoo.ts). */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { packageRoot } from "../src/python.js";
import { deviceOnlySource } from "./kernel-zoo-device.js";
import type { GoldenSpec } from "../src/verify/golden.js";
import type { CompileKernelsResult } from "../src/kernel/index.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";
import { disagreeingDigests, loadSynthLaunches, mergeSynthLaunches, synthLaunchesPath, synthSpecDigest, writeSynthLaunches, type SynthLaunch } from "./kernel-zoo-synth.js";
import {
  instanceNames,
  baselineOf,
  configPath,
  corpusFiles,
  figures,
  loadConfig,
  notVerifiedTable,
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
  compile = (source, opts) => compileKernels(source, { filename: opts.filename, template: opts.template, includeDirs: opts.includeDirs, defines: opts.defines });
  return translateFile;
}

/** A disagreement whose every differing value is within this relative distance is float rounding, not a wrong result. */
const ROUNDING_ONLY = 1e-3;

/** The "not verified because" group of a verification that could not compare (a thrown error), from its message. */
export function groupOfError(message: string): string {
  if (/\.metal:\d+|C2M-K019/.test(message)) return "the emitted Metal does not compile";
  if (/does not compile|KernelCompileError|error:/.test(message)) return "the CUDA original does not compile on the emulator";
  if (/out-of-bounds|misaligned|race|deadlock|divergent|bad-launch|timeout|crash/.test(message)) return "the emulator faulted";
  return "verify could not run";
}

/**
 * Verify a file's translated kernels: each spec's launches on both emulators; a spec that agrees
 * verifies the kernels it launches. A kernel with no diagnostic whose spec disagrees is silent.
 * Then, unless `specless` is false, every translated kernel no spec verified: from the file's host
 * code read statically (launch-spec.ts), else from a launch synthesised from its signature
 * (synth-spec.ts).
 */
export async function verifyFile(
  config: ZooConfig,
  base: string,
  key: string,
  records: KernelRecord[],
  result: ReturnType<TranslateFile>,
  includeDirs: string[],
  path: string,
  opts: { specless?: boolean; collect?: Omit<SynthLaunch, "id">[]; gpuDisagrees?: ReadonlySet<string> } = {},
): Promise<void> {
  const fc = config.files[key] ?? {};
  const mine = records.filter((r) => r.unit === key);
  // a kernel template's specialisation (`trimul_global__matmul_tri3`) is verified for the template's record
  const translated = (name: string) => mine.find((r) => (r.kernel === name || instanceNames(result, r.kernel).includes(name)) && r.status === "translated");
  // a comparison that ran and disagreed, on a kernel with no diagnostic, is silent; a harness that could not run is not
  const mark = (r: KernelRecord | undefined, ok: boolean, note: string, compared: boolean, by: NonNullable<KernelRecord["verifiedBy"]>, rounding = false) => {
    if (!r || r.verified === false) return;
    r.verified = ok;
    r.verifyNote = note;
    // a later spec that fails undoes an earlier one's "verified by"
    if (!ok) delete r.verifiedBy;
    if (ok) r.verifiedBy = by;
    else if (rounding) {
      // not verified, and said so; not silent: the translation computes the same within float rounding
      r.unverifiedBecause = "verify disagreed by float rounding only (max rel diff < 1e-3)";
      return;
    } else if (/\.metal:\d+/.test(note)) r.unverifiedBecause = "the emitted Metal does not compile (on the emulator)";
    else if (/C2M-K020/.test(note)) r.unverifiedBecause = "inputs outside the kernel's domain (the CUDA original gives NaN)";
    else if (!compared && /: order-dependent:/.test(note)) r.unverifiedBecause = "the CUDA original's result depends on thread order (atomic counters, races): nothing to compare";
    else if (!compared && /: indeterminate:/.test(note)) r.unverifiedBecause = "the CUDA original reads threadgroup memory no thread wrote: nothing to compare";
    else
      r.unverifiedBecause = compared
        ? `verify disagreed (${by === "spec" ? "hand-written spec" : by === "host" ? "launch from the host code" : "synthesised launch"})`
        : groupOfError(note);
    const warned = result.diagnostics.some((d) => d.line >= r.line && d.line <= r.endLine);
    if (!ok && compared && !warned) r.silent = true;
  };
  const compiled = result.compiled as CompileKernelsResult;
  // hand-written specs run on the corpus's own device cut (the GPU recordings were made from it); the
  // spec-less ones on the preprocessed file, cut by the harness itself (src/verify/device-code.ts)
  // determinacy: the sizes are c2m's choice (host launches): a spec the original is not determinate at is left out (`indeterminate`)
  const runSpec = async (
    spec: GoldenSpec,
    label: string,
    cut = true,
    determinacy = false,
  ): Promise<{ ok: boolean; compared: boolean; note: string; rounding?: boolean; indeterminate?: string }> => {
    const launched = new Set(spec.launches.map((l) => l.kernel));
    try {
      const rep = await verifyAgainstSpec(compiled, cut ? deviceOnlySource(result.source, launched) : result.source, spec, { determinacy });
      if (rep.indeterminate) return { ok: false, compared: false, note: `${label}: ${rep.indeterminate}`.slice(0, 300), indeterminate: rep.indeterminate };
      // NaN from the CUDA original itself (C2M-K020): the inputs are outside the kernel's domain, nothing was compared
      // a buffer whose original changes with thread order was not compared; a spec that failed only on such buffers compared nothing
      const wrong = rep.results.filter((r) => !r.comparison.ok && !r.orderDependent);
      const onlyOrder = !rep.ok && !wrong.length && rep.results.some((r) => r.orderDependent) && !(rep.metalCheck ?? []).some((m) => m.errors.length);
      const compared = !rep.results.some((r) => r.outsideDomain) && !onlyOrder;
      const fails = rep.lines.filter((l) => l.startsWith("FAIL"));
      const note = rep.ok
        ? `${label}: ${rep.results.length} comparisons agree`
        : ((onlyOrder ? fails[0] : fails.find((l) => !/: (?:order-dependent|indeterminate):/.test(l))) ?? "FAIL").slice(0, 200);
      // every disagreement within 1e-3 relative (the harness allows 1e-5 for float32): rounding, told apart from a wrong result
      const rounding = !rep.ok && wrong.length > 0 && wrong.every((r) => !r.outsideDomain && r.comparison.maxRelDiff < ROUNDING_ONLY);
      return { ok: rep.ok, compared, note, rounding };
    } catch (e) {
      // the emitted Metal not compiling is the translation failing; the CUDA original not compiling is the harness
      const msg = e instanceof Error ? e.message : String(e);
      const metalError = msg.split("\n").find((l) => /\.metal:\d+:\d+: error/.test(l));
      // the corpus's own cut blanks what the harness's keeps (cooperative-groups headers...): the harness's cut decides
      if (cut && !metalError && /does not compile as C\+\+/.test(msg)) return runSpec(spec, label, false, determinacy);
      const cudaError = msg.split("\n").find((l) => /error:/.test(l));
      return { ok: false, compared: !!metalError, note: `${label}: could not run: ${(metalError ?? cudaError ?? msg.split("\n")[0]!).slice(0, 200)}` };
    }
  };
  for (const specRel of [...(fc.specs ?? []), ...(fc.unrecordedSpecs ?? [])]) {
    const spec = JSON.parse(readFileSync(resolve(base, specRel), "utf8")) as GoldenSpec;
    const launched = [...new Set(spec.launches.map((l) => l.kernel))];
    if (launched.some((k) => !translated(k))) continue; // verifies only once every kernel it launches translates
    const v = await runSpec(spec, specRel);
    for (const k of launched) mark(translated(k), v.ok, v.note, v.compared, "spec", v.rounding);
  }
  if (fc.verifyFlags) {
    const v = verifyWithCli(packageRoot(), path, includeDirs, fc.verifyFlags);
    for (const r of mine.filter((x) => x.status === "translated")) mark(r, v.ok, v.note, true, "host");
  }
  if (opts.specless === false) return;
  const pending = () => mine.filter((r) => r.status === "translated" && r.verified === undefined);
  if (!pending().length) return;
  // the spec-less launches that agreed, kept (opts.collect) where a kernel they launch ends verified by them
  const agreed: Omit<SynthLaunch, "id">[] = [];
  const { deriveVerifySpecs } = await import("../src/kernel/launch-spec.js");
  const { synthesizeSpecs, SynthFailure, sizedSpecs } = await import("../src/kernel/synth-spec.js");
  let hostWhy = "";
  try {
    const derived = deriveVerifySpecs(result.source, key, compiled, {});
    const wanted = derived.specs.filter((s) => s.launches.some((l) => pending().some((r) => r.kernel === l.kernel)));
    for (const spec of (await sizedSpecs(wanted, derived.callerBuffers, result.source)).specs) {
      const launched = [...new Set(spec.launches.map((l) => l.kernel))];
      const v = await runSpec(spec, `host launch (${derived.from.slice(0, 80)})`, false, true);
      // left out as a size the original faults at is (sizedSpecs): the kernel's other launches, or synthesis, decide
      if (v.indeterminate) {
        hostWhy += `host launch ${spec.name} left out: ${v.indeterminate.slice(0, 160)}; `;
        continue;
      }
      if (v.ok) agreed.push({ file: key, by: "host", spec });
      // a kernel a hand-written spec already decided keeps that verdict
      for (const r of pending().filter((x) => launched.includes(x.kernel))) mark(r, v.ok, v.note, v.compared, "host", v.rounding);
    }
  } catch (e) {
    hostWhy = `host code not followed: ${(e instanceof Error ? e.message : String(e)).slice(0, 120)}; `;
  }
  for (const r of pending()) {
    try {
      // a kernel template's specialisations each verify (instanceNames), a plain kernel itself
      const names = instanceNames(compiled, r.kernel);
      const vs = [];
      const ran: GoldenSpec[] = [];
      for (const name of names.length ? names : [r.kernel])
        for (const s of await synthesizeSpecs(compiled, result.source, name)) {
          vs.push(await runSpec(s.spec, names.length ? `${name}: ${s.note}` : s.note, false));
          ran.push(s.spec);
        }
      const bad = vs.find((v) => !v.ok);
      mark(r, !bad, (bad ?? vs[0]!).note, bad ? bad.compared : true, "synthesised", bad?.rounding);
      if (!bad) for (const spec of ran) agreed.push({ file: key, by: "synthesised", spec });
    } catch (e) {
      if (!(e instanceof SynthFailure)) throw e;
      const group = {
        "cuda-compile": "the CUDA original does not compile on the emulator",
        fault: "synthesised launch: the CUDA original faults under every candidate",
        timeout: "synthesised launch: the CUDA original does not finish",
        nan: "synthesised launch: NaN from the CUDA original",
        "writes-nothing": "synthesised launch: writes nothing",
        indeterminate:
          "synthesised launch: the CUDA original's result is not determined by its inputs at any candidate (threads or groups racing, uninitialised shared memory, fast math's last bits)",
        "no-outputs": "the kernel writes no buffer: nothing to compare",
        "asserts-only": "the kernel only asserts, and Metal cannot check an assert (C2M-K025): nothing to compare",
        unsupported: "synthesised launch: unsupported parameters",
      }[e.kind];
      r.verified = false;
      r.verifyNote = `${hostWhy}${e.message}`.slice(0, 300);
      r.unverifiedBecause = group;
    }
  }
  // a launch set stays in synth-launches.json with its recording even where the GPU disagrees
  opts.collect?.push(...agreed.filter((a) => a.spec.launches.some((l) => translated(l.kernel)?.verifiedBy === a.by)));
  // where the GPU's recording of a launch set and the CUDA emulator disagree, the GPU decides (issue 14 §5): a kernel
  // that launch set verified is not verified (not silent: the translation agreed with the emulator)
  const gpuSays = opts.gpuDisagrees ?? disagreeingDigests();
  for (const a of agreed.filter((x) => gpuSays.has(synthSpecDigest(x.spec))))
    for (const l of a.spec.launches) {
      const r = translated(l.kernel);
      if (!r || r.verifiedBy !== a.by) continue;
      r.verified = false;
      delete r.verifiedBy;
      r.verifyNote = `${a.spec.name}: the H100's recording of this launch set disagrees with the CUDA emulator (test/corpus/fixtures/synth/gpu-disagrees.json)`;
      r.unverifiedBecause = "the GPU's recording disagrees with the CUDA emulator (the GPU decides)";
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
  const synth: Omit<SynthLaunch, "id">[] = [];
  if (!flag("--no-verify")) {
    // read once for the run, not once a file
    const gpuDisagrees = disagreeingDigests();
    for (const f of corpusFiles(config, base)) {
      const r = results.get(f.key);
      if (r) await verifyFile(config, base, f.key, records, r, f.includeDirs, f.path, { collect: synth, gpuDisagrees });
    }
  }
  if (flag("--synth-launches")) {
    // the files this run translated get their launches replaced, the others' kept (a --only run updates its own)
    const merged = mergeSynthLaunches(loadSynthLaunches(root), synth, new Set(results.keys()));
    writeSynthLaunches(merged, root);
    process.stderr.write(`kernel-zoo: ${synth.length} spec-less launch sets of this run, ${merged.length} in all, in ${relative(root, synthLaunchesPath(root))}\n`);
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
  const why = notVerifiedTable(records);
  if (why.length) {
    process.stdout.write(`\nnot verified because (translated kernels):\n`);
    for (const w of why) process.stdout.write(`  ${String(w.count).padStart(4)}  ${w.group}  (e.g. ${w.example.slice(0, 160)})\n`);
  }
  const by = (b: string) => records.filter((r) => r.verifiedBy === b).length;
  process.stdout.write(`verified by: hand-written spec ${by("spec")}, host code ${by("host")}, synthesised launch ${by("synthesised")}\n`);
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
