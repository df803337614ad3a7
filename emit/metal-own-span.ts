/**
 * In-place buffers reached through 128-bit helpers in the Metal printer (passes/kernel/buffers.ts AccessSite.span128):
 * the helper's argument `residual + c` prints as `c2m_own128(residual, residual_in, residual_touched, c, width)`,
 * which copies the 16 bytes' elements in on first touch and hands the helper the buffer's own pointer; a cache
 * hint's address (`__stcs(row + t3, v)`, AccessSite.hintAddress) prints as the address of its element, `&c2m_own(...)`.
 */
import type { CudaNode } from "../grammar/cuda.js";
import { same } from "../passes/kernel/buffers.js";
import { spanOffset, spanParts } from "../passes/kernel/inout-plans.js";
import type { PrintContext } from "./metal-context.js";

export function printOwnSpan(node: CudaNode, ctx: PrintContext, print: (n: CudaNode) => string): string | undefined {
  const site = ctx.analysis?.accesses.find((s) => (s.span128 || s.hintAddress) && same(s.node, node));
  const parts = site ? spanParts(node) : undefined;
  const width = parts ? ctx.own.get(parts.base.text) : undefined;
  if (!parts || width === undefined || ctx.callerBases.has(parts.base.startIndex)) return undefined;
  const b = parts.base.text;
  // a cache hint's one element: its address, copied in on first touch (c2m_own)
  if (site!.hintAddress) return `&c2m_own(${b}, ${b}_in, ${b}_touched, ${spanOffset(parts, print)}, ${width})`;
  // with atomic outputs the buffer and its mask are atomic<T> (c2m_own128_atomic copies in through atomic stores)
  const helper = ctx.analysis?.atomicOutputs ? "c2m_own128_atomic" : "c2m_own128";
  ctx.helpers.add(helper);
  return `${helper}(${b}, ${b}_in, ${b}_touched, ${spanOffset(parts, print)}, ${width})`;
}
