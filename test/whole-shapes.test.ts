/**
 * A channels-last tensor's whole `.shape`, where the code reads it as torch's (compared with a tuple, passed to a
 * function), is given in torch's axis order (passes/walk/layout-conversion.ts logicalShape): torchvision's RAFT checks
 * `corr_features.shape != (batch_size, self.out_channels, h, w)` before its final permute, and raised on the
 * channels-last shape. Indexing and unpacking a shape keep mapping the axes one by one. Checked against torch.
 */
import { portDifference } from "./python-run.js";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn


def weigh(shape):
    return shape[1] * 10 + shape[2]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        v = self.conv(x)
        expected = (v.shape[0], 4, v.shape[2], v.shape[3])
        if v.shape != expected:
            raise ValueError("channels-last shape")
        s = v.shape
        same = v.shape == expected
        return v.flatten(1) * (weigh(v.shape) + weigh(s)) * same
`;

describe("a whole shape of a channels-last tensor", () => {
  const r = compile(src, { filename: "shapes.py" });

  it("is compared in torch's order, its items still mapped one by one", () => {
    expect(r.code).toContain("expected = (v.shape[0], 4, v.shape[1], v.shape[2])");
    expect(r.code).toContain("if tuple(v.shape[i] for i in (0, 3, 1, 2)) != expected:");
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
