/**
 * An attribute that holds a module on one branch and a plain function on the other (torchvision's RAFT:
 * `self.convgru2 = ConvGRU(…)` or `_pass_through_h`, by the kernel sizes): the module tree keeps "may be a plain
 * function" in the union (passes/module-values.ts), so the walker routes the call at run time (c2m_sequential) rather
 * than reading the ConvGRU's channels-last result where the function returned its argument in torch's layout. Built
 * both ways and checked against torch.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SRC = `import torch
import torch.nn as nn


class ConvGRU(nn.Module):
    def __init__(self, *, input_size, hidden_size, kernel_size, padding):
        super().__init__()
        self.convz = nn.Conv2d(hidden_size + input_size, hidden_size, kernel_size=kernel_size, padding=padding)
        self.convq = nn.Conv2d(hidden_size + input_size, hidden_size, kernel_size=kernel_size, padding=padding)

    def forward(self, h, x):
        hx = torch.cat([h, x], dim=1)
        z = torch.sigmoid(self.convz(hx))
        q = torch.tanh(self.convq(hx))
        return (1 - z) * h + z * q


def _pass_through_h(h, _):
    return h


class RecurrentBlock(nn.Module):
    def __init__(self, *, input_size, hidden_size, kernel_size=((1, 5), (5, 1)), padding=((0, 2), (2, 0))):
        super().__init__()
        self.convgru1 = ConvGRU(input_size=input_size, hidden_size=hidden_size, kernel_size=kernel_size[0], padding=padding[0])
        if len(kernel_size) == 2:
            self.convgru2 = ConvGRU(input_size=input_size, hidden_size=hidden_size, kernel_size=kernel_size[1], padding=padding[1])
        else:
            self.convgru2 = _pass_through_h

    def forward(self, h, x):
        h = self.convgru1(h, x)
        h = self.convgru2(h, x)
        return h


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.small = RecurrentBlock(input_size=4, hidden_size=4, kernel_size=(3,), padding=(1,))
        self.large = RecurrentBlock(input_size=4, hidden_size=4)

    def forward(self, x):
        x = self.stem(x)
        return self.large(self.small(torch.tanh(x), x), x)
`;

describe("an attribute holding a module or a plain function", () => {
  const r = compile(SRC, { filename: "m.py" });

  it("is called through the run-time router, without a W007", () => {
    expect(r.code).toContain("h = c2m_sequential(self.convgru2, h, True, False, x)");
    expect(r.diagnostics.filter((d) => d.severity === "error" || d.code === "C2M-W007")).toEqual([]);
  });

  it("matches torch with the module on one instance and the function on the other", () => {
    expect(portDifference(SRC, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
