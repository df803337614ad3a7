// The CUDA emulator against real CUDA for the kernel zoo's spec-less verifications: the launches kernel-zoo-run
// derived from a file's host code or synthesised from a kernel's signature and verified
// (test/corpus/synth-launches.json, bench/kernel-zoo-synth.ts), run natively on an NVIDIA GPU with the same LCG
// inputs (test/corpus/fixtures/synth: a sample of each buffer and a digest of it). A launch set without a recording
// yet is skipped, and so is one in gpu-disagrees.json; the tolerances are the hand-written specs' (GPU_TOLERANCE). CI runs a spread of at most SUBSET recorded launch sets (each runs the
// emulator on its file: seconds apiece); C2M_GPU_SYNTH=all runs every one.
import { describe, expect, test } from "vitest";
import { dirname, join } from "node:path";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fromNumbers } from "../src/verify/dtypes.js";
import type { GoldenSpec } from "../src/verify/golden.js";
import { synthMismatch } from "../bench/kernel-zoo-gpu.js";
import {
  corpusFileSource,
  loadSynthLaunches,
  mergeSynthLaunches,
  recordingMismatch,
  recordingOf,
  SAMPLE,
  sampleIndices,
  synthDriverSource,
  synthRecorded,
  synthSpecDigest,
  adoptSynthRecordings,
  loadSynthManifest,
  loadSynthDisagreements,
  recordedSpec,
  synthLaunchesPath,
  synthFixturesDir,
  writeSynthLaunches,
  type SynthLaunch,
} from "../bench/kernel-zoo-synth.js";
import { configPath, corpusFiles, loadConfig } from "../bench/kernel-zoo.js";

const SUBSET = 12;
const launches = loadSynthLaunches();

test("synth-launches.json: unique ids, every file a corpus file, every launch a spec the driver can pass", () => {
  const ids = launches.map((l) => l.id);
  expect(new Set(ids).size).toBe(ids.length);
  const cfg = configPath();
  const keys = new Set(corpusFiles(loadConfig(cfg), dirname(cfg)).map((f) => f.key));
  expect(launches.filter((l) => !keys.has(l.file)).map((l) => l.id)).toEqual([]);
  expect(launches.filter((l) => !["host", "synthesised"].includes(l.by) || !l.spec.sizes.length || !l.spec.launches.length).map((l) => l.id)).toEqual([]);
});

test("a --only run replaces its own files' launch sets and keeps the others; a repeated spec name gets a numbered id", () => {
  const spec = (name: string): GoldenSpec => ({ name, file: "", sizes: [{}], buffers: [], launches: [] });
  const old: SynthLaunch[] = [
    { id: "p_a_cu.k", file: "p/a.cu", by: "host", spec: spec("k") },
    { id: "p_b_cu.k", file: "p/b.cu", by: "host", spec: spec("k") },
  ];
  const merged = mergeSynthLaunches(
    old,
    [
      { file: "p/a.cu", by: "synthesised", spec: spec("k_synth_64") },
      { file: "p/a.cu", by: "synthesised", spec: spec("k_synth_64") },
    ],
    new Set(["p/a.cu"]),
  );
  expect(merged.map((l) => l.id)).toEqual(["p_a_cu.k_synth_64", "p_a_cu.k_synth_64_2", "p_b_cu.k"]);
});

test("a driver passes a CUDA vector by value component by component, in the vector's element type, and runs one launch set by index", () => {
  const spec: GoldenSpec = {
    name: "corr_synth_64",
    file: "f.cu",
    sizes: [{ n: 64 }],
    buffers: [{ name: "out", dtype: "float32", count: "n", role: "output" }],
    launches: [{ kernel: "corr", grid: ["cdiv(n, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "out" }, { vector: ["n", 1, 1, 1], type: "long4" }] }],
  };
  const src = synthDriverSource("p/f.cu", [{ id: "p_f_cu.corr_synth_64", file: "p/f.cu", by: "synthesised", spec }]);
  expect(src).toContain("c2m_launch(&corr, dim3(2, 1, 1), dim3(32, 1, 1), 0, out_d, long4{(decltype(long4::x))(64), (decltype(long4::x))(1)");
  expect(src).toContain("if (which < 0 || which == 0) {");
  expect(src).toContain('record_sample(out + "/p_f_cu.corr_synth_64.s0.out.bin"');
});

test("a recording keeps one element in each of SAMPLE stretches (every one of a small buffer) and tells a wrong element outside them by the digest", () => {
  expect(sampleIndices(5)).toEqual([0, 1, 2, 3, 4]);
  const idx = sampleIndices(100_000);
  expect(idx.length).toBe(SAMPLE);
  idx.forEach((j, i) => expect(j >= Math.floor((i * 100_000) / SAMPLE) && j < Math.floor(((i + 1) * 100_000) / SAMPLE)).toBe(true));
  const ints = fromNumbers(
    Array.from({ length: 5000 }, (_, i) => i % 7),
    "int32",
  );
  const floats = fromNumbers(
    Array.from({ length: 5000 }, (_, i) => Math.sin(i)),
    "float32",
  );
  const tol = { rtol: 1e-5, atol: 1e-6 };
  expect(recordingMismatch("a", ints, recordingOf(ints, "int32"), "int32", tol)).toBeUndefined();
  expect(recordingMismatch("f", floats, recordingOf(floats, "float32"), "float32", tol)).toBeUndefined();
  const unkept = [...Array(5000).keys()].find((i) => !sampleIndices(5000).includes(i))!;
  const ints2 = ints.slice() as Int32Array;
  ints2[unkept] = 99;
  expect(recordingMismatch("a", ints2, recordingOf(ints, "int32"), "int32", tol)).toMatch(/hash differs/);
  const floats2 = floats.slice() as Float32Array;
  floats2[unkept] = 5;
  expect(recordingMismatch("f", floats2, recordingOf(floats, "float32"), "float32", tol)).toMatch(/sums differ/);
});

test("a recording counts only for the spec it was made from: adopting a tar's launch sets pins their spec's digest, and a changed spec is unrecorded", () => {
  const root = mkdtempSync(join(tmpdir(), "c2m-synth-"));
  try {
    const spec: GoldenSpec = { name: "k_synth_64", file: "", sizes: [{ n: 64 }], buffers: [{ name: "out", dtype: "float32", count: "n", role: "output" }], launches: [] };
    const l: SynthLaunch = { id: "p_a_cu.k_synth_64", file: "p/a.cu", by: "synthesised", spec };
    mkdirSync(dirname(synthLaunchesPath(root)), { recursive: true });
    writeSynthLaunches([l], root);
    mkdirSync(synthFixturesDir(root), { recursive: true });
    writeFileSync(join(synthFixturesDir(root), "p_a_cu.k_synth_64.s0.out.bin"), "");
    expect(synthRecorded(l, root)).toBe(false);
    expect(adoptSynthRecordings(new Set(["p_a_cu.k_synth_64", "p_b_cu.other"]), root)).toEqual(["p_a_cu.k_synth_64"]);
    expect(synthRecorded(l, root)).toBe(true);
    const changed = { ...l, spec: { ...spec, sizes: [{ n: 128 }] } };
    expect(synthSpecDigest(changed.spec)).not.toBe(synthSpecDigest(spec));
    expect(synthRecorded(changed, root)).toBe(false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const manifest = loadSynthManifest();
// the launch sets the emulator does not reproduce yet (gpu-disagrees.json, kernel-zoo-gpu check-synth): counted
// not verified by kernel-zoo-run, left out here until the emulator is mended
const disagree = loadSynthDisagreements();
const recorded = launches.filter((l) => synthRecorded(l, undefined, manifest) && disagree[l.id]?.digest !== synthSpecDigest(l.spec));

test("gpu-disagrees.json names recorded launch sets, each with the digest it was recorded from and a mismatch", () => {
  const byId = new Map(launches.map((l) => [l.id, l]));
  for (const [id, d] of Object.entries(disagree)) {
    const l = byId.get(id);
    // a launch set a later run changed is judged afresh: its entry no longer applies (and is dropped at the next check-synth)
    if (!l || synthSpecDigest(l.spec) !== d.digest) continue;
    expect(recordedSpec(l, manifest), id).toBeDefined();
    expect(d.mismatch.length, id).toBeGreaterThan(0);
  }
});
// a spread over the corpus: every k-th recorded launch set
const chosen = process.env.C2M_GPU_SYNTH === "all" ? recorded : recorded.filter((_, i) => i % Math.max(1, Math.ceil(recorded.length / SUBSET)) === 0);

describe.skipIf(!chosen.length)("the CUDA emulator reproduces the GPU recordings of the spec-less launches", () => {
  const sources = new Map<string, Promise<string>>();
  for (const l of chosen) {
    test(
      l.id,
      async () => {
        if (!sources.has(l.file)) sources.set(l.file, corpusFileSource(l.file));
        const source = await sources.get(l.file)!;
        expect(await synthMismatch(l, source), l.id).toBeUndefined();
      },
      120_000,
    );
  }
});
