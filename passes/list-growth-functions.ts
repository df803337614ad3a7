/**
 * A container grown through a function of the file: denoising-diffusion's KarrasUnet writes `append(self.downs, enc)`
 * and `prepend(self.ups, dec)`, the file defining `def append(arr, el): arr.append(el)` and
 * `def prepend(arr, el): arr.insert(0, el)`. Interpreted as a call whose result is dropped, the blocks were never
 * added: the weight map knew no key under `downs`/`ups`, and the port's weights failed to load. A module-level function
 * whose body is one `param.append/extend/insert(…)` is that growth, with the caller's arguments in place of its
 * parameters.
 */
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { CallArguments } from "./module-tree.js";
import { paramNames } from "./module-values.js";

export type GrowMethod = "append" | "extend" | "insert";

/** The growth `call` makes through a function of the file: the receiver and the arguments, as the caller's nodes. */
export function growthThroughFunction(functions: ReadonlyMap<string, SyntaxNode>, call: SyntaxNode): { receiver: SyntaxNode; method: GrowMethod; args: CallArguments } | undefined {
  const fn = call.childForFieldName("function");
  const def = fn?.type === "identifier" ? functions.get(fn.text) : undefined;
  if (!def || def.type !== "function_definition") return undefined;
  const body = namedChildren(def.childForFieldName("body")!).filter((s) => s.type !== "comment");
  const inner = body.length === 1 && body[0].type === "expression_statement" ? body[0].namedChildren[0] : undefined;
  const callee = inner?.type === "call" ? inner.childForFieldName("function") : undefined;
  if (callee?.type !== "attribute") return undefined;
  const method = callee.childForFieldName("attribute")!.text;
  if (method !== "append" && method !== "extend" && method !== "insert") return undefined;
  // the caller's argument for each parameter
  const params = paramNames(def);
  const given = callArgs(call);
  if (given.splat) return undefined;
  const bound = new Map<string, SyntaxNode>();
  params.forEach((p, i) => {
    const a = given.keyword.get(p) ?? given.positional[i];
    if (a) bound.set(p, a);
  });
  const receiver = callee.childForFieldName("object")!;
  const inArgs = callArgs(inner!);
  if (receiver.type !== "identifier" || !bound.has(receiver.text) || inArgs.splat || inArgs.keyword.size) return undefined;
  // each argument of the growth is a parameter (the caller's node) or a literal (insert's position)
  const positional: SyntaxNode[] = [];
  for (const a of inArgs.positional) {
    if (a.type === "identifier" && bound.has(a.text)) positional.push(bound.get(a.text)!);
    else if (a.type === "integer") positional.push(a);
    else return undefined;
  }
  return { receiver: bound.get(receiver.text)!, method, args: { ...inArgs, positional } };
}
