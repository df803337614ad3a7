/**
 * grammar/incremental.ts: the plain copy of an edited text that takes the untouched subtrees from the old plain
 * tree must be the whole copy's tree (types, spans, fields, parents); emit/magic-edits.ts must read a
 * MagicString's edits so that they rebuild its text.
 */
import { describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import MagicString from "magic-string";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseModule, parsePython, type SyntaxNode } from "../grammar/python.js";
import { plainTreeEdited, type TextEdit } from "../grammar/incremental.js";
import { SyntaxNode as Node } from "../grammar/syntax-tree.js";
import { editsOf } from "../emit/magic-edits.js";
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

/** What the emitter's edits look like: names, calls, markers, lines inserted and removed, brackets, strings. */
const SNIPPETS = ["", "x", "__call__", "mx.concatenate", "  # c2m: C2M-W001 marker", "\n    y = 1\n", "\n", "(", ")", "'s'", '"""doc', ", axis=-1", "pass", ":", "\\\n", "x", "y"];

const editArb = fc.record({
  at: fc.nat(),
  length: fc.nat(12),
  kind: fc.constantFrom("overwrite", "appendLeft", "remove", "prepend", "append"),
  text: fc.constantFrom(...SNIPPETS),
});

/** `source` through a MagicString with the edits that apply (overlapping overwrites are skipped, as magic-string refuses them). */
function edited(source: string, edits: { at: number; length: number; kind: string; text: string }[]): MagicString {
  const s = new MagicString(source);
  for (const e of edits) {
    const start = e.at % source.length;
    const end = Math.min(source.length, start + Math.max(1, e.length));
    try {
      if (e.kind === "overwrite") s.overwrite(start, end, e.text || "z");
      else if (e.kind === "appendLeft") s.appendLeft(start, e.text);
      else if (e.kind === "remove") s.remove(start, end);
      else if (e.kind === "prepend") s.prepend(e.text);
      else s.append(e.text);
    } catch {
      // an overwrite across an earlier one's split: not an edit the emitter makes
    }
  }
  return s;
}

function rebuilt(source: string, edits: readonly TextEdit[]): string {
  let out = "";
  let at = 0;
  for (const e of edits) {
    out += source.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + source.slice(at);
}

describe("plainTreeEdited", () => {
  it("gives the whole copy's tree after the edits a MagicString holds", () => {
    let compared = 0;
    const clone = vi.spyOn(Node, "clone");
    let cloned = 0;
    fc.assert(
      fc.property(fc.nat(sources.length - 1), fc.array(editArb, { minLength: 1, maxLength: 6 }), (which, edits) => {
        const source = sources[which];
        const s = edited(source, edits);
        const text = s.toString();
        const found = editsOf(s, text)!;
        expect(rebuilt(source, found)).toBe(text);
        const native = parsePython(text);
        if (native.rootNode.hasError) return;
        compared++;
        const copy = plainTreeEdited(native, text, parseModule(source), found);
        expect(difference(copy.rootNode, parseModule(text).rootNode)).toBe("");
      }),
      { numRuns: 300, seed: 9 },
    );
    cloned = clone.mock.calls.length;
    clone.mockRestore();
    // a property that compares nothing is no test: many edits leave a text that parses, and much of it is reused
    expect(compared).toBeGreaterThan(50);
    expect(cloned).toBeGreaterThan(compared);
  });

  it("copies the untouched subtrees from the old tree, shifted, and walks the edited ones", () => {
    const source = "import torch\n\n\nclass A(nn.Module):\n    def forward(self, x):\n        return torch.cat([x, x], dim=1)\n\n    def other(self):\n        return 1\n";
    const s = new MagicString(source);
    s.overwrite(source.indexOf("forward"), source.indexOf("forward") + 7, "__call__");
    const text = s.toString();
    const clone = vi.spyOn(Node, "clone");
    const copy = plainTreeEdited(parsePython(text), text, parseModule(source), editsOf(s, text)!);
    expect(difference(copy.rootNode, parseModule(text).rootNode)).toBe("");
    const taken = clone.mock.calls.map(([n]) => n.text);
    clone.mockRestore();
    // the import and the other method are taken whole; the renamed method's parameters and body too
    expect(taken).toEqual(expect.arrayContaining(["import torch", "def other(self):\n        return 1", "(self, x)", "return torch.cat([x, x], dim=1)"]));
    expect(taken.some((t) => t.includes("def forward"))).toBe(false);
  });
});

describe("editsOf", () => {
  it("reads prepends, appends, inserts, overwrites and removals as sorted replacements", () => {
    const s = new MagicString("abcdef");
    s.prepend("<");
    s.append(">");
    s.overwrite(1, 3, "XY");
    s.appendLeft(4, "+");
    s.remove(5, 6);
    const text = s.toString();
    expect(text).toBe("<aXYd+e>");
    expect(editsOf(s, text)).toEqual([
      { start: 0, end: 0, text: "<" },
      { start: 1, end: 3, text: "XY" },
      { start: 4, end: 4, text: "+" },
      { start: 5, end: 6, text: ">" },
    ]);
  });
});
