/**
 * `module.training = mode` (timm's HybridEmbed restores each backbone module's flag after running it once to size its
 * projection): MLX's `training` is a read-only property, so the assignment becomes c2m_set_training, which sets the
 * module's own flag and no child's, as torch's assignment does.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { runPython } from "./python-run.js";

const SRC = `import torch
from torch import nn


class Embed(nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        with torch.no_grad():
            training = [(m, m.training) for m in self.backbone.modules()]
            try:
                self.backbone.eval()
                o = self.backbone(torch.zeros(1, 3, 8, 8))
            finally:
                for module, was_training in training:
                    module.training = was_training
        self.proj = nn.Conv2d(o.shape[1], 4, 1)

    def forward(self, x):
        return self.proj(self.backbone(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = Embed(nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.Dropout(0.5)))
        self.embed.training = False

    def forward(self, x):
        return self.embed(x)
`;

describe("assigning a module's training flag", () => {
  const r = compile(SRC, { filename: "m.py" });

  it("goes through c2m_set_training", () => {
    expect(r.code).toContain("c2m_set_training(module, was_training)");
    expect(r.code).toContain("c2m_set_training(self.embed, False)");
  });

  it("builds, restores the flags and sets one module's alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-training-"));
    writeFileSync(join(dir, "m_mlx.py"), r.code);
    const out = runPython(`
import sys
sys.path.insert(0, ${JSON.stringify(dir)})
import mlx.core as mx
import m_mlx
net = m_mlx.Net()
print(net.training, net.embed.training, net.embed.backbone.training, net.embed.backbone.layers[1].training, net(mx.ones((1, 3, 8, 8))).shape)
`);
    expect(out).toBe("True False True True (1, 4, 8, 8)");
  });
});
