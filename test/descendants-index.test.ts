/**
 * grammar/syntax-tree.ts: `descendantsOfType` below the root reads the tree's type index once it is made (a
 * subtree is a run of the preorder numbering); it must give what a walk of the subtree gives, in the same order.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseModule, type SyntaxNode } from "../grammar/python.js";
import { packageRoot } from "../src/python.js";

/** The walk `descendantsOfType` makes where there is no index. */
function walked(node: SyntaxNode, types: string[]): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode) => {
    for (const c of n.children) {
      if (types.includes(c.type)) out.push(c);
      visit(c);
    }
  };
  visit(node);
  return out;
}

const goldens = join(packageRoot(), "golden", "models");
const QUERIES = [
  ["identifier"],
  ["call"],
  ["attribute"],
  ["assignment", "augmented_assignment", "for_statement", "as_pattern_target"],
  ["string", "identifier"],
  ["block"],
  ["no_such_type"],
];

describe("descendantsOfType from the index", () => {
  for (const name of readdirSync(goldens).slice(0, 12)) {
    it(name, () => {
      const tree = parseModule(readFileSync(join(goldens, name, "input.py"), "utf8"));
      const nodes: SyntaxNode[] = [];
      const collect = (n: SyntaxNode) => {
        nodes.push(n);
        for (const c of n.children) collect(c);
      };
      collect(tree.rootNode);
      // before the index exists (a walk), then from it: both as the reference walk
      const sample = nodes.filter((_, i) => i % 7 === 0);
      const before = sample.map((n) => QUERIES.map((q) => n.descendantsOfType(q)));
      tree.nodesOfType("identifier");
      sample.forEach((n, i) =>
        QUERIES.forEach((q, j) => {
          const want = walked(n, q);
          expect(before[i][j]).toEqual(want);
          const got = n.descendantsOfType(q.length === 1 ? q[0] : q);
          expect(got.length).toBe(want.length);
          got.forEach((g, k) => expect(g).toBe(want[k]));
        }),
      );
    });
  }
});
