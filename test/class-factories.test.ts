/**
 * A classmethod that builds its own class (`self.vision_model = CLIPVisionModel._from_config(config)`, whose
 * `model = cls(config, **kwargs)` ... `return model` sits in a base class) is that class's constructor for the
 * module tree (passes/module-inherit.ts, classFactory): the submodule's weights get their layout rules in the
 * owner's weight map, as a direct `Vision(config)` would. Checked against torch on real MLX.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const src = `import torch
from torch import nn


class Base(nn.Module):
    @classmethod
    def _from_config(cls, config, **kwargs):
        model = cls(config, **kwargs)
        return model

    @classmethod
    def describe(cls):
        return cls.__name__


class Vision(Base):
    def __init__(self, config):
        super().__init__()
        self.conv = nn.Conv2d(3, config, 2, 2)

    def forward(self, x):
        return self.conv(x).mean((2, 3))


class Both(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.vision = Vision._from_config(config)
        self.head = nn.Linear(config, 2)

    def forward(self, x):
        return self.head(self.vision(x))
`;

describe("a classmethod that builds its class (classFactory)", () => {
  const r = compile(src, { filename: "factory.py" });

  it("puts the built class's weights, with their layout rule, in the owner's map", () => {
    expect(r.code).toContain('"Both": [\n        ("vision.conv.weight", "vision.conv.weight", "conv"),\n    ],');
  });

  it("matches torch with the weights converted through the owner's map", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-factory-"));
    writeFileSync(join(dir, "torch_side.py"), src);
    writeFileSync(join(dir, "mlx_side.py"), r.code);
    const driver = `
import sys
sys.path.insert(0, ${JSON.stringify(dir)})
import numpy as np, torch, mlx.core as mx
import torch_side, mlx_side
torch.manual_seed(0)
t = torch_side.Both(4).eval()
x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
expected = t(torch.from_numpy(x)).detach().numpy()
m = mlx_side.Both(4)
m.load_weights(list(m.sanitize({k: mx.array(v.numpy()) for k, v in t.state_dict().items()}).items()))
print(np.abs(np.array(m(mx.array(x))) - expected).max() < 1e-5)
`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("True");
  });
});
