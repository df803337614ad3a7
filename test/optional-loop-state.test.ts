/**
 * A tensor that is None on some path (`state = None` before a loop that sets it, as transformers' GLPN decoder carries
 * the previous stage's output): where a use needs it in another layout, the conversion keeps None as None
 * (passes/walk/control-flow.ts join, passes/walk/layout-conversion.ts convert). It met `None.transpose`. Checked
 * against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
import torch.nn as nn


class Stage(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x, residual=None):
        x = self.conv(x)
        if residual is not None:
            x = x + residual
        return x


class Net(nn.Module):
    def __init__(self, c=3):
        super().__init__()
        self.stages = nn.ModuleList([Stage(c) for _ in range(3)])

    def forward(self, x):
        xs = [x, x * 2, x + 1]
        outs = []
        state = None
        for h, stage in zip(xs, self.stages):
            state = stage(h, state)
            outs.append(state)
        return outs[-1] + outs[0]
`;

describe("a loop-carried tensor that starts as None", () => {
  const r = compile(src, { filename: "optional_state.py" });

  it("is converted only when it is a tensor", () => {
    expect(r.code).not.toMatch(/[^(]state\.transpose\(/);
    expect(r.code).toContain("if state is not None else None)");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 8, 8])).toBeLessThan(1e-4);
  });
});
