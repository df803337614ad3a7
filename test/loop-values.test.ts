/**
 * Loops over zip and enumerate of ModuleLists (passes/loop-values.ts): each loop target holds the module it walks,
 * so a conv called through one takes channels-last (before: a callee c2m could not see, passed torch's layout with no
 * diagnostic). Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "zip_loops.py");

describe("a loop over zip and enumerate of ModuleLists", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "zip_loops.py" });

  it("calls each loop variable as the module it holds: channels-last in, no conversion inside the loop", () => {
    const fwd = r.code.slice(r.code.indexOf("def __call__"));
    expect(fwd).toContain("x = norm(embed(x))");
    expect(fwd).toContain("x = x + blk(x)");
    expect(fwd.match(/\.transpose\(/g)?.length).toBe(1);
    expect(r.diagnostics.filter((d) => d.severity === "error" || d.code === "C2M-W007")).toEqual([]);
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 8, 8] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });
});
