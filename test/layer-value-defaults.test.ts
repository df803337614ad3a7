/**
 * A torch layer's stand-in class (passes/layer-values.ts) built with torch's default None for a parameter the
 * MLX template fills (`nn.ModuleDict()` as a base class: `dict(None)` raised `'NoneType' object is not iterable`,
 * torchvision's and timm's DenseNet blocks; `nn.RMSNorm(d)` as a value: eps=None reached MLX): the template's
 * value stands in for None, and the module builds and runs.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const SOURCE = [
  "import torch.nn as nn",
  "",
  "",
  "class Block(nn.ModuleDict):",
  "    def __init__(self):",
  "        super().__init__()",
  "",
  "",
  "class Net(nn.Module):",
  "    def __init__(self, norm=nn.RMSNorm):",
  "        super().__init__()",
  "        self.b = Block()",
  "        self.n = norm(4)",
  "",
  "    def forward(self, x):",
  "        return self.n(x)",
  "",
].join("\n");

describe("layer stand-ins with a None default", () => {
  it("pass the template's value for None, and build", () => {
    const out = compile(SOURCE, { filename: "m.py" }).code;
    expect(out).toContain("eps=(eps if eps is not None else 1.1920928955078125e-07)");
    const run = spawnSync(pythonExecutable(), ["-c", `${out}\nimport mlx.core as mx\nn = Net()\nprint(len(n.b), n.n.eps, n(mx.ones((1, 4))).shape)`], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("0 1.1920928955078125e-07 (1, 4)");
  });
});
