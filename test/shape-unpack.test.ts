/**
 * `batch, channels, length = x.shape` tells the walker x's rank (passes/shape-unpack.ts). diffusers' SelfAttention1d
 * unpacks its (N, C, L) input, then applies nn.GroupNorm, a layer of several ranks that took rank 4 where its input's
 * rank was unknown: the parameter was decided channels-last of rank 4 and the caller transposed the 3-d tensor with
 * four axes (`x.transpose(0, 1, -1, 2)`). Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn


class SelfAttention1d(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.group_norm = nn.GroupNorm(2, num_channels=channels)
        self.query = nn.Linear(channels, channels)
        self.proj = nn.Linear(channels, channels)

    def forward(self, hidden_states):
        residual = hidden_states
        batch, channel_dim, seq = hidden_states.shape
        hidden_states = self.group_norm(hidden_states)
        hidden_states = hidden_states.transpose(1, 2)
        hidden_states = self.proj(self.query(hidden_states).relu())
        hidden_states = hidden_states.transpose(1, 2)
        return hidden_states + residual


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 4, 3, padding=1)
        self.attn = SelfAttention1d(4)
        self.out = nn.Conv1d(4, 2, 1)

    def forward(self, x):
        return self.out(self.attn(self.conv(x)))
`;

describe("a parameter whose shape is unpacked into three names", () => {
  const r = compile(src, { filename: "attention_1d.py" });

  it("has rank 3: GroupNorm takes it channels-last (N, L, C), no 4-axis transpose", () => {
    expect(r.code).toContain("batch, seq, channel_dim = hidden_states.shape");
    expect(r.code).not.toMatch(/transpose\(0, 1, -1, 2\)|transpose\(0, 1, 3, 2\)/);
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 6])).toBeLessThan(1e-4);
  });
});
