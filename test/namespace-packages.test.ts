/**
 * Repositories are rarely installable packages: ConvNeXt's `models/convnext.py`, CLIP's `clip/model.py`, and the
 * copied trees of the zoo keep folders without `__init__.py` (namespace packages). Python, run from the folder
 * compiled (on sys.path), imports a namespace folder's siblings from there: `from mypkg.layers import PatchEmbed`
 * absolutely, or `from ..layers import PatchEmbed` with dots that climb out of the namespace folder. The import
 * resolver looks in the compiled folder (the host's project root) after the file's own package root, so the
 * class another file defines is known: its weights are in the model's weight map and its numbers match torch's.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, memoryHost, type CompileResult } from "../src/index.js";
import { convertWeightsFile } from "../src/weights/index.js";
import { runPython } from "./python-run.js";

const PATCH_EMBED = `import torch.nn as nn


class PatchEmbed(nn.Module):
    def __init__(self, c=3, d=8):
        super().__init__()
        self.proj = nn.Conv2d(c, d, 4, stride=4)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)
`;

const vit = (importLine: string) => `import torch.nn as nn
${importLine}


class Net(nn.Module):
    def __init__(self, embed_layer=PatchEmbed, d=8):
        super().__init__()
        self.patch_embed = embed_layer(c=3, d=d)
        self.head = nn.Linear(d, 5)

    def forward(self, x):
        return self.head(self.patch_embed(x))
`;

/** mypkg/ is a package, its models/ folder a namespace folder (no __init__.py), as in many repositories. */
const files = (importLine: string): Record<string, string> => ({
  "mypkg/__init__.py": "",
  "mypkg/layers/__init__.py": "from .pe import PatchEmbed\n",
  "mypkg/layers/pe.py": PATCH_EMBED,
  "mypkg/models/vit.py": vit(importLine),
});

function compileFolder(tree: Record<string, string>, projectRoots: string[]): Map<string, CompileResult> {
  const host = { ...memoryHost(tree), projectRoots };
  const out = new Map<string, CompileResult>();
  for (const path of Object.keys(tree)) out.set(path, compile(tree[path], { filename: path, host, package: { files: Object.keys(tree), path } }));
  return out;
}

describe("a namespace folder imports its siblings from the project root", () => {
  for (const importLine of ["from mypkg.layers import PatchEmbed", "from ..layers import PatchEmbed", "from ..layers.pe import PatchEmbed"]) {
    it(`\`${importLine}\`: the other file's class is known (its conv weight is in the map)`, () => {
      const vitMap = compileFolder(files(importLine), [""]).get("mypkg/models/vit.py")!.weightMaps.Net;
      expect(vitMap).toEqual([{ torch: "patch_embed.proj.weight", mlx: "patch_embed.proj.weight", op: "conv" }]);
    });
  }

  it("without a project root (one file compiled alone, say) the import stays unresolved: no rule is invented", () => {
    const vitMap = compileFolder(files("from mypkg.layers import PatchEmbed"), []).get("mypkg/models/vit.py")!.weightMaps.Net;
    // no layout rule for a class c2m cannot see: the held module's own map converts its keys when the model loads
    expect(vitMap.filter((r) => r.op !== "runtime" && r.op !== "drop")).toEqual([]);
    expect(vitMap).toContainEqual({ torch: "patch_embed.**", mlx: null, op: "runtime" });
  });

  it("the port of the folder matches torch (weights converted with the model's map, loaded strictly)", () => {
    const tree = files("from ..layers import PatchEmbed");
    const compiled = compileFolder(tree, [""]);
    const dir = mkdtempSync(join(tmpdir(), "c2m-namespace-"));
    for (const [path, text] of Object.entries(tree)) {
      for (const [side, code] of [
        ["torch", text],
        ["mlx", compiled.get(path)!.code],
      ]) {
        mkdirSync(dirname(join(dir, side, path)), { recursive: true });
        writeFileSync(join(dir, side, path), code);
      }
    }
    runPython(`
import sys, numpy as np, torch
sys.path.insert(0, "${dir}/torch")
from mypkg.models.vit import Net
torch.manual_seed(0)
net = Net().eval()
torch.save(net.state_dict(), "${dir}/net.pt")
x = np.random.default_rng(0).standard_normal((1, 3, 8, 8)).astype(np.float32)
with torch.no_grad(): np.save("${dir}/y.npy", net(torch.from_numpy(x)).numpy())
np.save("${dir}/x.npy", x)
`);
    convertWeightsFile(join(dir, "net.pt"), join(dir, "net.safetensors"), compiled.get("mypkg/models/vit.py")!.weightMaps.Net);
    const diff = Number(
      runPython(`
import sys, numpy as np, mlx.core as mx
sys.path.insert(0, "${dir}/mlx")
from mypkg.models.vit import Net
net = Net(); net.load_weights("${dir}/net.safetensors", strict=True); net.eval()
y, want = np.array(net(mx.array(np.load("${dir}/x.npy")))), np.load("${dir}/y.npy")
print(float(np.abs(y - want).max()) if y.shape == want.shape else float("inf"))
`),
    );
    expect(diff).toBeLessThan(1e-4);
  });
});
