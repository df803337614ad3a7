/**
 * list-boundaries: a list of tensors that crosses a module boundary holds them in torch's layout. A module's forward
 * reads the items of a list parameter as torch-layout tensors (`self.conv1(x[0])` converts x[0] to channels-last), so
 * a caller passing `[x, skip]` of channels-last values (timm's selecsls `self.features([x])`, dla's
 * `self.root([x2, x1] + children)`) converts each item first. The function-body walk (passes/walk/layout-conversion.ts)
 * asks this file how a list expression is taken apart; it converts the items.
 *
 * Reads: the expression's syntax and the translator's values. Writes: nothing (the rebuilt text is returned).
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { Gen } from "./walk/types.js";

/**
 * `a + b` of lists (`[x2, x1] + children`): each operand given to `each` (which converts the items it can), the
 * text rebuilt around them. Undefined for any other expression.
 */
export function listConcatenation(g: Gen, node: SyntaxNode, each: (g: Gen, n: SyntaxNode) => Gen, expr: (n: SyntaxNode) => Gen): Gen | undefined {
  if (g.v.k !== "list" || node.type !== "binary_operator" || node.childForFieldName("operator")?.text !== "+") return undefined;
  const left = node.childForFieldName("left")!;
  const right = node.childForFieldName("right")!;
  const [l, r] = [each(expr(left), left), each(expr(right), right)];
  const src = node.tree.source;
  const text = l.text + src.slice(left.endIndex, right.startIndex) + r.text;
  const items = l.v.k === "list" && r.v.k === "list" && l.v.items && r.v.items ? [...l.v.items, ...r.v.items] : null;
  return { v: items ? { k: "list", items } : g.v, text };
}
