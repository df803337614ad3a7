/**
 * A bare `nn.Module()` built to hold children (latent-diffusion's Encoder: `down = nn.Module(); down.block = blocks;
 * self.down.append(down)`, `self.mid = nn.Module(); self.mid.block_1 = ResnetBlock(…)`): MLX's Module holds children the
 * same way, and the module tree now follows what is stored on it, so the weight map converts the convs under it
 * (their torch keys `down.0.block.0.conv1.weight` were loaded untransposed: a crash after a clean compile).
 * Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x))


class Net(nn.Module):
    def __init__(self, mults=(1, 2)):
        super().__init__()
        self.down = nn.ModuleList()
        c = 3
        for i, m in enumerate(mults):
            down = nn.Module()
            down.block = nn.ModuleList([Block(c, 4 * m)])
            c = 4 * m
            if i != len(mults) - 1:
                down.downsample = nn.Conv2d(c, c, 3, stride=2, padding=1)
            self.down.append(down)
        self.mid = nn.Module()
        self.mid.block_1 = Block(c, c)
        self.mid.norm = nn.BatchNorm2d(c)

    def forward(self, x):
        for i in range(len(self.down)):
            for b in self.down[i].block:
                x = b(x)
            if i != len(self.down) - 1:
                x = self.down[i].downsample(x)
        return self.mid.norm(self.mid.block_1(x))
`;

describe("children stored on a bare nn.Module()", () => {
  const r = compile(src, { filename: "bare.py" });

  it("is MLX's Module, with no diagnostic, and the weight map reaches its children", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).not.toContain("C2M-W001");
    expect(r.code).toContain("down = nn.Module()");
    expect(r.weightMaps.Net).toContainEqual({ torch: "down.#.block.0.conv.weight", mlx: "down.#.block.0.conv.weight", op: "conv" });
    expect(r.weightMaps.Net).toContainEqual({ torch: "mid.block_1.conv.weight", mlx: "mid.block_1.conv.weight", op: "conv" });
  });

  it("converts torch's state_dict and matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 8, 8])).toBeLessThan(1e-4);
  });
});
