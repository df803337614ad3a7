/**
 * Blocks built through factories the module tree now follows (timm's byobnet and cspnet): layer factories held in
 * the fields of a dataclass (`LayerFn`, `layers = layers or LayerFn()`, `layers.conv_norm_act(…)`,
 * passes/dataclass-values.ts), a block class looked up in a table bound at the top of the file
 * (`_block_registry[kind](**kwargs)`, passes/module-globals.ts), a partial fixing a block's norm layer
 * (`SEWithNorm = partial(SE, norm_layer=nn.BatchNorm2d)`, passes/partial-values.ts), blocks passed to a
 * Sequential subclass through `*args` (vovnet's SequentialAppendList), a head returned as a 2- or 3-tuple
 * (timm's create_classifier), and a function returning a different
 * (class, args) tuple from each branch (`block_fn, args = _get_block_fn(args)`, passes/local-containers.ts).
 * The port is compiled, a torch checkpoint converted with the emitted map and loaded strictly in MLX, and its
 * output compared with torch's.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const py = (s: string) => s.replace(/^\n/, "");

const SOURCE = py(`
from dataclasses import dataclass
from functools import partial
from typing import Type

import torch
import torch.nn as nn


class ConvNorm(nn.Module):
    def __init__(self, cin, cout, k=3):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class SE(nn.Module):
    def __init__(self, c, norm_layer=None):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c, 1)
        self.bn = norm_layer(c) if norm_layer is not None else nn.Identity()

    def forward(self, x):
        return x * torch.sigmoid(self.bn(self.fc1(x.mean((2, 3), keepdim=True))))


SEWithNorm = partial(SE, norm_layer=nn.BatchNorm2d)


@dataclass
class LayerFn:
    conv_norm: Type[nn.Module] = ConvNorm
    act: Type[nn.Module] = nn.ReLU


class Plain(nn.Module):
    def __init__(self, c, layers: LayerFn = None):
        super().__init__()
        layers = layers or LayerFn()
        self.conv_kxk = layers.conv_norm(c, c)
        self.act = layers.act()

    def forward(self, x):
        return self.act(self.conv_kxk(x))


class Wide(nn.Module):
    def __init__(self, c, layers: LayerFn = None):
        super().__init__()
        layers = layers or LayerFn()
        self.conv_1x1 = layers.conv_norm(c, c, 1)
        self.se = SEWithNorm(c)

    def forward(self, x):
        return self.se(self.conv_1x1(x)) + x


_block_registry = dict(plain=Plain, wide=Wide)


def register_block(kind, block_fn):
    # adds to the table when called: its literal entries are still read
    _block_registry[kind] = block_fn


def get_block_fn(kind, args):
    if kind == "plain":
        return Plain, args
    else:
        return Wide, args


def make_stages(c, kinds):
    layers = LayerFn(conv_norm=partial(ConvNorm))
    stages = []
    for kind in kinds:
        block_fn, args = get_block_fn(kind, dict(layers=layers))
        stages += [nn.Sequential(block_fn(c, **args), _block_registry[kind](c, layers=layers))]
    return nn.Sequential(*stages)


class AppendList(nn.Sequential):
    def __init__(self, *args, **kwargs):
        super().__init__(*args)


def create_head(c, n, use_conv=False):
    pool = nn.AdaptiveAvgPool2d(1)
    if use_conv:
        return pool, nn.Dropout(0.0), nn.Conv2d(c, n, 1)
    return pool, nn.Linear(c, n)


class Net(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 3, padding=1)
        self.stages = make_stages(c, ("plain", "wide"))
        mids = []
        for i in range(2):
            mids.append(ConvNorm(c, c))
        self.mid = AppendList(*mids)
        self.pool, self.drop, self.fc = create_head(c, 3, use_conv=True)

    def forward(self, x):
        return self.fc(self.drop(self.pool(self.mid(self.stages(self.stem(x))))))
`);

describe("blocks built through dataclass fields, a registry table and a (class, args) tuple", () => {
  it("maps every weight and runs as torch does", () => {
    const r = compile(SOURCE, { filename: "m.py", topClass: "Net" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const rules = r.weightMaps.Net.map((w) => `${w.torch} ${w.mlx} ${w.op}`);
    // each block's conv, reached through layers.conv_norm, gets its layout rule
    expect(rules).toContain("stages.#.0.conv_kxk.conv.weight stages.layers.#.layers.0.conv_kxk.conv.weight conv");
    expect(rules).toContain("stages.#.1.conv_1x1.conv.weight stages.layers.#.layers.1.conv_1x1.conv.weight conv");
    // a Sequential subclass given its blocks through *args; a head returned as one of two tuples
    expect(rules).toContain("mid.#.conv.weight mid.layers.#.conv.weight conv");
    expect(rules).toContain("fc.weight fc.weight conv");
    // the norm a module-level partial fixes (\`SEWithNorm = partial(SE, norm_layer=nn.BatchNorm2d)\`) is built
    expect(rules).toContain("stages.#.1.se.bn.num_batches_tracked null drop");

    expect(portDifference(SOURCE, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
