/**
 * Torch names a file gets through `from .sibling import *` (timm's create_act.py uses `torch`, `nn`, `F`
 * that `from .activations import *` binds): the file is torch code, translated like one. And torch functions
 * used as values (`F.hardsigmoid` stored in a dict) become MLX callables, checked against torch's numbers.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile, memoryHost } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const py = (s: string) => s.replace(/^\n/, "");

const ACTIVATIONS = py(`
import torch
from torch import nn as nn
from torch.nn import functional as F


def swish(x, inplace: bool = False):
    return x * torch.sigmoid(x)


class Swish(nn.Module):
    def forward(self, x):
        return swish(x)
`);

const CREATE_ACT = py(`
"""Factory."""
from __future__ import annotations

from typing import Optional

from .activations import *

_has_hardsigmoid = 'hardsigmoid' in dir(torch.nn.functional)

_ACT = dict(
    relu=F.relu,
    hard_sigmoid=F.hardsigmoid,
    swish=swish,
)


class Head(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.fc = nn.Linear(c, c)
        self.act = Swish()

    def forward(self, x):
        return torch.tanh(self.act(self.fc(x)))
`);

function compileIn(files: Record<string, string>, path: string) {
  const host = memoryHost(files);
  return compile(files[path], { filename: path, host, package: { files: Object.keys(files), path } });
}

describe("torch names through a star import", () => {
  const files = { "pkg/__init__.py": "", "pkg/activations.py": ACTIVATIONS, "pkg/create_act.py": CREATE_ACT };

  it("translates a file whose torch names come from a sibling's star import", () => {
    const r = compileIn(files, "pkg/create_act.py");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code.slice(0, r.code.indexOf("# c2m: torch state_dict"))).not.toMatch(/\btorch\b|\bF\./);
    expect(r.code).toContain("return mx.tanh(self.act(self.fc(x)))");
    expect(r.code).toContain("class Head(nn.Module):");
    // MLX's imports go after the docstring and `from __future__`, before the file's own imports; the star import stays
    expect(r.code).toMatch(
      /^"""Factory\."""\nfrom __future__ import annotations\n\nimport mlx\.core as mx\nimport mlx\.nn as nn\nfrom typing import Optional\n\nfrom \.activations import \*\n/,
    );
  });

  it("follows a chain of star imports", () => {
    const chained = { ...files, "pkg/layers.py": "from .activations import *\n", "pkg/create_act.py": CREATE_ACT.replace("from .activations import *", "from .layers import *") };
    const r = compileIn(chained, "pkg/create_act.py");
    expect(r.code).toContain("return mx.tanh(self.act(self.fc(x)))");
  });

  it("honours __all__: a name it does not list is not handed on, and the file stays plain Python", () => {
    const limited = { ...files, "pkg/activations.py": `__all__ = ["swish", "Swish"]\n${ACTIVATIONS}` };
    const r = compileIn(limited, "pkg/create_act.py");
    expect(r.code).toContain("return torch.tanh(self.act(self.fc(x)))");
  });

  it("leaves a file alone whose star import hands on no torch name it uses", () => {
    const plain = { "pkg/__init__.py": "", "pkg/util.py": "import os\n\ndef f():\n    return 1\n", "pkg/user.py": "from .util import *\n\nx = f()\n" };
    expect(compileIn(plain, "pkg/user.py").code).toBe(plain["pkg/user.py"]);
  });
});

describe("torch functions as values", () => {
  it("gives torch's numbers on MLX (F.hardsigmoid, an expression template, becomes a lambda)", () => {
    const files = { "pkg/__init__.py": "", "pkg/activations.py": ACTIVATIONS, "pkg/create_act.py": CREATE_ACT };
    const dir = mkdtempSync(join(tmpdir(), "c2m-star-"));
    mkdirSync(join(dir, "pkg"));
    for (const path of Object.keys(files)) {
      const r = compileIn(files, path);
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      writeFileSync(join(dir, path), r.code);
    }
    const check = py(`
import sys, numpy as np, torch, torch.nn.functional as TF, mlx.core as mx
sys.path.insert(0, ${JSON.stringify(dir)})
from pkg.create_act import _ACT
x = np.linspace(-5, 5, 41).astype(np.float32)
for name, ref in (("hard_sigmoid", TF.hardsigmoid), ("relu", TF.relu)):
    got = np.array(_ACT[name](mx.array(x)))
    want = ref(torch.from_numpy(x)).numpy()
    assert np.abs(got - want).max() < 1e-6, (name, got, want)
print("ok")
`);
    const proc = spawnSync(pythonExecutable(), ["-c", check], { encoding: "utf8" });
    expect(proc.stderr).toBe("");
    expect(proc.stdout.trim()).toBe("ok");
  });
});
