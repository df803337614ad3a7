/**
 * Weights torch keeps under names starting with `_` (EfficientNet-PyTorch's `self._blocks`, `self._conv_stem`,
 * `self._bn0`): MLX's Module leaves every `_` name out of its parameters, so the port loaded none of them (a weight
 * load failure after a clean compile). The class gets `@c2m_private_parameters(...)` naming them
 * (emit/private-parameters.ts); its private plain values and c2m's own `_name` for a non-persistent buffer stay
 * out. And a conv subclass reading `self.weight.shape` in __init__ reads torch's (O, I, kH, kW) (passes/layer-weight-views.ts).
 * Checked against torch: outputs, the parameter set, training's view of it.
 */
import { describe, expect, it } from "vitest";
import { convertedPortDir, portDifference, runPython } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class SamePadConv(nn.Conv2d):
    def __init__(self, cin, cout, k, image_size):
        super().__init__(cin, cout, k, bias=False)
        kh, kw = self.weight.shape[-2:]
        pad = max((image_size - 1) + kh - image_size, 0)
        self._pad = (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2)

    def forward(self, x):
        return F.conv2d(F.pad(x, self._pad), self.weight, self.bias, self.stride)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self._conv = SamePadConv(c, c, 3, 8)
        self._bn = nn.BatchNorm2d(c)
        self._scale = nn.Parameter(torch.full((1, c, 1, 1), 0.5))
        self._args = (c, 3)
        self._act = nn.ReLU()

    def forward(self, x):
        return x + self._act(self._bn(self._conv(x))) * self._scale


class Body(nn.Module):
    def __init__(self):
        super().__init__()
        self._stem = nn.Conv2d(3, 4, 3, padding=1)
        self._blocks = nn.ModuleList([])
        for _ in range(2):
            self._blocks.append(Block(4))
        self._sizes = [1, 2]
        self.register_buffer("_offset", torch.full((4,), 0.25))
        self.register_buffer("mask", torch.ones(4), persistent=False)
        self.head = nn.Linear(4, 5)

    def forward(self, x):
        x = self._stem(x)
        for block in self._blocks:
            x = block(x)
        return self.head(x.mean((2, 3)) + self._offset * self.mask)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = Body()

    def forward(self, x):
        return self.body(x)
`;

describe("weights under `_` names", () => {
  const r = compile(src, { filename: "private.py" });

  it("decorates the classes holding them, and the class holding those", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain('@c2m_private_parameters("_act", "_bn", "_conv", "_scale")\nclass Block(nn.Module):');
    expect(r.code).toContain('@c2m_private_parameters("_blocks", "_offset", "_stem")\nclass Body(nn.Module):');
    // MLX filters the whole tree by the filter of the module asked
    expect(r.code).toContain("@c2m_private_parameters()\nclass Net(nn.Module):");
    // no weight under a `_` name: left as MLX has it
    expect(r.code).toMatch(/\n\nclass SamePadConv\(/);
  });

  it("loads torch's state dict strictly and matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });

  it("parameters, trainable parameters, apply and gradients see them; private values stay out", () => {
    const dir = convertedPortDir(src, r.code, r.weightMaps.Net);
    const out = runPython(`
import sys, torch, mlx.core as mx, mlx.nn as nn
from mlx.utils import tree_flatten
sys.path.insert(0, "${dir}")
import m, m_mlx
torch_net = m.Net()
state = sorted(k for k in torch_net.state_dict() if not k.endswith("num_batches_tracked"))
trained = sorted(k for k, _ in torch_net.named_parameters())
net = m_mlx.Net(); net.load_weights("${dir}/net.safetensors", strict=True)
got = sorted(k for k, _ in tree_flatten(net.parameters()))
assert got == state, (got, state)
assert sorted(k for k, _ in tree_flatten(net.trainable_parameters())) == trained
net.apply(lambda p: p * 0 + 1)
assert float(net.body._blocks[1]._scale.sum()) == 4.0
def loss(model, x):
    return model(x).sum()
grads = nn.value_and_grad(net, loss)(net, mx.ones((1, 3, 8, 8)))[1]
assert sorted(k for k, _ in tree_flatten(grads)) == trained
print(len(trained))
`);
    expect(Number(out)).toBe(2 + 2 * 4 + 2);
  });
});
