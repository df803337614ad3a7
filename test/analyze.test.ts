/**
 * `c2m analyze`: constructs classified from the compilers' own records (not a grep), lines that translate
 * automatically, the four output forms, SARIF checked against the OASIS 2.1.0 schema, and a real
 * package's model folder (transformers, read as text, never imported).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv from "ajv";
import { analyzeSource, codeLines } from "../src/analyze/index.js";
import { compile } from "../src/compile.js";
import { compileKernels } from "../src/kernel/index.js";
import { packageRoot } from "../src/python.js";

const root = packageRoot();
const cli = join(root, "dist", "src", "cli.js");
const c2m = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: root, maxBuffer: 64 << 20 });
const llama = ".venv/lib/python3.11/site-packages/transformers/models/llama";
/** stdout of a run that must succeed (stderr in the failure message) */
const ok = (...args: string[]) => {
  const r = c2m(...args);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
};

/** The SARIF 2.1.0 schema is draft-04; ajv 8 reads it once draft-04's `id` is spelled `$id`. */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(join(root, "test/fixtures/sarif/sarif-2.1.0-rtm.5.json"), "utf8"));
  schema.$id = schema.id;
  delete schema.id;
  delete schema.$schema;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  return ajv.compile(schema);
}

let dir: string;
beforeAll(() => {
  if (!existsSync(cli)) throw new Error("build first: npm run build (npm test does)");
  dir = mkdtempSync(join(tmpdir(), "c2m-analyze-"));
});

const MODEL = `import torch
import torch.nn as nn
import torch.nn.functional as F

# a comment line is not code
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        y = F.layer_norm(x, (4,))
        z = torch.special.zeta(x, y)
        return self.fc(y + z)
`;

describe("analyzing a Python file", () => {
  it("classifies exactly the constructs the compiler recorded, and blocks only the unsupported lines", async () => {
    const a = await analyzeSource(MODEL, "net.py", "python");
    const records = compile(MODEL, { filename: "net.py" }).constructs;
    expect(a.constructs.length).toBe(records.length);
    expect(a.counts.rule).toBe(records.filter((r) => r.kind === "table").length);
    expect(a.counts.cookbook).toBe(records.filter((r) => r.kind === "cookbook" || r.kind === "helper").length);
    const zeta = a.constructs.find((c) => c.category === "unsupported")!;
    expect(zeta).toMatchObject({ name: "torch.special.zeta", line: 13, codes: ["C2M-W002"] });
    expect(zeta.reason).toMatch(/zeta/);
    expect(a.constructs.find((c) => c.name === "torch.nn.Linear")).toMatchObject({ category: "rule", line: 9 });
    // 11 code lines (blank and comment lines excluded); the zeta line is the one that needs a person
    expect(a.lines).toEqual({ code: 11, automatic: 10 });
  });

  it("a call of a custom CUDA/C++ operator needs a kernel port, and its line waits for it", async () => {
    const src = [
      "import torch",
      "import torch.nn as nn",
      "from torch.utils.cpp_extension import load",
      "ext = load(name='fused', sources=['fused.cu'])",
      "class Net(nn.Module):",
      "    def forward(self, x):",
      "        return torch.ops.mylib.fused_add(x, x)",
      "",
    ].join("\n");
    const a = await analyzeSource(src, "ext.py", "python");
    expect(a.constructs.filter((c) => c.category === "kernel").map((c) => [c.name, c.line])).toEqual([
      ["torch.utils.cpp_extension.load", 4],
      ["torch.ops.mylib.fused_add", 7],
    ]);
    expect(a.counts.unsupported).toBe(0);
    expect(a.lines).toEqual({ code: 7, automatic: 5 });
  });

  it("a syntax error makes the file an error with no automatic lines", async () => {
    const a = await analyzeSource("import torch\ndef f(:\n", "bad.py", "python");
    expect(a.status).toBe("error");
    expect(a.lines.automatic).toBe(0);
    expect(a.constructs[0]).toMatchObject({ category: "unsupported", codes: ["C2M-E001"], line: 2 });
  });

  it("counts code lines, not blank or comment lines (Python and CUDA)", () => {
    expect(codeLines("a = 1\n\n  # c\nb = 2\n", "python")).toEqual([1, 4]);
    expect(codeLines("int a;\n/* x\n y */\n// c\n/* one */ int b;\n", "cuda")).toEqual([1, 5]);
  });
});

const CUDA = `__global__ void scale(float* y, const float* x, float a, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i];
}

__global__ void noisy(float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  asm volatile("mov.u32 %0, %%laneid;" : "=r"(i));
  if (i < n) y[i] = 1.0f;
}
`;

describe("analyzing a CUDA file", () => {
  it("each __global__ kernel needs a kernel port: translated by c2m kernel, or unsupported with the kernel compiler's codes", async () => {
    const a = await analyzeSource(CUDA, "k.cu", "cuda");
    const compiled = compileKernels(CUDA, { filename: "k.cu" });
    expect(compiled.kernels.map((k) => k.name)).toEqual(["scale"]);
    expect(a.constructs.find((c) => c.name === "scale")).toMatchObject({ category: "kernel", line: 1, endLine: 4 });
    const noisy = a.constructs.find((c) => c.name === "noisy")!;
    expect(noisy).toMatchObject({ category: "unsupported", line: 6, endLine: 10 });
    expect(noisy.codes).toContain("C2M-K004");
    // the failed kernel's 5 lines are not automatic; the translated kernel's 4 are
    expect(a.lines).toEqual({ code: 9, automatic: 4 });
  });

  it("a file without kernels holds nothing to port (no error)", async () => {
    const a = await analyzeSource("int main() { return 0; }\n", "main.cu", "cuda");
    expect(a.status).toBe("empty");
    expect(a.diagnostics).toEqual([]);
  });
});

describe("c2m analyze (CLI)", () => {
  it("on the golden tree: a table by default, JSON, Markdown and SARIF that validates against the 2.1.0 schema", () => {
    // the table and Markdown on one model folder (the same report, printed differently)
    const table = ok("analyze", "golden/models/gpt2");
    expect(table).toMatch(/^file\s+lines\s+auto\s+rule\s+cookbook\s+kernel port\s+unsupported$/m);
    expect(table).toMatch(/golden\/models\/gpt2\/input\.py\s+\d+\s+\d+\.\d%/);
    expect(table).toMatch(/% of \d+ code lines translate automatically/);
    expect(table).toMatch(/^Needs a person:\n  C2M-W\d{3} /m);
    const md = ok("analyze", "golden/models/gpt2", "--md");
    expect(md).toMatch(/^\| file \| code lines \| automatic \| rule \| cookbook \| kernel port \| unsupported \|$/m);
    expect(md).toMatch(/^\| \*\*total\*\* \|/m);
    expect(md).toMatch(/^## Needs a person$/m);

    const json = JSON.parse(ok("analyze", "golden", "--json"));
    const models = json.files.filter((f: { file: string }) => /models\/.*\/input\.py$/.test(f.file));
    expect(models.length).toBe(12);
    // every golden model compiles: each analysis matches a direct compile's records
    for (const f of models) {
      const records = compile(readFileSync(join(root, f.file), "utf8"), { filename: f.file }).constructs;
      expect(f.constructs.length).toBe(records.length);
    }
    const kernels = json.files.filter((f: { file: string }) => /^golden\/kernels\/[a-z_]+\.cu$/.test(f.file));
    expect(kernels.every((f: { counts: { kernel: number } }) => f.counts.kernel >= 1)).toBe(true);
    expect(json.totals.lines.automatic).toBeLessThanOrEqual(json.totals.lines.code);

    const sarif = JSON.parse(ok("analyze", "golden", "--sarif"));
    const validate = sarifValidator();
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(sarif.version).toBe("2.1.0");
    const results = sarif.runs[0].results;
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) expect(sarif.runs[0].tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
  });

  it("on a real package's model folder (transformers llama): completes, SARIF validates, results point at real lines", () => {
    if (!existsSync(join(root, llama))) throw new Error(`${llama} missing: npm run setup:python installs transformers (without importing it)`);
    const r = c2m("analyze", llama, "--sarif");
    expect(r.status).toBe(0);
    const sarif = JSON.parse(r.stdout);
    const validate = sarifValidator();
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const results = sarif.runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[];
    expect(results.length).toBeGreaterThan(0);
    for (const res of results.slice(0, 20)) {
      const loc = res.locations[0].physicalLocation;
      const lines = readFileSync(join(root, decodeURI(loc.artifactLocation.uri)), "utf8").split("\n");
      expect(lines.length).toBeGreaterThanOrEqual(loc.region.startLine);
    }
    expect(results.some((res) => res.locations[0].physicalLocation.artifactLocation.uri.endsWith("modeling_llama.py"))).toBe(true);
  });

  it("names C2M-E043 where the compile does: an installed torch library it cannot translate (transformers loads lazily), folder and file alike", () => {
    if (!existsSync(join(root, llama))) throw new Error(`${llama} missing: npm run setup:python installs transformers (without importing it)`);
    const tree = join(dir, "lazy");
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, "pipe.py"), `import torch\nfrom transformers import CLIPTextModel\n\nmodel = None\n`);
    type Report = { files: { file: string; diagnostics: { code: string; line: number }[] }[] };
    const e043 = (r: Report) => r.files.flatMap((f) => f.diagnostics.filter((d) => d.code === "C2M-E043").map((d) => d.line));
    const compiled = JSON.parse(c2m("compile", tree, "-o", join(dir, "lazy-out"), "--json").stdout) as { files: Report["files"] };
    expect(e043({ files: compiled.files })).toEqual([2]);
    expect(e043(JSON.parse(c2m("analyze", tree, "--json").stdout) as Report)).toEqual([2]);
    expect(e043(JSON.parse(c2m("analyze", join(tree, "pipe.py"), "--json").stdout) as Report)).toEqual([2]);
  });

  it("reports unreadable files and goes on; exit 1 when a file could not be analysed, 2 on usage errors", () => {
    const tree = join(dir, "tree");
    mkdirSync(join(tree, "sub"), { recursive: true });
    writeFileSync(join(tree, "good.py"), MODEL);
    writeFileSync(join(tree, "sub", "binary.py"), Buffer.from([0x69, 0x6d, 0, 1, 2, 0xff]));
    writeFileSync(join(tree, "sub", "latin1.py"), Buffer.from("x = '\xe9'\n", "latin1"));
    writeFileSync(join(tree, "k.cu"), CUDA);
    const r = c2m("analyze", tree, "--json");
    expect(r.status).toBe(1);
    const json = JSON.parse(r.stdout);
    const byName = Object.fromEntries(json.files.map((f: { file: string; status: string; diagnostics: { code: string }[] }) => [f.file.split("/").pop(), f]));
    expect(byName["binary.py"].diagnostics[0].code).toBe("C2M-E002");
    expect(byName["latin1.py"].diagnostics[0].code).toBe("C2M-E002");
    expect(byName["good.py"].status).toBe("ok");
    expect(byName["k.cu"].counts).toMatchObject({ kernel: 1, unsupported: 1 });
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const missing = c2m("analyze", join(dir, "nope"));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/C2M-E004/);
    expect(c2m("analyze", tree, "--json", "--md").status).toBe(2);
    const out = join(dir, "report.sarif");
    expect(c2m("analyze", join(tree, "good.py"), "--sarif", "-o", out).status).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8")).runs[0].results.length).toBeGreaterThan(0);
  });
});
