/**
 * The parity runner against hand-written MLX translations: a faithful one must pass with tiny diffs, and
 * one with a planted bug must fail with the divergence pointing at the wrong layer.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { packageRoot } from "../src/python.js";
import { runParitySpec, validateSpec, ParityUsageError, type ParitySpec } from "../src/parity/index.js";

const fixtures = join(packageRoot(), "test", "fixtures", "parity");
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
    // conv agrees once torch's NCHW activation is moved to NHWC; bn is the first module that differs
    expect(r.divergence?.module).toBe("bn");
    expect(r.divergence?.torchShape).toEqual([2, 4, 8, 8]);
    expect(r.divergence?.mlxShape).toEqual([2, 8, 8, 4]);
  });

  it("reports a model that cannot be built as an error, not an exception", async () => {
    const spec: ParitySpec = { class: "TinyMLP", args: { no_such_arg: 1 }, cases: [[{ shape: [1, 8] }]] };
    const r = await runParitySpec(fixture("tiny_mlp.py"), spec, { mlxFile: fixture("tiny_mlp_mlx.py") });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/torch side failed: TypeError: .*no_such_arg/);
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
