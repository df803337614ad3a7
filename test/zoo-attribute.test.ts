/**
 * The zoo's attribution (src/tools/zoo/attribute.ts): a failing case is `diagnosed` only when its failure is tied
 * to a diagnostic at the construct that failed. Small fake records for each tie (a placeholder's raise, a
 * traceback frame carried back through a real source map, a weights failure's owner class, an outputs
 * failure's diverging submodule) and for a failure nothing explains, which stays silent with its reason.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../src/compile.js";
import { attribute, placeholderRaise, type EmittedTree, type Failure, type Owner } from "../src/tools/zoo/attribute.js";
import { classify, type CompileRecord, type Diag } from "../src/tools/zoo/classify.js";
import type { ZooCase } from "../src/tools/zoo/cases.js";
import { firstError } from "../src/tools/zoo/report.js";
import { inputLinesPerEmittedLine, markerCodes } from "../src/tools/zoo/sourcemap-lines.js";
import { emittedTree } from "../src/tools/zoo/zoo.js";

const work = mkdtempSync(join(tmpdir(), "c2m-zoo-attr-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const diag = (code: string, line: number, message = "m", file = "pkg/m.py"): Diag => ({
  code,
  severity: code.startsWith("C2M-E") ? "error" : "warning",
  message,
  file,
  line,
  col: 5,
});
/** emitted line n comes from input line n - 10 (the helpers take the first ten) */
const shifted: EmittedTree = { inputLines: (_f, a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i - 10).filter((l) => l > 0), markers: () => [] };
const failure = (over: Partial<Failure>): Failure => ({ stage: "run", error: "ValueError: x", frames: [], owners: [], unwritten: [], ...over });
const frame = (line: number, file = "pkg/m.py") => ({ file, line, endLine: line });

describe("placeholder raises", () => {
  it("read the code and the names from the raise", () => {
    expect(placeholderRaise("NotImplementedError: c2m: torch.unique has no MLX translation (C2M-W041); port it by hand")).toEqual({ code: "C2M-W041", names: ["torch.unique"] });
    expect(placeholderRaise("NotImplementedError: c2m: Net derives from torch.autograd.Function, which has no MLX translation (C2M-E050)")?.names).toEqual([
      "torch.autograd.Function",
    ]);
    expect(placeholderRaise("ValueError: shapes")).toBeNull();
  });

  it("tie to the use's diagnostic naming the name on a frame's line, else to the binding's diagnostic", () => {
    const raise = "NotImplementedError: c2m: torch.unique has no MLX translation (C2M-W041); port it by hand";
    const binding = diag("C2M-W041", 1, "torch is read where c2m has no translation (each use is marked)");
    const use = diag("C2M-W002", 20, "torch.unique has no MLX mapping");
    const unrelated = diag("C2M-E050", 3, "torch.utils.data.Dataset has no MLX translation");
    const tied = attribute(failure({ error: raise, frames: [frame(30)] }), [unrelated, binding, use], shifted);
    expect([tied.diagnostic, tied.construct]).toEqual([use, "torch.unique"]);
    // no frame inside the emitted tree reaches the use: the binding, whose message names `torch`, explains the raise
    expect(attribute(failure({ error: raise }), [unrelated, binding], shifted).diagnostic).toBe(binding);
    // an E050 naming another torch name is not this placeholder's diagnostic
    expect(attribute(failure({ error: raise }), [unrelated], shifted).diagnostic).toBeNull();
  });
});

describe("traceback frames", () => {
  it("carry an emitted line back through the source map to the diagnostic on that input line, innermost frame first", () => {
    const source = [
      "import torch",
      "import torch.nn as nn",
      "",
      "",
      "class M(nn.Module):",
      "    def forward(self, x):",
      "        y = x.triu_(1)",
      "        return torch.special.zeta(y, y)",
      "",
    ].join("\n");
    const compiled = compile(source, { filename: "m.py" });
    const dir = join(work, "out", "pkg");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "m.py"), compiled.code);
    writeFileSync(join(dir, "m.py.map"), JSON.stringify(compiled.map));
    const diags = compiled.diagnostics.map((d) => ({ ...d, file: "pkg/m.py" }) as Diag);
    const zeta = diags.find((d) => d.line === 8);
    expect(zeta?.code).toBe("C2M-W002");
    const emitted = compiled.code.split("\n");
    const zetaLine = emitted.findIndex((l) => l.includes("zeta(")) + 1;
    const callLine = emitted.findIndex((l) => l.includes("def __call__")) + 1;
    const tree = emittedTree(join(work, "out"));
    expect(tree.inputLines("pkg/m.py", zetaLine, zetaLine)).toEqual([8]);
    // the import's line is where c2m pasted its helpers: a helper's line maps to nothing, the import itself does
    const helperLine = emitted.findIndex((l) => l.includes("class Untranslated")) + 1;
    expect(helperLine).toBeGreaterThan(0);
    expect(tree.inputLines("pkg/m.py", helperLine, helperLine)).toEqual([]);
    expect(tree.markers("pkg/m.py", zetaLine)).toEqual(["C2M-W002"]);
    const tied = attribute(failure({ error: "AttributeError: 'array' object has no attribute 'x'", frames: [frame(callLine), frame(zetaLine)] }), diags, tree);
    expect(tied.diagnostic).toEqual(zeta);
    expect(tied.construct).toBe(`pkg/m.py:${zetaLine} (emitted)`);
  });

  it("count errors and the warnings that say the translation may be wrong, never the informational ones", () => {
    const f = failure({ frames: [frame(15), frame(25)] });
    expect(attribute(f, [diag("C2M-W006", 15), diag("C2M-W005", 5)], shifted).diagnostic).toBeNull();
    expect(attribute(f, [diag("C2M-W006", 15), diag("C2M-W007", 5)], shifted).diagnostic?.code).toBe("C2M-W007");
    // the innermost frame wins over an outer one
    expect(attribute(f, [diag("C2M-E025", 5), diag("C2M-W004", 15)], shifted).diagnostic?.code).toBe("C2M-W004");
    // a diagnostic of the same line in another file is not this line's
    expect(attribute(f, [diag("C2M-E025", 15, "m", "pkg/other.py")], shifted).diagnostic).toBeNull();
  });

  it("take a `# c2m: CODE` marker on the emitted line when the map places nothing there", () => {
    expect(markerCodes("    y = f(x)  # c2m: C2M-E025 .triu_ missing; # c2m: C2M-W004 x")).toEqual(["C2M-E025", "C2M-W004"]);
    const tree: EmittedTree = { inputLines: () => [], markers: (_f, l) => (l === 40 ? ["C2M-E025"] : []) };
    expect(attribute(failure({ frames: [frame(40)] }), [], tree).diagnostic?.code).toBe("C2M-E025");
  });

  it("tie an import of a module the compile did not write to the error that stopped it", () => {
    const stop = diag("C2M-E020", 9, "emitted Python does not parse", "pkg/sub.py");
    const f = failure({ stage: "import", error: "ModuleNotFoundError: No module named 'pkg.sub'", unwritten: ["pkg/sub.py"] });
    expect(attribute(f, [stop], shifted).diagnostic).toBe(stop);
  });

  it("let a line c2m inserted inside a function (a layout conversion) stand for the statement after it, never a pasted helper's line", () => {
    const dir = join(work, "inserted", "pkg");
    mkdirSync(dir, { recursive: true });
    const input = "def f(x):\n    y = g(x)\n    return h(y)\n";
    writeFileSync(join(dir, "m.py"), "def c2m_helper(v):\n    return v\n\n\ndef f(x):\n    y = g(x)\n    y = y.transpose(0, 3, 1, 2)\n    return h(y)\n");
    // emitted lines 5, 6 and 8 come from input lines 1, 2 and 3; the helper (1-2) and the transpose (7) from nothing
    writeFileSync(join(dir, "m.py.map"), JSON.stringify({ version: 3, sources: ["m.py"], sourcesContent: [input], names: [], mappings: ";;;;AAAA;AACA;;AACA" }));
    const tree = emittedTree(join(work, "inserted"));
    expect([5, 6, 7, 8].map((l) => tree.inputLines("pkg/m.py", l, l))).toEqual([[1], [2], [], [3]]);
    expect(tree.insertedFor!("pkg/m.py", 7)).toEqual([3]);
    expect(tree.insertedFor!("pkg/m.py", 2)).toEqual([]);
    const w022 = diag("C2M-W022", 3, "the modules this call may reach take different layouts");
    expect(attribute(failure({ frames: [frame(7)] }), [w022], tree).diagnostic).toBe(w022);
    expect(attribute(failure({ frames: [frame(2)] }), [w022], tree).diagnostic).toBeNull();
  });

  it("decode a source map's lines (VLQ, relative source lines)", () => {
    // line 1: input line 1; line 2: none; line 3: input lines 3 and 2
    expect(inputLinesPerEmittedLine("AAAA;;AAEA,EADA")).toEqual([[1], [], [3, 2]]);
  });
});

const owner = (over: Partial<Owner> = {}): Owner => ({
  path: "blocks.0",
  class: "Block",
  file: "pkg/m.py",
  lines: [30, 40],
  attr: "bn1",
  why: "blocks.0.bn1.bias not in the model",
  ...over,
});

describe("weights, outputs and params failures", () => {
  it("a weights failure ties to a weights diagnostic naming the class or attribute, or a build diagnostic inside the class", () => {
    const f = failure({ stage: "weights", error: "ValueError: Received 2 parameters not in model", owners: [owner()] });
    const w015 = diag("C2M-W015", 99, "norm_layer(…): no call site of Block tells what norm_layer is; what it builds is left out of the weight map");
    expect(attribute(f, [w015], shifted).diagnostic).toBe(w015);
    expect(attribute(f, [{ ...w015, file: "pkg/other.py" }], shifted).diagnostic).toBeNull();
    // inside Block (input lines 20-30): layer arguments c2m could not check explain a weight; an op in forward does not
    expect(attribute(f, [diag("C2M-W002", 25), diag("C2M-W022", 26)], shifted).diagnostic).toBeNull();
    expect(attribute(f, [diag("C2M-W002", 25), diag("C2M-W003", 26), diag("C2M-W031", 27)], shifted).diagnostic?.code).toBe("C2M-W031");
    expect(attribute(f, [diag("C2M-W031", 35)], shifted).construct).toMatch(/^no counted diagnostic in Block \(pkg\/m.py:30-40 emitted; blocks.0.bn1.bias not in the model\)$/);
  });

  it("a weights failure ties to an error naming the class that another file's model holds without its rules (C2M-E032)", () => {
    const f = failure({ stage: "weights", error: "ValueError: Received 2 parameters not in model", owners: [owner()] });
    const e032 = diag("C2M-E032", 99, "Block is registered into _block_registry of pkg/byob.py: a model there that builds blocks by name has a weight map without Block's rules");
    expect(attribute(f, [e032], shifted).diagnostic).toBe(e032);
    // another class named: no tie
    expect(attribute(f, [{ ...e032, message: "Other is given to ResNet (pkg/resnet.py) here" }], shifted).diagnostic).toBeNull();
  });

  it("a weights failure ties to C2M-E032 naming a class further up the key's path, in that class's file", () => {
    // timm's skresnet18: the rejected conv belongs to ConvNormAct inside SelectiveKernel inside SelectiveKernelBasic, the block sknet.py gives resnet.py's ResNet
    const above = [
      { class: "SelectiveKernel", file: "pkg/layers/sk.py" },
      { class: "SelectiveKernelBasic", file: "pkg/sknet.py" },
      { class: "ResNet", file: "pkg/resnet.py" },
    ];
    const o = owner({
      class: "ConvNormAct",
      file: "pkg/layers/conv.py",
      attr: "conv",
      why: "layer1.0.conv1.paths.0.conv.weight: shape (64, 32, 3, 3), the model's (64, 3, 3, 32)",
      above,
    });
    const f = failure({ stage: "weights", error: "ValueError: Expected shape", owners: [o] });
    const e032 = {
      ...diag(
        "C2M-E032",
        174,
        "SelectiveKernelBasic is given to ResNet (pkg/resnet.py) here: that model's weight map is emitted with its own file and does not hold SelectiveKernelBasic's rules",
      ),
      file: "pkg/sknet.py",
    };
    const tie = attribute(f, [e032], shifted);
    expect(tie.diagnostic).toBe(e032);
    expect(tie.construct).toMatch(/^SelectiveKernelBasic > ConvNormAct\.conv: /);
    // the same message in a file that is not that class's, or one naming no class above: no tie
    expect(attribute(f, [{ ...e032, file: "pkg/other.py" }], shifted).diagnostic).toBeNull();
    expect(attribute(f, [{ ...e032, message: "Other is given to ResNet (pkg/resnet.py) here" }], shifted).diagnostic).toBeNull();
    // only weights failures look up: an outputs failure does not
    expect(attribute({ ...f, stage: "outputs" }, [e032], shifted).diagnostic).toBeNull();
  });

  it("a params failure ties to a diagnostic of the owner's file naming the key (C2M-E028), not another file's", () => {
    const o = owner({ class: "LM", attr: "lm_head", why: "lm_head.weight trainable here, not a parameter in torch" });
    const f = failure({ stage: "params", error: "3 trainable parameters, torch has 2", owners: [o] });
    const tie = diag("C2M-E028", 99, "LM: lm_head.weight (tied to wte.weight) is tied at run time (_tied_weights_keys)");
    expect(attribute(f, [{ ...tie, file: "pkg/other.py" }], shifted).diagnostic).toBeNull();
    expect(attribute(f, [{ ...tie, file: "pkg/other.py" }, tie], shifted).diagnostic).toBe(tie);
  });

  it("an outputs failure ties to any counted diagnostic inside the first diverging submodule's class", () => {
    const f = failure({ stage: "outputs", error: "output 0: max abs diff 3", owners: [owner({ attr: null, why: "blocks.0 diverges first" })] });
    const w007 = diag("C2M-W007", 22, "unknown callee");
    expect(attribute(f, [diag("C2M-W007", 50), w007], shifted)).toEqual({ diagnostic: w007, construct: "Block: blocks.0 diverges first" });
  });
});

describe("classification with attribution", () => {
  const zooCase: ZooCase = { name: "pkg/m", package: "pkg", module: "pkg.m", build: "M()", inputs: [{ shape: [1] }], ci: false };
  const record = (diagnostics: Diag[]): CompileRecord => ({
    out: "/o",
    seconds: 0,
    diagnostics,
    written: ["pkg/m.py"],
    crash: null,
    pyflakes: null,
    pyflakesAdded: [],
    checks: new Map([["pkg/m.py", { unparsable: null, torchImports: [] }]]),
    analyze: null,
  });
  const judge = (diagnostics: Diag[], frames = [frame(25)]) =>
    classify({
      c: zooCase,
      files: ["pkg/m.py"],
      compile: record(diagnostics),
      setupError: null,
      weightsCrash: null,
      mlx: { stage: "run", error: "ValueError: [conv] channels", where: "pkg/m.py:25", frames },
      tree: shifted,
      seconds: 1,
    });

  it("an error elsewhere in the case's files is a cover, not a diagnosis: silent, with the reason", () => {
    const r = judge([diag("C2M-E050", 3, "torch.utils.data.Dataset has no MLX translation")]);
    expect(r.status).toBe("silent");
    expect(r.diagnostic).toBeNull();
    expect(firstError(r)).toBe("run: ValueError: [conv] channels (pkg/m.py:25); no diagnostic tied: no counted diagnostic on the failing lines (pkg/m.py:25)");
  });

  it("a diagnostic at the failing construct makes the case diagnosed, shown with the construct", () => {
    const r = judge([diag("C2M-E050", 3), diag("C2M-W007", 15, "unknown callee")]);
    expect(r.status).toBe("diagnosed");
    expect(firstError(r)).toBe("C2M-W007 at pkg/m.py:15:5 (pkg/m.py:25 (emitted)); run: ValueError: [conv] channels (pkg/m.py:25)");
  });

  it("a crash with no frames inside the emitted tree stays silent", () => {
    expect(judge([diag("C2M-E050", 15)], []).attribution).toBe("no traceback inside the emitted tree and no emitted class located");
  });
});
