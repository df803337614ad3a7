/**
 * A module's forward under Python code that reads it (emit/forward-name.ts): a method decorator that is not torch's
 * sees the function named `forward`; a class decorator that is not torch's finds `cls.forward` and may rebind it; MLX's
 * `__call__` calls `self.forward`, as torch's Module.__call__ does.
 * Checked by running the output with MLX.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";
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

const MIXED = `import torch
from torch import nn


class PlanMixin:
    _plan = None

    def init_plans(self):
        self._plan = dict(getattr(type(self), "_plan", None) or {})
        self._plan.update(lin="colwise")


class Model(nn.Module, PlanMixin):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.init_plans()

    def forward(self, x):
        return self.lin(x)


class Plain(nn.Module):
    def forward(self, x):
        return x
`;

describe("a module class that also derives from Python classes (emit/module-mixins.ts)", () => {
  const r = compile(MIXED, { filename: "mixed.py" });

  it("gets C2MModuleMixin first among its bases; a class on nn.Module alone does not", () => {
    expect(r.code).toContain("class Model(C2MModuleMixin, nn.Module, PlanMixin):");
    expect(r.code).toContain("class Plain(nn.Module):");
  });

  it("runs as in torch: a mixin's class attribute holds plain data per instance; the module hashes by identity", () => {
    const driver = `${r.code}\nfrom mlx.utils import tree_flatten\nm, n = Model(), Model()\nprint(m._plan, {m: 1, n: 2}[n], m == n, sorted(k for k, _ in tree_flatten(m.parameters())))\n`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("{'lin': 'colwise'} 2 False ['lin.bias', 'lin.weight']");
  });
});

const SEQ_BASE = `import torch
from torch import nn


class Seq(nn.Module):
    def __init__(self, ops):
        super().__init__()
        self.ops = nn.ModuleList(ops)

    def forward(self, x):
        for op in self.ops:
            x = op(x)
        return x
`;

const SEQ_HEADS = `import torch
from torch import nn
from pkg.base import Seq


class Head(Seq):
    def __init__(self, d):
        super().__init__([nn.Linear(d, d), nn.ReLU()])

    def forward(self, feed):
        return Seq.forward(self, feed["x"])


class Doubled(Seq):
    def __init__(self, d):
        super().__init__([nn.Linear(d, d), nn.ReLU()])

    def forward(self, x):
        return super().forward(x) * 2
`;

describe("a forward another file of the package reaches by name", () => {
  // efficientvit: ClsHead(OpSequential) in cls.py returns `OpSequential.forward(self, x)`, OpSequential being ops.py's
  const files = { "pkg/__init__.py": "", "pkg/base.py": SEQ_BASE, "pkg/heads.py": SEQ_HEADS };
  const compileIn = (path: keyof typeof files) => compile(files[path], { filename: path, host: memoryHost(files), package: { files: Object.keys(files), path } });
  const base = compileIn("pkg/base.py");
  const heads = compileIn("pkg/heads.py");

  it("keeps the name forward on the base class, whose own file never writes .forward", () => {
    expect(base.code).toContain("        return x\n\n    forward = __call__\n");
    // alone, the file keeps no alias: nothing reads the name
    expect(compile(SEQ_BASE, { filename: "base.py" }).code).not.toContain("forward = __call__");
  });

  it("runs: Seq.forward(self, x) and super().forward(x) reach the base's method", () => {
    const script = [
      "import sys, types",
      "pkg = types.ModuleType('pkg'); pkg.__path__ = []; sys.modules['pkg'] = pkg",
      "base = types.ModuleType('pkg.base'); sys.modules['pkg.base'] = base",
      `exec(compile(${JSON.stringify(base.code)}, 'base.py', 'exec'), base.__dict__)`,
      "heads = types.ModuleType('pkg.heads'); sys.modules['pkg.heads'] = heads",
      `exec(compile(${JSON.stringify(heads.code)}, 'heads.py', 'exec'), heads.__dict__)`,
      "import mlx.core as mx",
      "x = mx.ones((1, 4))",
      "h = heads.Head(4); d = heads.Doubled(4)",
      "print(h({'x': x}).shape, d(x).shape)",
    ].join("\n");
    const run = spawnSync(pythonExecutable(), ["-c", script], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("(1, 4) (1, 4)");
  });
});
