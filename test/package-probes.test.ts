/**
 * A library's probes for an installed torch (passes/package-probes.ts): in the port they answer as for the torch
 * it was translated from, in files that import torch and in files c2m otherwise leaves as they are; any other
 * package is the standard library's answer. Checked by running the emitted code on a machine state without torch.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const py = (s: string) => s.replace(/^\n/, "");

/** Runs `code` then `probe` in Python with torch hidden from the import system; what `probe` prints. */
function run(code: string, probe: string): string {
  const hide = `import sys\nclass _NoTorch:\n    def find_spec(self, name, path=None, target=None):\n        if name == "torch" or name.startswith("torch."):\n            raise ModuleNotFoundError(name)\nsys.meta_path.insert(0, _NoTorch())\n`;
  const r = spawnSync(pythonExecutable(), ["-c", `${hide}${code}\n${probe}`], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return r.stdout.trim();
}

const library = py(`
import sys
import importlib.util
if sys.version_info < (3, 8):
    import importlib_metadata
else:
    import importlib.metadata as importlib_metadata


def _is_package_available(name):
    exists = importlib.util.find_spec(name) is not None
    return exists, importlib_metadata.version(name) if exists else "N/A"


_torch_available, _torch_version = _is_package_available("torch")
`);

describe("package probes", () => {
  it("a file that imports no torch: only its probes change; torch is there, other packages as installed", () => {
    const r = compile(library, { filename: "import_utils.py" });
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toContain('    exists = c2m_find_spec(name) is not None\n    return exists, c2m_package_version(name) if exists else "N/A"\n');
    // the imports only the probes read go (emit/prune.ts: pyflakes F401 otherwise); the helpers follow the imports kept
    expect(r.code.startsWith("import sys\n\n\n# The torch whose API")).toBe(true);
    expect(r.code).toContain("if sys.version_info < (3, 8):\n    pass\nelse:\n    pass\n");
    const [torch, numpy, absent] = run(
      r.code,
      'print(_torch_available, _torch_version)\nprint(_is_package_available("numpy")[0])\nprint(_is_package_available("no_such_package_c2m"))',
    ).split("\n");
    expect(torch).toMatch(/^True \d+\.\d+/);
    expect(numpy).toBe("True");
    expect(absent).toBe("(False, 'N/A')");
  });

  it("a torch file: the same, beside its translation", () => {
    const r = compile(`import torch\n${library}\nx = torch.zeros(2)\n`, { filename: "m.py" });
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toContain("exists = c2m_find_spec(name) is not None");
    expect(run(r.code, "print(_torch_available, x.shape)")).toBe("True (2,)");
  });

  it("torch.__version__ is the version translated from, comparing as a version as torch's does", () => {
    const r = compile('import torch\nNEW = torch.__version__ >= "2.4.0"\nOLD = torch.__version__ < (2, 0)\nS = torch.__version__.split(".")[0]\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toContain('NEW = C2M_TORCH_VERSION_VALUE >= "2.4.0"');
    // "2.13.0" >= "2.4.0" is False as strings: a version compares by numbers
    expect(run(r.code, "print(NEW, OLD, S)")).toBe("True False 2");
  });

  it("a name some import binds to something else is no probe", () => {
    const r = compile(
      py(`
import importlib.util
try:
    from mylib import find_spec
except ImportError:
    from importlib.util import find_spec
ok = find_spec("torch") is not None
`),
    );
    expect(r.code).not.toContain("c2m_find_spec");
  });
});
