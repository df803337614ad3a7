/**
 * The fixpoint driver of the function-body walk. A function is walked again while a walk decides a new layout
 * (up to 12 rounds); a module class's forward signature (the layouts its parameters are preferred in, and its
 * result's) comes from walks of its forward on its own. Walks with the same inputs are reused (walkCache).
 */
import { namedChildren, type SyntaxNode } from "../../grammar/python.js";
import type { ClassIR, ForwardSignature } from "../../ir/module.js";
import type { TensorType } from "../../ir/tensor.js";
import { paramName } from "../module-tree.js";
import { returnsAgree } from "../return-layouts.js";
import { WalkState } from "./state.js";
import type { LayoutDecision, TranslateContext, Val, WalkOptions } from "./types.js";
import { walkFunction } from "./statements.js";
import { assumedParam, withAssumptionsChecked } from "./recursive-classes.js";

/**
 * A module class's forward signature: the layouts its tensor parameters are preferred in (the layouts the
 * layout pass decided for them when the class was analysed on its own) and the layout of its result.
 */
export function computeSignature(ctx: TranslateContext, name: string): ForwardSignature {
  // a class its own forward reaches may have been assumed to behave as its siblings meanwhile (./recursive-classes.ts)
  return withAssumptionsChecked(ctx, name, () => computeOnce(ctx, name));
}

function computeOnce(ctx: TranslateContext, name: string): ForwardSignature {
  const cls = ctx.mod.classes.get(name)!;
  const fwd = cls.methods.get("forward");
  if (!fwd) {
    const sig = { params: [] };
    ctx.signatures.set(name, sig);
    return sig;
  }
  ctx.computing.add(name);
  try {
    const boundary = ctx.topLevel.has(name);
    const prefer = runToFixpoint(ctx, fwd, cls, { boundary: false });
    const names = forwardParamNames(fwd);
    const params: (TensorType | undefined)[] = names.map((n, i) => {
      const d = prefer.decisions.get(`${n}@param`);
      if (boundary && ctx.layout === "torch") return undefined;
      return d ? { kind: "tensor", rank: d.rank, perm: d.perm } : assumedParam(ctx, name, i);
    });
    const paramVals = new Map<string, Val>();
    names.forEach((n, i) => {
      if (params[i]) paramVals.set(n, { k: "tensor", t: params[i]! });
    });
    let final = runToFixpoint(ctx, fwd, cls, { boundary, params: paramVals });
    // returns that disagree on their layout all go back to torch's (passes/return-layouts.ts)
    const logicalReturns = !returnsAgree(final.returns);
    if (logicalReturns) final = runToFixpoint(ctx, fwd, cls, { boundary, params: paramVals, logicalReturns });
    const result = resultType(final.returns);
    const lists = resultLists(final.returns);
    const sig: ForwardSignature = { params, result, ...(logicalReturns ? { logicalReturns } : {}), ...(lists.length ? { resultLists: lists } : {}) };
    ctx.signatures.set(name, sig);
    return sig;
  } finally {
    ctx.computing.delete(name);
  }
}

/** A class's forward signature, computed on first use; while it is being computed (recursion), none, and the walk says it read one unfinished. */
export function signatureOf(w: WalkState, name: string): ForwardSignature {
  const known = w.ctx.signatures.get(name);
  if (known) return known;
  if (w.ctx.computing.has(name)) {
    w.readUnfinishedSignature = true;
    return { params: [] };
  }
  return computeSignature(w.ctx, name);
}

export function runToFixpoint(ctx: TranslateContext, fn: SyntaxNode, cls: ClassIR | undefined, opts: WalkOptions): WalkState {
  const key = walkKey(ctx, cls, opts);
  const before = sharedStateStamp(ctx);
  const entries = walkCache.get(ctx)?.get(fn);
  const cached = entries?.find((e) => e.key === key && e.stamp === before)?.walker;
  if (cached) return cached;
  // at the model boundary, the same walk off it where no round returned a value the boundary converts: the
  // boundary is read by return statements alone (a top-level class's forward is walked off it for its preferred layouts first)
  const off = opts.boundary && ctx.layout === "torch" ? walkKey(ctx, cls, { ...opts, boundary: false }) : undefined;
  const same = off !== undefined ? entries?.find((e) => e.key === off && e.stamp === before && !e.boundaryMatters)?.walker : undefined;
  if (same) return same;
  let decisions = new Map<string, LayoutDecision>();
  let w: WalkState;
  let round = 0;
  let boundaryMatters = false;
  do {
    const anyRank = ctx.anyRankLayers.size;
    w = new WalkState(ctx, fn, cls, new Map(decisions), opts);
    walkFunction(w);
    boundaryMatters ||= w.boundaryMatters;
    // a layer's rank guess was contradicted: the decisions made on that guess go with it (passes/any-rank-layers.ts)
    decisions = ctx.anyRankLayers.size === anyRank ? w.decisions : new Map();
  } while (w.newDecision && ++round < 12);
  if (!w.readUnfinishedSignature && sharedStateStamp(ctx) === before) rememberWalk(ctx, fn, key, before, w, boundaryMatters);
  return w;
}

/**
 * Walks already made, per function. A forward is walked to a fixpoint for its signature (twice: the layouts it
 * prefers, then with them) and once more for the output; most of these walks have the same inputs. A walk is
 * a function of the function, its class, the walk's options and the shared state it reads: signatures (fixed
 * once computed), and the layers the walks marked for a torch-layout helper, a CHW flatten or any rank (sets
 * that only grow). A walk is reused only if that shared state did not change during it or since, and it read no
 * signature still being computed. The walker is reused as it is: its edits and diagnostics are reported once,
 * by the layout pass, for the walk it keeps.
 */
const walkCache = new WeakMap<TranslateContext, Map<SyntaxNode, { key: string; stamp: string; walker: WalkState; boundaryMatters: boolean }[]>>();

function walkKey(ctx: TranslateContext, cls: ClassIR | undefined, opts: WalkOptions): string {
  // the boundary only changes a walk in torch layout (returns converted back); no params and none given read the same
  const boundary = opts.boundary && ctx.layout === "torch";
  return JSON.stringify([cls?.name ?? null, boundary, [...(opts.params ?? [])], !!opts.logicalReturns]);
}

function sharedStateStamp(ctx: TranslateContext): string {
  return `${ctx.chwFlatten.size}:${ctx.torchLayoutLayers.size}:${ctx.anyRankLayers.size}`;
}

function rememberWalk(ctx: TranslateContext, fn: SyntaxNode, key: string, stamp: string, walker: WalkState, boundaryMatters: boolean): void {
  let byFn = walkCache.get(ctx);
  if (!byFn) walkCache.set(ctx, (byFn = new Map()));
  let entries = byFn.get(fn);
  if (!entries) byFn.set(fn, (entries = []));
  entries.push({ key, stamp, walker, boundaryMatters });
}

function resultType(returns: Val[]): TensorType | TensorType[] | undefined {
  const r = returns[0];
  if (!r) return undefined;
  if (r.k === "tensor") return r.t;
  if (r.k === "list" && r.items) return r.items.map((i) => (i.k === "tensor" ? i.t : { kind: "tensor" as const }));
  return undefined;
}

/** Items of a returned tuple that are tuples themselves: a caller that unpacks one holds a list, not a tensor (list-growth.ts). */
function resultLists(returns: Val[]): number[] {
  const r = returns[0];
  if (r?.k !== "list" || !r.items) return [];
  return r.items.flatMap((v, i) => (v.k === "list" ? [i] : []));
}

export function forwardParamNames(fn: SyntaxNode): string[] {
  return namedChildren(fn.childForFieldName("parameters")!)
    .filter((p) => p.type !== "list_splat_pattern" && p.type !== "dictionary_splat_pattern")
    .map(paramName)
    .filter((n): n is string => !!n && n !== "self");
}
