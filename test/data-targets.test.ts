/**
 * `.data` on an assignment's target (ConViT's local_init: `self.pos_proj.weight.data *= self.locality_strength`): an
 * MLX array has no `.data`, so the target loses it in an augmented assignment as in a plain or item one.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const SRC = `import torch
from torch import nn


class Attn(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.pos_proj = nn.Linear(3, heads)
        self.strength = 1.5
        self.pos_proj.weight.data[0, 2] = -1
        self.pos_proj.weight.data *= self.strength
        self.pos_proj.bias.data += 0.5

    def forward(self, x):
        return self.pos_proj(x)
`;

describe(".data on an assignment target", () => {
  const code = compile(SRC, { filename: "attn.py" }).code;

  it("is dropped in augmented assignments", () => {
    expect(code).toContain("self.pos_proj.weight *= self.strength");
    expect(code).toContain("self.pos_proj.bias += 0.5");
    expect(code).not.toContain(".data");
  });

  it("and in item assignments", () => {
    expect(code).toContain("self.pos_proj.weight[0, 2] = -1");
  });
});
