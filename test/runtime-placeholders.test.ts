/**
 * Every name of an emitted file resolves (pyflakes finds nothing the input lacks): a removed import's name that
 * functions still read is bound once to a placeholder (passes/runtime-placeholders.ts, C2M-W041), the imports
 * c2m adds are placed only where the module's namespace is read, and what the translation left unread goes
 * (emit/prune.ts). Each output is also checked with ruff against its input, and run with torch absent.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { verifyOutput } from "../emit/verify/index.js";
import { mlxApi } from "../passes/tables/index.js";
import { haveRuff, newFindings, pyflakes } from "../src/tools/pyflakes.js";
import { pythonExecutable } from "../src/python.js";

const py = (s: string) => s.replace(/^\n/, "");
const codes = (r: ReturnType<typeof compile>) => r.diagnostics.map((d) => `${d.code}@${d.line}`);

/** The findings ruff has on `output` that it does not have on `input` (matched by code and name). */
async function added(input: string, output: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "c2m-ruff-"));
  writeFileSync(join(dir, "input.py"), input);
  writeFileSync(join(dir, "output.py"), output);
  const [i, o] = await Promise.all([pyflakes(dir, ["input.py"]), pyflakes(dir, ["output.py"])]);
  const same = (fs: typeof i) => fs.map((f) => ({ ...f, file: "m.py" }));
  return newFindings(same(i), same(o), () => output).map((f) => `${f.line}: ${f.code} ${f.message}`);
}

/** Runs `code` as module m with every torch* import failing, then `after`; returns what it prints. */
function runWithoutTorch(code: string, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), "c2m-run-"));
  writeFileSync(join(dir, "m.py"), code);
  const guard = [
    "import sys, importlib.abc",
    "class NoTorch(importlib.abc.MetaPathFinder):",
    "    def find_spec(self, name, path=None, target=None):",
    "        if name.split('.')[0].startswith('torch'): raise ModuleNotFoundError(name)",
    "sys.meta_path.insert(0, NoTorch())",
    "import m",
  ].join("\n");
  return execFileSync(pythonExecutable(), ["-c", `${guard}\n${after}`], { encoding: "utf8", cwd: dir }).trim();
}

describe("a removed import's name that functions still read", () => {
  const src = py(`
import torch
import torch.nn as nn
import torch.nn.functional as F
try:
    import torchcodec
except ImportError:
    pass


def check(x):
    torch._check(x.shape[0] > 0, lambda: "empty")
    return x


def pairs(x):
    return F.pdist(x)


def decode(path):
    return torchcodec.decoders.VideoDecoder(path)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return F.relu(self.fc(x))
`);

  it("is bound once per file to a placeholder, with a warning at its import; each use keeps its own diagnostic", async () => {
    const r = compile(src, { filename: "m.py" });
    // an unmarked use (decode's) is the output checker's error, as without the binding
    expect(codes(r)).toEqual(["C2M-W002@11", "C2M-W002@16", "C2M-W040@5", "C2M-W041@1", "C2M-W041@3", "C2M-W041@5", "C2M-E023@20"]);
    // the uses stay as the input wrote them; the names bound after the helpers, in import order
    expect(r.code).toContain('    torch._check(x.shape[0] > 0, lambda: "empty")  # c2m: C2M-W002 torch._check has no MLX mapping\n');
    expect(r.code).toContain("    return F.pdist(x)  # c2m: C2M-W002");
    const bindings = r.code.split("\n").filter((l) => / = Untranslated\(/.test(l));
    expect(bindings.map((l) => l.replace(/  # c2m: .*/, ""))).toEqual([
      'torch = Untranslated("torch", "C2M-W041")',
      'F = Untranslated("torch.nn.functional", "C2M-W041")',
      'torchcodec = Untranslated("torchcodec", "C2M-W041")',
    ]);
    expect(bindings[1]).toContain("# c2m: C2M-W041 F (torch.nn.functional) is read where c2m has no translation");
    // a name the translation resolved everywhere (nn) is not bound
    expect(r.code).not.toMatch(/^nn = /m);
    if (haveRuff()) expect(await added(src, r.code)).toEqual([]);
    // the module imports without torch; the translated model runs; a use of a placeholder raises naming it
    const out = runWithoutTorch(
      r.code,
      [
        "import mlx.core as mx",
        "print(m.Net()(mx.zeros((1, 4))).shape)",
        "for use in (lambda: m.check(mx.zeros((1,))), lambda: m.pairs(1), lambda: m.decode('v.mp4')):",
        "    try:",
        "        use()",
        "    except NotImplementedError as e:",
        "        print(e)",
      ].join("\n"),
    );
    expect(out.split("\n")).toEqual([
      "(1, 4)",
      "c2m: torch._check has no MLX translation (C2M-W041); port it by hand",
      "c2m: torch.nn.functional.pdist has no MLX translation (C2M-W041); port it by hand",
      "c2m: torchcodec.decoders.VideoDecoder has no MLX translation (C2M-W041); port it by hand",
    ]);
  });

  it("still counts as a torch name left for the output checker where no marker says so (C2M-E023)", () => {
    const code = py(`
class Untranslated:
    pass


torch = Untranslated("torch", "C2M-W041")  # c2m: C2M-W041 torch is read where c2m has no translation


def f(x):
    torch._check(x)  # c2m: C2M-W002 torch._check has no MLX mapping
    return torch.special.erfcx(x)


def g(torch):
    return torch
`);
    const placeholders = new Map([["torch", "torch"]]);
    const v = verifyOutput({ code, api: mlxApi(), torchNames: new Set(["torch"]), placeholders });
    // the marked use is left to its W002; the unmarked one is reported; a parameter named torch is a local
    expect(v.findings.map((f) => `${f.at.row + 1} ${f.code} ${f.message}`)).toEqual(["10 C2M-E023 torch name 'torch' left in the output (its torch import was removed)"]);
    // without the binding's name, the same output resolves (what the emitter must tell the checker)
    expect(verifyOutput({ code, api: mlxApi(), torchNames: new Set(["torch"]) }).findings).toEqual([]);
  });
});

describe("imports c2m adds and imports the translation left unread", () => {
  it("an import a template needs is added where the module's namespace is read, not where a function imports it itself", async () => {
    const src = py(`
import torch


def host(x):
    return x.numpy()


def own(x):
    import numpy as np
    return np.asarray(x.numpy())
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toMatch(/^import numpy as np\n/);
    expect(r.code).toContain("    return np.array(x)\n");
    const alone = compile(
      py(`
import torch


def own(x):
    import numpy as np
    return np.asarray(x.numpy())
`),
    );
    expect(alone.code).not.toMatch(/^import numpy/m);
    expect(alone.code).toContain("    import numpy as np\n    return np.asarray(np.array(x))\n");
    if (haveRuff()) expect(await added(src, r.code)).toEqual([]);
  });

  it("a module-level import in a block that the translation left unread goes; a torch-library import nothing in its function reads goes with its error", async () => {
    const src = py(`
import sys
import torch

if sys.platform:
    from .config import DEVICE


def f(x):
    return torch.ones(3, device=DEVICE) * x


def has_npu():
    import torch_npu  # noqa: F401
    return True
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain("if sys.platform:\n    pass\n");
    expect(r.code).toContain("def has_npu():\n      # c2m: C2M-E050 torch_npu has no MLX translation: the import goes (nothing reads what it binds)\n    return True\n");
    expect(codes(r)).toEqual(["C2M-E050@13"]);
    expect(r.diagnostics[0].message).toBe("torch_npu has no MLX translation: the import goes (nothing reads what it binds)");
    if (haveRuff()) expect(await added(src, r.code)).toEqual([]);
    // at module level the name is the module's attribute (another file may import it): its placeholder stays
    const top = compile("import os\nimport torch\n\nif os.environ.get('X') is None:\n    import torch_npu\n", { filename: "m.py" });
    expect(top.code).toContain('    torch_npu = Untranslated("torch_npu")');
  });

  it("names in a string annotation: MLX's layer class for a torch layer; an attribute is not a name read", () => {
    const r = compile('import torch\n\n\ndef out_len(m: "torch.nn.Conv1d", n: int) -> int:\n    return n\n', { filename: "m.py" });
    expect(r.code).toBe('import mlx.nn as nn\n\n\ndef out_len(m: "nn.Conv1d", n: int) -> int:\n    return n\n');
    expect(r.diagnostics).toEqual([]);
    const left = compile('import torch\nimport os\n\n\ndef f(g: "torch.Generator", n: int) -> int:\n    return n\n', { filename: "m.py" });
    // `nn` or `mx` inside "torch.Generator" would be attributes: no MLX import is added for them
    expect(left.code).toContain("import os\n");
    expect(left.code).not.toContain("import mlx");
  });
});

describe("dead stores the translation causes", () => {
  it("an unpacked name read nowhere goes when the translation writes the value as a tuple (pyflakes reads that one)", async () => {
    const src = py(`
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        x = self.conv(x)
        B, C = x.shape[:2]
        return x.reshape(B, -1)
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.code).toContain("        B = x.shape[0]\n");
    if (haveRuff()) expect(await added(src, r.code)).toEqual([]);
  });

  it("a local left unread keeps a value that may have effects, as a statement, marked or not", async () => {
    const src = py(`
import torch


def probe(model, size, kwargs):
    device = next(model.parameters()).device
    nb = kwargs.pop("non_blocking", False)
    g = torch.Generator().manual_seed(0)
    return torch.zeros(size, device=device), torch.randperm(size, generator=g), torch.ones(size, device=device, non_blocking=nb)
`);
    const r = compile(src, { filename: "m.py" });
    // `.device` of a value c2m cannot type reads through c2m_device_of (passes/device-attr.ts), `.parameters()` of one through c2m_parameters_of
    expect(r.code).toContain('    c2m_device_of(next(c2m_parameters_of(model)))\n    kwargs.pop("non_blocking", False)\n    torch.Generator().manual_seed(0)  # c2m: C2M-W002');
    if (haveRuff()) expect(await added(src, r.code)).toEqual([]);
  });
});
