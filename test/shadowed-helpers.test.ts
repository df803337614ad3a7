/**
 * A helper whose name the file defines again (emit/helper-names.ts): denoising-diffusion's
 * `def Upsample(dim, dim_out=None): return nn.Sequential(nn.Upsample(scale_factor=2), ...)` rebound the Upsample
 * helper, and the translated `Upsample(scale_factor=2)` called the file's function (TypeError after a clean
 * compile). The translation's calls go through `c2m_Upsample`; the file's own calls stay. Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "shadowed_helpers.py");

describe("a helper the file defines again under its name", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "shadowed_helpers.py" });

  it("keeps the helper under c2m_<name>: the translation calls it, the file's own calls stay", () => {
    expect(r.code).toContain("c2m_Upsample = Upsample  # c2m: the file defines its own Upsample below\n");
    expect(r.code).toContain("c2m_Flatten = Flatten  # c2m: the file defines its own Flatten below\n");
    expect(r.code).toContain('    return nn.Sequential(c2m_Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(');
    expect(r.code).toContain("        self.up = Upsample(dim, 6)\n");
    expect(r.code).toContain('        self.up2 = c2m_Upsample(scale_factor=2, mode="bilinear")\n');
    expect(r.code).toContain("        self.flat = c2m_Flatten()\n        self.mine = Flatten()\n");
    // the aliases come after the helpers and before the file's definitions
    expect(r.code.indexOf("c2m_Upsample = Upsample")).toBeGreaterThan(r.code.indexOf("class Upsample(nn.Module)"));
    expect(r.code.indexOf("c2m_Upsample = Upsample")).toBeLessThan(r.code.indexOf("def Upsample(dim"));
  });

  it("a file that does not define the name gets no alias", () => {
    const plain = compile(
      "import torch\nfrom torch import nn\n\n\nclass Up(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.up = nn.Upsample(scale_factor=2)\n\n    def forward(self, x):\n        return self.up(x)\n",
      { filename: "up.py" },
    );
    expect(plain.code).not.toContain("c2m_Upsample");
    expect(plain.code).toContain("self.up = Upsample(scale_factor=2)");
  });

  it("gives torch's numbers", async () => {
    const p = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 4, 5, 6] }]] as never, atol: 1e-4 });
    expect(p.error).toBeUndefined();
    expect(p.ok).toBe(true);
  });
});
