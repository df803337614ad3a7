/**
 * A channels-last layer built in a function body and called through a local name (`pad = nn.ConstantPad1d(...)` then
 * `self.conv(pad(inputs))`, as transformers' CANINE pads before its upsampling conv) is a module whose calls take and
 * give channels-last values (passes/walk/layers.ts layerInstance). Called as an opaque value it padded the channel axis.
 * Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, c=3):
        super().__init__()
        self.conv = nn.Conv1d(c, 4, 3)

    def forward(self, x):
        x = x.flatten(2)
        pad = nn.ConstantPad1d((1, 1), 0)
        return torch.transpose(self.conv(pad(x)), 1, 2)
`;

describe("a layer built in forward and called by a local name", () => {
  const r = compile(src, { filename: "local_layers.py" });

  it("takes channels-last input as the layer does", () => {
    expect(r.code).toContain("return self.conv(pad(x))");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 4, 4])).toBeLessThan(1e-4);
  });
});
