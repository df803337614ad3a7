/**
 * Two layout conversions after one line: a branch's exit (its last statement, `h = attn(h)`, gives torch's layout back)
 * and a loop's back edge after the if that ends there (latent-diffusion's Decoder: `for i_block …: h = block(h); if
 * len(attn) > 0: h = attn[i_block](h)`, its attention one of several classes chosen at run time). The if statement ends
 * where its last statement does, and both exits were keyed by that end: the back edge's conversion replaced the
 * branch's, and the branch's value went on transposed twice (a crash, or wrong numbers at square sizes, after a clean
 * compile). Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
import torch.nn as nn
from einops import rearrange


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x, temb):
        return torch.relu(self.conv(x))


class Attn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.q = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.q(x).reshape(b, c, h * w)
        return x + q.softmax(-1).reshape(b, c, h, w)


class LinAttn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.qkv = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        y = rearrange(self.qkv(x), 'b c h w -> b (h w) c')
        return rearrange(y, 'b (h w) c -> b c h w', h=h, w=w) + x


def make_attn(c, attn_type="vanilla"):
    if attn_type == "vanilla":
        return Attn(c)
    elif attn_type == "linear":
        return LinAttn(c)
    return nn.Identity(c)


class Up(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        x = torch.nn.functional.interpolate(x, scale_factor=2.0, mode="nearest")
        return self.conv(x)


class Net(nn.Module):
    def __init__(self, c=4, levels=2, attn_resolutions=(8,)):
        super().__init__()
        self.conv_in = nn.Conv2d(3, c, 3, padding=1)
        self.up = nn.ModuleList()
        res = 4
        for i in range(levels):
            block = nn.ModuleList()
            attn = nn.ModuleList()
            for j in range(2):
                block.append(Block(c))
                if res in attn_resolutions:
                    attn.append(make_attn(c))
            up = nn.Module()
            up.block = block
            up.attn = attn
            if i != levels - 1:
                up.upsample = Up(c)
                res = res * 2
            self.up.insert(0, up)
        self.levels = levels

    def forward(self, x):
        h = self.conv_in(x)
        for i_level in reversed(range(self.levels)):
            for i_block in range(2):
                h = self.up[i_level].block[i_block](h, None)
                if len(self.up[i_level].attn) > 0:
                    h = self.up[i_level].attn[i_block](h)
            if i_level != 0:
                h = self.up[i_level].upsample(h)
        return h
`;

describe("a branch exit and a loop's back edge after the same line", () => {
  const r = compile(src, { filename: "exits.py" });

  it("keeps both conversions, the branch's first", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual([]);
    const body = r.code.slice(r.code.indexOf("c2m_sequential(self.up[i_level].attn[i_block], h"));
    expect(
      body
        .split("\n")
        .slice(1, 4)
        .map((l) => l.trim()),
    ).toEqual(["h = h.transpose(0, 2, 3, 1)", "h = h.transpose(0, 3, 1, 2)", "h = h.transpose(0, 2, 3, 1)"]);
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 4, 6])).toBeLessThan(1e-4);
  });
});
