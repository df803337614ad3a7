/**
 * Branches that leave a variable in different layouts agree only where something reads it afterwards
 * (passes/walk/names-after.ts): a parameter rebound under an `if` and never read again is not decided channels-last
 * at the rank the branch gives it (C2M-E034 at the caller, which passes another rank). Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "dead_branch_value.py");

describe("a variable no statement reads after the branches that rebind it", () => {
  const source = readFileSync(MODEL, "utf8");

  it("decides no layout for the parameter it was: no C2M-E034 at the caller, no transpose of the parameter", () => {
    const r = compile(source, { filename: "dead_branch_value.py" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain("temb = self.time_emb_proj(temb)[:, :, :, None, None]");
  });

  it("read after the branches, it still agrees (the parameter is converted as before)", () => {
    const read = source.replace("        return hidden_states\n\n\nclass Net", "        return hidden_states + temb.mean()\n\n\nclass Net");
    expect(read).not.toBe(source);
    const r = compile(read, { filename: "dead_branch_value.py" });
    expect(r.code).toContain("temb = self.time_emb_proj(temb.transpose(");
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(MODEL, { class: "Net", args: {}, cases: [[{ shape: [2, 4, 3, 5, 5] }, { shape: [2, 3, 6] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });
});
