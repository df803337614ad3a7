/**
 * A plain tensor attribute is no parameter in torch (not in the state dict), so c2m keeps it private in MLX. That held
 * for a torch op or an in-file function building it; a method of the class building it (diffusers' Lumina2 RoPE
 * embedder: `self.freqs_cis = self._precompute_freqs_cis(...)`, a list of tensors) made public arrays the weights lack
 * (passes/init-statements.ts makesTensor). Run on MLX.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const SRC = `import torch
import torch.nn as nn


class Rope(nn.Module):
    def __init__(self, dims=(2, 4)):
        super().__init__()
        self.proj = nn.Linear(2, 2)
        self.freqs = self._precompute(dims)
        self.width = self._width(dims)

    def _precompute(self, dims):
        return [torch.arange(d, dtype=torch.float32) for d in dims]

    def _width(self, dims):
        return sum(dims)

    def forward(self, x):
        return self.proj(x) + self.freqs[0] + self.width
`;

describe("a tensor attribute a method of the class builds", () => {
  it("is no parameter of the MLX module", () => {
    const code = compile(SRC, { filename: "rope.py" }).code;
    const script = `${code}
from mlx.utils import tree_flatten
m = Rope()
print(sorted(k for k, _ in tree_flatten(m.parameters())), m(mx.ones((1, 2))).tolist())
`;
    const ran = spawnSync(pythonExecutable(), ["-c", script], { encoding: "utf8" });
    expect(ran.stderr).toBe("");
    expect(ran.stdout.trim().split(" [[")[0]).toBe("['proj.bias', 'proj.weight']");
  });
});
