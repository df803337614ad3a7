/**
 * A parameter merely presumed a tensor stays presumed through nested ifs (passes/walk/control-flow.ts join): an init
 * function's `module` is maybe a layer, so `module.bias is not None` asks the layer (`"bias" in module`: an MLX layer
 * built with bias=False has no bias at all). transformers' Hubert _init_weights nests an if in the isinstance
 * branch; the joined value lost `assumed`, the test stayed `module.bias`, and construction raised AttributeError.
 * Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn
from torch.nn import init


def zero3_enabled():
    return False


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv1d(4, 4, 3, padding=1, bias=False)
        self.b = nn.Conv1d(4, 4, 3, padding=1)
        for m in [self.a, self.b]:
            self._init_weights(m)

    def _init_weights(self, module):
        if isinstance(module, nn.Conv1d):
            if zero3_enabled():
                if hasattr(module, "weight_v"):
                    init.kaiming_normal_(module.weight)
            else:
                init.kaiming_normal_(module.weight)
            if module.bias is not None:
                init.zeros_(module.bias)

    def forward(self, x):
        return self.b(self.a(x))
`;

describe("a presumed tensor through nested ifs", () => {
  const r = compile(src, { filename: "assumed_join.py" });

  it("stays presumed: the bias test asks the layer", () => {
    expect(r.code).toContain('if "bias" in module:');
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 4, 8])).toBeLessThan(1e-4);
  });
});
