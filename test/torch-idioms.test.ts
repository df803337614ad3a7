/**
 * Op- and layer-level idioms of real model code (issue 12 §4): each translated once (text, and against
 * torch on real MLX where MLX computes something) and once reported where it cannot be translated.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { packageRoot } from "../src/python.js";
import { runParitySpec } from "../src/parity/index.js";

const py = (s: string) => s.replace(/^\n/, "");
const codes = (r: ReturnType<typeof compile>) => r.diagnostics.map((d) => d.code);

describe("factory keyword dicts and splats", () => {
  const src = py(`
import torch
import torch.nn as nn
class Block(nn.Module):
    def __init__(self, dim, shape, device=None, dtype=None, **kwargs):
        super().__init__()
        dd = {"device": device, "dtype": dtype}
        factory_kwargs = dict(device=device, dtype=dtype)
        self.proj = nn.Linear(dim, dim, bias=False, **dd)
        self.norm = nn.LayerNorm(dim, eps=1e-6, **factory_kwargs)
        self.gamma = nn.Parameter(torch.ones(dim, **dd))
        self.pos = nn.Parameter(torch.zeros(*shape, **dd))
        self.conv = nn.Conv2d(dim, dim, 3, padding=1, **kwargs)
        self.bias = nn.Parameter(torch.zeros(1, dim, **kwargs))
        self.mix = nn.Linear(*shape)
    def forward(self, x):
        return self.proj(x) * self.gamma
`);
  const r = compile(src, { filename: "splat.py" });

  it("a dict of factory keywords leaves layers and gives factories their dtype", () => {
    expect(r.code).toContain("self.proj = nn.Linear(dim, dim, bias=False)\n");
    expect(r.code).toContain("self.norm = nn.LayerNorm(dim, eps=1e-6)\n");
    expect(r.code).toContain('self.gamma = mx.ones(dim, dtype=dd["dtype"])\n');
    // one *shape splat is the shape tuple, not the shape's items as arguments
    expect(r.code).toContain('self.pos = mx.zeros((*shape,), dtype=dd["dtype"])\n');
    expect(r.code).not.toMatch(/\(\w+, \*\*dd\)|=\*\*/);
  });

  it("other **kwargs reach a layer without torch's factory keywords, reported; an op cannot take them", () => {
    expect(r.code).toContain("self.conv = nn.Conv2d(dim, dim, 3, padding=1, **c2m_layer_kwargs(kwargs))  # c2m: C2M-W031");
    expect(r.code).toContain("def c2m_layer_kwargs(kwargs):");
    expect(r.code).toContain("self.bias = mx.zeros((1, dim))  # c2m: C2M-W031");
    const w031 = r.diagnostics.filter((d) => d.code === "C2M-W031");
    expect(w031.map((d) => [d.line, d.col])).toEqual([
      [12, 55],
      [13, 54],
    ]);
  });

  it("an *args splat no parameter can take is reported at the splat", () => {
    expect(r.code).toContain("self.mix = nn.Linear(*shape)  # c2m: C2M-W030");
    expect(r.diagnostics.find((d) => d.code === "C2M-W030")).toMatchObject({ line: 14, col: 30 });
  });
});

describe("blocks the translation empties", () => {
  it("a branch or loop whose only statements were dropped keeps pass (and its comment)", () => {
    const r = compile(py(`
import torch.nn as nn
import torch.nn.functional as F
class Head(nn.Module):
    def __init__(self, drop_rate=0.0):
        super().__init__()
        self.drop_rate = drop_rate
        self.fc = nn.Linear(4, 2)
    def forward(self, x):
        if self.drop_rate > 0:
            x = F.dropout(x, p=self.drop_rate, training=self.training)
        else:
            x = x.contiguous()  # no copy in MLX
        for _ in range(2):
            x = x.contiguous()
            x = x.contiguous()
        return self.fc(x)
`));
    expect(r.code).toContain("        if self.drop_rate > 0:\n            pass\n        else:\n            pass  # no copy in MLX\n");
    expect(r.code).toContain("        for _ in range(2):\n            pass\n        return self.fc(x)");
  });
});

describe("torch names outside calls", () => {
  const r = compile(py(`
from typing import Optional
import torch
from torch import Tensor
from torch.nn import Module
import torch.nn.functional as F

torch.fx.wrap("helper")


@torch.fx.wrap
def helper(x: Tensor, dtype: torch.dtype = torch.float32, device: Optional[torch.device] = None) -> Tensor:
    torch._assert(x.ndim == 2,
                  "rank 2")
    return x


class Net(Module):
    fused: torch.jit.Final[bool]

    @torch.jit.ignore
    def no_weight_decay(self):
        return set()

    def forward(self, x: Tensor, labels: Optional[torch.LongTensor] = None) -> torch.Tensor:
        if not torch.jit.is_scripting() and isinstance(x, Tensor):
            x = x * torch.pi
        with torch.no_grad():
            y = F.relu(x)
        return y
`));

  it("annotations, defaults, bases and isinstance types become MLX's; decorators and registrations go", () => {
    expect(r.code).toContain("def helper(x: mx.array, dtype: mx.Dtype = mx.float32, device: Optional[mx.Device] = None) -> mx.array:");
    expect(r.code).toContain("class Net(nn.Module):\n    fused: Final[bool]\n");
    expect(r.code).toContain("def __call__(self, x: mx.array, labels: Optional[mx.array] = None) -> mx.array:");
    expect(r.code).toContain("if not False and isinstance(x, mx.array):");
    expect(r.code).toContain("x = x * math.pi");
    expect(r.code).toContain("with contextlib.nullcontext():");
    expect(r.code).toContain('    assert x.ndim == 2, "rank 2"\n    return x');
    expect(r.code).not.toMatch(/fx\.wrap|jit\.ignore|\bTensor\b|torch\./);
    for (const imp of ["import math", "import contextlib", "from typing import Final"]) expect(r.code).toContain(`\n${imp}\n`);
    expect(r.diagnostics).toEqual([]);
  });

  it("a torch name with no MLX meaning stays, reported", () => {
    const bad = compile("import torch\ndef f(opt: torch.optim.Optimizer):\n    return opt\n", { filename: "f.py" });
    expect(codes(bad)).toEqual(["C2M-W002"]);
    expect(bad.code).toContain("def f(opt: torch.optim.Optimizer):  # c2m: C2M-W002");
  });
});

describe("layer arguments MLX's own layers lack", () => {
  it("padding='same', padding modes, ceil_mode and count_include_pad select the row's general helper", () => {
    const r = compile(py(`
import torch.nn as nn
class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding="same", padding_mode="reflect")
        self.plain = nn.Conv2d(8, 8, 3, padding=1, padding_mode="zeros")
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.avg = nn.AvgPool1d(3, count_include_pad=False)
        self.avg2 = nn.AvgPool2d(2)
    def forward(self, x):
        return self.pool(self.plain(self.conv(x)))
`));
    expect(r.code).toContain('self.conv = ConvTorch(3, 8, 3, padding="same", padding_mode="reflect", dims=2)\n');
    expect(r.code).toContain("self.plain = nn.Conv2d(8, 8, 3, padding=1)\n");
    expect(r.code).toContain("self.pool = MaxPoolTorch(3, stride=2, ceil_mode=True, dims=2)\n");
    expect(r.code).toContain("self.avg = AvgPoolTorch(3, count_include_pad=False, dims=1)\n");
    expect(r.code).toContain("self.avg2 = nn.AvgPool2d(2)\n");
    // MaxPoolTorch needs pool_padding, emitted before it
    expect(r.code.indexOf("def pool_padding(")).toBeLessThan(r.code.indexOf("class MaxPoolTorch("));
    expect(r.diagnostics).toEqual([]);
  });

  it("what neither MLX nor a helper does (pooling dilation, grouped 3-d convs) is still reported", () => {
    const r = compile(py(`
import torch.nn as nn
class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(3, dilation=2, ceil_mode=True)
        self.conv = nn.Conv3d(4, 4, 3, groups=2, padding_mode="circular")
    def forward(self, x):
        return self.pool(x)
`), { filename: "stem.py" });
    expect(r.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ["C2M-W003", 5, "MaxPool2d(dilation=2) is not supported by MLX"],
      ["C2M-W003", 6, "Conv3d(groups=2) is not supported by MLX"],
    ]);
  });
});

const models = join(packageRoot(), "test", "fixtures", "models");

describe("against torch on real MLX", () => {
  it("layer_variants.py: same/reflect/circular convolutions, ceil-mode and count-excluding pooling", async () => {
    const r = await runParitySpec(join(models, "layer_variants.py"), { class: "Stem", cases: [[{ shape: [2, 3, 13, 11] }], [{ shape: [1, 3, 8, 8] }]], atol: 1e-4 } as never);
    expect(r.error).toBeUndefined();
    expect(r.diagnostics ?? []).toEqual([]);
    expect(r.cases.flatMap((c) => c.outputs.map((o) => o.maxAbs)).every((d) => d <= 1e-4)).toBe(true);
    expect(r.ok).toBe(true);
  });

  it("torch_idioms.py: factory dicts, torch types in signatures, runtime switches, an emptied branch", async () => {
    const r = await runParitySpec(join(models, "torch_idioms.py"), { class: "Idioms", cases: [[{ shape: [2, 8] }], [{ shape: [3, 5, 8] }]], atol: 1e-4, args: { drop_rate: 0.1 } } as never);
    expect(r.error).toBeUndefined();
    // fc1's keywords come in a dict c2m cannot read: passed on without device and dtype, and reported
    expect((r.diagnostics ?? []).map((d) => d.code)).toEqual(["C2M-W031"]);
    expect(r.cases.flatMap((c) => c.outputs.map((o) => o.maxAbs)).every((d) => d <= 1e-4)).toBe(true);
    expect(r.ok).toBe(true);
  });
});
