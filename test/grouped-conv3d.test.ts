/**
 * A grouped 3-d convolution (torchvision's MViT pools q, k and v with depthwise Conv3d): MLX's nn.Conv3d has no
 * groups argument and its 3-d convolution takes groups=1 only, so the layer row's general template, the ConvTorch
 * helper, convolves group by group. It was built without groups (a W003 the weights then contradicted). Checked
 * against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, dim=4):
        super().__init__()
        self.head_dim = dim
        self.depthwise = nn.Conv3d(dim, dim, 3, padding=1, groups=self.head_dim, bias=False)
        self.grouped = nn.Conv3d(dim, 6, (1, 3, 3), stride=(1, 2, 2), groups=2)
        self.plain = nn.Conv3d(6, 2, 1)

    def forward(self, x):
        return self.plain(self.grouped(self.depthwise(x)))
`;

describe("a grouped Conv3d", () => {
  const r = compile(src, { filename: "grouped3d.py" });

  it("is built by the ConvTorch helper with its groups, without a W003", () => {
    expect(r.code).toContain("ConvTorch(dim, dim, 3, padding=1, groups=self.head_dim, bias=False, dims=3)");
    expect(r.code).toContain("ConvTorch(dim, 6, (1, 3, 3), stride=(1, 2, 2), groups=2, dims=3)");
    expect(r.code).toContain("nn.Conv3d(6, 2, 1)");
    expect(r.diagnostics.filter((d) => d.code === "C2M-W003")).toEqual([]);
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 4, 3, 6, 6])).toBeLessThan(1e-4);
  });
});
