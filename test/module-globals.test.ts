/**
 * A function of another file that builds a layer class from a module-level table (timm's get_norm_act_layer:
 * `_NORM_ACT_MAP[name]`, `_NORM_TO_NORM_ACT_MAP.get(type_name)`, or the norm_layer argument itself): the layer built
 * is one of the table's classes or the argument (passes/module-globals.ts), not the argument alone. Here the table's
 * BatchNormAct2d (a BatchNorm2d subclass whose forward keeps torch's layout) is called through c2m_sequential, which
 * asks the module held at run time what it takes; before, it was taken for a BatchNorm2d and fed channels-last.
 */
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";

const py = (s: string) => s.replace(/^\n/, "");

const NORM_ACT = py(`
import torch
from torch import nn
import torch.nn.functional as F


class BatchNormAct2d(nn.BatchNorm2d):
    def __init__(self, num_features, eps=1e-5, act_layer=nn.ReLU):
        super().__init__(num_features, eps=eps)
        self.act = act_layer()

    def forward(self, x):
        x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)
        return self.act(x)
`);

const CREATE = py(`
import types
from .norm_act import BatchNormAct2d

_NORM_ACT_MAP = dict(batchnorm=BatchNormAct2d)
_NORM_TO_NORM_ACT_MAP = dict(batchnorm2d=BatchNormAct2d)


def get_norm_act_layer(norm_layer):
    if isinstance(norm_layer, str):
        norm_act_layer = _NORM_ACT_MAP[norm_layer.lower()]
    elif isinstance(norm_layer, types.FunctionType):
        norm_act_layer = norm_layer
    else:
        norm_act_layer = _NORM_TO_NORM_ACT_MAP.get(norm_layer.__name__.lower(), None)
    return norm_act_layer
`);

const MODEL = py(`
import torch
from torch import nn
from .create import get_norm_act_layer


class ConvNormAct(nn.Module):
    def __init__(self, cin, cout, norm_layer=nn.BatchNorm2d):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn = get_norm_act_layer(norm_layer)(cout)

    def forward(self, x):
        return self.bn(self.conv(x))
`);

describe("a layer class looked up in a module-level table of another file", () => {
  const files = { "pkg/__init__.py": "", "pkg/norm_act.py": NORM_ACT, "pkg/create.py": CREATE, "pkg/model.py": MODEL };
  const r = compile(MODEL, { filename: "pkg/model.py", host: memoryHost(files), package: { files: Object.keys(files), path: "pkg/model.py" } });

  it("is one of the table's classes or the argument: the call asks the module held at run time", () => {
    expect(r.code).toContain("return c2m_sequential(self.bn, self.conv(x), True, False)");
  });

  it("a table changed after it is written (an item assigned, update) is not read", () => {
    const changed = CREATE.replace(
      "_NORM_TO_NORM_ACT_MAP = dict(batchnorm2d=BatchNormAct2d)\n",
      "_NORM_TO_NORM_ACT_MAP = dict(batchnorm2d=BatchNormAct2d)\n_NORM_ACT_MAP['x'] = None\n_NORM_TO_NORM_ACT_MAP.update(y=None)\n",
    );
    const other = { ...files, "pkg/create.py": changed };
    const o = compile(MODEL, { filename: "pkg/model.py", host: memoryHost(other), package: { files: Object.keys(other), path: "pkg/model.py" } });
    expect(o.code).not.toContain("c2m_sequential(self.bn");
  });

  const withCreate = (create: string) => {
    const other = { ...files, "pkg/create.py": create };
    return compile(MODEL, { filename: "pkg/model.py", host: memoryHost(other), package: { files: Object.keys(other), path: "pkg/model.py" } }).code;
  };
  const after = (lines: string) =>
    CREATE.replace("_NORM_TO_NORM_ACT_MAP = dict(batchnorm2d=BatchNormAct2d)\n", `_NORM_TO_NORM_ACT_MAP = dict(batchnorm2d=BatchNormAct2d)\n${lines}`);

  it("a change is read from the syntax tree: `del t[k]`, `t[k] += …` and a change in a top-level `if` count", () => {
    for (const change of ["del T['batchnorm2d']\n", "T['batchnorm2d'] += ()\n", "if True:\n    T.pop('batchnorm2d')\n"]) {
      // both tables changed: either one left readable still gives the class
      const both = change.replace(/T/g, "_NORM_ACT_MAP") + change.replace(/T/g, "_NORM_TO_NORM_ACT_MAP");
      expect(withCreate(after(both))).not.toContain("c2m_sequential(self.bn");
      expect(withCreate(after(change.replace(/T/g, "_NORM_ACT_MAP")))).toContain("return c2m_sequential(self.bn, self.conv(x), True, False)");
    }
  });

  it("what only spells a change (a string, a comment) or makes one when called (a lambda) is none", () => {
    const spelled =
      "HELP = \"_NORM_TO_NORM_ACT_MAP.update(x) or _NORM_ACT_MAP['a'] = 1\"  # _NORM_ACT_MAP.pop(k)\nreset = lambda: _NORM_TO_NORM_ACT_MAP.clear() or _NORM_ACT_MAP.update(a=None)\n";
    expect(withCreate(after(spelled))).toContain("return c2m_sequential(self.bn, self.conv(x), True, False)");
  });
});
