/**
 * `for mod in self` in a subclass of nn.Sequential (torchvision's ASPPPooling, DeepLabV3's head): the loop runs self's
 * items, so each `mod` is one of the layers the module tree saw (a pool, a conv, a norm), called in the layout it takes,
 * not an unknown module fed torch's layout. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SRC = `import torch
import torch.nn as nn
import torch.nn.functional as F


class ASPPPooling(nn.Sequential):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        for mod in self:
            x = mod(x)
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.pool = ASPPPooling(6, 4)

    def forward(self, x):
        return torch.cat([self.pool(self.conv(x)), x], dim=1)
`;

describe("a loop over self in a Sequential subclass", () => {
  const r = compile(SRC, { filename: "m.py" });

  it("runs self's items in the layout each takes", () => {
    expect(r.code).toContain("        for mod in self.layers:\n            x = mod(x)\n");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("matches torch", () => {
    expect(portDifference(SRC, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
