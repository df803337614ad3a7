/**
 * `heads, b, c, h, w = self.heads, *fmap.shape` of a channels-last fmap (bottleneck-transformer-pytorch's Attention):
 * the star spread the physical (N, H, W, C) axes into names that read torch's (N, C, H, W), so `c` held the width and
 * a later rearrange failed at run time after a clean compile. A starred shape now spreads torch's axis order.
 * Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.k = 2

    def forward(self, x):
        y = self.conv(x)
        k, b, c, h, w = self.k, *y.shape
        return y.reshape(b, c, h * w) * k + c
`;

describe("a starred shape of a channels-last tensor", () => {
  const r = compile(src, { filename: "starred.py" });

  it("spreads torch's axis order", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual([]);
  });

  it("matches torch on a non-square input", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 5, 7])).toBeLessThan(1e-4);
  });
});
