/**
 * Modules a builder object makes from string architecture definitions (timm's `nn.Sequential(*builder(stem_size,
 * block_args))`): no static rule can name their keys, so the weight map leaves everything under the container to run
 * time (`runtime`, passes/weights.ts), `c2m weights` keeps those keys under their torch names, and the model's
 * load_weights resolves each against the module built at its path (cookbook/helpers/c2m_runtime_weights.py): a block
 * class c2m emitted converts its part with its own map (a conv → OHWI), an MLX layer by its known layout. Checked
 * against torch; a key whose module is no layer c2m knows raises at load, never loads as it stands. The same holds for
 * a block class another file of the package gives a model (timm's res2net.py → resnet.py's ResNet, C2M-W024).
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { convertedPortDir, portDifference, runPython } from "./python-run.js";

const source = (other: string) => `import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Builder:
    def __init__(self, defs):
        self.defs = defs

    def __call__(self, cin):
        stages = []
        for stage in self.defs:
            blocks = []
            for d in stage:
                kind, c = d.split("_")
                c = int(c)
                blocks.append(Block(cin, c, 3) if kind == "b" else ${other})
                cin = c if kind == "b" else cin
            stages.append(nn.Sequential(*blocks))
        return stages


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        builder = Builder([["b_8", "l_8"], ["b_16"]])
        self.blocks = nn.Sequential(*builder(8))
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.head(x.mean((2, 3)))
`;

describe("weights of modules built at run time", () => {
  it("leaves the container's keys to run time, with a warning and a load_weights that resolves them", () => {
    const r = compile(source("nn.Linear(c, c)"), { filename: "m.py" });
    expect(r.diagnostics.map((d) => d.code)).toContain("C2M-W023");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.weightMaps.Net).toContainEqual({ torch: "blocks.**", mlx: null, op: "runtime" });
    expect(r.code).toContain("return super().load_weights(c2m_resolve_torch_keys(self, file_or_weights), strict=strict)");
    expect(r.code).toContain(`return c2m_apply_weight_map(weights, c2m_runtime_renames(C2M_WEIGHT_MAPS["Net"]))`);
  });

  it("matches torch: the blocks' convs by their class's map, a Linear by its layer, nested Sequentials' layers.", () => {
    const src = source("nn.Linear(c, c)");
    const r = compile(src, { filename: "m.py" });
    expect(portDifference(src, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });

  it("a key held by a layer whose layout c2m does not know raises at load", () => {
    const src = source("nn.PReLU()");
    const r = compile(src, { filename: "m.py" });
    const dir = convertedPortDir(src, r.code, r.weightMaps.Net);
    const out = runPython(`
import sys
sys.path.insert(0, "${dir}")
import m_mlx
try:
    m_mlx.Net().load_weights("${dir}/net.safetensors", strict=True)
    print("loaded")
except ValueError as e:
    print(e)
`);
    expect(out).toBe("c2m: torch key 'blocks.0.1.weight' is held by a PReLU, whose weight layout c2m does not know: convert it by hand");
  });
});
