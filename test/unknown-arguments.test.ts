/**
 * A value the walker cannot type (a model output's field) passed to a module class of the file that takes its
 * argument channels-last: transformers' MobileViT gives `encoder_outputs[0]` to its conv_1x1_exp. The field holds
 * torch's layout (the encoder's result leaves in it), so the argument is converted (passes/unknown-arguments.ts);
 * it was passed as it stood and reached the convolution channels-first. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `from dataclasses import dataclass
import torch
from torch import nn


@dataclass
class Output:
    last_hidden_state: torch.Tensor = None


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, k=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.norm(self.conv(x)).relu()


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([ConvLayer(3, 4, 3), ConvLayer(4, 4, 3)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return Output(last_hidden_state=x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.expand = ConvLayer(4, 6, 3)

    def forward(self, x):
        out = self.encoder(x)
        y = self.expand(out.last_hidden_state)
        return y.mean((2, 3))
`;

describe("a model output's field given to a channels-last module class", () => {
  const r = compile(src, { filename: "unknown_argument.py" });

  it("is converted from torch's layout", () => {
    expect(r.code).toContain("y = self.expand(out.last_hidden_state.transpose(0, 2, 3, 1))");
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 6, 6])).toBeLessThan(1e-4);
  });
});
