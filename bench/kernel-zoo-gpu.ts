/**
 * The kernel zoo's GPU recordings (issue 14 §5): the CUDA originals of the corpus kernels that have a
 * spec, run natively on an NVIDIA GPU with the harness's LCG inputs, outputs recorded in
 * test/corpus/fixtures/<spec>.s<size>.<buffer>.bin (raw little-endian, the buffer's dtype).
 * test/kernel-zoo-gpu.test.ts checks that the CUDA emulator reproduces them (within the dtype's tolerance, or a buffer's
 * `gpuOrder` tolerance where the GPU sums it with rounding atomics in its threads' order: llm.c's bf16 layernorm_backward_kernel4).
 *
 * `node dist/bench/kernel-zoo-gpu.js prepare DIR` writes, per spec, the device code of the preprocessed
 * original (`<spec>.device.cu`, kernel-zoo-device.ts) and a driver (`<spec>.cu`, the golden fixtures'
 * generator), plus record.sh; on the GPU machine `bash DIR/record.sh OUTDIR` builds and runs them and
 * packs OUTDIR/fixtures.tar (unpack into test/corpus/fixtures). It also writes the drivers of the spec-less launches
 * (DIR/synth/, DIR/record-synth.sh: bench/kernel-zoo-synth.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { arrayFromBytes, normalizeDtype, type TypedArray } from "../src/verify/dtypes.js";
import { driverSource, writeDriverHeader } from "../src/verify/fixtures.js";
import { namespaceDirectives, runCudaLaunches } from "../src/verify/cuda.js";
import { goldenBuffers, goldenLaunches, type GoldenSpec } from "../src/verify/golden.js";
import { packageRoot } from "../src/python.js";
import { ATEN_SHIM } from "./kernel-zoo-aten.js";
import { deviceOnlySource } from "./kernel-zoo-device.js";
import {
  adoptSynthRecordings,
  corpusFileSource,
  loadSynthLaunches,
  loadSynthManifest,
  loadSynthRecording,
  prepareSynth,
  recordedSpec,
  recordingMismatch,
  synthRecorded,
  synthSpecDigest,
  writeSynthDisagreements,
  type SynthDisagreement,
  type SynthLaunch,
} from "./kernel-zoo-synth.js";
import { execFileSync } from "node:child_process";
import { configPath, corpusFiles, loadConfig } from "./kernel-zoo.js";

export interface ZooSpecCase {
  spec: GoldenSpec;
  /** the corpus file it launches kernels of */
  path: string;
  includeDirs: string[];
}

/** Every spec of the zoo's config with the file and `-I` folders it belongs to. */
export function zooSpecs(root = packageRoot(), opts: { unrecorded?: boolean } = {}): ZooSpecCase[] {
  const cfg = configPath(root);
  const base = dirname(cfg);
  const config = loadConfig(cfg);
  return corpusFiles(config, base).flatMap((f) =>
    [...(config.files[f.key]?.specs ?? []), ...(opts.unrecorded ? (config.files[f.key]?.unrecordedSpecs ?? []) : [])].map((s) => ({
      spec: JSON.parse(readFileSync(resolve(base, s), "utf8")) as GoldenSpec,
      path: f.path,
      includeDirs: f.includeDirs,
    })),
  );
}

/** The CUDA the emulator and the GPU run for a spec: the kernels it launches and what they reach. */
export async function specDeviceSource(c: ZooSpecCase): Promise<string> {
  const { compileKernels } = await import("../src/kernel/index.js");
  const r = compileKernels(readFileSync(c.path, "utf8"), { filename: c.path, includeDirs: c.includeDirs });
  const device = deviceOnlySource(r.source, new Set(c.spec.launches.map((l) => l.kernel)));
  return `${leftOutHeaders(device)}${device}`;
}

/**
 * Headers the device code needs that the corpus file reached through includes the device code leaves out:
 * libcu++'s memcpy_async into a block barrier (SGEMM's double buffering), cuRAND's device API (pytorch_cluster's
 * random walks). nvcc finds them in the toolkit, the emulator in its stubs.
 */
export function leftOutHeaders(device: string): string {
  return [/\bcuda::memcpy_async\b/.test(device) ? "#include <cuda/barrier>\n" : "", /\bcurand\w*\(/.test(device) ? "#include <curand_kernel.h>\n" : ""].join("");
}

/**
 * How near the emulator must come to a GPU recording, by dtype: integers exact; float32 within 1e-5 relative (nvcc
 * fuses multiply-adds, its expf/tanhf differ from glibc's in the last bits); bfloat16 within its rounding step
 * (1/128), since one float32 ulp can move a rounding. A buffer's `gpuOrder` tolerance replaces its dtype's.
 */
export const GPU_TOLERANCE: Record<string, { rtol: number; atol: number }> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float16: { rtol: 1e-3, atol: 1e-3 },
  bfloat16: { rtol: 8e-3, atol: 8e-3 },
  float64: { rtol: 1e-12, atol: 1e-14 },
};

export function zooFixturesDir(root = packageRoot()): string {
  return join(root, "test/corpus/fixtures");
}

export function loadZooFixture(spec: GoldenSpec, sizeIndex: number, buffer: string, root = packageRoot()): TypedArray | undefined {
  const f = join(zooFixturesDir(root), `${spec.name}.s${sizeIndex}.${buffer}.bin`);
  if (!existsSync(f)) return undefined;
  const b = spec.buffers.find((x) => x.name === buffer)!;
  return arrayFromBytes(new Uint8Array(readFileSync(f)), normalizeDtype(b.dtype));
}

const RECORD_SH = `#!/usr/bin/env bash
# Builds every driver here with nvcc for \${ARCH:-sm_90}, runs it, packs OUTDIR/fixtures.tar. GLM_INCLUDE: the
# folder holding glm/ (gsplat's kernels use GLM; Debian's libglm-dev 0.9.9.8, unpacked with dpkg -x).
# Usage (from this folder's parent or anywhere): bash record.sh OUTDIR
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUTDIR=\${1:?usage: record.sh OUTDIR}
ARCH=\${ARCH:-sm_90}
mkdir -p "$OUTDIR/fixtures" /tmp/c2m-zoo-drivers
echo "== device"; nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader
echo "== nvcc"; nvcc --version | tail -2
echo "== build ($ARCH, -O3)"
ls "$HERE"/*.cu | grep -v '\\.device\\.cu$' | xargs -P 16 -I{} sh -c \\
  'n=$(basename {} .cu); nvcc -O3 --expt-relaxed-constexpr -arch='"$ARCH"' '"\${GLM_INCLUDE:+-I\$GLM_INCLUDE}"' -o /tmp/c2m-zoo-drivers/$n {} > /tmp/c2m-zoo-drivers/$n.log 2>&1 && echo "built $n" || { echo "BUILD FAILED $n"; head -20 /tmp/c2m-zoo-drivers/$n.log; }'
echo "== run"
for exe in /tmp/c2m-zoo-drivers/*; do case "$exe" in *.log) continue;; esac; "$exe" "$OUTDIR/fixtures" || echo "RUN FAILED $(basename "$exe")"; done
echo "== compute-sanitizer memcheck"
for exe in /tmp/c2m-zoo-drivers/*; do case "$exe" in *.log) continue;; esac; echo "$(basename "$exe"): $(compute-sanitizer --tool memcheck --error-exitcode 9 "$exe" /tmp 2>&1 | tail -1)"; done
tar -C "$OUTDIR" -cf "$OUTDIR/fixtures.tar" fixtures && rm -rf "$OUTDIR/fixtures"
echo "== done: $(tar -tf "$OUTDIR/fixtures.tar" | grep -c '\\.bin$') files"
`;

/** The first buffer in which the CUDA emulator does not reproduce a launch set's GPU recording, or undefined. */
export async function synthMismatch(l: SynthLaunch, source: string, manifest = loadSynthManifest()): Promise<string | undefined> {
  const spec = recordedSpec(l, manifest);
  if (!spec) return "no recording of this launch set's spec";
  for (let si = 0; si < spec.sizes.length; si++) {
    // as the verification ran it: the harness's own cut of the translated file (the GPU driver's device code)
    let cpu: Record<string, TypedArray>;
    try {
      cpu = await runCudaLaunches(source, goldenLaunches(spec, si), goldenBuffers(spec, si), { deviceCodeOnly: true });
    } catch (e) {
      return `${JSON.stringify(spec.sizes[si])}: the emulator stops: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}`;
    }
    for (const b of spec.buffers.filter((x) => x.role !== "input")) {
      const dtype = normalizeDtype(b.dtype);
      const rec = loadSynthRecording(l, si, b.name)!;
      const wrong = recordingMismatch(b.name, cpu[b.name]!, rec, dtype, b.gpuOrder ?? GPU_TOLERANCE[dtype] ?? { rtol: 0, atol: 0 });
      if (wrong) return `${JSON.stringify(spec.sizes[si])}: ${wrong}`;
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const [cmd, dir, ...more] = process.argv.slice(2);
  if (cmd === "adopt-synth" && dir) {
    // the launch sets whose recordings these tars brought (test/corpus/fixtures/synth/<id>.s<size>.<buffer>.bin)
    const ids = new Set<string>();
    for (const tar of [dir, ...more])
      for (const entry of execFileSync("tar", ["-tf", tar], { encoding: "utf8" }).split("\n")) {
        const m = /^synth\/(.+)\.s\d+\.[^.]+\.bin$/.exec(entry);
        if (m) ids.add(m[1]!);
      }
    const adopted = adoptSynthRecordings(ids);
    process.stdout.write(`kernel-zoo-gpu: ${adopted.length} launch sets adopted of ${ids.size} in the tars (test/corpus/fixtures/synth/specs.json)\n`);
    return;
  }
  if (cmd === "check-synth") {
    // every recorded spec-less launch set on the emulator against its GPU recording: the ones it does not reproduce
    const manifest = loadSynthManifest();
    const recorded = loadSynthLaunches().filter((l) => synthRecorded(l, undefined, manifest));
    const sources = new Map<string, Promise<string>>();
    const disagree: Record<string, SynthDisagreement> = {};
    for (const l of recorded) {
      if (!sources.has(l.file)) sources.set(l.file, corpusFileSource(l.file));
      const wrong = await synthMismatch(l, await sources.get(l.file)!, manifest);
      if (wrong) disagree[l.id] = { digest: synthSpecDigest(l.spec), mismatch: wrong.slice(0, 300) };
    }
    writeSynthDisagreements(disagree);
    process.stdout.write(
      `kernel-zoo-gpu: the emulator reproduces ${recorded.length - Object.keys(disagree).length} of ${recorded.length} recorded launch sets; the others are in test/corpus/fixtures/synth/gpu-disagrees.json\n`,
    );
    return;
  }
  if (cmd !== "prepare" || !dir) {
    process.stderr.write("usage: kernel-zoo-gpu prepare DIR | kernel-zoo-gpu adopt-synth SYNTH-FIXTURES.tar... | kernel-zoo-gpu check-synth\n");
    process.exitCode = 2;
    return;
  }
  mkdirSync(dir, { recursive: true });
  writeDriverHeader(dir);
  // the recorded specs again and the ones awaiting a recording (kernel-zoo.json unrecordedSpecs)
  for (const c of zooSpecs(packageRoot(), { unrecorded: true })) {
    // the half and bfloat16 types come through headers the device code leaves out (cublas_v2.h in llm.c)
    // `using namespace gsplat;` after it: the driver launches a kernel by its plain name, as the emulator's harness does
    const device = await specDeviceSource(c);
    // fixed-width integers and assert likewise (causal-conv1d's BytesToType, pytorch_scatter's segment_coo); ATen's element types where a PyTorch extension names
    // them (flownet2's `using at::Half;`, pytorch_scatter's atomics on a Half's `.x` bits): the GPU build has no ATen,
    // so c10-like structs (kernel-zoo-aten.ts)
    const aten = /\bat::/.test(device) ? ATEN_SHIM : "";
    writeFileSync(
      join(dir, `${c.spec.name}.device.cu`),
      `#include <cuda_fp16.h>\n#include <cuda_bf16.h>\n#include <cstdint>\n#include <cassert>\n#include <algorithm>\n${aten}${device}\n${namespaceDirectives(device)}\n`,
    );
    writeFileSync(join(dir, `${c.spec.name}.cu`), driverSource({ ...c.spec, needsTorch: true }));
  }
  writeFileSync(join(dir, "record.sh"), RECORD_SH);
  process.stdout.write(`kernel-zoo-gpu: ${zooSpecs(packageRoot(), { unrecorded: true }).length} drivers in ${dir}; on the GPU: bash ${dir}/record.sh OUTDIR\n`);
  // the spec-less launches kernel-zoo-run verified (test/corpus/synth-launches.json): a driver per corpus file
  const synth = await prepareSynth(dir);
  for (const r of synth.refused) process.stdout.write(`kernel-zoo-gpu: left out ${r}\n`);
  process.stdout.write(`kernel-zoo-gpu: ${synth.drivers} drivers of ${synth.launches} spec-less launch sets in ${dir}/synth; on the GPU: bash ${dir}/record-synth.sh OUTDIR\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`kernel-zoo-gpu: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
