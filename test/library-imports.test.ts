/**
 * Installed torch libraries a user's file imports are translated with it (src/libraries.ts, passes/library-imports.ts).
 * The rewriting of the imports is checked on its own; the whole story on a small library installed in a folder of
 * the test's (named timm, as the tables know timm to need torch): `c2m compile model.py -o out/model_mlx.py` writes
 * the library's reached modules under out/_c2m_lib, the user's subclass of a library class gets a weight map over
 * the inherited layers, and the port, run without torch, gives torch's numbers. A library module c2m cannot
 * translate writes no library and puts C2M-E043 at the user's import.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseModule } from "../grammar/python.js";
import { DiagnosticBag } from "../ir/diagnostics.js";
import { libraryImportEdits, type TranslatedLibraries } from "../passes/library-imports.js";
import { runCompile } from "../src/commands/compile.js";
import { compile } from "../src/compile.js";
import { readWeightMaps } from "../src/weights/read-map.js";
import { convertWeightsFile } from "../src/weights/index.js";
import { runPython } from "./python-run.js";

function rewrite(source: string, libs: TranslatedLibraries): { code: string; diags: DiagnosticBag } {
  const diags = new DiagnosticBag("m.py");
  const edits = libraryImportEdits(parseModule(source).rootNode, libs, diags);
  let code = source;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) code = code.slice(0, e.start) + e.text + code.slice(e.end);
  return { code, diags };
}

describe("imports of a translated library point into the output's _c2m_lib", () => {
  const libs: TranslatedLibraries = { prefix: "_c2m_lib", translated: new Set(["timm"]) };

  it("rewrites from-imports, aliased and plain imports, nested ones too, and leaves the rest", () => {
    const source = [
      "from timm.layers import DropPath, Mlp as M",
      "import timm.layers as L",
      "import timm",
      "import timm.models.vision_transformer, math",
      "from timm import layers",
      "from .blocks import Block",
      "import numpy as np",
      "from einops import rearrange",
      "def f():",
      "    from timm.layers import trunc_normal_",
      "    return trunc_normal_",
      "",
    ].join("\n");
    expect(rewrite(source, libs).code).toBe(
      [
        "from _c2m_lib.timm.layers import DropPath, Mlp as M",
        "import _c2m_lib.timm.layers as L",
        "from _c2m_lib import timm",
        "from _c2m_lib import timm; import _c2m_lib.timm.models.vision_transformer; import math",
        "from _c2m_lib.timm import layers",
        "from .blocks import Block",
        "import numpy as np",
        "from einops import rearrange",
        "def f():",
        "    from _c2m_lib.timm.layers import trunc_normal_",
        "    return trunc_normal_",
        "",
      ].join("\n"),
    );
  });

  it("an import that only loads a submodule binds the package and marks the load, whose own name nothing reads (pyflakes' F401)", () => {
    expect(rewrite("import timm.layers  # noqa: F401\nx = timm.layers\n", libs).code).toBe(
      "from _c2m_lib import timm; import _c2m_lib.timm.layers  # noqa: F401  # noqa: F401\nx = timm.layers\n",
    );
    // something after it on its line: no comment that would swallow it
    expect(rewrite("import timm.layers; y = 1\n", libs).code).toBe("from _c2m_lib import timm; import _c2m_lib.timm.layers; y = 1\n");
  });

  it("uses the package's own name when the output is a package", () => {
    expect(rewrite("from timm.layers import DropPath\n", { ...libs, prefix: "mypkg._c2m_lib" }).code).toBe("from mypkg._c2m_lib.timm.layers import DropPath\n");
  });

  it("reports a library that could not be translated (E043) or was translated with errors (W048) at the import", () => {
    const { code, diags } = rewrite("from timm.layers import DropPath\nimport torchvision.ops as ops\n", {
      prefix: "_c2m_lib",
      translated: new Set(["timm"]),
      failed: new Map([["torchvision", "/site/torchvision/ops/x.py:3:1: C2M-E001 syntax error"]]),
      withErrors: new Map([["timm", "2 errors in 1 module"]]),
    });
    expect(code).toBe("from _c2m_lib.timm.layers import DropPath\nimport torchvision.ops as ops\n");
    expect(diags.items.map((d) => `${d.code}:${d.line}`)).toEqual(["C2M-W048:1", "C2M-E043:2"]);
    expect(diags.items[1].message).toContain("/site/torchvision/ops/x.py:3:1");
  });
});

describe("an import of a translated library that another pass rewrites", () => {
  it("keeps that rewrite (an optional import under try raising ImportError), not both edits", () => {
    const source = [
      "import torch",
      "try:",
      "    from torchvision.models.utils import load_state_dict_from_url",
      "except ImportError:",
      "    from torch.hub import load_state_dict_from_url",
      "",
      "class Net(torch.nn.Module):",
      "    def forward(self, x):",
      "        return x",
      "",
    ].join("\n");
    const r = compile(source, { filename: "m.py", libraries: { prefix: "_c2m_lib", translated: new Set(["torchvision"]) } });
    expect(r.diagnostics.filter((d) => d.code === "C2M-E006")).toEqual([]);
    expect(r.code).toContain("raise ImportError");
    expect(r.code).not.toContain("_c2m_lib.torchvision.models.utils");
  });
});

/** A small library built on torch, installed in a folder of the test's: blocks a user's model imports and subclasses. */
const LIBRARY: Record<string, string> = {
  "timm/__init__.py": "from .layers import DropPath, Mlp\n__version__ = '0.0.1'\n",
  "timm/layers/__init__.py": "from .drop import DropPath, drop_path\nfrom .mlp import Mlp\nfrom timm.layers.helpers import to_2tuple\n",
  "timm/layers/helpers.py": "def to_2tuple(x):\n    return x if isinstance(x, tuple) else (x, x)\n",
  "timm/layers/drop.py": `import torch
import torch.nn as nn


def drop_path(x, drop_prob: float = 0.0, training: bool = False):
    if drop_prob == 0.0 or not training:
        return x
    keep = 1 - drop_prob
    mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
    return x * mask / keep


class DropPath(nn.Module):
    def __init__(self, drop_prob=0.0):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training)
`,
  "timm/layers/mlp.py": `import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features=None, act_layer=nn.GELU):
        super().__init__()
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.fc2 = nn.Linear(hidden_features, in_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
`,
  "timm/models/__init__.py": "from .tiny import TinyNet\n",
  "timm/models/tiny.py": `import torch
import torch.nn as nn
from timm.layers import DropPath, Mlp, to_2tuple


class Block(nn.Module):
    def __init__(self, dim, drop_path=0.0):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, dim * 2)
        self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()

    def forward(self, x):
        return x + self.drop_path(self.mlp(self.norm(x)))


class TinyNet(nn.Module):
    def __init__(self, img_size=8, patch=4, dim=16, depth=2, num_classes=5):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, patch, patch)
        self.num_patches = (to_2tuple(img_size)[0] // patch) ** 2
        self.blocks = nn.Sequential(*[Block(dim) for _ in range(depth)])
        self.head = nn.Linear(dim, num_classes)

    def forward_features(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        return self.blocks(x)

    def forward(self, x):
        return self.head(self.forward_features(x).mean(1))
`,
};

const USER = `import torch
import torch.nn as nn
import timm.layers as L
from timm.models.tiny import TinyNet
from timm.layers import Mlp as TimmMlp


class MyNet(TinyNet):
    """A user's model on a library's base class, with a library block of its own."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.extra = TimmMlp(16, 8)
        self.drop = L.DropPath(0.0)

    def forward(self, x):
        x = self.forward_features(x)
        x = self.drop(self.extra(x))
        return self.head(x.mean(1))
`;

function install(files: Record<string, string>): string {
  const site = mkdtempSync(join(tmpdir(), "c2m-site-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(site, rel)), { recursive: true });
    writeFileSync(join(site, rel), text);
  }
  return site;
}

/** `c2m compile model.py -o OUT`, its diagnostics (the JSON it prints on stderr) read back. */
async function compileCli(
  input: string,
  output: string | undefined,
  site: string,
): Promise<{ status: number; diagnostics: { code: string; file: string; line: number; message: string }[] }> {
  const write = process.stderr.write.bind(process.stderr);
  const stdout = process.stdout.write.bind(process.stdout);
  let err = "";
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    const status = await runCompile(input, { output, json: true, pythonPath: [site], jobs: "1" });
    if (!err.includes("{")) throw new Error(`c2m compile exited ${status}: ${err}`);
    return { status, diagnostics: JSON.parse(err.slice(err.indexOf("{"))).diagnostics };
  } finally {
    process.stderr.write = write;
    process.stdout.write = stdout;
  }
}

describe("a single file importing an installed torch library", () => {
  it("is compiled with the library's reached modules, whose classes give the user's subclass its weight map and torch's numbers", async () => {
    const site = install(LIBRARY);
    const dir = mkdtempSync(join(tmpdir(), "c2m-lib-user-"));
    writeFileSync(join(dir, "model.py"), USER);
    const out = join(dir, "out");
    mkdirSync(out);
    const r = await compileCli(join(dir, "model.py"), join(out, "model_mlx.py"), site);
    expect(r.diagnostics.filter((d) => d.code.startsWith("C2M-E"))).toEqual([]);
    expect(r.status).toBe(0);
    const port = readFileSync(join(out, "model_mlx.py"), "utf8");
    expect(port).toContain("import _c2m_lib.timm.layers as L");
    expect(port).toContain("from _c2m_lib.timm.models.tiny import TinyNet");
    for (const rel of ["timm/__init__.py", "timm/layers/__init__.py", "timm/layers/mlp.py", "timm/layers/helpers.py", "timm/models/tiny.py"])
      expect(existsSync(join(out, "_c2m_lib", rel)), rel).toBe(true);
    // the library's own absolute import is pointed there too; nothing of it imports torch
    const tiny = readFileSync(join(out, "_c2m_lib/timm/models/tiny.py"), "utf8");
    expect(tiny).toContain("from _c2m_lib.timm.layers import DropPath, Mlp, to_2tuple");
    expect(tiny).not.toMatch(/^\s*(import|from) torch\b/m);
    // the subclass's map holds the inherited conv (its layout changes) and the library blocks' layers
    const maps = readWeightMaps(join(out, "model_mlx.py"));
    const keys = JSON.stringify(maps.MyNet);
    expect(keys).toContain("patch.weight");
    runPython(`
import sys, numpy as np, torch
sys.path.insert(0, "${site}"); sys.path.insert(0, "${dir}")
import model
torch.manual_seed(0)
net = model.MyNet().eval()
torch.save(net.state_dict(), "${dir}/net.pt")
x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
with torch.no_grad(): np.save("${dir}/y.npy", net(torch.from_numpy(x)).numpy())
np.save("${dir}/x.npy", x)
`);
    convertWeightsFile(join(dir, "net.pt"), join(dir, "net.safetensors"), maps.MyNet);
    const diff = Number(
      runPython(`
import sys, numpy as np
sys.modules["torch"] = None  # a machine without torch, and without the library
sys.modules["timm"] = None
sys.path.insert(0, "${out}")
import mlx.core as mx
import model_mlx
net = model_mlx.MyNet(); net.load_weights("${dir}/net.safetensors", strict=True); net.eval()
y, want = np.array(net(mx.array(np.load("${dir}/x.npy")))), np.load("${dir}/y.npy")
print(float(np.abs(y - want).max()) if y.shape == want.shape else float("inf"))
`),
    );
    expect(diff).toBeLessThan(1e-4);
  }, 120_000);

  it("writes no library it cannot translate, and says so at the user's import (C2M-E043)", async () => {
    const site = install({ ...LIBRARY, "timm/layers/helpers.py": "def to_2tuple(x:\n    return x\n" });
    const dir = mkdtempSync(join(tmpdir(), "c2m-lib-bad-"));
    writeFileSync(join(dir, "model.py"), USER);
    const out = join(dir, "out");
    mkdirSync(out);
    const r = await compileCli(join(dir, "model.py"), join(out, "model_mlx.py"), site);
    expect(r.status).toBe(1);
    const e043 = r.diagnostics.filter((d) => d.code === "C2M-E043");
    expect(e043.map((d) => d.line)).toEqual([3, 4, 5]);
    expect(e043[0].message).toContain(join(site, "timm/layers/helpers.py"));
    expect(existsSync(join(out, "_c2m_lib", "timm"))).toBe(false);
    // the names are placeholders that raise when used, as for any torch library the port cannot import
    const port = readFileSync(join(out, "model_mlx.py"), "utf8");
    expect(port).toContain('Untranslated("timm.models.tiny.TinyNet")');
    expect(port).not.toMatch(/^\s*(import|from) timm\b/m);
  }, 120_000);

  it("printed to stdout, writes no library and says why at the import (C2M-E043)", async () => {
    const site = install(LIBRARY);
    const dir = mkdtempSync(join(tmpdir(), "c2m-lib-stdout-"));
    writeFileSync(join(dir, "model.py"), USER);
    const r = await compileCli(join(dir, "model.py"), undefined, site);
    const e043 = r.diagnostics.filter((d) => d.code === "C2M-E043");
    expect(e043.length).toBe(3);
    expect(e043[0].message).toContain("stdout");
  }, 60_000);
});
