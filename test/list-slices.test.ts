/**
 * A slice of a tuple or list of tensors is a tuple still, not one of its tensors (passes/walk/operators.ts subscript):
 * diffusers' UNet keeps `down_block_res_samples += res_samples` and takes `down_block_res_samples[-n:]` per up block;
 * typed as a tensor, the slice was transposed (`'tuple' object has no attribute 'transpose'`). Checked against torch.
 */
import { portDifference } from "./python-run.js";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(3, 4, 3, padding=1)
        self.downs = nn.ModuleList([nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)])
        self.conv_out = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        x = self.conv_in(x)
        res = (x,)
        for d in self.downs:
            x = d(x)
            res += (x,)
        for i in range(2):
            skip = res[-1:]
            res = res[:-1]
            x = x + skip[0]
        return self.conv_out(x)
`;

describe("a slice of a tuple of tensors", () => {
  const r = compile(src, { filename: "slices.py" });

  it("is a tuple: not transposed", () => {
    expect(r.code).toContain("skip = res[-1:]\n            res = res[:-1]\n            x = x + skip[0]");
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 6, 6])).toBeLessThan(1e-4);
  });
});
