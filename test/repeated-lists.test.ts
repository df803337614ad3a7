/**
 * `[x] * n` in a constructor (timm's MetaNeXt: `token_mixers = [token_mixers] * num_stage`, then
 * `token_mixer=token_mixers[i]`): a list of copies of x, so an item read back is x — its layer's weights get their rules.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SRC = `import torch
from torch import nn


class DW(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dw = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)

    def forward(self, x):
        return self.dw(x)


class Block(nn.Module):
    def __init__(self, dim, token_mixer=DW):
        super().__init__()
        self.token_mixer = token_mixer(dim)
        self.norm = nn.BatchNorm2d(dim)

    def forward(self, x):
        return self.norm(self.token_mixer(x)) + x


class Net(nn.Module):
    def __init__(self, dims=(4, 4), token_mixers=DW):
        super().__init__()
        if not isinstance(token_mixers, (list, tuple)):
            token_mixers = [token_mixers] * len(dims)
        self.stem = nn.Conv2d(3, 4, 1)
        self.blocks = nn.Sequential(*[Block(dims[i], token_mixer=token_mixers[i]) for i in range(len(dims))])

    def forward(self, x):
        return self.blocks(self.stem(x)).mean((2, 3))
`;

describe("a list repeated in a constructor", () => {
  const r = compile(SRC, { filename: "m.py" });

  it("holds its item: the block built from it maps its conv's weights", () => {
    expect(r.weightMaps.Net).toContainEqual({ torch: "blocks.#.token_mixer.dw.weight", mlx: "blocks.layers.#.token_mixer.dw.weight", op: "conv" });
  });

  it("the port loads the weights and agrees with torch", () => {
    expect(portDifference(SRC, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
