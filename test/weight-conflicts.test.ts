/**
 * An attribute that holds a ConvTranspose2d or a Conv2d, chosen by a constructor argument (diffusers' Upsample2D):
 * the weight map is per class and the two convert torch's weight differently, so the converter would pick one
 * silently; c2m says so at the construction (C2M-E040), with a marker.
 */
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
  it("is an error at the construction, with a marker", () => {
    const r = compile(SRC, { filename: "up.py" });
    const d = r.diagnostics.filter((x) => x.code === "C2M-E040");
    expect(d.map((x) => x.line)).toEqual([11]);
    expect(r.code).toContain("conv = nn.Conv2d(c, c, 3, padding=1)  # c2m: C2M-E040");
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
