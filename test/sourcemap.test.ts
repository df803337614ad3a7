import MagicString from "magic-string";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hiresSourceMap } from "../emit/sourcemap.js";

// emit/sourcemap.ts writes magic-string's hires map itself (faster): it must be the same map, byte for byte
describe("hiresSourceMap", () => {
  const cases: [string, (s: MagicString) => void][] = [
    ["no edits", () => {}],
    [
      "overwrite, insert, remove, prepend, append",
      (s) => {
        s.overwrite(10, 20, "x = mx.array(1)\n    y = 2", { contentOnly: true });
        s.appendLeft(30, "  # c2m: C2M-W001 marker");
        s.remove(40, 55);
        s.overwrite(60, 61, "", { contentOnly: true });
        s.prepend("import mlx.core as mx\n");
        s.append("\n\nC2M_WEIGHT_MAPS = {}\n");
      },
    ],
    [
      "edit ending in a newline, unicode",
      (s) => {
        s.overwrite(0, 5, "héllo\n", { contentOnly: true });
        s.appendLeft(70, "\n\n    def sanitize(self, weights):\n        return weights");
      },
    ],
  ];
  const dir = join(__dirname, "..", "golden", "models");
  for (const model of readdirSync(dir).slice(0, 3)) {
    const source = readFileSync(join(dir, model, "input.py"), "utf8");
    for (const [name, edit] of cases) {
      it(`${model}: ${name}`, () => {
        const a = new MagicString(source);
        const b = new MagicString(source);
        edit(a);
        edit(b);
        const expected = a.generateMap({ hires: true, source: `/abs/${model}.py`, includeContent: true }).toString();
        expect(hiresSourceMap(b, `/abs/${model}.py`).toString()).toBe(expected);
      });
    }
  }
});
