/**
 * A base class whose forward reads attributes only its subclasses set (pretrainedmodels' senet.py: Bottleneck holds the
 * forward that SEBottleneck, SEResNetBottleneck and SEResNeXtBottleneck share, each building conv1, bn1… in its own
 * __init__). The walker read `self.conv1` in the base as unknown and passed torch's layout to a channels-last conv: a
 * crash after a clean compile. It now reads the union of what the file's subclasses store there. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch.nn as nn


class Bottleneck(nn.Module):
    def forward(self, x):
        residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            residual = self.downsample(x)
        return self.relu(out + residual)


class Plain(Bottleneck):
    def __init__(self, c_in, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = nn.Conv2d(c_in, c, 1) if c_in != c else None


class Grouped(Bottleneck):
    def __init__(self, c_in, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, groups=2, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(Plain(3, 8), Grouped(8, 8))
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        return self.pool(self.layer1(x)).flatten(1)
`;

describe("a base class's forward over attributes its subclasses set", () => {
  const r = compile(src, { filename: "bottleneck.py" });

  it("compiles with no error", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual([]);
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 8, 8])).toBeLessThan(1e-4);
  });
});
