/**
 * A name holding channels-last tensors passed to a call c2m does not model (GLPN's encoder gathers its hidden states
 * in a tuple and gives it to transformers' BaseModelOutput; the decoder reads them in torch's layout): each item goes
 * in torch's layout, and the name stays None where it is None (passes/walk/calls.ts opaqueCall). Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
import torch.nn as nn
from collections import namedtuple

Output = namedtuple("Output", ["last", "hidden"])


class Net(nn.Module):
    def __init__(self, keep=True):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3, 3, 3, padding=1) for _ in range(2)])
        self.keep = keep

    def encode(self, x):
        hidden = () if self.keep else None
        for conv in self.convs:
            x = conv(x)
            if self.keep:
                hidden = hidden + (x,)
        return Output(last=x, hidden=hidden)

    def forward(self, x):
        out = self.encode(x)
        return out.hidden[0].flatten(1) + out.last.flatten(1)
`;

describe("a list of channels-last tensors given to another library's call", () => {
  const r = compile(src, { filename: "list_arguments.py" });

  it("goes in torch's layout, None kept", () => {
    expect(r.code).toContain("if hidden is not None else None)");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 4, 4])).toBeLessThan(1e-4);
  });
});
