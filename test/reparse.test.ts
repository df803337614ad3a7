/**
 * grammar/reparse.ts: a text parsed again after edits, only the statements the edits touch parsed, must give
 * the tree a whole parse gives (types, spans, fields, parents), or nothing (the caller then parses it whole).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseModule, type SyntaxNode } from "../grammar/python.js";
import { reparseEdited } from "../grammar/reparse.js";
import { packageRoot } from "../src/python.js";

/** The first difference between two trees, as a path; "" when they are the same. */
function difference(a: SyntaxNode, b: SyntaxNode, path = ""): string {
  const here = `${path}/${a.type}@${a.startIndex}-${a.endIndex}`;
  if (a.type !== b.type || a.startIndex !== b.startIndex || a.endIndex !== b.endIndex) return `${here} vs ${b.type}@${b.startIndex}-${b.endIndex}`;
  if (a.fieldName !== b.fieldName || a.isNamed !== b.isNamed || a.isMissing !== b.isMissing || a.hasError !== b.hasError) return `${here}: flags`;
  if (a.text !== b.text) return `${here}: text`;
  if (a.children.length !== b.children.length) return `${here}: ${a.children.length} children vs ${b.children.length}`;
  for (let i = 0; i < a.children.length; i++) {
    const k = a.children[i];
    if (k.parent !== a || k.tree !== a.tree) return `${here}: child ${i} not linked to it`;
    const d = difference(k, b.children[i], here);
    if (d) return d;
  }
  return "";
}

const goldens = join(packageRoot(), "golden", "models");
const sources = readdirSync(goldens).map((n) => readFileSync(join(goldens, n, "input.py"), "utf8"));

/** Lines an edit inserts: statements, comments and continuations at the top level and inside blocks. */
const INSERTED = [
  "import os",
  "",
  "# a comment at the top level",
  "    # a comment in a block",
  "    y = 2",
  "@decorator",
  "else:",
  "        z = 3  # deep",
  "x = (",
  ")",
  "def f():",
];

const edit = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom("remove", "insert", "append", "backslash"),
  line: fc.constantFrom(...INSERTED),
});

function applyEdits(source: string, edits: { at: number; kind: string; line: string }[]): string {
  const lines = source.split("\n");
  for (const e of edits) {
    const i = e.at % lines.length;
    if (e.kind === "remove") lines.splice(i, 1);
    else if (e.kind === "insert") lines.splice(i, 0, e.line);
    else if (e.kind === "append") lines[i] += "  # appended";
    else lines[i] += " \\";
  }
  return lines.join("\n");
}

describe("reparseEdited", () => {
  it("gives the whole parse's tree after edits near each other (or nothing)", () => {
    let compared = 0;
    fc.assert(
      fc.property(fc.nat(sources.length - 1), fc.nat(), fc.array(edit, { minLength: 1, maxLength: 3 }), (which, at, edits) => {
        const source = sources[which];
        // edits within a few lines of each other: the emitter's edits after its first read sit together
        const text = applyEdits(
          source,
          edits.map((e) => ({ ...e, at: at + (e.at % 20) })),
        );
        const whole = parseModule(text);
        const again = reparseEdited(parseModule(source), text);
        if (!again) return;
        compared++;
        expect(whole.rootNode.hasError).toBe(false);
        expect(difference(again.rootNode, whole.rootNode)).toBe("");
      }),
      { numRuns: 400, seed: 13 },
    );
    // a property that compares nothing is no test: most edits leave a text that parses
    expect(compared).toBeGreaterThan(150);
  });

  it("moves the untouched statements and parses only the stretch between them", () => {
    const source = "import torch\n\n\ndef f(x):\n    return x\n\n\nclass A:\n    pass\n";
    const old = parseModule(source);
    const [imp, f, cls] = old.rootNode.children;
    const text = source.replace("return x", "y = x\n    return y");
    const again = reparseEdited(old, text)!;
    expect(difference(again.rootNode, parseModule(text).rootNode)).toBe("");
    // the import and the class are the old nodes, moved; the function is parsed again
    expect(again.rootNode.children[0]).toBe(imp);
    expect(again.rootNode.children[2]).toBe(cls);
    expect(again.rootNode.children[1]).not.toBe(f);
    expect(cls.startIndex).toBe(text.indexOf("class A"));
    expect(cls.text).toBe("class A:\n    pass");
  });

  it("gives nothing where the stretch has a syntax error", () => {
    const source = "x = 1\n\ny = 2\n";
    expect(reparseEdited(parseModule(source), "x = 1\n\ny = (\n")).toBeUndefined();
  });
});
