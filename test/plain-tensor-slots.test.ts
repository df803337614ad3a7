import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const ADAIN = `import torch.nn as nn
import torch.nn.functional as F


class AdaIN(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.n = n
        self.weight = None
        self.bias = None
        self.head = None

    def forward(self, x):
        return x * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = AdaIN(4)
        self.norm.head = nn.Linear(4, 4)

    def forward(self, x, style):
        self.norm.weight = style[:, :4].reshape(-1)
        self.norm.bias = style[:, 4:].reshape(-1)
        return self.norm(x)
`;

describe("plain tensor slots", () => {
  it("freezes an attribute declared None and later filled with a plain tensor (torch registers only Parameters)", () => {
    const out = compile(ADAIN, { filename: "adain.py" }).code;
    expect(out).toContain(`self.weight = None\n        self.freeze(keys=["weight"], recurse=False)`);
    expect(out).toContain(`self.bias = None\n        self.freeze(keys=["bias"], recurse=False)`);
    // a slot filled with a module is a child, which freezing would hide from training
    expect(out).not.toContain(`keys=["head"]`);
  });

  it("leaves a slot that is ever given an nn.Parameter a parameter", () => {
    const src = ADAIN.replace("self.norm.bias = style[:, 4:].reshape(-1)", "self.norm.bias = nn.Parameter(style[:, 4:].reshape(-1))");
    const out = compile(src, { filename: "adain.py" }).code;
    expect(out).toContain(`keys=["weight"]`);
    expect(out).not.toContain(`keys=["bias"]`);
  });
});

describe("plain tensor slots outside modules", () => {
  it("leaves a None attribute of a class that is no module alone (it has no parameters to freeze)", () => {
    const src = `class Renaming:\n    def __init__(self):\n        self.weight = None\n\n\ndef fill(r, t):\n    r.weight = t.view(-1)\n`;
    expect(compile(src, { filename: "renaming.py" }).code).not.toContain("freeze");
  });
});
