/**
 * The output invariants (emit/verify, design.md "Output invariants"): each check once on an input that
 * translates fine and once on one that produces its diagnostic, located at the input; an internal error in
 * one function keeps that function and compiles the rest; the API table matches the installed MLX. pyflakes
 * over the golden outputs (no finding the input does not have) is test/pyflakes.test.ts.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compile, type CompileOptions } from "../src/compile.js";
import { verifyOutput } from "../emit/verify/index.js";
import { mlxApi } from "../passes/tables/index.js";
import { nodeKey } from "../grammar/python.js";
import { packageRoot, pythonExecutable } from "../src/python.js";
import type { PluginPass } from "../ir/pipeline.js";

const ROOT = packageRoot();

/** Compiles, and returns the errors as `line:col CODE` (1-based, input positions) plus the output. */
function errorsOf(source: string, options: CompileOptions = {}) {
  const r = compile(source, { filename: "m.py", ...options });
  const errors = r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.line}:${d.col} ${d.code}`);
  return { errors, code: r.code, diagnostics: r.diagnostics };
}

/** Verifies MLX text directly (for outputs today's translation does not produce). */
function findings(code: string, pkg?: CompileOptions["package"]) {
  return verifyOutput({ code, api: mlxApi(), torchNames: new Set(["torch", "F"]), package: pkg }).findings.map((f) => `${f.at.row + 1}:${f.at.column + 1} ${f.code}`);
}

const HEADER = "import mlx.core as mx\nimport mlx.nn as nn\n";

describe("the output parses (C2M-E020) and has no empty block (C2M-E021)", () => {
  it("accepts well-formed output", () => {
    expect(findings(`${HEADER}def f(n, *args, dtype=None, **kw):\n    return mx.ones((n, 2), **kw)\n`)).toEqual([]);
  });

  it("reports what tree-sitter accepts and CPython rejects", () => {
    expect(findings(`${HEADER}dd = {}\nx = mx.ones((3, **dd))\n`)).toEqual(["4:17 C2M-E020"]);
    expect(findings(`${HEADER}x = dict(a=1, a=2)\n`)).toEqual(["3:15 C2M-E020"]);
    expect(findings(`${HEADER}x = dict(a=1, 2)\n`)).toEqual(["3:15 C2M-E020"]);
    expect(findings(`${HEADER}def f(a=1, b):\n    return a\n`)).toEqual(["3:12 C2M-E020"]);
    expect(findings(`${HEADER}def f(a, a):\n    return a\n`)).toEqual(["3:10 C2M-E020"]);
    expect(findings(`${HEADER}def f(x):\n    return x\nf(1) = 2\n`)).toEqual(["5:1 C2M-E020"]);
    // two statements glued on one line (a missing newline tree-sitter supplies), and two a `;` separates
    expect(findings(`${HEADER}def f(x):\n    y = abs(x)    z = abs(y)\n    a = 1; b = 2\n    return y\n`)).toEqual(["4:19 C2M-E020"]);
  });

  it("reports an empty block", () => {
    expect(findings(`${HEADER}def f(x):\n    if x:\n        # gone\n    return x\n`)).toEqual(["4:5 C2M-E021"]);
  });

  it("a dropped statement that was its block's only one leaves pass", () => {
    const src =
      "import torch\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(2, 2)\n\n    def forward(self, x):\n        if self.training:\n            x = torch.nn.functional.dropout(x, 0.1)\n        return self.fc(x)\n";
    const r = errorsOf(src);
    expect(r.errors).toEqual([]);
    expect(r.code).toContain("        if self.training:\n            pass\n");
  });
});

describe("every name resolves (C2M-E022)", () => {
  it("resolves locals, globals, comprehensions, lambdas, class bodies, builtins, the standard library", () => {
    const ok = `${HEADER}import math
from typing import Optional

SCALE = 2


class A(nn.Module):
    size = 3
    twice = [i for i in range(size)]

    def __init__(self, d: Optional[int] = None):
        super().__init__()
        self.d = d or self.size

    def __call__(self, x: mx.array) -> mx.array:
        global SCALE
        f = lambda y, k=1: y * k + SCALE
        total = sum(v for v in range(self.d) if (w := v) > 0)
        try:
            pass
        except ValueError as err:
            print(err, w)
        with open(__file__) as fh:
            fh.read()
        return f(x) * math.pi + total
`;
    expect(findings(ok)).toEqual([]);
  });

  it("reports a name nothing binds, at its input position", () => {
    const r = errorsOf("import torch\n\n\ndef f(x):\n    return torch.relu(x) + helper(x)\n");
    expect(r.errors).toEqual(["5:28 C2M-E022"]);
    expect(r.code).toMatch(/return .*helper\(x\)  # c2m: C2M-E022 name 'helper' is not defined in the output\n/);
  });

  it("a class body's names are not seen from its methods, nor from its comprehensions past the first iterable", () => {
    expect(findings(`${HEADER}class A:\n    size = 3\n\n    def f(self):\n        return size\n`)).toEqual(["7:16 C2M-E022"]);
    expect(findings(`${HEADER}class A:\n    size = 3\n    ok = [i for i in range(size)]\n    bad = [size * i for i in range(2)]\n`)).toEqual(["6:12 C2M-E022"]);
  });

  it("a star import leaves its module's names unknowable (no report)", () => {
    expect(findings(`${HEADER}from os.path import *\nx = join("a", "b")\n`)).toEqual([]);
  });
});

describe("no torch name survives without a marker (C2M-E023)", () => {
  it("translates annotations, dtype and device defaults, names imported from torch", () => {
    const src = `import torch
from torch import nn, Tensor
from typing import Optional


class Block(nn.Module):
    def __init__(self, d: int, dtype: torch.dtype = torch.float32, device: Optional[torch.device] = None, dev=torch.device("cpu")):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x: Tensor, size: torch.Size = None, m: nn.Module = None) -> torch.Tensor:
        return self.fc(x)
`;
    const r = errorsOf(src);
    expect(r.errors).toEqual([]);
    expect(r.code).toContain('def __init__(self, d: int, dtype: mx.Dtype = mx.float32, device: Optional[mx.Device] = None, dev=ops_device("cpu")):');
    expect(r.code).toContain("def __call__(self, x: mx.array, size: tuple = None, m: nn.Module = None) -> mx.array:");
  });

  it("a torch import inside a function is taken out and its names translated at their uses (passes/torch-imports.ts)", () => {
    const r = errorsOf("import torch\n\n\ndef f(x):\n    import torch.nn.functional as F\n    return F.gelu(x)\n");
    expect(r.errors).toEqual([]);
  });

  it("reports a torch import left in the output", () => {
    expect(findings(`${HEADER}def f(x):\n    import torch\n    return x\n`)).toEqual(["4:5 C2M-E023"]);
  });

  it("reports a torch name whose import was removed", () => {
    expect(findings(`${HEADER}def f(x):\n    return F.softplus(x)\n`)).toEqual(["4:12 C2M-E023"]);
  });

  it("an optional dependency (try/except ImportError) is not required", () => {
    expect(findings(`${HEADER}try:\n    import xformers.ops as xops\nexcept ImportError:\n    xops = None\n`)).toEqual([]);
  });
});

describe("every MLX attribute exists (C2M-E024)", () => {
  it("accepts what MLX 0.32 has", () => {
    expect(
      findings(
        `${HEADER}from mlx.utils import tree_flatten\nx = mx.fast.rms_norm(mx.ones((2,)), None, 1e-5)\ny = nn.init.he_normal()(mx.zeros((2, 2)))\nz = nn.losses.mse_loss(x, x)\nm = nn.Hardswish()\n`,
      ),
    ).toEqual([]);
  });

  it("reports what MLX lacks, as an attribute or an imported name", () => {
    expect(findings(`${HEADER}act = nn.Hardsigmoid\nx = mx.fast.flash_attention(1)\nfrom mlx.utils import no_such_thing\n`)).toEqual([
      "3:7 C2M-E024",
      "4:5 C2M-E024",
      "5:23 C2M-E024",
    ]);
  });
});

describe("methods exist on mx.array and on modules (C2M-E025)", () => {
  it("accepts array methods and a module's own attributes", () => {
    const ok = `${HEADER}class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self._mask = mx.triu(mx.ones((2, 2)), 1)

    def helper(self, x):
        return x

    def __call__(self, x: mx.array):
        y = mx.zeros((2, 2)).astype(mx.float16)
        return self.helper(self.fc(x)) + y.sum() + self._mask + self.parameters()["fc"]["weight"]
`;
    expect(findings(ok)).toEqual([]);
  });

  it("a base class may read what its subclasses in the file define", () => {
    const ok = `${HEADER}class Cell(nn.Module):
    def cell(self, x):
        return self.left(x) + self.right(x)


class Concrete(Cell):
    def __init__(self):
        super().__init__()
        self.left = nn.Identity()
        self.right = nn.Identity()
`;
    expect(findings(ok)).toEqual([]);
  });

  it("reports torch in-place methods, .data on an array, add_module on a module", () => {
    const bad = `${HEADER}class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.add_module("fc", nn.Linear(2, 2))

    def __call__(self, x: mx.array):
        mask = mx.ones((2, 2))
        mask.triu_(1)
        return x.data
`;
    expect(findings(bad)).toEqual(["6:9 C2M-E025", "10:9 C2M-E025", "11:16 C2M-E025"]);
  });

  it("the compile reports a module method MLX lacks at the input line", () => {
    const src =
      "import torch.nn as nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(2, 2)\n        self.register_forward_pre_hook(print)\n\n    def forward(self, x):\n        return self.fc(x)\n";
    expect(errorsOf(src).errors).toEqual(["8:9 C2M-E025"]);
  });
});

describe("imports resolve in the output package (C2M-E027, C2M-W020)", () => {
  const pkg = { files: ["__init__.py", "models/__init__.py", "models/net.py", "models/blocks.py", "utils.py"], path: "models/net.py", name: "mypkg" };
  it("accepts siblings, the package, its own absolute name", () => {
    expect(findings(`${HEADER}from .blocks import Block\nfrom ..utils import helper\nfrom . import blocks\nimport mypkg.utils\n`, pkg)).toEqual([]);
  });

  it("reports a module the package lacks or a path above it", () => {
    expect(findings(`${HEADER}from .missing import X\nfrom ...outside import Y\n`, pkg)).toEqual(["3:1 C2M-E027", "4:1 C2M-E027"]);
  });

  it("a third-party library is a warning", () => {
    const r = verifyOutput({ code: `${HEADER}import einops\nimport utils\n`, api: mlxApi(), torchNames: new Set(), package: pkg });
    expect(r.findings.map((f) => f.code)).toEqual(["C2M-W020"]);
  });
});

describe("an internal error in one function never sinks the file (C2M-E026)", () => {
  // a plugin whose rewrite binds a metavariable to nothing crashes the translator inside `broken` only
  const crashing: PluginPass = {
    name: "crash-in-broken",
    run(mod, ctx) {
      const fn = mod.root.descendantsOfType("function_definition").find((f) => f.childForFieldName("name")!.text === "broken")!;
      const ret = fn.descendantsOfType("return_statement")[0].namedChildren[0];
      ctx.rewrites.set(nodeKey(ret), { text: "$a + 1", bindings: { a: undefined as never }, rule: "crash" });
    },
  };
  const src = "import torch\n\n\ndef broken(x):\n    return torch.relu(x)\n\n\ndef fine(x):\n    return torch.sigmoid(x)\n";

  it("keeps that function as written with a marker, and translates the rest", () => {
    const r = compile(src, { filename: "m.py", passes: [crashing] });
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(["4:1 C2M-E026"]);
    expect(r.code).toMatch(/def broken\(x\):  # c2m: C2M-E026 internal error while translating 'broken' .*kept as written\n    return torch.relu\(x\)\n/);
    expect(r.code).toContain("def fine(x):\n    return mx.sigmoid(x)\n");
  });
});

describe("the MLX API table", () => {
  it("is what src/tools/mlx_api.py writes from the installed MLX", () => {
    const proc = spawnSync(pythonExecutable(), [join(ROOT, "src", "tools", "mlx_api.py")], { encoding: "utf8" });
    expect(proc.stderr).toBe("");
    expect(proc.stdout).toBe(readFileSync(join(ROOT, "passes", "tables", "mlx-api.json"), "utf8"));
  });
});

describe("c2m analyze agrees with the compiler", () => {
  it("a file whose output fails the invariants is not 100% automatic, and says where", async () => {
    const { analyzeSource } = await import("../src/analyze/index.js");
    const clean = await analyzeSource("import torch\n\n\ndef f(x):\n    return torch.relu(x)\n", "ok.py", "python");
    expect(clean.lines.automatic).toBe(clean.lines.code);
    const failing = await analyzeSource("import torch\n\n\ndef f(x):\n    return torch.relu(x) + helper(x)\n", "bad.py", "python");
    expect(failing.status).toBe("ok");
    expect(failing.lines.automatic).toBe(failing.lines.code - 1);
    expect(failing.invariants?.map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(["5:28 C2M-E022"]);
  });
});
