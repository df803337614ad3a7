/**
 * Ops on a channels-last tensor that need no data movement (permutes and transposes relabel axes, a flatten of
 * the spatial axes is a reshape, a constant pad pads the physical axes), and a torch-order permute to NHWC that
 * is what MLX already holds.
 */
import { intLiteral, intTuple, namedChildren, type SyntaxNode } from "../../grammar/python.js";
import type { OpMapping } from "../../ir/tables.js";
import { channelsLast, isIdentity, samePerm } from "../../ir/tensor.js";
import { type bindArgs, paren } from "../template-render.js";
import type { Gen } from "./types.js";
import type { WalkState } from "./state.js";
import { expr } from "./expressions.js";

/**
 * Ops on a channels-last tensor that need no data movement: permutes and transposes relabel axes,
 * flatten of the spatial axes is a reshape, flatten of 1×1 spatial extents is order-free, and a constant
 * pad pads the physical axes. Undefined when the generic path applies.
 */
export function channelsLastForm(
  w: WalkState,
  row: OpMapping,
  bound: ReturnType<typeof bindArgs<SyntaxNode>>,
  subject: Gen,
  subjectNode: SyntaxNode,
  gens: Map<SyntaxNode, Gen>,
): Gen | undefined {
  if (subject.v.k !== "tensor") return undefined;
  if (isIdentity(subject.v.t.perm)) return permuteToChannelsLast(w, row, bound, subject);
  const t = subject.v.t;
  const perm = t.perm!;
  const rank = perm.length;
  const op = row.torch[0];
  const arg = (name: string) => {
    const n = bound.byName.get(name);
    return n && !Array.isArray(n) ? n : undefined;
  };
  const relabel = (next: number[]): Gen => {
    const p = next.every((a, i) => a === i) ? undefined : next;
    return { v: { k: "tensor", t: { kind: "tensor", rank, perm: p } }, text: subject.text };
  };
  const norm = (a: number) => (a < 0 ? a + rank : a);
  if (op === "Tensor.transpose") {
    const a = intLiteral(arg("dim0"));
    const b = intLiteral(arg("dim1"));
    if (a === undefined || b === undefined) return undefined;
    const [x, y] = [norm(a), norm(b)];
    return relabel(perm.map((l) => (l === x ? y : l === y ? x : l)));
  }
  if (op === "Tensor.permute") {
    const dimsNode = bound.byName.get("dims");
    const nodes = Array.isArray(dimsNode) ? dimsNode : dimsNode ? [dimsNode] : [];
    const dims = nodes.length === 1 ? intTuple(nodes[0]) : nodes.map(intLiteral);
    if (!dims || dims.length !== rank || dims.some((d) => d === undefined)) return undefined;
    const d = (dims as number[]).map(norm);
    return relabel(perm.map((l) => d.indexOf(l)));
  }
  if (op === "torch.flatten" || op === "Tensor.view" || op === "torch.reshape") {
    const start = op === "torch.flatten" ? (intLiteral(arg("start_dim")) ?? 0) : undefined;
    const end = op === "torch.flatten" ? (intLiteral(arg("end_dim")) ?? -1) : undefined;
    const isCL = perm.every((a, i) => a === channelsLast(rank)[i]);
    // (N, 1, 1, C) and (N, C, 1, 1) hold the same numbers in the same order: any reshape of one is a
    // reshape of the other, and so is flatten(1)
    const shape = bound.byName.get("shape");
    const viewFlat = op === "Tensor.view" && Array.isArray(shape) && shape.length === 2 && shape[1].text === "-1";
    if (t.spatialOne && isCL && op === "Tensor.view" && Array.isArray(shape)) {
      const g = gens.get(subjectNode)!;
      const dims = shape.map((n) => expr(w, n).text);
      return {
        v: { k: "tensor", t: { kind: "tensor", rank: shape.length === 1 ? intTuple(shape[0])?.length : shape.length } },
        text: `${paren(g.text)}.reshape(${dims.join(", ")})`,
      };
    }
    if (t.spatialOne && isCL && ((start === 1 && norm(end!) === rank - 1) || viewFlat)) {
      const g = gens.get(subjectNode)!;
      const rendered = op === "Tensor.view" ? `${paren(g.text)}.reshape(${(shape as SyntaxNode[]).map((n) => expr(w, n).text).join(", ")})` : `mx.flatten(${g.text}, start_axis=1)`;
      return { v: { k: "tensor", t: { kind: "tensor", rank: 2 } }, text: rendered };
    }
    // torch.flatten(x, 1) of a channels-last conv output feeding a Linear: flatten in MLX's order and
    // permute the Linear's weight columns at conversion instead of transposing at run time
    const flatKey = `flat@${subjectNode.startIndex}`;
    if (isCL && t.channels && !w.decisions.has(flatKey) && ((start === 1 && norm(end!) === rank - 1) || viewFlat)) {
      const g = gens.get(subjectNode)!;
      const rendered = op === "Tensor.view" ? `${paren(g.text)}.reshape(${(shape as SyntaxNode[]).map((n) => expr(w, n).text).join(", ")})` : `mx.flatten(${g.text}, start_axis=1)`;
      return { v: { k: "tensor", t: { kind: "tensor", rank: 2, flatFrom: { channels: t.channels, key: flatKey } } }, text: rendered };
    }
    // (N, C, H, W).flatten(2) held as (N, H, W, C): a reshape to (N, H*W, C), itself channels-last
    if (op === "torch.flatten" && isCL && rank >= 4 && start === 2 && norm(end!) === rank - 1) {
      return { v: { k: "tensor", t: { kind: "tensor", rank: 3, perm: channelsLast(3) } }, text: `mx.flatten(${subject.text}, 1, -2)` };
    }
    return undefined;
  }
  if (op === "torch.nn.functional.pad") {
    const mode = arg("mode");
    if (mode && !/^["']constant["']$/.test(mode.text)) return undefined;
    const padNode = arg("pad");
    if (!padNode || (padNode.type !== "list" && padNode.type !== "tuple")) return undefined;
    const items = namedChildren(padNode);
    if (items.length % 2 !== 0 || items.length / 2 > rank - 2) return undefined;
    // torch pads the last logical axes first: (left, right) of axis -1, then axis -2, ...
    const widths: string[] = Array.from({ length: rank }, () => "(0, 0)");
    for (let i = 0; i < items.length / 2; i++) {
      const logical = rank - 1 - i;
      widths[perm.indexOf(logical)] = `(${expr(w, items[2 * i]).text}, ${expr(w, items[2 * i + 1]).text})`;
    }
    const value = arg("value");
    return { v: { k: "tensor", t }, text: `mx.pad(${subject.text}, [${widths.join(", ")}]${value ? `, constant_values=${expr(w, value).text}` : ""})` };
  }
  return undefined;
}

/**
 * `x.permute(0, 3, 1, 2)` of a torch-order tensor (ConvNeXt's NHWC → NCHW) is what MLX already holds as
 * channels-last: relabel the axes instead of moving data. Other permutes translate as written.
 */
function permuteToChannelsLast(w: WalkState, row: OpMapping, bound: ReturnType<typeof bindArgs<SyntaxNode>>, subject: Gen): Gen | undefined {
  if (row.torch[0] !== "Tensor.permute" || subject.v.k !== "tensor" || subject.v.t.flatFrom) return undefined;
  const dimsNode = bound.byName.get("dims");
  const nodes = Array.isArray(dimsNode) ? dimsNode : dimsNode ? [dimsNode] : [];
  const dims = nodes.length === 1 ? intTuple(nodes[0]) : nodes.map(intLiteral);
  if (!dims || dims.length < 3 || dims.some((d) => d === undefined)) return undefined;
  const rank = dims.length;
  const d = (dims as number[]).map((a) => (a < 0 ? a + rank : a));
  const next = [...Array(rank).keys()].map((j) => d.indexOf(j));
  if (!samePerm(next, channelsLast(rank))) return undefined;
  return { v: { k: "tensor", t: { kind: "tensor", rank, perm: next } }, text: subject.text };
}
