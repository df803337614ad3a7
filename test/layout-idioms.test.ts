/**
 * Three ways a channels-last tensor reached code that reads torch's order (vit-pytorch's CCT, MobileViT and CvT
 * ran after a clean compile and crashed or gave wrong numbers):
 * - `self.forward(x)` from another method is `self(x)`: the argument goes in the layout the class's forward takes
 *   (CCT's Tokenizer measures its output on torch.zeros(1, C, H, W) while its forward takes channels-last);
 * - `for conv, attn in self.trunk` over a ModuleList of ModuleLists: each target holds item i of each element, so
 *   it is called as that module (MobileViT), and a target c2m cannot take apart is reported (C2M-W045);
 * - `q, k, v = (self.to_q(x), *self.to_kv(x).chunk(2, dim=1))`: the splat fills the targets with its element, and a
 *   tuple of tensors given to a function c2m does not see (`map(lambda t: …, (q, k, v))`) goes in torch's layout (CvT).
 * Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
import torch.nn as nn


class Tok(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)

    def seq_len(self, c=3, h=8, w=8):
        return self.forward(torch.zeros((1, c, h, w))).shape[1]

    def forward(self, x):
        return self.conv(x)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.to_q = nn.Conv2d(c, c, 1)
        self.to_kv = nn.Conv2d(c, 2 * c, 1)

    def forward(self, x):
        q, k, v = (self.to_q(x), *self.to_kv(x).chunk(2, dim=1))
        q, k, v = map(lambda t: t.flatten(2), (q, k, v))
        attn = (q.transpose(1, 2) @ k).softmax(dim=-1)
        return (v @ attn.transpose(1, 2)).reshape(q.shape[0], q.shape[1], 4, 4) + x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = Tok()
        self.n = self.tok.seq_len()
        self.trunk = nn.ModuleList([nn.ModuleList([nn.Conv2d(8, 8, 3, padding=1), Block(8)]) for _ in range(2)])

    def forward(self, x):
        x = self.tok(x)
        for conv, block in self.trunk:
            x = conv(x)
            x = block(x)
        return x * self.n
`;

describe("channels-last tensors reaching torch-order code", () => {
  const r = compile(src, { filename: "idioms.py" });

  it("converts where torch's order is read, with no diagnostic", () => {
    expect(r.diagnostics.map((d) => d.code)).toEqual([]);
    // the conv's output is channels-last: torch's axis 1 is the last
    expect(r.code).toContain("return self(mx.zeros((1, c, h, w)).transpose(0, 2, 3, 1)).shape[3]");
    expect(r.code).toContain("(q.transpose(0, 3, 1, 2), k.transpose(0, 3, 1, 2), v.transpose(0, 3, 1, 2))");
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 3, 8, 8])).toBeLessThan(1e-4);
  });

  it("reports a target unpacked from elements c2m cannot take apart, at its call", () => {
    const odd = src.replace(
      "nn.ModuleList([nn.Conv2d(8, 8, 3, padding=1), Block(8)]) for _ in range(2)",
      "nn.ModuleList([nn.Conv2d(8, 8, 3, padding=1), Block(8)][: 1 + i]) for i in range(2)",
    );
    const d = compile(odd, { filename: "odd.py" }).diagnostics;
    expect(d.map((x) => x.code)).toContain("C2M-W045");
  });
});
