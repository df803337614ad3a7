/**
 * Golden models: each golden/models/<name>/input.py must compile to exactly its expected.py, which a person
 * read and judged. (test/parity.test.ts proves each expected.py numerically against torch on real MLX.)
 * On a mismatch the actual output is written to expected.actual.py beside it, for review — never copied
 * over expected.py by a tool.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { packageRoot } from "../src/python.js";

const goldens = join(packageRoot(), "golden", "models");
const names = readdirSync(goldens)
  .filter((n) => existsSync(join(goldens, n, "input.py")))
  .sort();

function compileGolden(name: string) {
  const dir = join(goldens, name);
  const spec = JSON.parse(readFileSync(join(dir, "parity.json"), "utf8"));
  return compile(readFileSync(join(dir, "input.py"), "utf8"), { filename: "input.py", topClass: spec.class });
}

describe("golden models compile to their reviewed expected.py", () => {
  it("covers the twelve models the issue lists", () => {
    expect(names).toEqual(["cnn_bn", "dcgan_generator", "gpt2", "llama_block", "lstm_lm", "mlp", "mobilenetv2", "resnet18", "transformer_classifier", "unet", "vae", "vit_tiny"]);
  });

  for (const name of names) {
    it(name, () => {
      const dir = join(goldens, name);
      const r = compileGolden(name);
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const expectedPath = join(dir, "expected.py");
      const expected = existsSync(expectedPath) ? readFileSync(expectedPath, "utf8") : "";
      if (r.code !== expected) writeFileSync(join(dir, "expected.actual.py"), r.code);
      expect(r.code).toBe(expected);
      // the diagnostics are part of the reviewed output too
      const diagPath = join(dir, "diagnostics.txt");
      const diags = r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join("\n");
      expect(diags).toBe(existsSync(diagPath) ? readFileSync(diagPath, "utf8").trimEnd() : "");
    });
  }

  it("ResNet-18's emitted forward has at most 2 transposes", () => {
    const r = compileGolden("resnet18");
    const total = Object.values(r.transposes).reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(2);
    expect(r.code.match(/\.transpose\(/g)?.length ?? 0).toBeLessThanOrEqual(2);
  });

  it("compiling is deterministic", () => {
    for (const name of ["resnet18", "gpt2", "unet"]) expect(compileGolden(name).code).toBe(compileGolden(name).code);
  });
});
