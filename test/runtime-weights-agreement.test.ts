/**
 * The load-time weight resolver (cookbook/helpers/c2m_runtime_weights.py) against the static weight map: a model
 * whose keys the static map names completely is converted both ways, every key of torch's state_dict also handed to
 * c2m_resolve_torch_keys as one left to run time (`torch:KEY`), and the two results must agree key by key, in name,
 * shape and values (src/tools/zoo/weights_agreement.py, which also checks a kept zoo run's real models). The model
 * holds what the resolver once mis-resolved (torchvision's MobileNetV3, EfficientNet, Swin, VideoResNet): Sequential
 * subclasses built from a list (Conv2dNormActivation, MLP) inside Sequentials, a conv subclass given as a class
 * (Conv3DSimple), a ModuleDict, nested ModuleLists and a parametrized weight (weight_norm's original0/original1).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { convertedPortDir, portDifference, runPython } from "./python-run.js";

const SOURCE = `import torch
import torch.nn as nn
from torch.nn.utils.parametrizations import weight_norm


class ConvNormAct(nn.Sequential):
    def __init__(self, cin, cout, k=3, groups=1, norm_layer=nn.BatchNorm2d):
        layers = [nn.Conv2d(cin, cout, k, padding=k // 2, groups=groups, bias=False)]
        if norm_layer is not None:
            layers.append(norm_layer(cout))
        layers.append(nn.ReLU())
        super().__init__(*layers)


class MLP(nn.Sequential):
    def __init__(self, cin, hidden):
        layers = []
        c = cin
        for h in hidden:
            layers.append(nn.Linear(c, h))
            layers.append(nn.GELU())
            c = h
        super().__init__(*layers)


class Conv3x3(nn.Conv2d):
    def __init__(self, cin, cout):
        super().__init__(cin, cout, 3, padding=1, bias=False)


class Block(nn.Module):
    def __init__(self, c, conv_builder=Conv3x3):
        super().__init__()
        self.block = nn.Sequential(ConvNormAct(c, 2 * c, 1), ConvNormAct(2 * c, c, 3, groups=c))
        self.conv = nn.Sequential(conv_builder(c, c), nn.BatchNorm2d(c))
        self.heads = nn.ModuleDict({"a": nn.Conv2d(c, c, 1), "b": ConvNormAct(c, c, 1)})
        self.levels = nn.ModuleList([nn.ModuleList([nn.Conv2d(c, c, 1) for _ in range(2)]) for _ in range(2)])

    def forward(self, x):
        x = self.block(x) + self.conv(x)
        x = self.heads["a"](x) + self.heads["b"](x)
        for level in self.levels:
            for conv in level:
                x = conv(x)
        return x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvNormAct(3, 8)
        self.stages = nn.Sequential(Block(8), Block(8))
        self.mlp = MLP(8, [16, 8])
        self.proj = weight_norm(nn.Linear(8, 5))

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.proj(self.mlp(x.mean((2, 3))))
`;

const TOOL = join(import.meta.dirname, "..", "src", "tools", "zoo");

/** agreement()'s [compared, differences] for the port in `dir` (torch's state_dict in net.pt). */
function agreement(dir: string, feed = "state"): [number, string[]] {
  return JSON.parse(
    runPython(`
import json, sys, numpy as np, torch
sys.path.insert(0, "${dir}"); sys.path.insert(0, "${TOOL}")
import mlx.core as mx, mlx.nn as nn
import m_mlx
from weights_agreement import agreement
torch.manual_seed(0)
state = {k: mx.array(v.float().numpy() if v.is_floating_point() else v.numpy()) for k, v in torch.load("${dir}/net.pt").items()}
${feed === "state" ? "" : feed}
print(json.dumps(agreement(m_mlx.Net(), state, m_mlx.C2M_WEIGHT_MAPS["Net"], mx, nn)))
`),
  );
}

describe("the run-time weight resolver agrees with the static weight map", () => {
  const r = compile(SOURCE, { filename: "m.py" });

  it("compiles with a complete static map, which matches torch", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.weightMaps.Net.some((rule) => rule.op === "runtime")).toBe(false);
    expect(portDifference(SOURCE, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });

  it("resolves every key of torch's state_dict as the static map converts it", () => {
    const [compared, differences] = agreement(convertedPortDir(SOURCE, r.code, r.weightMaps.Net));
    expect(differences).toEqual([]);
    // every parameter and buffer but BatchNorm's step counters: 30 a Block, 5 the stem, 4 the MLP, 3 the normed Linear
    expect(compared).toBe(72);
  });

  it("a Sequential subclass's own map names its items under `layers` (the key its parent's map would not reach)", () => {
    expect(r.weightMaps.MLP).toContainEqual({ torch: "#.**", mlx: "layers.#.**", op: "identity" });
  });

  it("a key that resolves to no parameter of the model's shape is an error at load, never a guess", () => {
    const dir = convertedPortDir(SOURCE, r.code, r.weightMaps.Net);
    const [, differences] = agreement(dir, `state["mlp.0.weight"] = mx.zeros((16, 9))`);
    expect(differences).toEqual(["the resolver raises: c2m: torch key 'mlp.0.weight' resolves to 'mlp.layers.0.weight' of shape (16, 9); the model holds (16, 8)"]);
  });
});
