/**
 * The parity runner against hand-written MLX translations: a faithful one must pass with tiny diffs, and
 * one with a planted bug must fail with the divergence pointing at the wrong layer.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../src/python.js";
import { runParitySpec as runParitySpecKeepingFailures, validateSpec, ParityUsageError, type ParitySpec } from "../src/parity/index.js";
import { parseInputShape, runParity } from "../src/commands/parity.js";

const fixtures = join(packageRoot(), "test", "fixtures", "parity");

// A failing run keeps its files for inspection; the tests remove them afterwards.
const keptDirs: string[] = [];
afterAll(() => keptDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const runParitySpec: typeof runParitySpecKeepingFailures = async (...args) => {
  const r = await runParitySpecKeepingFailures(...args);
  if (r.workDir) keptDirs.push(r.workDir);
  return r;
};
const fixture = (name: string) => join(fixtures, name);

const mlpSpec: ParitySpec = {
  class: "TinyMLP",
  args: { in_features: 8, hidden: 16, out_features: 4 },
  atol: 1e-5,
  cases: [[{ shape: [3, 8], dtype: "float32" }], [{ shape: [2, 5, 8], dtype: "float32" }]],
};

describe("runParitySpec with a hand-written MLX module", () => {
  it("passes a faithful MLP translation, comparing real numbers", async () => {
    const r = await runParitySpec(fixture("tiny_mlp.py"), mlpSpec, { mlxFile: fixture("tiny_mlp_mlx.py") });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.cases).toHaveLength(2);
    expect(r.cases[1].outputs[0].shape).toEqual([2, 5, 4]);
    for (const c of r.cases) {
      expect(c.outputs).toHaveLength(1);
      expect(c.outputs[0].ok).toBe(true);
      expect(c.outputs[0].maxAbs).toBeLessThan(1e-5);
      expect(c.outputs[0].maxAbs).toBeGreaterThanOrEqual(0);
    }
    expect(r.divergence).toBeUndefined();
  });

  it("fails a translation with the wrong activation and names that layer", async () => {
    const r = await runParitySpec(fixture("tiny_mlp.py"), mlpSpec, { mlxFile: fixture("tiny_mlp_mlx_wrong_activation.py") });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(false);
    expect(r.cases[0].outputs[0].ok).toBe(false);
    expect(r.cases[0].outputs[0].maxAbs).toBeGreaterThan(1e-3);
    expect(r.divergence?.module).toBe("net.3");
    expect(r.divergence?.maxAbs).toBeGreaterThan(1e-3);
  });

  it("passes a CNN whose MLX half is channels-last, with converted conv and flatten→Linear weights and two outputs", async () => {
    const spec: ParitySpec = {
      class: "TinyCNN",
      args: [3],
      cases: [[{ shape: [2, 3, 8, 8] }], [{ shape: [1, 3, 8, 8] }]],
    };
    const r = await runParitySpec(fixture("tiny_cnn.py"), spec, { mlxFile: fixture("tiny_cnn_mlx.py") });
    expect(r.error).toBeUndefined();
    expect(r.cases[0].outputs.map((o) => o.shape)).toEqual([[2, 3], []]);
    expect(r.cases.flatMap((c) => c.outputs).every((o) => o.ok && o.maxAbs < 1e-4)).toBe(true);
    expect(r.ok).toBe(true);
  });

  it("locates an NHWC-vs-NCHW divergence inside a conv stack", async () => {
    const spec: ParitySpec = { class: "TinyCNN", cases: [[{ shape: [2, 3, 8, 8] }]] };
    const r = await runParitySpec(fixture("tiny_cnn.py"), spec, { mlxFile: fixture("tiny_cnn_mlx_bad_eps.py") });
    expect(r.ok).toBe(false);
    // conv agrees once torch's NCHW activation is moved to NHWC (8 channels on 8x8: the shapes alone cannot
    // tell the layouts apart); bn is the first module that differs
    expect(r.divergence?.module).toBe("bn");
    expect(r.divergence?.torchShape).toEqual([2, 8, 8, 8]);
    expect(r.divergence?.mlxShape).toEqual([2, 8, 8, 8]);
  });

  it("skips modules whose torch output was later changed in place (ReLU(inplace=True)) and finds the real culprit", async () => {
    const spec: ParitySpec = { class: "TinyCNN", cases: [[{ shape: [2, 3, 8, 8] }]] };
    const r = await runParitySpec(fixture("tiny_cnn.py"), spec, { mlxFile: fixture("tiny_cnn_mlx_wrong_pool.py") });
    expect(r.ok).toBe(false);
    expect(r.divergence?.module).toBe("pool");
    expect(r.divergence?.mlxShape).toEqual([2, 4, 4, 8]);
  });

  it("reports a model that cannot be built as an error, not an exception", async () => {
    const spec: ParitySpec = { class: "TinyMLP", args: { no_such_arg: 1 }, cases: [[{ shape: [1, 8] }]] };
    const r = await runParitySpec(fixture("tiny_mlp.py"), spec, { mlxFile: fixture("tiny_mlp_mlx.py") });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/torch side failed: TypeError: .*no_such_arg/);
  });
});

describe("runParitySpec through the compiler (the product path: compile, convert weights with c2m, compare)", () => {
  it("passes the tiny MLP and the channels-last CNN as c2m translates them", async () => {
    const mlp = await runParitySpec(fixture("tiny_mlp.py"), mlpSpec);
    expect(mlp.error).toBeUndefined();
    expect(mlp.diagnostics?.filter((d) => d.severity === "error")).toEqual([]);
    expect(mlp.ok).toBe(true);
    const cnn = await runParitySpec(fixture("tiny_cnn.py"), { class: "TinyCNN", cases: [[{ shape: [2, 3, 8, 8] }], [{ shape: [1, 3, 8, 8] }]] });
    expect(cnn.error).toBeUndefined();
    expect(cnn.cases.flatMap((c) => c.outputs.map((o) => o.maxAbs)).every((d) => d < 1e-4)).toBe(true);
    expect(cnn.ok).toBe(true);
    expect(cnn.workDir).toBeUndefined(); // a passing run cleans up after itself
  });
});

describe("validateSpec", () => {
  it("fills the default tolerance and rejects malformed specs with a message", () => {
    expect(validateSpec({ class: "Net", cases: [[{ shape: [1, 3] }]] }).atol).toBe(1e-4);
    expect(() => validateSpec({ class: "Net", cases: [] })).toThrow(ParityUsageError);
    expect(() => validateSpec({ class: "Net", cases: [[{ shape: [2, 5], dtype: "int64" }]] })).toThrow(/need "high"/);
    expect(() => validateSpec({ class: "Net", cases: [[{ shape: [2, -1] }]] })).toThrow(/non-negative integers/);
    expect(() => validateSpec({ class: "Net", cases: [[{ shape: [2], dtype: "complex64" }]] })).toThrow(/unsupported dtype/);
  });
});

describe("c2m parity command", () => {
  async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const spyOut = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    const spyErr = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
    try {
      return { code: await fn(), out, err };
    } finally {
      spyOut.mockRestore();
      spyErr.mockRestore();
    }
  }

  it("prints a table per case and output and exits 1 on a planted bug, with the divergence line", async () => {
    const r = await capture(() => runParity(fixture("tiny_mlp.py"), { spec: fixture("tiny_mlp.parity.json"), mlx: fixture("tiny_mlp_mlx_wrong_activation.py"), atol: "1e-4" }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/case 0: \[3, 8\] float32/);
    expect(r.out).toMatch(/output 0 \[3, 4\] +max abs \d\.\de[-+]\d\d  max rel \d\.\de[-+]\d\d  FAIL/);
    expect(r.out).toMatch(/first divergence: net\.3 \(case 0\)/);
    const kept = /files kept for inspection .*: (\S+)/.exec(r.out)?.[1];
    expect(kept && existsSync(join(kept, "model_mlx.safetensors"))).toBe(true);
    keptDirs.push(kept!);
  });

  it("exits 0 on a faithful translation given by --input/--args", async () => {
    const r = await capture(() => runParity(fixture("tiny_mlp.py"), { class: "TinyMLP", input: ["2,8"], args: "[8, 16, 4]", mlx: fixture("tiny_mlp_mlx.py"), atol: "1e-5" }));
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out.match(/ ok$/gm)).toHaveLength(2); // the given batch and batch + 1
    expect(r.out).toMatch(/PASS\n$/);
  });

  it("rejects bad options with a message and exit status 2", async () => {
    const cases: [Parameters<typeof runParity>[1], RegExp][] = [
      [{ class: "TinyMLP", atol: "1e-4" }, /missing --input/],
      [{ class: "TinyMLP", input: ["2,x"], atol: "1e-4" }, /--input 2,x: expected comma-separated sizes/],
      [{ class: "TinyMLP", input: ["2,8"], args: "{oops", atol: "1e-4" }, /--args must be JSON/],
      [{ class: "TinyMLP", input: ["2,8"], atol: "lots" }, /--atol must be a non-negative number/],
      [{ class: "Other", spec: fixture("tiny_mlp.parity.json"), atol: "1e-4" }, /does not match the spec's class TinyMLP/],
      [{ class: "TinyMLP", spec: fixture("missing.json"), atol: "1e-4" }, /C2M-E004: .*missing\.json: no such file/],
    ];
    for (const [opts, message] of cases) {
      const r = await capture(() => runParity(fixture("tiny_mlp.py"), opts));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    }
    const missing = await capture(() => runParity(fixture("nope.py"), { class: "X", input: ["1"], atol: "1e-4" }));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/C2M-E004: .*nope\.py: no such file/);
  });

  it("parses --input shapes with dtype and range", () => {
    expect(parseInputShape("1,3,32,32")).toEqual({ shape: [1, 3, 32, 32], dtype: "float32" });
    expect(parseInputShape("2,16:int64:1000")).toEqual({ shape: [2, 16], dtype: "int64", high: 1000 });
  });
});

/**
 * Each golden model's reviewed MLX translation (expected.py, once the compiler author has written it) must
 * reproduce its PyTorch input on the golden parity spec.
 */
describe("golden models: expected.py matches input.py numerically", () => {
  const goldens = join(packageRoot(), "golden", "models");
  const names = existsSync(goldens)
    ? readdirSync(goldens)
        .filter((n) => existsSync(join(goldens, n, "parity.json")))
        .sort()
    : [];
  it("has a parity spec with at least two cases of different shapes for every golden model", () => {
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const name of names) {
      const spec = validateSpec(JSON.parse(readFileSync(join(goldens, name, "parity.json"), "utf8")), name);
      expect(spec.cases.length, name).toBeGreaterThanOrEqual(2);
      expect(new Set(spec.cases.map((c) => JSON.stringify(c.map((i) => i.shape)))).size, name).toBe(spec.cases.length);
    }
  });
  for (const name of names) {
    const expected = join(goldens, name, "expected.py");
    it.skipIf(!existsSync(expected))(`${name}`, async () => {
      const spec = JSON.parse(readFileSync(join(goldens, name, "parity.json"), "utf8")) as ParitySpec;
      const r = await runParitySpec(join(goldens, name, "input.py"), spec, { mlxFile: expected });
      const summary = r.error ?? JSON.stringify({ divergence: r.divergence, outputs: r.cases.map((c) => c.outputs.map((o) => [o.maxAbs, o.ok])) });
      expect(r.ok, summary).toBe(true);
    });
  }
});
