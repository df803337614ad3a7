/**
 * Hostile sources, specs, rules, plugins and output paths through the real CLI (a subprocess under
 * rlimits): Python 2 and TabError files (and a differential of the TabError rule against CPython on
 * generated indentation), an empty file, 100,000 nested parentheses, devices and FIFOs for every
 * command, outputs that are links to the input or whose `.map` is the input, generated kernel specs,
 * malformed rule and plugin files, and Ctrl-C during a folder compile.
 */
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { pythonExecutable } from "../../src/python.js";
import { c2m, CLI, expectHandled, hashFile, listFiles, ROOT } from "./build.js";

let dir: string;
const GOOD_PY = readFileSync(join(ROOT, "golden/models/mlp/input.py"), "utf8");
const KERNEL = "block_scan";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "c2m-adv-src-"));
});

const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

/** Python 2 forms that tree-sitter-python accepts and CPython 3 rejects. */
const PY2: Record<string, string> = {
  print: 'print "hello"\n',
  printTuple: "x = 1\nprint x, 2\n",
  exec: 'exec "x = 1"\n',
  neq: "a = 1 <> 2\n",
  backtick: "a = `1`\n",
  octal: "a = 0777\n",
  long: "a = 10L\n",
  ur: 'a = ur"x"\n',
  except: "try:\n    pass\nexcept ValueError, e:\n    pass\n",
  raise: 'raise ValueError, "m"\n',
  tupleParam: "def f(a, (b, c)):\n    return a\n",
};

describe("Python that Python 3 rejects", () => {
  it.each(Object.keys(PY2))("Python 2 %s: a located error (C2M-E010), exit 1, nothing written", (name) => {
    const src = `import torch\n${PY2[name]}`;
    const input = file(`py2-${name}.py`, src);
    // CPython agrees that this is not Python 3
    expect(() => execFileSync(pythonExecutable(), ["-c", "import sys; compile(open(sys.argv[1]).read(), 'f', 'exec')", input], { stdio: "pipe" })).toThrow();
    const out = join(dir, `py2-${name}.out.py`);
    const r = c2m(["compile", input, "-o", out]);
    expectHandled(r, { exit: [1], names: `py2-${name}.py:`, code: /C2M-E010/, inputs: { [input]: hashFile(input) }, absent: [out, `${out}.map`], folders: [dir] });
    expect(r.stderr).toMatch(new RegExp(`py2-${name}\\.py:\\d+:\\d+: error C2M-E010`));
  });

  it("TabError: c2m refuses exactly the indentation CPython refuses (generated tab/space mixes)", () => {
    // a block nested a few levels, each line indented by a generated run of tabs and spaces
    const indent = fc.array(fc.constantFrom(" ", "  ", "    ", "\t", " \t", "\t "), { minLength: 1, maxLength: 3 }).map((xs) => xs.join(""));
    const program = fc.array(fc.tuple(indent, fc.boolean()), { minLength: 1, maxLength: 5 }).map((lines) => {
      let src = "import torch\nx = y = 1\nif x:\n";
      let current = "";
      for (const [ind, deeper] of lines) {
        current = deeper ? current + ind : ind;
        src += `${current}${deeper ? "if y:" : "pass"}\n`;
        if (deeper) src += `${current}    pass\n`;
      }
      return src;
    });
    const cases = fc.sample(program, { numRuns: Number(process.env.C2M_ADVERSARIAL_RUNS ?? 400), seed: Number(process.env.C2M_ADVERSARIAL_SEED ?? 71) });
    const paths = cases.map((s, k) => file(`tabs${k}.py`, s));
    const script =
      "import sys\nfor p in sys.argv[1:]:\n    try:\n        compile(open(p).read(), p, 'exec'); print('ok')\n    except TabError: print('tab')\n    except (IndentationError, SyntaxError): print('syntax')";
    const verdicts = execFileSync(pythonExecutable(), ["-c", script, ...paths], { encoding: "utf8" })
      .trim()
      .split("\n");
    let tabErrors = 0;
    verdicts.forEach((v, k) => {
      const codes = compile(cases[k], { filename: "t.py" })
        .diagnostics.filter((d) => d.severity === "error")
        .map((d) => d.code);
      const context = `${JSON.stringify(cases[k])}: CPython ${v}, c2m ${codes.join(",")}`;
      if (v === "ok") expect(codes, context).toEqual([]);
      else expect(codes.length, context).toBeGreaterThan(0);
      if (v === "tab") {
        tabErrors++;
        expect(codes, context).toEqual(["C2M-E011"]);
      }
    });
    expect(tabErrors).toBeGreaterThan(20);
    // and one through the CLI
    const input = file("tabs-cli.py", "import torch\nif x:\n        a = 1\n\tb = 2\n");
    expectHandled(c2m(["compile", input, "-o", join(dir, "tabs-cli.out.py")]), { exit: [1], names: "tabs-cli.py:4:1", code: /C2M-E011/, absent: [join(dir, "tabs-cli.out.py")] });
  });
});

describe("inputs that broke the compiler", () => {
  it("an empty .py: exit 0, the module and its map both written", () => {
    const input = file("empty.py", "");
    const out = join(dir, "empty.out.py");
    const r = c2m(["compile", input, "-o", out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(existsSync(out) && existsSync(`${out}.map`)).toBe(true);
  });

  it("100,000 nested parentheses: a located error (C2M-E007), no half output, a short code frame", () => {
    const input = file("deep.py", `import torch\nx = ${"(".repeat(100_000)}1${")".repeat(100_000)}\n`);
    const out = join(dir, "deep.out.py");
    const r = c2m(["compile", input, "-o", out]);
    expectHandled(r, { exit: [1], names: "deep.py", code: /C2M-E007/, absent: [out, `${out}.map`] });
    expect(r.stderr.length).toBeLessThan(2000);
    expectHandled(c2m(["analyze", input]), { exit: [0, 1], names: "deep.py" });
  });

  it("devices and FIFOs: every command refuses them before reading (C2M-E008)", () => {
    const fifo = join(dir, "fifo.py");
    execFileSync("mkfifo", [fifo]);
    for (const args of [
      ["compile", "/dev/zero"],
      ["kernel", "/dev/zero"],
      ["analyze", "/dev/zero"],
      ["compile", fifo],
      ["kernel", fifo],
      ["analyze", fifo],
      ["parity", fifo, "--class", "Net", "--input", "1,4"],
    ]) {
      const r = c2m(args, { timeoutMs: 20_000 });
      expectHandled(r, { exit: args[0] === "analyze" ? [1, 2] : [2], names: args[1], code: /C2M-E008/ });
    }
  });

  it("kernel: the UTF-8 and size checks compile makes (C2M-E002, E003)", () => {
    const latin = file("latin1.cu", Buffer.from("__global__ void k(float* x) { /* \xe9 */ }\n", "latin1"));
    expectHandled(c2m(["kernel", latin]), { exit: [2], names: "latin1.cu", code: /C2M-E002/ });
    const big = file("big.cu", "__global__ void k(float* x) { x[0] = 1; }\n".repeat(250_000));
    expectHandled(c2m(["kernel", big]), { exit: [2], names: "big.cu", code: /C2M-E003/ });
  });

  it("generated Python and CUDA token soups through the CLI: exit 0/1, never a trace", () => {
    const py = fc
      .array(
        fc.constantFrom("import torch\n", "class A(nn.Module):\n", "    def forward(self, x):\n", "        return x\n", "print x\n", "\t", "(", ")", "<>", "0777", "`x`", "\n"),
        { maxLength: 30 },
      )
      .map((xs) => xs.join(""));
    fc.sample(py, { numRuns: 8, seed: 81 }).forEach((s, k) => {
      const input = file(`soup${k}.py`, s);
      expectHandled(c2m(["compile", input, "-o", join(dir, `soup${k}.out.py`)]), { exit: [0, 1], names: "", inputs: { [input]: hashFile(input) }, folders: [dir] });
    });
    const cu = fc
      .array(fc.constantFrom("__global__ void k(float* x, int n) {", "}", "x[threadIdx.x] = 1;", "__shared__ float s[1 << 30];", "for (;;) {", "(", ")", "\n"), { maxLength: 20 })
      .map((xs) => xs.join(" "));
    fc.sample(cu, { numRuns: 6, seed: 82 }).forEach((s, k) => {
      const input = file(`soup${k}.cu`, s);
      expectHandled(c2m(["kernel", input, "-o", join(dir, `soupk${k}.py`)]), { exit: [0, 1], names: "", inputs: { [input]: hashFile(input) }, folders: [dir] });
    });
  });
});

describe("outputs that would destroy an input", () => {
  it("kernel -o a symbolic link or a hard link to the input: refused, input unchanged", () => {
    const input = file("k.cu", readFileSync(join(ROOT, "golden/kernels", `${KERNEL}.cu`)));
    const before = { [input]: hashFile(input) };
    const sym = join(dir, "k_sym.py");
    symlinkSync(input, sym);
    expectHandled(c2m(["kernel", input, "-o", sym]), { exit: [2], names: "k_sym.py", code: /C2M-E009/, inputs: before, folders: [dir] });
    const hard = join(dir, "k_hard.py");
    linkSync(input, hard);
    expectHandled(c2m(["kernel", input, "-o", hard]), { exit: [2], names: "k_hard.py", code: /C2M-E005/, inputs: before, folders: [dir] });
    expectHandled(c2m(["kernel", input, "--metal-only", "-o", hard]), { exit: [2], names: "k_hard.py", code: /C2M-E005/, inputs: before });
  });

  it("compile model.map -o model: the map output would replace the input; refused", () => {
    const input = file("model.map", GOOD_PY);
    const before = { [input]: hashFile(input) };
    expectHandled(c2m(["compile", input, "-o", join(dir, "model")]), { exit: [2], names: "model.map", code: /C2M-E005/, inputs: before, absent: [join(dir, "model")] });
  });

  it("compile -o a dangling link, analyze -o the input: refused", () => {
    const input = file("m.py", GOOD_PY);
    const dangling = join(dir, "dangling.py");
    symlinkSync(join(dir, "elsewhere.py"), dangling);
    expectHandled(c2m(["compile", input, "-o", dangling]), { exit: [2], names: "dangling.py", code: /C2M-E009/, absent: [join(dir, "elsewhere.py")] });
    const before = { [input]: hashFile(input) };
    expectHandled(c2m(["analyze", input, "-o", input]), { exit: [2], names: "m.py", code: /C2M-E005/, inputs: before });
  });

  it("a folder compile whose output tree holds a link to an input: that file refused, the others written", () => {
    const tree = join(dir, "tree");
    mkdirSync(tree);
    writeFileSync(join(tree, "a.py"), GOOD_PY);
    writeFileSync(join(tree, "b.py"), GOOD_PY);
    const out = join(dir, "tree-out");
    mkdirSync(out);
    symlinkSync(join(tree, "a.py"), join(out, "a.py"));
    const before = { [join(tree, "a.py")]: hashFile(join(tree, "a.py")) };
    const r = c2m(["compile", tree, "-o", out]);
    expectHandled(r, { exit: [1], names: "a.py", code: /C2M-E00[59]/, inputs: before, folders: [out] });
    expect(existsSync(join(out, "b.py")) && existsSync(join(out, "b.py.map"))).toBe(true);
  });

  it("Ctrl-C during a folder compile: exit 130, no temporary file left", async () => {
    const tree = join(dir, "big-tree");
    mkdirSync(tree);
    for (let i = 0; i < 60; i++) writeFileSync(join(tree, `m${i}.py`), GOOD_PY);
    const out = join(dir, "big-out");
    const child = spawn(process.execPath, [CLI, "compile", tree, "-o", out, "-j", "2"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    // interrupt once the first outputs exist, while workers are writing
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (listFiles(out).length >= 4 || child.exitCode !== null) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/C2M-E017/);
    expect(listFiles(out).filter((p) => p.endsWith(".tmp"))).toEqual([]);
    // every module written has its map
    for (const p of listFiles(out).filter((f) => f.endsWith(".py"))) expect(existsSync(`${p}.map`), p).toBe(true);
  });
});

describe("kernel specs, rule files and plugins", () => {
  const spec = JSON.parse(readFileSync(join(ROOT, "golden/kernels", `${KERNEL}.spec.json`), "utf8")) as Record<string, unknown>;
  const setup = (name: string, specText: string) => {
    const sub = join(dir, `spec-${name}`);
    mkdirSync(sub, { recursive: true });
    const cu = join(sub, `${KERNEL}.cu`);
    copyFileSync(join(ROOT, "golden/kernels", `${KERNEL}.cu`), cu);
    writeFileSync(join(sub, `${KERNEL}.spec.json`), specText);
    return cu;
  };

  it("generated hostile specs: C2M-E015 naming the spec file and the field, within memory, no trace", () => {
    const hostile = fc.oneof(
      fc.record({
        at: fc.constantFrom("count", "grid", "sizes", "block", "role", "dtype", "launches", "sharedBytes"),
        v: fc.oneof(
          fc.constant("1e12"),
          fc.constant(2 ** 40),
          fc.constant(-1),
          fc.constant("n * n * n * n"),
          fc.constant(null),
          fc.constant("cdiv("),
          fc.constant([1e9, 1e9, 1e9]),
          fc.string({ maxLength: 5 }),
        ),
      }),
      fc.record({ at: fc.constant("raw"), v: fc.constantFrom("{", "", "[]", "null", '{"name": 1}', '{"sizes": "big"}') }),
    );
    fc.sample(hostile, { numRuns: 14, seed: 91 }).forEach(({ at, v }, k) => {
      let text: string;
      if (at === "raw") text = String(v);
      else {
        const s = structuredClone(spec) as { sizes: Record<string, unknown>[]; buffers: Record<string, unknown>[]; launches: Record<string, unknown>[] };
        if (at === "count" || at === "role" || at === "dtype") s.buffers[0][at] = v;
        else if (at === "grid" || at === "block" || at === "sharedBytes") s.launches[0][at] = at === "sharedBytes" || Array.isArray(v) ? v : [v, 1, 1];
        else if (at === "sizes") s.sizes = [{ n: v }];
        else (s as Record<string, unknown>)[at] = v;
        text = JSON.stringify(s, null, 2);
      }
      const cu = setup(`g${k}`, text);
      const r = c2m(["kernel", cu, "--verify"], { memMiB: 2048 });
      if (r.status === 0) return; // a mutation that left the spec valid (a dtype alias, a small count)
      expectHandled(r, { exit: [1, 2], names: `${KERNEL}.spec.json`, code: /C2M-E015|FAIL/ });
    });
  });

  it("a spec with a huge buffer: refused before anything is allocated (the engine aborted before)", () => {
    const s = structuredClone(spec) as { buffers: Record<string, unknown>[] };
    s.buffers[0].count = "n * 1000000000";
    const r = c2m(["kernel", setup("huge", JSON.stringify(s)), "--verify"], { memMiB: 2048 });
    expectHandled(r, { exit: [2], names: `${KERNEL}.spec.json: /buffers/0/count`, code: /C2M-E015.*over the limit/ });
  });

  it("a malformed spec: the file and the line:col of the JSON error", () => {
    const r = c2m(["kernel", setup("json", '{\n  "name": "block_scan",\n  "sizes": [\n}\n'), "--verify"]);
    expectHandled(r, { exit: [2], names: `${KERNEL}.spec.json:4:1`, code: /C2M-E015/ });
  });

  it("a rule file with a bad pattern and plugins of the wrong shape: C2M-E016 naming the file", () => {
    const input = file("r.py", GOOD_PY);
    const rules = file("bad.rules", "rule r {\n  match: `foo(`\n  replace: `bar()`\n}\n");
    expectHandled(c2m(["compile", input, "--rules", rules]), { exit: [2], names: "bad.rules:2:", code: /C2M-E016/ });
    const plugins: Record<string, string> = {
      "hand-made-rule.mjs": 'export default { name: "p", rules: [{ name: "r", patterns: ["foo("], replace: "x" }] };\n',
      "rules-not-list.mjs": 'export default { name: "p", rules: "nope" };\n',
      "throwing-pass.mjs": 'export default { name: "p", passes: [{ name: "q", run() { null.x; } }] };\n',
      "syntax-error.mjs": "export default {\n",
    };
    for (const [name, text] of Object.entries(plugins)) {
      const p = file(name, text);
      expectHandled(c2m(["compile", input, "--plugin", p]), { exit: [1, 2], names: name, code: /C2M-E016/ });
    }
  });
});
