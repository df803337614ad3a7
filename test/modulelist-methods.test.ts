/**
 * torch's Module methods called on a ModuleList, which MLX holds as a plain list of modules: diffusers'
 * TemporalDecoder reads `next(itertools.chain(self.up_blocks.parameters(), self.up_blocks.buffers())).dtype`, which
 * met a list (`'list' object has no attribute 'parameters'`). parameters() and named_parameters() on a ModuleList
 * (an attribute, a local, nested) go through helpers that flatten a list's modules under torch's names
 * (passes/tables/index.ts MODULE_METHODS `container`). A module's own parameters() is a generator, as torch's iterator
 * (`next(module.parameters())` met a list). Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { convertedPortDir, portDifference, runPython } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import itertools
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.fc(x).relu()


class Net(nn.Module):
    def __init__(self, dim=4):
        super().__init__()
        self.blocks = nn.ModuleList([])
        for _ in range(2):
            self.blocks.append(Block(dim))
        self.nested = nn.ModuleList([nn.ModuleList([Block(dim)]), Block(dim)])
        self.head = nn.Linear(dim, dim)
        # BiT's encoder fills an empty ModuleList by name
        self.stages = nn.ModuleList([])
        for i in range(2):
            self.stages.add_module(str(i), Block(dim))
        self.convs = nn.ModuleList([])
        for i in range(2):
            self.convs.add_module(str(i), nn.Conv1d(dim, dim, 1))

    def names(self):
        local = nn.ModuleList([self.blocks[1]])
        return [k for k, _ in self.nested.named_parameters()] + [k for k, _ in local.named_parameters()]

    def forward(self, x):
        dtype = next(itertools.chain(self.blocks.parameters(), self.blocks.buffers())).dtype
        # a module's parameters() is an iterator in torch (swinv2, auraflow read the first one's dtype)
        dtype = next(self.head.parameters()).dtype if dtype == next(self.blocks[0].fc.parameters()).dtype else dtype
        local = nn.ModuleList([self.blocks[0]])
        total = sum(p.sum() for p in self.nested.parameters()) + sum(p.sum() for p in local.parameters())
        for block in self.blocks:
            x = block(x)
        for stage in self.stages:
            x = stage(x)
        for conv in self.convs:
            x = conv(x.transpose(1, 2)).transpose(1, 2)
        return x.to(dtype) * total + len(self.names())
`;

describe("Module methods on a ModuleList (MLX's plain list)", () => {
  const r = compile(src, { filename: "modulelist_methods.py" });

  it("go through the helpers that flatten a list's modules", () => {
    expect(r.code).toContain("next(itertools.chain(c2m_parameters_of(self.blocks), [])).dtype");
    expect(r.code).toContain("[k for k, _ in c2m_named_parameters_of(self.nested)]");
    expect(r.code).toContain("next((p for _, p in tree_flatten(self.head.parameters()))).dtype");
    expect(r.code).toContain("c2m_add_module(self.stages, str(i), Block(dim))");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("match torch's numbers and names", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 4])).toBeLessThan(1e-4);
    const dir = convertedPortDir(src, r.code, r.weightMaps.Net);
    const names = (module: string) => runPython(`import sys\nsys.path.insert(0, "${dir}")\nimport ${module}\nprint(${module}.Net().names())`);
    expect(names("m_mlx")).toBe(names("m"));
    expect(names("m")).toContain("'0.0.fc.weight'");
  });
});
