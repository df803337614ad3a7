/**
 * A held conv's weight read as a value (`self.conv1d.weight.squeeze(1)` handed to F.conv1d: transformers' Mamba) is
 * torch's view of the held array (passes/layer-weight-views.ts heldLayerWeightView): the port held (O, K, I) where the
 * code expects torch's (O, I, K), and MLX's convolution raised on a 4-d weight. Writes through it (an init) keep the
 * held array. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1d = nn.Conv1d(4, 4, kernel_size=3, groups=4, padding=2)
        self.proj = nn.Conv2d(3, 4, 1)
        nn.init.kaiming_uniform_(self.conv1d.weight)

    def mix(self, x):
        w = self.conv1d.weight.squeeze(1)
        return F.conv1d(x, w.unsqueeze(1), self.conv1d.bias, padding=2, groups=4)[..., : x.shape[-1]]

    def forward(self, x):
        return self.mix(x) + self.proj.weight.flatten(1)[:, 0:1]
`;

describe("a held conv's weight read as a value", () => {
  const r = compile(src, { filename: "held_layer_weights.py" });

  it("is torch's view; an init writing through it keeps the held array", () => {
    expect(r.code).toContain("ops_squeeze(mx.moveaxis(self.conv1d.weight, -1, 1), 1)");
    expect(r.code).toMatch(/self\.conv1d\.weight = /);
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 4, 8])).toBeLessThan(1e-4);
  });
});
