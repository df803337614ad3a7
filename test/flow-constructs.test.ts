/**
 * Issue 13's flow constructs, one block each: what c2m infers (the module tree's value of an attribute, the weight
 * map, the layout the forward runs in) and the diagnostic where it cannot know. Cross-file base, layer subclass,
 * constructor-argument classes and setattr are in test/program.test.ts; these are the branch, the loop over zip,
 * the comprehension and the loop over enumerate of a Sequential.
 */
import { describe, expect, it } from "vitest";
import { parseModule } from "../grammar/python.js";
import { DiagnosticBag } from "../ir/diagnostics.js";
import type { ModuleIR, ModVal } from "../ir/module.js";
import { collectClasses } from "../passes/module-tree.js";
import { resolveImports } from "../passes/resolve-imports.js";
import { compile } from "../src/index.js";

const py = (s: string) => s.replace(/^\n/, "");

/** The module tree of a one-file program: each class's attributes as the interpreter leaves them. */
function moduleTree(source: string): ModuleIR {
  const tree = parseModule(source);
  const { aliases, imports } = resolveImports(tree.rootNode);
  const mod: ModuleIR = { file: "m.py", source, root: tree.rootNode, aliases, imports, classes: new Map(), functions: new Map(), otherClasses: new Map() };
  collectClasses(mod, new DiagnosticBag("m.py"));
  return mod;
}

/** A value as a short type: `Conv2d`, `Block`, `[Conv2d, Conv2d]`, `[Block, ...]` (unknown length), `A | B`. */
function typeOf(v: ModVal | undefined): string {
  if (!v) return "undefined";
  switch (v.k) {
    case "layer":
    case "layerref":
      return v.row.torch.split(".").pop()!;
    case "class":
    case "classref":
      return v.name;
    case "list":
    case "seq": {
      const inner = v.items ? v.items.map(typeOf).join(", ") : `${typeOf(v.elem)}, ...`;
      return v.k === "seq" ? `Sequential(${inner})` : `[${inner}]`;
    }
    case "union":
      return v.options.map(typeOf).join(" | ");
    default:
      return v.k;
  }
}

const attrType = (source: string, cls: string, attr: string) => typeOf(moduleTree(source).classes.get(cls)?.attrs.get(attr));
const codes = (r: ReturnType<typeof compile>) => r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`);
const forward = (r: ReturnType<typeof compile>) => r.code.slice(r.code.indexOf("    def __call__"), r.code.indexOf("    def sanitize"));

describe("branch: if/else assigning different layers to one attribute", () => {
  const net = (a: string, b: string, use: string) =>
    py(`
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, flag):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        if flag:
            self.norm = ${a}
        else:
            self.norm = ${b}

    def forward(self, x):
        ${use}
`);
  const norms = net("nn.BatchNorm2d(8)", "nn.GroupNorm(2, 8)", "return self.norm(self.conv(x))");
  const heads = net("nn.Conv2d(8, 4, 1)", "nn.Linear(8, 4)", "return self.norm(self.conv(x)).mean(dim=1)");

  it("the attribute holds either layer: a union", () => {
    expect(attrType(norms, "Net", "norm")).toBe("BatchNorm2d | GroupNorm");
    expect(attrType(heads, "Net", "norm")).toBe("Conv2d | Linear");
  });

  it("both arms take channels-last: the forward runs in it, no diagnostic", () => {
    const r = compile(norms, { filename: "m.py" });
    expect(forward(r)).toContain("x = x.transpose(0, 2, 3, 1)\n        return self.norm(self.conv(x)).transpose(0, 3, 1, 2)");
    expect(r.diagnostics).toEqual([]);
  });

  it("the arms disagree (a conv or a Linear): the call runs by the layer held at run time (c2m_sequential), no guess and no W022", () => {
    const r = compile(heads, { filename: "m.py" });
    expect(forward(r)).toContain("return mx.mean(c2m_sequential(self.norm, self.conv(x), True, False), axis=1)");
    expect(codes(r)).toEqual([]);
  });
});

describe("loop over zip of two ModuleLists", () => {
  const net = (blocks: string) =>
    py(`
import torch
from torch import nn
from mylib import make_blocks


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = ${blocks}
        self.norms = nn.ModuleList([nn.BatchNorm2d(8), nn.BatchNorm2d(8)])

    def forward(self, x):
        for conv, norm in zip(self.convs, self.norms):
            x = torch.relu(norm(conv(x)))
        return x.flatten(1)
`);
  const known = net("nn.ModuleList([nn.Conv2d(3, 8, 3), nn.Conv2d(8, 8, 3)])");
  const unknown = net("make_blocks(8)");

  it("each target holds its list's element: conv a Conv2d, norm a BatchNorm2d", () => {
    expect(attrType(known, "Net", "convs")).toBe("[Conv2d, Conv2d]");
    expect(attrType(known, "Net", "norms")).toBe("[BatchNorm2d, BatchNorm2d]");
  });

  it("the loop runs channels-last (the input transposed once, back before the flatten), the convs' weights converted", () => {
    const r = compile(known, { filename: "m.py" });
    const f = forward(r);
    expect(f).toContain("x = x.transpose(0, 2, 3, 1)\n        for conv, norm in zip(self.convs, self.norms):\n            x = nn.relu(norm(conv(x)))");
    expect(f).toContain("mx.flatten(x.transpose(0, 3, 1, 2), start_axis=1)");
    expect(r.weightMaps.Net.filter((w) => w.op === "conv").map((w) => w.torch)).toEqual(["convs.0.weight", "convs.1.weight"]);
    expect(r.diagnostics).toEqual([]);
  });

  it("a list c2m cannot see (built by another library's function): the called target is W045, not a guess", () => {
    expect(attrType(unknown, "Net", "convs")).toBe("value");
    const r = compile(unknown, { filename: "m.py" });
    expect(codes(r)).toContain("C2M-W045 14:33");
    expect(forward(r)).toContain("# c2m: C2M-W045 conv comes from self.convs, which c2m cannot type");
  });
});

describe("ModuleList from a comprehension", () => {
  const net = (params: string, item: string) =>
    py(`
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x))


class Net(nn.Module):
    def __init__(self${params}):
        super().__init__()
        self.blocks = nn.ModuleList([${item} for c in chans])

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return x.sum(dim=1)
`);
  const known = net(", chans", "Block(c)");
  const unknown = net(", block, chans", "block(c)");

  it("a list of unknown length whose element is Block", () => {
    expect(attrType(known, "Net", "blocks")).toBe("[Block, ...]");
  });

  it("the weight map covers every position; the loop calls Block channels-last", () => {
    const r = compile(known, { filename: "m.py" });
    expect(r.weightMaps.Net).toEqual([{ torch: "blocks.#.conv.weight", mlx: "blocks.#.conv.weight", op: "conv" }]);
    expect(forward(r)).toContain("x = x.transpose(0, 2, 3, 1)\n        for blk in self.blocks:\n            x = blk(x)\n        return mx.sum(x, axis=3)");
    expect(r.diagnostics).toEqual([]);
  });

  it("the element built by a parameter no call site fills: a plain value, and W015 says the weight map leaves it out", () => {
    expect(attrType(unknown, "Net", "blocks")).toBe("[value, ...]");
    const r = compile(unknown, { filename: "m.py" });
    expect(r.weightMaps.Net ?? []).toEqual([]);
    // and the loop's call of that plain value: W007, torch's layout passed
    expect(codes(r)).toEqual(["C2M-W015 17:38", "C2M-W007 21:17"]);
  });
});

describe("loop over enumerate of a Sequential", () => {
  const net = (features: string) =>
    py(`
import torch
from torch import nn
from mylib import make_stages


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = ${features}

    def forward(self, x):
        outs = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i == 2:
                outs.append(x)
        return outs[0].mean(dim=1)
`);
  const known = net("nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3))");
  const unknown = net("make_stages(8)");

  it("the Sequential's items; the loop's item is any of them", () => {
    expect(attrType(known, "Net", "features")).toBe("Sequential(Conv2d, ReLU, Conv2d)");
  });

  it("the item is a module that takes channels-last: the input is transposed once, the loop runs over the Sequential's layers (MLX's Sequential is a dict), the mean reads the channel axis last", () => {
    const r = compile(known, { filename: "m.py" });
    const f = forward(r);
    expect(f).toContain("x = x.transpose(0, 2, 3, 1)\n        outs = []\n        for i, layer in enumerate(self.features.layers):\n            x = layer(x)");
    expect(f).toContain("return mx.mean(outs[0], axis=3)");
    expect(r.diagnostics).toEqual([]);
  });

  it("stages c2m cannot see: the called item is W045 and gets torch's layout", () => {
    expect(attrType(unknown, "Net", "features")).toBe("value");
    const r = compile(unknown, { filename: "m.py" });
    expect(codes(r)).toContain("C2M-W045 14:17");
    // nothing else in the forward takes channels-last: the whole loop stays in torch's layout
    expect(forward(r)).toContain("x = layer(x)  # c2m: C2M-W045 layer comes from self.features");
    expect(forward(r)).toContain("return mx.mean(outs[0], axis=1)");
  });
});
