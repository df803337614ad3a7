/**
 * Op calls in the function-body walk: a torch function or tensor method with a row in the op table
 * (passes/tables/) rendered through the row's template, its tensor arguments brought to the layout the row's
 * kind needs (source, logical, channels-last, elementwise, axis, reduce) and its axes renumbered for a
 * channels-last subject; size(), dim() and numel() read the physical shape.
 */
import { callArgs, intLiteral, intTuple, namedChildren, type SyntaxNode } from "../../grammar/python.js";
import type { OpMapping } from "../../ir/tables.js";
import { channelsLast, dropAxes, isIdentity, physicalAxis, type Perm } from "../../ir/tensor.js";
import { bindArgs, paren, parseSig, renderTemplate, type SigParam } from "../template-render.js";
import { factoryDictKeys, splatted, splitDictSplats, spreadRow, unboundListSplat } from "../call-splats.js";
import { pythonTypeDtypes } from "../python-type-dtypes.js";
import { outArgument, outArgumentMessage, OUT_ARGUMENT_CODE } from "../out-argument.js";
import { logicalResultRank } from "../logical-ranks.js";
import { OP_BY_NAME } from "../tables/index.js";
import { allowedArgument } from "../tables/layers.js";
import { defaultsOf, isListArgument, textsOf } from "./call-templates.js";
import type { Gen, Val } from "./types.js";
import { tensorVal } from "./values.js";
import { convert, harmonizeList, listToLogical, meet, toLogical, vetoFlat } from "./layout-conversion.js";
import type { WalkState } from "./state.js";
import { channelsLastForm } from "./channels-last-forms.js";
import { fromHost, hostVal } from "./host-values.js";
import { opaqueCall } from "./calls.js";
import { binds, expr } from "./expressions.js";

export const TUPLE_RESULT_OPS = new Set(["split", "chunk", "unbind", "topk", "sort", "max", "min", "meshgrid", "tensor_split", "pack", "unpack"]);

/** Ops whose keyword `dim` (when given) makes the result a (values, indices) pair. */
const PAIR_WITH_DIM = new Set(["max", "min", "median", "mode", "topk", "sort"]);

export function tensorMethod(w: WalkState, e: SyntaxNode, recv: Gen, recvNode: SyntaxNode, method: string): Gen {
  const args = callArgs(e);
  if (method === "size" || method === "dim" || method === "numel") return sizeCall(w, e, recv, method, args.positional[0]);
  const row = OP_BY_NAME.get(`Tensor.${method}`);
  if (!row) {
    if (recv.v.k === "tensor" && !recv.v.assumed) w.diag("C2M-W002", e, `tensor method .${method}() has no MLX mapping`);
    return opaqueCall(w, e, new Map([[recvNode, recv.text]]));
  }
  return opCall(w, e, row, [recvNode, ...args.positional], args.keyword, recv);
}

function sizeCall(w: WalkState, e: SyntaxNode, recv: Gen, method: string, axisNode: SyntaxNode | undefined): Gen {
  const t = recv.v.k === "tensor" ? recv.v.t : { kind: "tensor" as const };
  if (method === "dim") return { v: { k: "num" }, text: `${paren(recv.text)}.ndim` };
  if (method === "numel") return { v: { k: "num" }, text: `${paren(recv.text)}.size` };
  if (!axisNode) return { v: { k: "shape", t }, text: `${paren(recv.text)}.shape` };
  const i = intLiteral(axisNode);
  if (t.perm && !isIdentity(t.perm)) {
    if (i !== undefined) return { v: { k: "num" }, text: `${paren(recv.text)}.shape[${physicalAxis(t.perm, i)}]` };
    const c = toLogical(w, recv, e);
    return { v: { k: "num" }, text: `${paren(c.text)}.shape[${expr(w, axisNode).text}]` };
  }
  return { v: { k: "num" }, text: `${paren(recv.text)}.shape[${expr(w, axisNode).text}]` };
}

export function opCall(w: WalkState, e: SyntaxNode, row: OpMapping, allPositional: SyntaxNode[], keyword: Map<string, SyntaxNode>, recv: Gen | undefined): Gen {
  w.record(row.helpers?.length || row.mlx.includes("{@") ? "helper" : "table", row.torch[0], e);
  const params = parseSig(row.sig);
  const { positional, dictSplats } = splitDictSplats(allPositional);
  const bound = bindArgs(params, positional, numpyKeywords(params, keyword));
  const name = row.torch[0];
  const listSplat = unboundListSplat(positional, bound.byName);
  if (listSplat) {
    const spread = spreadRow(row, positional, new Set(keyword.keys()), listSplat);
    if (spread) return opCall(w, e, spread, allPositional, keyword, recv);
    w.diag("C2M-W030", listSplat, `${listSplat.text} cannot be matched to ${name}'s parameters`);
    return opaqueCall(w, e);
  }
  for (const k of bound.unknown) {
    if (k === "out" && outArgument(e) && !w.writesOut.has(e)) w.diag(OUT_ARGUMENT_CODE, e, outArgumentMessage(e.childForFieldName("function")?.text ?? name));
    if (k === "inplace" || k === "out" || k === "device" || k === "requires_grad" || k === "memory_format" || k === "non_blocking") continue;
    w.diag("C2M-W003", e, `${name} has no argument ${k} in c2m's mapping`);
  }
  for (const [param, allowed] of Object.entries(row.allowed ?? {})) {
    const given = bound.byName.get(param);
    if (given && !Array.isArray(given) && !allowedArgument(given.text, allowed)) {
      // `x = F.relu(x, inplace=True)`: the result goes back where the input was, as in place
      if (param === "inplace" && given.text === "True" && assignsBack(w, e, bound.byName.get(params[0]?.name ?? ""))) continue;
      w.diag("C2M-W003", given, `${name.replace(/^torch\.nn\.functional\./, "F.")}(${param}=${given.text}) is not supported`);
    }
  }
  // translate every argument
  const gens = new Map<SyntaxNode, Gen>();
  // a numpy value (torch's .numpy()) given to an MLX op becomes an MLX one, except where the op reads it on the host
  const readsHost = HOST_READS.has(row.torch[0]);
  for (const n of [...positional, ...keyword.values()]) {
    const g = n === positional[0] && recv ? recv : expr(w, n);
    gens.set(n, readsHost ? g : fromHost(w, g));
  }
  const subjectName = row.subject ?? params[0]?.name;
  const subjectNode = subjectName ? bound.byName.get(subjectName) : undefined;
  const subjectSingle = subjectNode && !Array.isArray(subjectNode) ? subjectNode : undefined;
  const subject = subjectSingle ? gens.get(subjectSingle) : undefined;
  const layoutAware = subject && subjectSingle ? channelsLastForm(w, row, bound, subject, subjectSingle, gens) : undefined;
  if (layoutAware) return layoutAware;
  if (row.torch[0] === "Tensor.expand_as" && subject && subjectSingle) {
    const otherNode = bound.byName.get("other");
    const other = otherNode && !Array.isArray(otherNode) ? gens.get(otherNode) : undefined;
    if (other?.v.k === "tensor" && !isIdentity(other.v.t.perm) && subject.v.k === "tensor" && subject.v.t.rank === other.v.t.rank) {
      // broadcast in the layout the other tensor is held in
      const c = convert(w, subject, subjectSingle, other.v.t.perm, other.v.t.rank);
      return { v: { k: "tensor", t: { kind: "tensor", rank: other.v.t.rank, perm: other.v.t.perm } }, text: `mx.broadcast_to(${c.text}, ${paren(other.text)}.shape)` };
    }
  }
  // every argument's text so far, and the tensor arguments
  const texts = new Map<SyntaxNode, string>();
  const tensorArgs: [SyntaxNode, Gen][] = [];
  for (const [n, g] of gens) {
    texts.set(n, g.text);
    if (g.v.k === "tensor") tensorArgs.push([n, g]);
  }
  if (!(row.layout === "elementwise" && tensorArgs.length === 1)) for (const g of gens.values()) vetoFlat(w, g);
  /** defaulted axis parameters of a channels-last subject, written out in physical order */
  const defaultAxes = new Map<string, string>();
  const handler = OP_LAYOUTS.get(row.layout);
  let resultVal: Val = handler ? handler(w, { row, name, params, bound, gens, texts, tensorArgs, subject, subjectSingle, defaultAxes }) : tensorVal();
  const short = name.slice(name.lastIndexOf(".") + 1);
  if (TUPLE_RESULT_OPS.has(short) && (short !== "max" && short !== "min" ? true : bound.byName.has("dim"))) {
    const elem = resultVal.k === "tensor" ? resultVal : tensorVal();
    resultVal = PAIR_WITH_DIM.has(short) ? { k: "list", items: [elem, tensorVal()] } : { k: "list", items: null, elem };
  }
  if (/\.(float|half|long|int|bool|type_as|to|double|contiguous|detach|clone|cpu|cuda)$/.test(name) && subject?.v.k === "tensor") {
    resultVal = { k: "tensor", t: subject.v.t };
  }
  if (row.torch[0] === "Tensor.view" && resultVal.k === "tensor") {
    const shape = bound.byName.get("shape");
    // `x.reshape(b, c, *size)`: a starred size has as many axes as it holds, which the call does not say
    const dims =
      Array.isArray(shape) && !shape.some((d) => d.type === "list_splat")
        ? shape.length === 1
          ? (intTuple(shape[0])?.length ?? (shape[0].type === "tuple" ? namedChildren(shape[0]).length : undefined))
          : shape.length
        : undefined;
    if (dims !== undefined) resultVal = { k: "tensor", t: { kind: "tensor", rank: dims } };
  }
  if (row.torch[0] === "Tensor.numpy") resultVal = hostVal(resultVal);
  const given = textsOf(bound.byName, texts, bound.keywordOf);
  for (const [k, t] of defaultAxes) given.set(k, t);
  for (const [k, t] of splatKeywords(w, dictSplats, params, name)) if (!given.has(k)) given.set(k, t);
  for (const [k, t] of pythonTypeDtypes(bound.byName, (n) => binds(w, n))) given.set(k, t);
  const sequences = new Set(params.filter((p) => p.varargs && isListArgument(bound.byName.get(p.name), gens)).map((p) => p.name));
  const stateForm = row.stateItems && holdsSelfState(bound.byName.get(params[0]?.name ?? ""), gens) ? row.stateItems : undefined;
  const r = renderTemplate(stateForm?.mlx ?? row.mlx, { given, defaults: defaultsOf(params), sequences });
  if (!r.ok) {
    w.diag("C2M-W002", e, `${name} needs argument ${r.missing}`);
    return opaqueCall(w, e);
  }
  for (const h of [...r.helpers, ...(stateForm?.helpers ?? row.helpers ?? [])]) w.ctx.helpers.add(h);
  for (const i of row.imports ?? []) w.ctx.imports.add(i);
  return { v: resultVal, text: r.text };
}

/** Ops whose port reads a numpy value as it is (`np.array(a)`, `a.tolist()`, `a.item()`). */
const HOST_READS: ReadonlySet<string> = new Set(["Tensor.numpy", "Tensor.tolist", "Tensor.item"]);

/** torch's argument parser takes numpy's names for `dim` and `keepdim` (`torch.cat(xs, axis=1)`, funnel's pooling). */
const NUMPY_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ["axis", "dim"],
  ["keepdims", "keepdim"],
]);

function numpyKeywords(params: SigParam[], keyword: Map<string, SyntaxNode>): Map<string, SyntaxNode> {
  const named = new Set(params.map((p) => p.name));
  if (![...keyword.keys()].some((k) => NUMPY_KEYWORDS.has(k) && !named.has(k) && named.has(NUMPY_KEYWORDS.get(k)!))) return keyword;
  return new Map([...keyword].map(([k, v]) => [NUMPY_KEYWORDS.has(k) && !named.has(k) && named.has(NUMPY_KEYWORDS.get(k)!) ? NUMPY_KEYWORDS.get(k)! : k, v]));
}

/** A list or tuple display holding an attribute of self not known as a tensor of rank 2 or more (state another method set). */
function holdsSelfState(arg: SyntaxNode | SyntaxNode[] | undefined, gens: Map<SyntaxNode, Gen>): boolean {
  if (!arg || Array.isArray(arg) || (arg.type !== "list" && arg.type !== "tuple")) return false;
  return namedChildren(arg).some((item) => {
    if (item.type !== "attribute" || item.childForFieldName("object")!.text !== "self") return false;
    const v = gens.get(arg)?.v;
    const held = v?.k === "list" ? v.items?.[namedChildren(arg).indexOf(item)] : undefined;
    return !(held?.k === "tensor" && (held.t.rank ?? held.t.perm?.length ?? 0) >= 2);
  });
}

/** One op call's arguments as its row's layout handler sees them; a handler rewrites `texts` and `defaultAxes`. */
interface OpArguments {
  row: OpMapping;
  name: string;
  params: SigParam[];
  bound: ReturnType<typeof bindArgs<SyntaxNode>>;
  gens: Map<SyntaxNode, Gen>;
  /** every argument's text so far */
  texts: Map<SyntaxNode, string>;
  tensorArgs: [SyntaxNode, Gen][];
  subject: Gen | undefined;
  subjectSingle: SyntaxNode | undefined;
  /** defaulted axis parameters of a channels-last subject, written out in physical order */
  defaultAxes: Map<string, string>;
}

/** How an op row of one layout kind treats its arguments' layouts; returns the result's value. */
type OpLayoutHandler = (w: WalkState, op: OpArguments) => Val;

/** Every tensor argument in torch's layout, and lists of tensors (torch.cat(xs)) in an op that needs torch order. */
function allLogical(w: WalkState, op: OpArguments): void {
  for (const [n, g] of op.tensorArgs) op.texts.set(n, toLogical(w, g, n).text);
  for (const [n, g] of op.gens) if (g.v.k === "list") op.texts.set(n, listToLogical(w, n, g));
}

/** An op that makes a fresh tensor (zeros, arange, randn): any tensor it reads (a `like`) in torch's layout; a fresh tensor out. */
function sourceLayout(w: WalkState, op: OpArguments): Val {
  allLogical(w, op);
  return tensorVal();
}

/** An op whose meaning depends on axis order (reshape, matmul): tensors in torch's layout; the result's rank where the op tells it. */
function logicalLayout(w: WalkState, op: OpArguments): Val {
  const { name, bound, subject } = op;
  allLogical(w, op);
  const subjectRank = subject?.v.k === "tensor" ? (subject.v.t.rank ?? subject.v.t.perm?.length) : undefined;
  const rank = logicalResultRank(name, bound.byName.get("shape") ?? bound.byName.get("dims"), subjectRank);
  return rank === undefined ? tensorVal() : { k: "tensor", t: { kind: "tensor", rank } };
}

/** A spatial op (conv, pool): the subject channels-last at the op's rank, and so is the result. */
function channelsLastLayout(w: WalkState, op: OpArguments): Val {
  const { name, bound, texts, subject, subjectSingle } = op;
  const rank = /3d$/.test(name) ? 5 : /1d$/.test(name) ? 3 : 4;
  if (subject && subjectSingle) {
    const c = convert(w, subject, subjectSingle, channelsLast(rank), rank);
    texts.set(subjectSingle, c.text);
  }
  const size = bound.byName.get("output_size");
  const unit = /adaptive_(avg|max)_pool/.test(name) && !!size && !Array.isArray(size) && (intTuple(size)?.every((v) => v === 1) ?? false);
  return { k: "tensor", t: { kind: "tensor", rank, perm: channelsLast(rank), spatialOne: unit } };
}

/** An elementwise op: its tensors meet in one layout (the subject's first), which the result keeps. */
function elementwiseLayout(w: WalkState, op: OpArguments): Val {
  const { texts, tensorArgs, subject } = op;
  let baseEntry = tensorArgs.find(([, g]) => g === subject) ?? tensorArgs[0];
  for (const [n, g] of tensorArgs) {
    if (!baseEntry || n === baseEntry[0]) continue;
    const [b2, g2] = meet(w, baseEntry[1], baseEntry[0], g, n);
    texts.set(baseEntry[0], b2.text);
    texts.set(n, g2.text);
    baseEntry = [baseEntry[0], b2];
  }
  const base = baseEntry?.[1];
  return base?.v.k === "tensor" ? { k: "tensor", t: { ...base.v.t, spatialOne: base.v.t.spatialOne } } : tensorVal();
}

/** An op along axes (axis) or reducing them (reduce): the axes renumbered for a channels-last subject (a list of tensors harmonised first), else the subject in torch's layout; other tensors follow the subject. */
function axisLayout(w: WalkState, op: OpArguments): Val {
  const { row, params, bound, texts, tensorArgs, subject, subjectSingle, defaultAxes } = op;
  const axisParams = row.axes ?? [];
  let resultVal: Val = tensorVal();
  // the subject may be a list of tensors (cat): harmonise them and use their layout
  let perm: Perm | undefined;
  let rank: number | undefined;
  if (subject?.v.k === "tensor") {
    perm = subject.v.t.perm;
    rank = subject.v.t.rank;
  } else if (subject?.v.k === "list" && subjectSingle) {
    const h = harmonizeList(w, subjectSingle, subject);
    texts.set(subjectSingle, h.text);
    perm = h.perm;
    rank = perm?.length;
  }
  let remapped = true;
  const axisTexts = new Map<string, string>();
  let droppedLogical: number[] | undefined;
  if (perm && !isIdentity(perm)) {
    for (const a of axisParams) {
      const n = bound.byName.get(a);
      if (!n) {
        // an axis the call leaves to its default still counts in torch's order
        const dflt = params.find((p) => p.name === a)?.default;
        if (dflt === undefined || dflt === "None") {
          if ((row as { axisNoneFlattens?: boolean }).axisNoneFlattens) remapped = false;
          continue;
        }
        const vals = dflt
          .replace(/[()\[\]\s]/g, "")
          .split(",")
          .filter(Boolean)
          .map(Number);
        if (vals.some((v) => !Number.isInteger(v))) {
          remapped = false;
          break;
        }
        const phys = vals.map((x) => physicalAxis(perm!, x));
        defaultAxes.set(a, /^[(\[]/.test(dflt) ? `(${phys.join(", ")}${phys.length === 1 ? "," : ""})` : String(phys[0]));
        droppedLogical = vals;
        continue;
      }
      if (Array.isArray(n)) continue;
      const vals = intTuple(n);
      if (!vals) {
        remapped = false;
        break;
      }
      const phys = vals.map((x) => physicalAxis(perm!, x));
      axisTexts.set(a, n.type === "tuple" || n.type === "list" ? `(${phys.join(", ")}${phys.length === 1 ? "," : ""})` : String(phys[0]));
      droppedLogical = vals;
    }
    if (!remapped) {
      defaultAxes.clear();
      if (subject && subjectSingle && subject.v.k === "tensor") texts.set(subjectSingle, toLogical(w, subject, subjectSingle).text);
      else if (subjectSingle && subject?.v.k === "list") texts.set(subjectSingle, listToLogical(w, subjectSingle, subject));
      perm = undefined;
    } else {
      for (const [a, t] of axisTexts) texts.set(bound.byName.get(a) as SyntaxNode, t);
    }
  }
  // other tensor arguments follow the subject's layout
  for (const [n, g] of tensorArgs) if (g !== subject && subject?.v.k === "tensor") texts.set(n, convert(w, g, n, perm, rank).text);
  if (row.layout === "reduce") {
    const keep = bound.byName.get("keepdim");
    const keepTrue = keep && !Array.isArray(keep) && keep.text === "True";
    const hasAxis = axisParams.some((a) => bound.byName.has(a));
    if (!hasAxis) resultVal = { k: "tensor", t: { kind: "tensor", rank: 0 } };
    else if (keepTrue || !perm || isIdentity(perm)) resultVal = { k: "tensor", t: { kind: "tensor", rank: keepTrue ? rank : undefined, perm: keepTrue ? perm : undefined } };
    else {
      const kept = dropAxes(perm, droppedLogical ?? []);
      resultVal = { k: "tensor", t: { kind: "tensor", rank: kept.length, perm: isIdentity(kept) ? undefined : kept } };
    }
  } else resultVal = { k: "tensor", t: { kind: "tensor", rank, perm } };
  return resultVal;
}

/** The handler of each layout rule of the op table (ir/tables.ts LayoutRule); a row without one keeps its arguments as they are. */
const OP_LAYOUTS = new Map<string, OpLayoutHandler>([
  ["source", sourceLayout],
  ["logical", logicalLayout],
  ["channels_last", channelsLastLayout],
  ["elementwise", elementwiseLayout],
  ["axis", axisLayout],
  ["reduce", axisLayout],
]);

/** `call` is the whole right side of `target = call` and `target` is the text `input` was written as. */
function assignsBack(w: WalkState, call: SyntaxNode, input: SyntaxNode | SyntaxNode[] | undefined): boolean {
  const a = call.parent;
  return !!input && !Array.isArray(input) && a?.type === "assignment" && a.childForFieldName("right") === call && a.childForFieldName("left")?.text === input.text;
}

/**
 * What `**kw` splats of an op call give its parameters: a dict of factory keywords gives `dtype` as
 * `kw["dtype"]` (the other keywords mean nothing to MLX); any other dict cannot be read and is reported.
 */
function splatKeywords(w: WalkState, splats: SyntaxNode[], params: SigParam[], name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of splats) {
    const dict = splatted(s);
    const keys = dict.type === "identifier" ? w.factoryDicts.get(dict.text) : factoryDictKeys(dict);
    if (!keys) {
      w.diag("C2M-W031", s, `keyword arguments in ${s.text} are not passed to ${name.replace(/^torch\.nn\.functional\./, "F.")}'s MLX form`);
      continue;
    }
    const text = expr(w, dict).text;
    for (const k of keys) if (k === "dtype" && params.some((p) => p.name === k)) out.set(k, dict.type === "identifier" ? `${text}["${k}"]` : `${paren(text)}["${k}"]`);
  }
  return out;
}
