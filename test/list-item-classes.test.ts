/**
 * An item of a list of layer classes read at an index known only at run time is any of them (passes/module-values.ts
 * itemAt): timm's hiera builds its patch embedding with `conv_nd(n)(…)`, where conv_nd returns
 * `[nn.Identity, nn.Conv1d, nn.Conv2d, nn.Conv3d][n]`. Taken for a plain value, the conv had no weight rule (its torch
 * weight reached MLX's conv in torch's (O, I, KH, KW) layout) and was called as a module keeping torch's layout.
 * Checked against torch.
 */
import { portDifference } from "./python-run.js";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn


def conv_nd(n):
    return [nn.Identity, nn.Conv1d, nn.Conv2d, nn.Conv3d][n]


class PatchEmbed(nn.Module):
    def __init__(self, dim_in, dim_out, kernel, stride, padding):
        super().__init__()
        self.spatial_dims = len(kernel)
        self.proj = conv_nd(self.spatial_dims)(dim_in, dim_out, kernel_size=kernel, stride=stride, padding=padding)

    def forward(self, x):
        x = self.proj(x)
        return x.reshape(x.shape[0], x.shape[1], -1).transpose(2, 1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = PatchEmbed(3, 8, (3, 3), (2, 2), (1, 1))
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(self.patch_embed(x))
`;

describe("a layer class picked from a list by a run-time index", () => {
  const r = compile(src, { filename: "conv_nd.py" });

  it("maps the conv's weight", () => {
    expect(r.weightMaps.Net).toContainEqual({ torch: "patch_embed.proj.weight", mlx: "patch_embed.proj.weight", op: "conv" });
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
