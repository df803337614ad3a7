/**
 * A module class whose forward reaches itself: timm's DlaTree holds either its block or another DlaTree in
 * `self.tree1`, chosen by `levels`. While its signature is computed, a call of an attribute that may hold it or
 * sibling classes of the file (a union) cannot read its signature; the call assumes it takes and gives what the
 * siblings do, when they agree (optimistic, as a type checker's fixpoint over a recursive type starts). Once the
 * signature is computed it must bear the assumption out; where it does not, it is computed again without one (the
 * call then passes torch's layout, C2M-W022, as before).
 *
 * Reads: the signatures of the file's classes. Writes: the assumptions made per class, the classes refused one.
 */
import type { ForwardSignature, ModVal } from "../../ir/module.js";
import { samePerm, type TensorType } from "../../ir/tensor.js";
import type { TranslateContext } from "./types.js";

interface Assumptions {
  /** per class being computed: the signatures (of its siblings, cut to the arguments given) its callers assumed */
  assumed: Map<string, ForwardSignature[]>;
  /** classes whose computed signature did not bear an assumption out: computed without one */
  refused: Set<string>;
}

const perContext = new WeakMap<TranslateContext, Assumptions>();

function assumptionsOf(ctx: TranslateContext): Assumptions {
  let a = perContext.get(ctx);
  if (!a) perContext.set(ctx, (a = { assumed: new Map(), refused: new Set() }));
  return a;
}

/** An option of a union that is a class of this file whose signature is being computed, and may be assumed. */
export function openRecursion(ctx: TranslateContext, o: ModVal): o is Extract<ModVal, { k: "class" }> {
  return o.k === "class" && !o.ext && ctx.computing.has(o.name) && !ctx.signatures.has(o.name) && !assumptionsOf(ctx).refused.has(o.name);
}

/** Records that each of `open` was taken to have `sibling`'s signature for a call with `args` arguments. */
export function assume(ctx: TranslateContext, open: string[], sibling: ForwardSignature, args: number): void {
  const a = assumptionsOf(ctx);
  for (const name of open) a.assumed.set(name, [...(a.assumed.get(name) ?? []), { params: sibling.params.slice(0, args), result: sibling.result }]);
}

/**
 * Computes a class's signature with `compute`; when callers assumed one for it while it was computed and the result
 * does not bear them out, forgets the signatures computed meanwhile (they may rest on the assumption) and computes it
 * again with the class refused an assumption.
 */
export function withAssumptionsChecked(ctx: TranslateContext, name: string, compute: () => ForwardSignature): ForwardSignature {
  const known = new Set(ctx.signatures.keys());
  const sig = compute();
  const a = assumptionsOf(ctx);
  const assumed = a.assumed.get(name);
  a.assumed.delete(name);
  if (!assumed || assumed.every((s) => bearsOut(sig, s))) return sig;
  for (const k of [...ctx.signatures.keys()]) if (!known.has(k)) ctx.signatures.delete(k);
  a.refused.add(name);
  return compute();
}

/**
 * The layout callers assumed for parameter `i` of a class being computed, where they agree: a parameter its forward
 * prefers no layout for takes that one (its walk converts it where it needs another), so the assumption holds there.
 */
export function assumedParam(ctx: TranslateContext, name: string, i: number): TensorType | undefined {
  const given = (assumptionsOf(ctx).assumed.get(name) ?? []).map((s) => s.params[i]).filter((p): p is TensorType => !!p);
  return given.length && given.every((p) => sameTensor(p, given[0])) ? { kind: "tensor", rank: given[0].rank, perm: given[0].perm } : undefined;
}

function bearsOut(sig: ForwardSignature, assumed: ForwardSignature): boolean {
  return assumed.params.every((p, i) => sameTensor(sig.params[i], p)) && sameResult(sig.result, assumed.result);
}

function sameResult(a: ForwardSignature["result"], b: ForwardSignature["result"]): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((t, i) => sameTensor(t, b[i]));
  return sameTensor(a, b);
}

const sameTensor = (a: TensorType | undefined, b: TensorType | undefined): boolean => (!a || !b ? a === b : samePerm(a.perm, b.perm) && a.rank === b.rank);
