/**
 * Module calls in the function-body walk: what calling a module does to layouts. A layer takes its row's
 * layout; a class of the file takes the layouts its forward signature prefers; a Sequential applies its items
 * in turn (through c2m_sequential where they disagree); one of several modules must agree or is reported; a
 * class of another file or an unknown module gets torch's layout.
 */
import { unknownArgumentIsTorchTensor } from "../unknown-arguments.js";
import { callArgs, namedChildren, nodeKey, type SyntaxNode } from "../../grammar/python.js";
import type { ForeignClass, ModVal } from "../../ir/module.js";
import { channelsLast, isIdentity, samePerm, type TensorType } from "../../ir/tensor.js";
import { elementOf, SEQUENTIAL_ITEMS } from "../module-tree.js";
import { callsPositionally, classesAmong, isChannelsLast, layoutDeclaration, restoreDecisions, valueAsDecided } from "../sequential-layouts.js";
import { foreignSequentialItems, foreignTakesTorchLayout } from "../package-classes.js";
import type { LayerRow } from "../tables/layers.js";
import { RUNTIME_MODULE_MESSAGE, runtimeModuleArgs } from "../runtime-modules.js";
import { ANY_RANK_HELPER } from "../any-rank-layers.js";
import { rebuild } from "./source-text.js";
import type { Gen, LayoutDecision, Val } from "./types.js";
import { isUnitAdaptivePool, layerChannels, optionsAgree, tensorVal } from "./values.js";
import { convert, toLogical, toLogicalDeep } from "./layout-conversion.js";
import type { WalkState } from "./state.js";
import { forwardParamNames, signatureOf } from "./fixpoint.js";
import { assume, openRecursion } from "./recursive-classes.js";
import { call } from "./calls.js";
import { expr } from "./expressions.js";
import { nameTable } from "../../ir/tables.js";

const UNBATCHED_HELPER = "c2m_unbatched";

/** Layers whose input rank decides their layout, with a helper that works in torch's layout at any rank. */
export const TORCH_LAYOUT_HELPERS: Record<string, string> = nameTable({ "torch.nn.BatchNorm1d": "BatchNorm1d" });

export function moduleCall(w: WalkState, e: SyntaxNode, m: ModVal, calleeText: string): Gen {
  const argNodes = callArgs(e).positional;
  const gens = argNodes.map((a) => expr(w, a));
  const kw = callArgs(e).keyword;
  const kwGens = new Map([...kw].map(([k, v]) => [k, expr(w, v)] as const));
  const result = applyModule(w, m, gens, argNodes, e);
  const runtime = "runtime" in result && !!result.runtime;
  const replaced = new Map<SyntaxNode, string>();
  argNodes.forEach((a, i) => replaced.set(a, result.args[i]));
  for (const [k, v] of kw) {
    let g = kwGens.get(k)!;
    // a keyword argument is converted as the positional one it names would be: to the layout the callee's forward
    // takes it in (`d(hidden_states=sample)`), a list to torch's layout (its items are read so: list-boundaries.ts);
    // through c2m_sequential, in torch's layout as the arguments after x
    const want = g.v.k === "tensor" && !runtime ? keywordLayout(w, m, k, e) : undefined;
    if (g.v.k === "tensor") g = want ? convert(w, g, v, want.perm, want.rank ?? g.v.t.rank) : toLogical(w, g, v);
    else if (g.v.k === "list") g = toLogicalDeep(w, g, v);
    replaced.set(v, g.text);
  }
  const fn = e.childForFieldName("function")!;
  const callee = calleeText !== fn.text ? calleeText : expr(w, fn).text;
  if (runtime) return { v: result.v, text: `c2m_sequential(${[callee, result.args[0], ...keywordTexts(w, e, replaced)].join(", ")})` };
  if (result.via) {
    w.ctx.helpers.add(result.via);
    return { v: result.v, text: `${result.via}(${callee}, ${rebuild(e.childForFieldName("arguments")!, replaced).slice(1, -1)})` };
  }
  replaced.set(fn, callee);
  return { v: result.v, text: rebuild(e, replaced) };
}

/** The keyword arguments and `**` splats of a call, as the walk rewrote them, for the helper to pass on. */
function keywordTexts(w: WalkState, call: SyntaxNode, replaced: Map<SyntaxNode, string>): string[] {
  return namedChildren(call.childForFieldName("arguments")!).flatMap((a) => {
    if (a.type === "keyword_argument") return [`${a.childForFieldName("name")!.text}=${replaced.get(a.childForFieldName("value")!)!}`];
    if (a.type === "dictionary_splat") return [`**${expr(w, namedChildren(a)[0]).text}`];
    return [];
  });
}

/**
 * The layout a module class of this file takes the parameter `name` of its forward in (every option of a union that
 * agrees); undefined for torch's. Options that disagree take torch's layout, which C2M-W022 says at the call.
 */
function keywordLayout(w: WalkState, m: ModVal, name: string, call: SyntaxNode): TensorType | undefined {
  const options = m.k === "union" ? m.options : [m];
  const wants = options.map((o) => {
    if (o.k !== "class" || o.ext) return undefined;
    const fwd = w.ctx.mod.classes.get(o.name)?.methods.get("forward");
    const i = fwd ? forwardParamNames(fwd).indexOf(name) : -1;
    return i < 0 ? undefined : signatureOf(w, o.name).params[i];
  });
  if (wants.every((t) => samePerm(t?.perm, wants[0]?.perm))) return wants[0];
  if (w.seqDepth === 0) w.diag("C2M-W022", call, `the modules this call may reach take ${name} in different layouts; c2m passes torch's layout`);
  return undefined;
}

/**
 * What calling a module does: the call's value, the argument texts after any conversion, and whether it runs
 * through c2m_sequential, or `via` another helper taking the module and the call's arguments.
 */
type AppliedModule = { v: Val; args: string[]; runtime?: boolean; via?: string };

/** How calling a module of one kind is walked (`m` narrowed to that kind). */
type ModuleApplier<K extends ModVal["k"]> = (w: WalkState, m: Extract<ModVal, { k: K }>, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode) => AppliedModule;

/** What calling module `m` on `args` does to layouts; returns the argument texts after any conversion. */
function applyModule(w: WalkState, m: ModVal, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): AppliedModule {
  const apply = (MODULE_APPLIERS[m.k] ?? applyOtherModule) as ModuleApplier<ModVal["k"]>;
  return apply(w, m, args, nodes, call);
}

/** A torch layer: its row's layout (channels-last, elementwise, torch's), a Flatten of a channels-last value in torch's order. */
function applyLayer(w: WalkState, m: Extract<ModVal, { k: "layer" }>, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): AppliedModule {
  const texts = args.map((a) => a.text);
  const row = m.row;
  if (!args.length) return { v: { k: "other" }, args: texts };
  const torchLayoutHelper = TORCH_LAYOUT_HELPERS[row.torch];
  const a0v = args[0].v;
  if (torchLayoutHelper && a0v.k === "tensor") {
    // (N, C) or (N, C, L)? A rank c2m cannot tell is left to the helper, which asks at run time
    const key = nodeKey(m.call);
    if (isIdentity(a0v.t.perm) && a0v.t.rank === undefined && !w.ctx.torchLayoutLayers.has(key)) {
      w.ctx.torchLayoutLayers.add(key);
      w.newDecision = true;
    }
    if (w.ctx.torchLayoutLayers.has(key)) {
      const c = toLogical(w, args[0], nodes[0]);
      return { v: tensorVal(), args: [c.text, ...texts.slice(1)] };
    }
    if (isIdentity(a0v.t.perm) && a0v.t.rank === 2) return { v: { k: "tensor", t: a0v.t }, args: texts };
  }
  if (row.layout === "channels_last") {
    // a layer of several ranks (GroupNorm on (N, C, L)) takes the rank of its input where c2m knows it
    const a0 = args[0].v.k === "tensor" ? args[0].v.t : undefined;
    const given0 = a0 ? (a0.rank ?? a0.perm?.length) : undefined;
    // an unbatched input, where torch's layer takes one: run in torch's layout through a batch of one (c2m_unbatched)
    if ((row as LayerRow).unbatched && row.rank !== undefined && given0 === row.rank - 1 && !(row as LayerRow).ranks?.includes(given0)) {
      const c = toLogical(w, args[0], nodes[0]);
      return { v: { k: "tensor", t: { kind: "tensor", rank: given0 } }, args: [c.text, ...texts.slice(1)], via: UNBATCHED_HELPER };
    }
    const rank = given0 !== undefined && (row as LayerRow).ranks?.includes(given0) ? given0 : (row.rank ?? 4);
    // a value c2m did not see to be a tensor (a user function's result from a list) is one here, in torch's layout
    const given: Gen = args[0].v.k === "other" ? { v: { k: "tensor", t: { kind: "tensor" }, assumed: true }, text: args[0].text } : args[0];
    // a layer of several ranks on a value of unknown rank: the row's default rank is a guess (../any-rank-layers.ts)
    const guessed = given0 === undefined && !!(row as LayerRow).ranks && w.seqDepth === 0 && !!w.fn && m.call.tree === w.fn.tree;
    // a layer subclass's own call (`super().forward(x)`, its m.call the class) serves every caller's rank: never guessed
    const ownLayer = m.call.type === "class_definition";
    if (guessed && (ownLayer || w.ctx.anyRankLayers.has(nodeKey(m.call))))
      return { v: tensorVal(), args: [toLogical(w, given, nodes[0]).text, ...texts.slice(1)], via: ANY_RANK_HELPER };
    const c = convert(w, given, nodes[0], channelsLast(rank), rank);
    const channels = layerChannels(m) ?? (args[0].v.k === "tensor" ? args[0].v.t.channels : undefined);
    const rankGuess = guessed ? { layer: nodeKey(m.call), fn: w.fn!.startIndex } : undefined;
    const t: TensorType = { kind: "tensor", rank, perm: channelsLast(rank), spatialOne: isUnitAdaptivePool(m), channels, ...(rankGuess ? { rankGuess } : {}) };
    return { v: { k: "tensor", t }, args: [c.text, ...texts.slice(1)] };
  }
  if (row.torch === "torch.nn.Linear" && args[0].v.k === "tensor" && args[0].v.t.flatFrom) {
    w.linearNhwc.set(nodeKey(m.call), args[0].v.t.flatFrom.channels);
    return { v: tensorVal(), args: texts };
  }
  if (row.layout === "elementwise") {
    const a0 = args[0];
    if (/Flatten$/.test(row.torch) && a0.v.k === "tensor" && !isIdentity(a0.v.t.perm) && !a0.v.t.spatialOne) {
      const c = toLogical(w, a0, nodes[0]);
      return { v: { k: "tensor", t: { kind: "tensor" } }, args: [c.text, ...texts.slice(1)] };
    }
    if (/Flatten$/.test(row.torch)) return { v: { k: "tensor", t: { kind: "tensor" } }, args: texts };
    return { v: a0.v.k === "tensor" ? { k: "tensor", t: a0.v.t } : a0.v, args: texts };
  }
  const conv = args.map((a, i) => (a.v.k === "tensor" ? toLogical(w, a, nodes[i]).text : a.text));
  if (row.returns === "tuple") return { v: { k: "list", items: [tensorVal(), { k: "other" }] }, args: conv };
  return { v: tensorVal(), args: conv };
}

/** A module class of the file: the layouts its forward signature prefers; a class of another file gets torch's layout. */
function applyClass(w: WalkState, m: Extract<ModVal, { k: "class" }>, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): AppliedModule {
  if (m.ext) return foreignModuleCall(w, m.ext, args, nodes, call);
  const seqItems = w.ctx.mod.classes.get(m.name)?.attrs.get(SEQUENTIAL_ITEMS);
  if (seqItems && !w.ctx.mod.classes.get(m.name)!.methods.has("forward")) return applyModule(w, seqItems, args, nodes, call);
  const sig = signatureOf(w, m.name);
  const conv = args.map((a, i) => {
    const want = sig.params[i];
    // a value not typed, where the callee wants a tensor channels-last: one in torch's layout (unknown-arguments.ts)
    if (unknownArgumentIsTorchTensor(a.v.k, want?.perm))
      return convert(w, { v: { k: "tensor", t: { kind: "tensor" }, assumed: true }, text: a.text }, nodes[i], want?.perm, want?.rank).text;
    // a list of tensors goes in torch's layout: the callee reads its items so (list-boundaries.ts)
    if (a.v.k !== "tensor") return listArgument(w, a, nodes[i]);
    return convert(w, a, nodes[i], want?.perm, want?.rank ?? a.v.t.rank).text;
  });
  const r = sig.result;
  // an item that is a tuple itself (returned in torch's layout, as every returned list) stays a list
  const item = (t: TensorType, i: number): Val => (sig.resultLists?.includes(i) ? { k: "list", items: null, elem: { k: "tensor", t: { kind: "tensor" } } } : { k: "tensor", t });
  const v: Val = Array.isArray(r) ? { k: "list", items: r.map(item) } : r ? { k: "tensor", t: r } : { k: "other" };
  return { v, args: conv };
}

/** A Sequential: its items applied in turn; items that disagree on layout run through c2m_sequential (itemsByLayout). */
function applySequential(w: WalkState, m: Extract<ModVal, { k: "seq" }>, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): AppliedModule {
  const texts = args.map((a) => a.text);
  if (!args.length) return { v: { k: "other" }, args: texts };
  const items = m.items ?? (m.elem ? [m.elem, m.elem] : []);
  // the Sequential's input may need converting for its first layout-sensitive member
  let cur: Gen = args[0];
  let first = true;
  let outText = texts[0];
  if (w.seqDepth++ === 0) w.mixedLayouts = false;
  try {
    for (const item of items) {
      const r = applyModule(w, item, [cur], [nodes[0]], call);
      if (first) outText = r.args[0];
      else if (r.args[0] !== cur.text) markSequenceFlatten(w, item);
      first = false;
      cur = { v: r.v, text: cur.text };
    }
  } finally {
    w.seqDepth--;
  }
  if (w.seqDepth === 0 && w.mixedLayouts) return itemsByLayout(w, m, args, nodes, call);
  return { v: cur.v, args: [outText, ...texts.slice(1)] };
}

/** One of several modules, chosen at run time: they must agree on layout, else run by layout or reported. */
function applyUnion(w: WalkState, m: Extract<ModVal, { k: "union" }>, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): AppliedModule {
  const assumed = assumingRecursion(w, m.options, args, nodes, call);
  if (assumed) return assumed;
  const before = new Map(w.decisions);
  const results = m.options.map((o) => applyModule(w, o, args, nodes, call));
  if (optionsAgree(results) || optionsAgreeAsDecided(w, m.options, args, nodes, call, before)) return results[0];
  restoreDecisions(w.decisions, before);
  // an item of a Sequential: the Sequential runs its items by layout (sequential-layouts.ts)
  if (w.seqDepth > 0) w.mixedLayouts = true;
  // outside a Sequential, one of several modules (timm's Mlp: a 1x1 conv or a Linear, chosen at run time) may
  // take a value of any rank: the module held at run time says what it takes (c2m_sequential, as a Sequential of one)
  if (w.seqDepth === 0 && args[0]?.v.k === "tensor" && callsPositionally(call)) return itemsByLayout(w, m, args, nodes, call);
  if (w.seqDepth === 0 && args.some((a) => a.v.k === "tensor")) w.diag("C2M-W022", call, "the modules this call may reach take different layouts; c2m passes torch's layout");
  const conv = args.map((a, i) => (a.v.k === "tensor" ? toLogical(w, a, nodes[i]).text : listArgument(w, a, nodes[i])));
  return { v: tensorVal(), args: conv };
}

/**
 * A union holding a class whose signature is being computed (its forward reaches itself) beside classes of this file
 * that agree: applied as they are, the open class assumed to behave as they do (./recursive-classes.ts); undefined
 * where that does not hold (the union is applied as any other).
 */
function assumingRecursion(w: WalkState, options: ModVal[], args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): AppliedModule | undefined {
  const open = options.filter((o): o is Extract<ModVal, { k: "class" }> => openRecursion(w.ctx, o));
  const siblings = options.filter((o) => !open.includes(o as Extract<ModVal, { k: "class" }>));
  if (!open.length || !siblings.length || siblings.some((o) => o.k !== "class" || o.ext || w.ctx.computing.has(o.name))) return undefined;
  const before = new Map(w.decisions);
  const pending = w.pending.length;
  const results = siblings.map((o) => applyModule(w, o, args, nodes, call));
  if (!optionsAgree(results)) {
    restoreDecisions(w.decisions, before);
    w.pending.length = pending;
    return undefined;
  }
  assume(
    w.ctx,
    open.map((o) => o.name),
    signatureOf(w, (siblings[0] as { name: string }).name),
    args.length,
  );
  // the walk rests on an assumption: it is not reused as it is (./fixpoint.ts)
  w.readUnfinishedSignature = true;
  return results[0];
}

/** A ModuleList or ModuleDict called as one of its items. */
function applyContainer(w: WalkState, m: Extract<ModVal, { k: "list" | "dict" }>, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): AppliedModule {
  return applyModule(w, elementOf(m), args, nodes, call);
}

/** Any other module (a value c2m cannot type): torch's layout, or c2m_sequential where the module held at run time decides. */
function applyOtherModule(w: WalkState, m: ModVal, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): AppliedModule {
  // a module whose class c2m cannot tell: the class it has at run time says what layout it takes (runtime-modules.ts)
  if (m.k === "unknown" && args[0]?.v.k === "tensor" && callsPositionally(call)) {
    w.diag("C2M-W007", call, RUNTIME_MODULE_MESSAGE);
    w.ctx.helpers.add("c2m_sequential");
    const conv = args.map((a, i) => (a.v.k === "tensor" ? toLogical(w, a, nodes[i]).text : a.text));
    return { v: tensorVal(), args: [runtimeModuleArgs(conv)], runtime: true };
  }
  w.diag("C2M-W007", call, "callee not known to c2m; its tensor arguments are passed in torch layout");
  const conv = args.map((a, i) => (a.v.k === "tensor" ? toLogical(w, a, nodes[i]).text : listArgument(w, a, nodes[i])));
  return { v: tensorVal(), args: conv };
}

/**
 * A block class another file of the package gives this model (known only at run time, passes/module-tree.ts): the
 * package's classes keep torch's layout at their forward for callers in other files (src/cross-file-names.ts), so it
 * takes and gives torch's layout.
 */
const applyAnyClass: ModuleApplier<"anyclass"> = (w, _m, args, nodes) => {
  const conv = args.map((a, i) => (a.v.k === "tensor" ? toLogical(w, a, nodes[i]).text : listArgument(w, a, nodes[i])));
  return { v: tensorVal(), args: conv };
};

/**
 * A function the attribute may hold instead of a module (module-values.ts isPlainFunction: RAFT's `_pass_through_h`
 * where it builds no ConvGRU): the file's functions keep torch's layout when passed as values, so it takes and gives
 * torch's layout; beside a module of another layout the union routes the call at run time (applyUnion).
 */
const applyPlainValue: ModuleApplier<"value"> = (w, m, args, nodes, call) => {
  if (!m.callable) return applyOtherModule(w, m, args, nodes, call);
  const conv = args.map((a, i) => (a.v.k === "tensor" ? toLogical(w, a, nodes[i]).text : listArgument(w, a, nodes[i])));
  return { v: tensorVal(), args: conv };
};

/** The applier of each module kind; `applyOtherModule` for any other. */
const MODULE_APPLIERS: { [K in ModVal["k"]]?: ModuleApplier<K> } = {
  layer: applyLayer,
  class: applyClass,
  seq: applySequential,
  union: applyUnion,
  list: applyContainer,
  dict: applyContainer,
  anyclass: applyAnyClass,
  value: applyPlainValue,
};

/**
 * A module class of another file: its forward is translated with that file, where a class no class of
 * its own file uses keeps torch's layout at its boundary; its tensor arguments go in torch's layout.
 */
function foreignModuleCall(w: WalkState, ext: ForeignClass, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): AppliedModule {
  const seqItems = foreignSequentialItems(ext.cls, ext.cls.attrs.get(SEQUENTIAL_ITEMS));
  if (seqItems) return applyModule(w, seqItems, args, nodes, call);
  const inPackage = w.ctx.packageBoundaries && ext.mod.semantic?.file.origin === "user";
  if (!(inPackage || foreignTakesTorchLayout(ext)) || w.ctx.layout === "nhwc") {
    w.diag("C2M-W013", call, `${ext.cls.name} (${ext.mod.file}) may not take torch's layout at its forward; c2m passes torch's layout`);
  }
  const conv = args.map((a, i) => (a.v.k === "tensor" ? toLogical(w, a, nodes[i]).text : listArgument(w, a, nodes[i])));
  return { v: tensorVal(), args: conv };
}

/** An argument that is no tensor, to a module that reads a list's items in torch's layout (list-boundaries.ts). */
function listArgument(w: WalkState, a: Gen, node: SyntaxNode): string {
  return a.v.k === "list" ? toLogicalDeep(w, a, node).text : a.text;
}

/**
 * Options of a union that disagreed on a value's layout may agree once it arrives as they asked (every item of a
 * Sequential of convs and norms takes channels-last): tried again on the values as decided, saying nothing.
 */
function optionsAgreeAsDecided(w: WalkState, options: ModVal[], args: Gen[], nodes: SyntaxNode[], call: SyntaxNode, before: Map<string, LayoutDecision>): boolean {
  const decided = args.map((a) => valueAsDecided(a, w.decisions, before));
  if (decided.every((a, i) => a === args[i])) return false;
  const pending = w.pending.length;
  const mixed = w.mixedLayouts;
  const again = options.map((o) => applyModule(w, o, decided, nodes, call));
  w.pending.length = pending;
  w.mixedLayouts = mixed;
  return optionsAgree(again);
}

/** A Flatten inside a Sequential that receives a channels-last value flattens in torch's (C, H, W) order. */
function markSequenceFlatten(w: WalkState, item: ModVal): void {
  if (item.k === "layer" && /Flatten$/.test(item.row.torch)) {
    if (!w.ctx.chwFlatten.has(nodeKey(item.call))) {
      w.ctx.chwFlatten.add(nodeKey(item.call));
      w.newDecision = true;
    }
  } else w.mixedLayouts = true;
}

/**
 * A module (a Sequential, or one of several) whose items disagree on layout: called through `c2m_sequential`,
 * which converts before each item that needs it; this file's classes among the items declare their layouts.
 * Where a class's layouts cannot be declared, torch's layout is passed and C2M-W022 says so.
 */
function itemsByLayout(w: WalkState, m: ModVal, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): AppliedModule {
  // a class with no forward of its own is a container (a Sequential subclass): the helper walks its items
  const classes = w.ctx.mod.classes;
  const own = classesAmong(m, (name) => (classes.get(name)?.methods.has("forward") ? undefined : classes.get(name)?.attrs.get(SEQUENTIAL_ITEMS))).filter((name) =>
    classes.get(name)?.methods.has("forward"),
  );
  const a = args[0].v.k === "tensor" ? args[0] : undefined;
  const start = a ? isChannelsLast((a.v as { t: TensorType }).t) : false;
  // the helper hands arguments after x over in torch's layout: a class of this file must take them so
  const keywords = [...callArgs(call).keyword.keys()];
  const restInTorchLayout = (name: string) => {
    const params = signatureOf(w, name).params;
    const fwd = classes.get(name)?.methods.get("forward");
    const named = fwd ? keywords.map((k) => params[forwardParamNames(fwd).indexOf(k)]) : [];
    return [...params.slice(1, args.length), ...named].every((p) => !p || isIdentity(p.perm));
  };
  if (own.some((name) => !layoutDeclaration(signatureOf(w, name)) || !restInTorchLayout(name)) || start === undefined) {
    w.diag("C2M-W022", call, "the modules this call may reach take different layouts; c2m passes torch's layout");
    return { v: tensorVal(), args: args.map((g, i) => (g.v.k === "tensor" ? toLogical(w, g, nodes[i]).text : g.text)) };
  }
  for (const name of own) w.ctx.layoutDeclarations.add(name);
  w.ctx.helpers.add("c2m_sequential");
  // arguments after x go in torch's layout (the module held at run time takes them as torch's does)
  const rest = args.slice(1).map((g, i) => (g.v.k === "tensor" ? toLogical(w, g, nodes[i + 1]).text : g.text));
  return { v: tensorVal(), args: [[args[0].text, start ? "True" : "False", "False", ...rest].join(", ")], runtime: true };
}
