/**
 * torch objects used as values rather than called (a function stored in an attribute, `functools.partial` of
 * one) and torch ≥ 2.5's `nn.Buffer` attributes: translated, and checked against torch numerically.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { packageRoot, pythonExecutable } from "../src/python.js";

const SOURCE = `import functools
import torch
from torch import nn


class E(nn.Module):
    def __init__(self, n, act="gelu"):
        super().__init__()
        self.emb = nn.Embedding(n, 4)
        self.position_ids = nn.Buffer(torch.arange(n).expand((1, -1)), persistent=False)
        self.scale = nn.Buffer(torch.full((4,), 2.0))
        self.act = nn.functional.gelu if act == "gelu" else functools.partial(nn.functional.gelu, approximate="tanh")

    def forward(self, x):
        return self.act(self.emb(x + self.position_ids[:, : x.shape[1]]) * self.scale)
`;

describe("torch values", () => {
  const r = compile(SOURCE, { filename: "e.py" });

  it("a torch function with a helper of torch's signature is that helper as a value; nn.Buffer is its array", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain('self.act = ops_gelu if act == "gelu" else functools.partial(ops_gelu, approximate="tanh")');
    // a non-persistent buffer is private in MLX (no parameter, not in the state_dict); a persistent one is public
    expect(r.code).toContain("self._position_ids = ");
    expect(r.code).toContain("x + self._position_ids[:, : x.shape[1]]");
    expect(r.code).toContain("self.scale = mx.full((4,), 2.0)");
  });

  it("computes what torch computes", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-torch-values-"));
    writeFileSync(join(dir, "e_torch.py"), SOURCE);
    writeFileSync(join(dir, "e_mlx.py"), r.code);
    const driver = `
import sys; sys.path.insert(0, ${JSON.stringify(dir)})
import numpy as np, torch, mlx.core as mx
import e_torch, e_mlx
worst = 0.0
for act in ("gelu", "tanh"):
    torch.manual_seed(0)
    t = e_torch.E(6, act).eval()
    m = e_mlx.E(6, act)
    m.load_weights([(k, mx.array(v.numpy())) for k, v in t.state_dict().items()], strict=True)
    x = np.array([[0, 1, 2], [2, 1, 0]])
    want = t(torch.tensor(x)).detach().numpy()
    got = np.array(m(mx.array(x)))
    worst = max(worst, float(np.abs(got - want).max()))
print(worst)
`;
    const worst = Number(execFileSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" }).trim());
    expect(worst).toBeLessThan(1e-5);
  });
});

describe("torch's runtime probed by a library", () => {
  it("device probes, pytree registration and getattr(torch, 'version').hip have their MLX meaning", () => {
    const r = compile(
      [
        "from functools import lru_cache",
        "from .import_utils import is_torch_available",
        "",
        "if is_torch_available():",
        "    import torch",
        "    import torch.utils._pytree as torch_pytree",
        "",
        "",
        "@lru_cache",
        "def is_rocm_platform() -> bool:",
        "    return getattr(torch, 'version').hip is not None",
        "",
        "",
        "def register(t):",
        "    torch_pytree.register_pytree_node(t, None, None)",
        "    return torch.accelerator.current_accelerator(), torch.cuda.device_count(), torch.get_default_dtype()",
        "",
      ].join("\n"),
      { filename: "r.py" },
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toContain("if is_torch_available():\n    pass\n");
    expect(r.code).toContain("    return None is not None\n");
    expect(r.code).toContain("def register(t):\n    return None, 0, mx.float32\n");
  });
});

describe("torch.device", () => {
  it("is its name, a str with torch's .type and .index", () => {
    const r = compile("import torch\n\n\ndef kind(device):\n    d = torch.device(device)\n    return d.type, d.index, str(torch.device('cuda', 1)), d == 'cuda:0'\n", {
      filename: "d.py",
    });
    expect(r.code).toContain("d = ops_device(device)");
    const dir = mkdtempSync(join(tmpdir(), "c2m-device-"));
    writeFileSync(join(dir, "d.py"), r.code);
    const out = execFileSync(pythonExecutable(), ["-c", `import sys; sys.path.insert(0, ${JSON.stringify(dir)}); import d; print(d.kind("cuda:0"), d.kind("cpu"))`], {
      encoding: "utf8",
    });
    expect(out.trim()).toBe("('cuda', 0, 'cuda:1', True) ('cpu', None, 'cuda:1', False)");
  });
});

describe("a decorator given a torch name", () => {
  it("its argument runs on import: a placeholder, and the class still defines the method", () => {
    const r = compile(
      "import torch\nfrom functools import wraps\n\n\nclass M(torch.nn.Module):\n    @wraps(torch.nn.Module.cuda)\n    def cuda(self, *args):\n        return 7\n",
      {
        filename: "w.py",
      },
    );
    expect(r.diagnostics.map((d) => d.code)).toEqual(["C2M-E050"]);
    expect(r.code).toContain('    @wraps(Untranslated("torch.nn.Module.cuda"))');
    const dir = mkdtempSync(join(tmpdir(), "c2m-decorator-"));
    writeFileSync(join(dir, "w.py"), r.code);
    const out = execFileSync(pythonExecutable(), ["-c", `import sys; sys.modules["torch"] = None; sys.path.insert(0, ${JSON.stringify(dir)}); import w; print(w.M().cuda())`], {
      encoding: "utf8",
    });
    expect(out.trim()).toBe("7");
  });
});

describe("forward by its torch name", () => {
  it("a class under a Python base, or in a file that names .forward, keeps forward as an alias of __call__", () => {
    const src = readFileSync(join(packageRoot(), "test/fixtures/models/forward_by_name.py"), "utf8");
    const r = compile(src, { filename: "f.py" });
    expect(r.code).toContain("    forward = __call__\n");
    const dir = mkdtempSync(join(tmpdir(), "c2m-forward-"));
    writeFileSync(join(dir, "f.py"), r.code);
    const driver = `import sys; sys.path.insert(0, ${JSON.stringify(dir)}); import mlx.core as mx, f; print(f.Net()(mx.ones((1, 2))).shape, f.Layer.wrapped is f.Layer.__call__)`;
    expect(execFileSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" }).trim()).toBe("(1, 2) True");
  });
});

const INITS = `import torch

# a table of initialisers kept on import, called later (transformers' initialization.py)
INITS = {"constant_": torch.nn.init.constant_, "eye_": torch.nn.init.eye_, "xavier_uniform_": torch.nn.init.xavier_uniform_, "normal_": torch.nn.init.normal_}


def fill(w, b):
    INITS["constant_"](b, val=0.5)
    INITS["eye_"](w)
    return w, b


def draw(w):
    INITS["xavier_uniform_"](w, gain=2.0)
    return w
`;

describe("torch.nn.init's initialisers as values", () => {
  const r = compile(INITS, { filename: "inits.py" });

  it("are the c2m_torch_init helper's functions, without a placeholder", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain('"constant_": c2m_torch_init("constant_"), "eye_": c2m_torch_init("eye_")');
  });

  it("fill the MLX array in place, as torch's do (the same values; a draw within torch's bound)", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-inits-"));
    writeFileSync(join(dir, "inits_mlx.py"), r.code);
    writeFileSync(join(dir, "inits_torch.py"), INITS);
    const driver = [
      "import sys, math",
      `sys.path.insert(0, ${JSON.stringify(dir)})`,
      "import torch, numpy as np, mlx.core as mx",
      "import inits_mlx, inits_torch",
      "w, b = mx.zeros((3, 4)), mx.zeros((4,))",
      "alias = w",
      "inits_mlx.fill(w, b)",
      "tw, tb = torch.zeros(3, 4), torch.zeros(4)",
      "inits_torch.fill(tw, tb)",
      "same = np.array_equal(np.array(alias), tw.numpy()) and np.array_equal(np.array(b), tb.numpy())",
      "big = mx.zeros((64, 32))",
      "inits_mlx.draw(big)",
      "bound = 2.0 * math.sqrt(6.0 / (64 + 32))",
      "m = float(mx.abs(big).max())",
      "print(same, m <= bound, m > 0.9 * bound)",
    ].join("\n");
    expect(execFileSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" }).trim()).toBe("True True True");
  });
});

const OUTSIDE = `import torch
from torch import nn


class Emb(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("position_ids", torch.arange(4).expand((1, -1)), persistent=False)
        self.w = nn.Parameter(torch.ones(2))

    def forward(self, x):
        return x + self.position_ids


def first_position(module):
    return module.position_ids[0, 1]
`;

describe("a non-persistent buffer read by torch's name outside its class (emit/buffer-aliases.ts)", () => {
  const r = compile(OUTSIDE, { filename: "outside.py" });

  it("is private in MLX, with a property under torch's name", () => {
    expect(r.code).toContain("self._position_ids = ");
    expect(r.code).toContain('    position_ids = property(lambda self: self._position_ids, lambda self, value: setattr(self, "_position_ids", value))');
  });

  it("reads the private array (an in-place write too); the parameters hold only the persistent ones", () => {
    const driver = `${r.code}\nfrom mlx.utils import tree_flatten\ne = Emb()\nv = first_position(e).item()\ne.position_ids[...] = e.position_ids * 2\nprint(v, first_position(e).item(), [k for k, _ in tree_flatten(e.parameters())])\n`;
    expect(execFileSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" }).trim()).toBe("1 2 ['w']");
  });
});
