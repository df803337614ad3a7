/**
 * A ModuleList grown through a function of the file (passes/list-growth-functions.ts): denoising-diffusion's
 * KarrasUnet calls `append(self.downs, enc)` / `prepend(self.ups, dec)`, its helpers being `arr.append(el)` and
 * `arr.insert(0, el)`. The module tree did not follow them: the weight map held no key under downs/ups and the port
 * failed to load torch's weights ("parameters not in model"), with no diagnostic. Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "list_growth_functions.py");

describe("a ModuleList grown through the file's append/prepend helpers", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "list_growth_functions.py" });

  it("holds the blocks: the weight map has their keys", () => {
    const keys = r.weightMaps.Net.map((rule) => rule.torch);
    expect(keys).toContain("downs.#.net.1.weight");
    expect(keys).toContain("ups.#.net.1.weight");
    expect(keys).toContain("ups.#.weight");
  });

  it("gives torch's numbers", async () => {
    const p = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 4, 5, 6] }]], atol: 1e-4 });
    expect(p.error).toBeUndefined();
    expect(p.ok).toBe(true);
  });
});
