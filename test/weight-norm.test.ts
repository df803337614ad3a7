/**
 * torch.nn.utils.weight_norm and torch.nn.utils.parametrizations.weight_norm (wav2vec2's positional conv): the layer
 * keeps g and v under torch's names and computes its weight from them at each call (cookbook/helpers/c2m_weight_norm.py);
 * the weight map gives g and v the layer's weight rule (a conv's OHWI move, g's shape with it: passes/weight-norm.ts).
 * Checked against torch for a conv normalized along its kernel axis (dim=2) and its outputs (dim=0), and a Linear.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SRC = `import warnings

import torch
import torch.nn as nn

# torch warns that weight_norm is deprecated (the test's Python must write nothing to stderr)
warnings.filterwarnings("ignore", category=FutureWarning)


class Net(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.pos = nn.Conv1d(c, c, kernel_size=5, padding=2, groups=2)
        self.pos = nn.utils.parametrizations.weight_norm(self.pos, name="weight", dim=2)
        self.conv = nn.utils.weight_norm(nn.Conv1d(c, c, 3, padding=1))
        self.fc = nn.utils.parametrizations.weight_norm(nn.Linear(c, 3))

    def forward(self, x):
        x = torch.relu(self.conv(self.pos(x)))
        return self.fc(x.transpose(1, 2))
`;

describe("weight normalization", () => {
  const r = compile(SRC, { filename: "m.py" });

  it("keeps g and v under torch's names, converted as the layer's weight", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain('self.pos = c2m_weight_norm(True)(self.pos, name="weight", dim=2)');
    expect(r.weightMaps.Net).toContainEqual({ torch: "pos.parametrizations.weight.original0", mlx: "pos.parametrizations.weight.original0", op: "conv" });
    expect(r.weightMaps.Net).toContainEqual({ torch: "conv.weight_v", mlx: "conv.weight_v", op: "conv" });
  });

  it("matches torch", () => {
    expect(portDifference(SRC, r.code, r.weightMaps.Net, [2, 8, 7])).toBeLessThan(1e-4);
  });
});
