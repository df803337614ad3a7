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
