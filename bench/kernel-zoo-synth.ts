/**
 * GPU recordings of the kernel zoo's spec-less verifications (issue 14 §5): the launches kernel-zoo-run.ts derives
 * from a file's host code (src/kernel/launch-spec.ts) or synthesises from a kernel's signature (synth-spec.ts) are
 * GoldenSpecs, their inputs the LCG seeded by the spec's name, so a description of each is exact and small.
 * `kernel-zoo-run --synth-launches` writes every one that verified (test/corpus/synth-launches.json);
 * `kernel-zoo-gpu prepare DIR` writes a driver per corpus file from it (DIR/synth/, one executable per file, a spec
 * chosen by its index) and record-synth.sh, which builds them in parallel on the GPU machine, runs each spec under a
 * timeout and packs OUTDIR/synth-fixtures.tar (unpack into test/corpus/fixtures). The recordings are
 * test/corpus/fixtures/synth/<id>.s<size>.<buffer>.bin, a sample of each buffer and a digest of it (SAMPLE); test/kernel-zoo-gpu-synth.test.ts checks that the CUDA
 * emulator reproduces them. The device code is the harness's own cut of the translated file (src/verify/device-code.ts),
 * the code the emulator ran when the spec verified.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { arrayFromBytes, bytesOf, DTYPES, normalizeDtype, toNumbers, type Dtype, type TypedArray } from "../src/verify/dtypes.js";
import { compareArrays, describeMismatch } from "../src/verify/compare.js";
import { driverPrelude, driverSpecBody, writeDriverHeader } from "../src/verify/fixtures.js";
import { namespaceDirectives } from "../src/verify/cuda.js";
import { deviceOnlySource } from "../src/verify/device-code.js";
import { isFloatDtype, type GoldenSpec } from "../src/verify/golden.js";
import { packageRoot } from "../src/python.js";
import { ATEN_SHIM } from "./kernel-zoo-aten.js";
import { configPath, corpusFiles, loadConfig } from "./kernel-zoo.js";

/** One verified spec-less launch set: the spec the emulator ran, the corpus file it ran on. */
export interface SynthLaunch {
  /** unique over the file: the recordings' stem (test/corpus/fixtures/synth/<id>.s<size>.<buffer>.bin) */
  id: string;
  /** the corpus file's key in kernel-zoo.json */
  file: string;
  by: "host" | "synthesised";
  spec: GoldenSpec;
}

export function synthLaunchesPath(root = packageRoot()): string {
  return join(root, "test/corpus/synth-launches.json");
}

export function loadSynthLaunches(root = packageRoot()): SynthLaunch[] {
  const p = synthLaunchesPath(root);
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as { launches: SynthLaunch[] }).launches : [];
}

/** A file's stem in ids and driver names: its key with every run of other characters one underscore. */
export function fileSlug(key: string): string {
  return key.replace(/[^A-Za-z0-9]+/g, "_");
}

/**
 * The launches after a run: the ones of the files the run translated replaced by `fresh` (ids given in order, a
 * repeated spec name numbered), the others kept, so a `--only` run updates its files alone.
 */
export function mergeSynthLaunches(old: SynthLaunch[], fresh: Omit<SynthLaunch, "id">[], filesRun: ReadonlySet<string>): SynthLaunch[] {
  const taken = new Set<string>();
  const added = fresh.map((l) => {
    const stem = `${fileSlug(l.file)}.${l.spec.name}`;
    let id = stem;
    for (let n = 2; taken.has(id); n++) id = `${stem}_${n}`;
    taken.add(id);
    return { id, file: l.file, by: l.by, spec: l.spec };
  });
  return [...old.filter((l) => !filesRun.has(l.file)), ...added].sort((a, b) => (a.file === b.file ? 0 : a.file < b.file ? -1 : 1));
}

export function writeSynthLaunches(launches: SynthLaunch[], root = packageRoot()): void {
  const note =
    "Written by `node dist/bench/kernel-zoo-run.js --synth-launches` (bench/kernel-zoo-synth.ts): every launch a spec-less verification ran and agreed on, from the host code or synthesised; its inputs are the LCG seeded by spec.name (src/verify/golden.ts).";
  // one launch set a line: small, and a run's changes read as lines in a diff
  writeFileSync(synthLaunchesPath(root), `{\n "note": ${JSON.stringify(note)},\n "launches": [\n${launches.map((l) => `  ${JSON.stringify(l)}`).join(",\n")}\n ]\n}\n`);
}

/** The translated (preprocessed) text of a corpus file, as kernel-zoo-run translates it. */
export async function corpusFileSource(key: string, root = packageRoot()): Promise<string> {
  const cfg = configPath(root);
  const base = dirname(cfg);
  const config = loadConfig(cfg);
  const f = corpusFiles(config, base).find((x) => x.key === key);
  if (!f) throw new Error(`kernel-zoo: no corpus file ${key}`);
  const { compileKernels } = await import("../src/kernel/index.js");
  return compileKernels(readFileSync(f.path, "utf8"), {
    filename: relative(process.cwd(), f.path),
    includeDirs: f.includeDirs,
    template: config.files[key]?.template,
    defines: f.project.defines,
  }).source;
}

/** The device code file of a driver: the harness's cut of the translated file, with what nvcc needs before it. */
export function synthDeviceCu(source: string): string {
  const cut = deviceOnlySource(source).source;
  // the emulator's stubs give every file ATen's Half, BFloat16 and ATenCeilDiv (`using namespace at;` needs the
  // namespace): the GPU gets c10-like structs (kernel-zoo-aten.ts); FLT_MAX, INT_MAX and the math functions as the
  // emulator's stubs include them (mmcv's roi_pool, focal_loss)
  return `#include <cuda_fp16.h>\n#include <cuda_bf16.h>\n#include <cstdint>\n#include <cassert>\n#include <cfloat>\n#include <climits>\n#include <cmath>\n#include <algorithm>\n${ATEN_SHIM}${cut}\n${namespaceDirectives(cut)}\n`;
}

/** One driver for a file's launches: `driver OUTDIR [INDEX]` runs every spec, or the INDEX-th alone. */
export function synthDriverSource(file: string, launches: SynthLaunch[]): string {
  const slug = fileSlug(file);
  const what = `// Runs the spec-less launches of ${file} that kernel-zoo-run verified (test/corpus/synth-launches.json) natively,
// with the emulator's LCG inputs; writes every output buffer to <outdir>/<id>.s<size>.<buffer>.bin.`;
  let s = `${driverPrelude(`${slug}.device.cu`, what, slug)}${RECORD_SAMPLE}
int main(int argc, char** argv) {
  std::string out = argc > 1 ? argv[1] : ".";
  int which = argc > 2 ? std::atoi(argv[2]) : -1;
`;
  launches.forEach((l, i) => {
    s += `  if (which < 0 || which == ${i}) {  // ${l.id} (${l.by})\n${driverSpecBody(l.spec, l.id, { download: "record_sample" })}  }\n`;
  });
  return `${s}  return 0;\n}\n`;
}

/**
 * A recording keeps at most SAMPLE elements of a buffer, one drawn (the LCG) in each of SAMPLE equal stretches, every
 * element when it has no more, and a digest of them all: the FNV-1a hash of its bytes (integers: compared exactly) and
 * the sum and the sum of magnitudes of its values in double (floats: compared within the dtype's tolerance summed).
 * Kilobytes a buffer whatever its size: the synthesised launches' buffers reach 4 MiB.
 */
export const SAMPLE = 512;
const HEADER_BYTES = 32;

const RECORD_SAMPLE = `
// A buffer's recording (bench/kernel-zoo-synth.ts SAMPLE): a header (uint64 count, uint32 kept, uint32 FNV-1a of its
// bytes, double sum, double sum of magnitudes) and the kept elements, one drawn in each of ${SAMPLE} equal stretches.
static double c2m_value(__half v) { return (double)__half2float(v); }
static double c2m_value(__nv_bfloat16 v) { return (double)__bfloat162float(v); }
template <class T>
static double c2m_value(T v) { return (double)v; }
template <class T>
static void record_sample(const std::string& path, T* d, size_t n) {
  std::unique_ptr<T[]> host(new T[n + 1]);
  check(cudaMemcpy(host.get(), d, n * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
  uint32_t k = n < ${SAMPLE}u ? (uint32_t)n : ${SAMPLE}u;
  uint32_t h = 0x811c9dc5u;
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(host.get());
  for (size_t i = 0; i < n * sizeof(T); ++i) { h ^= bytes[i]; h *= 0x01000193u; }
  double sum = 0, mag = 0;
  for (size_t i = 0; i < n; ++i) { double v = c2m_value(host[i]); sum += v; mag += v < 0 ? -v : v; }
  std::unique_ptr<T[]> kept(new T[k + 1]);
  uint32_t s = 12345u;
  for (uint32_t i = 0; i < k; ++i) {
    size_t lo = (size_t)((unsigned long long)i * n / k), hi = (size_t)((unsigned long long)(i + 1) * n / k);
    s = s * 1664525u + 1013904223u;
    kept[i] = host[lo + (s >> 8) % (hi - lo)];
  }
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) { std::perror(path.c_str()); std::exit(1); }
  uint64_t n64 = n;
  std::fwrite(&n64, 8, 1, f); std::fwrite(&k, 4, 1, f); std::fwrite(&h, 4, 1, f); std::fwrite(&sum, 8, 1, f); std::fwrite(&mag, 8, 1, f);
  std::fwrite(kept.get(), sizeof(T), k, f);
  std::fclose(f);
}
`;

/** The element indices a recording keeps of n (the driver's record_sample). */
export function sampleIndices(n: number): number[] {
  const k = Math.min(n, SAMPLE);
  const out: number[] = [];
  let s = 12345;
  for (let i = 0; i < k; i++) {
    const lo = Math.floor((i * n) / k);
    const hi = Math.floor(((i + 1) * n) / k);
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(lo + ((s >>> 8) % (hi - lo)));
  }
  return out;
}

export interface SynthRecording {
  count: number;
  fnv: number;
  sum: number;
  magnitude: number;
  /** the kept elements, at sampleIndices(count) */
  sample: TypedArray;
}

/** A buffer's recording as the driver writes it (also what the test makes of the emulator's buffer). */
export function recordingOf(a: TypedArray, dtype: Dtype): SynthRecording {
  const bytes = bytesOf(a);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193) >>> 0;
  let sum = 0;
  let magnitude = 0;
  for (const v of toNumbers(a, dtype)) {
    sum += v;
    magnitude += v < 0 ? -v : v;
  }
  const idx = sampleIndices(a.length);
  const sample = new (a.constructor as new (n: number) => TypedArray)(idx.length);
  idx.forEach((j, i) => (sample[i] = a[j]!));
  return { count: a.length, fnv: h >>> 0, sum, magnitude, sample };
}

export function parseRecording(bytes: Uint8Array, dtype: Dtype): SynthRecording {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Number(v.getBigUint64(0, true));
  return {
    count,
    fnv: v.getUint32(12, true),
    sum: v.getFloat64(16, true),
    magnitude: v.getFloat64(24, true),
    sample: arrayFromBytes(bytes.slice(HEADER_BYTES, HEADER_BYTES + v.getUint32(8, true) * DTYPES[dtype].bytes), dtype),
  };
}

/**
 * The emulator's buffer against a recording: the kept elements within the tolerance (compareArrays), and the digest:
 * integers' hash exactly, floats' sums within the tolerance summed over the buffer (rtol of the magnitudes plus atol
 * an element). Undefined when they agree, else what differs.
 */
export function recordingMismatch(name: string, cpu: TypedArray, rec: SynthRecording, dtype: Dtype, tol: { rtol: number; atol: number }): string | undefined {
  if (cpu.length !== rec.count) return `${name}: ${cpu.length} elements, the recording ${rec.count}`;
  const mine = recordingOf(cpu, dtype);
  const c = compareArrays(mine.sample, rec.sample, dtype, tol);
  if (!c.ok) return `${describeMismatch(name, c)} (of the ${rec.sample.length} kept of ${rec.count})`;
  if (!isFloatDtype(dtype)) return mine.fnv === rec.fnv ? undefined : `${name}: the kept elements agree, the whole buffer's hash differs`;
  const near = (a: number, b: number) =>
    (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= tol.rtol * Math.max(mine.magnitude, rec.magnitude) + tol.atol * rec.count;
  return near(mine.sum, rec.sum) && near(mine.magnitude, rec.magnitude)
    ? undefined
    : `${name}: the kept elements agree, the sums differ (${mine.sum} / ${mine.magnitude} against the GPU's ${rec.sum} / ${rec.magnitude})`;
}

export function synthFixturesDir(root = packageRoot()): string {
  return join(root, "test/corpus/fixtures/synth");
}

export function loadSynthRecording(l: SynthLaunch, sizeIndex: number, buffer: string, root = packageRoot()): SynthRecording | undefined {
  const f = join(synthFixturesDir(root), `${l.id}.s${sizeIndex}.${buffer}.bin`);
  if (!existsSync(f)) return undefined;
  const b = l.spec.buffers.find((x) => x.name === buffer)!;
  return parseRecording(new Uint8Array(readFileSync(f)), normalizeDtype(b.dtype));
}

/**
 * The spec a launch set's recordings were made from, as an FNV-1a digest of its JSON: a later run that changes the
 * launch set (other sizes, domains, launches) keeps its id, and its old recordings must then count as none.
 */
export function synthSpecDigest(spec: GoldenSpec): string {
  const text = JSON.stringify(spec);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** test/corpus/fixtures/synth/specs.json: each recorded launch set's id and the digest of the spec it was recorded from. */
export function synthManifestPath(root = packageRoot()): string {
  return join(synthFixturesDir(root), "specs.json");
}

export function loadSynthManifest(root = packageRoot()): Record<string, string> {
  const p = synthManifestPath(root);
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as Record<string, string>) : {};
}

/**
 * After unpacking record-synth.sh's tars: the launch sets a tar holds recordings of get the digest of their spec
 * today (the spec the drivers were prepared from, when nothing ran kernel-zoo-run --synth-launches in between).
 * Entries and recordings of ids no launch set has any more are dropped.
 */
export function adoptSynthRecordings(recordedIds: ReadonlySet<string>, root = packageRoot()): string[] {
  const launches = loadSynthLaunches(root);
  const current = new Set(launches.map((l) => l.id));
  const manifest = Object.fromEntries(Object.entries(loadSynthManifest(root)).filter(([id]) => current.has(id)));
  const adopted = launches.filter((l) => recordedIds.has(l.id) && synthFilesPresent(l, root));
  for (const l of adopted) manifest[l.id] = synthSpecDigest(l.spec);
  const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(synthManifestPath(root), JSON.stringify(sorted, null, 1) + "\n");
  for (const f of readdirSync(synthFixturesDir(root))) {
    const m = /^(.+)\.s\d+\.[^.]+\.bin$/.exec(f);
    if (m && !current.has(m[1]!)) rmSync(join(synthFixturesDir(root), f));
  }
  return adopted.map((l) => l.id);
}

function synthFilesPresent(l: SynthLaunch, root: string): boolean {
  return l.spec.sizes.every((_, si) => l.spec.buffers.every((b) => b.role === "input" || existsSync(join(synthFixturesDir(root), `${l.id}.s${si}.${b.name}.bin`))));
}

/**
 * test/corpus/fixtures/synth/gpu-disagrees.json: the recorded launch sets the CUDA emulator does not reproduce
 * (`kernel-zoo-gpu check-synth` writes it), by id, with the digest of the spec recorded and the first mismatch. Where
 * the GPU and the emulator disagree the GPU decides (issue 14 §5): kernel-zoo-run counts a kernel verified only by
 * such a launch set as not verified, and the recordings test leaves them out until the emulator is mended.
 */
export interface SynthDisagreement {
  digest: string;
  mismatch: string;
}

export function synthDisagreesPath(root = packageRoot()): string {
  return join(synthFixturesDir(root), "gpu-disagrees.json");
}

export function loadSynthDisagreements(root = packageRoot()): Record<string, SynthDisagreement> {
  const p = synthDisagreesPath(root);
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as Record<string, SynthDisagreement>) : {};
}

export function writeSynthDisagreements(d: Record<string, SynthDisagreement>, root = packageRoot()): void {
  const sorted = Object.fromEntries(Object.entries(d).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(synthDisagreesPath(root), JSON.stringify(sorted, null, 1) + "\n");
}

/** The digests of the launch sets' specs the GPU disagrees with (a spec that changed since is judged afresh). */
export function disagreeingDigests(root = packageRoot()): Set<string> {
  return new Set(Object.values(loadSynthDisagreements(root)).map((d) => d.digest));
}

/** Every output of every size recorded, from the spec the launch set has today. */
export function synthRecorded(l: SynthLaunch, root = packageRoot(), manifest = loadSynthManifest(root)): boolean {
  return recordedSpec(l, manifest) !== undefined && synthFilesPresent(l, root);
}

/** The spec a launch set's recording ran (the emulator must run the same to compare), or undefined if it changed since. */
export function recordedSpec(l: SynthLaunch, manifest: Record<string, string>): GoldenSpec | undefined {
  return manifest[l.id] === synthSpecDigest(l.spec) ? l.spec : undefined;
}

const RECORD_SYNTH_SH = `#!/usr/bin/env bash
# Builds the spec-less launches' drivers (synth/*.cu, one per corpus file) with nvcc for \${ARCH:-sm_90}, \${JOBS:-16}
# at a time, runs each launch set (synth/runs.txt: driver, index, id) under a \${RUN_TIMEOUT:-30}s timeout, 8 at a
# time, and packs OUTDIR/synth-fixtures.tar (unpack into test/corpus/fixtures). A failed build or run records
# nothing for its launches (a partial run's files are removed) and the others go on: the test skips what has no
# recording. Everything stops by \${DEADLINE:-480}s after the start (a build or run still going is cut, a run not
# started is skipped and logged), so the tar is always written inside a 10-minute device call. GLM_INCLUDE as for
# record.sh (gsplat).
# Usage: bash record-synth.sh OUTDIR [K/N]   K/N: the K-th of N shards (drivers by their sorted position modulo N,
# and their launch sets); the tar is then OUTDIR/synth-fixtures.K.tar.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUTDIR=\${1:?usage: record-synth.sh OUTDIR [K/N]}
SHARD=\${2:-1/1}
K=\${SHARD%/*} N=\${SHARD#*/}
TAR=synth-fixtures.tar; [ "$N" = 1 ] || TAR=synth-fixtures.$K.tar
start=$(date +%s)
export ARCH=\${ARCH:-sm_90} BIN=/tmp/c2m-synth-drivers OUT="$OUTDIR/synth" RUN_TIMEOUT=\${RUN_TIMEOUT:-30} GLM_INCLUDE=\${GLM_INCLUDE:-} END=$(( start + \${DEADLINE:-480} ))
mkdir -p "$OUT" "$BIN"
# this shard's drivers
ls "$HERE"/synth/*.cu | grep -v '\\.device\\.cu$' | sort | awk -v k="$K" -v n="$N" '(NR - 1) % n == k - 1' > "$BIN/drivers.$K"
sed 's|.*/||; s|\\.cu$||' "$BIN/drivers.$K" | awk 'NR == FNR { mine[$1] = 1; next } mine[$1]' - "$HERE/synth/runs.txt" > "$BIN/runs.$K"
echo "== device"; nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader
echo "== nvcc"; nvcc --version | tail -2
echo "== shard $K/$N: $(wc -l < "$BIN/drivers.$K") drivers, $(wc -l < "$BIN/runs.$K") launch sets; build ($ARCH, -O2, \${JOBS:-16} at a time)"
xargs -P "\${JOBS:-16}" -I{} sh -c \\
  'n=$(basename {} .cu); left=$(( END - 60 - $(date +%s) )); if [ $left -le 0 ]; then echo "BUILD SKIPPED $n (deadline)"; exit 0; fi; [ $left -gt 300 ] && left=300; timeout $left nvcc -O2 --expt-relaxed-constexpr -w -arch=$ARCH \${GLM_INCLUDE:+-I\$GLM_INCLUDE} -o $BIN/$n {} > $BIN/$n.log 2>&1 && echo "built $n" || { rm -f $BIN/$n; echo "BUILD FAILED $n"; grep -m3 error $BIN/$n.log; }' < "$BIN/drivers.$K"
echo "== built $(sed 's|.*/||; s|\\.cu$||' "$BIN/drivers.$K" | while read n; do [ -x "$BIN/$n" ] && echo "$n"; done | wc -l) of $(wc -l < "$BIN/drivers.$K") in $(( $(date +%s) - start ))s"
echo "== run"
xargs -P 8 -L 1 sh -c \\
  'if [ ! -x $BIN/$0 ]; then echo "NOT BUILT $2"; exit 0; fi; left=$(( END - $(date +%s) )); if [ $left -le 0 ]; then echo "RUN SKIPPED $2 (deadline)"; exit 0; fi; [ $left -gt $RUN_TIMEOUT ] && left=$RUN_TIMEOUT; timeout $left $BIN/$0 $OUT $1 > /dev/null 2> $BIN/$2.err; rc=$?; if [ $rc -ne 0 ]; then rm -f $OUT/$2.s*.bin; echo "RUN FAILED $2 (exit $rc): $(head -c 200 $BIN/$2.err)"; fi' < "$BIN/runs.$K"
tar -C "$OUTDIR" -cf "$OUTDIR/$TAR" synth && rm -rf "$OUT"
echo "== done in $(( $(date +%s) - start ))s: $(tar -tf "$OUTDIR/$TAR" | grep -c '\\.bin$') files, $(tar -tf "$OUTDIR/$TAR" | grep '\\.bin$' | sed 's/\\.s[0-9]*\\.[^.]*\\.bin$//' | sort -u | wc -l) launch sets of $(wc -l < "$BIN/runs.$K")"
`;

/** Writes DIR/synth/<file>.cu and .device.cu per corpus file, runs.txt, and DIR/record-synth.sh; returns the counts. */
export async function prepareSynth(dir: string, root = packageRoot()): Promise<{ drivers: number; launches: number; refused: string[] }> {
  const out = join(dir, "synth");
  mkdirSync(out, { recursive: true });
  const byFile = new Map<string, SynthLaunch[]>();
  for (const l of loadSynthLaunches(root)) byFile.set(l.file, [...(byFile.get(l.file) ?? []), l]);
  const runs: string[] = [];
  const refused: string[] = [];
  let drivers = 0;
  for (const [file, launches] of byFile) {
    const slug = fileSlug(file);
    const why = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];
    // a launch the driver cannot pass (a by-value struct) is left out, the file's others kept
    const drivable = launches.filter((l) => {
      try {
        driverSpecBody(l.spec, l.id);
        return true;
      } catch (e) {
        refused.push(`${l.id}: ${why(e)}`);
        return false;
      }
    });
    if (!drivable.length) continue;
    try {
      writeFileSync(join(out, `${slug}.device.cu`), synthDeviceCu(await corpusFileSource(file, root)));
    } catch (e) {
      refused.push(`${file}: ${why(e)}`);
      continue;
    }
    writeFileSync(join(out, `${slug}.cu`), synthDriverSource(file, drivable));
    drivable.forEach((l, i) => runs.push(`${slug} ${i} ${l.id}`));
    drivers++;
  }
  writeDriverHeader(out);
  writeFileSync(join(out, "runs.txt"), runs.join("\n") + "\n");
  writeFileSync(join(dir, "record-synth.sh"), RECORD_SYNTH_SH);
  return { drivers, launches: runs.length, refused };
}
