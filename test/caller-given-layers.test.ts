/**
 * A layer factory parameter whose default cannot be called (`norm_layer=None` behind `if norm_layer`), in a class
 * other files of the package build: the layer is the class a caller gives (timm's ConvMlp, whose LayerNorm2d
 * GlobalContext in another file gives), known only at run time — never the other branch's Identity.
 */
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";

const py = (s: string) => s.replace(/^\n/, "");

function compileIn(files: Record<string, string>, path: string) {
  const host = memoryHost(files);
  return compile(files[path], { filename: path, host, package: { files: Object.keys(files), path } });
}

const MLP = py(`
from typing import Optional, Type
from torch import nn


class ConvMlp(nn.Module):
    def __init__(self, cin: int, hidden: int, norm_layer: Optional[Type[nn.Module]] = None):
        super().__init__()
        self.fc1 = nn.Conv2d(cin, hidden, kernel_size=1)
        self.norm = norm_layer(hidden) if norm_layer else nn.Identity()
        self.fc2 = nn.Conv2d(hidden, cin, kernel_size=1)

    def forward(self, x):
        x = self.fc1(x)
        x = self.norm(x)
        return self.fc2(x)
`);

const GC = py(`
from torch import nn
import torch.nn.functional as F
from .mlp import ConvMlp


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class GlobalContext(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.mlp = ConvMlp(c, c // 2, norm_layer=LayerNorm2d)

    def forward(self, x):
        return x * self.mlp(x.mean((2, 3), keepdim=True)).sigmoid()
`);

describe("a layer a caller in another file gives", () => {
  const files = { "pkg/__init__.py": "", "pkg/mlp.py": MLP, "pkg/gc.py": GC };

  it("is chosen at run time, not taken for the Identity of the default's branch", () => {
    const fwd = compileIn(files, "pkg/mlp.py").code.split("def __call__")[1];
    // the class the caller gives takes torch's layout, the Identity any: the module held decides (c2m_sequential)
    expect(fwd).toContain("c2m_sequential(self.norm, x");
    expect(fwd).not.toMatch(/^\s*x = self\.norm\(x\)$/m);
  });

  it("a class no other file builds keeps its default (a model users build themselves)", () => {
    const fwd = compileIn({ "pkg/__init__.py": "", "pkg/mlp.py": MLP }, "pkg/mlp.py").code.split("def __call__")[1];
    expect(fwd).toContain("x = self.norm(x)");
    expect(fwd).not.toContain("c2m_sequential");
  });
});
