/**
 * One attribute that holds a ConvTranspose or a Conv, chosen at construction (diffusers' Upsample2D: `conv` is an
 * nn.ConvTranspose2d when use_conv_transpose, else an nn.Conv2d): the weight map is per class, not per instance,
 * and torch's key converts as `conv_transpose` for the one and `conv` for the other. Where both constructions are
 * in one class (so that class's own file sees the same choice and rewrites its construction), the key converts as
 * a conv's weight, (O, I, *K) -> (O, *K, I), and the ConvTranspose is built as ConvTransposeConvMapped
 * (cookbook/helpers/ConvTransposeConvMapped.py), which holds what that gives for its weight, (I, *K, O), and
 * swaps it to MLX's (O, *K, I) when called. Elsewhere the choice stays C2M-E040.
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { WeightRule } from "../ir/weights.js";

export const CONV_MAPPED_HELPER = "ConvTransposeConvMapped";

/** A key two constructions of one class convert differently, resolved as a conv's weight. */
export interface ConvEither {
  key: string;
  /** the ConvTranspose construction, rewritten to the helper in its own file */
  transposeCall: SyntaxNode;
}

function enclosingClass(n: SyntaxNode): SyntaxNode | null {
  for (let p = n.parent; p; p = p.parent) if (p.type === "class_definition") return p;
  return null;
}

/** The resolution for two layers' ops at one key, or undefined when they are not a conv and a ConvTranspose of one class. */
export function convEither(key: string, a: { op: string; call: SyntaxNode }, b: { op: string; call: SyntaxNode }): ConvEither | undefined {
  const ops = new Set([a.op, b.op]);
  if (ops.size !== 2 || !ops.has("conv") || !ops.has("conv_transpose")) return undefined;
  const cls = enclosingClass(a.call);
  if (!cls || cls !== enclosingClass(b.call) || a.call.tree !== b.call.tree) return undefined;
  return { key, transposeCall: a.op === "conv_transpose" ? a.call : b.call };
}

/** The rules with each resolved key's conv_transpose transform written as the conv transform. */
export function asConvWeights(rules: WeightRule[], resolved: ReadonlySet<string>): WeightRule[] {
  if (!resolved.size) return rules;
  return rules.map((r) => (r.op === "conv_transpose" && typeof r.torch === "string" && resolved.has(r.torch) ? { ...r, op: "conv" } : r));
}

/**
 * The emitted construction of a resolved ConvTranspose: `nn.ConvTranspose2d(a, b, k, ...)` becomes
 * `ConvTransposeConvMapped(a, b, k, ..., dims=2)`; undefined when the text is not that call.
 */
export function mappedConstruction(text: string): string | undefined {
  const m = /^nn\.ConvTranspose([123])d\(([\s\S]*)\)$/.exec(text.trim());
  if (!m) return undefined;
  return `${CONV_MAPPED_HELPER}(${m[2]}, dims=${m[1]})`;
}

/**
 * Rewrites, in the file being compiled, each resolved ConvTranspose construction to the helper: the layout pass's
 * edit of the call (its layer row's MLX text), or the call as written where it needed none. A construction in another
 * file is rewritten by that file's own compile, whose class sees the same two constructions. Returns those it could
 * not rewrite (an edit inside the call): the caller reports them as the choice the map cannot make (C2M-E040).
 */
export function useConvMappedTransposes(
  eithers: readonly ConvEither[],
  root: SyntaxNode,
  layout: { edits: { start: number; end: number; text: string }[]; ctx: { helpers: Set<string> } },
): ConvEither[] {
  const failed: ConvEither[] = [];
  const done = new Set<SyntaxNode>();
  for (const either of eithers) {
    const call = either.transposeCall;
    // each class's map that holds the attribute names the construction again
    if (call.tree !== root.tree || done.has(call)) continue;
    done.add(call);
    const inside = layout.edits.filter((e) => e.start >= call.startIndex && e.end <= call.endIndex);
    const whole = inside.find((e) => e.start === call.startIndex && e.end === call.endIndex);
    // an edit that reprints a statement or list around the construction (`layers += [ConvTranspose2d(..),
    // ReLU(inplace=True)]`, whose `inplace` it drops): a second edit inside it would overlap it, so the
    // construction is rewritten inside that edit's text, where it is printed as written, once
    const around = inside.length ? undefined : innermostAround(layout.edits, call);
    const text = whole ? mappedConstruction(whole.text) : inside.length ? undefined : mappedConstruction(call.text);
    if (!text || (whole && inside.length > 1) || (around && around.text.split(call.text).length !== 2)) {
      failed.push(either);
      continue;
    }
    if (whole) whole.text = text;
    else if (around) around.text = around.text.replace(call.text, () => text);
    else layout.edits.push({ start: call.startIndex, end: call.endIndex, text });
    layout.ctx.helpers.add(CONV_MAPPED_HELPER);
  }
  return failed;
}

/** The smallest edit that strictly contains the call's span, if any. */
function innermostAround<E extends { start: number; end: number }>(edits: E[], call: SyntaxNode): E | undefined {
  let best: E | undefined;
  for (const e of edits) {
    if (e.start > call.startIndex || e.end < call.endIndex || (e.start === call.startIndex && e.end === call.endIndex)) continue;
    if (!best || e.end - e.start < best.end - best.start) best = e;
  }
  return best;
}
