/**
 * Idioms of real sequence and language models that compiled cleanly and then failed when the port ran (the zoo's
 * github/rwkv_v1_*, github/palm*, github/mambapy_* cases). Each is checked against torch.
 *
 * - RWKV's time shift: `nn.ZeroPad2d((0, 0, 1, -1))` on a (B, T, C) slice, an unbatched input to torch's padding
 *   layer, with a negative (cropping) amount; the rank comes from `B, T, C = x.size()` and the slice keeping it.
 * - A Sequential a function builds and indexes (`net[-1].weight = net[0].weight`, PaLM): MLX's Sequential is a dict,
 *   so the items are read through `.layers`, and the tied parameter stays one array (TiedSequential), also through an
 *   in-place initialiser run after the tie.
 * - A Sequential's item as an assignment target in __init__ (`self.net[0].bias = ...`).
 * - An attribute set on a parameter (`self.A_log._no_weight_decay = True`, mamba): an mx.array holds none.
 */
import { describe, expect, it } from "vitest";
import { portDifference, runPython } from "./python-run.js";
import { compile } from "../src/index.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const timeShift = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.time_shift = nn.ZeroPad2d((0, 0, 1, -1))
        self.key = nn.Linear(dim, dim)

    def forward(self, x):
        B, T, C = x.size()
        x = torch.cat([self.time_shift(x[:, :, :C // 2]), x[:, :, C // 2:]], dim=-1)
        return self.key(x)
`;

describe("RWKV's time shift: a padding layer on an unbatched input, cropping", () => {
  const r = compile(timeShift, { filename: "shift.py" });

  it("pads the (T, C) slice in torch's layout, through a batch of one", () => {
    expect(r.code).toContain("c2m_unbatched(self.time_shift, x[:, :, :C // 2])");
    expect(r.code).not.toMatch(/transpose\(0, 2, 3, 1\)/);
  });

  it("matches torch", () => {
    expect(portDifference(timeShift, r.code, r.weightMaps.Net, [2, 5, 8])).toBeLessThan(1e-5);
  });
});

const tiedFactory = `import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.fc2 = nn.Linear(dim, dim)
        self.fc2.bias = self.fc.bias

    def forward(self, x):
        return x + self.fc2(self.fc(x).relu())


class Mixer(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.net[0].bias = self.net[2].bias

    def forward(self, x):
        return self.net(x)


def Net(dim=8, depth=2):
    net = nn.Sequential(
        nn.Linear(dim, dim, bias=False),
        *[Block(dim) for _ in range(depth)],
        Mixer(dim),
        nn.Linear(dim, dim, bias=False),
    )
    net[-1].weight = net[0].weight
    nn.init.normal_(net[0].weight, std=0.02)
    return net
`;

describe("a Sequential a function builds, indexes and ties", () => {
  const r = compile(tiedFactory, { filename: "tied.py" });

  it("reads the items through the Sequential's list, also as an assignment target", () => {
    expect(r.code).toContain("net.layers[-1].weight = net.layers[0].weight");
    expect(r.code).toContain("self.net.layers[0].bias = self.net.layers[2].bias");
    expect(r.code).toContain("net = TiedSequential(");
    // initialised after the tie: filled in place, so the two names keep the one array
    expect(r.code).toContain("net.layers[0].weight[...] = nn.init.normal(0.0, 0.02)(net.layers[0].weight)");
  });

  it("matches torch, and counts the tied parameter once, as torch does", () => {
    expect(portDifference(tiedFactory, r.code, r.weightMaps.Net, [2, 8])).toBeLessThan(1e-5);
    const dir = mkdtempSync(join(tmpdir(), "c2m-tied-"));
    writeFileSync(join(dir, "m.py"), tiedFactory);
    writeFileSync(join(dir, "m_mlx.py"), r.code);
    const counts = runPython(`
import sys
sys.path.insert(0, "${dir}")
import m, m_mlx
from mlx.utils import tree_flatten
theirs = sum(p.numel() for p in m.Net().parameters())
mine = sum(v.size for _, v in tree_flatten(m_mlx.Net().trainable_parameters()))
print(theirs, mine)
`).trim();
    const [theirs, mine] = counts.split(" ").map(Number);
    expect(mine).toBe(theirs);
  });
});

const paramHints = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.A_log = nn.Parameter(torch.log(torch.arange(1, dim + 1, dtype=torch.float32)))
        self.A_log._no_weight_decay = True
        self.pos = nn.Parameter(torch.zeros(1, dim))
        self.pos.requires_grad = False
        self.fc = nn.Linear(dim, dim)
        self.fc.weight._no_reinit = True

    def forward(self, x):
        return self.fc(x) * torch.exp(self.A_log) + self.pos
`;

describe("an attribute set on a parameter", () => {
  const r = compile(paramHints, { filename: "hints.py" });

  it("keeps a hint no MLX computation reads as a comment, with C2M-W061", () => {
    expect(r.code).toContain("# self.A_log._no_weight_decay = True");
    expect(r.code).toContain("# self.fc.weight._no_reinit = True");
    expect(r.diagnostics.filter((d) => d.code === "C2M-W061")).toHaveLength(2);
  });

  it("turns requires_grad = False into MLX's freeze of that parameter", () => {
    expect(r.code).toContain(`self.freeze(keys=["pos"], recurse=False)`);
  });

  it("matches torch", () => {
    expect(portDifference(paramHints, r.code, r.weightMaps.Net, [2, 8])).toBeLessThan(1e-5);
  });
});

const opValues = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        losses, indices = map(torch.stack, ([x, self.fc(x)], [x * 2, x + 1]))
        join = torch.cat
        return join([losses, indices], dim=1).sum(0)
`;

describe("a torch function of several parameters used as a value (encodec's map(torch.stack, …))", () => {
  const r = compile(opValues, { filename: "values.py" });

  it("is a lambda with torch's signature", () => {
    expect(r.code).toContain("map((lambda tensors, dim=0: mx.stack(tensors, axis=dim)), ");
    expect(r.code).toContain("join = (lambda tensors, dim=0: mx.concatenate(tensors, axis=dim))");
  });

  it("matches torch", () => {
    expect(portDifference(opValues, r.code, r.weightMaps.Net, [2, 8])).toBeLessThan(1e-5);
  });
});
