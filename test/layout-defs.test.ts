/**
 * Functions defined inside compound statements (passes/layout-nhwc.ts definitionsIn): a module-level def under
 * `if is_torch_available():` and a def nested in a method's `if` are translated like any other, and the output
 * runs on MLX with the values torch gives.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const SRC = `import torch
from torch import nn


def is_torch_available():
    return True


if is_torch_available():

    def double(x):
        return torch.cat([x, x], dim=0)

else:
    double = None


class Net(nn.Module):
    def forward(self, x):
        if x.shape[0] > 0:

            def count(module):
                return len(list(module.children()))

            return double(x).sum() + count(self)
        return x
`;

describe("definitions inside compound statements", () => {
  const r = compile(SRC, { filename: "defs.py" });

  it("are translated: torch names in their bodies are MLX's", () => {
    expect(r.code).toContain("        return mx.concatenate([x, x], axis=0)\n");
    expect(r.code).toContain("                return len(list([m for _, m in c2m_named_children(module)]))\n");
  });

  it("run on MLX as in torch", () => {
    const torchOut = spawnSync(pythonExecutable(), ["-c", `${SRC}\nprint(float(Net()(torch.tensor([1.0, 2.0]))))`], { encoding: "utf8" });
    const mlxOut = spawnSync(pythonExecutable(), ["-c", `${r.code}\nprint(float(Net()(mx.array([1.0, 2.0]))))`], { encoding: "utf8" });
    expect(mlxOut.stderr).toBe("");
    expect(mlxOut.stdout.trim()).toBe(torchOut.stdout.trim());
    expect(mlxOut.stdout.trim()).toBe("6.0");
  });
});
