/**
 * A subclass of a torch layer that overrides forward and calls the layer through `super().forward(x)`
 * (guided-diffusion's GroupNorm32 casts to float32 around it): the layer's call takes its own layout (MLX's GroupNorm
 * reads channels-last), so the argument is converted there; its callers give it several ranks (guided-diffusion
 * normalizes (N, C, H, W) in ResBlock and (N, C, L) in AttentionBlock), so the channel axis moves at the rank the value
 * has at run time. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SRC = `import torch
import torch.nn as nn


class GroupNorm32(nn.GroupNorm):
    def forward(self, x):
        return super().forward(x.float()).type(x.dtype)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.norm = GroupNorm32(2, 4)
        self.seq = nn.Sequential(GroupNorm32(2, 4), nn.SiLU(), nn.Conv2d(4, 4, 1))
        self.head = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x):
        h = self.seq(self.norm(self.conv(x)))
        return self.head(self.norm(h.flatten(2)).flatten(1))
`;

describe("super().forward(x) in a torch layer's subclass", () => {
  const r = compile(SRC, { filename: "m.py" });

  it("gives the layer its input in the layout it takes", () => {
    expect(r.code).toContain("c2m_any_rank(super().forward, x.astype(mx.float32))");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("matches torch", () => {
    expect(portDifference(SRC, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
