/**
 * A tuple or list grown by `+=` or `+` (diffusers' UNet skips: `res_all = (sample,)`, then `res_all += res` per down
 * block, then `res_all[-1:]` / `res_all[:-1]` read back by the up blocks). Its items share one layout, as those of a
 * list grown by `append` (call-statements.ts): what is added is converted to the layout of what the list already
 * holds, where it is added, so a slice or an item read back later has the one layout the list's value claims.
 */
import { intLiteral, namedChildren, type SyntaxNode } from "../../grammar/python.js";
import { isIdentity, samePerm, unknownRank } from "../../ir/tensor.js";
import { rebuild } from "./source-text.js";
import type { Gen, Val } from "./types.js";
import { iterElement, mergeVal } from "./values.js";
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
export function growList(w: WalkState, left: ListVal, given: Gen, rightNode: SyntaxNode): Gen {
  const held = heldItem(left);
  // what c2m does not see as a list (a block of a union returns `hidden_states, res_samples`): its items are tensors of
  // any rank, in torch's layout, as every returned tuple's are
  const right: Gen = given.v.k === "list" ? given : { v: { k: "list", items: null, elem: { k: "tensor", t: { kind: "tensor" } } }, text: given.text };
  if (right.v.k !== "list") return { v: left, text: right.text };
  const added = itemsOf(right.v);
  // items of any rank (a union's returned tuple) are not put in a channels-last layout while the list's own items can
  // go to torch's where they are defined; where they cannot, they are converted as added, at the rank the list's have
  if (held?.k === "tensor" && !isIdentity(held.t.perm) && added.some((v) => v.k === "tensor" && unknownRank(v.t))) {
    const joined = joinedItems(w, [...itemsOf(left), ...added], rightNode, true);
    if (joined) return { v: { k: "list", items: null, elem: joined }, text: right.text };
  }
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

/**
 * The one value items of a list take where they are read without their position (iterated, sliced, indexed by a
 * computed index, a list joined from branches): tensors held in different layouts (`feats = (h, y)`, h a conv's
 * channels-last result, y in torch's layout) are brought to one where they are defined, as branches' tensors are
 * (control-flow.ts): channels-last, or torch's where one may hold any rank. An item that cannot move (no name, or
 * decided otherwise) is C2M-W057 at `node`: c2m cannot tell which layout each item has there.
 */
export function joinItems(w: WalkState, vals: Val[], node: SyntaxNode): Val {
  return joinedItems(w, vals, node, false)!;
}

/** joinItems; `quiet`: undefined, deciding nothing, where an item cannot move. */
function joinedItems(w: WalkState, vals: Val[], node: SyntaxNode, quiet: boolean): Val | undefined {
  const tensors = vals.filter((v): v is Extract<Val, { k: "tensor" }> => v.k === "tensor" && !v.t.flatFrom);
  const first = tensors[0];
  if (!first || tensors.every((t) => samePerm(t.t.perm, first.t.perm))) return mergeVal(vals);
  const anyRank = tensors.some((t) => unknownRank(t.t));
  const lead = anyRank ? undefined : tensors.find((t) => !isIdentity(t.t.perm))!;
  const want = lead?.t.perm;
  const moves = tensors.filter((t) => !samePerm(t.t.perm, want)).map((t) => ({ def: t.def, rank: t.t.perm?.length ?? t.t.rank }));
  const movable = (m: { def?: string; rank?: number }) => !!m.def && m.rank !== undefined && (want === undefined || m.rank === want.length) && !w.decisions.has(m.def);
  const stuck = !moves.every(movable);
  if (stuck && quiet) return undefined;
  for (const m of moves.filter(movable)) {
    w.decisions.set(m.def!, { perm: want, rank: m.rank! });
    w.newDecision = true;
  }
  if (stuck)
    w.diag("C2M-W057", node, "the items of this tuple or list are held in different layouts and c2m cannot bring them to one: an item read here may be in the wrong layout");
  return lead ?? { k: "tensor", t: { kind: "tensor" } };
}

/** What iterating `v` binds: a list's items joined to one layout (joinItems), else as values.ts iterElement. */
export function itemOf(w: WalkState, v: Val, node: SyntaxNode): Val {
  return v.k === "list" && v.items ? joinItems(w, v.items, node) : iterElement(v, node);
}

/**
 * `xs[i] = v` into a local list (GLPN's decoder: `stage_hidden_states[-1] = self.final_upsample(h)` after the loop
 * appended each stage's channels-last output): the item goes in the layout the list holds its items in, as `append`
 * and `+=` put them, so that a later read of an item or of the whole list (a return converting each item) finds the
 * one layout the list's value claims. An item at a known position of a list of known items takes that place with
 * its own layout. Undefined where the target is no local list whose items c2m tracks.
 */
export function storeItem(w: WalkState, target: SyntaxNode, given: Gen, node: SyntaxNode): Gen | undefined {
  const list = target.childForFieldName("value");
  const subs = target.childrenForFieldName("subscript");
  const cur = list?.type === "identifier" ? w.env.get(list.text) : undefined;
  if (cur?.k !== "list" || given.v.k !== "tensor" || subs.length !== 1) return undefined;
  const i = intLiteral(subs[0]);
  const at = cur.items && i !== undefined && i < cur.items.length && i >= -cur.items.length ? (i + cur.items.length) % cur.items.length : undefined;
  if (at !== undefined) {
    w.env.set(list!.text, { k: "list", items: cur.items!.map((v, j) => (j === at ? given.v : v)) });
    return given;
  }
  const held = cur.items ? (cur.items.length ? joinItems(w, cur.items, target) : undefined) : cur.elem;
  if (held?.k !== "tensor" || given.v.t.flatFrom) return undefined;
  return convert(w, given, node, held.t.perm, held.t.rank ?? held.t.perm?.length);
}
