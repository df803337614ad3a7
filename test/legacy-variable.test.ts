/**
 * PointNet's STN (yanx27/Pointnet_Pointnet2_pytorch) builds its identity with torch's pre-0.4 idiom:
 * `Variable(torch.from_numpy(np.eye(k).flatten().astype(np.float32)))`. A Variable is its tensor since torch 0.4
 * (passes/tables/ops-shape.ts), and `.flatten()` / `.astype()` on a numpy function's result are numpy's own methods,
 * not tensor methods (passes/walk/calls.ts): left as written, no C2M-W002. Checked against torch.
 */
import { portDifference } from "./python-run.js";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const src = `import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable


class Net(nn.Module):
    def __init__(self, k=3):
        super().__init__()
        self.k = k
        self.conv = nn.Conv2d(3, k * k, 1)

    def forward(self, x):
        b = x.size(0)
        y = torch.max(self.conv(x).flatten(2), 2)[0]
        iden = Variable(torch.from_numpy(np.eye(self.k).flatten().astype(np.float32))).view(1, self.k * self.k).repeat(b, 1)
        first = Variable(torch.from_numpy(np.array([1, 0, 0, 0, 1, 0, 0, 0, 1]).astype(np.float32))).view(1, 9).repeat(b, 1)
        if x.is_cuda:
            iden = iden.cuda()
        return (y + iden + first).view(-1, self.k, self.k)
`;

describe("torch.autograd.Variable and numpy values", () => {
  const r = compile(src, { filename: "stn.py" });

  it("translate without a diagnostic", () => {
    expect(r.diagnostics.map((d) => d.code)).toEqual([]);
    expect(r.code).toContain("mx.array(np.eye(self.k).flatten().astype(np.float32))");
  });

  it("match torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 3, 4, 4])).toBeLessThan(1e-4);
  });
});
