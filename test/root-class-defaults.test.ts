/**
 * A class no class of its file builds (a model: timm's MetaFormer) is built by users too, with its defaults: where the
 * file's own model functions pass `stem_norm=None`, `Net()` still holds LayerNorm2d (passes/module-tree.ts,
 * paramValuesFromCallSites). The stem's norm is then either, and runs through c2m_sequential. Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "root_defaults.py");

describe("a model class's defaults beside what its model functions pass", () => {
  it("keeps the default among what the parameter may hold", () => {
    const r = compile(readFileSync(MODEL, "utf8"), { filename: "root_defaults.py" });
    expect(r.code).toContain("c2m_sequential(self.norm");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("gives torch's numbers for Net() built with its defaults", async () => {
    const r = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 6, 5] }]] as never, atol: 1e-4 });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});
