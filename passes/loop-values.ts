/**
 * loop-values: what a `for` loop's targets hold when it walks `zip(...)` or `enumerate(...)` of modules and values
 * (Twins: `for i, (embed, drop, blocks, pos_blk) in enumerate(zip(self.patch_embeds, self.pos_drops, ...))`). Each
 * target gets its own element, so a module called through a loop variable is called as that module (its layouts, its
 * signature) rather than as a callee c2m cannot see.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import { identifiers, union } from "./module-values.js";
import type { ModVal } from "../ir/module.js";
import type { Val } from "./walk/types.js";

const OTHER: Val = { k: "other" };

/** `zip(a, b, …)`: a sequence of tuples, item i of each from the i-th iterable (`elements`: what iterating each gives). */
export function zipped(elements: Val[]): Val {
  return { k: "list", items: null, elem: { k: "list", items: elements } };
}

/** `enumerate(a)`: a sequence of (index, element) pairs. */
export function enumerated(element: Val): Val {
  return { k: "list", items: null, elem: { k: "list", items: [{ k: "num" }, element] } };
}

/** The names a loop target binds and what each holds, a tuple target taking the items of a tuple element one by one. */
export function targetValues(target: SyntaxNode, v: Val): [string, Val][] {
  if (target.type === "identifier") return [[target.text, v]];
  if (target.type === "tuple_pattern" || target.type === "pattern_list" || target.type === "list_pattern" || target.type === "parenthesized_expression") {
    const parts = namedChildren(target);
    const items = v.k === "list" && v.items && v.items.length === parts.length ? v.items : undefined;
    if (items) return parts.flatMap((p, i) => targetValues(p, items[i]));
    // a ModuleList of ModuleLists unpacked (vit-pytorch's MobileViT: `for conv, attn in self.trunk`): item i of each
    const modules = v.k === "module" ? parts.map((_, i) => moduleItemAt(v.m, i, parts.length)) : [];
    if (modules.length && modules.every((m) => m !== undefined)) return parts.flatMap((p, i) => targetValues(p, { k: "module", m: modules[i]! }));
    return parts.flatMap((p) => targetValues(p, OTHER));
  }
  return identifiers(target).map((id) => [id, OTHER]);
}

/** Item `i` of a module container of `n` known items, or of each of several (a union); undefined where any is not one. */
export function moduleItemAt(m: ModVal, i: number, n: number): ModVal | undefined {
  if ((m.k === "list" || m.k === "seq") && m.items) return m.items.length === n ? m.items[i] : undefined;
  if (m.k !== "union") return undefined;
  const items = m.options.map((o) => moduleItemAt(o, i, n));
  return items.every((x) => x !== undefined) ? union(items as ModVal[]) : undefined;
}
