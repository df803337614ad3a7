/**
 * What the module tree cannot follow while it reads constructors is an error or warning at the construct, with its
 * `# c2m:` marker on that output line (passes/unknown-items.ts, passes/build-markers.ts): a Sequential given what a
 * builder object returns (timm's `nn.Sequential(*builder(stem_size, block_args))`, C2M-W023: its weights are resolved
 * when the model loads, test/runtime-weights.test.ts), a block built from a
 * parameter no call site fills (C2M-W015).
 */
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";

const SRC = `import torch
from torch import nn


class Builder:
    def __init__(self, arch):
        self.arch = arch

    def __call__(self, c):
        return [nn.Sequential(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c)) for _ in self.arch]


class Net(nn.Module):
    def __init__(self, arch=("ds_r1_k3",), c=4):
        super().__init__()
        builder = Builder(arch)
        self.blocks = nn.Sequential(*builder(c))
        self.layers = nn.Sequential(*[nn.Conv2d(c, c, 1) for _ in range(2)])

    def forward(self, x):
        return self.layers(self.blocks(x))


class Stage(nn.Module):
    def __init__(self, block, c):
        super().__init__()
        self.block = block(c)

    def forward(self, x):
        return self.block(x)
`;

describe("constructs the module tree cannot follow", () => {
  const r = compile(SRC, { filename: "m.py" });
  const lineOf = (text: string) => r.code.split("\n").find((l) => l.includes(text)) ?? "";

  it("a Sequential of what a builder returns is a warning at the construct, marked on its line, its keys left to run time", () => {
    const w023 = r.diagnostics.filter((d) => d.code === "C2M-W023");
    expect(w023.map((d) => `${d.line}:${d.col}`)).toEqual(["17:23"]);
    expect(w023[0].message).toContain("nn.Sequential(*builder(c))");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(lineOf("self.blocks = ")).toContain("# c2m: C2M-W023");
    expect(r.weightMaps.Net).toContainEqual({ torch: "blocks.**", mlx: null, op: "runtime" });
    // items c2m sees are no error
    expect(lineOf("self.layers = ")).not.toContain("c2m:");
  });

  it("a block built by a parameter no call site fills keeps its warning's marker", () => {
    expect(r.diagnostics.map((d) => d.code)).toContain("C2M-W015");
    expect(lineOf("self.block = ")).toContain("# c2m: C2M-W015");
  });
});

describe("a class of this file that another file's model holds without its rules (C2M-E032, C2M-W024)", () => {
  const files = {
    "pkg/__init__.py": "",
    "pkg/builder.py": "def build_model(model_cls, variant, **kwargs):\n    return model_cls(**kwargs)\n",
    "pkg/byob.py": `import torch
from torch import nn

_block_registry = {}


def register_block(block_type, block_fn):
    _block_registry[block_type] = block_fn


class Basic(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(x)


class Net(nn.Module):
    def __init__(self, block=Basic, c=4):
        super().__init__()
        self.block = block(c)

    def forward(self, x):
        return self.block(x)
`,
    "pkg/mine.py": `import torch
from torch import nn
from .builder import build_model
from .byob import Net, register_block


class Wide(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 1)

    def forward(self, x):
        return self.conv(x)


register_block("wide", Wide)


def net_wide(**kwargs):
    return build_model(Net, "wide", **dict(block=Wide, **kwargs))
`,
  };
  const host = memoryHost(files);
  const r = compile(files["pkg/mine.py"], { filename: "pkg/mine.py", host, package: { files: Object.keys(files), path: "pkg/mine.py" } });
  const e032 = r.diagnostics.filter((d) => d.code === "C2M-E032");

  it("at a registration into another file's table: a warning in a package (the model there resolves it at load), an error for a file alone; at a call building another file's model with it: an error", () => {
    expect(e032.map((d) => d.line)).toEqual([20]);
    expect(e032[0].message).toMatch(/^Wide is given to Net \(pkg\/byob.py\) here/);
    const w024 = r.diagnostics.filter((d) => d.code === "C2M-W024");
    expect(w024.map((d) => d.line)).toEqual([16]);
    expect(w024[0].message).toMatch(/^Wide is registered into _block_registry of pkg\/byob.py: a model there that builds blocks by name resolves their weights when it loads/);
    expect(r.code.split("\n").find((l) => l.startsWith('register_block("wide", Wide)'))).toContain("# c2m: C2M-W024");
    const alone = compile(files["pkg/mine.py"], { filename: "pkg/mine.py", host });
    expect(alone.diagnostics.filter((d) => d.code === "C2M-E032").map((d) => d.line)).toEqual([16, 20]);
  });
});
