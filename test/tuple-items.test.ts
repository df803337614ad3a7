/**
 * An item of tuples appended in a loop, read back by position: timm's DaVitStage appends `('spatial_block',
 * SpatialBlock(…))` or `('channel_block', ChannelBlock(…))` per branch and builds `nn.Sequential(*[b[1] for b in
 * dual_attention_block])`. The list's element is one of two tuples (a union); `b[1]` of it is the module of either
 * (passes/module-values.ts itemAt). It was a plain value, so the weight map held only catch-all identity rules: the
 * blocks' conv weights loaded in torch's layout, with no diagnostic. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)

    def forward(self, x):
        return x + self.conv(x)


class Wide(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Conv2d(dim, dim, 1)

    def forward(self, x):
        return self.proj(x).relu()


class Net(nn.Module):
    def __init__(self, dim=4, depth=2):
        super().__init__()
        blocks = []
        for i in range(depth):
            pairs = []
            for kind in ("a", "b"):
                if kind == "a":
                    pairs.append(("first", Block(dim)))
                else:
                    pairs.append(("second", Wide(dim)))
            blocks.append(nn.Sequential(*[p[1] for p in pairs]))
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Conv2d(dim, 2, 1)

    def forward(self, x):
        return self.head(self.blocks(x))
`;

describe("a module read back from tuples appended in a loop", () => {
  const r = compile(src, { filename: "tuple_items.py" });

  it("is followed: its convolutions' weights get their layout rules", () => {
    const rules = r.weightMaps.Net.map((w) => `${w.torch} ${w.op}`);
    expect(rules).toContain("blocks.#.#.conv.weight conv");
    expect(rules).toContain("blocks.#.#.proj.weight conv");
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 4, 6, 6])).toBeLessThan(1e-4);
  });
});
