/**
 * A channels-last layer of several ranks (GroupNorm) on a value of unknown rank takes its row's default rank (4),
 * a guess (passes/any-rank-layers.ts). diffusers' TemporalResnetBlock applies a GroupNorm to its input, then a
 * Conv3d: the guess met a use needing rank 5 and the port transposed a 5-d tensor with 4 axes
 * (`[transpose] Received 4 axes for array with 5 dimensions`). A guess a later use contradicts is retracted: the
 * layer runs at any rank through c2m_any_rank. A permute keeps its input's rank, which its axes count
 * (passes/logical-ranks.ts). A conflict no guess explains is C2M-E034, not a transpose of the wrong length.
 * Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const temporal = `import torch
from torch import nn


class Temporal(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm1 = nn.GroupNorm(2, c)
        self.conv1 = nn.Conv3d(c, c, (3, 1, 1), padding=(1, 0, 0))
        self.proj = nn.Linear(c, c)

    def forward(self, input_tensor: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.norm1(input_tensor)
        h = self.conv1(h)
        temb = self.proj(temb)[:, :, :, None, None]
        h = h + temb.permute(0, 2, 1, 3, 4)
        return input_tensor + h


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.spatial = nn.Conv2d(3, 4, 3, padding=1)
        self.temporal = Temporal(4)

    def forward(self, x):
        num_frames = 2
        h = self.spatial(x)
        batch_frames, channels, height, width = h.shape
        batch_size = batch_frames // num_frames
        mix = h[None, :].reshape(batch_size, num_frames, channels, height, width).permute(0, 2, 1, 3, 4)
        h = h[None, :].reshape(batch_size, num_frames, channels, height, width).permute(0, 2, 1, 3, 4)
        temb = h.mean(dim=(3, 4)).permute(0, 2, 1)
        h = self.temporal(h, temb)
        h = 0.5 * h + 0.5 * mix
        return h.permute(0, 2, 1, 3, 4).reshape(batch_frames, channels, height, width)
`;

// a block whose forward took its input for 4-d (a GroupNorm guess nothing in it contradicts), given a 5-d tensor
const conflict = `import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.GroupNorm(2, c)

    def forward(self, x):
        return self.norm(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(4)

    def forward(self, x):
        h = x.reshape(1, 2, 4, 8, 8).permute(0, 2, 1, 3, 4)
        return self.block(h)
`;

// timm's Twins: a token sequence reshaped to an image by a starred size, then a Conv2d (the size's length is not the call's)
const starredSize = `import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, dim=4):
        super().__init__()
        self.sr = nn.Conv2d(dim, dim, kernel_size=2, stride=2)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        size = (8, 8)
        B, N, C = x.shape
        x = x.permute(0, 2, 1).reshape(B, C, *size)
        x = self.sr(x).reshape(B, C, -1).permute(0, 2, 1)
        return self.norm(x)
`;

describe("a layer's rank guess for an input of unknown rank", () => {
  it("is retracted where a later use needs another rank: the layer runs at any rank, and the port matches torch", () => {
    const r = compile(temporal, { filename: "temporal.py" });
    expect(r.code).toContain("h = c2m_any_rank(self.norm1, input_tensor)");
    expect(r.code).not.toMatch(/transpose\(0, 1, 2, -1, 3\)/);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(portDifference(temporal, r.code, r.weightMaps.Net, [4, 3, 8, 8])).toBeLessThan(1e-4);
  });

  it("is C2M-E034 at the use where no guess of the walk explains the conflict", () => {
    const r = compile(conflict, { filename: "conflict.py" });
    const e034 = r.diagnostics.filter((d) => d.code === "C2M-E034");
    expect(e034.map((d) => d.line)).toEqual([21]);
    expect(r.code).toContain("# c2m: C2M-E034");
  });

  it("takes no rank from a reshape to a starred size: the conv's input is converted at its own rank, and the port matches torch", () => {
    const r = compile(starredSize, { filename: "starred.py" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(portDifference(starredSize, r.code, r.weightMaps.Net, [2, 64, 4])).toBeLessThan(1e-4);
  });
});
