/**
 * A module's forward under Python code that reads it (emit/forward-name.ts): a method decorator that is not torch's
 * sees the function named `forward`; a class decorator that is not torch's finds `cls.forward` and may rebind it; MLX's
 * `__call__` calls `self.forward`, as torch's Module.__call__ does.
 * Checked by running the output with MLX.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const src = `import torch
from torch import nn

NAMES = []


def documented(func):
    NAMES.append(func.__name__)
    return func


def wraps_forward(cls):
    original = cls.forward

    def forward(self, x):
        return original(self, x) + 1

    cls.forward = forward
    return cls


class Scaled(nn.Module):
    @documented
    def forward(self, x):
        return x * 2


@wraps_forward
class Counted(nn.Module):
    def forward(self, x):
        return x * 3


class Plain(nn.Module):
    @torch.no_grad()
    def forward(self, x):
        return x - 1
`;

describe("a module's forward where Python code reads it", () => {
  const r = compile(src, { filename: "m.py" });

  it("a method decorator that is not torch's keeps the name forward; __call__ is bound to it", () => {
    expect(r.code).toContain(
      "    @documented\n    def forward(self, x):\n        return x * 2\n\n    def __call__(self, *args, **kwargs):\n        return self.forward(*args, **kwargs)\n",
    );
    expect(r.code).toContain("class Counted(nn.Module):\n    def forward(self, x):\n        return x * 3\n\n    def __call__(self, *args, **kwargs):\n");
    // torch's own decorator is no reader of the name (and this file names .forward: the alias keeps it)
    expect(r.code).toContain("    def __call__(self, x):\n        return x - 1\n\n    forward = __call__\n");
  });

  it("runs: the decorator saw 'forward', the rebound forward is the one called (as in torch)", () => {
    const run = spawnSync(
      pythonExecutable(),
      ["-c", `${r.code}\nimport mlx.core as mx\nx = mx.array([1.0])\nprint(NAMES, Scaled()(x).tolist(), Counted()(x).tolist(), Plain()(x).tolist())`],
      { encoding: "utf8" },
    );
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("['forward'] [2.0] [4.0] [0.0]");
  });
});
