/**
 * A class that holds itself under names computed at run time (pytorch-cifar's DLA: `Tree` stores its subtrees with
 * `self.__setattr__('level_%d' % i, subtree)`): the subtree's rules sit under the `*` of the unnamed attribute, and
 * the guards for the subtree's own named attributes (kept from its deeper `*`) come after the subtree's transforms
 * and renames. They came before them, so a conv weight or a Sequential's BatchNorm under a subtree kept torch's
 * layout or key: the converted weights did not load.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { convertedPortDir, runPython } from "./python-run.js";

const SOURCE = `import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.shortcut = nn.Sequential(nn.Conv2d(c, c, 1), nn.BatchNorm2d(c))

    def forward(self, x):
        return self.conv(x) + self.shortcut(x)


class Tree(nn.Module):
    def __init__(self, c, level=1):
        super().__init__()
        self.level = level
        self.left = Block(c)
        for i in range(1, level):
            self.__setattr__('level_%d' % i, Tree(c, level=i))

    def forward(self, x):
        return self.left(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.tree = Tree(4, level=3)

    def forward(self, x):
        return self.tree(x)
`;

describe("weights under attributes named at run time, in a class that holds itself", () => {
  it("every torch key is converted to the port's key and layout: the weights load strictly", () => {
    const r = compile(SOURCE, { filename: "m.py" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["C2M-W014"]);
    const dir = convertedPortDir(SOURCE, r.code, r.weightMaps.Net);
    const loaded = runPython(`
import sys
sys.path.insert(0, "${dir}")
import m_mlx
net = m_mlx.Net(); net.load_weights("${dir}/net.safetensors", strict=True)
print(tuple(net.tree.level_2.level_1.left.shortcut.layers[0].weight.shape), tuple(net.tree.level_1.left.shortcut.layers[1].running_mean.shape))
`);
    expect(loaded).toBe("(4, 1, 1, 4) (4,)");
  });
});

describe("modules of classes c2m cannot tell, under names computed at run time", () => {
  it("are left to the built model to resolve when it loads (a runtime rule), never to a rule for their names alone", () => {
    const getter = `import torch.nn as nn


class Getter(nn.ModuleDict):
    def __init__(self, model, keep):
        layers = {}
        for name, module in model.named_children():
            layers[name] = module
            if name == keep:
                break
        super().__init__(layers)
        self.keep = keep

    def forward(self, x):
        for module in self.values():
            x = module(x)
        return x
`;
    const r = compile(getter, { filename: "g.py" });
    expect(r.diagnostics.map((d) => d.code)).toContain("C2M-W014");
    expect((r.weightMaps.Getter ?? []).map((x) => `${String(x.torch)} ${x.op}`)).toContain("*.** runtime");
  });
});
