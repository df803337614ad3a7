/**
 * c2m adds no pyflakes finding (README, "Output invariants"): every `ruff check --select F` finding of an
 * emitted golden is one its input already has (same code and name; lines move). Also the matcher and the
 * marker rule the zoo's `+F` column uses (src/tools/pyflakes.ts).
 */
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseModule } from "../grammar/python.js";
import { compile } from "../src/compile.js";
import { haveRuff, isMarked, newFindings, pyflakes, type PyflakesFinding } from "../src/tools/pyflakes.js";
import { packageRoot } from "../src/python.js";

const ROOT = packageRoot();
const finding = (file: string, code: string, name: string, line = 1): PyflakesFinding => ({ file, code, name, line, col: 1, message: "" });

describe("findings c2m added", () => {
  it("are the output's findings left after matching the input's by file, code and name, as many as the input has", () => {
    const input = [finding("a.py", "F401", "os", 3), finding("a.py", "F841", "x", 9), finding("b.py", "F401", "torch")];
    const output = [
      finding("a.py", "F401", "os", 5),
      finding("a.py", "F841", "x", 2),
      finding("a.py", "F841", "x", 7),
      finding("a.py", "F401", "mlx.nn"),
      finding("b.py", "F401", "os"),
    ];
    const text = "import mlx.nn as nn\nx = 1\n";
    const added = newFindings(input, output, () => text);
    expect(added.map((f) => `${f.file}:${f.line} ${f.code} ${f.name}`)).toEqual(["a.py:7 F841 x", "a.py:1 F401 mlx.nn", "b.py:1 F401 os"]);
  });

  it("are marked when the statement holding them carries a c2m marker where the compile puts one", () => {
    const text = [
      "def f(x: torch.Tensor):  # c2m: C2M-W002 torch name left",
      "    y = torch.stft(",
      "        x,",
      "    )  # c2m: C2M-W002 torch.stft has no MLX mapping",
      "    if torch.is_grad_enabled():",
      "        return y  # c2m: C2M-W001 something else",
      "    z = torch.ones(1)",
      "    return z",
      "",
      "@torch.no_grad()  # c2m: C2M-E023 torch name left",
      "def g():  # c2m: C2M-E026 kept as written",
      "    return torch.zeros(1)",
      "",
    ].join("\n");
    const root = parseModule(text).rootNode;
    const lines = text.split("\n");
    const marked = (row: number) => isMarked(root, lines, row - 1);
    // a header's annotation; the first line of a multi-line statement marked on its last; a decorator; inside a kept function
    expect([1, 2, 3, 10, 12].map(marked)).toEqual([true, true, true, true, true]);
    // an if header whose body line is marked is not; a plain statement is not
    expect([5, 7].map(marked)).toEqual([false, false]);
  });
});

describe.skipIf(!haveRuff())("pyflakes on the goldens", () => {
  it("finds nothing in any golden output (golden/**/expected.py) that its input does not have", async () => {
    const dirs = ["models", "cookbook"]
      .flatMap((d) => readdirSync(join(ROOT, "golden", d)).map((n) => join("golden", d, n)))
      .filter((d) => existsSync(join(ROOT, d, "expected.py")));
    expect(dirs.length).toBeGreaterThanOrEqual(19);
    const [inputs, outputs] = await Promise.all([
      pyflakes(
        ROOT,
        dirs.map((d) => join(d, "input.py")),
      ),
      pyflakes(
        ROOT,
        dirs.map((d) => join(d, "expected.py")),
      ),
    ]);
    // each golden's input and output are one file under two names: match them by folder
    const byFolder = (fs: PyflakesFinding[]) => fs.map((f) => ({ ...f, file: dirname(f.file) }));
    const added = newFindings(byFolder(inputs), byFolder(outputs), (dir) => readFileSync(join(ROOT, dir, "expected.py"), "utf8"));
    expect(added.map((f) => `${f.file}/expected.py:${f.line}:${f.col} ${f.code} ${f.message}`)).toEqual([]);
    // the comparison compares something: the inputs do carry findings of their own, carried over
    expect(inputs.length).toBeGreaterThan(0);
  });
});

describe("the emitter adds no pyflakes finding (emit/prune.ts)", () => {
  const forward = (code: string) =>
    code.slice(code.indexOf("    def __call__"), code.indexOf("\n\n    def sanitize") >= 0 ? code.indexOf("\n\n    def sanitize") : code.indexOf("\n\n\n# c2m:"));
  const net = (body: string, head = "") =>
    compile(
      `${head}import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n\n    def forward(self, x):\n${body}`,
    ).code;

  it("imports only what the output reads, and nothing the file's own imports bind already", () => {
    const code = net("        return self.fc(x)\n", "from typing import Final\n");
    expect(code).toContain("import mlx.nn as nn\n");
    expect(code).not.toContain("import mlx.core as mx");
    expect(code.match(/import Final/g)).toHaveLength(1);
    // an input import the translation made unused goes; one the input left unused stays as it was
    const seq = compile(
      "import os\nimport sys\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n\n    def forward(self, x):\n        return self.fc(x.cuda(int(os.environ['RANK'])))\n",
    ).code;
    expect(seq).toContain("return self.fc(x)");
    expect(seq).not.toContain("import os");
    expect(seq).toContain("import sys\n");
  });

  it("drops an assignment the translation left unread when its value has no effect; keeps a call's, a marked one's and the input's own", () => {
    const code = net(
      [
        "        device = x.device",
        "        dtype, dev2 = x.dtype, x.device",
        "        unused_in_input = x.device",
        "        if x.shape[0] > 3:",
        "            d3 = x.device",
        "            y = torch.ones(4, device=d3)",
        "        other = next(iter([x.device]))",
        "        return self.fc(x) + torch.zeros(4, device=device, dtype=dtype) + torch.ones(4, device=dev2) + torch.ones(4, device=other)",
        "",
      ].join("\n"),
    );
    expect(forward(code).split("\n")).toEqual([
      "    def __call__(self, x):",
      "        dtype = x.dtype",
      // a tensor's .device is MLX's default device (passes/walk/attributes.ts)
      "        unused_in_input = mx.default_device()",
      "        if x.shape[0] > 3:",
      "            y = mx.ones(4)",
      "        next(iter([mx.default_device()]))",
      "        return self.fc(x) + mx.zeros(4, dtype=dtype) + mx.ones(4) + mx.ones(4)",
    ]);
    // judged on the output's value (torch.device(d) is d there); a trailing comment goes with its statement; a
    // function-level import the translation left unread goes too
    const judged = net(
      [
        "        import os",
        "        device = torch.device(str(x.dtype))",
        "        first = x[:, :1] - 1  # a comment",
        "        m = nn.Sequential(nn.ReLU())",
        "        return m(x.cuda(int(os.environ['RANK']))) + torch.ones(4, device=device) + torch.diff(x, prepend=first)",
        "",
      ].join("\n"),
    );
    expect(forward(judged).split("\n")).toEqual([
      "    def __call__(self, x):",
      "        m = nn.Sequential(nn.ReLU())",
      // a Sequential built in the function is a module value (sequence-idioms): called, it goes through c2m_sequential
      "        return c2m_sequential(m, x, False, False) + mx.ones(4) + mx.diff(x)  # c2m: C2M-W007 callee's class not known to c2m: the module held at run time decides the layout its input takes (c2m_sequential); a class of this package is given torch's layout; c2m: C2M-W003 torch.diff(prepend=first) is not supported",
    ]);
    // torch names inside string annotations are translated by the translator's table (F821 torch before)
    const annotated = compile(
      'import torch\nfrom torch import Tensor\n\n\ndef f(a: "dict[str, torch.Tensor]", m: "torch.nn.Module | None" = None) -> "Tensor":\n    return a\n',
    ).code;
    expect(annotated).toContain('def f(a: "dict[str, mx.array]", m: "nn.Module | None" = None) -> "mx.array":');
    expect(annotated).toMatch(/^import mlx.core as mx\nimport mlx.nn as nn\n/);
    // inside a union, and inside a typing generic's subscript (a type alias) too; a string that is data stays
    const alias = compile(
      'from typing import Union\nimport torch\n\nX = Union[int, "torch.Tensor"]\nd = {}\nd["torch.Tensor"] = 1\n\n\ndef f() -> bytes | "torch.Tensor":\n    return torch.zeros(1)\n',
    ).code;
    expect(alias).toContain('X = Union[int, "mx.array"]\nd = {}\nd["torch.Tensor"] = 1\n');
    expect(alias).toContain('def f() -> bytes | "mx.array":');
    // one the table lacks is left, and said (C2M-W021): pyflakes' F821 there is marked
    const left = compile('import torch\n\n\ndef f(g: "torch.Generator" = None):\n    return torch.zeros(1)\n');
    expect(left.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(["4:10 C2M-W021"]);
    expect(left.code).toContain('def f(g: "torch.Generator" = None):  # c2m: C2M-W021 torch name \'torch\' left in the string annotation "torch.Generator"');
    // an in-place-looking call on a module the file imports is that module's function, not a tensor method (F823 before)
    const init = compile(
      "import torch.nn as nn\nfrom . import initialization as init\n\n\ndef init_weights(module):\n    init.zeros_(module.bias)\n    init.copy_(module.pos, module.table)\n",
    ).code;
    expect(init).toContain("    init.zeros_(module.bias)\n    init.copy_(module.pos, module.table)\n");
    // a starred target or an unpacked value: only the names bound one value each go, the others keep theirs
    const starred = net(
      [
        "        b, *axis, _, device, dtype = *x.shape, x.device, x.dtype",
        "        n, *_, dev2 = *x.shape, x.device",
        "        *rest, dev3 = *x.shape, x.device",
        "        return self.fc(x) + torch.ones(b, *axis, n, *rest, device=device, dtype=dtype) + torch.ones(4, device=dev2) + torch.ones(4, device=dev3)",
        "",
      ].join("\n"),
    );
    expect(forward(starred).split("\n").slice(1, 4)).toEqual([
      "        b, *axis, _, dtype = *x.shape, x.dtype",
      "        n, *_ = x.shape",
      "        *rest, dev3 = *x.shape, mx.default_device()",
    ]);
    // a statement left alone in its block becomes pass
    expect(forward(net("        if x.shape[0] > 3:\n            d = x.device\n        return self.fc(x) + torch.ones(4, device=d)\n"))).toContain(
      "        if x.shape[0] > 3:\n            pass\n",
    );
  });
});
