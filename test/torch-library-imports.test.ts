/**
 * Imports of libraries built on torch (torchvision, …) that the program does not hold, and torch imports
 * that run on import inside a module-level block (an `except ImportError:` fallback): their names become
 * Untranslated(...) placeholders with a C2M-E050 error each, so the emitted module imports (checked in
 * Python with torch and torchvision blocked) and only a use raises.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile, memoryHost } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const py = (s: string) => s.replace(/^\n/, "");

const NORMS = py(`
import torch
from torch import nn
from torchvision.ops.misc import FrozenBatchNorm2d
import math

try:
    from torch.hub import get_dir
except ImportError:
    from torch.hub import _get_torch_home as get_dir

try:
    import xformers
    has_xformers = True
except ImportError:
    has_xformers = False

from .blocks import Block

_NORM_MAP = dict(batchnorm=nn.BatchNorm2d, frozen=FrozenBatchNorm2d)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        return self.block(x) * math.pi
`);

const BLOCKS = py(`
import torch
from torch import nn


class Block(nn.Module):
    def forward(self, x):
        return torch.relu(x)
`);

/** torchvision installed on the library search path (a library not installed stays as written: the output checker reports it) */
const SITE = { "site/torchvision/__init__.py": "", "site/torchvision/ops/__init__.py": "", "site/torchvision/ops/misc.py": "class FrozenBatchNorm2d:\n    pass\n" };

function compileIn(files: Record<string, string>, path: string) {
  const host = memoryHost({ ...files, ...SITE }, ["site"]);
  return compile(files[path], { filename: path, host, package: { files: Object.keys(files), path } });
}

describe("imports of torch libraries", () => {
  const files = { "pkg/__init__.py": "", "pkg/blocks.py": BLOCKS, "pkg/norms.py": NORMS };
  const r = compileIn(files, "pkg/norms.py");

  it("binds each imported name to a placeholder, with an error where it was imported", () => {
    const e050 = r.diagnostics.filter((d) => d.code === "C2M-E050").map((d) => `${d.line}: ${d.message.split(" ")[0]}`);
    expect(e050).toEqual(["3: torchvision.ops.misc.FrozenBatchNorm2d", "7: torch.hub.get_dir", "9: torch.hub._get_torch_home"]);
    expect(r.diagnostics.filter((d) => d.code === "C2M-E023")).toEqual([]);
    expect(r.code).toMatch(/\nFrozenBatchNorm2d = Untranslated\("torchvision\.ops\.misc\.FrozenBatchNorm2d"\)  # c2m: C2M-E050 /);
    // torch's own names below the top level (passes/torch-imports.ts): placeholders in place, indented; the
    // helper defining Untranslated is placed above them, not after the last import that stays
    expect(r.code).toContain('try:\n    get_dir = Untranslated("torch.hub.get_dir")');
    expect(r.code).toContain('except ImportError:\n    get_dir = Untranslated("torch.hub._get_torch_home")');
    expect(r.code.indexOf("class Untranslated")).toBeLessThan(r.code.indexOf("try:"));
    expect(r.code).toContain("try:\n    raise ImportError(");
    expect(r.code).toContain("from .blocks import Block\n");
  });

  it("the emitted module imports with torch and torchvision blocked; a use of a placeholder raises", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-torchlib-"));
    mkdirSync(join(dir, "pkg"));
    for (const path of Object.keys(files)) writeFileSync(join(dir, path), compileIn(files, path).code);
    const check = py(`
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torchvision", "xformers"):
            raise ImportError(f"blocked: {name}")
sys.meta_path.insert(0, Block())
sys.path.insert(0, ${JSON.stringify(dir)})
import mlx.core as mx
from pkg.norms import Net, _NORM_MAP, get_dir, has_xformers
assert not has_xformers
print(round(float(Net()(mx.array([1.0, -1.0])).sum()), 5))
try:
    _NORM_MAP["frozen"](4)
except NotImplementedError as e:
    print("raises:", "torchvision.ops.misc.FrozenBatchNorm2d" in str(e))
`);
    const proc = spawnSync(pythonExecutable(), ["-c", check], { encoding: "utf8" });
    expect(proc.stderr).toBe("");
    expect(proc.stdout.trim().split("\n")).toEqual(["3.14159", "raises: True"]);
  });

  it("leaves the package's own modules alone (a folder holding timm compiles timm.layers as its own)", () => {
    const own = {
      "timm/__init__.py": "",
      "timm/layers/__init__.py": "from .blocks import Block\n",
      "timm/layers/blocks.py": BLOCKS,
      "timm/models/__init__.py": "",
      "timm/models/net.py": "import torch\nfrom timm.layers import Block\n",
    };
    const out = compileIn(own, "timm/models/net.py");
    expect(out.code).toContain("from timm.layers import Block");
    expect(out.diagnostics.filter((d) => d.code === "C2M-E050")).toEqual([]);
  });
});
