/**
 * A tensor stored where the walk does not follow it goes in torch's layout (passes/walk/statements.ts assignment,
 * passes/walk/expressions.ts pair): on an object's attribute (torchvision's RAFT keeps its correlation pyramid in
 * `self.corr_pyramid = [corr_volume]` from one method and reads it in another) and in a dict display or
 * comprehension. A channels-last conv output stored there as it was was read back as NCHW (RAFT's index pyramid
 * came out (1, 16, 16, 931) instead of (1, 196, 16, 16)). Checked against torch.
 */
import { portDifference } from "./python-run.js";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pyramid = [torch.tensor(0)]

    def build(self, x):
        v = self.conv(x)
        self.pyramid = [v]
        for _ in range(2):
            v = F.avg_pool2d(v, kernel_size=2, stride=2)
            self.pyramid.append(v)
        self.last = v
        self.pair = (v, v * 2)

    def forward(self, x):
        self.build(x)
        v = self.conv(x)
        named = {"v": v, "w": v + 1}
        each = {k: t * 2 for k, t in named.items()}
        outs = [p.reshape(p.shape[0], p.shape[1], -1).mean(-1) for p in self.pyramid]
        outs.append(self.last.flatten(1)[:, :4] + self.pair[1].flatten(1)[:, :4])
        outs.append(named["w"].flatten(1)[:, :4] + each["v"].flatten(1)[:, :4])
        return torch.cat(outs, dim=-1)
`;

describe("tensors stored on an object or in a dict", () => {
  const r = compile(src, { filename: "stored.py" });

  it("go in torch's layout", () => {
    expect(r.code).toContain("self._pyramid = [v.transpose(0, 3, 1, 2)]");
    expect(r.code).toContain('named = {"v": v.transpose(0, 3, 1, 2), "w": (v + 1).transpose(0, 3, 1, 2)}');
  });

  it("match torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});

// SwinIR: `self.mean = torch.Tensor(rgb_mean).view(1, 3, 1, 1)` (no buffer), added to a conv's output. Read as an
// unknown value, it met the channels-last output as it was: (1, H, W, 3) + (1, 3, 1, 1), an error at run time, or
// wrong numbers where H is 3. A tensor a torch op made in __init__ is a tensor in torch's layout.
const meanSrc = `import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.mean = torch.Tensor((0.1, 0.2, 0.3)).view(1, 3, 1, 1)
        self.scale = torch.ones(1, 3, 1, 1) * 2
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        self.mean = self.mean.type_as(x)
        x = (x - self.mean) * 2.0
        x = self.conv(x)
        return x / 2.0 * self.scale + self.mean
`;

describe("a tensor attribute a torch op made in __init__", () => {
  const r = compile(meanSrc, { filename: "mean.py" });

  it("meets a channels-last value in torch's layout", () => {
    expect(r.code).toContain("return (x / 2.0).transpose(0, 3, 1, 2) * self._scale + self._mean");
  });

  it("matches torch where H is the channel count too", () => {
    expect(portDifference(meanSrc, r.code, r.weightMaps.Net, [1, 3, 3, 5])).toBeLessThan(1e-4);
  });
});
