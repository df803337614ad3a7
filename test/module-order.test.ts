/**
 * torch's Module.modules() and named_modules() visit the tree depth first, children in the order they were added;
 * MLX's modules() pops a stack and visits them last to first. PyTorch-GAN's MUNIT decoder hands out its AdaIN
 * parameters by position (`for m in self.modules(): if m.__class__.__name__ == "AdaptiveInstanceNorm2d": ...`), so
 * in MLX's order every norm got another's weight and bias, silently. Both methods go through helpers that keep
 * torch's order and names (passes/tables/index.ts MODULE_METHODS). Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn
import torch.nn.functional as F


class AdaNorm(nn.Module):
    def __init__(self, num_features):
        super().__init__()
        self.num_features = num_features
        self.weight = None
        self.bias = None

    def forward(self, x):
        return F.layer_norm(x, (self.num_features,)) * self.weight + self.bias


class Net(nn.Module):
    def __init__(self, dims=(2, 3, 4)):
        super().__init__()
        self.body = nn.Sequential(*[nn.Sequential(nn.Linear(4, d), AdaNorm(d), nn.Linear(d, 4)) for d in dims])
        self.mlp = nn.Linear(4, 2 * sum(dims))

    def assign(self, params):
        for m in self.modules():
            if m.__class__.__name__ == "AdaNorm":
                m.bias = params[:, : m.num_features]
                m.weight = params[:, m.num_features : 2 * m.num_features]
                params = params[:, 2 * m.num_features :]

    def forward(self, x):
        self.assign(self.mlp(x))
        names = [n for n, m in self.named_modules(prefix="net") if isinstance(m, nn.Linear)]
        return self.body(x) * len(names)
`;

describe("modules() and named_modules()", () => {
  const r = compile(src, { filename: "order.py" });

  it("go through helpers that keep torch's order", () => {
    expect(r.code).toContain("for m in c2m_modules(self):");
    expect(r.code).toContain('c2m_named_modules(self, prefix="net")');
  });

  it("match torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [3, 4])).toBeLessThan(1e-4);
  });
});
