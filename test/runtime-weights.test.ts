/**
 * Modules a builder object makes from string architecture definitions (timm's `nn.Sequential(*builder(stem_size,
 * block_args))`): no static rule can name their keys, so the weight map leaves everything under the container to run
 * time (`runtime`, passes/weights.ts), `c2m weights` keeps those keys under their torch names, and the model's
 * load_weights resolves each against the module built at its path (cookbook/helpers/c2m_runtime_weights.py): a block
 * class c2m emitted converts its part with its own map (a conv → OHWI), an MLX layer by its known layout. Checked
 * against torch; a key whose module is no layer c2m knows raises at load, never loads as it stands. The same holds for
 * a block class another file of the package gives a model (timm's res2net.py → resnet.py's ResNet, C2M-W024).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";
import { convertWeightsFile } from "../src/weights/index.js";
import { convertedPortDir, portDifference, runPython } from "./python-run.js";

const source = (other: string) => `import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Builder:
    def __init__(self, defs):
        self.defs = defs

    def __call__(self, cin):
        stages = []
        for stage in self.defs:
            blocks = []
            for d in stage:
                kind, c = d.split("_")
                c = int(c)
                blocks.append(Block(cin, c, 3) if kind == "b" else ${other})
                cin = c if kind == "b" else cin
            stages.append(nn.Sequential(*blocks))
        return stages


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        builder = Builder([["b_8", "l_8"], ["b_16"]])
        self.blocks = nn.Sequential(*builder(8))
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.head(x.mean((2, 3)))
`;

describe("weights of modules built at run time", () => {
  it("leaves the container's keys to run time, with a warning and a load_weights that resolves them", () => {
    const r = compile(source("nn.Linear(c, c)"), { filename: "m.py" });
    expect(r.diagnostics.map((d) => d.code)).toContain("C2M-W023");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.weightMaps.Net).toContainEqual({ torch: "blocks.**", mlx: null, op: "runtime" });
    expect(r.code).toContain("return super().load_weights(c2m_resolve_torch_keys(self, file_or_weights), strict=strict)");
    expect(r.code).toContain(`return c2m_apply_weight_map(weights, c2m_runtime_renames(C2M_WEIGHT_MAPS["Net"]))`);
  });

  it("matches torch: the blocks' convs by their class's map, a Linear by its layer, nested Sequentials' layers.", () => {
    const src = source("nn.Linear(c, c)");
    const r = compile(src, { filename: "m.py" });
    expect(portDifference(src, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });

  it("a key held by a layer whose layout c2m does not know raises at load", () => {
    const src = source("nn.PReLU()");
    const r = compile(src, { filename: "m.py" });
    const dir = convertedPortDir(src, r.code, r.weightMaps.Net);
    const out = runPython(`
import sys
sys.path.insert(0, "${dir}")
import m_mlx
try:
    m_mlx.Net().load_weights("${dir}/net.safetensors", strict=True)
    print("loaded")
except ValueError as e:
    print(e)
`);
    expect(out).toBe("c2m: torch key 'blocks.0.1.weight' is held by a PReLU, whose weight layout c2m does not know: convert it by hand");
  });
});

// timm's ResNet as res2net.py, skresnet.py and resnest.py build it: the model's file turns the block class into a tuple
// through a helper of another file (to_ntuple(n)(block)), hands it to a function whose annotation names only its own
// blocks, and gives each block a downsample Sequential that the block's file never sees
const PACKAGE = {
  "pkg/__init__.py": "",
  "pkg/helpers.py": `import collections.abc
from itertools import repeat


def _ntuple(n):
    def parse(x):
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(repeat(x, n))

    return parse


to_ntuple = _ntuple
`,
  "pkg/byob.py": `from typing import Tuple, Type

import torch
from torch import nn

from .helpers import to_ntuple


class Basic(nn.Module):
    def __init__(self, cin, c, downsample=None):
        super().__init__()
        self.conv = nn.Conv2d(cin, c, 3, padding=1)
        self.downsample = downsample

    def forward(self, x):
        return self.conv(x) + (x if self.downsample is None else self.downsample(x))


def make_blocks(block_fns: Tuple[Type[Basic], ...], channels):
    stages = []
    cin = channels[0]
    for block_fn, c in zip(block_fns, channels):
        downsample = nn.Sequential(nn.Conv2d(cin, c, 1, bias=False), nn.BatchNorm2d(c)) if cin != c else None
        stages.append(nn.Sequential(block_fn(cin, c, downsample=downsample)))
        cin = c
    return stages


class Net(nn.Module):
    def __init__(self, block=Basic, channels=(4, 8)):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        block_fns = to_ntuple(len(channels))(block)
        self.stages = nn.Sequential(*make_blocks(block_fns, channels))

    def forward(self, x):
        return self.stages(self.stem(x))
`,
  "pkg/mine.py": `from typing import Optional

import torch
from torch import nn

from .byob import Net


class Wide(nn.Module):
    def __init__(self, cin, c, downsample: Optional[nn.Module] = None):
        super().__init__()
        self.conv = nn.Conv2d(cin, c, 1)
        self.bn = nn.BatchNorm2d(c)
        self.downsample = downsample

    def forward(self, x):
        y = self.bn(self.conv(x))
        return y + (x if self.downsample is None else self.downsample(x))


def net_wide(**kwargs):
    return Net(block=Wide, **kwargs)
`,
};

describe("a block class another file of the package gives a model", () => {
  const host = memoryHost(PACKAGE);
  const out = (f: string) => compile(PACKAGE[f as keyof typeof PACKAGE], { filename: f, host, package: { files: Object.keys(PACKAGE), path: f } });

  it("leaves the keys of what the model's class parameter builds to run time, through a helper's tuple and an annotated function", () => {
    const byob = out("pkg/byob.py");
    expect(byob.weightMaps.Net.filter((r) => r.op === "runtime").map((r) => r.torch)).toEqual(["stages.#.0.**"]);
    expect(byob.code).toContain("return super().load_weights(c2m_resolve_torch_keys(self, file_or_weights), strict=strict)");
  });

  it("is resolved by the model's load_weights: the block by its own map, the downsample its file never sees by its layers; matches torch", () => {
    const [byob, mine] = [out("pkg/byob.py"), out("pkg/mine.py")];
    const dir = mkdtempSync(join(tmpdir(), "c2m-runtime-pkg-"));
    const emitted = { "pkg/__init__.py": "", "pkg/helpers.py": out("pkg/helpers.py").code, "pkg/byob.py": byob.code, "pkg/mine.py": mine.code };
    for (const [name, files] of [
      ["pkg", PACKAGE],
      ["mlxpkg", emitted],
    ] as const) {
      mkdirSync(join(dir, name));
      for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, name, f.slice(4)), text);
    }
    runPython(`
import sys, numpy as np, torch
sys.path.insert(0, "${dir}")
from pkg import mine
torch.manual_seed(0)
net = mine.net_wide().eval()
for m in net.modules():
    if isinstance(m, torch.nn.BatchNorm2d):
        m.running_mean.uniform_(-0.5, 0.5); m.running_var.uniform_(0.5, 1.5)
torch.save(net.state_dict(), "${dir}/net.pt")
x = np.random.default_rng(0).standard_normal((1, 3, 6, 6)).astype(np.float32)
with torch.no_grad(): np.save("${dir}/y.npy", net(torch.from_numpy(x)).numpy())
np.save("${dir}/x.npy", x)
`);
    convertWeightsFile(join(dir, "net.pt"), join(dir, "net.safetensors"), byob.weightMaps.Net);
    const diff = runPython(`
import sys, numpy as np, mlx.core as mx
sys.path.insert(0, "${dir}")
from mlxpkg import mine
net = mine.net_wide(); net.load_weights("${dir}/net.safetensors", strict=True); net.eval()
y, want = np.array(net(mx.array(np.load("${dir}/x.npy")))), np.load("${dir}/y.npy")
print(float(np.abs(y - want).max()) if y.shape == want.shape else float("inf"))
`);
    expect(Number(diff)).toBeLessThan(1e-4);
  });
});
