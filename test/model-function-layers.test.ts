/**
 * A layer factory a model function hands down a chain of constructions (timm's resnetv2_18: `model_args =
 * dict(conv_layer=create_conv2d, …)`, `_create_resnetv2(…, **dict(model_args, **kwargs))`, `build_model_with_cfg(ResNetV2,
 * …)` in another file, ResNetV2 → ResNetStage → each block, whose `conv_layer = conv_layer or StdConv2d`). The factory
 * is another file's function named as a value: the module tree keeps it (a callable value with its body) beside the
 * default class, and goes on with its rounds until the values passed at construction sites settle, so the block's conv
 * is one of the default class (torch's layout at its forward) and the factory's nn.Conv2d (channels-last): called
 * through c2m_sequential, which asks the module held at run time. Before, the default class alone was assumed and the
 * nn.Conv2d got an NCHW input at run time.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, memoryHost, type CompileResult } from "../src/index.js";
import { convertWeightsFile } from "../src/weights/index.js";
import { runPython } from "./python-run.js";

const py = (s: string) => s.replace(/^\n/, "");

const LAYERS = py(`
import torch.nn as nn
import torch.nn.functional as F


def create_conv(cin, cout, k, stride=1, **kwargs):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, **kwargs)


class StdConv(nn.Conv2d):
    def __init__(self, cin, cout, k, stride=1, eps=1e-6):
        super().__init__(cin, cout, k, stride=stride, padding=k // 2, bias=False)
        self.eps = eps

    def forward(self, x):
        w = F.batch_norm(self.weight.reshape(1, self.out_channels, -1), None, None, training=True, momentum=0.0, eps=self.eps).reshape_as(self.weight)
        return F.conv2d(x, w, self.bias, self.stride, self.padding)


class BNAct(nn.BatchNorm2d):
    def __init__(self, c, eps=1e-5):
        super().__init__(c, eps=eps)
        self.act = nn.ReLU()

    def forward(self, x):
        x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.1, self.eps)
        return self.act(x)
`);

const BUILDER = py(`
def build_model(model_cls, variant, **kwargs):
    model = model_cls(**kwargs)
    model.variant = variant
    return model
`);

const NET = py(`
import torch.nn as nn

from .builder import build_model
from .layers import BNAct, StdConv, create_conv


class PreActBasic(nn.Module):
    def __init__(self, cin, cout, conv_layer=None, norm_layer=None):
        super().__init__()
        conv_layer = conv_layer or StdConv
        norm_layer = norm_layer or BNAct
        self.norm1 = norm_layer(cin)
        self.conv1 = conv_layer(cin, cout, 3)
        self.norm2 = norm_layer(cout)
        self.conv2 = conv_layer(cout, cout, 3)

    def forward(self, x):
        x_preact = self.norm1(x)
        shortcut = x
        x = self.conv1(x_preact)
        x = self.conv2(self.norm2(x))
        return x + shortcut


class Stage(nn.Module):
    def __init__(self, c, depth, block_fn=PreActBasic, conv_layer=None, norm_layer=None):
        super().__init__()
        layer_kwargs = dict(conv_layer=conv_layer, norm_layer=norm_layer)
        self.blocks = nn.Sequential()
        for i in range(depth):
            self.blocks.add_module(str(i), block_fn(c, c, **layer_kwargs))

    def forward(self, x):
        return self.blocks(x)


class Net(nn.Module):
    def __init__(self, c=4, conv_layer=StdConv, norm_layer=BNAct, num_classes=3):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 3, padding=1)
        self.stages = nn.Sequential()
        for i in range(2):
            self.stages.add_module(str(i), Stage(c, 2, conv_layer=conv_layer, norm_layer=norm_layer))
        self.norm = norm_layer(c)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        x = self.norm(self.stages(self.stem(x)))
        return self.fc(x.mean((2, 3)))


def _create(variant, **kwargs):
    return build_model(Net, variant, **kwargs)


def net_small(**kwargs):
    model_args = dict(conv_layer=create_conv, norm_layer=BNAct)
    return _create("net_small", **dict(model_args, **kwargs))
`);

const TREE: Record<string, string> = { "pkg/__init__.py": "", "pkg/layers.py": LAYERS, "pkg/builder.py": BUILDER, "pkg/net.py": NET };

function compileFolder(tree: Record<string, string>): Map<string, CompileResult> {
  const host = { ...memoryHost(tree), projectRoots: [""] };
  const out = new Map<string, CompileResult>();
  for (const path of Object.keys(tree)) out.set(path, compile(tree[path], { filename: path, host, package: { files: Object.keys(tree), path } }));
  return out;
}

describe("a layer factory handed down a chain of constructions by a model function", () => {
  const compiled = compileFolder(TREE);
  const net = compiled.get("pkg/net.py")!;

  it("the block's conv is the default class or the factory's layer: called through c2m_sequential", () => {
    expect(net.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(net.code).toContain("c2m_sequential(self.conv1, x_preact, False, False)");
  });

  for (const build of ["net_small()", "Net()"]) {
    it(`\`${build}\`: the port matches torch (weights converted with Net's map, loaded strictly; relative difference)`, () => {
      const dir = mkdtempSync(join(tmpdir(), "c2m-model-fn-"));
      for (const [path, text] of Object.entries(TREE)) {
        for (const [side, code] of [
          ["torch", text],
          ["mlx", compiled.get(path)!.code],
        ]) {
          mkdirSync(dirname(join(dir, side, path)), { recursive: true });
          writeFileSync(join(dir, side, path), code);
        }
      }
      runPython(`
import sys, numpy as np, torch
sys.path.insert(0, "${dir}/torch")
from pkg.net import *
torch.manual_seed(0)
net = ${build}.eval()
for m in net.modules():
    if isinstance(m, torch.nn.BatchNorm2d):
        m.running_mean.uniform_(-0.5, 0.5); m.running_var.uniform_(0.5, 1.5)
torch.save(net.state_dict(), "${dir}/net.pt")
x = np.random.default_rng(0).standard_normal((1, 3, 8, 8)).astype(np.float32)
with torch.no_grad(): np.save("${dir}/y.npy", net(torch.from_numpy(x)).numpy())
np.save("${dir}/x.npy", x)
`);
      convertWeightsFile(join(dir, "net.pt"), join(dir, "net.safetensors"), net.weightMaps.Net);
      const diff = Number(
        runPython(`
import sys, numpy as np, mlx.core as mx
sys.path.insert(0, "${dir}/mlx")
from pkg.net import *
net = ${build}; net.load_weights("${dir}/net.safetensors", strict=True); net.eval()
y, want = np.array(net(mx.array(np.load("${dir}/x.npy")))), np.load("${dir}/y.npy")
# relative to the output's scale: standardized weights (StdConv) grow the activations to ~1e4 over eight convs
print(float(np.abs(y - want).max() / max(1.0, np.abs(want).max())) if y.shape == want.shape else float("inf"))
`),
      );
      expect(diff).toBeLessThan(1e-5);
    });
  }
});
