/**
 * The semantic core's program and binder (ir/program, ir/binder) and what the passes get from them: per
 * construct, what the binder says (a class is a module, through which classes; a layer under another name;
 * an unknown) and what the compile then writes (forward renamed, weight maps followed across files), and the
 * diagnostic where c2m cannot know.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compile, memoryHost, newProgram, nodeHost } from "../src/index.js";
import { FileSemantics } from "../ir/binder/semantics.js";
import { packageRoot } from "../src/python.js";
import type { Host } from "../ir/program/host.js";
import { bindFile } from "../ir/binder/binder.js";
import { pythonOutline } from "../grammar/python-outline.js";
import { parseModule } from "../grammar/python.js";

const py = (s: string) => s.replace(/^\n/, "");
const ROOT = packageRoot();
const SITE = join(ROOT, "test/fixtures/program/site");

/** What the binder says about class `name` of `path`. */
function kindOf(host: Host, path: string, name: string) {
  const program = newProgram(host);
  const file = program.file(path);
  const node = file.scope!.classes.find((c) => c.childForFieldName("name")!.text === name)!;
  return new FileSemantics(program, file).classKind(node);
}

function compileIn(files: Record<string, string>, path: string, searchPaths: string[] = []) {
  const host = memoryHost(files, searchPaths);
  // as a folder compile does: the output checker knows the package's own modules
  return compile(files[path], { filename: path, host, package: { files: Object.keys(files), path } });
}

const BLOCKS = py(`
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Base(nn.Module):
    pass
`);

describe("imports resolve across the package", () => {
  const files = {
    "pkg/__init__.py": "from .blocks import Block as PublicBlock\n",
    "pkg/blocks.py": BLOCKS,
    "pkg/sub/__init__.py": "",
    "pkg/sub/star.py": "from ..blocks import *\n",
    "pkg/sub/guarded.py": "try:\n    from pkg.blocks import Base\nexcept ImportError:\n    Base = object\nif False:\n    from missing_lib import Other\n",
  };
  const host = memoryHost(files);
  const resolve = (path: string, name: string) => new FileSemantics(newProgram(host), newProgram(host).file(path)).resolveName(name);
  it.each([
    ["relative, one dot", "pkg/__init__.py", "PublicBlock", "class Block"],
    ["star import from two dots up", "pkg/sub/star.py", "Block", "class Block"],
    ["absolute from the package root, inside try (the except fallback is not the answer)", "pkg/sub/guarded.py", "Base", "class Base"],
    ["a module of a library not installed", "pkg/sub/guarded.py", "Other", "unknown"],
  ])("%s", (_what, path, name, want) => {
    const r = resolve(path, name);
    expect(r.kind === "class" ? `class ${r.name}` : r.kind).toBe(want);
  });

  it("reads only the files a question needs", () => {
    const program = newProgram(host);
    const sem = new FileSemantics(program, program.file("pkg/sub/star.py"));
    sem.resolveName("Block");
    expect(program.loadedFiles.map((f) => f.path).sort()).toEqual(["pkg/blocks.py", "pkg/sub/star.py"]);
  });
});

describe("cross-file base", () => {
  const files = {
    "blocks.py": BLOCKS,
    "model.py": py(`
import torch
from torch import nn
from blocks import Base, Block


class Net(Base):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3)
        self.block = Block(8)
        self.norm = nn.LayerNorm(8)

    def forward(self, x):
        return self.block(self.stem(x))
`),
  };

  it("the binder: Net is a module through Base of blocks.py", () => {
    expect(kindOf(memoryHost(files), "model.py", "Net")).toMatchObject({ kind: "module", torchBase: "torch.nn.Module", via: ["Base"] });
  });

  it("the compile: forward renamed, the sibling's block followed for the weight map and called in torch layout", () => {
    const r = compileIn(files, "model.py");
    expect(r.code).toContain("    def __call__(self, x):");
    expect(r.weightMaps.Net).toEqual(
      expect.arrayContaining([
        { torch: "stem.weight", mlx: "stem.weight", op: "conv" },
        { torch: "block.conv.weight", mlx: "block.conv.weight", op: "conv" },
        { torch: "block.bn.num_batches_tracked", mlx: null, op: "drop" },
      ]),
    );
    // Block keeps torch's layout at its boundary in blocks.py (no class there uses it): its input goes back to NCHW
    expect(r.code).toContain("return self.block(self.stem(x).transpose(0, 3, 1, 2))");
    expect(r.diagnostics).toEqual([]);
  });

  it("the same file alone: Net is not known to be a module, and c2m says so", () => {
    const r = compile(files["model.py"], { filename: "model.py" });
    expect(r.weightMaps).toEqual({});
    // (a single file has no package list, so the output checker cannot tell `blocks` from a library and says nothing of it)
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`)).toEqual(["C2M-W012 6:11"]);
    expect(r.diagnostics[0].message).toMatch(/cannot tell whether Net is an nn.Module: module 'blocks' is not in the folder/);
  });
});

describe("library base (a fake library on the search path)", () => {
  const USER = join(ROOT, "test/fixtures/program/user.py");
  const user = readFileSync(USER, "utf8");

  it("the binder follows the re-export in fakelib/__init__.py to modeling.py, through FakeBase", () => {
    const k = kindOf(nodeHost([SITE]), USER, "Model");
    expect(k).toMatchObject({ kind: "module", via: ["FakePreTrainedModel", "FakeBase"] });
  });

  it("the compile: a module, self.norm(x) a module call, the library's blocks in the weight map", () => {
    const r = compile(user, { filename: USER, host: nodeHost([SITE]) });
    expect(r.code).toContain("    def __call__(self, x):");
    expect(r.code).toContain("return self.head(self.norm(x))");
    // SameConv2d (a star import two packages down) is nn.Conv2d: its weight is a conv's
    expect(r.weightMaps.Model).toContainEqual({ torch: "conv.weight", mlx: "conv.weight", op: "conv" });
  });

  it("without the library on the search path: W012 at the base", () => {
    const r = compile(user, { filename: USER, host: nodeHost([]) });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["C2M-W012"]);
    expect(r.weightMaps).toEqual({});
  });
});

const SITE_PACKAGES = join(ROOT, ".venv/lib/python3.11/site-packages");
const GPT2 = join(SITE_PACKAGES, "transformers/models/gpt2/modeling_gpt2.py");

describe.runIf(existsSync(GPT2))("the installed transformers, read as source", () => {
  it("GPT2LMHeadModel is a module through GPT2PreTrainedModel and transformers' PreTrainedModel", () => {
    const k = kindOf(nodeHost([SITE_PACKAGES]), GPT2, "GPT2LMHeadModel");
    expect(k).toMatchObject({ kind: "module", torchBase: "torch.nn.Module", via: ["GPT2PreTrainedModel", "PreTrainedModel"] });
    expect(kindOf(nodeHost([SITE_PACKAGES]), GPT2, "GPT2Block")).toMatchObject({ kind: "module", via: ["GradientCheckpointingLayer"] });
  });
});

describe("layer subclass", () => {
  const src = py(`
import torch
from torch import nn


class Conv1d(nn.Conv1d):
    pass


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = Conv1d(4, 8, 3)
        self.norm = LayerNorm2d(8)
`);

  it("the binder: both derive from a torch layer; only LayerNorm2d overrides forward", () => {
    const host = memoryHost({ "m.py": src });
    expect(kindOf(host, "m.py", "Conv1d")).toMatchObject({ kind: "module", torchBase: "torch.nn.Conv1d", overridesForward: false });
    expect(kindOf(host, "m.py", "LayerNorm2d")).toMatchObject({ kind: "module", torchBase: "torch.nn.LayerNorm", overridesForward: true });
  });

  it("the compile: Conv1d is nn.Conv1d (conv weight transform); LayerNorm2d is a module class keeping LayerNorm's parameters", () => {
    const r = compile(src, { filename: "m.py" });
    expect(r.weightMaps.Net).toContainEqual({ torch: "conv.weight", mlx: "conv.weight", op: "conv" });
    expect(Object.keys(r.weightMaps)).toEqual(["LayerNorm2d", "Net"]);
    // the base is the stand-in taking torch's constructor arguments (passes/layer-values.ts)
    expect(r.code).toContain("class LayerNorm2d(TorchLayerNorm):\n    def __call__(self, x):");
  });
});

describe("block classes passed as constructor arguments", () => {
  const files = {
    "blocks.py": BLOCKS,
    "resnet.py": py(`
import torch
from torch import nn
from blocks import Block


class ResNet(nn.Module):
    def __init__(self, block, layers, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self.bn1 = norm_layer(8)
        self.layer1 = nn.Sequential(*[block(8) for _ in range(layers[0])])

    def forward(self, x):
        return self.layer1(self.bn1(x))


def resnet(**kwargs):
    return ResNet(Block, [2, 2], **kwargs)
`),
  };

  it("the sibling's Block reaches ResNet's layer1 through the call site; the default norm layer too", () => {
    const r = compileIn(files, "resnet.py");
    expect(r.weightMaps.ResNet).toEqual(
      expect.arrayContaining([
        { torch: "bn1.num_batches_tracked", mlx: null, op: "drop" },
        { torch: "layer1.#.conv.weight", mlx: "layer1.layers.#.conv.weight", op: "conv" },
        { torch: "layer1.#.**", mlx: "layer1.layers.#.**", op: "identity" },
      ]),
    );
  });
});

describe("setattr", () => {
  const src = (name: string, loop = "") =>
    py(`
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, names):
        super().__init__()
${loop ? `        ${loop}\n    ` : ""}        setattr(self, ${name}, nn.Sequential(nn.Conv2d(3, 3, 3)))
`);

  it.each([
    ["a constant name", '"stem"', "", "stem"],
    ["an f-string in a loop over a literal range", 'f"stage{i}"', "for i in range(2, 4):", "stage2 stage3"],
    ["names from a comprehension over a literal list, zipped with a parameter", "name", "for name, c in zip([f'layer{i}' for i in [1, 2]], names):", "layer1 layer2"],
    // names known only at run time: one rule for any name the class does not otherwise hold
    ["a loop over a parameter", "name", "for name in names:", "*"],
    ["a loop over a literal list of names", "name", 'for name in ["a", "b"]:', "a b"],
  ])("%s", (_what, name, loop, attrs) => {
    const r = compile(src(name, loop), { filename: "m.py" });
    const convs = (r.weightMaps.Net ?? []).filter((w) => w.op === "conv").map((w) => (w.torch as string).split(".")[0]);
    expect(convs.join(" ")).toBe(attrs);
    if (attrs === "*") expect(r.diagnostics.map((d) => d.code)).toEqual(["C2M-W014"]);
    else expect(r.diagnostics).toEqual([]);
  });

  it("a name c2m cannot compute: W014 at the name", () => {
    const r = compile(src("names[0]"), { filename: "m.py" });
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`)).toEqual(["C2M-W014 8:23"]);
  });
});

describe("the outline a library file is bound from", () => {
  it("drops function bodies, keeps what binds names (strings, continuations and one-line defs included)", () => {
    const src = py(`
import torch  # why
from . import (
    a,
    b,
)
X = "def not_a_def(): # nor a comment"
s = 'a \\
continued'


def f(x,
      y) -> int:  # header comment
    """doc: def g():"""
    return x


def one(x): return x


class C(Base):
    """
class NotAClass(Module):
    """
    attr = 1

    @property
    def forward(self):
        if True:
            return 2
`);
    expect(pythonOutline(src)).toBe(
      py(`
import torch  # why
from . import (
    a,
    b,
)
X = "def not_a_def(): # nor a comment"
s = 'a \\
continued'
def f(x,
      y) -> int:  # header comment
    ...
def one(x): return x
class C(Base):
    """
class NotAClass(Module):
    """
    attr = 1
    @property
    def forward(self):
        ...
`),
    );
  });

  it.runIf(existsSync(GPT2))("binds the same names and bases as the whole file (transformers' modeling_utils.py)", async () => {
    const src = readFileSync(join(SITE_PACKAGES, "transformers/modeling_utils.py"), "utf8");
    const outline = pythonOutline(src)!;
    expect(outline.length).toBeLessThan(src.length / 5);
    const shape = (text: string) => {
      const scope = bindFile(parseModule(text).rootNode);
      return { names: [...scope.symbols.keys()].sort(), bases: scope.classes.map((c) => c.childForFieldName("superclasses")?.text) };
    };
    expect(shape(outline)).toEqual(shape(src));
  });
});

describe("what a base class's __init__ builds", () => {
  const files = {
    "base.py": py(`
import torch
from torch import nn


class Backbone(nn.Module):
    def __init__(self, width, norm_layer=nn.BatchNorm2d):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3)
        self.norm = norm_layer(width)
        self.blocks = self._make_blocks(width)

    def _make_blocks(self, width):
        return nn.Sequential(nn.Conv2d(width, width, 1))

    def forward(self, x):
        return self.blocks(self.norm(self.conv(x)))
`),
    "model.py": py(`
import torch
from torch import nn
from base import Backbone


class Classifier(Backbone):
    def __init__(self, classes):
        super().__init__(16)
        self.head = nn.Linear(16, classes)


class Plain(Backbone):
    def forward(self, x):
        return x
`),
  };

  it("super().__init__ of a base in another file: its layers are the subclass's, with that file's defaults and methods", () => {
    const r = compileIn(files, "model.py");
    expect(r.weightMaps.Classifier).toEqual([
      { torch: "**.num_batches_tracked", mlx: null, op: "drop" },
      { torch: "conv.weight", mlx: "conv.weight", op: "conv" },
      { torch: "norm.num_batches_tracked", mlx: null, op: "drop" },
      { torch: "blocks.0.weight", mlx: "blocks.layers.0.weight", op: "conv" },
      { torch: "blocks.0.**", mlx: "blocks.layers.0.**", op: "identity" },
    ]);
  });

  it("a subclass with no __init__ of its own runs the base's", () => {
    const r = compileIn(files, "model.py");
    expect(r.weightMaps.Plain).toEqual(r.weightMaps.Classifier);
  });
});

describe("a class of another file built here with blocks as arguments", () => {
  const files = {
    "blocks.py": BLOCKS,
    "resnet.py": py(`
import torch
from torch import nn


class ResNet(nn.Module):
    def __init__(self, block, n, norm_layer=None):
        super().__init__()
        self.norm = norm_layer(8) if norm_layer is not None else nn.Identity()
        self.layers = nn.Sequential(*[block(8) for _ in range(n)])

    def forward(self, x):
        return self.layers(self.norm(x))
`),
    "model.py": py(`
import torch
from torch import nn
from blocks import Block
from resnet import ResNet


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = ResNet(Block, 2, norm_layer=nn.BatchNorm2d)
`),
  };

  it("ResNet's __init__ runs again with this call's Block and BatchNorm2d", () => {
    const r = compileIn(files, "model.py");
    expect(r.weightMaps.Net).toEqual(
      expect.arrayContaining([
        { torch: "body.norm.num_batches_tracked", mlx: null, op: "drop" },
        { torch: "body.layers.#.conv.weight", mlx: "body.layers.layers.#.conv.weight", op: "conv" },
        { torch: "body.layers.#.**", mlx: "body.layers.layers.#.**", op: "identity" },
      ]),
    );
  });

  it("resnet.py's ResNet: the Block and BatchNorm2d model.py's construction gives (foreign-sites.ts), each with its rules", () => {
    const r = compileIn(files, "resnet.py");
    // a block it cannot see may be a BatchNorm's holder: the counter no MLX layer keeps is dropped before the rename
    expect(r.weightMaps.ResNet).toEqual([
      { torch: "**.num_batches_tracked", mlx: null, op: "drop" },
      { torch: "norm.num_batches_tracked", mlx: null, op: "drop" },
      { torch: "layers.#.conv.weight", mlx: "layers.layers.#.conv.weight", op: "conv" },
      { torch: "layers.#.bn.num_batches_tracked", mlx: null, op: "drop" },
      { torch: "layers.#.**", mlx: "layers.layers.#.**", op: "identity" },
    ]);
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`)).toEqual([]);
  });
});

describe("a layer factory parameter given by constructions in other files", () => {
  // timm's ConvMlp (layers/mlp.py) has norm_layer=None; GlobalContext (layers/global_context.py) builds it with LayerNorm2d
  const MLP = py(`
from torch import nn


class ConvMlp(nn.Module):
    def __init__(self, cin, hidden, norm_layer=None):
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
from mlp import ConvMlp


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class GlobalContext(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.mlp = ConvMlp(c, c // 2, norm_layer=LayerNorm2d)

    def forward(self, x):
        return x * self.mlp(x.mean((2, 3), keepdim=True)).sigmoid()
`);
  // ResNeSt's SplAtConv2d (splat.py): norm_layer=None, given by resnet.py's Bottleneck, which has it from ResNet's default
  const SPLAT = py(`
import torch
from torch import nn


class SplAt(nn.Module):
    def __init__(self, c, norm_layer=None):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.use_bn = norm_layer is not None
        if self.use_bn:
            self.bn0 = norm_layer(c)

    def forward(self, x):
        x = self.conv(x)
        if self.use_bn:
            x = self.bn0(x)
        return torch.relu(x)
`);
  const RESNET = py(`
from torch import nn
from splat import SplAt


class Bottleneck(nn.Module):
    def __init__(self, c, norm_layer=None):
        super().__init__()
        self.conv2 = SplAt(c, norm_layer=norm_layer)

    def forward(self, x):
        return self.conv2(x)


class ResNet(nn.Module):
    def __init__(self, c=8, norm_layer=nn.BatchNorm2d):
        super().__init__()
        self.layer1 = Bottleneck(c, norm_layer=norm_layer)

    def forward(self, x):
        return self.layer1(x)
`);
  const fwd = (code: string) => code.split("def __call__")[1].split("def sanitize")[0];

  it("each site's class counts: LayerNorm2d (torch's layout) where GlobalContext builds it, Identity elsewhere; the layer held decides at run time", () => {
    const r = compileIn({ "mlp.py": MLP, "gc.py": GC }, "mlp.py");
    expect(fwd(r.code)).toContain("c2m_sequential(self.norm, x");
    expect(r.diagnostics.map((d) => d.code)).toEqual([]);
  });

  it("a class no other file builds keeps its default's Identity", () => {
    const r = compileIn({ "mlp.py": MLP }, "mlp.py");
    expect(fwd(r.code)).toMatch(/^\s*x = self\.norm\(x\)$/m);
    expect(fwd(r.code)).not.toContain("c2m_sequential");
  });

  it("a value the other file has from its own constructions: BatchNorm2d, channels-last like the conv, in the weight map (never a class known only at run time)", () => {
    const r = compileIn({ "splat.py": SPLAT, "resnet.py": RESNET }, "splat.py");
    expect(fwd(r.code)).toMatch(/^\s*x = self\.bn0\(x\)$/m);
    expect(fwd(r.code)).not.toContain("c2m_sequential");
    expect(r.weightMaps.SplAt).toContainEqual({ torch: "bn0.num_batches_tracked", mlx: null, op: "drop" });
    expect(r.weightMaps.SplAt).not.toContainEqual(expect.objectContaining({ op: "runtime" }));
  });

  it("a site whose value c2m cannot resolve: C2M-W015 on the parameter, not a guess", () => {
    const other = py(`
from torch import nn
from splat import SplAt


class Wrap(nn.Module):
    def __init__(self, norm):
        super().__init__()
        self.a = SplAt(8, norm_layer=norm)
        self.b = SplAt(8, norm_layer=nn.BatchNorm2d)
`);
    const r = compileIn({ "splat.py": SPLAT, "wrap.py": other }, "splat.py");
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}`)).toEqual(["C2M-W015 6"]);
  });
});
