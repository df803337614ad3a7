/**
 * Weight maps of Sequentials whose elements differ in kind (torchvision's MobileNetV3 block: Conv-BN-act
 * Sequentials and a SqueezeExcitation module in one `nn.Sequential(*layers)`): the positions of a Sequential
 * are digits (`#`), so an element's own attribute (`block.1.fc1`) is never read as a nested position.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { packageRoot, pythonExecutable } from "../src/python.js";
import { applyWeightMap } from "../src/weights/map.js";
import type { Tensor } from "../src/weights/tensor.js";
import type { WeightRule } from "../ir/weights.js";

const MODEL = `
import torch
from torch import nn


class SE(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // 2, 1)
        self.fc2 = nn.Conv2d(c // 2, c, 1)

    def forward(self, x):
        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(x))))


class ConvNorm(nn.Sequential):
    def __init__(self, c, k, act=True):
        layers = [nn.Conv2d(c, c, k, padding=k // 2), nn.BatchNorm2d(c)]
        if act:
            layers.append(nn.ReLU())
        super().__init__(*layers)


class Block(nn.Module):
    def __init__(self, c, use_se):
        super().__init__()
        layers = []
        layers.append(ConvNorm(c, 3))
        if use_se:
            layers.append(SE(c))
        layers.append(ConvNorm(c, 1, act=False))
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.block(x)
`;

const f32 = (shape: number[]): Tensor => ({ dtype: "F32", shape, data: new Uint8Array(4 * shape.reduce((a, b) => a * b, 1)) });

/** torch's state_dict keys of Block(4, use_se=True), with their shapes */
const STATE: [string, number[]][] = [
  ["block.0.0.weight", [4, 4, 3, 3]],
  ["block.0.0.bias", [4]],
  ["block.0.1.weight", [4]],
  ["block.0.1.running_mean", [4]],
  ["block.0.1.num_batches_tracked", []],
  ["block.1.fc1.weight", [2, 4, 1, 1]],
  ["block.1.fc1.bias", [2]],
  ["block.1.fc2.weight", [4, 2, 1, 1]],
  ["block.1.fc2.bias", [4]],
  ["block.2.0.weight", [4, 4, 1, 1]],
  ["block.2.1.bias", [4]],
];

const EXPECTED: [string, number[]][] = [
  ["block.layers.0.layers.0.weight", [4, 3, 3, 4]],
  ["block.layers.0.layers.0.bias", [4]],
  ["block.layers.0.layers.1.weight", [4]],
  ["block.layers.0.layers.1.running_mean", [4]],
  ["block.layers.1.fc1.weight", [2, 1, 1, 4]],
  ["block.layers.1.fc1.bias", [2]],
  ["block.layers.1.fc2.weight", [4, 1, 1, 2]],
  ["block.layers.1.fc2.bias", [4]],
  ["block.layers.2.layers.0.weight", [4, 1, 1, 4]],
  ["block.layers.2.layers.1.bias", [4]],
];

describe("a Sequential of elements of different kinds", () => {
  const rules: WeightRule[] = compile(MODEL, { filename: "block.py" }).weightMaps.Block;

  it("its positions are digits-only wildcards in the map", () => {
    expect(rules.map((r) => r.torch)).toContain("block.#.fc1.weight");
    expect(rules.map((r) => r.torch)).toContain("block.#.#.weight");
  });

  it("maps every key to the MLX module's key: the SE module's attributes stay attributes, the nested Sequentials get layers", () => {
    const out = applyWeightMap(new Map(STATE.map(([k, s]) => [k, f32(s)])), rules);
    expect([...out].map(([k, t]) => [k, t.shape])).toEqual(EXPECTED);
  });

  it("the Python twin (cookbook/helpers/weight_map.py) maps the same keys", () => {
    const script = `
import json, sys
import mlx.core as mx
exec(open("cookbook/helpers/weight_map.py").read())
rules, state = json.load(sys.stdin)
rules = [(r["torch"], r["mlx"], r["op"], *r.get("args", [])) for r in rules]
out = c2m_apply_weight_map({k: mx.zeros(s) for k, s in state}, rules)
print(json.dumps([[k, list(v.shape)] for k, v in out.items()]))
`;
    const ran = spawnSync(pythonExecutable(), ["-c", script], { input: JSON.stringify([rules, STATE]), encoding: "utf8" });
    expect(ran.stderr).toBe("");
    expect(JSON.parse(ran.stdout)).toEqual(EXPECTED);
  });
});

const GROWN = `
from torch import nn


class Unit(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 1)

    def forward(self, x):
        return self.conv(x)


class Net(nn.Module):
    def __init__(self, c=4, n=2, stride=2):
        super().__init__()
        self.units = nn.ModuleList()
        for _ in range(n):
            self.units += [Unit(c)]
        proj = [nn.Conv2d(c, c, 1)]
        if stride == 2:
            proj = [nn.AvgPool2d(3, stride, 1)] + proj
        self.proj = nn.Sequential(*proj)

    def forward(self, x):
        for u in self.units:
            x = u(x)
        return self.proj(x)
`;

describe("module lists grown by += and by list concatenation (MaxVit's blocks and projections)", () => {
  const rules = compile(GROWN, { filename: "grown.py" }).weightMaps.Net;

  it("self.units += [Unit(c)] in a loop: each unit's conv is mapped", () => {
    expect(rules).toContainEqual({ torch: "units.#.conv.weight", mlx: "units.#.conv.weight", op: "conv" });
  });

  it("[pool] + [conv] given to nn.Sequential: the conv's position is known either way", () => {
    const out = applyWeightMap(new Map([["proj.1.weight", f32([4, 4, 1, 1])]]), rules);
    expect([...out.keys()]).toEqual(["proj.layers.1.weight"]);
    const plain = applyWeightMap(new Map([["proj.0.weight", f32([4, 4, 1, 1])]]), rules);
    expect([...plain.keys()]).toEqual(["proj.layers.0.weight"]);
  });
});

describe("a block class passed on through **kwargs by builder functions", () => {
  const file = join(packageRoot(), "test", "fixtures", "models", "kwargs_block.py");
  const rules = compile(readFileSync(file, "utf8"), { filename: "kwargs_block.py" }).weightMaps.Net;

  it("reaches the class's weight map: the keys of a Net built with BlockB map onto the MLX module's", () => {
    const keys: [string, number[]][] = [
      ["blocks.0.fc.weight", [4, 4]],
      ["blocks.0.mlp.0.weight", [4, 4]],
      ["blocks.1.mlp.0.bias", [4]],
    ];
    const out = applyWeightMap(new Map(keys.map(([k, s]) => [k, f32(s)])), rules);
    expect([...out.keys()]).toEqual(["blocks.layers.0.fc.weight", "blocks.layers.0.mlp.layers.0.weight", "blocks.layers.1.mlp.layers.0.bias"]);
  });
});
