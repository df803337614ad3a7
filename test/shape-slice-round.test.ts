/**
 * A slice of the shape of a tensor held channels-last picks torch's axes from where they are held (was C2M-W006,
 * NHWC order); an in-place round of a temporary is the round; `q if cond else None` handed on in torch's layout
 * converts the tensor branch only. Checked against torch on MLX.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "shape_slice_round.py");

describe("shape slices and round_", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "shape_slice_round.py" });

  it("reads torch's axes of a channels-last shape by position", () => {
    expect(r.code).toContain("height, width = (latent.shape[1], latent.shape[2])");
    expect(r.code).toContain("(channels,) = (latent.shape[3],)");
    expect(r.diagnostics.map((d) => d.code)).not.toContain("C2M-W006");
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 4, 6] }], [{ shape: [1, 3, 8, 4] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });
});

describe("a tensor or None", () => {
  const model = join(packageRoot(), "test", "fixtures", "models", "conditional_none.py");
  const r = compile(readFileSync(model, "utf8"), { filename: "conditional_none.py" });

  it("converts the tensor branch, not the whole conditional", () => {
    expect(r.code).toContain("return self.dec(q.transpose(0, 3, 1, 2), q.transpose(0, 3, 1, 2) if self.spatial else None)");
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(model, { class: "Net", cases: [[{ shape: [2, 3, 4, 4] }], [{ shape: [1, 3, 4, 4] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });
});

describe("a slice of a ModuleList", () => {
  const model = join(packageRoot(), "test", "fixtures", "models", "module_list_slice.py");
  const r = compile(readFileSync(model, "utf8"), { filename: "module_list_slice.py" });

  it("is MLX's list sliced (no Sequential's .layers), and is_floating_point asks the dtype", () => {
    expect(r.code).toContain("for attn, resnet in zip(self.attns, self.resnets[1:]):");
    expect(r.code).toContain("if mx.issubdtype(p.dtype, mx.floating):");
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(model, { class: "Net", cases: [[{ shape: [2, 4] }], [{ shape: [3, 5, 4] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });
});

describe("varargs given by keyword", () => {
  const model = join(packageRoot(), "test", "fixtures", "models", "varargs_keyword.py");
  const r = compile(readFileSync(model, "utf8"), { filename: "varargs_keyword.py" });

  it("passes the keyword's sequence as the shape", () => {
    expect(r.code).toContain("x = x.reshape((-1, height, width, 2, 2, 3))");
    expect(r.diagnostics.map((d) => d.code)).not.toContain("C2M-W003");
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(model, { class: "Net", cases: [[{ shape: [1, 4, 4] }], [{ shape: [2, 9, 4] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });
});
