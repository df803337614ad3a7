/**
 * The translator on small inputs: what it writes (text), what it reports, and — for the layout-sensitive
 * cases — that the result gives torch's numbers on real MLX.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { packageRoot } from "../src/python.js";
import { runParitySpec } from "../src/parity/index.js";

const py = (s: string) => s.replace(/^\n/, "");
const body = (code: string) => (code.includes("\n\n# c2m: torch state_dict") ? code.slice(0, code.indexOf("\n\n# c2m: torch state_dict")) : code);

describe("imports and names", () => {
  it.each([
    [
      "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\nx = torch.zeros(1)\nm = nn.ReLU()\n",
      "import mlx.core as mx\nimport mlx.nn as nn\n\nx = mx.zeros(1)\nm = nn.ReLU()\n",
    ],
    // an MLX import goes in only where the output reads its name (c2m adds no pyflakes finding)
    ["from torch import nn\nimport torch\n\nm = nn.ReLU()\n", "import mlx.nn as nn\n\nm = nn.ReLU()\n"],
    ["import math\nimport torch\nfrom torch.nn import functional as F\n\nx = torch.zeros(1)\n", "import math\nimport mlx.core as mx\n\nx = mx.zeros(1)\n"],
    // the input's unused torch import leaves no unused MLX import
    ["import os\nimport torch\n\nx = os.sep\n", "import os\n\n\nx = os.sep\n"],
  ])("rewrites %j", (src, out) => {
    expect(body(compile(src).code).trimEnd()).toBe(out.trimEnd());
  });

  it("helpers come before the first code that may use them, not after an import further down", () => {
    const src = py(`
"""Doc."""
import os
import torch

if os.environ.get("C2M_NEVER_SET") is None:
    HOME = torch.hub.get_dir
    INIT = torch.nn.init.uniform_

import json
`);
    const out = compile(src).code;
    expect(out.indexOf("class Untranslated")).toBeGreaterThan(0);
    expect(out.indexOf("class Untranslated")).toBeLessThan(out.indexOf("if os.environ"));
    // torch.nn.init's initialisers as values are a helper's (cookbook/helpers/c2m_torch_init.py)
    expect(out).toContain('    INIT = c2m_torch_init("uniform_")\n');
    expect(out.indexOf("def c2m_torch_init")).toBeLessThan(out.indexOf("if os.environ"));
  });

  it("keeps everything it need not change byte for byte: comments, docstrings, blank lines", () => {
    const src = py(`
import torch.nn as nn


class Net(nn.Module):
    """Docstring stays."""

    def __init__(self):
        super().__init__()
        # a comment that stays
        self.fc = nn.Linear(4, 2)  # trailing comment

    def forward(self, x):  # why: stays
        return self.fc(x)
`);
    const out = compile(src).code;
    expect(out).toContain(src.slice(src.indexOf("\n\n\nclass Net"), src.indexOf("    def forward")));
    expect(out).toContain("    def __call__(self, x):  # why: stays\n        return self.fc(x)\n");
  });
});

describe("module structure", () => {
  it("register_buffer: persistent → attribute (a frozen parameter: loaded, not trained), non-persistent → private attribute used under its new name", () => {
    const out = compile(
      py(`
import torch
import torch.nn as nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("scale", torch.ones(4))
        self.register_buffer("cache", torch.zeros(4), persistent=False)
        self.w = nn.Parameter(torch.randn(4))
    def forward(self, x):
        return x * self.scale + self.cache + self.w
`),
    ).code;
    expect(out).toContain('self.scale = mx.ones(4)\n        self.freeze(keys=["scale"], recurse=False)\n');
    expect(out).toContain("self._cache = mx.zeros(4)");
    expect(out).toContain("self.w = ops_randn(4)");
    expect(out).toContain("return x * self.scale + self._cache + self.w");
  });

  it("Sequential with an OrderedDict keeps its children's names (NamedSequential), and so their keys", () => {
    const r = compile(
      py(`
from collections import OrderedDict
import torch.nn as nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(OrderedDict([("conv", nn.Conv2d(3, 4, 3)), ("act", nn.ReLU())]))
        self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 1)})
    def forward(self, x):
        return self.body(x)
`),
    );
    expect(r.code).toContain('self.body = NamedSequential(OrderedDict([("conv", nn.Conv2d(3, 4, 3)), ("act", nn.ReLU())]))');
    expect(r.code).toContain("self.blocks = [nn.Linear(4, 4) for _ in range(2)]");
    expect(r.code).toContain('self.heads = ModuleDict({"a": nn.Linear(4, 1)})');
    expect(r.weightMaps.M).toEqual([{ torch: "body.conv.weight", mlx: "body.conv.weight", op: "conv" }]);
  });

  it("removes autograd decorators and renames forward", () => {
    const out = compile("import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    @torch.no_grad()\n    def forward(self, x):\n        return x\n").code;
    expect(out).toContain("class M(nn.Module):\n    def __call__(self, x):");
  });
});

describe("layout (channels-last) rewrites", () => {
  const src = py(`
import torch
import torch.nn as nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
    def forward(self, x):
        y = self.conv(x)
        B, C, H, W = y.shape
        z = torch.cat([y, y], dim=1).mean((2, 3))
        return z, y.size(1), C
`);

  it("a permute into channels-last order relabels axes instead of moving data", () => {
    const out = compile(
      py(`
import torch.nn as nn
class B(nn.Module):
    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(4, 4, 7, padding=3, groups=4)
        self.norm = nn.LayerNorm(4)
    def forward(self, x):
        x = self.dw(x)
        x = x.permute(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
        x = self.norm(x)
        x = x.permute(0, 3, 1, 2)
        return x
`),
    ).code;
    expect(out).toContain("        x = self.dw(x)\n        # (N, C, H, W) -> (N, H, W, C)\n        x = self.norm(x)\n        return x.transpose(0, 3, 1, 2)");
  });

  it("remaps axes, shape indices and shape unpacking; transposes only at the boundary", () => {
    const out = compile(src).code;
    expect(out).toContain("x = x.transpose(0, 2, 3, 1)");
    expect(out).toContain("B, H, W, C = y.shape");
    expect(out).toContain("z = mx.mean(mx.concatenate([y, y], axis=3), axis=(1, 2))");
    expect(out).toContain("return z, y.shape[3], C");
  });

  it("--layout nhwc takes channels-last input as it is", () => {
    expect(compile(src, { layout: "nhwc" }).code).not.toContain("x = x.transpose(0, 2, 3, 1)");
  });
});

describe("statements the layout pass adds", () => {
  it("stand on lines of their own beside a dropped statement, and beside a statement's comment", () => {
    const src = readFileSync(join(packageRoot(), "test", "fixtures", "models", "transposed_norm.py"), "utf8");
    const r = compile(src, { filename: "transposed_norm.py" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain(
      "            # move H onto the channel axis\n            h = h.transpose(0, 3, 2, 1)\n            h = self.norm_h(h)\n            h = h.transpose(0, 3, 2, 1)\n        return h.transpose(0, 3, 1, 2)\n",
    );
  });

  it("before a first statement that shares its line, and after one that does", () => {
    const out = compile(
      py(`
import torch.nn as nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)
        self.norm = nn.GroupNorm(2, 4)
    def forward(self, x):
        return self.f(self.conv(x))
    def f(self, h): h = self.norm(h); return h
`),
    ).code;
    expect(out).toContain("    def f(self, h): h = h.transpose(0, 2, 3, 1); h = self.norm(h); return h.transpose(0, 3, 1, 2)\n");
  });
});

describe("diagnostics", () => {
  it("marks what it cannot translate, with code, location and hint", () => {
    const r = compile(
      py(`
import torch
import torch.nn as nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2, 2, dilation=2)
    def forward(self, x):
        y = torch.special.zeta(x, x)
        m = torch.nonzero(x)
        x[x > 0] = y
        return y
`),
      { filename: "m.py" },
    );
    const codes = r.diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`);
    // (the torch name left in forward is bound once to a placeholder, at the import: C2M-W041, passes/runtime-placeholders.ts)
    expect(codes).toEqual(["C2M-W003@6:49", "C2M-W002@8:13", "C2M-W002@9:13", "C2M-W010@10:9", "C2M-W041@1:1"]);
    for (const d of r.diagnostics) expect(d.hint).toBeTruthy();
    expect(r.code).toContain("y = torch.special.zeta(x, x)  # c2m: C2M-W002");
    expect(r.code).toContain("x[x > 0] = y  # c2m: C2M-W010");
  });

  it("a syntax error stops the file: no output, one located error", () => {
    const r = compile("class M(nn.Module:\n    pass\n", { filename: "bad.py" });
    expect(r.code).toBe("");
    expect(r.diagnostics).toMatchObject([{ code: "C2M-E001", severity: "error", line: 1 }]);
  });
});

describe("feature models against torch on real MLX", () => {
  const models = join(packageRoot(), "test", "fixtures", "models");
  it.each([
    ["seq_flatten.py", "SeqNet", [[{ shape: [2, 3, 8, 8] }], [{ shape: [1, 3, 8, 8] }]]],
    ["layout_ops.py", "LayoutOps", [[{ shape: [2, 3, 6, 5] }], [{ shape: [1, 3, 4, 4] }]]],
    ["mask_assign.py", "MaskNet", [[{ shape: [3, 8] }], [{ shape: [2, 5, 8] }]]],
    // BatchNorm1d after a Linear (rank unknown: the torch-layout helper) and after a Conv1d (plain, on NLC)
    // squeeze-and-excitation (pooled vector broadcast back) and ConvNeXt's manual NHWC permutes
    ["se_block.py", "Block", [[{ shape: [2, 8, 6, 5] }], [{ shape: [1, 8, 4, 4] }]], { dim: 8 }],
    // plain tensor attributes stay private (not parameters); a mask assignment on a channels-last tensor
    ["misc_attrs.py", "Misc", [[{ shape: [2, 3, 5, 5] }], [{ shape: [1, 3, 4, 6] }]]],
    // a buffer persistent or not by a constructor argument: a parameter exactly when torch's state dict holds it
    ["runtime_buffer.py", "RuntimeBuffer", [[{ shape: [2, 4] }]]],
    ["runtime_buffer.py", "RuntimeBuffer", [[{ shape: [2, 4] }]], { max_size: 8 }],
    // the layout pass's own statements beside torch's transposes that it drops: each on its own line
    ["transposed_norm.py", "TransposedNorm", [[{ shape: [2, 3, 6, 5] }], [{ shape: [1, 3, 6, 4] }]]],
    ["transposed_norm.py", "TransposedNorm", [[{ shape: [2, 3, 6, 5] }]], { mode: "plain" }],
    [
      "bn1d.py",
      "BNMLP",
      [
        [{ shape: [3, 8] }, { shape: [2, 4, 5] }],
        [{ shape: [1, 8] }, { shape: [1, 4, 7] }],
      ],
    ],
  ])("%s", async (file, cls, cases, args?) => {
    const r = await runParitySpec(join(models, file as string), {
      class: cls as string,
      cases: cases as never,
      atol: 1e-4,
      ...(args ? { args: args as Record<string, unknown> } : {}),
    });
    expect(r.error).toBeUndefined();
    expect(r.cases.flatMap((c) => c.outputs.map((o) => o.maxAbs)).every((d) => d <= 1e-4)).toBe(true);
    expect(r.ok).toBe(true);
  });
});
