/**
 * The emitter parses its output by re-parsing the input's tree with the edits magic-string made
 * (emit/sourcemap.ts textEdits, grammar/python.ts reparsePython): the tree must be the one a fresh parse makes.
 */
import MagicString from "magic-string";
import fc from "fast-check";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { changedSpan, parsePython, reparsePython, type NativeTree } from "../grammar/python.js";
import { textEdits } from "../emit/sourcemap.js";

/** Every node's type, span and field, in document order. */
function shape(tree: NativeTree): string[] {
  const out: string[] = [];
  const c = tree.walk();
  for (;;) {
    out.push(`${c.nodeType}:${c.startIndex}-${c.endIndex}:${c.currentFieldName ?? ""}`);
    if (c.gotoFirstChild()) continue;
    while (!c.gotoNextSibling()) if (!c.gotoParent()) return out;
  }
}

function reparsed(source: string, edit: (s: MagicString) => void): { fresh: string[]; incremental: string[] } {
  const s = new MagicString(source);
  edit(s);
  const text = s.toString();
  const edits = textEdits(s, text.length);
  expect(edits).toBeDefined();
  return { fresh: shape(parsePython(text)), incremental: shape(reparsePython(parsePython(source), source, text, edits!)) };
}

describe("the output's tree, re-parsed from the input's", () => {
  const dir = join(__dirname, "..", "golden", "models");
  for (const model of readdirSync(dir)) {
    const source = readFileSync(join(dir, model, "input.py"), "utf8");
    it(`${model}: torch names, imports, a line removed, text prepended and appended`, () => {
      const { fresh, incremental } = reparsed(source, (s) => {
        for (const m of source.matchAll(/\btorch\.nn\.functional\b|\btorch\b|\bforward\b/g)) s.overwrite(m.index!, m.index! + m[0].length, m[0] === "forward" ? "__call__" : "mx");
        const line = source.indexOf("\n    ", source.length >> 1);
        if (line > 0) s.remove(line, source.indexOf("\n", line + 1));
        s.prepend("import mlx.core as mx\nimport mlx.nn as nn\n\n\ndef c2m_helper(x):\n    return x\n\n");
        s.append('\n\nC2M_WEIGHT_MAPS = {\n    "Net": [],\n}\n');
      });
      expect(incremental).toEqual(fresh);
    });
  }

  it("random edits of a small module (replace, insert, remove), then a second re-parse by the changed span", () => {
    const source = readFileSync(join(dir, "mlp", "input.py"), "utf8");
    const pieces = ["x", " ", "\n", "    ", "(", ")", "mx.array(1)", "# c2m: note\n", "pass\n", ":", "'s'", "def f():\n    return 1\n"];
    const edit = fc.record({ at: fc.nat(source.length), len: fc.nat(12), text: fc.array(fc.constantFrom(...pieces), { maxLength: 4 }) });
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 8 }), fc.array(edit, { maxLength: 3 }), (first, second) => {
        const s = new MagicString(source);
        let lastEnd = -1;
        for (const e of [...first].sort((a, b) => a.at - b.at)) {
          const start = Math.max(e.at, lastEnd);
          const end = Math.min(source.length, start + e.len);
          if (start >= source.length) break;
          if (end > start) s.overwrite(start, end, e.text.join(""));
          else s.appendLeft(start, e.text.join(""));
          lastEnd = end;
        }
        const text = s.toString();
        const once = reparsePython(parsePython(source), source, text, textEdits(s, text.length)!);
        if (shape(once).join("|") !== shape(parsePython(text)).join("|")) return false;
        // the emitter's second read: what changed since the first, as one span
        let again = text;
        for (const e of second) {
          const at = Math.min(e.at, again.length);
          again = again.slice(0, at) + e.text.join("") + again.slice(Math.min(again.length, at + e.len));
        }
        return shape(reparsePython(once, text, again, changedSpan(text, again))).join("|") === shape(parsePython(again)).join("|");
      }),
      { numRuns: 150, seed: 13 },
    );
  });
});
