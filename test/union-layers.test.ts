/**
 * One of several layers chosen at construction time (timm's Mlp: a 1x1 conv or a Linear; timm's ResNet stem pool:
 * a MaxPool2d or a Sequential), called where the layouts they take disagree: the module held at run time says what
 * it takes (c2m_sequential, as a Sequential of one), and trying each option leaves no layout decision behind (no
 * channels-last transpose of rank-3 tokens at the forward's entry). Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "union_layers.py");

describe("a call of one of several layers that disagree on layout", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "union_layers.py" });
  const mlpForward = r.code.slice(r.code.indexOf("class Mlp"), r.code.indexOf("class Net"));

  it("runs through c2m_sequential, with no transpose guessed at the forward's entry", () => {
    expect(mlpForward).toContain("x = c2m_sequential(self.fc1, x, False, False)");
    expect(mlpForward).toContain("x = c2m_sequential(self.fc2, x, False, False)");
    expect(mlpForward).not.toContain(".transpose(");
    expect(r.code).toContain("x = c2m_sequential(self.pool, x, True, False)");
    expect(r.diagnostics.filter((d) => d.code === "C2M-W022")).toEqual([]);
  });

  it("gives torch's numbers for each choice", async () => {
    for (const args of [{}, { replace_pool: true }]) {
      const out = await runParitySpec(MODEL, { class: "Net", args, cases: [[{ shape: [2, 3, 8, 8] }]] as never, atol: 1e-4 });
      expect(out.error).toBeUndefined();
      expect(out.ok).toBe(true);
    }
  });
});
