/** The output checker's view of imports: what a port can import without torch (emit/verify/imports.ts). */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const codes = (src: string, opts = {}) => compile(src, { filename: "m.py", ...opts }).diagnostics.map((d) => `${d.code}@${d.line}`);

describe("imports of torch libraries", () => {
  it("an optional import (its ImportError caught) is not an error: without torch the fallback runs", () => {
    const src = "import torch\ntry:\n    import xformers.ops as xops\nexcept ImportError:\n    xops = None\n\n\ndef f(x):\n    return torch.relu(x)\n";
    // the import itself becomes `raise ImportError(...)` (passes/torch-imports.ts): a warning, no torch left
    expect(codes(src)).toEqual(["C2M-W040@3"]);
  });

  it("the same import outside a try is an error", () => {
    expect(codes("import torch\nimport xformers.ops as xops\n\n\ndef f(x):\n    return torch.relu(x)\n")).toContain("C2M-E023@2");
  });

  it("a port of a torch library imports its own modules (timm's models import timm.layers)", () => {
    const pkg = { files: ["__init__.py", "layers/__init__.py", "models/resnet.py"], path: "models/resnet.py", name: "timm" };
    const src = "import torch\nfrom timm.layers import DropPath\n\n\ndef f(x):\n    return torch.relu(x)\n";
    expect(codes(src, { package: pkg })).toEqual([]);
    expect(codes(src.replace("timm.layers", "timm.missing"), { package: pkg })).toContain("C2M-E027@2");
  });
});

describe("a plain folder holding packages", () => {
  it("its packages' absolute imports are its own (the zoo compiles site-packages' timm/ inside a folder)", () => {
    const pkg = { files: ["timm/__init__.py", "timm/data/__init__.py", "timm/models/resnet.py"], path: "timm/models/resnet.py" };
    const src = "import torch\nfrom timm.data import IMAGENET_DEFAULT_MEAN\n\n\ndef f(x):\n    return torch.relu(x) * IMAGENET_DEFAULT_MEAN[0]\n";
    expect(codes(src, { package: pkg })).toEqual([]);
    expect(codes(src.replace("timm.data", "timm.nothing"), { package: pkg })).toContain("C2M-E027@2");
  });

  it("the CLI names every folder it compiles (`src`): without an __init__.py the name makes it no package", () => {
    const pkg = { files: ["torchvision/__init__.py", "torchvision/ops/__init__.py", "torchvision/models/resnet.py"], path: "torchvision/models/resnet.py", name: "src" };
    const src = "import torch\nfrom torchvision.ops import misc\n\n\ndef f(x):\n    return torch.relu(x)\n";
    expect(codes(src, { package: pkg })).toEqual([]);
    expect(codes(src.replace("torchvision.ops", "torchvision.nothing"), { package: pkg })).toContain("C2M-E027@2");
  });
});
