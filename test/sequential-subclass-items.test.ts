/**
 * A subclass of nn.Sequential with no __init__ of its own (openai/guided-diffusion's TimestepEmbedSequential) is built
 * by nn.Sequential's: each construction's positional arguments are its items, so torch names its children `0`, `1`, …
 * and MLX's Sequential holds them in `layers`. Its forward iterates `self` with an extra argument; the model keeps its
 * blocks in a ModuleList grown by `.append` in loops. The weight map renames each block's items, and the port matches
 * torch.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SRC = `import torch
import torch.nn as nn


class TimestepBlock(nn.Module):
    def forward(self, x, emb):
        raise NotImplementedError


class TimestepEmbedSequential(nn.Sequential, TimestepBlock):
    def forward(self, x, emb):
        for layer in self:
            if isinstance(layer, TimestepBlock):
                x = layer(x, emb)
            else:
                x = layer(x)
        return x


class ResBlock(TimestepBlock):
    def __init__(self, ch, emb_ch):
        super().__init__()
        self.norm = nn.GroupNorm(2, ch)
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)
        self.emb = nn.Linear(emb_ch, ch)

    def forward(self, x, emb):
        h = self.conv(torch.relu(self.norm(x)))
        return x + h + self.emb(emb)[:, :, None, None]


class Net(nn.Module):
    def __init__(self, ch=4, emb_ch=6, levels=2):
        super().__init__()
        self.time = nn.Linear(3, emb_ch)
        self.input_blocks = nn.ModuleList([TimestepEmbedSequential(nn.Conv2d(3, ch, 3, padding=1))])
        for level in range(levels):
            layers = [ResBlock(ch, emb_ch)]
            if level % 2 == 0:
                layers.append(nn.Conv2d(ch, ch, 1))
            self.input_blocks.append(TimestepEmbedSequential(*layers))
        self.middle = TimestepEmbedSequential(ResBlock(ch, emb_ch), nn.BatchNorm2d(ch), ResBlock(ch, emb_ch))
        self.out = nn.Conv2d(ch, 3, 1)

    def forward(self, x):
        emb = self.time(x.mean(dim=(2, 3)))
        for block in self.input_blocks:
            x = block(x, emb)
        return self.out(self.middle(x, emb))
`;

describe("an nn.Sequential subclass built by nn.Sequential's __init__", () => {
  const r = compile(SRC, { filename: "m.py" });

  it("iterates its items and maps each block's children to layers.N", () => {
    expect(r.code).toContain("for layer in self.layers:");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const renames = r.weightMaps.Net.filter((w) => w.op === "identity").map((w) => [w.torch, w.mlx]);
    expect(renames).toContainEqual(["input_blocks.#.#.**", "input_blocks.#.layers.#.**"]);
    expect(renames).toContainEqual(["middle.#.**", "middle.layers.#.**"]);
  });

  it("matches torch", () => {
    expect(portDifference(SRC, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
