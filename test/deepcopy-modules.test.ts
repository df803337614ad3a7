/**
 * `copy.deepcopy` of a module that holds an activation function (DETR's _get_clones over layers keeping
 * `self.activation = F.relu`): MLX's nn.relu, nn.gelu… are compiled functions that cannot be pickled, so the port
 * crashed while building after a clean compile. The call goes through c2m_deepcopy (passes/tables/stdlib-calls.ts),
 * which shares them as copy shares plain functions. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import copy
from copy import deepcopy
import torch.nn as nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.linear = nn.Linear(d, d)
        self.activation = F.relu
        self.acts = {"gelu": F.gelu}

    def forward(self, x):
        return self.acts["gelu"](self.activation(self.linear(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layer = Layer(8)
        self.layers = nn.ModuleList([copy.deepcopy(layer) for _ in range(2)])
        self.last = deepcopy(layer)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.last(x)
`;

describe("copy.deepcopy of a module holding MLX's activations", () => {
  const r = compile(src, { filename: "clones.py" });

  it("goes through c2m_deepcopy, with no diagnostic", () => {
    expect(r.diagnostics.map((d) => d.code)).toEqual([]);
    expect(r.code).toContain("[c2m_deepcopy(layer) for _ in range(2)]");
    expect(r.code).toContain("self.last = c2m_deepcopy(layer)");
  });

  it("builds and matches torch (each clone its own weights)", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 8])).toBeLessThan(1e-4);
  });
});
