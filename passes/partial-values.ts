/**
 * partial-values: `functools.partial(Cls, kw=v)` for the module tree's interpreter (module-tree.ts). The partial
 * builds what Cls builds, with `kw` fixed: a keyword that chooses a layer (`partial(SEModule,
 * norm_layer=nn.BatchNorm2d)`, timm's rexnet SEWithNorm) decides which weights the module holds, so it is passed to
 * every construction through the partial, beside the call's own arguments (which win, as in Python).
 *
 * Reads: the partial's keyword arguments, evaluated where the partial is made. Writes: `bound` on the class value.
 */
import type { CallArgs, SyntaxNode } from "../grammar/python.js";
import type { ModVal } from "../ir/module.js";

/** What `partial(first, …, kw=v)` holds: `first`, a class (or each class of a union) given the keywords. */
export function withBoundKeywords(first: ModVal, args: CallArgs, expr: (n: SyntaxNode) => ModVal): ModVal {
  if (!args.keyword.size || (first.k !== "classref" && first.k !== "union")) return first;
  const keywords = new Map([...args.keyword].map(([k, v]) => [k, expr(v)] as const));
  const bind = (v: ModVal): ModVal => (v.k === "classref" ? { ...v, bound: new Map([...(v.bound ?? []), ...keywords]) } : v);
  return first.k === "union" ? { k: "union", options: first.options.map(bind) } : bind(first);
}

/** The values a construction passes, with the keywords a partial fixed where the call gives none. */
export function withBound(given: Map<string, ModVal>, bound: Map<string, ModVal> | undefined): Map<string, ModVal> {
  if (!bound) return given;
  const all = new Map(given);
  for (const [k, v] of bound) if (!all.has(k)) all.set(k, v);
  return all;
}
