/**
 * Idioms real packages (timm) use while building a model: weight-init helpers that read a weight's fans,
 * guarded imports with fallbacks. Each is translated and run on real MLX, and checked against torch.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { packageRoot } from "../src/python.js";
import { applyWeightMap, type Tensor } from "../src/weights/index.js";

const py = (s: string) => s.replace(/^\n/, "");
const PYTHON = join(packageRoot(), ".venv/bin/python");
const run = (code: string) => execFileSync(PYTHON, ["-c", code], { encoding: "utf8" }).trim();

describe("torch.nn.init._calculate_fan_in_and_fan_out", () => {
  it("gives torch's fans for a Linear and a grouped conv weight as MLX holds them", () => {
    const src = py(`
import torch
from torch import nn
from torch.nn.init import _calculate_fan_in_and_fan_out


def fans():
    lin = nn.Linear(6, 10)
    conv = nn.Conv2d(8, 12, kernel_size=(3, 5), groups=2)
    return _calculate_fan_in_and_fan_out(lin.weight), _calculate_fan_in_and_fan_out(conv.weight)
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain("nn.init._calculate_fan_in_fan_out(lin.weight)");
    // torch's answer for the same two layers (torch is slow to import: its numbers are written down)
    expect(run(`${r.code}\nprint(fans())`)).toBe("((6, 10), (60, 180))");
  });
});

describe("modules added under names computed at run time", () => {
  it("the weight map matches the MLX module tree: stages added by add_module(*pair) are Sequentials holding layers.N (timm's ResNet)", () => {
    const src = py(`
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(self.bn1(self.conv1(x))) + x


def make_blocks(channels, depths):
    stages = []
    for stage_idx, (c, d) in enumerate(zip(channels, depths)):
        stage_name = f'layer{stage_idx + 1}'
        blocks = [Block(c) for _ in range(d)]
        stages.append((stage_name, nn.Sequential(*blocks)))
    return stages, len(stages)


class Net(nn.Module):
    def __init__(self, channels=(4, 4), depths=(1, 2)):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        stage_modules, n = make_blocks(channels, depths)
        for stage in stage_modules:
            self.add_module(*stage)

    def forward(self, x):
        x = self.conv1(x)
        x = self.layer1(x)
        x = self.layer2(x)
        return self.head(x.mean((2, 3), keepdim=True))
`);
    const r = compile(src, { filename: "m.py", topClass: "Net" });
    expect(r.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual(["C2M-W014@31"]);
    // torch's state_dict of Net() (keys and shapes)
    const torchShapes: Record<string, number[]> = {
      "conv1.weight": [4, 3, 3, 3],
      "conv1.bias": [4],
      "head.1.weight": [2, 4],
      "head.1.bias": [2],
    };
    for (const [stage, n] of [
      ["layer1", 1],
      ["layer2", 2],
    ] as const) {
      for (let i = 0; i < n; i++) {
        torchShapes[`${stage}.${i}.conv1.weight`] = [4, 4, 3, 3];
        for (const p of ["weight", "bias", "running_mean", "running_var"]) torchShapes[`${stage}.${i}.bn1.${p}`] = [4];
        torchShapes[`${stage}.${i}.bn1.num_batches_tracked`] = [];
      }
    }
    const tensor = (shape: number[]): Tensor => ({ dtype: "F32", shape, data: new Uint8Array(4 * shape.reduce((a, b) => a * b, 1)) });
    const mapped = applyWeightMap(new Map(Object.entries(torchShapes).map(([k, s]) => [k, tensor(s)])), r.weightMaps.Net);
    const got = [...mapped].map(([k, t]) => `${k} ${t.shape.join("x")}`).sort();
    // what the emitted module holds
    const script = `${r.code}\nfrom mlx.utils import tree_flatten\nfor k, v in sorted(tree_flatten(Net().parameters())):\n    print(k, "x".join(map(str, v.shape)))`;
    expect(run(script).split("\n")).toEqual(got);
    expect(got).toContain("layer2.layers.1.conv1.weight 4x3x3x4");
    // a stage's norm may be one c2m cannot see (timm builds it from an argument): BatchNorm's counter is dropped first
    expect(r.weightMaps.Net[0]).toEqual({ torch: "**.num_batches_tracked", mlx: null, op: "drop" });
  });
});

describe("block classes known from an annotation, taken row by row from enumerate(zip(...))", () => {
  it("a stage's blocks and their downsample Sequential get their rules (timm's make_blocks(block_fns: Tuple[Type[...], ...]))", () => {
    const src = py(`
from typing import Tuple, Type, Union
import torch.nn as nn


def to_ntuple(n):
    return lambda x: tuple([x] * n)


class BasicBlock(nn.Module):
    def __init__(self, c, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.downsample = downsample

    def forward(self, x):
        return self.conv1(x)


class Bottleneck(BasicBlock):
    pass


def make_blocks(block_fns: Tuple[Union[Type[BasicBlock], Type[Bottleneck]], ...], channels):
    stages = []
    for stage_idx, (block_fn, c) in enumerate(zip(block_fns, channels)):
        downsample = nn.Sequential(nn.Conv2d(c, c, 1), nn.BatchNorm2d(c))
        blocks = []
        for i in range(2):
            blocks.append(block_fn(c, downsample if i == 0 else None))
        stages.append((f'layer{stage_idx + 1}', nn.Sequential(*blocks)))
    return stages, len(stages)


class ResNet(nn.Module):
    def __init__(self, block, channels=(4, 4)):
        super().__init__()
        stage_modules, n = make_blocks(to_ntuple(2)(block), channels)
        for stage in stage_modules:
            self.add_module(*stage)

    def forward(self, x):
        return self.layer2(self.layer1(x))
`);
    const r = compile(src, { filename: "m.py", topClass: "ResNet" });
    const rules = r.weightMaps.ResNet.map((w) => `${String(w.torch)} ${String(w.mlx)} ${w.op}`);
    expect(rules).toEqual([
      "**.num_batches_tracked null drop",
      "*.#.conv1.weight *.layers.#.conv1.weight conv",
      "*.#.downsample.0.weight *.layers.#.downsample.layers.0.weight conv",
      "*.#.downsample.1.num_batches_tracked null drop",
      "*.#.downsample.0.** *.layers.#.downsample.layers.0.** identity",
      "*.#.downsample.1.** *.layers.#.downsample.layers.1.** identity",
      "*.#.** *.layers.#.** identity",
    ]);
  });
});

describe("branches that leave tensors of different ranks", () => {
  it("meet in torch's layout (timm's PatchEmbed: 'if self.flatten: x = x.flatten(2).transpose(1, 2)' after a conv)", () => {
    const src = py(`
import torch
import torch.nn as nn


def nchw_to(x, fmt):
    return x.permute(0, 2, 3, 1)


class PatchEmbed(nn.Module):
    def __init__(self, flatten=True, fmt="NHWC"):
        super().__init__()
        self.proj = nn.Conv2d(3, 8, 4, stride=4)
        self.flatten = flatten
        self.fmt = fmt
        self.norm = nn.LayerNorm(8)

    def forward(self, x):
        x = self.proj(x)
        if self.flatten:
            x = x.flatten(2).transpose(1, 2)  # NCHW -> NLC
        elif self.fmt != "NCHW":
            # a helper's result, of a rank c2m does not know
            x = nchw_to(x, self.fmt)
        x = self.norm(x)
        return x
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain("        x = self.proj(x)\n        x = x.transpose(0, 3, 1, 2)\n");
    // the conv's output in torch's layout, flattened and transposed as torch does: the same numbers as the conv's
    // channels-last output reshaped (N, H*W, C)
    const check = `${r.code}\nimport mlx.core as mx\nm = PatchEmbed()\nx = mx.random.normal((1, 3, 16, 16))\ny = m(x)\nref = m.norm(m.proj(x.transpose(0, 2, 3, 1)).reshape(1, 16, 8))\nprint(y.shape, mx.allclose(y, ref, atol=1e-5).item())`;
    expect(run(check)).toBe("(1, 16, 8) True");
  });
});

describe("nn.Sequential used as a list", () => {
  it("append, extend and insert reach MLX's layers list: the model runs them in order and holds their weights (timm's TinyVit)", () => {
    const src = py(`
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = nn.Sequential()
        for i in range(2):
            self.stages.append(nn.Linear(4, 4))
        self.stages.extend([nn.ReLU()])
        self.stages.insert(0, nn.Linear(4, 4))

    def forward(self, x):
        return self.stages(x)
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain("self.stages.layers.append(nn.Linear(4, 4))");
    const check = `${r.code}\nimport mlx.core as mx\nfrom mlx.utils import tree_flatten\nn = Net()\nx = mx.ones((1, 4))\nl = n.stages.layers\nref = nn.relu(l[2](l[1](l[0](x))))\nprint(len(l), sorted(k for k, _ in tree_flatten(n.parameters()))[:2], mx.allclose(n(x), ref).item())`;
    expect(run(check)).toBe("4 ['stages.layers.0.bias', 'stages.layers.0.weight'] True");
  });
});

describe("one call that builds one of two layers", () => {
  it("keeps both (timm's Mlp: partial(nn.Conv2d, kernel_size=1) if use_conv else nn.Linear), and runs the call by the layer held at run time", () => {
    const src = py(`
from functools import partial
import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self, c, use_conv=False):
        super().__init__()
        linear_layer = partial(nn.Conv2d, kernel_size=1) if use_conv else nn.Linear
        self.fc1 = linear_layer(c, c)

    def forward(self, x):
        return self.fc1(x)
`);
    const r = compile(src, { filename: "m.py" });
    // the two disagree on layout: c2m_sequential asks the layer held at run time what it takes (was C2M-W022, torch's layout)
    expect(r.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual([]);
    expect(r.code).toContain("return c2m_sequential(self.fc1, x, False, False)");
    // the conv's weight transform, which leaves a Linear's 2-D weight as it is
    expect(r.weightMaps.Mlp).toEqual([{ torch: "fc1.weight", mlx: "fc1.weight", op: "conv" }]);
  });
});
