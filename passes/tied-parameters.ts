/**
 * A parameter tied to another by assignment (`net[-1].weight = net[0].weight`, PaLM's embedding and logits;
 * `self.lm_head.weight = self.wte.weight`): in torch one tensor under two names. What keeps a port's tie one
 * array: the module holding both (C2MModuleMixin, TiedSequential), and an in-place initialiser run after the tie
 * (`nn.init.normal_(net[0].weight, std=0.02)`) filling the array in place (`t[...] = …`) rather than rebinding one
 * of its two names to a new array.
 *
 * Reads: syntax only (the assignments of a function or class body).
 */
import type { SyntaxNode } from "../grammar/python.js";

/** The name an attribute/subscript chain starts from (`net` of `net[-1].weight`), with how many steps it takes. */
function chainRoot(n: SyntaxNode | null): { root: string; steps: number; last: string } | undefined {
  if (n?.type !== "attribute") return undefined;
  const last = n.childForFieldName("attribute")!.text;
  let steps = 0;
  let at: SyntaxNode = n;
  while (at.type === "attribute" || at.type === "subscript") {
    at = (at.childForFieldName("object") ?? at.childForFieldName("value"))!;
    steps++;
  }
  return at.type === "identifier" ? { root: at.text, steps, last } : undefined;
}

/** Whether assignment `a` ties a child's parameter to another's of the same root (`root` given: that name's). */
export function tiesParameter(a: SyntaxNode, root?: string): boolean {
  const left = chainRoot(a.childForFieldName("left"));
  const right = chainRoot(a.childForFieldName("right"));
  if (!left || !right || left.root !== right.root || (root !== undefined && left.root !== root)) return false;
  return left.steps >= 2 && right.steps >= 2 && left.last === right.last;
}

/** Whether the function around `node` ties a parameter anywhere in its body (an initialiser after the tie). */
export function inTyingScope(node: SyntaxNode): boolean {
  let fn: SyntaxNode | null = node.parent;
  while (fn && fn.type !== "function_definition") fn = fn.parent;
  return !!fn && fn.descendantsOfType("assignment").some((a) => tiesParameter(a));
}
