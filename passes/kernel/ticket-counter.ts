/**
 * A hand-over's ticket counter c2m carries whatever the op (threadFenceReduction's `atomicInc(&retirementCount,
 * gridDim.x)`, reset by the last threadgroup with `retirementCount = 0`): an mx.fast.metal_kernel output is a fresh
 * array of zeros and no thread can copy the caller's value in before the others' atomics (no grid-wide barrier). An
 * integer element taken modulo 2^32 needs no copy: the output holds the element minus the caller's value, so zero
 * is the caller's value itself. Each access then adds the caller's element (`<param>_in`) where it reads and
 * subtracts it where it writes: an atomicAdd's returned value plus it, an atomicInc/atomicDec a compare-exchange
 * loop on the offset word, a plain store its value minus it, a plain read plus it; after the launch the wrapper
 * adds the caller's array, as for any atomicAdd output. Exact in any order of the threads, as CUDA's own atomics.
 * Pure: reads the access sites planBuffers found.
 */
import type { AccessSite } from "./buffers.js";
import type { HandOver } from "./hand-over.js";
import type { AtomicOp } from "../../ir/kernel.js";
import { field } from "./cst.js";

const OFFSET_OPS = new Set<AtomicOp>(["add", "sub", "inc", "dec"]);

/**
 * Whether the buffer is a ticket counter the offset form carries: 32-bit integer elements, one of its atomics a
 * hand-over's ticket, every atomic an add, sub, inc or dec on an element of the buffer itself, and every plain
 * access a read or a `=` store straight on the buffer (`count[0] = 0`), where the caller's element is at the same index.
 */
export function offsetTicketCounter(sites: AccessSite[], guards: HandOver[], elem: { integer: boolean; bits: number }): boolean {
  if (!elem.integer || elem.bits !== 32) return false;
  const atomics = sites.filter((x) => x.atomic);
  if (!atomics.some((x) => guards.some((g) => g.ticket.startIndex === x.atomic!.call.startIndex))) return false;
  if (!atomics.every((x) => OFFSET_OPS.has(x.atomic!.op) && !x.via && !x.span128 && !x.hintAddress)) return false;
  return sites
    .filter((x) => !x.atomic)
    .every((x) => {
      if (x.directIndex === undefined || x.via || x.indirect || x.node.type !== "subscript_expression") return false;
      if (!x.write) return true;
      const parent = x.node.parent;
      return !x.read && parent?.type === "assignment_expression" && field(parent, "operator")?.text === "=" && field(parent, "left")?.startIndex === x.node.startIndex;
    });
}
