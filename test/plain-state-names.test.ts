/**
 * Plain state keeps torch's meaning in the port:
 * - a list of plain tensors on self (torchvision's RAFT: `self.corr_pyramid: list[Tensor] = [torch.tensor(0)]`,
 *   rebuilt in a method) is no parameter in torch; MLX would make every array of a public list one, and the strict
 *   load then missed `corr_pyramid.0`: it is private (passes/init-statements.ts);
 * - an attribute a method resets (timm's classifier heads: `reset()` sets `self.num_features`) is private run-time
 *   state with a property under torch's name (passes/runtime-state.ts, emit/buffer-aliases.ts): another class,
 *   another file or a base class's __init__ reads and sets it by that name (`self.head.num_features`).
 * Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn, Tensor


class CorrBlock(nn.Module):
    def __init__(self, num_levels: int = 2):
        super().__init__()
        self.num_levels = num_levels
        self.corr_pyramid: list[Tensor] = [torch.tensor(0)]
        self.proj = nn.Linear(4, 4)

    def build_pyramid(self, x):
        self.corr_pyramid = [x]
        for _ in range(self.num_levels - 1):
            x = x * 0.5
            self.corr_pyramid.append(x)

    def forward(self, x):
        self.build_pyramid(x)
        out = 0
        for c in self.corr_pyramid:
            out = out + self.proj(c)
        return out


class Head(nn.Module):
    def __init__(self, in_features: int):
        super().__init__()
        self.num_features = in_features
        self.fc = nn.Linear(in_features, 3)

    def reset(self, in_features: int):
        self.num_features = in_features * 1


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.corr = CorrBlock()
        self.head = Head(4)
        self.width = self.head.num_features

    def forward(self, x):
        return self.head.fc(self.corr(x)) * self.width
`;

describe("plain state on self", () => {
  const r = compile(src, { filename: "plain_state_names.py" });

  it("keeps a list of plain tensors private", () => {
    expect(r.code).toContain("self._corr_pyramid = [x]");
    expect(r.code).toContain('num_features = property(lambda self: self._num_features, lambda self, value: setattr(self, "_num_features", value))');
  });

  it("matches torch, its weights loaded strictly", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 4])).toBeLessThan(1e-4);
  });
});
