/**
 * Idioms of vision model code (ResNeSt, GhostNet's ResNet) the walker and the module tree read:
 * - `padding = _pair(padding)` (torch.nn.modules.utils): a plain tuple (cookbook/helpers/ops_ntuple.py);
 * - `sum(splited)` over a list of tensors that share a layout: a tensor in that layout, which a conv then takes
 *   channels-last (passes/walk/calls.ts sumOfTensors);
 * - `m.weight.data.fill_(1)` under `isinstance(m, norm_layer)` (a parameter defaulting to a torch layer class) or
 *   `isinstance(m, nn.Conv2d) and not isinstance(m, Other)`: the layer's array, assigned (passes/layer-attrs.ts);
 * - a model whose block class only another file of the package gives (resnest.py's `ResNet(Bottleneck, …)` of
 *   resnet.py): the block is a class known only at run time, not a parameter nobody gives (C2M-W015).
 */
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";
import { portDifference } from "./python-run.js";

const py = (s: string) => s.replace(/^\n/, "");

const SPLAT = py(`
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.utils import _pair


class Other(nn.Conv2d):
    pass


class Net(nn.Module):
    def __init__(self, c=4, radix=2, padding=1, norm_layer=nn.BatchNorm2d):
        super().__init__()
        padding = _pair(padding)
        self.radix = radix
        self.conv = nn.Conv2d(c, c * radix, 3, 1, padding, groups=radix, bias=False)
        self.bn0 = norm_layer(c * radix)
        self.fc1 = nn.Conv2d(c, c, 1)
        self.fc2 = nn.Conv2d(c, c * radix, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d) and not isinstance(m, Other):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                m.weight.data.normal_(0, math.sqrt(2.0 / n))
            elif isinstance(m, norm_layer):
                m.weight.data.fill_(1)
                m.bias.data.zero_()

    def forward(self, x):
        x = F.relu(self.bn0(self.conv(x)))
        rchannel = x.shape[1]
        splited = torch.split(x, rchannel // self.radix, dim=1)
        gap = sum(splited)
        gap = F.adaptive_avg_pool2d(gap, 1)
        atten = self.fc2(F.relu(self.fc1(gap)))
        atten = torch.sigmoid(atten)
        attens = torch.split(atten, rchannel // self.radix, dim=1)
        return sum([att * split for (att, split) in zip(attens, splited)])
`);

describe("ResNeSt's split attention", () => {
  const r = compile(SPLAT, { filename: "m.py", topClass: "Net" });

  it("reads _pair as a tuple and the narrowed layers' .data as their arrays", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain("padding = ops_ntuple(padding, 2)");
    expect(r.code).not.toContain(".data");
    expect(r.code).toContain("m.weight = mx.full_like(m.weight, 1)");
  });

  it("adds up the radix groups in the conv's layout and feeds fc1 channels-last, as torch computes", () => {
    expect(portDifference(SPLAT, r.code, r.weightMaps.Net, [1, 4, 6, 6])).toBeLessThan(1e-4);
  });
});

const RESNET = py(`
import torch.nn as nn


class Bottleneck(nn.Module):
    expansion = 2

    def __init__(self, inplanes, planes):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes * 2, 1, bias=False)

    def forward(self, x):
        return self.conv1(x)


class ResNet(nn.Module):
    def __init__(self, block, layers):
        super().__init__()
        self.inplanes = 4
        self.layer1 = self._make_layer(block, 4, layers[0])

    def _make_layer(self, block, planes, blocks):
        layers = [block(self.inplanes, planes)]
        for _ in range(1, blocks):
            layers.append(block(planes * block.expansion, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        return self.layer1(x)
`);

const MODELS = py(`
from .resnet import ResNet, Bottleneck


def tiny(**kwargs):
    return ResNet(Bottleneck, [2], **kwargs)
`);

describe("a model whose block class only another file of the package gives", () => {
  it("holds a class known only at run time there, whose weights the built model resolves (ResNeSt's resnet.py)", () => {
    const files = { "pkg/__init__.py": "", "pkg/resnet.py": RESNET, "pkg/models.py": MODELS };
    const r = compile(RESNET, { filename: "pkg/resnet.py", host: memoryHost(files), package: { files: Object.keys(files), path: "pkg/resnet.py" } });
    expect(r.diagnostics.map((d) => d.code)).not.toContain("C2M-W015");
    expect(r.weightMaps.ResNet.map((w) => `${String(w.torch)} ${w.op}`)).toContain("layer1.#.** runtime");
  });
});

const GUARDED_SILU = py(`
import torch
import torch.nn as nn

if hasattr(nn, "SiLU"):
    SiLU = nn.SiLU
else:
    class SiLU(nn.Module):
        def forward(self, x):
            return x * torch.sigmoid(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), SiLU())

    def forward(self, x):
        return self.conv(x)
`);

describe("a torch layer class probed with hasattr (efficientnetv2's SiLU for old torch)", () => {
  it("is there: the layer is used, not the fallback class", () => {
    const r = compile(GUARDED_SILU, { filename: "m.py", topClass: "Net" });
    expect(r.code).toContain("if True:");
    expect(portDifference(GUARDED_SILU, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});

const LIST_BRANCHES = py(`
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, c=4, branches=3):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 1)
        convs = list()
        for _ in range(branches):
            convs.append(self._conv_bn(c, c, 3, 1))
        self.convs = nn.ModuleList(convs)

    def _conv_bn(self, cin, cout, k, padding):
        mod_list = nn.Sequential()
        mod_list.add_module("conv", nn.Conv2d(cin, cout, k, padding=padding, bias=False))
        mod_list.add_module("bn", nn.BatchNorm2d(cout))
        return mod_list

    def forward(self, x):
        x = self.stem(x)
        return self.convs[0](x) + self.convs[1](x) + self.convs[2](x)
`);

describe("a list built with list() and appended to (GhostNetV3's re-parameterizable branches)", () => {
  it("holds what is appended: each branch's conv is mapped", () => {
    const r = compile(LIST_BRANCHES, { filename: "m.py", topClass: "Net" });
    expect(r.weightMaps.Net.map((w) => `${String(w.torch)} ${w.op}`)).toContain("convs.#.conv.weight conv");
    expect(portDifference(LIST_BRANCHES, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});

const ACCUMULATE = (update: string) =>
  py(`
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3, c, 3, padding=1) for _ in range(3)])

    def forward(self, x):
        out = 0
        for conv in self.convs:
            ${update}
        return out
`);

describe("a number that accumulates conv outputs in a loop (`out = 0`, then `out = out + conv(x)` or `out += conv(x)`)", () => {
  for (const update of ["out = out + conv(x)", "out += conv(x)"]) {
    it(`is held in torch's layout from its first addition, converted once: ${update}`, () => {
      const src = ACCUMULATE(update);
      const r = compile(src, { filename: "m.py", topClass: "Net" });
      expect(r.code.match(/\.transpose\(0, 3, 1, 2\)/g)?.length).toBe(1);
      expect(portDifference(src, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
    });
  }
});
