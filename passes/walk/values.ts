/**
 * Pure helpers on the walk's abstract values (passes/walk/types.ts Val): making, joining and reading them.
 * Nothing here records an edit or a decision.
 */
import { callArgs, intLiteral, intTuple, type SyntaxNode } from "../../grammar/python.js";
import type { ModVal } from "../../ir/module.js";
import { samePerm } from "../../ir/tensor.js";
import { bindArgs, parseSig } from "../template-render.js";
import { elementOf } from "../module-tree.js";
import type { Val } from "./types.js";

export function tensorVal(): Val {
  return { k: "tensor", t: { kind: "tensor" } };
}

/**
 * What a parameter holds when no caller says (and no annotation names a module class of the file, which
 * passes/annotated-classes.ts reads): a number for a scalar annotation or literal default, a list of tensors for
 * `List[Tensor]`, a tensor for a `Tensor` annotation, and otherwise a tensor only presumed (`assumed`).
 */
export function paramDefault(p: SyntaxNode): Val {
  const ann = p.childForFieldName("type")?.text ?? "";
  if (/^(int|float|bool|str)\b/.test(ann)) return { k: "num" };
  const dflt = p.childForFieldName("value");
  if (dflt && (dflt.type === "integer" || dflt.type === "float" || dflt.type === "true" || dflt.type === "false" || dflt.type === "string")) return { k: "num" };
  // `xs: List[torch.Tensor]`: a list whose items a module reads in torch's layout (list-boundaries.ts)
  if (/^(Optional\[)?(typing\.)?(List|list|Sequence|Tuple|tuple)\[/.test(ann) && /Tensor/.test(ann)) return { k: "list", items: null, elem: tensorVal() };
  // `x: torch.Tensor` is evidence; a bare parameter is only presumed to be a tensor
  return /Tensor/.test(ann) ? tensorVal() : { k: "tensor", t: { kind: "tensor" }, assumed: true };
}

/**
 * `{ ...v, def }`, written out: these are the walk's busiest allocation sites, and a spread of values of
 * several shapes takes V8's generic path. `assumed` stays present or absent as it is in `v`.
 */
export function withDef(v: Extract<Val, { k: "tensor" }>, def: string): Val {
  const out: Extract<Val, { k: "tensor" }> = { k: "tensor", t: v.t, def };
  if ("assumed" in v) out.assumed = v.assumed;
  if (v.host) out.host = true;
  return out;
}

/**
 * What join() makes of a tensor every branch holds unchanged: the same value with `spatialOne` a boolean, and
 * still `assumed` when it was (a parameter merely presumed a tensor stays so after an `if` that left it alone:
 * an init function's `m` is still maybe a layer). Values are never mutated, so one already in that form is
 * kept, and the others are made once.
 */
const joinedTensors = new WeakMap<Val, Val>();

export function joinedTensor(v: Extract<Val, { k: "tensor" }>): Val {
  // a tensor value has k, t and optionally def and assumed: the joined form has def (maybe undefined), and assumed only when true
  if (!("assumed" in v && !v.assumed) && "def" in v && typeof v.t.spatialOne === "boolean") return v;
  let j = joinedTensors.get(v);
  if (!j) {
    const joined: Extract<Val, { k: "tensor" }> = { k: "tensor", t: { ...v.t, spatialOne: !!v.t.spatialOne }, def: v.def };
    if (v.assumed) joined.assumed = true;
    if (v.maybeNone) joined.maybeNone = true;
    if (v.host) joined.host = true;
    joinedTensors.set(v, (j = joined));
  }
  return j;
}

const orNone = new WeakMap<Val, Val>();

/** Tensor `v` as a value that may also be None (one object per tensor value, as joins compare values by identity). */
export function tensorOrNone(v: Extract<Val, { k: "tensor" }>): Val {
  if (v.maybeNone) return v;
  let j = orNone.get(v);
  if (!j) orNone.set(v, (j = { ...v, t: { ...v.t, spatialOne: !!v.t.spatialOne }, def: v.def, maybeNone: true }));
  return j;
}

/** Lists from several branches: their items' value when any holds one (an empty list holds none), of unknown length. */
export function joinedList(lists: Extract<Val, { k: "list" }>[]): Val {
  const held = lists.flatMap((l) => [...(l.items ?? []), ...(l.elem ? [l.elem] : [])]);
  return held.length ? { k: "list", items: null, elem: mergeVal(held) } : { k: "list", items: [] };
}

export function mergeVal(vals: Val[]): Val {
  const t = vals.find((v) => v.k === "tensor");
  return t ?? vals[0] ?? { k: "other" };
}

/** Whether the options of a union, applied to the same values, took them as given and gave the same layout. */
export function optionsAgree(results: { v: Val; args: string[] }[]): boolean {
  return results.every((r) => sameLayout(r.v, results[0].v) && r.args[0] === results[0].args[0]);
}

function sameLayout(a: Val, b: Val): boolean {
  if (a.k === "tensor" && b.k === "tensor") return samePerm(a.t.perm, b.t.perm);
  return a.k === b.k;
}

/** Whether an item assignment's target holds a container (a dict, a list: no tensor, whose item assignment keeps its layout). */
export function storesIntoContainer(v: Val): boolean {
  return v.k === "other" || v.k === "list";
}

/** What `.items()` / `.values()` of a container whose children are `child` gives: a list of pairs, or of children. */
export function childIteration(child: ModVal, kind: "pairs" | "children"): Val {
  const m: Val = { k: "module", m: child };
  return { k: "list", items: null, elem: kind === "pairs" ? { k: "list", items: [{ k: "other" }, m] } : m };
}

export function iterElement(v: Val, node: SyntaxNode): Val {
  if (v.k === "module") return { k: "module", m: moduleElement(v.m) };
  if (v.k === "list") return v.items ? mergeVal(v.items) : (v.elem ?? { k: "other" });
  if (node.type === "call" && node.childForFieldName("function")?.text === "range") return { k: "num" };
  if (v.k === "tensor") return { k: "tensor", t: { kind: "tensor" }, assumed: true };
  return { k: "other" };
}

/**
 * An element of a module container (a ModuleList, Sequential or ModuleDict, held as such by the module tree). torch
 * fills these with modules only, so an item c2m took for a plain value (`bns.append(norm_layer(width))`, with
 * `norm_layer=None` filled by a model of another file: timm's Bottle2neck given to ResNet) is a module only the built
 * model holds, of a class c2m cannot tell, as calls.ts takes such a self attribute: called, the class it has at run
 * time decides its layout (c2m_sequential, C2M-W007).
 */
export function moduleElement(container: ModVal): ModVal {
  const element = elementOf(container);
  const filled = container.k === "list" || container.k === "seq" || container.k === "dict";
  return filled && element.k === "value" ? { k: "unknown" } : element;
}

/** The channel count a layer's constructor states with an integer literal (out_channels, num_features...). */
export function layerChannels(m: ModVal): number | undefined {
  if (m.k !== "layer") return undefined;
  const params = parseSig(m.row.sig);
  const args = callArgs(m.call);
  const bound = bindArgs(params, args.positional, args.keyword);
  for (const name of ["out_channels", "num_features", "num_channels"]) {
    const n = bound.byName.get(name);
    const v = n && !Array.isArray(n) ? intLiteral(n) : undefined;
    if (v !== undefined) return v;
  }
  return undefined;
}

export function isUnitAdaptivePool(m: ModVal): boolean {
  if (m.k !== "layer" || !/AdaptiveAvgPool|AdaptiveMaxPool/.test(m.row.torch)) return false;
  const a = callArgs(m.call).positional[0] ?? callArgs(m.call).keyword.get("output_size");
  const vals = intTuple(a);
  return !!vals && vals.every((v) => v === 1);
}
