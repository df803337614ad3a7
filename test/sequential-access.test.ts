/**
 * A Sequential read as a sequence (passes/sequential-access.ts): `for layer in self.layers`, `len(...)`, `[i]`,
 * `[i:j]`, `list(...)`. MLX's nn.Sequential is a dict (iterating it gives the key "layers"): the reads go through its
 * `layers` list, a named Sequential's through c2m_items(). Checked against torch on real MLX.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const src = `from collections import OrderedDict

import torch
from torch import nn


class Stage(nn.Module):
    def __init__(self, depth):
        super().__init__()
        first = nn.Linear(4, 4)
        self.layers = nn.Sequential(first, *[nn.Linear(4, 4) for _ in range(depth - 1)])
        self.named = nn.Sequential(OrderedDict([("fc", nn.Linear(4, 4)), ("act", nn.Tanh())]))

    def forward(self, x):
        hidden = x
        for layer in self.layers:
            hidden = layer(hidden)
        for i, m in enumerate(self.named):
            hidden = m(hidden) + i
        head = self.layers[1:](x) + self.layers[-1](x)
        return hidden * len(self.layers) + head, len(list(self.named))
`;

describe("a Sequential read as a sequence", () => {
  const r = compile(src, { filename: "stage.py" });

  it("iterates, counts and indexes the submodule list", () => {
    expect(r.code).toContain("for layer in self.layers.layers:");
    expect(r.code).toContain("for i, m in enumerate(self.named.c2m_items()):");
    expect(r.code).toContain("head = nn.Sequential(*self.layers.layers[1:])(x) + self.layers.layers[-1](x)");
    expect(r.code).toContain("return hidden * len(self.layers.layers) + head, len(list(self.named.c2m_items()))");
  });

  it("matches torch", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-seq-"));
    writeFileSync(join(dir, "torch_side.py"), src);
    writeFileSync(join(dir, "mlx_side.py"), r.code);
    const driver = `
import sys
sys.path.insert(0, ${JSON.stringify(dir)})
import numpy as np, torch, mlx.core as mx
import torch_side, mlx_side
torch.manual_seed(0)
t = torch_side.Stage(3).eval()
x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
expected, n = t(torch.from_numpy(x))
m = mlx_side.Stage(3)
m.load_weights(list(m.sanitize({k: mx.array(v.numpy()) for k, v in t.state_dict().items()}).items()))
got, k = m(mx.array(x))
print(np.abs(np.array(got) - expected.detach().numpy()).max() < 1e-5, n, k)
`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("True 2 2");
  });
});

describe("a ModuleList's slice", () => {
  it("stays a list: iterated as it is (llama's self.layers[: n])", () => {
    const r = compile(
      `import torch
from torch import nn


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

    def forward(self, x, n):
        for layer in self.layers[:n]:
            x = layer(x)
        return x
`,
      { filename: "stack.py" },
    );
    expect(r.code).toContain("for layer in self.layers[:n]:");
  });
});
