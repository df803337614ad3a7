/**
 * FasterNet's partial conv (timm): a module that picks its forward per instance (`self.forward = self.forward_slicing`
 * in `__init__`, no forward method) is called through a `__call__` that runs `self.forward`, as torch's Module.__call__
 * does; and a conv's channels-last result written into part of a tensor held in torch's layout
 * (`x[:, :c, :, :] = self.conv(x[:, :c, :, :])`) goes back to torch's layout first.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SRC = `import torch
from torch import nn


class PartialConv(nn.Module):
    def __init__(self, dim, n_div, forward):
        super().__init__()
        self.dim_conv3 = dim // n_div
        self.dim_untouched = dim - self.dim_conv3
        self.partial_conv3 = nn.Conv2d(self.dim_conv3, self.dim_conv3, 3, 1, 1, bias=False)
        if forward == 'slicing':
            self.forward = self.forward_slicing
        elif forward == 'split_cat':
            self.forward = self.forward_split_cat
        else:
            raise NotImplementedError

    def forward_slicing(self, x):
        x = x.clone()
        x[:, :self.dim_conv3, :, :] = self.partial_conv3(x[:, :self.dim_conv3, :, :])
        return x

    def forward_split_cat(self, x):
        x1, x2 = torch.split(x, [self.dim_conv3, self.dim_untouched], dim=1)
        x1 = self.partial_conv3(x1)
        return torch.cat((x1, x2), 1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 1)
        self.a = PartialConv(8, 4, 'split_cat')
        self.b = PartialConv(8, 4, 'slicing')

    def forward(self, x):
        return self.b(self.a(self.stem(x)))
`;

describe("a forward chosen per instance", () => {
  const r = compile(SRC, { filename: "m.py" });

  it("is what __call__ runs", () => {
    expect(r.code).toContain("    def __call__(self, *args, **kwargs):\n        return self.forward(*args, **kwargs)");
  });

  it("writes the conv's result back in the target's layout", () => {
    expect(r.code).toContain("x[:, :self.dim_conv3, :, :] = self.partial_conv3(x[:, :self.dim_conv3, :, :].transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)");
  });

  it("agrees with torch", () => {
    expect(portDifference(SRC, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
