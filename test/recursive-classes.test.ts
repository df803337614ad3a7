/**
 * A module class its own forward reaches (timm's DlaTree: `tree1` holds the block or another Tree): the layout
 * fixpoint assumes the class takes and gives what its sibling classes do, and its computed signature bears that out,
 * so the calls pass channels-last values with no C2M-W022 (passes/walk/recursive-classes.ts). Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "recursive_tree.py");

describe("a module class its own forward reaches", () => {
  const source = readFileSync(MODEL, "utf8");

  it("is assumed to behave as its siblings where its signature bears that out: no W022", () => {
    const r = compile(source, { filename: "recursive_tree.py" });
    const tree = r.code.slice(r.code.indexOf("class Tree"), r.code.indexOf("class Net"));
    expect(r.diagnostics.filter((d) => d.code === "C2M-W022")).toEqual([]);
    expect(tree).toContain("x1 = self.tree1(x, shortcut)");
    // the recursive call itself passes x1 as the siblings take it; since list-growth (tup13) the list `children` it also
    // goes into is held in torch's layout, so x1 may come back from that layout first (extra transposes, same numbers:
    // the parity case below) -- fewer transposes there is open work
    expect(tree).toMatch(/x = self\.tree2\(x1(\.transpose\(0, 2, 3, 1\))?, None, children\)/);
  });

  it("where the signature does not bear it out (a branch returns torch's layout), is computed without the assumption: W022 as before", () => {
    const flat = source.replace(
      "            x = self.tree2(x1, None, children)\n",
      "            x = self.tree2(x1, None, children)\n            x = x.flatten(2).reshape(x.shape)\n",
    );
    expect(flat).not.toBe(source);
    const r = compile(flat, { filename: "recursive_tree.py" });
    expect(r.diagnostics.filter((d) => d.code === "C2M-W022").map((d) => d.line)).toEqual([54, 60]);
  });

  it("gives torch's numbers at one, two and three levels", async () => {
    for (const levels of [1, 2, 3]) {
      const out = await runParitySpec(MODEL, { class: "Net", args: { levels }, cases: [[{ shape: [2, 3, 8, 8] }]] as never, atol: 1e-4 });
      expect(out.error).toBeUndefined();
      expect(out.ok).toBe(true);
    }
  });
});
