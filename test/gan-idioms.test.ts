/**
 * Idioms of PyTorch-GAN's StarGAN (eriklindernoren/PyTorch-GAN): a block builder defined inside __init__ whose list a
 * local takes (`layers = discriminator_block(3, 64)`, then `layers.extend(...)`): the module tree runs a nested
 * function's body as it runs a module-level one (passes/init-expressions.ts), else the Sequential's items were unknown
 * and its conv weights loaded untransposed. And InstanceNorm2d(track_running_stats=True), which in eval normalises
 * with its running statistics where MLX's InstanceNorm keeps none: the InstanceNormTracked helper. Checked against torch.
 * UNIT's generators take a block the caller builds (`Generator(shared_block=ResidualBlock(256))`): no call site in the
 * file says its class, so its keys are resolved by the built model when it loads (a `runtime` rule), as for a module
 * c2m cannot see into; before, they passed through under torch's Sequential names and the load failed.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n_strided=2):
        super().__init__()

        def block(i, o):
            layers = [nn.Conv2d(i, o, 3, stride=2, padding=1), nn.LeakyReLU(0.01)]
            return layers

        layers = block(3, 8)
        d = 8
        for _ in range(n_strided):
            layers.extend(block(d, d * 2))
            d *= 2
        layers += [nn.InstanceNorm2d(d, affine=True, track_running_stats=True), nn.InstanceNorm2d(d, track_running_stats=True)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)
`;

describe("StarGAN's builders and tracked instance norms", () => {
  const r = compile(src, { filename: "stargan.py" });

  it("are known to the module tree and translated", () => {
    expect(r.diagnostics.map((d) => d.code)).toEqual([]);
    expect(r.weightMaps.Net).toContainEqual({ torch: "model.#.weight", mlx: "model.layers.#.weight", op: "conv" });
    expect(r.code).toContain("InstanceNormTracked(d, affine=True, track_running_stats=True, dims=2)");
  });

  it("match torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 3, 8, 8])).toBeLessThan(1e-4);
  });
});

describe("a module the caller passes in, called in forward", () => {
  it("has its keys resolved by the built model", () => {
    const r = compile(
      `import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, dim=8, shared_block=None):
        super().__init__()
        self.shared_block = shared_block
        self.act = None
        self.conv = nn.Conv2d(dim, 3, 3, padding=1)

    def forward(self, x):
        return self.conv(self.shared_block(x))
`,
      { filename: "unit.py" },
    );
    expect(r.weightMaps.Generator).toContainEqual({ torch: "shared_block.**", mlx: null, op: "runtime" });
    expect(r.weightMaps.Generator.some((w) => w.torch === "act.**")).toBe(false);
  });
});
