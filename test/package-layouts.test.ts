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
