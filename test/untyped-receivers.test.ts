/**
 * torch's `.data` and `.parameters()` on a value the walker cannot type go through helpers that ask at run time
 * (passes/untyped-receivers.ts): transformers' ModuleUtilsMixin, a plain class mixed into every PreTrainedModel,
 * reads `next(self.parameters())` (MLX's parameters() is a dict: the loop met its keys, `'str' object has no
 * attribute 'dtype'`), and timm's Hiera rescales `layer.mlp.fc2.weight.data` of a block it cannot type (an MLX
 * array has no `.data`). Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import math
import torch
from torch import nn


class DtypeMixin:
    @property
    def dtype(self):
        return next(p.dtype for p in self.parameters() if p.dtype.is_floating_point)


def rescale(param, layer_id):
    param.div_(math.sqrt(2.0 * layer_id))


def zero_module(module):
    for p in module.parameters():
        p.detach().zero_()
    return module


def blocks_of(model):
    return getattr(model, "blocks")


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.fc(x).relu()


class Net(nn.Module, DtypeMixin):
    def __init__(self, dim=4):
        super().__init__()
        self.blocks = nn.ModuleList([Block(dim), Block(dim)])
        self.out = zero_module(nn.Linear(dim, dim))
        for layer_id, layer in enumerate(blocks_of(self)):
            rescale(layer.fc.weight.data, layer_id + 1)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return (x + self.out(x)).to(self.dtype)
`;

describe("torch's .data and .parameters() on values c2m cannot type", () => {
  const r = compile(src, { filename: "untyped_receivers.py" });

  it("go through the run-time helpers", () => {
    expect(r.code).toContain("for p in c2m_parameters_of(self)");
    // a function's parameter is presumed a tensor, but a tensor has no parameters() (guided-diffusion's zero_module)
    expect(r.code).toContain("for p in c2m_parameters_of(module)");
    expect(r.code).toContain("rescale(c2m_data_of(layer.fc.weight), layer_id + 1)");
  });

  it("leave an in-place method's receiver as written: it becomes an assignment target, which a helper call cannot be", () => {
    // timm's EfficientVitMsra fuse(): m.weight.data.copy_(w) on a conv it builds from values c2m cannot type
    const fuse = compile("import torch\n\n\ndef fuse(make, w):\n    m = make()\n    m.weight.data.copy_(w)\n    return m\n", { filename: "fuse.py" });
    expect(fuse.code).not.toContain("c2m_data_of(m.weight) =");
    expect(fuse.diagnostics.filter((d) => d.code === "C2M-E020")).toEqual([]);
  });

  it("match torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 4])).toBeLessThan(1e-4);
  });
});
