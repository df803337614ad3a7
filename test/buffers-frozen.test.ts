/**
 * A persistent buffer (torch's register_buffer) is in torch's state dict but is not trained: the MLX module holds
 * it as a parameter (loaded by load_weights) that is frozen, so trainable_parameters() counts what torch's
 * parameters() counts (torchvision's Swin and MaxVit relative_position_index); so is one stored as `nn.Buffer(t)` (torch ≥ 2.5,
 * deepseek_v3's e_score_correction_bias). Run on MLX.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const MODEL = `import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self, persistent=True):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.register_buffer("index", torch.arange(6))
        self.register_buffer("table", torch.ones(3), persistent=persistent)
        self.bias = nn.Buffer(torch.zeros(4))
        self.scratch = nn.Buffer(torch.zeros(4), persistent=False)

    def forward(self, x):
        return self.proj(x) + self.table.sum() + self.index.sum() + self.bias + self.scratch
`;

describe("persistent buffers", () => {
  it("are parameters of the MLX module, frozen: loaded, not trained", () => {
    const code = compile(MODEL, { filename: "m.py" }).code;
    const script = `${code}
from mlx.utils import tree_flatten
for persistent in (True, False):
    m = M(persistent=persistent)
    print(sorted(k for k, _ in tree_flatten(m.parameters())), sorted(k for k, _ in tree_flatten(m.trainable_parameters())))
`;
    const ran = spawnSync(pythonExecutable(), ["-c", script], { encoding: "utf8" });
    expect(ran.stderr).toBe("");
    expect(ran.stdout.trim().split("\n")).toEqual([
      "['bias', 'index', 'proj.bias', 'proj.weight', 'table'] ['proj.bias', 'proj.weight']",
      "['bias', 'index', 'proj.bias', 'proj.weight'] ['proj.bias', 'proj.weight']",
    ]);
  });
});

describe("buffers stored by setattr under a computed name", () => {
  it("are kept out of the parameters when not persistent, and frozen when persistent (transformers' per-layer-type rotary buffers)", () => {
    const code = compile(
      `import torch
import torch.nn as nn


class Rope(nn.Module):
    def __init__(self, kinds=("full", "sliding")):
        super().__init__()
        self.proj = nn.Linear(2, 2)
        for kind in kinds:
            setattr(self, f"{kind}_inv_freq", nn.Buffer(torch.ones(2), persistent=False))
            setattr(self, f"{kind}_scale", nn.Buffer(torch.ones(1)))

    def forward(self, x):
        return self.proj(x) * getattr(self, "full_inv_freq") * self.sliding_scale
`,
      { filename: "rope.py" },
    ).code;
    expect(code).toContain('c2m_register_buffer(self, f"{kind}_inv_freq", mx.ones(2), False)');
    const script = `${code}
from mlx.utils import tree_flatten
m = Rope()
print(sorted(k for k, _ in tree_flatten(m.parameters())), sorted(k for k, _ in tree_flatten(m.trainable_parameters())), m(mx.ones((1, 2))).shape)
`;
    const ran = spawnSync(pythonExecutable(), ["-c", script], { encoding: "utf8" });
    expect(ran.stderr).toBe("");
    expect(ran.stdout.trim()).toBe("['full_scale', 'proj.bias', 'proj.weight', 'sliding_scale'] ['proj.bias', 'proj.weight'] (1, 2)");
  });
});
