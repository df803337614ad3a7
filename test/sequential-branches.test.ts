/**
 * A Sequential built in either branch of an if and grown by add_module afterwards (timm's DenseNet: a deep stem or
 * not, then `self.features.add_module(f"denseblock{i + 1}", block)` in a loop): both options grow
 * (passes/local-containers.ts), so the weight map reaches the blocks. Checked by converting torch's state_dict shapes
 * with the map and comparing them with the emitted MLX module's parameters.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { packageRoot } from "../src/python.js";
import { applyWeightMap, type Tensor } from "../src/weights/index.js";

const PYTHON = join(packageRoot(), ".venv/bin/python");

const SRC = `from collections import OrderedDict
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(c)
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)

    def forward(self, x):
        return self.conv1(self.norm1(x))


class Net(nn.Module):
    def __init__(self, config=(1, 2), deep=False, c=4):
        super().__init__()
        if deep:
            self.features = nn.Sequential(OrderedDict([("conv0", nn.Conv2d(3, c, 3, padding=1)), ("conv1", nn.Conv2d(c, c, 3, padding=1))]))
        else:
            self.features = nn.Sequential(OrderedDict([("conv0", nn.Conv2d(3, c, 7, padding=3)), ("norm0", nn.BatchNorm2d(c))]))
        for i, n in enumerate(config):
            self.features.add_module(f"block{i + 1}", nn.Sequential(*[Block(c) for _ in range(n)]))
        self.features.add_module("norm5", nn.BatchNorm2d(c))

    def forward(self, x):
        return self.features(x)
`;

describe("a Sequential built in either branch, grown by add_module in a loop", () => {
  it("maps every block's weights", () => {
    const r = compile(SRC, { filename: "m.py" });
    const shapes = JSON.parse(
      execFileSync(PYTHON, ["-c", `${SRC}\nimport json\nprint(json.dumps({k: list(v.shape) for k, v in Net().state_dict().items()}))`], { encoding: "utf8" }),
    ) as Record<string, number[]>;
    const tensor = (shape: number[]): Tensor => ({ dtype: "F32", shape, data: new Uint8Array(4 * shape.reduce((a, b) => a * b, 1)) });
    const mapped = [...applyWeightMap(new Map(Object.entries(shapes).map(([k, s]) => [k, tensor(s)])), r.weightMaps.Net)].map(([k, t]) => `${k} ${t.shape.join("x")}`).sort();
    const script = `${r.code}\nfrom mlx.utils import tree_flatten\nfor k, v in sorted(tree_flatten(Net().parameters())):\n    print(k, "x".join(map(str, v.shape)))`;
    const mlx = execFileSync(PYTHON, ["-c", script], { encoding: "utf8" }).trim().split("\n").sort();
    expect(mapped).toEqual(mlx);
    expect(mapped).toContain("features.block2.layers.1.conv1.weight 4x3x3x4");
  });
});
