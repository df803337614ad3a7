/**
 * `self.register_parameter(name, nn.Parameter(t))` (diffusers' AlphaBlender keeps its learned mix factor so; timm's
 * CondConv2d, RmsNorm...) is `setattr(self, name, t)`: MLX's Module makes a public array attribute a parameter. It
 * was left as a call of a method MLX's Module lacks (C2M-E025) and raised on build. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, alpha=0.3, learned=True):
        super().__init__()
        self.proj = nn.Linear(3, 3)
        if learned:
            self.register_parameter("mix_factor", torch.nn.Parameter(torch.Tensor([alpha])))
        else:
            self.register_buffer("mix_factor", torch.Tensor([alpha]))
        self.register_parameter("unused", None)

    def forward(self, x):
        a = torch.sigmoid(self.mix_factor)
        return a * x + (1 - a) * self.proj(x)
`;

describe("register_parameter", () => {
  const r = compile(src, { filename: "register_parameter.py" });

  it("is setattr on the module", () => {
    expect(r.code).toContain('setattr(self, "mix_factor", ');
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("matches torch, the parameter loaded", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 3])).toBeLessThan(1e-4);
  });
});
