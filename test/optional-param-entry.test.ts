/**
 * A model's forward taking an optional tensor that defaults to None (latent-diffusion's Model: `forward(self, x, t=None,
 * context=None)`, then `if context is not None: x = torch.cat((x, context), dim=1)`): the entry conversion into
 * channels-last ran on None and crashed when the caller left it out, after a clean compile. It now converts only a
 * tensor given. Checked against torch, with the argument left out.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.conv_ctx = nn.Conv2d(7, 4, 1)

    def forward(self, x, context=None):
        if context is not None:
            return self.conv_ctx(torch.cat((x, context), dim=1))
        return self.conv(x)
`;

describe("an optional tensor parameter at the model's boundary", () => {
  const r = compile(src, { filename: "optional.py" });

  it("is converted only when given", () => {
    expect(r.code).toContain("context = context.transpose(0, 2, 3, 1) if context is not None else None");
  });

  it("matches torch with the argument left out", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 5, 6])).toBeLessThan(1e-4);
  });
});
