/**
 * The join after an `if` without `else` (pytorch-cifar's EfficientNet block: `if self.has_skip: [if training:
 * out = drop_connect(out)] out = out + x`): the fall-through carries the value as it was before the `if`, with no
 * exit to convert at. Where that value's layout was decided already, it decides the joined layout; the join used to
 * prefer the other branch's channels-last, converting only that branch, so the fall-through (has_skip False) came
 * out in the wrong layout: silently wrong (a crash in EfficientNet, wrong numbers where the shapes allow).
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const source = (skip: boolean) => `import torch
import torch.nn as nn


def drop_connect(x, drop_ratio):
    keep_ratio = 1.0 - drop_ratio
    mask = torch.empty([x.shape[0], 1, 1, 1], dtype=x.dtype, device=x.device)
    mask.bernoulli_(keep_ratio)
    x.div_(keep_ratio)
    x.mul_(mask)
    return x


class Net(nn.Module):
    def __init__(self, skip=${skip ? "True" : "False"}):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.has_skip = skip
        self.drop_rate = 0.1
        self.head = nn.Conv2d(3, 5, 1)

    def forward(self, x):
        out = self.conv(x)
        if self.has_skip:
            if self.training and self.drop_rate > 0:
                out = drop_connect(out, self.drop_rate)
            out = out + x
        return self.head(out)
`;

describe("the join after an if without else", () => {
  for (const skip of [true, false]) {
    it(`has_skip=${skip}: the port matches torch`, () => {
      const src = source(skip);
      const r = compile(src, { filename: "m.py" });
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      // a non-square input: a value in the wrong layout cannot pass for the right one
      expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 6, 10])).toBeLessThan(1e-4);
    });
  }
});
