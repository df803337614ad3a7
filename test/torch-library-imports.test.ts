/**
 * Imports of libraries built on torch (torchvision, …) that the program does not hold, and torch imports
 * that run on import inside a module-level block (an `except ImportError:` fallback): their names become
 * Untranslated(...) placeholders with a C2M-E050 error each, so the emitted module imports (checked in
 * Python with torch and torchvision blocked) and only a use raises.
 */
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile, memoryHost } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const py = (s: string) => s.replace(/^\n/, "");
const codes = (r: ReturnType<typeof compile>) => r.diagnostics.map((d) => d.code);

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
    expect(e050).toEqual(["3: torchvision.ops.misc.FrozenBatchNorm2d", "9: torch.hub._get_torch_home"]);
    // an untranslated torch name in a try that catches ImportError: the except branch defines it (C2M-W052)
    expect(r.diagnostics.filter((d) => d.code === "C2M-W052").map((d) => d.line)).toEqual([7]);
    expect(r.diagnostics.filter((d) => d.code === "C2M-E023")).toEqual([]);
    expect(r.code).toMatch(/\nFrozenBatchNorm2d = Untranslated\("torchvision\.ops\.misc\.FrozenBatchNorm2d"\)  # c2m: C2M-E050 /);
    // torch's own names below the top level (passes/torch-imports.ts): placeholders in place, indented; the
    // helper defining Untranslated is placed above them, not after the last import that stays
    expect(r.code).toContain(`try:\n    raise ImportError("torch.hub is torch's")`);
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

/** Runs `code` as module `m` with torch (and the libraries on it) absent, then `after`; returns stdout. */
function runWithoutTorch(code: string, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), "c2m-torch-imports-"));
  writeFileSync(join(dir, "m.py"), code);
  const driver = [
    "import sys",
    "for name in ('torch', 'safetensors.torch', 'accelerate', 'xformers'):",
    "    sys.modules[name] = None  # `import name` raises ModuleNotFoundError",
    `sys.path.insert(0, ${JSON.stringify(dir)})`,
    "import m",
    after,
  ].join("\n");
  return execFileSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
}

const SOURCE = `"""A module of a library."""
from __future__ import annotations

import os
from safetensors.torch import (
    save_file,
    load_file as lf,
)
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor

if os.environ.get("NEVER_SET_C2M") is None:
    import torch
    import torch.nn.functional as F
    import accelerate

try:
    import xformers
except ImportError:
    xformers = None


def relu_plus(x):
    import torch
    return F.relu(x) + torch.ones(3)
`;

/** safetensors and accelerate installed on the library search path (main's torch-library-imports binds the installed ones) */
const LIBS = { "site/safetensors/__init__.py": "", "site/safetensors/torch.py": "def save_file(t, p):\n    pass\n", "site/accelerate/__init__.py": "" };

describe("imports of libraries that need torch", () => {
  const r = compile(SOURCE, { filename: "m.py", host: memoryHost({ "m.py": SOURCE, ...LIBS }, ["site"]) });

  it("a torch import in a block or a function goes; its names still translate", () => {
    expect(r.code).not.toMatch(/^\s*(import torch|from torch)/m);
    expect(r.code).toContain("if TYPE_CHECKING:\n    pass\n");
    expect(r.code).toContain("return nn.relu(x) + mx.ones(3)");
    expect(r.code.startsWith('"""A module of a library."""\nfrom __future__ import annotations\n')).toBe(true);
  });

  it("a library on torch imported on import: placeholders with C2M-E050, at the top of the file too; a guarded one raises ImportError", () => {
    // one error per name a top-level library import binds (passes/torch-library-imports.ts), one per nested statement
    expect(codes(r)).toEqual(["C2M-E050", "C2M-E050", "C2M-E050", "C2M-W040"]);
    expect(r.code).toContain('save_file = Untranslated("safetensors.torch.save_file")');
    expect(r.code).toContain('\nlf = Untranslated("safetensors.torch.load_file")');
    // a module-level library import nothing in the file reads keeps its placeholder: the name is the module's
    // attribute, which another file may import (an effect-only import goes only inside a function)
    expect(r.code).toContain('if os.environ.get("NEVER_SET_C2M") is None:\n    accelerate = Untranslated("accelerate")');
    expect(r.code).toContain("try:\n    raise ImportError(");
    // the helper is defined before the first placeholder
    expect(r.code.indexOf("class Untranslated")).toBeLessThan(r.code.indexOf("save_file = Untranslated"));
  });

  it("the output imports and runs without torch; a placeholder raises only when used", () => {
    const out = runWithoutTorch(
      r.code,
      [
        "import mlx.core as mx",
        "print(m.relu_plus(mx.array([-1.0, 0.0, 2.0])).tolist(), m.xformers)",
        "try:",
        "    m.save_file({}, 'x')",
        "except NotImplementedError as e:",
        "    print('raised', 'safetensors.torch.save_file' in str(e))",
      ].join("\n"),
    );
    expect(out.trim().split("\n")).toEqual(["[1.0, 1.0, 3.0] None", "raised True"]);
  });

  it("the package's own absolute imports are not a library's", () => {
    const files = {
      "transformers/__init__.py": "",
      "transformers/x.py": "import torch\nfrom transformers.utils import logging\nlogger = logging.get_logger(__name__)\n",
      "transformers/utils/__init__.py": "",
      "transformers/utils/logging.py": "def get_logger(name):\n    return name\n",
    };
    const own = compile(files["transformers/x.py"], {
      filename: "transformers/x.py",
      host: memoryHost(files),
      package: { files: ["__init__.py", "x.py", "utils/__init__.py", "utils/logging.py"], path: "x.py", name: "transformers" },
    });
    expect(codes(own)).toEqual([]);
    expect(own.code).toContain("from transformers.utils import logging\n");
  });
});

describe("values computed on import from a placeholder name", () => {
  it("a class attribute computed from a name bound to a placeholder is one too; torch's device probes are False", () => {
    const r = compile(
      [
        "import torch",
        "",
        "",
        "class Layer:",
        "    fp8_dtype = torch.float8_e4m3fn",
        "    fp8_max = torch.finfo(fp8_dtype).max",
        "    alias = fp8_dtype",
        "",
        "",
        "DISTRIBUTED = torch.distributed.is_available() and torch.cuda.is_available()",
        "",
      ].join("\n"),
      { filename: "m.py" },
    );
    expect(r.code).toContain('    fp8_max = Untranslated("torch.finfo(fp8_dtype).max")');
    expect(r.code).toContain("    alias = fp8_dtype\n");
    expect(r.code).toContain("DISTRIBUTED = False and False\n");
    const out = runWithoutTorch(r.code, "print(m.DISTRIBUTED, type(m.Layer.fp8_max).__name__)");
    expect(out.trim()).toBe("False Untranslated");
  });
});
