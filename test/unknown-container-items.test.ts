/**
 * An item of a ModuleList that the module tree took for a plain value: `bns.append(norm_layer(width))` in a block
 * whose `norm_layer=None` only a model of another file fills (timm's Bottle2neck, given to resnet.py's ResNet). torch
 * fills a ModuleList with modules only, so a loop target taking its items (`for conv, bn in zip(self.convs, self.bns)`,
 * `for bn in self.bns`) holds a module of a class c2m cannot tell: called, the class it has at run time decides its
 * layout (c2m_sequential, C2M-W007), as for a self attribute of that kind; it was given torch's layout, which a
 * BatchNorm (channels-last in MLX) misreads. Since construction sites in other files are read per call site
 * (passes/foreign-sites.ts), model.py's `Block(4, norm_layer=nn.BatchNorm2d)` decides the class here. Checked against torch.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPython } from "./python-run.js";
import { compile, memoryHost } from "../src/index.js";
import { convertWeightsFile } from "../src/weights/index.js";

const files: Record<string, string> = {
  "pkg/__init__.py": "",
  "pkg/blocks.py": `import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c, norm_layer=None):
        super().__init__()
        convs = []
        bns = []
        for _ in range(2):
            convs.append(nn.Conv2d(c, c, 3, padding=1, bias=False))
            bns.append(norm_layer(c))
        self.convs = nn.ModuleList(convs)
        self.bns = nn.ModuleList(bns)

    def forward(self, x):
        for conv, bn in zip(self.convs, self.bns):
            x = torch.relu(bn(conv(x)))
        for bn in self.bns:
            x = bn(x)
        return x
`,
  "pkg/model.py": `import torch.nn as nn
from .blocks import Block


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 1)
        self.block = Block(4, norm_layer=nn.BatchNorm2d)

    def forward(self, x):
        return self.block(self.stem(x))
`,
};

describe("a called item of a module container the module tree took for a plain value", () => {
  const host = memoryHost(files);
  const out = Object.fromEntries(
    ["pkg/blocks.py", "pkg/model.py"].map((path) => [path, compile(files[path], { filename: path, host, package: { files: Object.keys(files), path } })]),
  );
  const blocks = out["pkg/blocks.py"];

  it("takes the class the other file's construction passes (foreign-sites.ts): BatchNorm2d, channels-last, no run-time dispatch", () => {
    expect(blocks.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(blocks.diagnostics.filter((d) => d.code === "C2M-W007")).toEqual([]);
    expect(blocks.code).toContain("x = nn.relu(bn(conv(x)))");
    expect(blocks.code).toContain("x = bn(x)");
    expect(blocks.code).toContain('("bns.#.num_batches_tracked", None, "drop")');
  });

  it("matches torch", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-items-"));
    for (const [root, code] of [
      ["torch_pkg", (path: string) => files[path]],
      ["mlx_pkg", (path: string) => (path === "pkg/__init__.py" ? "" : out[path].code)],
    ] as const) {
      mkdirSync(join(dir, root));
      for (const path of Object.keys(files)) writeFileSync(join(dir, root, path.slice("pkg/".length)), code(path));
    }
    runPython(`
import sys, numpy as np, torch
sys.path.insert(0, "${dir}")
from torch_pkg.model import Net
torch.manual_seed(0)
net = Net().eval()
for m in net.modules():
    if isinstance(m, torch.nn.BatchNorm2d):
        m.running_mean.uniform_(-0.5, 0.5); m.running_var.uniform_(0.5, 1.5)
torch.save(net.state_dict(), "${dir}/net.pt")
x = np.random.default_rng(0).standard_normal((1, 3, 6, 6)).astype(np.float32)
np.save("${dir}/x.npy", x)
with torch.no_grad(): np.save("${dir}/y.npy", net(torch.from_numpy(x)).numpy())
`);
    convertWeightsFile(join(dir, "net.pt"), join(dir, "net.safetensors"), out["pkg/model.py"].weightMaps.Net);
    const diff = runPython(`
import sys, numpy as np, mlx.core as mx
sys.path.insert(0, "${dir}")
from mlx_pkg.model import Net
net = Net(); net.load_weights("${dir}/net.safetensors", strict=True); net.eval()
y, want = np.array(net(mx.array(np.load("${dir}/x.npy")))), np.load("${dir}/y.npy")
print(float(np.abs(y - want).max()) if y.shape == want.shape else float("inf"))
`);
    expect(Number(diff)).toBeLessThan(1e-4);
  });
});
