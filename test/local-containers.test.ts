/**
 * What a constructor does to a local list or Sequential before storing it (passes/local-containers.ts), and a
 * class that holds itself (passes/weights.ts): timm's xception (`rep = rep[1:]`, `rep[0] = nn.ReLU()`),
 * cspnet (`stem = nn.Sequential(); stem.add_module(f"conv{i + 1}", …)`, `self.blocks.add_module(str(i), …)`), dla (`DlaTree` holding a `DlaTree`).
 * The port is compiled, a torch checkpoint converted with the emitted weight map and loaded strictly in MLX, and
 * its output compared with torch's.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const py = (s: string) => s.replace(/^\n/, "");

const SOURCE = py(`
import torch
import torch.nn as nn


class Tree(nn.Module):
    def __init__(self, levels, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.project = nn.Sequential(nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c))
        self.child = Tree(levels - 1, c) if levels > 1 else None

    def forward(self, x):
        x = self.conv(x) + self.project(x)
        if self.child is not None:
            x = self.child(x)
        return x


def make_stem(c, pool):
    stem = nn.Sequential()
    for i in range(2):
        stem.add_module(f"conv{i + 1}", nn.Conv2d(3 if i == 0 else c, c, 3, padding=1))
    if pool:
        stem.add_module("pool", nn.MaxPool2d(2))
    return stem


class Net(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.stem = make_stem(c, True)
        rep = [nn.ReLU(), nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
        rep = rep[1:]
        rep[0] = nn.Conv2d(c, c, 1)
        self.rep = nn.Sequential(*rep)
        self.blocks = nn.Sequential()
        for i in range(2):
            self.blocks.add_module(str(i), nn.Conv2d(c, c, 3, padding=1))
        self.tree = Tree(3, c)

    def forward(self, x):
        # the tree is loaded (strictly), not run: a recursive block's output layout is not followed yet
        return self.blocks(self.rep(self.stem(x)))
`);

describe("modules held in a local list or Sequential before they are stored, and a class holding itself", () => {
  it("maps every weight and runs as torch does", () => {
    const r = compile(SOURCE, { filename: "m.py", topClass: "Net" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    // the local Sequential given named children becomes NamedSequential (MLX's would run none of them)
    expect(r.code).toContain("stem = NamedSequential()");
    const rules = r.weightMaps.Net.map((w) => `${w.torch} ${w.mlx} ${w.op}`);
    expect(rules).toContain("stem.*.weight stem.*.weight conv");
    expect(rules).toContain("rep.0.weight rep.layers.0.weight conv");
    expect(rules).toContain("blocks.*.weight blocks.*.weight conv");
    // Tree(3) holds Tree(2), which holds Tree(1): its conv three levels down
    expect(rules).toContain("tree.child.child.conv.weight tree.child.child.conv.weight conv");
    expect(rules).toContain("tree.child.child.project.0.weight tree.child.child.project.layers.0.weight conv");

    expect(portDifference(SOURCE, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
