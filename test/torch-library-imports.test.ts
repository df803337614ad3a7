/**
 * Imports of libraries built on torch (passes/torch-imports.ts), at the top of a file as in a block: their names
 * become placeholders, an optional one raises ImportError so its fallback runs, and the output imports and runs
 * on a machine without torch (checked in Python with torch absent).
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile, memoryHost } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const codes = (r: ReturnType<typeof compile>) => r.diagnostics.map((d) => d.code);

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

describe("imports of libraries that need torch", () => {
  const r = compile(SOURCE, { filename: "m.py" });

  it("a torch import in a block or a function goes; its names still translate", () => {
    expect(r.code).not.toMatch(/^\s*(import torch|from torch)/m);
    expect(r.code).toContain("if TYPE_CHECKING:\n    pass\n");
    expect(r.code).toContain("return nn.relu(x) + mx.ones(3)");
    expect(r.code.startsWith('"""A module of a library."""\nfrom __future__ import annotations\n')).toBe(true);
  });

  it("a library on torch imported on import: placeholders with C2M-E050, at the top of the file too; a guarded one raises ImportError", () => {
    expect(codes(r)).toEqual(["C2M-E050", "C2M-E050", "C2M-W040"]);
    expect(r.code).toContain('save_file = Untranslated("safetensors.torch.save_file")');
    expect(r.code).toContain('\nlf = Untranslated("safetensors.torch.load_file")');
    expect(r.code).toContain('    accelerate = Untranslated("accelerate")');
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
