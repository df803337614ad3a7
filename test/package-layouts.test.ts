/**
 * Layouts across the files of a package (torchvision's models built from torchvision.ops.misc blocks): what a
 * caller passes to a module class of another file.
 */
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";

const py = (s: string) => s.replace(/^\n/, "");

function compileIn(files: Record<string, string>, path: string) {
  const host = memoryHost(files);
  return compile(files[path], { filename: path, host, package: { files: Object.keys(files), path } });
}

const MISC = py(`
import torch
from typing import Callable, Optional


class ConvNormActivation(torch.nn.Sequential):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 norm_layer: Optional[Callable[..., torch.nn.Module]] = torch.nn.BatchNorm2d,
                 conv_layer: Callable[..., torch.nn.Module] = torch.nn.Conv2d) -> None:
        layers = [conv_layer(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2, bias=norm_layer is None)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        layers.append(torch.nn.ReLU(inplace=True))
        super().__init__(*layers)


class Conv2dNormActivation(ConvNormActivation):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, torch.nn.BatchNorm2d, torch.nn.Conv2d)


class Gate(torch.nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.fc = torch.nn.Conv2d(c, c, 1)

    def forward(self, x):
        return x * torch.sigmoid(self.fc(x))
`);

const MODEL = py(`
import torch
from torch import nn
from .misc import Conv2dNormActivation, Gate


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(Conv2dNormActivation(3, 8, stride=2), Conv2dNormActivation(8, 16))
        self.gate = Gate(16)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.features(x)
        x = self.gate(x)
        x = x.mean((2, 3))
        return self.fc(x)
`);

describe("a module class of another file", () => {
  it("a Sequential subclass with no forward of its own is its layers (channels-last in, no conversion); a class with a forward takes torch's layout", () => {
    const r = compileIn({ "pkg/__init__.py": "", "pkg/misc.py": MISC, "pkg/model.py": MODEL }, "pkg/model.py");
    const fwd = r.code.slice(r.code.indexOf("def __call__"));
    // the input goes channels-last once, straight into the Sequential of Conv2dNormActivation blocks
    expect(fwd).toContain("x = x.transpose(0, 2, 3, 1)\n        x = self.features(x)\n");
    // Gate's forward is translated with misc.py, where Gate is top-level: torch's layout at its boundary
    expect(fwd).toContain("x = self.gate(x.transpose(0, 3, 1, 2))");
  });
});

const RESNET = py(`
from typing import Type, Union, Any
import torch
from torch import nn


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)

    def forward(self, x):
        return self.bn1(self.conv1(x))


class Bottleneck(nn.Module):
    expansion = 2

    def __init__(self, inplanes, planes):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes * 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes * 2)

    def forward(self, x):
        return self.bn1(self.conv1(x))


class ResNet(nn.Module):
    def __init__(self, block: Type[Union[BasicBlock, Bottleneck]], layers: list, num_classes: int = 10):
        super().__init__()
        self.inplanes = 8
        self.layer1 = self._make_layer(block, 8, layers[0])
        self.fc = nn.Linear(8 * block.expansion, num_classes)

    def _make_layer(self, block: Type[Union[BasicBlock, Bottleneck]], planes: int, blocks: int) -> nn.Sequential:
        layers = []
        layers.append(block(self.inplanes, planes))
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.layer1(x)
        x = x.mean((2, 3))
        return self.fc(x)


def _resnet(block: Type[Union[BasicBlock, Bottleneck]], layers: list, **kwargs: Any) -> ResNet:
    model = ResNet(block, layers, **kwargs)
    return model


def resnet18(**kwargs: Any) -> ResNet:
    return _resnet(BasicBlock, [2, 2, 2, 2], **kwargs)
`);

describe("a block class passed through a helper function", () => {
  it("is known from the parameter's annotation type[Union[A, B]]: the blocks' weights are mapped (torchvision's _resnet → ResNet(block, …))", () => {
    const r = compile(RESNET, { filename: "m.py" });
    const rules = r.weightMaps.ResNet.map((rule) => `${String(rule.torch)} | ${String(rule.mlx ?? "")} | ${rule.op}`);
    expect(rules).toContain("layer1.#.conv1.weight | layer1.layers.#.conv1.weight | conv");
    expect(rules).toContain("layer1.#.bn1.num_batches_tracked |  | drop");
  });
});

const NORM_MISC = py(`
import torch
from typing import Callable, Optional


class ConvNormActivation(torch.nn.Sequential):
    def __init__(self, c: int, norm_layer: Optional[Callable[..., torch.nn.Module]] = torch.nn.BatchNorm2d,
                 activation_layer: Optional[Callable[..., torch.nn.Module]] = torch.nn.ReLU) -> None:
        layers = [torch.nn.Conv2d(c, c, 3, padding=1, bias=norm_layer is None)]
        if norm_layer is not None:
            layers.append(norm_layer(c))
        if activation_layer is not None:
            layers.append(activation_layer())
        super().__init__(*layers)
`);

const NORM_MODEL = py(`
from functools import partial
from typing import Callable, Optional
import torch
from torch import nn
from .misc import ConvNormActivation


class Block(nn.Module):
    def __init__(self, c: int, norm_layer: Callable[..., nn.Module]):
        super().__init__()
        self.block = nn.Sequential(ConvNormActivation(c, norm_layer=norm_layer, activation_layer=nn.Hardswish))

    def forward(self, x):
        return self.block(x)


class Net(nn.Module):
    def __init__(self, block: Optional[Callable[..., nn.Module]] = None, norm_layer: Optional[Callable[..., nn.Module]] = None):
        super().__init__()
        if block is None:
            block = Block
        if norm_layer is None:
            norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        self.features = nn.Sequential(block(3, norm_layer), block(3, norm_layer))

    def forward(self, x):
        return self.features(x)
`);

describe("a norm layer given as functools.partial and passed down to another file's block", () => {
  it("is the layer it partially applies, in each block built with it (torchvision's MobileNetV3 → InvertedResidual → Conv2dNormActivation)", () => {
    const r = compileIn({ "pkg/__init__.py": "", "pkg/misc.py": NORM_MISC, "pkg/model.py": NORM_MODEL }, "pkg/model.py");
    const rules = (cls: string) => r.weightMaps[cls].map((rule) => `${String(rule.torch)} | ${rule.op}`);
    expect(rules("Block")).toContain("block.0.#.num_batches_tracked | drop");
    expect(rules("Net")).toContain("features.0.block.0.#.num_batches_tracked | drop");
  });
});

describe("a layer built with the **kwargs its block was given", () => {
  it("passes them once, less torch's factory keywords (torchvision's BasicConv2d: nn.Conv2d(in, out, bias=False, **kwargs))", () => {
    const src = py(`
import torch
from torch import nn
from typing import Any


class BasicConv2d(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, **kwargs: Any) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain("self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **c2m_layer_kwargs(kwargs))");
  });
});

describe("block classes chosen from a list by index", () => {
  it("`conv_block = blocks[0]` with blocks a literal list of classes builds that class (torchvision's GoogLeNet)", () => {
    const src = py(`
from typing import Callable, Optional
import torch
from torch import nn


class ConvBN(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class Net(nn.Module):
    def __init__(self, blocks: Optional[list[Callable[..., nn.Module]]] = None) -> None:
        super().__init__()
        if blocks is None:
            blocks = [ConvBN, nn.Identity]
        conv_block = blocks[0]
        self.conv1 = conv_block(3, 8)

    def forward(self, x):
        return self.conv1(x)
`);
    const r = compile(src, { filename: "m.py" });
    const rules = r.weightMaps.Net.map((rule) => `${String(rule.torch)} | ${rule.op}`);
    expect(rules).toEqual(["conv1.conv.weight | conv", "conv1.bn.num_batches_tracked | drop"]);
  });
});

describe("a helper method returning a name bound to a list of tensors", () => {
  it("returns them in torch's layout, each converted (torchvision's Inception._forward → torch.cat(outputs, 1))", () => {
    const src = py(`
import torch
from torch import nn


class Inception(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)
        self.b = nn.Conv2d(3, 5, 1)

    def _forward(self, x):
        a = self.a(x)
        b = self.b(x)
        outputs = [a, b]
        return outputs

    def forward(self, x):
        outputs = self._forward(x)
        return torch.cat(outputs, 1)
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain("return type(outputs)(c2m_item.transpose(0, 3, 1, 2) for c2m_item in outputs)");
    expect(r.code).toContain("return mx.concatenate(outputs, axis=1)");
  });
});

describe("a layer built by a function of another file", () => {
  it("is that layer: its weight map converts the conv, and forward feeds it channels-last (timm's create_conv2d)", () => {
    const files = {
      "pkg/__init__.py": "",
      "pkg/layers.py": py(`
import torch.nn as nn


def create_conv(cin, cout, k, **kwargs):
    return nn.Conv2d(cin, cout, k, padding=k // 2, **kwargs)
`),
      "pkg/model.py": py(`
import torch.nn as nn
from .layers import create_conv


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_dw = create_conv(4, 4, 3, groups=4)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.conv_dw(x).mean((2, 3)))
`),
    };
    const r = compileIn(files, "pkg/model.py");
    expect(r.weightMaps.Net.map((rule) => `${String(rule.torch)} | ${rule.op}`)).toEqual(["conv_dw.weight | conv"]);
    expect(r.code).toContain("        x = x.transpose(0, 2, 3, 1)\n        return self.fc(mx.mean(self.conv_dw(x), axis=(1, 2)))");
  });

  it("keeps torch's layout at the forward of a class its own file uses when another file builds it too (diffusers' ResnetBlock2D)", () => {
    const files = {
      "pkg/__init__.py": "",
      "pkg/blocks.py": py(`
import torch.nn as nn


class Res(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.GroupNorm(2, c)
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.conv(self.norm(x))


class Pair(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = Res(c)
        self.b = Res(c)

    def forward(self, x):
        return self.b(self.a(x))
`),
      "pkg/model.py": py(`
import torch.nn as nn
from .blocks import Res


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.res = Res(4)

    def forward(self, x):
        return self.res(x) * 2
`),
    };
    const res = (code: string) => code.slice(code.indexOf("class Res("), code.indexOf("class Pair("));
    const blocks = compileIn(files, "pkg/blocks.py");
    // Res converts at its own boundary: the caller in model.py hands it torch's layout
    expect(res(blocks.code)).toContain("    def __call__(self, x):\n        x = x.transpose(0, 2, 3, 1)");
    const model = compileIn(files, "pkg/model.py");
    expect(model.diagnostics.map((d) => d.code)).not.toContain("C2M-W013");
    // alone, the file gives Res the layout Pair hands it (channels-last, no conversion of its own)
    const alone = compile(files["pkg/blocks.py"], { filename: "pkg/blocks.py" });
    expect(res(alone.code)).toContain("    def __call__(self, x):\n        return x + self.conv(self.norm(x))");
  });

  it("does not take another package's same-named class for a use of its own (ldm's and taming's diffusionmodules/model.py in one folder)", () => {
    const blocks = py(`
import torch.nn as nn


class Res(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.conv(x)


class Pair(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = Res(c)
        self.b = Res(c)

    def forward(self, x):
        return self.b(self.a(x))
`);
    const res = (code: string) => code.slice(code.indexOf("class Res("), code.indexOf("class Pair("));
    const internal = "    def __call__(self, x):\n        return x + self.conv(x)";
    const files = { "a/__init__.py": "", "a/m.py": blocks, "b/__init__.py": "", "b/m.py": blocks };
    // b/m.py's Res is its own: a/m.py's Res keeps the layout Pair hands it, as compiled alone
    expect(res(compileIn(files, "a/m.py").code)).toContain(internal);
    expect(res(compileIn(files, "b/m.py").code)).toContain(internal);
    // a file defining its own Res still names a/m.py's where it imports it or reads it as an attribute
    for (const other of ["from a.m import Res as ARes\n", "import a.m\nOTHER = a.m.Res\n"]) {
      const withUse = { ...files, "b/m.py": other + blocks };
      expect(res(compileIn(withUse, "a/m.py").code)).toContain("    def __call__(self, x):\n        x = x.transpose(0, 2, 3, 1)");
    }
  });

  it("converts each item of a returned list by its own layout when they differ (torchvision's Inception branches)", () => {
    const files = {
      "pkg/__init__.py": "",
      "pkg/inc.py": py(`
import torch
import torch.nn as nn
import torch.nn.functional as F


class Conv(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv = nn.Conv2d(i, o, 3, padding=1)

    def forward(self, x):
        return F.relu(self.conv(x))


class Mix(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.b = Conv(c, 4)

    def _forward(self, x):
        b = self.b(x)
        pool = F.max_pool2d(x, 3, stride=1, padding=1)
        outputs = [b, pool]
        return outputs

    def forward(self, x):
        return torch.cat(self._forward(x), 1)
`),
      "pkg/quantized.py": "from .inc import Conv\n",
    };
    const r = compileIn(files, "pkg/inc.py");
    // Conv keeps torch's layout (another file names it); the pool is channels-last: only it is converted
    expect(r.code).toContain("return type(outputs)([outputs[0], outputs[1].transpose(0, 3, 1, 2)])");
  });

  it("runs one of several modules given more than x through c2m_sequential, the others in torch's layout (diffusers' conv_norm_out)", () => {
    const files = {
      "pkg/__init__.py": "",
      "pkg/attn.py": py(`
import torch.nn as nn
import torch.nn.functional as F


class SpatialNorm(nn.Module):
    def __init__(self, f_channels, zq_channels):
        super().__init__()
        self.norm_layer = nn.GroupNorm(num_channels=f_channels, num_groups=2, eps=1e-6, affine=True)
        self.conv_y = nn.Conv2d(zq_channels, f_channels, kernel_size=1)

    def forward(self, f, zq):
        zq = F.interpolate(zq, size=f.shape[-2:], mode="nearest")
        return self.norm_layer(f) * self.conv_y(zq)
`),
      "pkg/vae.py": py(`
import torch
import torch.nn as nn
from .attn import SpatialNorm


class Decoder(nn.Module):
    def __init__(self, c=4, norm_type="group"):
        super().__init__()
        self.conv_in = nn.Conv2d(3, c, 3, padding=1)
        if norm_type == "spatial":
            self.conv_norm_out = SpatialNorm(c, 3)
        else:
            self.conv_norm_out = nn.GroupNorm(num_channels=c, num_groups=2, eps=1e-6)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, z, latent_embeds=None):
        sample = self.conv_in(z)
        upscale_dtype = next(iter(self.conv_in.parameters())).dtype
        sample = sample.to(upscale_dtype)
        if latent_embeds is None:
            sample = self.conv_norm_out(sample)
        else:
            sample = self.conv_norm_out(sample, latent_embeds)
        sample = self.conv_act(sample)
        return self.conv_out(sample)
`),
    };
    const r = compileIn(files, "pkg/vae.py");
    expect(r.code).toContain("sample = c2m_sequential(self.conv_norm_out, sample, True, False)");
    expect(r.code).toContain("sample = c2m_sequential(self.conv_norm_out, sample, True, False, latent_embeds)");
    expect(r.diagnostics.map((d) => d.code)).not.toContain("C2M-W022");
  });
});
