/**
 * A model the user builds may be given another class for a class parameter whose default is a class of the file
 * (PoolFormer's `norm_layer=GroupNorm`, built with `norm_layer=LayerNormChannel`): the default is not what the built
 * model must hold, so the parameter holds any class too (passes/module-tree.ts) and a call of what it built goes
 * through c2m_sequential, which gives the module held at run time the layout it takes. Checked against torch with
 * the default and with the other class.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "user_norm_class.py");

describe("a class parameter the user may give another class", () => {
  it("calls what it built by the layout the module held at run time takes", () => {
    const r = compile(readFileSync(MODEL, "utf8"), { filename: "user_norm_class.py" });
    expect(r.code).toContain("c2m_sequential(self.norm, x,");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it.each([
    ["the default", undefined],
    ["another class of the file", { norm_layer: { __ref__: "LayerNormChannel" } }],
  ])("gives torch's numbers with %s", async (_, args) => {
    const r = await runParitySpec(MODEL, { class: "Net", ...(args ? { args } : {}), cases: [[{ shape: [2, 3, 6, 5] }]] as never, atol: 1e-4 });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});
