/**
 * Block classes that reach a model's constructor through functions (passes/keyword-splats.ts, module-tree.ts's
 * constructionsInFunctions): timm's `dla34()` builds `model_args = dict(block=DlaBasic, …)`, calls
 * `_create(…, **dict(model_args, **kwargs))`, which calls `build_model_with_cfg(DLA, …, **kwargs)` in another file,
 * which calls `model_cls(**kwargs)`; selecsls passes a config dict filled per variant as `model_cfg=cfg`, built by
 * `model_cls(cfg=model_cfg, **kwargs)`. The weight map of the model class must hold every block's rules: checked by
 * converting torch's state_dict shapes with the map and comparing them with what the emitted MLX module holds.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile, memoryHost } from "../src/index.js";
import { packageRoot } from "../src/python.js";
import { applyWeightMap, type Tensor } from "../src/weights/index.js";

const py = (s: string) => s.replace(/^\n/, "");
const PYTHON = join(packageRoot(), ".venv/bin/python");

const BUILDER = py(`
def build_model(model_cls, variant, pretrained, model_cfg=None, feature_cfg=None, **kwargs):
    pruned = kwargs.pop("pruned", False)
    if model_cfg is None:
        model = model_cls(**kwargs)
    else:
        model = model_cls(cfg=model_cfg, **kwargs)
    model.variant = variant
    return model
`);

const NET = py(`
import torch
from torch import nn
from .builder import build_model


class Basic(nn.Module):
    def __init__(self, c, **_):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)

    def forward(self, x):
        return self.conv2(self.conv1(x))


class Wide(nn.Module):
    def __init__(self, c, scale=2):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(c, c, 1) for _ in range(scale)])
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        for conv in self.convs:
            x = conv(x)
        return self.bn(x)


class Net(nn.Module):
    def __init__(self, channels=4, block=Wide, num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, channels, 3, padding=1)
        self.stage = nn.Sequential(block(channels), block(channels))
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.stage(self.stem(x))
        return self.fc(x.mean((2, 3)))


class CfgNet(nn.Module):
    def __init__(self, cfg, num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.features = nn.Sequential(*[cfg["block"](*args) for args in cfg["features"]])
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x):
        return self.fc(self.features(self.stem(x)).mean((2, 3)))


def _create(variant, pretrained=False, **kwargs):
    return build_model(Net, variant, pretrained, feature_cfg=dict(flatten=True), **kwargs)


def net_basic(pretrained=False, **kwargs):
    model_args = dict(channels=4, block=Basic)
    return _create("net_basic", pretrained, **dict(model_args, **kwargs))


def net_wide(pretrained=False, **kwargs):
    return _create("net_wide", pretrained, **{"block": Wide, **kwargs})


def _create_cfg(variant, pretrained, **kwargs):
    cfg = {}
    if variant == "cfg_basic":
        cfg["block"] = Basic
        cfg["features"] = [(4,), (4,)]
    elif variant == "cfg_wide":
        cfg["block"] = Wide
        cfg["features"] = [(4, 3)]
    else:
        raise ValueError(variant)
    return build_model(CfgNet, variant, pretrained, model_cfg=cfg, **kwargs)


def cfg_basic(pretrained=False, **kwargs):
    return _create_cfg("cfg_basic", pretrained, **kwargs)
`);

const files = { "pkg/__init__.py": "", "pkg/builder.py": BUILDER, "pkg/net.py": NET };
const host = memoryHost(files);
const compiled = (path: string) => compile(files[path as keyof typeof files], { filename: path, host, package: { files: Object.keys(files), path } });

/** torch's state_dict shapes of `build`, mapped by `cls`'s weight map, against the emitted module's parameters. */
function shapesAgree(build: string, cls: string): { mapped: string[]; mlx: string[] } {
  const r = compiled("pkg/net.py");
  const dir = mkdtempSync(join(tmpdir(), "c2m-factory-"));
  mkdirSync(join(dir, "torch_pkg"));
  mkdirSync(join(dir, "mlx_pkg"));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, "torch_pkg", path.replace(/^pkg\//, "")), text);
  writeFileSync(join(dir, "mlx_pkg", "__init__.py"), "");
  writeFileSync(join(dir, "mlx_pkg", "builder.py"), compiled("pkg/builder.py").code);
  writeFileSync(join(dir, "mlx_pkg", "net.py"), r.code);
  const torchShapes = JSON.parse(
    execFileSync(PYTHON, ["-c", `import json\nfrom torch_pkg.net import *\nm = ${build}\nprint(json.dumps({k: list(v.shape) for k, v in m.state_dict().items()}))`], {
      cwd: dir,
      encoding: "utf8",
    }),
  ) as Record<string, number[]>;
  const tensor = (shape: number[]): Tensor => ({ dtype: "F32", shape, data: new Uint8Array(4 * shape.reduce((a, b) => a * b, 1)) });
  const mapped = [...applyWeightMap(new Map(Object.entries(torchShapes).map(([k, s]) => [k, tensor(s)])), r.weightMaps[cls])].map(([k, t]) => `${k} ${t.shape.join("x")}`).sort();
  const script = `from mlx.utils import tree_flatten\nfrom mlx_pkg.net import *\nm = ${build}\nfor k, v in sorted(tree_flatten(m.parameters())):\n    print(k, "x".join(map(str, v.shape)))`;
  const mlx = execFileSync(PYTHON, ["-c", script], { cwd: dir, encoding: "utf8" }).trim().split("\n").sort();
  return { mapped, mlx };
}

describe("block classes passed to the model through functions and **kwargs", () => {
  it("a block given by dict(model_args, **kwargs) through a builder in another file gets its rules", () => {
    const rules = compiled("pkg/net.py").weightMaps.Net.map((w) => `${String(w.torch)} ${w.op}`);
    // Basic reaches Net only through net_basic → _create → build_model → model_cls(**kwargs)
    expect(rules).toContain("stage.0.conv2.weight conv");
    // Wide, from the dict display `{"block": Wide, **kwargs}`
    expect(rules).toContain("stage.1.convs.#.weight conv");
    const { mapped, mlx } = shapesAgree("build_model(Net, 'x', False, block=Basic)", "Net");
    expect(mapped).toEqual(mlx);
    expect(mapped).toContain("stage.layers.0.conv2.weight 4x3x3x4");
  });

  it("a config dict filled per variant (raising for others) and passed as model_cfg=cfg gets its block's rules", () => {
    const rules = compiled("pkg/net.py").weightMaps.CfgNet.map((w) => `${String(w.torch)} ${w.op}`);
    expect(rules).toContain("features.#.conv1.weight conv");
    expect(rules).toContain("features.#.convs.#.weight conv");
    const { mapped, mlx } = shapesAgree("cfg_basic()", "CfgNet");
    expect(mapped).toEqual(mlx);
    expect(mapped).toContain("features.layers.1.conv1.weight 4x3x3x4");
  });
});
