/**
 * A Sequential built in a loop from modules that disagree on layout (a conv, channels-last, beside a module whose
 * forward reshapes, torch's layout): no one layout suits every item, so the call is flagged (C2M-W022), never
 * translated silently.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const MIXED = `
import torch
from torch import nn


class Shuffle(nn.Module):
    def forward(self, x):
        b, c, h, w = x.shape
        return x.reshape(b, 2, c // 2, h, w).transpose(1, 2).reshape(b, c, h, w)


class Net(nn.Module):
    def __init__(self, c=4, n=2):
        super().__init__()
        layers = []
        for i in range(n):
            layers.append(nn.Conv2d(c, c, 1))
            layers.append(Shuffle())
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)
`;

describe("a Sequential whose items disagree on layout", () => {
  it("is flagged C2M-W022 at the call, with a marker in the output", () => {
    const r = compile(MIXED, { filename: "mixed.py" });
    expect(r.diagnostics.filter((d) => d.code === "C2M-W022").map((d) => [d.line, d.col])).toEqual([[22, 16]]); // the leading newline of MIXED is line 1
    expect(r.code).toContain("return self.body(x.transpose(0, 3, 1, 2))  # c2m: C2M-W022");
  });

  it("items that agree are not flagged", () => {
    const r = compile(MIXED.replace("layers.append(Shuffle())", "layers.append(nn.ReLU())"), { filename: "agree.py" });
    expect(r.diagnostics.filter((d) => d.code === "C2M-W022")).toEqual([]);
  });
});
