/**
 * torch imports below the top level (passes/torch-imports.ts): in a try, a function, an if. The output
 * imports no torch: translated names are dropped, untranslated ones are placeholders, optional torch
 * libraries take their except clause. Each case also runs the output with torch absent.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { packageRoot } from "../src/python.js";

const py = (s: string) => s.replace(/^\n/, "");
const codes = (r: ReturnType<typeof compile>) => r.diagnostics.map((d) => `${d.code}@${d.line}`);
const PYTHON = join(packageRoot(), ".venv/bin/python");

/** Runs `code` with every torch* import failing as on a machine without torch; returns what it prints. */
function runWithoutTorch(code: string, after: string): string {
  const guard = [
    "import sys, importlib.abc",
    "class NoTorch(importlib.abc.MetaPathFinder):",
    "    def find_spec(self, name, path=None, target=None):",
    "        if name.split('.')[0].startswith('torch'): raise ModuleNotFoundError(name)",
    "sys.meta_path.insert(0, NoTorch())",
  ].join("\n");
  return execFileSync(PYTHON, ["-c", `${guard}\n${code}\n${after}`], { encoding: "utf8" }).trim();
}

describe("torch imports in a try", () => {
  const src = py(`
import torch
try:
    from torch.hub import load_state_dict_from_url  # noqa: 401
except ImportError:
    from torch.utils.model_zoo import load_url as load_state_dict_from_url  # noqa: 401
try:
    import torchcodec
    HAS_CODEC = True
except ImportError:
    HAS_CODEC = False
`);
  it("a guarded torch name with no translation raises ImportError so the fallback runs, as does an optional torch library", () => {
    const r = compile(src, { filename: "m.py" });
    // names from torch in the try: the except branch defines them (C2M-W052), here a placeholder of its own
    expect(r.code).toContain(`    raise ImportError("torch.hub is torch's")  # noqa: 401  # c2m: C2M-W052`);
    expect(r.code).toContain('    load_state_dict_from_url = Untranslated("torch.utils.model_zoo.load_url")');
    expect(r.code).toContain('    raise ImportError("c2m: torchcodec needs torch")  # c2m: C2M-W040');
    expect(r.code).not.toMatch(/^\s*(import|from) torch/m);
    expect(codes(r)).toEqual(["C2M-W052@3", "C2M-E050@5", "C2M-W040@7"]);
    expect(runWithoutTorch(r.code, "print(HAS_CODEC, type(load_state_dict_from_url).__name__)")).toBe("False Untranslated");
  });
});

describe("a torch name in a try whose fallback defines it", () => {
  it("the fallback runs without torch: the name is the author's own definition", () => {
    const src = py(`
try:
    from torch import _assert
except ImportError:
    def _assert(condition: bool, message: str):
        assert condition, message
`);
    const r = compile(src, { filename: "m.py" });
    expect(codes(r)).toEqual(["C2M-W052@2"]);
    const out = runWithoutTorch(r.code, "_assert(1 + 1 == 2, 'fine')\ntry:\n    _assert(False, 'bad input')\nexcept AssertionError as e:\n    print('raised', e)");
    expect(out).toBe("raised bad input");
  });
});

describe("torch imports in a function", () => {
  it("a translated name is dropped and translated where it is used; one with no translation raises only when called", () => {
    const src = py(`
import torch


def act(x):
    import torch.nn.functional as F
    return F.relu(x)


def cuda_version():
    from torch.version import git_version as torch_git_version
    return torch_git_version


def only_import():
    from torch import Tensor
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain("def act(x):\n    return nn.relu(x)");
    expect(r.code).toContain('    torch_git_version = Untranslated("torch.version.git_version")');
    expect(r.code).toContain("def only_import():\n    pass");
    expect(r.code).not.toMatch(/^\s*(import|from) torch/m);
    const out = runWithoutTorch(
      r.code,
      "import mlx.core as mx\nprint(act(mx.array([-1.0, 2.0])).tolist())\ntry:\n    cuda_version()()\nexcept NotImplementedError as e:\n    print('raised')",
    );
    expect(out).toBe("[0.0, 2.0]\nraised");
  });
});

describe("names that only look like torch's", () => {
  it("torchvision.extension is a package's own module, not torch: its calls on import stay as written", () => {
    const src = py(`
import torch
import torchvision.extension

if torchvision.extension._has_ops():
    X = 1
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain("if torchvision.extension._has_ops():");
    expect(r.code).not.toContain("Untranslated");
  });
});

describe("a placeholder base class beside ABC", () => {
  it("a subclass adding ABC (torchvision's FlowDataset(ABC, VisionDataset)) is defined; building it raises", () => {
    const src = py(`
from abc import ABC
import torch


class VisionDataset(torch.utils.data.Dataset):
    pass


class FlowDataset(ABC, VisionDataset):
    pass


class Both(ABC, torch.utils.data.Dataset):
    pass
`);
    const r = compile(src, { filename: "m.py" });
    const out = runWithoutTorch(r.code, "for c in (FlowDataset, Both):\n    try:\n        c()\n    except NotImplementedError:\n        print(c.__name__, 'raised')");
    expect(out).toBe("FlowDataset raised\nBoth raised");
  });
});

describe("top-level torch imports of names with no translation", () => {
  it("bind placeholders: a sibling importing the name from this module still imports (torchvision's `from .utils import tqdm`)", () => {
    const src = py(`
import torch
from torch import Tensor
from torch.utils.model_zoo import tqdm


def f(x: Tensor) -> Tensor:
    return torch.relu(x)
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain('tqdm = Untranslated("torch.utils.model_zoo.tqdm")  # c2m: C2M-E050');
    expect(r.code).not.toContain("Tensor = Untranslated");
    expect(codes(r)).toEqual(["C2M-E050@3"]);
    expect(runWithoutTorch(r.code, "print(type(tqdm).__name__)")).toBe("Untranslated");
  });
});
