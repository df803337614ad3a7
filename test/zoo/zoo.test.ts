/**
 * The zoo's CI subset (cases with "ci": true in test/zoo/cases/*.json), run through the real CLI against real
 * torch and MLX: no case may end worse than test/zoo/baseline.json records (parity > diagnosed > silent,
 * internal, unparsable), and no reference side may fail. The baseline ratchets up as the compiler improves:
 * `npm run zoo -- --ci --write-baseline`, then read the diff. Also the classification and report rules.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeVerdicts, disagreement } from "../../src/tools/zoo/agreement.js";
import type { EmittedTree } from "../../src/tools/zoo/attribute.js";
import { classify, type CaseResult, type CompileRecord, type FileCheck, type Status } from "../../src/tools/zoo/classify.js";
import { loadCases, type ZooCase } from "../../src/tools/zoo/cases.js";
import { caseLine, failureClass, failuresMarkdown, pyflakesLine, regressions, summaryLine } from "../../src/tools/zoo/report.js";
import { runZoo } from "../../src/tools/zoo/zoo.js";
import type { MlxRecord } from "../../src/tools/zoo/zoo.js";
import { packageRoot } from "../../src/python.js";

const root = packageRoot();
const baseline = JSON.parse(readFileSync(join(root, "test/zoo/baseline.json"), "utf8")) as Record<string, Status>;
const cases = loadCases();

describe("zoo case tables", () => {
  it("hold ≥ 100 cases across the four packages, each table large enough, with a CI subset of ≥ 25", () => {
    const per = (p: string) => cases.filter((c) => c.package === p);
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(per("torchvision").length).toBeGreaterThanOrEqual(25);
    expect(per("timm").length).toBeGreaterThanOrEqual(30);
    expect(per("transformers").length).toBeGreaterThanOrEqual(20);
    expect(per("diffusers").length).toBeGreaterThanOrEqual(4);
    const ci = cases.filter((c) => c.ci);
    expect(ci.length).toBeGreaterThanOrEqual(25);
    expect(new Set(ci.map((c) => c.package))).toEqual(new Set(cases.map((c) => c.package)));
  });

  it("vendor real model code from ≥ 8 GitHub repositories (github table), each folder with its LICENSE and a README naming the commit", () => {
    const github = cases.filter((c) => c.package === "github");
    expect(github.length).toBeGreaterThanOrEqual(15);
    const tops = [...new Set(github.map((c) => c.module.split(".")[0]))];
    expect(tops.length).toBeGreaterThanOrEqual(8);
    for (const top of tops) {
      const folder = join(github[0].root!, top);
      expect(existsSync(join(folder, "LICENSE")), `${folder}/LICENSE`).toBe(true);
      expect(readFileSync(join(folder, "README.md"), "utf8")).toMatch(/github\.com\/[\w.-]+\/[\w.-]+ at commit [0-9a-f]{40}/);
    }
  });

  it("has a baseline entry for every case", () => {
    expect(cases.filter((c) => !(c.name in baseline)).map((c) => c.name)).toEqual([]);
  });
});

// ------------------------------------------------------------------------------ classification rules

const zooCase: ZooCase = { name: "pkg/m", package: "pkg", module: "pkg.m", build: "M()", inputs: [{ shape: [1] }], ci: false };
const clean: FileCheck = { unparsable: null, torchImports: [] };
const compileRecord = (over: Partial<CompileRecord> = {}): CompileRecord => ({
  out: "/o",
  seconds: 0,
  diagnostics: [],
  written: ["pkg/m.py", "pkg/other.py"],
  crash: null,
  pyflakes: new Map([
    ["pkg/m.py", { total: 2, added: 1, silent: 1 }],
    ["pkg/other.py", { total: 5, added: 3, silent: 0 }],
  ]),
  pyflakesAdded: [
    { file: "pkg/m.py", code: "F401", name: "mlx.nn", line: 2, col: 8, message: "`mlx.nn` imported but unused", marked: false },
    { file: "pkg/other.py", code: "F821", name: "torch", line: 4, col: 1, message: "Undefined name `torch`", marked: true },
  ],
  checks: new Map([
    ["pkg/m.py", clean],
    ["pkg/other.py", { unparsable: { line: 1, message: "SyntaxError: x" }, torchImports: [] }],
  ]),
  analyze: null,
  ...over,
});
const mlxRecord = (over: Partial<MlxRecord> = {}): MlxRecord => ({ stage: null, outputs: [{ shape: [1], maxAbs: 1e-6 }], ...over });
const judge = (compile: CompileRecord, mlx: MlxRecord | null, extra: { setupError?: string; weightsCrash?: string } = {}, tree?: EmittedTree): CaseResult =>
  classify({ c: zooCase, files: ["pkg/m.py"], compile, setupError: extra.setupError ?? null, weightsCrash: extra.weightsCrash ?? null, mlx, tree, seconds: 1 });
const err = (code: string, file = "pkg/m.py") => ({ code, severity: "error" as const, message: "m", file, line: 3, col: 5 });

describe("zoo classification", () => {
  it("parity only when the MLX side passed every stage; pyflakes counts only the case's files", () => {
    const r = judge(compileRecord(), mlxRecord());
    expect(r.status).toBe("parity");
    expect([r.ruff, r.pyflakesAdded, r.pyflakesSilent]).toEqual([2, 1, 1]);
    expect(r.pyflakesNew).toEqual([{ file: "pkg/m.py", code: "F401", name: "mlx.nn", line: 2, marked: false }]);
    expect(caseLine(r)).toMatch(/F2 +\+F1 /);
    expect(pyflakesLine([r, { ...r, name: "pkg/m2" }])).toBe(
      "pyflakes: 1 findings c2m added to the emitted files (not in the input file), 1 of them on statements without a c2m marker",
    );
    expect(r.maxAbs).toBe(1e-6);
  });
  it("a failure after a clean compile is silent; diagnosed only when an error diagnostic is tied to the failing line (test/zoo-attribute.test.ts has the rest)", () => {
    const failed = mlxRecord({ stage: "import", error: "NameError: name 'torch' is not defined", where: "pkg/m.py:4", frames: [{ file: "pkg/m.py", line: 4, endLine: 4 }] });
    expect(judge(compileRecord(), failed).status).toBe("silent");
    expect(judge(compileRecord({ diagnostics: [err("C2M-E001", "pkg/elsewhere.py")] }), failed).status).toBe("silent");
    // an error of the case's file on another line than the failure's is a cover, not a diagnosis
    expect(judge(compileRecord({ diagnostics: [err("C2M-E001")] }), failed).status).toBe("silent");
    const oneToOne: EmittedTree = { inputLines: (_f, a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i), markers: () => [] };
    const d = judge(compileRecord({ diagnostics: [{ ...err("C2M-E001"), line: 4 }] }), failed, {}, oneToOne);
    expect(d.status).toBe("diagnosed");
    expect(caseLine(d)).toContain("C2M-E001 at pkg/m.py:4:5 (pkg/m.py:4 (emitted)); import: NameError");
  });
  it("C2M-E006, a crashed compile or weights converter is internal; a file that does not parse is unparsable", () => {
    expect(judge(compileRecord({ diagnostics: [err("C2M-E006")] }), mlxRecord()).status).toBe("internal");
    expect(judge(compileRecord({ crash: "c2m compile exited 134" }), null).status).toBe("internal");
    expect(judge(compileRecord(), mlxRecord(), { weightsCrash: "c2m weights exited 3" }).status).toBe("internal");
    const u = judge(compileRecord({ checks: new Map([["pkg/m.py", { unparsable: { line: 2, message: "SyntaxError: x" }, torchImports: [] }]]) }), mlxRecord());
    expect(u.status).toBe("unparsable");
    expect(u.where).toBe("pkg/m.py:2");
  });
  it("an emitted torch import fails a case even when the run never reached it", () => {
    const r = judge(compileRecord({ checks: new Map([["pkg/m.py", { unparsable: null, torchImports: [{ line: 7, text: "import torch" }] }]]) }), mlxRecord());
    expect([r.status, r.stage, r.where]).toEqual(["silent", "torch-import", "pkg/m.py:7"]);
  });
  it("a failing reference is a setup failure, never counted as the compiler's", () => {
    const r = judge(compileRecord(), null, { setupError: "torch: TypeError" });
    expect(r.status).toBe("setup");
    expect(summaryLine([r])).toContain("1 setup");
  });
  it("reports regressions against the baseline and groups failures by class", () => {
    const silent = judge(compileRecord(), mlxRecord({ stage: "run", error: "ValueError: bad" }));
    expect(regressions([silent], { "pkg/m": "diagnosed" })).toHaveLength(1);
    expect(regressions([silent], { "pkg/m": "internal" })).toEqual([]);
    expect(failureClass(silent)).toBe("silent: ValueError at run");
    expect(failuresMarkdown([silent])).toContain("| 1 | silent: ValueError at run | pkg/m |");
    expect(summaryLine([silent])).toBe("zoo: 0/1 parity, 1 silent, 0 internal errors, 0 unparsable, 0 diagnosed");
  });
});

const cli = join(root, "dist/src/cli.js");
const work = mkdtempSync(join(tmpdir(), "c2m-zoo-ci-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// ------------------------------------------------------------------------------ c2m analyze against the compile

describe("c2m analyze agrees with the compile, file by file", () => {
  it("a file analyze calls automatic compiled without an error; each error code the compile gave is one analyze names", () => {
    const verdict = (automatic: boolean, codes: string[] = []) => ({ status: "ok", automatic, codes });
    expect(disagreement([], verdict(true))).toBeNull();
    expect(disagreement([], verdict(false, ["C2M-W002"]))).toBeNull();
    expect(disagreement(["C2M-E027"], verdict(false, ["C2M-E027"]))).toBeNull();
    expect(disagreement(["C2M-E027"], verdict(true))).toBe("analyze: translates automatically; compile: C2M-E027");
    expect(disagreement(["C2M-E027"], verdict(false, ["C2M-E022"]))).toMatch(/^compile: C2M-E027, which analyze does not name/);
    expect(disagreement([], undefined)).toBe("analyze did not report the file");
  });

  it.skipIf(!existsSync(cli))("on a folder: analyze runs the folder's compile (a relative import of a module the folder lacks is C2M-E027 in both)", () => {
    const dir = join(work, "agree", "pkg");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "__init__.py"), "");
    writeFileSync(join(dir, "clean.py"), "import torch\n\n\ndef f(x):\n    return torch.relu(x)\n");
    // only a folder compile knows `.absent` is not a module of the package
    writeFileSync(join(dir, "lost.py"), "import torch\n\nfrom .absent import helper\n\n\ndef g(x):\n    return helper(torch.relu(x))\n");
    const compiled = JSON.parse(spawnSync(process.execPath, [cli, "compile", dir, "-o", join(work, "agree", "out"), "--json"], { encoding: "utf8" }).stdout) as {
      files: { input: string; diagnostics: { code: string; severity: string }[] }[];
    };
    const report = join(work, "agree", "analyze.json");
    spawnSync(process.execPath, [cli, "analyze", dir, "--json", "-o", report]);
    const verdicts = analyzeVerdicts(JSON.parse(readFileSync(report, "utf8")).files, dir);
    const rows = compiled.files.map((f) => {
      const rel = relative(dir, f.input);
      const errors = f.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
      return [rel, errors, verdicts.get(rel)?.automatic, disagreement(errors, verdicts.get(rel))];
    });
    expect(rows).toEqual([
      ["__init__.py", [], true, null],
      ["clean.py", [], true, null],
      ["lost.py", ["C2M-E027"], false, null],
    ]);
  });
});

// ------------------------------------------------------------------------------ the CI subset, for real

describe("zoo instrument", () => {
  it.skipIf(!existsSync(cli))(
    "brings a two-file package that c2m translates to parity, with torch blocked on the MLX side; compares every output",
    async () => {
      const fixture = join(root, "test/zoo/fixture");
      const results = await runZoo(loadCases(fixture), { work: join(work, "fixture"), timeout: 120, pythonPath: [fixture] });
      expect(results.map((r) => [r.name, r.status, r.files, r.error])).toEqual([
        ["zoofixture/tiny", "parity", 3, null],
        ["zoofixture/tiny_wide", "parity", 3, null],
        // the same port held to a tolerance nothing meets: the comparison really runs, and a clean compile that fails is silent
        ["zoofixture/tiny_no_tolerance", "silent", 3, expect.stringMatching(/^output 0: max abs diff/)],
      ]);
      for (const r of results) expect(r.maxAbs).toBeLessThan(1e-4);
      expect(results[2].stage).toBe("outputs");
      // c2m adds no pyflakes finding, and c2m analyze agrees with the compile on every file
      expect(results.map((r) => [r.pyflakesAdded, r.analyzeFiles?.length, r.analyzeDisagrees])).toEqual(results.map(() => [0, 3, []]));
    },
    120_000,
  );
});

describe("zoo CI subset", () => {
  it.skipIf(!existsSync(cli))(
    "no case ends worse than the baseline",
    async () => {
      const ci = cases.filter((c) => c.ci);
      // analyze's agreement is checked on the fixture and a folder above; here it would double the compile time
      const results = await runZoo(ci, { work, timeout: 120, analyze: false });
      const report = results.map(caseLine).join("\n");
      expect(results.map((r) => r.name)).toEqual(ci.map((c) => c.name));
      expect(regressions(results, baseline), `${report}\n${summaryLine(results)}`).toEqual([]);
      // c2m adds no pyflakes finding to any emitted file of the subset: ruff on each emitted file against its input file
      if (results.some((r) => r.ruff !== null)) {
        // the emitted files do carry findings (their inputs'): the comparison compares something
        expect(Math.max(...results.map((r) => r.ruff ?? 0))).toBeGreaterThan(0);
        const added = new Set(results.flatMap((r) => (r.pyflakesNew ?? []).map((f) => `${r.package}: ${f.file}:${f.line} ${f.code} ${f.name}`)));
        expect([...added]).toEqual([]);
      }
    },
    // about 70 s of CPU; the limit leaves room for a loaded machine
    600_000,
  );
});
