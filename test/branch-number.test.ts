/**
 * A name bound to a number in one branch and to a channels-last tensor in another (`identity_out = 0`, then
 * `identity_out = self.identity(x)` under an if): the join cannot be converted at its use (an int has no
 * .transpose), so the tensor goes to torch's layout where it is defined. Checked against torch, both branches taken.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "branch_number.py");

describe("a name that is a number or a tensor after a branch", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "branch_number.py" });

  it("is converted where the tensor is defined, never at a use that may see the number", () => {
    expect(r.code).toContain("            identity_out = self.identity(x)\n            identity_out = identity_out.transpose(0, 3, 1, 2)\n");
    expect(r.code).toContain("        out = scale_out + identity_out\n");
    expect(r.code).not.toMatch(/(identity_out|scale_out)\.transpose\([^)]*\)(?!\n)/);
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 6, 6] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });
});
