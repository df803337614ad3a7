/**
 * A module tested for truth (passes/walk/truth-tests.ts): torch's Module is always true, MLX's Module is a dict and
 * false when it holds no parameter (an activation, Identity). `if self.act: x = self.act(x)` (efficientvit's
 * ConvLayer) skipped the activation in the port, silently; the test becomes `is not None`. Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "module_truth.py");

describe("a module attribute tested for truth", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "module_truth.py" });

  it("is tested against None, in if, elif, not, and/or and conditional expressions", () => {
    expect(r.code).toContain("        if self.drop is not None:\n");
    expect(r.code).toContain("        if self.norm is not None:\n");
    expect(r.code).toContain("        if self.act is not None and not self.pool is None:\n");
    expect(r.code).toContain("        elif (self.act is not None):\n");
    expect(r.code).toContain("x = self.pool(x) if self.pool is not None else x - 1");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("gives torch's numbers (the parameterless activation runs)", async () => {
    const p = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 4, 6, 5] }]] as never, atol: 1e-4 });
    expect(p.error).toBeUndefined();
    expect(p.ok).toBe(true);
  });
});
