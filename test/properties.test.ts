/**
 * Properties of the compiler on generated and mutated inputs: it never throws, its output is
 * deterministic, and whatever it writes parses as Python without error nodes.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { firstError, parsePython } from "../grammar/python.js";
import { packageRoot } from "../src/python.js";
import { OUTPUT_INVARIANT_CODES } from "../emit/verify/index.js";

/**
 * An error that stopped the compile leaves no code; an output-invariant error (emit/verify) keeps the code
 * with a marker for each. True when the output is not expected to be clean.
 */
function stoppedOrMarked(r: { code: string; diagnostics: { code: string; severity: string }[] }): boolean {
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.some((d) => !OUTPUT_INVARIANT_CODES.has(d.code))) {
    expect(r.code).toBe("");
    return true;
  }
  for (const d of errors) expect(r.code).toContain(`c2m: ${d.code}`);
  // an output that fails only names or attributes still parses
  if (!errors.some((d) => d.code === "C2M-E020")) expect(firstError(parsePython(r.code).rootNode)).toBeUndefined();
  return errors.length > 0;
}

const RUNS = Number(process.env.C2M_PROPERTY_RUNS ?? 300);
const goldens = join(packageRoot(), "golden", "models");
const sources = readdirSync(goldens).map((n) => readFileSync(join(goldens, n, "input.py"), "utf8"));

const TOKENS = [
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
  "conv",
  "=",
  "nn.Conv2d(3, 8, 3)",
  "nn.Sequential(",
  ")",
  "(",
  "[",
  "]",
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
  "for i in range(2)",
  "super().__init__()",
  "x.shape",
  "B, C, H, W",
  "#",
  '"""doc"""',
  "nn.Linear(4, 4)",
  "lambda",
  "yield",
  "await",
  "nn.LSTM(4, 8, batch_first=True)",
  "x[:, 0]",
  "x[x > 0] = 0",
];

/** A golden input with a random edit: a slice cut out, a line duplicated, or the file truncated. */
const mutated = fc.record({ src: fc.constantFrom(...sources), a: fc.nat(), b: fc.nat(), kind: fc.constantFrom("cut", "dup", "truncate") }).map(({ src, a, b, kind }) => {
  const i = a % (src.length + 1);
  const j = Math.min(src.length, i + (b % 400));
  if (kind === "cut") return src.slice(0, i) + src.slice(j);
  if (kind === "truncate") return src.slice(0, i);
  const lines = src.split("\n");
  const k = a % lines.length;
  return [...lines.slice(0, k + 1), lines[k], ...lines.slice(k + 1)].join("\n");
});

const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join(" "));

function checkCompile(src: string): void {
  const r = compile(src, { filename: "gen.py" });
  const again = compile(src, { filename: "gen.py" });
  expect(again.code).toBe(r.code);
  expect(again.diagnostics).toEqual(r.diagnostics);
  if (stoppedOrMarked(r)) return;
  const err = firstError(parsePython(r.code).rootNode);
  if (err) throw new Error(`output does not parse at ${err.startPosition.row + 1}:${err.startPosition.column + 1}:\n${r.code}`);
}

describe("compiler properties", () => {
  it("never throws, is deterministic, and emits parseable Python — arbitrary text", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), checkCompile), { numRuns: RUNS, seed: 1 });
  });
  it("… token soups", () => {
    fc.assert(fc.property(soup, checkCompile), { numRuns: RUNS, seed: 2 });
  });
  it("… mutated real model files", () => {
    fc.assert(fc.property(mutated, checkCompile), { numRuns: RUNS, seed: 3 });
  });
  it("compiling the output of a compile is stable (nothing torch is left to rewrite)", () => {
    for (const src of sources) {
      const once = compile(src).code;
      const twice = compile(once).code;
      expect(twice.replace(/\n\n# c2m: torch state_dict[\s\S]*$/, "")).toBe(once.replace(/\n\n# c2m: torch state_dict[\s\S]*$/, ""));
    }
  });
});
