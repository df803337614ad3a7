/**
 * A list of tensors that crosses a module boundary holds them in torch's layout (passes/list-boundaries.ts): a list
 * display or a concatenation passed to a module class, a list parameter appended to (`children.append(bottom)`, timm's
 * DlaTree), and `for module in self` in a subclass of nn.Sequential (timm's selecsls SequentialList). Each model is
 * translated, run on MLX and compared with torch; and a comprehension's loop targets over a ModuleList hold its modules
 * (`[t(x) for i, t in enumerate(self.transition1)]`, timm's hrnet), as a for statement's do.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { packageRoot } from "../src/python.js";

const PYTHON = join(packageRoot(), ".venv/bin/python");

const SRC = `from typing import List, Optional
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(2 * c, c, 1)

    def forward(self, x: List[torch.Tensor]) -> List[torch.Tensor]:
        d1 = self.conv1(x[0])
        return [self.conv2(torch.cat([d1, x[1]], 1)), x[1]]


class Net(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 3, padding=1)
        self.block = Block(c)
        self.head = nn.Conv2d(c, c, 1)

    def forward(self, x):
        x = self.stem(x)
        out = self.block([x, x])
        return self.head(out[0])

class Root(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(3 * c, c, 1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, xs: List[torch.Tensor]):
        x = self.bn(self.conv(torch.cat(xs, 1)))
        return x + xs[0]


class Tree(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pool = nn.MaxPool2d(1)
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.root = Root(c)

    def forward(self, x, children: Optional[List[torch.Tensor]] = None):
        if children is None:
            children = []
        bottom = self.pool(x)
        children.append(bottom)
        x1 = self.conv(x)
        return self.root([x1, x1] + children)


class TreeNet(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 3, padding=1)
        self.tree = Tree(c)
        self.head = nn.Conv2d(c, c, 1)

    def forward(self, x):
        return self.head(self.tree(self.stem(x)))

class SeqList(nn.Sequential):
    def __init__(self, *args):
        super().__init__(*args)

    def forward(self, x: List[torch.Tensor]) -> List[torch.Tensor]:
        for module in self:
            x = module(x)
        return x


class CompNet(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 3, padding=1)
        self.trans = nn.ModuleList([nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU()), nn.Sequential(nn.Conv2d(c, c, 1))])

    def forward(self, x):
        x = self.stem(x)
        xs = [t(x) for i, t in enumerate(self.trans)]
        return xs[0] + xs[1]


class SeqNet(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 3, padding=1)
        self.features = SeqList(Block(c), Block(c))
        self.head = nn.Conv2d(c, c, 1)

    def forward(self, x):
        out = self.features([self.stem(x), self.stem(x)])
        return self.head(out[0])
`;

const CHECK = `
import sys, importlib.util, numpy as np, torch, mlx.core as mx
def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m
t, m = load("t", sys.argv[1]), load("m", sys.argv[2])
for name in sys.argv[3:]:
    torch.manual_seed(0)
    net = getattr(t, name)().eval()
    for p in net.modules():
        if isinstance(p, torch.nn.BatchNorm2d):
            p.running_mean.uniform_(-1, 1)
            p.running_var.uniform_(0.5, 2)
    sd = {k: mx.array(v.detach().numpy()) for k, v in net.state_dict().items()}
    mnet = getattr(m, name)()
    mnet.eval()
    mnet.load_weights(list(mnet.sanitize(sd).items()), strict=True)
    x = torch.randn(2, 3, 8, 8)
    a, b = net(x).detach().numpy(), np.array(mnet(mx.array(x.numpy())))
    print(name, a.shape == b.shape and float(np.abs(a - b).max()) < 1e-4)
`;

describe("lists of tensors across module boundaries", () => {
  it("go in torch's layout: list displays, concatenations, appended list parameters, a Sequential subclass iterating self", () => {
    const r = compile(SRC, { filename: "m.py" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain("for module in self.layers:");
    expect(r.code).toContain("children.append(bottom.transpose(0, 3, 1, 2))");
    const dir = mkdtempSync(join(tmpdir(), "c2m-lists-"));
    writeFileSync(join(dir, "t.py"), SRC);
    writeFileSync(join(dir, "m.py"), r.code);
    writeFileSync(join(dir, "check.py"), CHECK);
    const out = execFileSync(PYTHON, [join(dir, "check.py"), join(dir, "t.py"), join(dir, "m.py"), "Net", "TreeNet", "SeqNet", "CompNet"], { encoding: "utf8" });
    expect(out.trim().split("\n")).toEqual(["Net True", "TreeNet True", "SeqNet True", "CompNet True"]);
  });
});
