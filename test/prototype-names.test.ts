/**
 * Names that are members of JavaScript's Object.prototype (`constructor`, `toString`, `__proto__`, …) are
 * ordinary names in Python and CUDA. c2m's tables are JavaScript objects read with names from the source, so
 * each such name must read as absent from them (ir/tables.ts nameTable), not as Object.prototype's function.
 * Every name is used in every role a source gives a name (attribute, method, parameter, keyword, local,
 * class and module attribute, torch/nn/F name, import; CUDA parameter, local, helper, struct field, macro,
 * template parameter, type): no internal error, no throw, and the Python written parses.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeSource } from "../src/analyze/index.js";
import { compile } from "../src/compile.js";
import { compileKernels } from "../src/kernel/index.js";
import { packageRoot } from "../src/python.js";
import { firstError, parsePython } from "../grammar/python.js";

const NAMES = Object.getOwnPropertyNames(Object.prototype);
const H = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n";

// `@@` is where the name goes
const PY: string[] = [
  // attributes
  `class Net(nn.Module):\n    def forward(self, x):\n        dtype = torch.float32\n        w = dtype.@@\n        return x\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.@@()\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.@@(1, dim=0)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.shape.@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.size().@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.dtype.@@\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n    def forward(self, x):\n        return self.fc.@@\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n    def forward(self, x):\n        return self.fc.@@(x)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Conv2d(4, 4, 3)\n    def forward(self, x):\n        return self.fc.weight.@@ + self.fc(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return self.@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return self.@@(x)\n`,
  // method names
  `class Net(nn.Module):\n    def @@(self, x):\n        return x * 2\n    def forward(self, x):\n        return self.@@(x)\n`,
  `class Net(nn.Module):\n    @property\n    def @@(self):\n        return 2\n    def forward(self, x):\n        return x * self.@@\n`,
  `class Net(nn.Module):\n    @staticmethod\n    def @@(x):\n        return x\n    def forward(self, x):\n        return Net.@@(x)\n`,
  // params / locals / kwargs
  `class Net(nn.Module):\n    def forward(self, @@):\n        return @@ + 1\n`,
  `class Net(nn.Module):\n    def __init__(self, @@=4):\n        super().__init__()\n        self.fc = nn.Linear(@@, @@)\n    def forward(self, x):\n        return self.fc(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x, @@=None):\n        return x if @@ is None else @@\n`,
  `class Net(nn.Module):\n    def forward(self, x, **kw):\n        return kw["@@"]\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        @@ = x * 2\n        @@ += 1\n        return @@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        @@, y = x.chunk(2, dim=1)\n        return @@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return [@@ for @@ in x]\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        for @@ in range(3):\n            x = x + @@\n        return x\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.cat([x, x], @@=1)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return F.relu(x, @@=True)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.sum(@@=1)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.view(@@=1)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.zeros(3, @@=torch.float32)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4, @@=False)\n    def forward(self, x):\n        return self.fc(x)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Conv2d(4, 4, 3, @@=1)\n    def forward(self, x):\n        return self.fc(x)\n`,
  `class Net(nn.Module):\n    def __init__(self, **kw):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n    def forward(self, x):\n        return self.fc(x)\nm = Net(@@=3)\n`,
  // class / module attributes
  `class Net(nn.Module):\n    @@ = 3\n    def forward(self, x):\n        return x * self.@@\n`,
  `@@ = 3\nclass Net(nn.Module):\n    def forward(self, x):\n        return x * @@\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.@@ = nn.Linear(4, 4)\n    def forward(self, x):\n        return self.@@(x)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.@@ = 3\n    def forward(self, x):\n        return x * self.@@\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.register_buffer("@@", torch.zeros(4))\n        self.register_parameter("@@", nn.Parameter(torch.zeros(4)))\n    def forward(self, x):\n        return x * self.@@\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.@@ = nn.Parameter(torch.zeros(4))\n    def forward(self, x):\n        return x * self.@@\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.d = nn.ModuleDict({"@@": nn.Linear(4, 4)})\n    def forward(self, x):\n        return self.d["@@"](x) + self.d.@@(x)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.s = nn.Sequential()\n        self.s.add_module("@@", nn.Linear(4, 4))\n    def forward(self, x):\n        return self.s(x) + getattr(self, "@@")(x)\n`,
  `from collections import OrderedDict\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.s = nn.Sequential(OrderedDict([("@@", nn.Linear(4, 4))]))\n    def forward(self, x):\n        return self.s.@@(x)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        setattr(self, "@@", nn.Linear(4, 4))\n    def forward(self, x):\n        return getattr(self, "@@")(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        d = {"@@": x}\n        return d["@@"] + d.get("@@")\n`,
  // class names, functions
  `class @@(nn.Module):\n    def forward(self, x):\n        return x\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.b = @@()\n    def forward(self, x):\n        return self.b(x)\n`,
  `def @@(x):\n    return x * 2\nclass Net(nn.Module):\n    def forward(self, x):\n        return @@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x\nclass Sub(Net):\n    def @@(self):\n        return 1\n`,
  // torch.X / nn.X / F.X
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return F.@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.nn.functional.@@(x, 1)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.@@(4)\n    def forward(self, x):\n        return self.a(x)\n`,
  `class Net(nn.@@):\n    def forward(self, x):\n        return x\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.Linear(4, 4)\n        nn.init.@@(self.a.weight)\n    def forward(self, x):\n        return self.a(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.to(torch.@@)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.zeros(3, dtype=torch.@@)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.Tensor.@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.linalg.@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.fft.@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.cuda.@@()\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.distributions.@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.nn.utils.@@(x)\n`,
  // imports
  `from torch import @@\nclass Net(nn.Module):\n    def forward(self, x):\n        return @@(x)\n`,
  `from torch.nn import @@\nclass Net(nn.Module):\n    def forward(self, x):\n        return @@(x)\n`,
  `from torch.nn.functional import @@\nclass Net(nn.Module):\n    def forward(self, x):\n        return @@(x)\n`,
  `import @@\nclass Net(nn.Module):\n    def forward(self, x):\n        return @@.f(x)\n`,
  `from @@ import a\nclass Net(nn.Module):\n    def forward(self, x):\n        return a(x)\n`,
  `import torch.@@ as q\nclass Net(nn.Module):\n    def forward(self, x):\n        return q(x)\n`,
  `from .@@ import a\nclass Net(nn.Module):\n    def forward(self, x):\n        return a(x)\n`,
  `import numpy as np\nclass Net(nn.Module):\n    def forward(self, x):\n        return np.@@(x)\n`,
  `import math\nclass Net(nn.Module):\n    def forward(self, x):\n        return x * math.@@(2)\n`,
  `import einops\nclass Net(nn.Module):\n    def forward(self, x):\n        return einops.@@(x, "a b -> b a")\n`,
  `from einops import rearrange\nclass Net(nn.Module):\n    def forward(self, x):\n        return rearrange(x, "@@ b -> b @@")\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.einsum("ij->ji", x).@@\n`,
  // builtins & python names
  `class Net(nn.Module):\n    def forward(self, x):\n        return @@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return super().@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return [x].@@()\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return "a".@@()\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return (1, 2).@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return {"a": 1}.@@()\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return getattr(x, "@@")\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return hasattr(self, "@@")\n`,
  `class Net(nn.Module):\n    def __init__(self, cfg):\n        super().__init__()\n        self.fc = nn.Linear(cfg.@@, cfg["@@"])\n    def forward(self, x):\n        return self.fc(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return self.training.@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return nn.Module.@@(self)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x @ x.T.@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.new_zeros(3).@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return self.parameters().@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return self.state_dict()["@@"]\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n    def _load_from_state_dict(self, sd, prefix, *a):\n        sd[prefix + "@@"] = sd.pop(prefix + "fc.weight")\n    def forward(self, x):\n        return self.fc(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.permute(0, 2, 1).@@(1)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, 3, 3)\n    def forward(self, x):\n        return self.c(x).@@(1)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, 3, 3)\n    def forward(self, x):\n        y = self.c(x)\n        return y.@@\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, 3, 3)\n    def forward(self, x):\n        y = self.c(x)\n        return torch.@@(y, 1)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, 3, 3)\n    def forward(self, x):\n        y = self.c(x)\n        return y.sum(@@=1)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, 3, 3)\n    def forward(self, x):\n        y = self.c(x)\n        return F.@@(y, 1)\n`,
  `class Net(torch.autograd.Function):\n    @staticmethod\n    def @@(ctx, x):\n        return x\n`,
  `@torch.@@\ndef f(x):\n    return x\nclass Net(nn.Module):\n    def forward(self, x):\n        return f(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x: torch.@@) -> torch.@@:\n        return x\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        with torch.@@():\n            return x\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return isinstance(x, torch.@@)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.float().@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.float32.@@(x)\n`,

  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, 3, 3, padding_mode="@@")\n    def forward(self, x):\n        return self.c(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return F.interpolate(x, scale_factor=2, mode="@@")\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return F.pad(x, (1, 1), mode="@@")\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.to("@@")\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.zeros(3, dtype="@@", device="@@")\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.GELU(approximate="@@")\n        self.l = nn.CrossEntropyLoss(reduction="@@")\n    def forward(self, x):\n        return self.a(x)\n`,
  `class Block(nn.Module):\n    def __init__(self, @@=4):\n        super().__init__()\n        self.fc = nn.Linear(@@, @@)\n    def forward(self, x):\n        return self.fc(x)\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.b = Block(@@=4)\n    def forward(self, x):\n        return self.b(x)\n`,
  `cfg = {"@@": 4}\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(cfg["@@"], 4)\n    def forward(self, x):\n        return self.fc(x)\n`,
  `from dataclasses import dataclass\n@dataclass\nclass Cfg:\n    @@: int = 4\nclass Net(nn.Module):\n    def __init__(self, cfg: Cfg):\n        super().__init__()\n        self.fc = nn.Linear(cfg.@@, 4)\n    def forward(self, x):\n        return self.fc(x)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = getattr(nn, "@@")(4, 4)\n    def forward(self, x):\n        return self.fc(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return getattr(F, "@@")(x)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.layers = nn.ModuleList([nn.Linear(4, 4)])\n    def forward(self, x):\n        for l in self.layers:\n            x = l.@@(x)\n        return self.layers.@@(x)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.s = nn.Sequential(nn.Linear(4, 4))\n    def forward(self, x):\n        return self.s.@@(x)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.m = nn.MultiheadAttention(4, 2)\n    def forward(self, x):\n        return self.m.@@ + self.m(x, x, x)[0]\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.b = nn.BatchNorm2d(4)\n    def forward(self, x):\n        return self.b.@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        a, b = x.shape[:2]\n        return x.reshape(a, -1).@@(b)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.permute(0, 2, 3, 1).@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.@@.@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return nn.functional.@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.@@_()\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        x.@@ = 3\n        return x\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        self.@@ = x\n        return self.@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.Size([1]).@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return self.__class__.@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return type(self).@@\n`,
  `import torch.nn.init as init\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.Linear(4, 4)\n        init.@@(self.a.weight, 1.0)\n    def forward(self, x):\n        return self.a(x)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.Linear(4, 4)\n        self.apply(self.@@)\n    def forward(self, x):\n        return self.a(x)\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.Linear(4, 4)\n        for m in self.modules():\n            if isinstance(m, nn.Linear):\n                nn.init.@@(m.weight)\n    def forward(self, x):\n        return self.a(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.utils.checkpoint.@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.nn.modules.@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.Tensor.@@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x[..., None].@@\n`,
  `import torch.nn.functional as @@\nclass Net(nn.Module):\n    def forward(self, x):\n        return @@.relu(x)\n`,
  `import torch as @@\nclass Net(nn.Module):\n    def forward(self, x):\n        return @@.relu(x)\n`,
  `from torch import nn as @@\nclass Net(@@.Module):\n    def forward(self, x):\n        return x\n`,
  `class Net(nn.Module):\n    def forward(self, x, *@@, **kw):\n        return x\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return lambda @@: @@\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        global @@\n        return x\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        try:\n            return x\n        except Exception as @@:\n            raise\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        with torch.no_grad() as @@:\n            return x\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return f"{x.@@}"\n`,
  `class Net(nn.Module):\n    def forward(self, x: "torch.@@") -> "@@":\n        return x\n`,
  `__all__ = ["@@"]\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.ops.@@.@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return torch.nn.Parameter.@@\n`,
  `class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.p = nn.Parameter(torch.zeros(4))\n    def forward(self, x):\n        return self.p.@@(x)\n`,
  `class Net(nn.Module):\n    def forward(self, x):\n        return x.sum(dim=1).@@().@@\n`,
];
const CU: string[] = [
  `__global__ void k(float* @@, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) @@[i] = 1.0f; }\n`,
  `__global__ void k(float* x, int @@) { int i = threadIdx.x; if (i < @@) x[i] = 1.0f; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; float @@ = x[i]; if (i < n) x[i] = @@ * 2.0f; }\n`,
  `__device__ float @@(float a) { return a * 2.0f; }\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = @@(x[i]); }\n`,
  `__global__ void @@(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1.0f; }\n`,
  `struct S { float @@; int n; };\n__global__ void k(float* x, S s) { int i = threadIdx.x; if (i < s.n) x[i] = s.@@; }\n`,
  `struct S { float @@; };\n__global__ void k(float* x, int n) { int i = threadIdx.x; S s; s.@@ = 2.0f; if (i < n) x[i] = s.@@; }\n`,
  `struct @@ { float a; };\n__global__ void k(float* x, int n) { int i = threadIdx.x; @@ s; s.a = 2.0f; if (i < n) x[i] = s.a; }\n`,
  `#define @@ 3\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = @@; }\n`,
  `#define @@(a) ((a) * 2)\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = @@(x[i]); }\n`,
  `#ifdef @@\n#endif\n#if defined(@@)\n#endif\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1; }\n`,
  `template <typename @@> __global__ void k(@@* x, int n) { int i = threadIdx.x; if (i < n) x[i] = (@@)1; }\ntemplate __global__ void k<float>(float*, int);\n`,
  `template <int @@> __global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = @@; }\nvoid h(float* x) { k<4><<<1, 32>>>(x, 32); }\n`,
  `typedef float @@;\n__global__ void k(@@* x, int n) { int i = threadIdx.x; if (i < n) x[i] = (@@)1; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = @@(x[i]); }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.@@; if (i < n) x[i] = 1.0f; }\n`,
  `__global__ void k(float4* x, int n) { int i = threadIdx.x; float4 v = x[i]; if (i < n) x[i].x = v.@@; }\n`,
  `__global__ void k(float* x, int n) { __shared__ float @@[32]; int i = threadIdx.x; @@[i] = x[i]; __syncthreads(); if (i < n) x[i] = @@[31 - i]; }\n`,
  `enum E { @@ = 2 };\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = @@; }\n`,
  `namespace @@ { __device__ float f(float a) { return a; } }\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = @@::f(x[i]); }\n`,
  `__constant__ float @@[4];\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = @@[i % 4]; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = @@; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) atomicAdd(&x[0], 1.0f); @@: return; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = __@@(x[i]); }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = std::@@(x[i]); }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = (@@)x[i]; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = x[i].@@(); }\n`,
  `#include <@@>\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1; }\n`,
  `#include "@@.h"\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1; }\nvoid h(float* @@, int n) { k<<<1, 32>>>(@@, n); }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1; }\nvoid @@(float* x, int n) { k<<<1, 32>>>(x, n); }\n`,
  `#include <torch/extension.h>\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1; }\ntorch::Tensor @@(torch::Tensor x) { k<<<1, 32>>>(x.data_ptr<float>(), x.numel()); return x; }\nPYBIND11_MODULE(TORCH_EXTENSION_NAME, m) { m.def("@@", &@@); }\n`,
  `struct P { float* @@; int n; };\n__global__ void k(P p) { int i = threadIdx.x; if (i < p.n) p.@@[i] = 1.0f; }\n`,
  `template <typename T> struct Tr { using @@ = T; };\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = __shfl_xor_sync(0xffffffff, x[i], 1); auto @@ = [](float a) { return a; }; x[0] = @@(x[0]); }\n`,
  `__global__ void k(float* __restrict__ x, int n) { int i = threadIdx.x; int @@[3] = {1, 2, 3}; if (i < n) x[i] = @@[i % 3]; }\n`,

  `#include <cooperative_groups.h>\nnamespace cg = cooperative_groups;\n__global__ void k(float* x, int n) { auto b = cg::this_thread_block(); int i = b.@@(); if (i < n) x[i] = 1.0f; cg::@@(b); }\n`,
  `#include <cub/cub.cuh>\n__global__ void k(float* x, int n) { typedef cub::BlockReduce<float, 128> R; __shared__ typename R::TempStorage t; float v = R(t).@@(x[threadIdx.x]); if (threadIdx.x == 0) x[0] = v; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = __@@(x[i], 1.0f); }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = @@f(x[i]); }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = atomic@@(&x[0], 1.0f); }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = __shfl_@@(0xffffffff, x[i], 1); }\n`,
  `__global__ void k(@@ x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1; }\n`,
  `__global__ void k(@@* x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; @@4 v; if (i < n) x[i] = v.x; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = make_@@(1.0f).x; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = glm::@@(x[i]); }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = thrust::@@(x[i]); }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = at::@@(x[i]); }\n`,
  `template <typename T> __device__ T @@(T a) { return a; }\n__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = @@<float>(x[i]); }\n`,
  `template <bool @@> __global__ void k(float* x, int n) { int i = threadIdx.x; if constexpr (@@) { if (i < n) x[i] = 1; } else { if (i < n) x[i] = 2; } }\ntemplate __global__ void k<true>(float*, int);\n`,
  `struct @@ { float* p; int n; };\n__global__ void k(@@ s) { int i = threadIdx.x; if (i < s.n) s.p[i] = 1; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = 1; }\nvoid h(float* x, int n) { dim3 @@(32); k<<<1, @@>>>(x, n); cuda@@(); }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; extern __shared__ float @@[]; @@[i] = x[i]; __syncthreads(); if (i < n) x[i] = @@[0]; }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] = __ldg(&x[i]) + __@@(&x[i]); }\n`,
  `__global__ void k(float* x, int n) { int i = threadIdx.x; if (i < n) asm("@@"); }\n`,
  `#pragma @@\n__global__ void k(float* x, int n) { int i = threadIdx.x; _Pragma("@@") if (i < n) x[i] = 1; }\n`,
  `__global__ void __launch_bounds__(128) k(float* x, int n) { int i = threadIdx.x; __shared__ float s[32]; if (i < n) s[i] = x[i]; __syncthreads_@@(i); }\n`,
];

const fill = (t: string, n: string) => t.split("@@").join(n);
const INTERNAL = /internal/i;

function pythonProblem(src: string): string | undefined {
  const r = compile(src, { filename: "m.py" });
  const bad = r.diagnostics.find((d) => d.code === "C2M-E026" || d.code === "C2M-E006" || INTERNAL.test(d.message));
  if (bad) return `${bad.code} ${bad.message}`;
  if (r.code && firstError(parsePython(r.code).rootNode)) return "the output does not parse";
  return undefined;
}

function cudaProblem(src: string, template?: Record<string, string>): string | undefined {
  const r = compileKernels(src, { filename: "k.cu", template });
  const bad = r.diagnostics.find((d) => INTERNAL.test(d.message));
  if (bad) return `${bad.code} ${bad.message}`;
  if (r.python && firstError(parsePython(r.python).rootNode)) return "the output does not parse";
  return undefined;
}

/** The failures, as `template index / name: problem` (a throw is one too). */
function failures(templates: string[], problem: (src: string) => string | undefined, prefix = ""): string[] {
  const out: string[] = [];
  templates.forEach((t, i) => {
    for (const n of NAMES) {
      try {
        const p = problem(prefix + fill(t, n));
        if (p) out.push(`${i} / ${n}: ${p}`);
      } catch (err) {
        out.push(`${i} / ${n}: threw ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  });
  return out;
}

describe("Object.prototype's member names in the source", () => {
  it("Python: no internal error, and the output parses", () => {
    expect(failures(PY, pythonProblem, H)).toEqual([]);
  });

  it("CUDA: no internal error, and the output parses", () => {
    expect(failures(CU, cudaProblem)).toEqual([]);
  });

  it("CUDA: template arguments given by name (--template)", () => {
    for (const n of NAMES) {
      const src = fill(CU[12]!, n).replace(/\nvoid h[^\n]*\n/, "\n");
      expect(cudaProblem(src, { [n]: "4" })).toBeUndefined();
      expect(cudaProblem(src, {})).toBeUndefined();
    }
  });

  it("a class named like a prototype member keeps its weight map", () => {
    for (const n of NAMES) {
      const src = `${H}class ${n}(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, 3, 3)\n    def forward(self, x):\n        return self.c(x)\n`;
      const r = compile(src, { filename: "m.py" });
      expect(Object.keys(r.weightMaps)).toEqual([n]);
      expect(r.weightMaps[n]).toEqual([{ torch: "c.weight", mlx: "c.weight", op: "conv" }]);
      expect(r.code).toContain(`${JSON.stringify(n)}: [`);
    }
  });

  it("analyze reports no internal error", async () => {
    for (const n of NAMES) {
      for (const [src, language] of [
        [H + fill(PY[0]!, n), "python"],
        [fill(CU[3]!, n), "cuda"],
      ] as const) {
        const a = await analyzeSource(src, language === "python" ? "m.py" : "k.cu", language);
        expect(JSON.stringify(a)).not.toMatch(INTERNAL);
      }
    }
  });

  it("the CLI exits without a crash on a folder of them", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-proto-names-"));
    mkdirSync(join(dir, "py"), { recursive: true });
    mkdirSync(join(dir, "cu"), { recursive: true });
    NAMES.forEach((n, i) => {
      writeFileSync(join(dir, "py", `m${i}.py`), H + PY.map((t) => fill(t, n)).join("\n"));
      writeFileSync(join(dir, "cu", `k${i}.cu`), fill(CU[3]!, n) + fill(CU[5]!, n).replace(/\bk\(/, "k2("));
    });
    const cli = join(packageRoot(), "dist", "src", "cli.js");
    for (const args of [
      ["compile", join(dir, "py"), "-o", join(dir, "py-out"), "-j", "1"],
      ["kernel", join(dir, "cu"), "-o", join(dir, "cu-out"), "-j", "1"],
    ]) {
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
      expect([0, 1]).toContain(r.status);
      expect(r.stderr).not.toMatch(/internal error|TypeError|\n\s+at /);
    }
    // --verify runs the Metal and the CUDA on the emulators: launches from flags keyed by parameter names
    const [out, input, count, scale] = ["constructor", "toString", "valueOf", "__proto__"];
    writeFileSync(
      join(dir, "v.cu"),
      `__global__ void k(float* ${out}, const float* ${input}, int ${count}, float ${scale}) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < ${count}) ${out}[i] = ${input}[i] * ${scale};\n}\n`,
    );
    const v = spawnSync(process.execPath, [cli, "kernel", join(dir, "v.cu"), "-o", join(dir, "v.py"), "--verify", "--size", `${count}=64`, "--scalar", `${scale}=2`], {
      encoding: "utf8",
    });
    expect(v.stderr).not.toMatch(/internal error|TypeError|\n\s+at /);
    expect(v.status).toBe(0);
  });
});
