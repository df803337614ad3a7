/**
 * More idioms of real sequence models that compiled cleanly and then failed when the port ran (the zoo's
 * github/hyena_*, github/seq2seq_*, github/attn_scaled_dot cases), each checked against torch:
 *
 * - Hyena's OptimModule: `register(name, tensor, lr)` registers a buffer under a computed name and marks a parameter
 *   with `setattr(getattr(self, name), "_optim", optim)`; its filter reads each layer's `state_dict()` to mark them,
 *   and puts one activation instance at several positions of its Sequential (torch counts its parameter once).
 * - `tensor.repeat(*dims)`: one splat is still the tuple mx.tile takes.
 * - A torch function with optional arguments as a default value (`decode_function=F.log_softmax`).
 * - A model without parameters: its empty state_dict converts to nothing, not an error.
 * - A torch layer class stored as a value in one file of a package and compared with `is` in another
 *   (`self.rnn_cell is nn.LSTM`).
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { portDifference, runPython } from "./python-run.js";
import { compile, memoryHost } from "../src/index.js";

const hyena = `import torch
import torch.nn as nn


class OptimModule(nn.Module):
    def register(self, name, tensor, lr=None, wd=0.0):
        if lr == 0.0:
            self.register_buffer(name, tensor)
        else:
            self.register_parameter(name, nn.Parameter(tensor))
            optim = {}
            if lr is not None: optim["lr"] = lr
            if wd is not None: optim["weight_decay"] = wd
            setattr(getattr(self, name), "_optim", optim)


class Sin(nn.Module):
    def __init__(self, dim, w=10):
        super().__init__()
        self.freq = nn.Parameter(w * torch.ones(1, dim))

    def forward(self, x):
        return torch.sin(self.freq * x)


class Net(OptimModule):
    def __init__(self, dim=8, inner=2):
        super().__init__()
        self.register("t", torch.linspace(0, 1, dim)[None], lr=0.0)
        self.register("scale", torch.ones(dim), lr=1e-3)
        act = Sin(dim)
        self.filter = nn.Sequential(nn.Linear(dim, dim), act)
        for _ in range(inner):
            self.filter.append(nn.Linear(dim, dim))
            self.filter.append(act)
        for c in self.filter.children():
            for name, v in c.state_dict().items():
                setattr(getattr(c, name), "_optim", {"weight_decay": 0.0})

    def forward(self, x):
        return self.filter(x + self.t) * self.scale
`;

describe("Hyena's optimizer hints, buffers under computed names, and one module at several positions", () => {
  const r = compile(hyena, { filename: "hyena.py" });

  it("skips a hint on an MLX array at run time, with C2M-W010", () => {
    expect(r.code).toContain(`c2m_set_attribute(getattr(self, name), "_optim", optim)`);
    expect(r.code).toContain("c2m_register_buffer(self, name, tensor)");
    expect(r.diagnostics.filter((d) => d.code === "C2M-W010").length).toBeGreaterThanOrEqual(2);
  });

  it("matches torch, and counts the shared module's parameter once, as torch does", () => {
    // sin(10 * x) of two stacked layers: float32 rounding of the argument is amplified tenfold
    expect(portDifference(hyena, r.code, r.weightMaps.Net, [2, 8])).toBeLessThan(1e-4);
    const dir = mkdtempSync(join(tmpdir(), "c2m-hyena-"));
    writeFileSync(join(dir, "m.py"), hyena);
    writeFileSync(join(dir, "m_mlx.py"), r.code);
    const [theirs, mine] = runPython(`
import sys
sys.path.insert(0, "${dir}")
import m, m_mlx
from mlx.utils import tree_flatten
print(sum(p.numel() for p in m.Net().parameters()), sum(v.size for _, v in tree_flatten(m_mlx.Net().trainable_parameters())))
`)
      .trim()
      .split(" ")
      .map(Number);
    expect(mine).toBe(theirs);
  });
});

const repeatSplat = `import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        dims = [1] * x.dim()
        dims[1] = 3
        return x.repeat(*dims)
`;

describe("tensor.repeat(*dims)", () => {
  const r = compile(repeatSplat, { filename: "repeat.py" });

  it("passes the splat as a tuple", () => {
    expect(r.code).toContain("mx.tile(x, (*dims,))");
  });

  it("matches torch", () => {
    expect(portDifference(repeatSplat, r.code, r.weightMaps.Net ?? [], [2, 2, 3])).toBeLessThan(1e-6);
  });
});

const defaultFunction = `import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, dim=8, decode_function=F.log_softmax):
        super().__init__()
        self.out = nn.Linear(dim, dim)
        self.decode_function = decode_function

    def forward(self, x):
        return self.decode_function(self.out(x), dim=1)
`;

describe("a torch function with optional arguments as a default value", () => {
  const r = compile(defaultFunction, { filename: "decode.py" });

  it("is a lambda with torch's signature, deciding the optional dtype at run time", () => {
    expect(r.code).toContain("decode_function=(lambda input, dim, _stacklevel=3, dtype=None: nn.log_softmax((input if dtype is None else input.astype(dtype)), axis=dim))");
  });

  it("matches torch", () => {
    expect(portDifference(defaultFunction, r.code, r.weightMaps.Net, [2, 8])).toBeLessThan(1e-5);
  });
});

const noParameters = `import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        score = torch.bmm(x, x.transpose(1, 2)) / 2.0
        return torch.bmm(torch.softmax(score, -1), x)
`;

describe("a model without parameters", () => {
  it("converts its empty state_dict and matches torch", () => {
    const r = compile(noParameters, { filename: "attend.py" });
    expect(portDifference(noParameters, r.code, r.weightMaps.Net ?? [], [2, 5, 4])).toBeLessThan(1e-5);
  });
});

const storesClass = `import torch.nn as nn


class Base(nn.Module):
    def __init__(self, cell="lstm"):
        super().__init__()
        self.rnn_cell = nn.LSTM if cell == "lstm" else nn.GRU
`;

const comparesClass = `import torch.nn as nn


def is_lstm(module):
    return module.rnn_cell is nn.LSTM
`;

describe("a torch layer class stored in one file and compared in another", () => {
  it("is one class across the port's files", () => {
    const tree: Record<string, string> = { "pkg/base.py": storesClass, "pkg/check.py": comparesClass };
    const host = { ...memoryHost(tree), projectRoots: [""] };
    const [a, b] = Object.keys(tree).map((path) => compile(tree[path], { filename: path, host, package: { files: Object.keys(tree), path } }));
    const dir = mkdtempSync(join(tmpdir(), "c2m-layer-class-"));
    writeFileSync(join(dir, "base_mlx.py"), a.code);
    writeFileSync(join(dir, "check_mlx.py"), b.code);
    const out = runPython(`
import sys
sys.path.insert(0, "${dir}")
import base_mlx, check_mlx
print(check_mlx.is_lstm(base_mlx.Base("lstm")), check_mlx.is_lstm(base_mlx.Base("gru")))
`).trim();
    expect(out).toBe("True False");
  });
});
