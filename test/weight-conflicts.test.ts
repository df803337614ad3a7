/**
 * An attribute that holds a ConvTranspose2d or a Conv2d, chosen by a constructor argument (diffusers' Upsample2D):
 * the weight map is per class and the two convert torch's weight differently. Where both constructions are in one
 * class, the key converts as a conv's weight and the ConvTranspose is built as ConvTransposeConvMapped, which holds
 * that form (passes/conv-either.ts): checked against torch for both choices. Where they are not (items of one
 * ModuleList built by different classes), the converter would pick one silently; c2m says so at the construction
 * (C2M-E040), with a marker.
 */
import { portDifference } from "./python-run.js";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const SRC = `import torch.nn as nn


class Up(nn.Module):
    def __init__(self, c, transpose=False):
        super().__init__()
        conv = None
        if transpose:
            conv = nn.ConvTranspose2d(c, c, 4, stride=2, padding=1)
        else:
            conv = nn.Conv2d(c, c, 3, padding=1)
        self.conv = conv

    def forward(self, x):
        return self.conv(x)
`;

describe("layers whose weights convert differently under one attribute", () => {
  it("in one class: converted as a conv's weight, the ConvTranspose built to hold that form", () => {
    const r = compile(SRC, { filename: "up.py" });
    expect(r.diagnostics.map((x) => x.code)).not.toContain("C2M-E040");
    expect(r.code).toContain("conv = ConvTransposeConvMapped(c, c, 4, stride=2, padding=1, dims=2)");
    expect(r.weightMaps.Up).toEqual([{ torch: "conv.weight", mlx: "conv.weight", op: "conv" }]);
  });

  it("in one class: matches torch whichever layer is built", () => {
    const src = `${SRC}

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Up(3, transpose=True)
        self.b = Up(3)

    def forward(self, x):
        return self.b(self.a(x))
`;
    const r = compile(src, { filename: "up.py" });
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 5, 5])).toBeLessThan(1e-4);
  });

  it("in a list literal another edit reprints (a dropped inplace=): rewritten inside that edit, matching torch", () => {
    // PyTorch-GAN's StarGAN generator: a Conv2d and, in a loop, `model += [ConvTranspose2d(..), ReLU(inplace=True)]`
    const src = `import torch.nn as nn


class Net(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        model = [nn.Conv2d(3, c, 3, padding=1, bias=False)]
        for _ in range(2):
            model += [
                nn.ConvTranspose2d(c, c // 2, 4, stride=2, padding=1, bias=False),
                nn.ReLU(inplace=True),
            ]
            c = c // 2
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)
`;
    const r = compile(src, { filename: "gen.py" });
    expect(r.diagnostics.filter((x) => x.severity === "error")).toEqual([]);
    expect(r.code).toContain("ConvTransposeConvMapped(c, c // 2, 4, stride=2, padding=1, bias=False, dims=2),\n                nn.ReLU(),");
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 4, 4])).toBeLessThan(1e-4);
  });

  it("across classes (items of one ModuleList): an error at the construction, with a marker", () => {
    const src = `import torch.nn as nn


class A(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.ConvTranspose2d(c, c, 4, stride=2, padding=1)


class B(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)


class Net(nn.Module):
    def __init__(self, kinds):
        super().__init__()
        self.blocks = nn.ModuleList([A(4) if k else B(4) for k in kinds])
`;
    const r = compile(src, { filename: "ab.py" });
    const d = r.diagnostics.filter((x) => x.code === "C2M-E040");
    expect(d.map((x) => x.line)).toEqual([13]);
    expect(r.code).toContain("self.conv = nn.Conv2d(c, c, 3, padding=1)  # c2m: C2M-E040");
  });

  it("is not reported when each layer has its own attribute", () => {
    const own = SRC.replace(
      /conv = None\n[\s\S]*self\.conv = conv/,
      "self.up = nn.ConvTranspose2d(c, c, 4, stride=2, padding=1)\n        self.conv = nn.Conv2d(c, c, 3, padding=1)",
    );
    expect(own).toContain("self.up = nn.ConvTranspose2d");
    const r = compile(own, { filename: "up.py" });
    expect(r.diagnostics.map((x) => x.code)).not.toContain("C2M-E040");
  });
});
