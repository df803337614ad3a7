/**
 * loop-targets: which module a loop target of a forward holds when the loop pairs containers up,
 * `for conv, norm in zip(self.convs, self.norms)` or `for i, layer in enumerate(self.features)`: zip pairs the
 * elements of its arguments, enumerate an index with the elements of its one argument, and the module tree
 * says what each `self.<attr>` holds. Where a target comes from an attribute of self the module tree cannot
 * type and the loop body calls it, c2m cannot tell a module (which may take channels-last) from a function
 * (which takes torch's layout): that call is reported (C2M-W045), never guessed silently.
 */
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";

/** The builtins that pair what they iterate: zip (one element per argument) and enumerate (an index, then the element). */
const PAIRING = new Set(["zip", "enumerate"]);

/** A loop target name and the expression whose elements it takes (undefined: enumerate's index). */
export interface LoopTarget {
  name: string;
  source?: SyntaxNode;
}

/**
 * The plain-name targets of `for <left> in <right>` with the iterated expression each takes its elements from:
 * `for a, b in zip(xs, ys)` gives a←xs, b←ys; `for i, m in enumerate(xs)` gives i (an index), m←xs; `for m in xs`
 * gives m←xs. Undefined for a zip or enumerate with splats or keywords, or targets that do not line up.
 */
export function loopTargets(left: SyntaxNode, right: SyntaxNode): LoopTarget[] | undefined {
  if (left.type === "identifier") return [{ name: left.text, source: right }];
  const fn = right.type === "call" ? right.childForFieldName("function") : undefined;
  if (fn?.type !== "identifier" || !PAIRING.has(fn.text)) return undefined;
  const args = callArgs(right);
  if (args.splat || args.keyword.size) return undefined;
  const sources: (SyntaxNode | undefined)[] = fn.text === "zip" ? args.positional : args.positional.length === 1 ? [undefined, args.positional[0]] : [];
  const parts = left.type === "pattern_list" || left.type === "tuple_pattern" ? namedChildren(left) : [];
  if (!sources.length || parts.length !== sources.length) return undefined;
  const out: LoopTarget[] = [];
  parts.forEach((p, i) => {
    if (p.type === "identifier") out.push({ name: p.text, source: sources[i] });
  });
  return out;
}

/** `self.<name>`: the attribute name, else undefined. */
export function selfAttributeName(e: SyntaxNode): string | undefined {
  return e.type === "attribute" && e.childForFieldName("object")!.text === "self" ? e.childForFieldName("attribute")!.text : undefined;
}

/** The first call of `name(...)` in a loop body, outside nested defs and lambdas (where the name may be rebound). */
export function firstCallOf(body: SyntaxNode, name: string): SyntaxNode | undefined {
  const stack = [body];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === "function_definition" || n.type === "lambda" || n.type === "class_definition") continue;
    if (n.type === "call" && n.childForFieldName("function")?.type === "identifier" && n.childForFieldName("function")!.text === name) return n;
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChildren[i]);
  }
  return undefined;
}

/** The statement a node sits in (the child of the nearest block). */
export function statementOf(n: SyntaxNode): SyntaxNode {
  while (n.parent && n.parent.type !== "block" && n.parent.type !== "module") n = n.parent;
  return n;
}
