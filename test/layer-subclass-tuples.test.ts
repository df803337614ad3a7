/**
 * A subclass of a torch convolution reads the attributes torch's `_ConvNd` keeps as tuples (`self.kernel_size[0]`,
 * `kh, kw = self.kernel_size`: timm's Conv2dSame / ScaledStdConv2dSame pad to TF's 'SAME' from them). The layer's
 * MLX stand-in (passes/layer-values.ts) kept them as given (an int), so the read raised; it now keeps them as torch
 * does. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import math
import torch
from torch import nn
import torch.nn.functional as F


class SameConv(nn.Conv2d):
    def __init__(self, cin, cout, k, stride=1):
        super().__init__(cin, cout, k, stride=stride, padding=0)

    def forward(self, x):
        ih, iw = x.shape[-2:]
        kh, kw = self.kernel_size
        pad_h = max((math.ceil(ih / self.stride[0]) - 1) * self.stride[0] + (kh - 1) * self.dilation[0] + 1 - ih, 0)
        pad_w = max((math.ceil(iw / self.stride[1]) - 1) * self.stride[1] + (kw - 1) * self.dilation[1] + 1 - iw, 0)
        x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = SameConv(3, 4, 3, stride=2)
        self.head = nn.Conv2d(4, 2, 1)

    def forward(self, x):
        return self.head(self.conv(x))
`;

describe("a convolution subclass reading kernel_size and stride", () => {
  const r = compile(src, { filename: "same_conv.py" });

  it("gets torch's tuples from the layer's stand-in", () => {
    expect(r.code).toContain('("kernel_size", (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size) if isinstance(kernel_size, list) else kernel_size)');
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 7, 7])).toBeLessThan(1e-4);
  });
});
