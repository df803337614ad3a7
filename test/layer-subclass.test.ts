/**
 * Subclasses of torch layers (timm's LayerNorm, LayerNorm2d): their base becomes the stand-in that takes
 * torch's constructor arguments (`super().__init__(c, eps=eps, elementwise_affine=affine)`) and keeps torch's
 * attribute names (`self.normalized_shape`, a None weight without affine), checked against torch on MLX.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { packageRoot, pythonExecutable } from "../src/python.js";
import { spawnSync } from "node:child_process";
import { runParitySpec } from "../src/parity/index.js";
import { readFileSync } from "node:fs";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "layer_subclass.py");

describe("subclasses of torch layers", () => {
  it("derive from the stand-in taking torch's constructor arguments, named as torch's class", () => {
    const out = compile(readFileSync(MODEL, "utf8"), { filename: "layer_subclass.py" }).code;
    expect(out).toContain("class LayerNorm(TorchLayerNorm):");
    expect(out).toContain("class Plain(TorchLayerNorm):");
    expect(out).toContain('TorchLayerNorm.__name__ = TorchLayerNorm.__qualname__ = "LayerNorm"');
    // an isinstance test still meets MLX's class, which the stand-in derives from
    expect(compile("import torch.nn as nn\n\ndef f(m):\n    return isinstance(m, nn.LayerNorm)\n").code).toContain("isinstance(m, nn.LayerNorm)");
  });

  it("gives torch's numbers", async () => {
    const r = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 5, 4] }]] as never, atol: 1e-4 });
    expect(r.error).toBeUndefined();
    expect(r.cases.flatMap((c) => c.outputs.map((o) => o.maxAbs)).every((d) => d <= 1e-4)).toBe(true);
    expect(r.ok).toBe(true);
  });
});

describe("Module methods", () => {
  it("becomes setattr with the call's arguments translated (MLX holds child modules as attributes)", () => {
    const src =
      "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self, stages):\n        super().__init__()\n        for stage in stages:\n            self.add_module(*stage)\n        self.add_module('head', nn.Linear(2, 3))\n";
    const out = compile(src).code;
    expect(out).toContain("            setattr(self, *stage)\n");
    expect(out).toContain("        setattr(self, 'head', nn.Linear(2, 3))\n");
  });

  it("a method only modules have, called on a receiver of unknown type, is the module's (timm's named_apply)", () => {
    const src =
      "import torch.nn as nn\n\n\ndef named_apply(fn, module: nn.Module, name=''):\n    for child_name, child_module in module.named_children():\n        named_apply(fn, child_module, child_name)\n    fn(module=module, name=name)\n    return module\n";
    const out = compile(src).code;
    expect(out).toContain("for child_name, child_module in c2m_named_children(module):");
    // walked down through a ModuleList and a ModuleDict child (plain list and dict in MLX), named as torch names them
    const names = spawnSync(
      pythonExecutable(),
      [
        "-c",
        `${out}
import mlx.nn as nn
m = nn.Module()
m.blocks = [nn.Linear(2, 2), nn.Sequential(nn.ReLU())]
m.heads = {"a": nn.Linear(2, 1)}
seen = []
named_apply(lambda module, name: seen.append(name), m)
print(seen)`,
      ],
      { encoding: "utf8" },
    );
    expect(names.stderr).toBe("");
    expect(names.stdout.trim()).toBe("['0', '0', '1', 'blocks', 'a', 'heads', '']");
    // children() too (transformers' smart_apply(module, fn) walks module.children()): MLX's children() is a dict, and a
    // Sequential's children are its `layers` list, which torch names "0", "1", ... (c2m_named_children)
    const walk = compile("import torch.nn as nn\n\n\ndef walk(module, fn):\n    for child in module.children():\n        walk(child, fn)\n    fn(module)\n").code;
    expect(walk).toContain("    for child in [m for _, m in c2m_named_children(module)]:\n");
    // a method tensors have too (.float()) is not taken for the module's
    expect(compile("import torch\n\n\ndef f(v):\n    return v.float()\n").code).toContain("return v.astype(mx.float32)");
  });

  it("module.get_submodule(path) walks torch's child names on MLX's module (lists, Sequential's layers); get_parameter/get_buffer too", () => {
    const src =
      "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.h = nn.ModuleList([nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 3))])\n\n\ndef find(model, name):\n    return model.get_submodule(name)\n\n\ndef weight(model, name):\n    try:\n        return model.get_buffer(name)\n    except AttributeError:\n        return model.get_parameter(name)\n";
    const out = compile(src).code;
    expect(out).toContain("    return c2m_get_submodule(model, name)\n");
    const run = spawnSync(pythonExecutable(), ["-c", `${out}\nn = Net()\nprint(find(n, "h.1.1").weight.shape, find(n, "") is n, weight(n, "h.0.bias").shape)`], {
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("(3, 2) True (2,)");
  });

  it("a torch layer subclass calling super().forward(x) reaches the MLX layer (gemma's scaled embedding)", () => {
    const src =
      "import torch\nimport torch.nn as nn\n\n\nclass Scaled(nn.Embedding):\n    def __init__(self, n, d, scale=2.0):\n        super().__init__(n, d)\n        self.scale = scale\n\n    def forward(self, ids):\n        return super().forward(ids) * self.scale\n";
    const out = compile(src).code;
    const run = spawnSync(
      pythonExecutable(),
      ["-c", `${out}\nimport mlx.core as mx\ne = Scaled(4, 3)\nprint(bool(mx.allclose(e(mx.array([1, 2])), e.weight[mx.array([1, 2])] * 2.0)))`],
      {
        encoding: "utf8",
      },
    );
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("True");
  });
});

describe("a torch layer's reset_parameters reached through super()", () => {
  it("exists on the stand-in of a layer holding parameters (timm's ScaledStdConv2d), and on none other", () => {
    const src = `import torch
import torch.nn as nn


class ScaledConv(nn.Conv2d):
    def __init__(self, cin, cout, k):
        super().__init__(cin, cout, k)
        self.gain = nn.Parameter(torch.zeros(cout, 1, 1, 1))
        self.reset_parameters()

    def reset_parameters(self):
        if hasattr(self, "gain"):
            torch.nn.init.ones_(self.gain)
            super().reset_parameters()


def act(layer=nn.GELU):
    return layer()
`;
    const out = compile(src).code;
    expect(out).toContain("class ScaledConv(TorchConv2d):");
    const run = spawnSync(pythonExecutable(), ["-c", `${out}\nm = ScaledConv(3, 4, 3)\nprint(m.gain.reshape(-1).tolist(), hasattr(act(), "reset_parameters"))`], {
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("[1.0, 1.0, 1.0, 1.0] False");
  });
});
