/**
 * A torch layer subclassed or passed as a value becomes a stand-in class whose constructor refuses what MLX's
 * layer cannot do (passes/layer-values.ts). A number given per spatial axis is the same number: timm's
 * MaxPool2dSame passes `dilation=to_2tuple(1)`, which MLX's pooling does (only a dilation other than 1 is refused).
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SRC = `import torch.nn as nn
import torch.nn.functional as F


class MaxPool2dSame(nn.MaxPool2d):
    def __init__(self, kernel_size, stride=None, dilation=1):
        super().__init__((kernel_size, kernel_size), (stride, stride), (0, 0), (dilation, dilation))

    def forward(self, x):
        return F.max_pool2d(F.pad(x, (0, 1, 0, 1), value=-float("inf")), self.kernel_size, self.stride)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = MaxPool2dSame(3, 2)

    def forward(self, x):
        return self.pool(x)
`;

describe("a layer stand-in's argument checks", () => {
  const r = compile(SRC, { filename: "m.py" });

  it("test a per-axis tuple item by item", () => {
    expect(r.code).toContain("if not all(v in (1,) for v in (dilation if isinstance(dilation, (tuple, list)) else (dilation,))):");
    expect(r.code).toContain("if return_indices not in (False,):");
  });

  it("let a tuple of the allowed value through, at parity", () => {
    expect(portDifference(SRC, r.code, r.weightMaps.Net)).toBeLessThan(1e-6);
  });
});
