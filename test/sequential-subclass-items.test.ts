/**
 * A subclass of nn.Sequential with no __init__ of its own (openai/guided-diffusion's TimestepEmbedSequential) is built
 * by nn.Sequential's: each construction's positional arguments are its items, so torch names its children `0`, `1`, …
 * and MLX's Sequential holds them in `layers`. Its forward iterates `self` with an extra argument; the model keeps its
 * blocks in a ModuleList grown by `.append` in loops. The weight map renames each block's items, and the port matches
 * torch. Defined in one file and built in another, the class is built per call in the model's file (its items in the
 * model's weight map); its own file, which builds it nowhere, runs its items as the modules held at run time.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";
import { convertWeightsFile } from "../src/weights/index.js";
import { portDifference, runPython } from "./python-run.js";

const SRC = `import torch
import torch.nn as nn


class TimestepBlock(nn.Module):
    def forward(self, x, emb):
        raise NotImplementedError


class TimestepEmbedSequential(nn.Sequential, TimestepBlock):
    def forward(self, x, emb):
        for layer in self:
            if isinstance(layer, TimestepBlock):
                x = layer(x, emb)
            else:
                x = layer(x)
        return x


class ResBlock(TimestepBlock):
    def __init__(self, ch, emb_ch):
        super().__init__()
        self.norm = nn.GroupNorm(2, ch)
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)
        self.emb = nn.Linear(emb_ch, ch)

    def forward(self, x, emb):
        h = self.conv(torch.relu(self.norm(x)))
        return x + h + self.emb(emb)[:, :, None, None]


class Net(nn.Module):
    def __init__(self, ch=4, emb_ch=6, levels=2):
        super().__init__()
        self.time = nn.Linear(3, emb_ch)
        self.input_blocks = nn.ModuleList([TimestepEmbedSequential(nn.Conv2d(3, ch, 3, padding=1))])
        for level in range(levels):
            layers = [ResBlock(ch, emb_ch)]
            if level % 2 == 0:
                layers.append(nn.Conv2d(ch, ch, 1))
            self.input_blocks.append(TimestepEmbedSequential(*layers))
        self.middle = TimestepEmbedSequential(ResBlock(ch, emb_ch), nn.BatchNorm2d(ch), ResBlock(ch, emb_ch))
        self.out = nn.Conv2d(ch, 3, 1)

    def forward(self, x):
        emb = self.time(x.mean(dim=(2, 3)))
        for block in self.input_blocks:
            x = block(x, emb)
        return self.out(self.middle(x, emb))
`;

describe("an nn.Sequential subclass built by nn.Sequential's __init__", () => {
  const r = compile(SRC, { filename: "m.py" });

  it("iterates its items and maps each block's children to layers.N", () => {
    expect(r.code).toContain("for layer in self.layers:");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const renames = r.weightMaps.Net.filter((w) => w.op === "identity").map((w) => [w.torch, w.mlx]);
    expect(renames).toContainEqual(["input_blocks.#.#.**", "input_blocks.#.layers.#.**"]);
    expect(renames).toContainEqual(["middle.#.**", "middle.layers.#.**"]);
  });

  it("matches torch", () => {
    expect(portDifference(SRC, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});

const PACKAGE = {
  "pkg/__init__.py": "",
  "pkg/blocks.py": SRC.slice(0, SRC.indexOf("class Net")),
  "pkg/model.py": `import torch
import torch.nn as nn
from .blocks import TimestepEmbedSequential, ResBlock


class Net(nn.Module):
    def __init__(self, ch=4, emb_ch=6):
        super().__init__()
        self.time = nn.Linear(3, emb_ch)
        self.blocks = nn.ModuleList([TimestepEmbedSequential(nn.Conv2d(3, ch, 3, padding=1))])
        for level in range(2):
            self.blocks.append(TimestepEmbedSequential(ResBlock(ch, emb_ch), nn.Conv2d(ch, ch, 1)))

    def forward(self, x):
        emb = self.time(x.mean(dim=(2, 3)))
        for block in self.blocks:
            x = block(x, emb)
        return x
`,
};

describe("such a subclass defined in one file and built in another", () => {
  const host = memoryHost(PACKAGE);
  const out = (f: string) => compile(PACKAGE[f as keyof typeof PACKAGE], { filename: f, host, package: { files: Object.keys(PACKAGE), path: f } });
  const [blocks, model] = [out("pkg/blocks.py"), out("pkg/model.py")];

  it("maps the items each construction passes in the model's file", () => {
    expect(model.weightMaps.Net).toContainEqual({ torch: "blocks.#.1.weight", mlx: "blocks.#.layers.1.weight", op: "conv" });
    expect(blocks.code).toContain("for layer in self.layers:");
  });

  it("matches torch", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-seq-pkg-"));
    const emitted = { "pkg/__init__.py": "", "pkg/blocks.py": blocks.code, "pkg/model.py": model.code };
    for (const [name, files] of [
      ["pkg", PACKAGE],
      ["mlxpkg", emitted],
    ] as const) {
      mkdirSync(join(dir, name));
      for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, name, f.slice(4)), text);
    }
    runPython(`
import sys, numpy as np, torch
sys.path.insert(0, "${dir}")
from pkg import model
torch.manual_seed(0)
net = model.Net().eval()
torch.save(net.state_dict(), "${dir}/net.pt")
x = np.random.default_rng(0).standard_normal((1, 3, 6, 6)).astype(np.float32)
with torch.no_grad(): np.save("${dir}/y.npy", net(torch.from_numpy(x)).numpy())
np.save("${dir}/x.npy", x)
`);
    convertWeightsFile(join(dir, "net.pt"), join(dir, "net.safetensors"), model.weightMaps.Net);
    const diff = runPython(`
import sys, numpy as np, mlx.core as mx
sys.path.insert(0, "${dir}")
from mlxpkg import model
net = model.Net(); net.load_weights("${dir}/net.safetensors", strict=True); net.eval()
y, want = np.array(net(mx.array(np.load("${dir}/x.npy")))), np.load("${dir}/y.npy")
print(float(np.abs(y - want).max()) if y.shape == want.shape else float("inf"))
`);
    expect(Number(diff)).toBeLessThan(1e-4);
  });
});
