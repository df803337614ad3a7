/**
 * A torch conv subclass's forward reads `self.weight` as torch holds it, (O, I, *K), while the port holds MLX's
 * (O, *K, I): the read in forward, and a read of its shape anywhere, is torch's view of the held array
 * (passes/layer-weight-views.ts). Checked against
 * torch with converted weights (timm's StdConv2d weight standardisation).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "std_conv_subclass.py");

describe("a conv subclass's own weight read in forward", () => {
  it("is torch's view of the held array in forward and for a shape read; __init__'s other reads and assignments keep the array as held", () => {
    const out = compile(readFileSync(MODEL, "utf8"), { filename: "std_conv_subclass.py" }).code;
    expect(out).toContain("ops_batch_norm(mx.moveaxis(self.weight, -1, 1).reshape(1, self.out_channels, -1)");
    expect(out).toContain(".reshape(mx.moveaxis(self.weight, -1, 1).shape)");
    const init = compile(
      "import torch.nn as nn\n\n\nclass C(nn.Conv2d):\n    def __init__(self):\n        super().__init__(2, 2, 3)\n        self.s = self.weight.shape[1]\n        self.w = self.weight * 2\n\n    def forward(self, x):\n        return x\n",
    ).code;
    // torch's shape (O, I, kH, kW): shape[1] is I, where the held (O, kH, kW, I) would give kH
    expect(init).toContain("self.s = mx.moveaxis(self.weight, -1, 1).shape[1]");
    expect(init).toContain("self.w = self.weight * 2");
  });

  it("gives torch's numbers", async () => {
    const r = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 6, 5] }]] as never, atol: 1e-4 });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});
