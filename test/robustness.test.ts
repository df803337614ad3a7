/**
 * What users feed c2m when they point it at a repository: broken, enormous and hostile files. Generated
 * and mutated Python and CUDA sources (token soups, truncated real files, deep nesting, invalid UTF-8,
 * binary bytes, 10 MB files) through the analyser, both compilers, the batch worker and the binary.
 * Asserted: nothing throws, exit codes are 0/1/2 with a message (never a stack trace), output is
 * byte-identical across runs, emitted Python parses without error nodes, and compiling a compile's output
 * is stable. More than 10,000 generated cases in all (C2M_ROBUSTNESS_SCALE=0.1 for a quick run).
 */
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeFile, analyzeSource } from "../src/analyze/index.js";
import { runTask } from "../src/batch/worker.js";
import { compile } from "../src/compile.js";
import { compileKernels } from "../src/kernel/index.js";
import { firstError, parsePython } from "../grammar/python.js";
import { packageRoot } from "../src/python.js";

const SCALE = Number(process.env.C2M_ROBUSTNESS_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
let cases = 0;
const counted =
  <T extends unknown[]>(f: (...a: T) => void | Promise<void>) =>
  (...a: T) => {
    cases++;
    return f(...a);
  };

const root = packageRoot();
const cli = join(root, "dist", "src", "cli.js");
const c2m = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: root, maxBuffer: 64 << 20 });

// the smaller golden models and every golden kernel, as material to cut up
const PY = ["mlp", "lstm_lm", "transformer_classifier", "vae"].map((n) => readFileSync(join(root, "golden/models", n, "input.py"), "utf8"));
const CU = readdirSync(join(root, "golden/kernels"))
  .filter((n) => n.endsWith(".cu"))
  .map((n) => readFileSync(join(root, "golden/kernels", n), "utf8"));

const PY_TOKENS = [
  "import torch",
  "import torch.nn as nn",
  "import torch.nn.functional as F",
  "class",
  "Net",
  "(nn.Module)",
  ":",
  "def",
  "forward",
  "__init__",
  "(self, x)",
  "self.",
  "fc",
  "=",
  "nn.Linear(4, 4)",
  "nn.Conv2d(3, 8, 3)",
  "nn.Sequential(",
  ")",
  "(",
  "[",
  "]",
  "{",
  "}",
  "return",
  "x",
  "torch.cat([x, x], dim=1)",
  "x.view(x.size(0), -1)",
  "F.relu(",
  "+",
  "*",
  "@",
  ",",
  "\n",
  "\n    ",
  "\n        ",
  "if",
  "else",
  "elif",
  "for i in range(2)",
  "while",
  "super().__init__()",
  "x.shape",
  "#",
  '"""',
  "'",
  "lambda",
  "yield",
  "await",
  "async",
  "with",
  "try:",
  "except",
  "nn.LSTM(4, 8)",
  "x[:, 0]",
  "x.add_(1)",
  "torch.special.zeta(x, x)",
  "\\",
  "\t",
  "...",
  "None",
  "@torch.no_grad()",
  "x.cuda()",
  "nn.init.zeros_(x)",
  ";",
  "global",
  "del",
  "match x:",
  "case 1:",
  "print(",
  "é",
  "😀",
  "\r\n",
];
const CU_TOKENS = [
  "__global__",
  "__device__",
  "__shared__",
  "void",
  "k",
  "(",
  ")",
  "{",
  "}",
  "[",
  "]",
  ";",
  ",",
  "float*",
  "const float*",
  "int",
  "n",
  "x",
  "y",
  "i",
  "=",
  "+",
  "*",
  "<",
  ">",
  "threadIdx.x",
  "blockIdx.x",
  "blockDim.x",
  "if",
  "for",
  "return",
  "__syncthreads();",
  "atomicAdd(&y[0], x[i]);",
  "__shfl_down_sync(0xffffffff, v, 16)",
  "float v = 0.0f;",
  "template <typename T>",
  "T*",
  "#define N 256",
  "#include <cuda.h>",
  "k<<<1, 32>>>(x, y, n);",
  'asm("");',
  'printf("%d", i);',
  "double",
  "struct P { int a; };",
  "//",
  "/*",
  "*/",
  "\n",
  'extern "C"',
  "unsigned",
  "half",
  "__half2float(h)",
  "tex1Dfetch<float>(t, i)",
  "0x",
  "1e",
  "'",
  '"',
];

const soup = (tokens: string[], max: number) => fc.array(fc.constantFrom(...tokens), { maxLength: max }).map((t) => t.join(" "));
/** A plausible start (a kernel header, torch imports) followed by a soup, so the compilers get past the first line. */
const pySoup = fc.tuple(fc.constantFrom("", "import torch\nimport torch.nn as nn\n"), soup(PY_TOKENS, 50)).map(([a, b]) => a + b);
const cuSoup = fc
  .tuple(fc.constantFrom("", "__global__ void k(float* y, const float* x, int n) {\n  int i = threadIdx.x;\n"), soup(CU_TOKENS, 50), fc.constantFrom("", "}\n"))
  .map(([a, b, c]) => a + b + c);

/** A real file with a random edit: a slice cut out, a line duplicated, the file truncated, or bytes swapped. */
const mutate = (srcs: string[]) =>
  fc.record({ src: fc.constantFrom(...srcs), a: fc.nat(), b: fc.nat(), kind: fc.constantFrom("cut", "dup", "truncate", "swap") }).map(({ src, a, b, kind }) => {
    const i = a % (src.length + 1);
    const j = Math.min(src.length, i + (b % 300));
    if (kind === "cut") return src.slice(0, i) + src.slice(j);
    if (kind === "truncate") return src.slice(0, i);
    if (kind === "swap") return src.slice(0, i) + src.slice(j) + src.slice(i, j);
    const lines = src.split("\n");
    const k = a % lines.length;
    return [...lines.slice(0, k + 1), lines[k], ...lines.slice(k + 1)].join("\n");
  });

/** Python (or nothing) with no error nodes. */
function expectParses(py: string): void {
  if (py === "") return;
  const err = firstError(parsePython(py).rootNode);
  if (err) throw new Error(`emitted Python does not parse at ${err.startPosition.row + 1}:${err.startPosition.column + 1}:\n${py}`);
}

const INPUT_ERRORS = new Set(["C2M-E001", "C2M-E007", "C2M-E010", "C2M-E011"]);

/** compile(): deterministic, an error means no output, the output parses, and compiling the output changes nothing torch. */
function checkCompile(src: string, recompile = false): void {
  let r;
  try {
    r = compile(src, { filename: "gen.py" });
  } catch (e) {
    // compile() itself may give up on pathological nesting (a compiler limit, reported); the CLI and the
    // analyser turn that into an error for the file, checked below
    if (e instanceof RangeError) return;
    throw e;
  }
  const again = compile(src, { filename: "gen.py" });
  expect(again.code).toBe(r.code);
  expect(again.diagnostics).toEqual(r.diagnostics);
  // input that does not parse (as Python 3) gives no output; any other error is written with its marker
  if (r.diagnostics.some((d) => INPUT_ERRORS.has(d.code))) {
    expect(r.code).toBe("");
    return;
  }
  expectParses(r.code);
  if (r.diagnostics.some((d) => d.severity === "error")) return;
  if (recompile) {
    const strip = (s: string) => s.replace(/\n\n# c2m: torch state_dict[\s\S]*$/, "");
    expect(strip(compile(r.code, { filename: "gen.py" }).code)).toBe(strip(r.code));
  }
}

/** compileKernels(): deterministic, each error is marked in the module (or there is none), the module parses. */
function checkKernels(src: string): void {
  const r = compileKernels(src, { filename: "gen.cu" });
  const again = compileKernels(src, { filename: "gen.cu" });
  expect(again.python).toBe(r.python);
  expect(again.diagnostics).toEqual(r.diagnostics);
  if (r.python) for (const d of r.diagnostics.filter((x) => x.severity === "error")) expect(r.python).toContain(`# c2m: ${d.code}`);
  expectParses(r.python);
}

/** analyzeSource(): never throws, counts add up, the same analysis twice. */
async function checkAnalysis(src: string, language: "python" | "cuda"): Promise<void> {
  const a = await analyzeSource(src, language === "python" ? "gen.py" : "gen.cu", language);
  expect(a.lines.automatic).toBeLessThanOrEqual(a.lines.code);
  expect(a.constructs.length).toBe(Object.values(a.counts).reduce((x, y) => x + y, 0));
  expect(await analyzeSource(src, a.file, language)).toEqual(a);
}

describe("generated and mutated Python", () => {
  it("token soups: compile and analyse", async () => {
    fc.assert(
      fc.property(
        pySoup,
        counted((s: string) => checkCompile(s)),
      ),
      { numRuns: runs(2800), seed: 11 },
    );
    await fc.assert(
      fc.asyncProperty(
        pySoup,
        counted((s: string) => checkAnalysis(s, "python")),
      ),
      { numRuns: runs(700), seed: 12 },
    );
  });
  it("arbitrary Unicode text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 300 }),
        counted((s: string) => checkCompile(s)),
      ),
      { numRuns: runs(2800), seed: 13 },
    );
  });
  it("mutated real model files: compile (and recompile the output), analyse", async () => {
    fc.assert(
      fc.property(
        mutate(PY),
        counted((s: string) => checkCompile(s, true)),
      ),
      { numRuns: runs(80), seed: 14 },
    );
    await fc.assert(
      fc.asyncProperty(
        mutate(PY),
        counted((s: string) => checkAnalysis(s, "python")),
      ),
      { numRuns: runs(40), seed: 15 },
    );
  });
});

describe("generated and mutated CUDA", () => {
  it("token soups: translate and analyse", async () => {
    fc.assert(fc.property(cuSoup, counted(checkKernels)), { numRuns: runs(2200), seed: 21 });
    await fc.assert(
      fc.asyncProperty(
        cuSoup,
        counted((s: string) => checkAnalysis(s, "cuda")),
      ),
      { numRuns: runs(400), seed: 22 },
    );
  });
  it("mutated golden kernels", async () => {
    fc.assert(fc.property(mutate(CU), counted(checkKernels)), { numRuns: runs(200), seed: 23 });
    await fc.assert(
      fc.asyncProperty(
        mutate(CU),
        counted((s: string) => checkAnalysis(s, "cuda")),
      ),
      { numRuns: runs(100), seed: 24 },
    );
  });
});

describe("bytes that are not source text", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "c2m-bytes-"));
  });
  it("invalid UTF-8, NUL bytes and random binary: refused per file with a code, never a throw", async () => {
    // a valid prefix and random bytes, some of them forced invalid (a lone continuation byte, a NUL)
    const bytes = fc.record({
      prefix: fc.constantFrom("", "import torch\n", "__global__ void k() {}\n"),
      body: fc.uint8Array({ maxLength: 200 }),
      poison: fc.constantFrom("none", "nul", "cont", "overlong"),
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        bytes,
        fc.constantFrom(".py", ".cu"),
        counted(async ({ prefix, body, poison }, ext) => {
          const extra = poison === "nul" ? [0] : poison === "cont" ? [0x80] : poison === "overlong" ? [0xc0, 0xaf] : [];
          const data = Buffer.concat([Buffer.from(prefix), Buffer.from(body), Buffer.from(extra)]);
          const p = join(dir, `f${n++}${ext}`);
          writeFileSync(p, data);
          const a = await analyzeFile(p);
          let valid = !data.includes(0);
          try {
            new TextDecoder("utf-8", { fatal: true }).decode(data);
          } catch {
            valid = false;
          }
          if (!valid) expect(a.diagnostics.map((d) => d.code)).toEqual(["C2M-E002"]);
          else expect(a.diagnostics.some((d) => d.code === "C2M-E002")).toBe(false);
          // the batch worker (what `compile DIR` runs per file) handles the same bytes without throwing
          const out = join(dir, `o${n}.py`);
          const r = await runTask({ op: ext === ".py" ? "compile" : "kernel", input: p, display: p, output: out });
          if (r.status === "ok") expect(existsSync(out)).toBe(true);
          // refused bytes leave nothing behind (a kernel file with a refused kernel is still written, with its stub)
          if (!valid) {
            expect(r.diagnostics[0].code).toBe("C2M-E002");
            expect(existsSync(out)).toBe(false);
          }
        }),
      ),
      { numRuns: runs(1300), seed: 31 },
    );
  });
});

/** Nesting generators: parentheses, calls, blocks, binary chains, CUDA braces. */
const NESTING: Record<string, (d: number) => { src: string; lang: "python" | "cuda" }> = {
  parens: (d) => ({ src: `import torch\nx = ${"(".repeat(d)}torch.zeros(1)${")".repeat(d)}\n`, lang: "python" }),
  calls: (d) => ({
    src: `import torch.nn as nn\nimport torch\nclass A(nn.Module):\n    def forward(self, x):\n        return ${"torch.relu(".repeat(d)}x${")".repeat(d)}\n`,
    lang: "python",
  }),
  blocks: (d) => ({ src: "import torch\n" + Array.from({ length: d }, (_, i) => `${" ".repeat(i)}if x:\n`).join("") + `${" ".repeat(d)}y = torch.relu(x)\n`, lang: "python" }),
  lists: (d) => ({ src: `import torch\nx = torch.tensor(${"[".repeat(d)}1${"]".repeat(d)})\n`, lang: "python" }),
  braces: (d) => ({ src: `__global__ void k(float* x) {\n${"{".repeat(d)}x[0] = ${"(".repeat(d)}1${")".repeat(d)};${"}".repeat(d)}}\n`, lang: "cuda" }),
};

describe("deep nesting", () => {
  it("depths from 1 to 1,500: the analyser and the batch worker never throw (a compiler that gives up says so for the file)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-deep-"));
    const gen = fc.record({
      kind: fc.constantFrom(...Object.keys(NESTING)),
      depth: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 60 }), weight: 9 }, { arbitrary: fc.integer({ min: 200, max: 1500 }), weight: 1 }),
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        gen,
        counted(async ({ kind, depth }) => {
          const { src, lang } = NESTING[kind](depth);
          const a = await analyzeSource(src, "deep", lang);
          if (a.status === "error") expect(a.diagnostics.length).toBeGreaterThan(0);
          const p = join(dir, `d${n++}${lang === "python" ? ".py" : ".cu"}`);
          writeFileSync(p, src);
          const r = await runTask({ op: lang === "python" ? "compile" : "kernel", input: p, display: p, output: `${p}.out.py` });
          // a written module parses (one with errors carries their markers); a failed one may be written only with its diagnostics
          if (existsSync(`${p}.out.py`) && lang === "python" && !r.diagnostics.some((d) => d.code === "C2M-E020"))
            expectParses(readFileSync(`${p}.out.py`, "utf8").replace(/# sourceMappingURL=.*\n$/, ""));
          if (r.status === "ok") expect(existsSync(`${p}.out.py`)).toBe(true);
          else expect(r.diagnostics.length).toBeGreaterThan(0);
        }),
      ),
      { numRuns: runs(120), seed: 41 },
    );
  });
});

describe("the binary on hostile trees", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "c2m-hostile-"));
    const tree = join(dir, "repo");
    mkdirSync(join(tree, "deep", "er"), { recursive: true });
    // 10 MB of Python and of CUDA: over the input limit, refused with a code
    const big = "import torch\n" + "x = torch.zeros(1)\n".repeat((10 * 1024 * 1024) / 19);
    writeFileSync(join(tree, "huge.py"), big);
    writeFileSync(join(tree, "huge.cu"), "__global__ void k(float* x) { x[0] = 1; }\n".repeat((10 * 1024 * 1024) / 43));
    writeFileSync(join(tree, "latin1.py"), Buffer.from("import torch\nx = '\xe9\xe8'\n", "latin1"));
    writeFileSync(join(tree, "elf.py"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]));
    writeFileSync(join(tree, "bom.py"), "\uFEFF" + PY[0]);
    writeFileSync(join(tree, "deep", "nested.py"), NESTING.calls(1500).src);
    writeFileSync(join(tree, "deep", "er", "braces.cu"), NESTING.braces(1500).src);
    writeFileSync(join(tree, "deep", "truncated.py"), PY[2].slice(0, PY[2].length >> 1));
    writeFileSync(join(tree, "deep", "er", "truncated.cu"), CU[3].slice(0, CU[3].length >> 1));
    const g = fc.sample(pySoup, { numRuns: 12, seed: 51 });
    g.forEach((s, i) => writeFileSync(join(tree, "deep", `soup${i}.py`), s));
    fc.sample(cuSoup, { numRuns: 12, seed: 52 }).forEach((s, i) => writeFileSync(join(tree, "deep", "er", `soup${i}.cu`), s));
    writeFileSync(join(tree, "ok.py"), PY[0]);
    writeFileSync(join(tree, "ok.cu"), CU[0]);
  });

  const noTrace = (s: string) => expect(s).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/);

  it("single files: exit 0/1/2 with a message, never a stack trace", () => {
    const tree = join(dir, "repo");
    const expectations: [string[], number[], RegExp][] = [
      [["compile", join(tree, "huge.py")], [2], /C2M-E003/],
      [["compile", join(tree, "latin1.py")], [2], /C2M-E002/],
      [["compile", join(tree, "elf.py")], [2], /C2M-E002/],
      [["compile", join(tree, "deep", "nested.py")], [0, 1, 2], /./],
      [["compile", join(tree, "deep", "truncated.py")], [1], /C2M-E001/],
      [["kernel", join(tree, "elf.py")], [1, 2], /C2M-E002/],
      [["kernel", join(tree, "deep", "er", "braces.cu")], [0, 1, 2], /./],
      [["analyze", join(tree, "huge.py")], [1], /C2M-E003/],
      [["analyze", join(tree, "elf.py"), "--json"], [1], /C2M-E002/],
    ];
    for (const [args, codes, message] of expectations) {
      cases++;
      const r = c2m(...args);
      expect(codes, `${args.join(" ")}: exit ${r.status}\n${r.stderr}`).toContain(r.status);
      if (r.status !== 0) expect(r.stdout + r.stderr).toMatch(message);
      noTrace(r.stderr);
    }
  });

  it("a directory of them: every file gets a result, errors leave no file behind, two runs write the same bytes", () => {
    const tree = join(dir, "repo");
    const outs = [join(dir, "out1"), join(dir, "out2")];
    const reports = outs.map((o) => {
      const r = c2m("compile", tree, "-o", o, "--json");
      cases++;
      expect([0, 1], r.stderr).toContain(r.status);
      noTrace(r.stderr);
      return JSON.parse(r.stdout) as { files: { input: string; status: string; wrote: string[]; diagnostics: { code: string }[] }[] };
    });
    const files = reports[0].files;
    expect(files.length).toBe(19); // every .py under the tree: huge, latin1, elf, bom, nested, truncated, 12 soups, ok
    const byName = (n: string) => files.find((f) => f.input.endsWith(n))!;
    expect(byName("huge.py").diagnostics[0].code).toBe("C2M-E003");
    expect(byName("latin1.py").diagnostics[0].code).toBe("C2M-E002");
    expect(byName("ok.py").status).toBe("ok");
    for (const f of files) {
      const out = join(outs[0], f.input.slice(tree.length + 1));
      expect(existsSync(out), f.input).toBe(f.status === "ok");
    }
    // no temporary files left anywhere
    const all = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(join(d, e.name)) : [join(d, e.name)]));
    expect(all(outs[0]).filter((p) => p.endsWith(".tmp"))).toEqual([]);
    for (const p of all(outs[0])) expect(readFileSync(p).equals(readFileSync(p.replace(outs[0], outs[1]))), p).toBe(true);
    expect(JSON.stringify(reports[1].files.map((f) => [f.status, f.diagnostics]))).toBe(JSON.stringify(files.map((f) => [f.status, f.diagnostics])));

    const a1 = c2m("analyze", tree, "--json");
    const a2 = c2m("analyze", tree, "--json");
    cases += 2;
    expect(a1.status).toBe(1);
    noTrace(a1.stderr);
    expect(a2.stdout).toBe(a1.stdout);
    const analysis = JSON.parse(a1.stdout);
    expect(analysis.files.length).toBe(files.length + 16); // and the CUDA files: huge, braces, truncated, 12 soups, ok
  });
});

describe("the suite itself", () => {
  it("ran at least 10,000 generated cases (at full scale)", () => {
    process.stdout.write(`robustness: ${cases} generated cases\n`);
    if (SCALE >= 1) expect(cases).toBeGreaterThanOrEqual(10_000);
  });
});
