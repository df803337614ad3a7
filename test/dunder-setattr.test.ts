/**
 * `self.__setattr__(name, module)` in a constructor (pytorch-cifar's DLA stores its subtrees so) is
 * `setattr(self, name, module)`: the child is in the module tree under its name, its weights in the map. It was
 * not seen at all: the map had no rule for the child (its conv weights went unconverted) and no diagnostic.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SOURCE = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        for i in range(2):
            self.__setattr__(f"block{i}", nn.Conv2d(3, 3, 3, padding=1))
        self.__setattr__("head", nn.Linear(3, 4))

    def forward(self, x):
        x = self.block1(self.block0(x))
        return self.head(x.mean((2, 3)))
`;

describe("self.__setattr__ in a constructor", () => {
  it("stores the child under its name: its weights are mapped and the port matches torch", () => {
    const r = compile(SOURCE, { filename: "m.py" });
    expect(r.diagnostics).toEqual([]);
    expect(r.weightMaps.Net).toEqual([
      { torch: "block0.weight", mlx: "block0.weight", op: "conv" },
      { torch: "block1.weight", mlx: "block1.weight", op: "conv" },
    ]);
    expect(portDifference(SOURCE, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
