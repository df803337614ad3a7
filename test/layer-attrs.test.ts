/** Torch layer attributes MLX's layers lack, read under an isinstance test (passes/layer-attrs.ts), run on real MLX. */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { packageRoot } from "../src/python.js";

const py = (s: string) => s.replace(/^\n/, "");

describe("layer attributes under an isinstance test", () => {
  it("m.out_features, conv.in_channels and kernel_size are read off the MLX weights; a model's own attribute stays its own", () => {
    const src = py(`
import math
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, kernel_size=(3, 5), groups=1)
        self.fc = nn.Linear(8, 10)
        self.out_features = 99
        fan_in = 0
        if isinstance(self.conv, nn.Conv2d):
            fan_in = self.conv.in_channels * self.conv.kernel_size[0] * self.conv.kernel_size[1]
        self.fan_in = fan_in
        self.sizes = []
        for m in self.modules():
            if isinstance(m, nn.Linear):
                self.sizes.append((m.in_features, m.out_features))

    def forward(self, x):
        return self.fc(self.conv(x).mean((2, 3)))
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain('fan_in = c2m_layer_attr(self.conv, "in_channels") * c2m_layer_attr(self.conv, "kernel_size")[0]');
    expect(r.code).toContain("self.out_features = 99");
    const out = execFileSync(join(packageRoot(), ".venv/bin/python"), ["-c", `${r.code}\nn = Net()\nprint(n.fan_in, n.sizes, n.out_features)`], { encoding: "utf8" }).trim();
    expect(out).toBe("45 [(8, 10)] 99");
  });

  it("an Embedding's padding_idx, which MLX's Embedding does not keep, is None: an init skips the row (the loaded weights hold torch's)", () => {
    const src = py(`
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(4, 2, padding_idx=0)
        for m in self.modules():
            if isinstance(m, nn.Embedding):
                nn.init.ones_(m.weight)
                if m.padding_idx is not None:
                    m.weight[m.padding_idx] = 0.0
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain('if c2m_layer_attr(m, "padding_idx") is not None:');
    const out = execFileSync(join(packageRoot(), ".venv/bin/python"), ["-c", `${r.code}\nprint(Net().emb.weight.sum().item())`], { encoding: "utf8" }).trim();
    expect(out).toBe("8.0");
  });
});

describe("layer attributes of a layer built elsewhere, and an init function's layer parameters", () => {
  it("a factory's conv answers out_channels; an init function sees kernel_size, .data, and whether a bias was built", () => {
    const src = py(`
import math
import torch
from torch import nn


def create_conv(cin, cout, k, bias=False):
    return nn.Conv2d(cin, cout, k, padding=k // 2, bias=bias)


def init_weights(module, fix_group_fanout=True):
    if isinstance(module, nn.Conv2d):
        fan_out = module.kernel_size[0] * module.kernel_size[1] * module.out_channels
        # an if that leaves module alone: it is still only presumed a tensor after it
        if fix_group_fanout:
            fan_out //= module.groups
        module.weight.data.normal_(0, math.sqrt(2.0 / fan_out))
        if module.bias is not None:
            module.bias.data.zero_()


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = create_conv(3, 8, 3)
        self.out_channels = 5
        self.num_chs = self.conv.out_channels
        init_weights(self.conv)

    def forward(self, x):
        return self.conv(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.chs = (self.block.out_channels, self.block.num_chs)

    def forward(self, x):
        return self.block(x)
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain('self.num_chs = c2m_layer_attr(self.conv, "out_channels")');
    // a class that sets the attribute itself is read as written
    expect(r.code).toContain("self.chs = (self.block.out_channels, self.block.num_chs)");
    expect(r.code).toContain("module.weight = mx.random.normal(module.weight.shape, module.weight.dtype, 0, math.sqrt(2.0 / fan_out))");
    expect(r.code).toContain('if "bias" in module:');
    const run = `${r.code}\nimport mlx.core as mx\nn = Net()\nw = n.block.conv.weight\nprint(n.chs, "bias" in n.block.conv, w.shape, abs(float(mx.std(w)) - (2 / 72) ** 0.5) < 0.03)`;
    const out = execFileSync(join(packageRoot(), ".venv/bin/python"), ["-c", run], { encoding: "utf8" }).trim();
    // the normal_ init ran: std sqrt(2 / fan_out), not MLX's default uniform (std 0.11)
    expect(out).toBe("(5, 8) False (8, 3, 3, 3) True");
  });

  it("m.bias is not None stays a membership test after an if that left the parameter alone (transformers' _init_weights)", () => {
    const src = py(`
import torch
from torch import nn


def init_weights(module):
    if isinstance(module, nn.Linear):
        if getattr(module, "weight", None) is not None:
            nn.init.ones_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain('        if "bias" in module:\n');
    const out = execFileSync(join(packageRoot(), ".venv/bin/python"), ["-c", `${r.code}\nm = nn.Linear(2, 3, bias=False)\ninit_weights(m)\nprint(m.weight.sum().item())`], {
      encoding: "utf8",
    }).trim();
    expect(out).toBe("6.0");
  });
});

describe("a BatchNorm's num_batches_tracked, which MLX's BatchNorm does not keep", () => {
  it("reads as a fresh 0 under a C2M-W028 warning at each read; an init of it is left out (C2M-W011), the loop runs (transformers' _init_weights)", () => {
    const src = py(`
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4)
        self.counts = []
        for module in self.modules():
            if getattr(module, "running_mean", None) is not None:
                nn.init.zeros_(module.running_mean)
                nn.init.zeros_(module.num_batches_tracked)
                self.counts.append(int(module.num_batches_tracked))

    def forward(self, x):
        return self.bn(x)
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain('c2m_layer_attr(module, "num_batches_tracked")');
    const warnings = r.diagnostics.filter((d) => d.code === "C2M-W028");
    expect(warnings.map((d) => d.line)).toEqual([13, 14]);
    expect(r.code).toContain("# c2m: C2M-W028");
    const out = execFileSync(join(packageRoot(), ".venv/bin/python"), ["-c", `${r.code}\nn = Net()\nprint(n.counts, n.bn.running_mean.tolist())`], { encoding: "utf8" }).trim();
    expect(out).toBe("[0] [0.0, 0.0, 0.0, 0.0]");
  });
});

describe("a convolution's stride, padding and dilation", () => {
  it("read as torch's tuples, where MLX's Conv1d keeps ints (Whisper's expected length from conv1.stride[0])", () => {
    const src = py(`
import torch
from torch import nn


class Enc(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(3, 4, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(4, 4, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(4, 4, kernel_size=3, stride=(2, 1), dilation=2)

    def forward(self, x):
        expected = 10 * self.conv1.stride[0] * self.conv2.stride[0]
        if x.shape[-1] != expected:
            raise ValueError("length")
        return self.conv2(self.conv1(x)), self.conv2.padding, self.conv3.stride, self.conv3.dilation
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain('expected = 10 * c2m_layer_attr(self.conv1, "stride")[0] * c2m_layer_attr(self.conv2, "stride")[0]');
    const driver = `${r.code}\ny = Enc()(mx.zeros((1, 3, 20)))\nprint(y[0].shape, y[1:])`;
    const out = execFileSync(join(packageRoot(), ".venv/bin/python"), ["-c", driver], { encoding: "utf8" }).trim();
    expect(out).toBe("(1, 4, 10) ((1,), (2, 1), (2, 2))");
  });
});

describe("x.device of an object c2m cannot tell", () => {
  it("is the object's own device where it has one, MLX's default device for an array (CLIP's text_embeds.device)", () => {
    const src = py(`
import torch
from torch import nn


class Out:
    def __init__(self, value):
        self.value = value
        self.device = "own"


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.held = Out(3.0)

    def forward(self, x):
        y = self.held.value
        return (x * 2).to(y.device), self.held.device
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain("c2m_device_of(y)");
    expect(r.code).toContain("c2m_device_of(self.held)");
    const driver = `${r.code}\nx = mx.array([1.0])\nn = Net()\nn.held.value = x\ny, d = n(x)\nprint(y.tolist(), d)`;
    const out = execFileSync(join(packageRoot(), ".venv/bin/python"), ["-c", driver], { encoding: "utf8" }).trim();
    expect(out).toBe("[2.0] own");
  });
});
