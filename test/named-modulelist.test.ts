/**
 * An empty nn.ModuleList given its children by name (pretrainedmodels' NASNet-A mobile: `self.path_2 = nn.ModuleList()`,
 * `self.path_2.add_module('pad', nn.ZeroPad2d(…))`, read back as `self.path_2.pad(x)`): torch registers them as a
 * module's named children. The port emitted a plain list, which has no named children: an AttributeError while building
 * after a clean compile. It is now a bare MLX Module holding them, and the weight map follows them. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.path_2 = nn.ModuleList()
        self.path_2.add_module('pad', nn.ZeroPad2d((0, 1, 0, 1)))
        self.path_2.add_module('avgpool', nn.AvgPool2d(1, stride=2, count_include_pad=False))
        self.path_2.add_module('conv', nn.Conv2d(3, 4, 1, stride=1, bias=False))
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        y = self.path_2.pad(x)
        y = y[:, :, 1:, 1:]
        y = self.path_2.avgpool(y)
        y = self.path_2.conv(y)
        return self.bn(y)
`;

describe("an nn.ModuleList given children by name", () => {
  const r = compile(src, { filename: "named_list.py" });

  it("is a bare Module holding them, with their weights mapped", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual([]);
    expect(r.code).toContain("self.path_2 = nn.Module()");
    expect(r.weightMaps.Net).toContainEqual({ torch: "path_2.conv.weight", mlx: "path_2.conv.weight", op: "conv" });
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 8, 8])).toBeLessThan(1e-4);
  });
});
