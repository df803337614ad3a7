/**
 * Subscripts and operators in the function-body walk: indexing a shape, a module container, a list or a
 * tensor (in torch's axis order); binary operators and comparisons whose tensor operands meet in one layout
 * (`@` in torch's).
 */
import { intLiteral, namedChildren, type SyntaxNode } from "../../grammar/python.js";
import { isIdentity, physicalAxis, type TensorType } from "../../ir/tensor.js";
import { elementOf, stringValue } from "../module-tree.js";
import { isSequential, sequentialIndex } from "../sequential-access.js";
import { containsText, CONTAINS_HELPER } from "../tensor-contains.js";
import { rebuild, rebuildOne, shapeSliceAxes } from "./source-text.js";
import type { Gen, Val } from "./types.js";
import { mergeVal } from "./values.js";
import { logicalShape, meet, toLogical } from "./layout-conversion.js";
import type { WalkState } from "./state.js";
import { expr } from "./expressions.js";
import { growList, joinItems } from "./list-growth.js";
import { fromHost, hostVal, isHost } from "./host-values.js";

export function subscript(w: WalkState, e: SyntaxNode): Gen {
  const value = e.childForFieldName("value")!;
  const subs = e.childrenForFieldName("subscript");
  const o = expr(w, value);
  if (o.v.k === "shape" && subs.length === 1) {
    const i = intLiteral(subs[0]);
    const perm = o.v.t.perm;
    if (perm && !isIdentity(perm) && i !== undefined) {
      return { v: { k: "num" }, text: `${o.text}[${physicalAxis(perm, i)}]` };
    }
    const axes = perm && !isIdentity(perm) ? shapeSliceAxes(subs[0], perm.length) : undefined;
    if (axes) {
      // `x.shape[-2:]` of a channels-last x: torch's axes picked one by one from where they are held
      const picked = axes.map((a) => `${o.text}[${physicalAxis(perm!, a)}]`);
      return { v: { k: "other" }, text: `(${picked.join(", ")}${picked.length === 1 ? "," : ""})` };
    }
    if (perm && !isIdentity(perm)) {
      w.diag("C2M-W006", e, "shape of a channels-last tensor indexed by a computed axis; result is in NHWC order");
    }
    return { v: { k: subs[0].type === "slice" ? "other" : "num" }, text: rebuildOne(e, value, o.text) };
  }
  if (o.v.k === "module") {
    const m = o.v.m;
    const replaced = new Map<SyntaxNode, string>([[value, o.text]]);
    for (const s of subs) replaced.set(s, expr(w, s).text);
    const key = subs[0]?.type === "string" ? stringValue(subs[0]) : undefined;
    if (m.k === "dict" && key && m.entries?.has(key)) return { v: { k: "module", m: m.entries.get(key)! }, text: rebuild(e, replaced) };
    const isSlice = subs[0]?.type === "slice";
    if (isSequential(m) && subs.length === 1) {
      const text = sequentialIndex(o.text, m, replaced.get(subs[0])!, isSlice);
      return { v: { k: "module", m: isSlice ? { k: "seq", items: null, elem: elementOf(m) } : elementOf(m) }, text };
    }
    // a slice of a ModuleList is MLX's list sliced: a list still (a Sequential's `.layers` is no attribute of it)
    if ((m.k === "list" || m.k === "seq") && isSlice) return { v: { k: "module", m: { k: m.k, items: null, elem: elementOf(m) } }, text: rebuild(e, replaced) };
    return { v: { k: "module", m: elementOf(m) }, text: rebuild(e, replaced) };
  }
  if (o.v.k === "list") {
    const replaced = new Map<SyntaxNode, string>([[value, o.text]]);
    for (const s of subs) replaced.set(s, expr(w, s).text);
    const i = subs.length === 1 ? intLiteral(subs[0]) : undefined;
    const item = o.v.items && i !== undefined ? o.v.items.at(i) : undefined;
    const elem = item ?? (o.v.items ? joinItems(w, o.v.items, e) : (o.v.elem ?? { k: "other" }));
    // a slice of a tuple or list is one still (`res_samples = down_block_res_samples[-n:]`), of the same elements
    if (subs.length === 1 && subs[0].type === "slice") return { v: { k: "list", items: null, elem }, text: rebuild(e, replaced) };
    return { v: elem, text: rebuild(e, replaced) };
  }
  if (o.v.k === "tensor") {
    // indexing follows torch's axis order: convert a channels-last tensor first
    const c = toLogical(w, o, value);
    const replaced = new Map<SyntaxNode, string>([[value, c.text]]);
    // a numpy array indexes a numpy one as it is, an mx.array only once made one (./host-values.ts)
    const host = isHost(o.v);
    const gens = subs.map((s) => (host ? expr(w, s) : fromHost(w, expr(w, s))));
    subs.forEach((s, i) => replaced.set(s, gens[i].text));
    // known only for a value indexed where it is held (a channels-last one converted first keeps the walk's own decisions)
    const rank = c.text === o.text ? indexedRank(c.v.k === "tensor" ? (c.v.t.rank ?? c.v.t.perm?.length) : undefined, subs, gens) : undefined;
    const v: Val = { k: "tensor", t: { kind: "tensor", ...(rank !== undefined ? { rank } : {}) } };
    return { v: host ? hostVal(v) : v, text: rebuild(e, replaced) };
  }
  const replaced = new Map<SyntaxNode, string>([[value, o.text]]);
  for (const s of subs) replaced.set(s, expr(w, s).text);
  return { v: { k: "other" }, text: rebuild(e, replaced) };
}

/**
 * The rank of `x[subs]` where x's is known and every index is basic: a slice keeps its axis, a number drops it,
 * None adds one, `...` stands for the axes the others leave; undefined for any other index (a tensor, a list).
 */
function indexedRank(rank: number | undefined, subs: SyntaxNode[], gens: Gen[]): number | undefined {
  if (rank === undefined) return undefined;
  let kept = 0;
  let named = 0;
  let ellipsis = 0;
  for (const [i, s] of subs.entries()) {
    if (s.type === "slice") (kept++, named++);
    else if (s.type === "none") kept++;
    else if (s.type === "ellipsis") ellipsis++;
    else if (gens[i].v.k === "num" || intLiteral(s) !== undefined) named++;
    else return undefined;
  }
  if (ellipsis > 1 || named > rank) return undefined;
  return kept + (rank - named);
}

export function binary(w: WalkState, e: SyntaxNode): Gen {
  const left = e.childForFieldName("left")!;
  const right = e.childForFieldName("right")!;
  const op = e.childForFieldName("operator")!.text;
  let l = expr(w, left);
  let r = expr(w, right);
  if (op === "@") {
    if (l.v.k === "tensor") l = toLogical(w, l, left);
    if (r.v.k === "tensor") r = toLogical(w, r, right);
    return {
      v: { k: "tensor", t: { kind: "tensor" } },
      text: rebuild(
        e,
        new Map([
          [left, l.text],
          [right, r.text],
        ]),
      ),
    };
  }
  if (op === "+" && l.v.k === "list" && r.v.k === "list") {
    const grown = growList(w, l.v, r, right);
    return {
      v: grown.v,
      text: rebuild(
        e,
        new Map([
          [left, l.text],
          [right, grown.text],
        ]),
      ),
    };
  }
  // a numpy value beside an mx.array is made one (numpy would compute `np_array * mx_array` itself); beside Python
  // numbers it stays a numpy value
  const hostOnly = (isHost(l.v) && r.v.k !== "tensor") || (isHost(r.v) && l.v.k !== "tensor") || (isHost(l.v) && isHost(r.v));
  if (hostOnly) {
    const h = isHost(l.v) ? l.v : r.v;
    return {
      v: hostVal({ k: "tensor", t: (h as { t: TensorType }).t }),
      text: rebuild(
        e,
        new Map([
          [left, l.text],
          [right, r.text],
        ]),
      ),
    };
  }
  l = fromHost(w, l);
  r = fromHost(w, r);
  [l, r] = meet(w, l, left, r, right);
  const v: Val = l.v.k === "tensor" ? l.v : r.v.k === "tensor" ? r.v : l.v.k === "num" && r.v.k === "num" ? { k: "num" } : l.v.k === "list" ? l.v : { k: "other" };
  return {
    v: v.k === "tensor" ? { k: "tensor", t: v.t } : v,
    text: rebuild(
      e,
      new Map([
        [left, l.text],
        [right, r.text],
      ]),
    ),
  };
}

export function comparison(w: WalkState, e: SyntaxNode): Gen {
  const ops = namedChildren(e);
  // `m.bias is not None` on a module: MLX layers built with bias=False have no `bias` at all
  const opText = e.children
    .filter((c) => !c.isNamed)
    .map((c) => c.text)
    .join(" ");
  if (
    ops.length === 2 &&
    ops[1].type === "none" &&
    (opText === "is" || opText === "is not") &&
    ops[0].type === "attribute" &&
    ops[0].childForFieldName("attribute")!.text === "bias"
  ) {
    const obj = ops[0].childForFieldName("object")!;
    const o = expr(w, obj);
    // a parameter merely assumed a tensor (`def _init_weights(module)`) has no bias attribute as a tensor: a layer
    if ((o.v.k !== "tensor" || o.v.assumed) && !(obj.text === "self" && w.cls?.attrs.get("bias")?.k === "param")) {
      return { v: { k: "other" }, text: `"bias" ${opText === "is" ? "not in" : "in"} ${o.text}` };
    }
  }
  const gens = ops.map((c) => logicalShape(expr(w, c)));
  // `value in t` on a tensor: torch's element test, which an mx.array does not answer (passes/tensor-contains.ts);
  // a parameter merely assumed a tensor goes through it too (the helper asks at run time), a string is no element
  const contains = ops.length === 2 && gens[1].v.k === "tensor" && ops[0].type !== "string" ? containsText(opText, gens[0].text, gens[1].text) : undefined;
  if (contains) {
    w.ctx.helpers.add(CONTAINS_HELPER);
    return { v: { k: "other" }, text: contains };
  }
  const isIdentityCheck = e.children.some((c) => c.type === "is" || c.type === "in" || c.text === "is" || c.text === "in" || c.text === "not in" || c.text === "is not");
  if (!isIdentityCheck && gens.length === 2) [gens[0], gens[1]] = meet(w, gens[0], ops[0], gens[1], ops[1]);
  const t = gens.find((g) => g.v.k === "tensor");
  return { v: t && !isIdentityCheck ? { k: "tensor", t: (t.v as { t: TensorType }).t } : { k: "other" }, text: rebuild(e, new Map(ops.map((c, i) => [c, gens[i].text]))) };
}
