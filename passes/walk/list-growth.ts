/**
 * A tuple or list grown by `+=` or `+` (diffusers' UNet skips: `res_all = (sample,)`, then `res_all += res` per down
 * block, then `res_all[-1:]` / `res_all[:-1]` read back by the up blocks). Its items share one layout, as those of a
 * list grown by `append` (call-statements.ts): what is added is converted to the layout of what the list already
 * holds, where it is added, so a slice or an item read back later has the one layout the list's value claims.
 */
import { namedChildren, type SyntaxNode } from "../../grammar/python.js";
import { samePerm } from "../../ir/tensor.js";
import { rebuild } from "./source-text.js";
import type { Gen, Val } from "./types.js";
import { mergeVal } from "./values.js";
import { convert } from "./layout-conversion.js";
import type { WalkState } from "./state.js";
import { expr } from "./expressions.js";

type ListVal = Extract<Val, { k: "list" }>;

/** The one value the items of a list hold: the first tensor's (items added later were converted to it). */
export function heldItem(v: ListVal): Val | undefined {
  const vals = v.items ?? (v.elem ? [v.elem] : []);
  return vals.length ? mergeVal(vals) : undefined;
}

function itemsOf(v: ListVal): Val[] {
  return v.items ?? (v.elem ? [v.elem] : []);
}

/**
 * `left + right` (or `left += right`) of two lists: `right`'s tensors converted to the layout `left`'s items are held
 * in. Returns the operand's new text and the grown list's value.
 */
export function growList(w: WalkState, left: ListVal, right: Gen, rightNode: SyntaxNode): Gen {
  const held = heldItem(left);
  if (right.v.k !== "list") return { v: left, text: right.text };
  const added = itemsOf(right.v);
  const target = held?.k === "tensor" ? held : added.find((v): v is Extract<Val, { k: "tensor" }> => v.k === "tensor");
  const grown = (items: Val[]): Gen => ({
    v:
      left.items && right.v.k === "list" && right.v.items
        ? { k: "list", items: [...left.items, ...items] }
        : { k: "list", items: null, elem: mergeVal([...itemsOf(left), ...items]) },
    text: right.text,
  });
  if (target?.k !== "tensor" || target.t.flatFrom) return grown(added);
  const want = target.t.perm;
  const rank = target.t.rank ?? want?.length;
  const agrees = (v: Val) => v.k !== "tensor" || v.t.flatFrom || samePerm(v.t.perm, want);
  if (added.every(agrees)) return grown(added);
  // a literal: each item converted in place
  if (rightNode.type === "tuple" || rightNode.type === "list") {
    const replaced = new Map<SyntaxNode, string>();
    const vals = namedChildren(rightNode).map((it) => {
      const c = convert(w, expr(w, it), it, want, rank);
      replaced.set(it, c.text);
      return c.v;
    });
    return { ...grown(vals), text: rebuild(rightNode, replaced) };
  }
  // rebuilt item by item, in the container type it has; an operand other than a name is bound once (`:=`)
  const plain = rightNode.type === "identifier" || (rightNode.type === "attribute" && rightNode.childForFieldName("object")?.text === "self");
  const name = plain ? right.text : "c2m_items";
  const bound = plain ? right.text : `(c2m_items := ${right.text})`;
  const first = added.find((v) => !agrees(v)) as Extract<Val, { k: "tensor" }>;
  if (added.every((v) => v.k !== "tensor" || samePerm(v.t.perm, first.t.perm))) {
    const each = convert(w, { v: { ...first, def: undefined }, text: "c2m_item" }, rightNode, want, rank);
    return { ...grown(added.map((v) => (v.k === "tensor" ? each.v : v))), text: `type(${bound})(${each.text} for c2m_item in ${name})` };
  }
  const each = added.map((v, i) => convert(w, { v: v.k === "tensor" ? { ...v, def: undefined } : v, text: `${name}[${i}]` }, rightNode, want, rank));
  return { ...grown(each.map((c) => c.v)), text: `type(${bound})([${each.map((c) => c.text).join(", ")}])` };
}
