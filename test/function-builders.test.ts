/**
 * Blocks built by a module-level function handed to a helper as a value, and models built by another file's class
 * with this file's blocks, as vision code writes them:
 * - CoAtNet's `_make_layer(conv_3x3_bn, …)` calling `block(inp, oup, …)` with `block` the function
 *   (passes/init-expressions.ts callFunctionValue);
 * - CoAtNet's PreNorm `self.fn(self.norm(x), **kwargs)`, fn a Sequential of convs or a token module: run through
 *   c2m_sequential, the keywords passed on (passes/walk/module-calls.ts keywordTexts);
 * - senet.pytorch's `se_resnet50()` returning torchvision's `ResNet(SEBottleneck, …)`: the model function gets a
 *   weight map of its own (passes/module-tree.ts noteFactory), with each block class's own rules even where one
 *   call of the other file (`block(…)` in `_make_layer`) builds different classes for different model functions.
 */
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";
import { portDifference } from "./python-run.js";

const py = (s: string) => s.replace(/^\n/, "");

const COATNET = py(`
import torch
import torch.nn as nn


def conv_bn(inp, oup, downsample=False):
    stride = 2 if downsample else 1
    return nn.Sequential(nn.Conv2d(inp, oup, 3, stride, 1, bias=False), nn.BatchNorm2d(oup), nn.GELU())


class PreNorm(nn.Module):
    def __init__(self, dim, fn, norm):
        super().__init__()
        self.norm = norm(dim)
        self.fn = fn

    def forward(self, x, **kwargs):
        return self.fn(self.norm(x), **kwargs)


class Tokens(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, c, h, w = x.shape
        t = self.proj(x.flatten(2).transpose(1, 2))
        return t.transpose(1, 2).reshape(b, c, h, w)


class ConvBlock(nn.Module):
    def __init__(self, inp, oup, downsample=False):
        super().__init__()
        self.conv = PreNorm(inp, nn.Sequential(nn.Conv2d(inp, oup, 3, 1, 1), nn.BatchNorm2d(oup)), nn.BatchNorm2d)

    def forward(self, x):
        return x + self.conv(x)


class TokenBlock(nn.Module):
    def __init__(self, inp, oup, downsample=False):
        super().__init__()
        self.attn = PreNorm(inp, Tokens(inp), nn.Identity)

    def forward(self, x):
        return x + self.attn(x)


class Net(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        blocks = {"C": ConvBlock, "T": TokenBlock}
        self.s0 = self._make_layer(conv_bn, 3, c, 2)
        self.s1 = self._make_layer(blocks["C"], c, c, 1)
        self.s2 = self._make_layer(blocks["T"], c, c, 1)
        self.fc = nn.Linear(c, 4)

    def _make_layer(self, block, inp, oup, depth):
        layers = nn.ModuleList([])
        for i in range(depth):
            if i == 0:
                layers.append(block(inp, oup, downsample=True))
            else:
                layers.append(block(oup, oup))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.s2(self.s1(self.s0(x)))
        return self.fc(x.mean((2, 3)))
`);

describe("a module-level function given to a helper as the block to build", () => {
  it("builds what its body builds: the Sequential it returns is mapped and run as one (CoAtNet's _make_layer(conv_3x3_bn, …))", () => {
    const r = compile(COATNET, { filename: "m.py", topClass: "Net" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const rules = r.weightMaps.Net.map((w) => `${String(w.torch)} ${String(w.mlx)} ${w.op}`);
    expect(rules).toContain("s0.#.0.weight s0.layers.#.layers.0.weight conv");
    expect(r.code).not.toContain("C2M-W007");
    expect(portDifference(COATNET, r.code, r.weightMaps.Net, [1, 3, 8, 8])).toBeLessThan(1e-4);
  });

  it("runs a call given **kwargs of modules that disagree on layout by the module held at run time (CoAtNet's PreNorm)", () => {
    const r = compile(COATNET, { filename: "m.py", topClass: "Net" });
    expect(r.diagnostics.map((d) => d.code)).not.toContain("C2M-W022");
    expect(r.code).toContain("c2m_sequential(self.fn, ");
    expect(r.code).toMatch(/c2m_sequential\(self\.fn, [^\n]*\*\*kwargs\)/);
  });
});

const RESNET_LIB = py(`
import torch.nn as nn


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, norm_layer=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = norm_layer(planes)
        self.downsample = downsample

    def forward(self, x):
        return self.bn1(self.conv1(x))


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=10, norm_layer=None):
        super().__init__()
        self._norm_layer = norm_layer or nn.BatchNorm2d
        self.inplanes = 8
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.layer1 = self._make_layer(block, 8, layers[0])
        self.fc = nn.Linear(8 * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks):
        norm_layer = self._norm_layer
        downsample = None
        if self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * block.expansion, 1, bias=False), norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, 1, downsample, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.layer1(self.conv1(x))
        return self.fc(x.mean((2, 3)))
`);

const SE_MODELS = py(`
import torch.nn as nn
from .resnet import ResNet


class SEBasic(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, norm_layer=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.se = nn.Sequential(nn.Linear(planes, planes), nn.Sigmoid())
        self.downsample = downsample

    def forward(self, x):
        out = self.bn1(self.conv1(x))
        return out * self.se(out.mean((2, 3)))[:, :, None, None]


class SEBottle(nn.Module):
    expansion = 2

    def __init__(self, inplanes, planes, stride=1, downsample=None, norm_layer=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.conv3 = nn.Conv2d(planes, planes * 2, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 2)
        self.downsample = downsample

    def forward(self, x):
        out = self.bn3(self.conv3(self.conv1(x)))
        return out + self.downsample(x)


def se_basic(num_classes=10):
    model = ResNet(SEBasic, [2], num_classes=num_classes)
    model.avgpool = nn.AdaptiveAvgPool2d(1)
    return model


def se_bottle(num_classes=10):
    return ResNet(SEBottle, [2], num_classes=num_classes)
`);

describe("a model function returning another file's model built with this file's blocks", () => {
  const files = { "pkg/__init__.py": "", "pkg/resnet.py": RESNET_LIB, "pkg/se.py": SE_MODELS };
  const r = compile(SE_MODELS, { filename: "pkg/se.py", host: memoryHost(files), package: { files: Object.keys(files), path: "pkg/se.py" } });
  const rules = (fn: string) => (r.weightMaps[fn] ?? []).map((w) => `${String(w.torch)} ${String(w.mlx)} ${w.op}`);

  it("gets a weight map under the function's name, holding the blocks' rules (senet.pytorch's se_resnet18 → torchvision's ResNet)", () => {
    expect(rules("se_basic")).toContain("layer1.#.conv1.weight layer1.layers.#.conv1.weight conv");
    expect(rules("se_basic")).toContain("layer1.#.se.0.** layer1.layers.#.se.layers.0.** identity");
    // the call is mapped: no C2M-E032 for it
    expect(r.diagnostics.map((d) => d.code)).not.toContain("C2M-E032");
  });

  it("keeps each block class's rules apart where one call of the other file builds either (`block(…)` in _make_layer)", () => {
    expect(rules("se_bottle")).toContain("layer1.#.conv3.weight layer1.layers.#.conv3.weight conv");
    expect(rules("se_bottle").some((x) => x.includes(".se."))).toBe(false);
    expect(rules("se_basic").some((x) => x.includes("conv3"))).toBe(false);
  });
});

describe("a backbone built through an imported module's __dict__ by a constant name (DeepLab's resnet.__dict__[backbone_name](…))", () => {
  it("is the function that name binds there, called: the model's map holds the backbone's rules", () => {
    const files = {
      "pkg/__init__.py": "",
      "pkg/backbone/__init__.py": "",
      "pkg/backbone/resnet.py": py(`
import torch.nn as nn


class ResNet(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)

    def forward(self, x):
        return self.bn1(self.conv1(x))


def resnet50(pretrained=False, **kwargs):
    return ResNet(**kwargs)
`),
      "pkg/modeling.py": py(`
import torch.nn as nn
from .backbone import resnet


class Seg(nn.Module):
    def __init__(self, backbone, classes):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Conv2d(4, classes, 1)

    def forward(self, x):
        return self.head(self.backbone(x))


def _segm(backbone_name, classes):
    backbone = resnet.__dict__[backbone_name](pretrained=False, width=4)
    return Seg(backbone, classes)


def seg_resnet50(classes=3):
    return _segm("resnet50", classes)
`),
    };
    const r = compile(files["pkg/modeling.py"], { filename: "pkg/modeling.py", host: memoryHost(files), package: { files: Object.keys(files), path: "pkg/modeling.py" } });
    const rules = r.weightMaps.Seg.map((w) => `${String(w.torch)} ${w.op}`);
    expect(rules).toContain("backbone.conv1.weight conv");
    expect(r.diagnostics.map((d) => d.code)).not.toContain("C2M-W014");
  });
});
