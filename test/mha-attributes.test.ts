/**
 * torch.nn.MultiheadAttention's attributes on the port's helper (cookbook/helpers/MultiheadAttention.py): CLIP's
 * initialize_parameters writes the packed projection, `nn.init.normal_(block.attn.in_proj_weight, std=...)`, and
 * code reads `attn.embed_dim`, `attn.in_proj_weight.shape`; the helper holds three Linears, so the packed names are
 * read and assigned through them. The port constructs, matches torch, and keeps torch's parameters.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SOURCE = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, width=8, heads=2):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln = nn.LayerNorm(width)
        std = self.attn.embed_dim ** -0.5
        nn.init.normal_(self.attn.in_proj_weight, std=std)
        nn.init.zeros_(self.attn.in_proj_bias)
        self.rows = self.attn.in_proj_weight.shape[0]

    def forward(self, x):
        y = self.attn(x, x, x, need_weights=False)[0]
        return self.ln(x + y) * (self.rows // 3)
`;

describe("torch's MultiheadAttention attributes on the port", () => {
  it("in_proj_weight / in_proj_bias are read and assigned through the three projections; the port matches torch", () => {
    const r = compile(SOURCE, { filename: "m.py" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain("self.attn.in_proj_weight = ");
    // (L, N, E): torch's default sequence-first layout
    expect(portDifference(SOURCE, r.code, r.weightMaps.Net, [5, 2, 8])).toBeLessThan(1e-4);
  });
});
