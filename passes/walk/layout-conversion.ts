/**
 * Layout conversion in the function-body walk: bringing a value to the layout a use needs, either by deciding
 * that the variable is converted where it is defined (a layout decision: the walk runs again) or by a transpose
 * in place. Two tensors of an elementwise op meet in one layout; lists and returned tuples go to torch's layout.
 */
import { namedChildren, type SyntaxNode } from "../../grammar/python.js";
import { isIdentity, physicalAxis, samePerm, transposeAxes, type Perm, type TensorType } from "../../ir/tensor.js";
import { paren } from "../template-render.js";
import { listConcatenation } from "../list-boundaries.js";
import { rankConflict, rankConflictMessage, retractableGuess } from "../any-rank-layers.js";
import { rebuild } from "./source-text.js";
import type { Gen, Val } from "./types.js";
import { mergeVal } from "./values.js";
import type { WalkState } from "./state.js";
import { expr } from "./expressions.js";

/** A flattened channels-last value reached a consumer other than a Linear: flatten in torch's order instead. */
export function vetoFlat(w: WalkState, g: Gen): void {
  if (g.v.k === "tensor" && g.v.t.flatFrom && !w.decisions.has(g.v.t.flatFrom.key)) {
    w.decisions.set(g.v.t.flatFrom.key, { perm: undefined, rank: 0 });
    w.newDecision = true;
  }
}

/** Brings `g` to layout `want`: by deciding to convert the variable where it is defined, or in place. */
export function convert(w: WalkState, g: Gen, node: SyntaxNode, want: Perm | undefined, rankHint?: number): Gen {
  if (g.v.k !== "tensor") return g;
  if (g.v.t.flatFrom) {
    vetoFlat(w, g);
    return g;
  }
  const cur = g.v.t.perm;
  if (samePerm(cur, want)) return g;
  const conflict = rankConflict(g.v.t, want);
  if (conflict) {
    // a layer guessed the rank this walk: it runs at any rank from the next round; else no transpose can be right
    const guess = retractableGuess(g.v.t, w.fn, w.ctx.anyRankLayers);
    if (guess) {
      w.ctx.anyRankLayers.add(guess);
      w.newDecision = true;
    } else w.diag("C2M-E034", node, rankConflictMessage(conflict));
    return g;
  }
  const rank = g.v.t.rank ?? cur?.length ?? want?.length ?? rankHint;
  if (rank === undefined) return g;
  if (!isIdentity(want) && isIdentity(cur) && g.v.def) {
    const taken = w.decisions.get(g.v.def);
    if (!taken) {
      w.decisions.set(g.v.def, { perm: want, rank });
      w.newDecision = true;
    }
    // converted where it is defined (from the next round on)
    if (!taken || samePerm(taken.perm, want)) return { v: { k: "tensor", t: { ...g.v.t, rank, perm: want }, def: g.v.def }, text: g.text };
  }
  w.countTranspose();
  const axes = transposeAxes(cur, want, rank);
  const moved = `${paren(g.text)}.transpose(${axes.join(", ")})`;
  // a value None on some path stays None (a name: read twice at no cost)
  const guarded = g.v.maybeNone && /^[\w.]+$/.test(g.text);
  const t: TensorType = { kind: "tensor", rank, perm: isIdentity(want) ? undefined : want };
  if (guarded) return { v: { k: "tensor", t, maybeNone: true }, text: `(${moved} if ${g.text} is not None else None)` };
  return { v: { k: "tensor", t }, text: moved };
}

/**
 * A channels-last tensor's whole `.shape` where the code reads it as torch's (compared with a tuple, printed): its
 * axes in torch's order. Indexing a shape and unpacking it into names map the axes instead (operators.ts, statements.ts).
 */
export function logicalShape(g: Gen): Gen {
  if (g.v.k !== "shape" || isIdentity(g.v.t.perm)) return g;
  const perm = g.v.t.perm!;
  const axes = perm.map((_, logical) => physicalAxis(perm, logical));
  return { v: { k: "other" }, text: `tuple(${paren(g.text)}[i] for i in (${axes.join(", ")}))` };
}

export function toLogical(w: WalkState, g: Gen, node: SyntaxNode): Gen {
  if (g.v.k === "tensor" && g.v.t.flatFrom) return convert(w, g, node, undefined);
  if (g.v.k !== "tensor" || isIdentity(g.v.t.perm)) return g;
  return convert(w, g, node, undefined);
}

/** Output of a top-level model: tensors, and tensors inside returned tuples, go back to torch layout. */
export function toLogicalDeep(w: WalkState, g: Gen, node: SyntaxNode): Gen {
  if (g.v.k === "tensor") return toLogical(w, g, node);
  if (g.v.k === "list" && (node.type === "tuple" || node.type === "expression_list" || node.type === "list")) {
    const items = namedChildren(node);
    const replaced = new Map<SyntaxNode, string>();
    const vals: Val[] = [];
    for (const it of items) {
      const c = toLogicalDeep(w, expr(w, it), it);
      replaced.set(it, c.text);
      vals.push(c.v);
    }
    return { v: { k: "list", items: vals }, text: rebuild(node, replaced) };
  }
  // `[x2, x1] + children`: each operand (list-boundaries.ts)
  const joined = listConcatenation(
    g,
    node,
    (v, n) => toLogicalDeep(w, v, n),
    (n) => expr(w, n),
  );
  if (joined) return joined;
  // a name holding a list of channels-last tensors (`outputs = [b1, b2]; return outputs`): each item converted
  const items = g.v.k === "list" && node.type === "identifier" ? (g.v.items ?? (g.v.elem ? [g.v.elem] : null)) : undefined;
  const first = items?.[0];
  if (first?.k === "tensor" && !isIdentity(first.t.perm) && items!.every((i) => i.k === "tensor" && samePerm(i.t.perm, first.t.perm) && !i.t.flatFrom)) {
    const each = toLogical(w, { v: first, text: "c2m_item" }, node);
    return { v: { k: "list", items: items!.map(() => each.v) }, text: `type(${g.text})(${each.text} for c2m_item in ${g.text})` };
  }
  // items in different layouts (a pooled branch beside a module's result): each converted by its position
  if (items?.some((i) => i.k === "tensor" && !isIdentity(i.t.perm))) {
    const each = items.map((v, i) => toLogical(w, { v, text: `${g.text}[${i}]` }, node));
    return { v: { k: "list", items: each.map((c) => c.v) }, text: `type(${g.text})([${each.map((c) => c.text).join(", ")}])` };
  }
  return g;
}

/**
 * Brings two tensors of an elementwise op to one layout, converting whichever side must move: a
 * channels-last tensor meets one of the same rank in its layout, and one of unknown rank (which may
 * broadcast in torch's axis order) in torch's layout.
 */
export function meet(w: WalkState, a: Gen, aNode: SyntaxNode, b: Gen, bNode: SyntaxNode): [Gen, Gen] {
  if (a.v.k !== "tensor" || b.v.k !== "tensor") return [a, b];
  if (a.v.t.flatFrom || b.v.t.flatFrom) {
    vetoFlat(w, a);
    vetoFlat(w, b);
    return [a, b];
  }
  if (samePerm(a.v.t.perm, b.v.t.perm)) return [a, b];
  const [cl, other, clFirst] = !isIdentity(a.v.t.perm) ? [a, b, true] : [b, a, false];
  const clT = (cl.v as { t: TensorType }).t;
  const oT = (other.v as { t: TensorType }).t;
  let r: [Gen, Gen];
  if (isIdentity(oT.perm) && oT.rank !== undefined && oT.rank === clT.rank) {
    r = [cl, convert(w, other, clFirst ? bNode : aNode, clT.perm, clT.rank)];
  } else {
    r = [toLogical(w, cl, clFirst ? aNode : bNode), isIdentity(oT.perm) ? other : toLogical(w, other, clFirst ? bNode : aNode)];
  }
  return clFirst ? r : [r[1], r[0]];
}

export function harmonizeList(w: WalkState, node: SyntaxNode, g: Gen): { text: string; perm: Perm | undefined } {
  if (g.v.k !== "list") return { text: g.text, perm: undefined };
  if (node.type === "list" || node.type === "tuple") {
    const items = namedChildren(node);
    const gens = items.map((it) => expr(w, it));
    const first = gens.find((x) => x.v.k === "tensor" && !isIdentity(x.v.t.perm)) ?? gens[0];
    const perm = first?.v.k === "tensor" ? first.v.t.perm : undefined;
    const rank = first?.v.k === "tensor" ? first.v.t.rank : undefined;
    const replaced = new Map<SyntaxNode, string>();
    items.forEach((it, i) => replaced.set(it, convert(w, gens[i], it, perm, rank).text));
    return { text: rebuild(node, replaced), perm };
  }
  const elem = g.v.items ? mergeVal(g.v.items) : g.v.elem;
  if (elem?.k === "tensor") return { text: g.text, perm: elem.t.perm };
  return { text: g.text, perm: undefined };
}

export function listToLogical(w: WalkState, node: SyntaxNode, g: Gen): string {
  if (g.v.k !== "list") return g.text;
  if (node.type === "list" || node.type === "tuple") {
    const items = namedChildren(node);
    const replaced = new Map<SyntaxNode, string>();
    for (const it of items) replaced.set(it, toLogical(w, expr(w, it), it).text);
    return rebuild(node, replaced);
  }
  const elem = g.v.items ? mergeVal(g.v.items) : g.v.elem;
  if (elem?.k === "tensor" && !isIdentity(elem.t.perm)) {
    const axes = transposeAxes(elem.t.perm, undefined, elem.t.perm!.length);
    w.countTranspose();
    return `[t.transpose(${axes.join(", ")}) for t in ${g.text}]`;
  }
  return g.text;
}
