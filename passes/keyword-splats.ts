/**
 * keyword-splats: `**d` for the module tree's interpreter (module-tree.ts). Model code passes its architecture as
 * a dict: timm's `dla34()` builds `model_args = dict(block=DlaBasic, …)` and calls `_create_dla(variant,
 * pretrained, **dict(model_args, **kwargs))`, which calls `build_model_with_cfg(DLA, variant, pretrained, **kwargs)`,
 * which calls `model_cls(**kwargs)`. The block class reaches DLA's constructor only if the keywords a `**d` splat
 * passes, a dict merged from others (`dict(a, **b, k=v)`, `{**a, "k": v}`) and what a `**kwargs` parameter receives
 * are followed; this file does that, from the values the interpreter computed.
 *
 * Reads: call arguments and parameter lists. Writes: nothing (values only).
 */
import { namedChildren, type CallArgs, type SyntaxNode } from "../grammar/python.js";
import type { ModVal } from "../ir/module.js";
import { stringValue } from "./module-values.js";

type Evaluate = (n: SyntaxNode) => ModVal;

/**
 * Where a call's given values say that a `**d` splat passed keywords c2m cannot name (`d` a dict of unknown keys): a
 * key no parameter can have, so a `**kwargs` parameter knows its keys are not all known.
 */
export const UNKNOWN_KEYWORDS = "**";

/**
 * The keywords the `**d` splats of a call pass, where each `d` is a dict whose entries are known; when one is not,
 * UNKNOWN_KEYWORDS is among them.
 */
export function splatKeywords(args: CallArgs, expr: Evaluate): Map<string, ModVal> {
  const out = new Map<string, ModVal>();
  for (const a of args.positional) {
    if (a.type !== "dictionary_splat") continue;
    const v = splatted(a, expr);
    if (v.k === "dict" && v.entries) for (const [k, item] of v.entries) out.set(k, item);
    else out.set(UNKNOWN_KEYWORDS, { k: "unknown" });
  }
  return out;
}

/** A call's keywords, written and splatted (a written one wins: Python rejects the two together anyway). */
export function allKeywords(args: CallArgs, expr: Evaluate): Map<string, ModVal> {
  const out = splatKeywords(args, expr);
  for (const [k, v] of args.keyword) out.set(k, expr(v));
  return out;
}

/**
 * `dict(a, **b, k=v)`: a's entries, then b's, then the keywords (later ones win, as in Python); unknown keys as soon
 * as one part's keys are not known. Undefined when the first positional is no dict (a list of pairs: the caller's).
 */
export function mergedDictCall(args: CallArgs, expr: Evaluate): ModVal | undefined {
  const parts: ModVal[] = [];
  const [first, ...rest] = args.positional;
  if (first && first.type !== "dictionary_splat") {
    const v = expr(first);
    if (v.k !== "dict") return undefined;
    parts.push(v);
  }
  for (const a of first?.type === "dictionary_splat" ? args.positional : rest) {
    if (a.type !== "dictionary_splat") return undefined;
    parts.push(splatted(a, expr));
  }
  parts.push({ k: "dict", entries: new Map([...args.keyword].map(([k, v]) => [k, expr(v)] as const)) });
  return merge(parts);
}

/** `{**a, "k": v}`: a dict display with splats. Undefined when it has none (the caller's plain case). */
export function mergedDictDisplay(node: SyntaxNode, expr: Evaluate): ModVal | undefined {
  const items = namedChildren(node).filter((c) => c.type !== "comment");
  if (!items.some((c) => c.type === "dictionary_splat")) return undefined;
  const parts: ModVal[] = [];
  for (const item of items) {
    if (item.type === "dictionary_splat") parts.push(splatted(item, expr));
    else {
      const key = item.type === "pair" ? item.childForFieldName("key")! : undefined;
      const name = key?.type === "string" ? stringValue(key) : undefined;
      if (name === undefined) return { k: "dict", entries: null, elem: { k: "unknown" } };
      parts.push({ k: "dict", entries: new Map([[name, expr(item.childForFieldName("value")!)]]) });
    }
  }
  return merge(parts);
}

function splatted(splat: SyntaxNode, expr: Evaluate): ModVal {
  const inner = namedChildren(splat)[0];
  const v = inner ? expr(inner) : undefined;
  return v?.k === "dict" ? v : { k: "dict", entries: null, elem: { k: "unknown" } };
}

function merge(parts: ModVal[]): ModVal {
  const entries = new Map<string, ModVal>();
  for (const p of parts) {
    if (p.k !== "dict" || !p.entries) return { k: "dict", entries: null, elem: { k: "unknown" } };
    for (const [k, v] of p.entries) entries.set(k, v);
  }
  return { k: "dict", entries };
}

/** The name of a function's `**kwargs` parameter (`**kwargs: Any` too); undefined when it takes none. */
export function kwargsParam(fn: SyntaxNode): string | undefined {
  const params = namedChildren(fn.childForFieldName("parameters")!);
  const p = params.map((x) => (x.type === "typed_parameter" ? namedChildren(x)[0] : x)).find((x) => x?.type === "dictionary_splat_pattern");
  return p ? namedChildren(p)[0]?.text : undefined;
}

/** What a `**kwargs` parameter receives: the given keywords no named parameter takes; their keys unknown when a splat's were. */
export function extraKeywords(named: readonly string[], given: Map<string, ModVal>): ModVal {
  const taken = new Set(named);
  const extra = [...given].filter(([k]) => !taken.has(k) && k !== UNKNOWN_KEYWORDS);
  if (given.has(UNKNOWN_KEYWORDS)) return { k: "dict", entries: null, elem: { k: "unknown" } };
  return { k: "dict", entries: new Map(extra) };
}
