/**
 * A Sequential subclass that iterates `self` in its forward (timm's vovnet SequentialAppendList): MLX's Sequential
 * is a dict, so `enumerate(self)` walks its items `self.layers` (passes/sequential-access.ts); a parameter annotated
 * `List[torch.Tensor]` is a list (its .append is the list's), not a tensor. Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "sequential_append_list.py");

describe("a Sequential subclass iterating itself", () => {
  it("walks its items, and appends to a list parameter without a diagnostic", () => {
    const r = compile(readFileSync(MODEL, "utf8"), { filename: "sequential_append_list.py" });
    expect(r.code).toContain("for i, module in enumerate(self.layers):");
    expect(r.diagnostics.filter((d) => d.code === "C2M-W002")).toEqual([]);
  });

  it("gives torch's numbers", async () => {
    const r = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 6, 5] }]] as never, atol: 1e-4 });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});
