/**
 * F.linear's bias may be None at run time (timm's Linear subclass: `F.linear(input, self.weight, self.bias)` of a layer
 * built with bias=False; CSATv2's DCT layer sets `self.bias = None`): ops_linear adds it only where it is there.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SRC = `import torch
from torch import nn
import torch.nn.functional as F


class Linear(nn.Linear):
    def forward(self, input):
        return F.linear(input, self.weight, self.bias)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Linear(4, 4, bias=False)
        self.b = Linear(4, 3)

    def forward(self, x):
        return self.b(self.a(x)) + F.linear(x, self.a.weight).sum()
`;

describe("F.linear with a bias that may be None", () => {
  const r = compile(SRC, { filename: "m.py" });

  it("goes through ops_linear", () => {
    expect(r.code).toContain("return ops_linear(input, self.weight, self.bias)");
  });

  it("agrees with torch with and without a bias", () => {
    expect(portDifference(SRC, r.code, r.weightMaps.Net, [2, 4])).toBeLessThan(1e-5);
  });
});
