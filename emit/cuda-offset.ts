/**
 * The CUDA twin of a ticket counter held as its offset from the caller's value (BufferPlan.offsetFromCaller,
 * passes/kernel/ticket-counter.ts), as text edits of the kernel body: an atomicAdd/atomicSub whose value is used gets
 * the caller's element added (foldEdits), an atomicInc/atomicDec becomes a compare-exchange loop on the offset word,
 * a plain `=` store stores its value minus the caller's element, a plain read adds it.
 */
import type { KernelAnalysis } from "../passes/kernel/buffers.js";
import { calleeName, callArgs, field, subscriptIndices } from "../passes/kernel/cst.js";
import { ATOMIC_FUNCTIONS } from "../passes/kernel/tables.js";

type Edit = { at: number; text: string; end?: number };

const HELPERS: Record<"inc" | "dec", string> = {
  inc: `// atomicInc on a counter held as its offset from the caller's value (c2m): the element is the word plus from
__device__ inline unsigned int c2m_atomic_inc_from(unsigned int* p, unsigned int limit, unsigned int from) {
  unsigned int old = *(volatile unsigned int*)p, assumed;
  do {
    assumed = old;
    unsigned int e = assumed + from;
    old = atomicCAS(p, assumed, (e >= limit ? 0u : e + 1u) - from);
  } while (old != assumed);
  return old + from;
}`,
  dec: `// atomicDec on a counter held as its offset from the caller's value (c2m)
__device__ inline unsigned int c2m_atomic_dec_from(unsigned int* p, unsigned int limit, unsigned int from) {
  unsigned int old = *(volatile unsigned int*)p, assumed;
  do {
    assumed = old;
    unsigned int e = assumed + from;
    old = atomicCAS(p, assumed, ((e == 0u || e > limit) ? limit : e - 1u) - from);
  } while (old != assumed);
  return old + from;
}`,
};

/** The edits for `param`'s inc/dec atomics and plain accesses; returns the helpers they call. */
export function offsetEdits(analysis: KernelAnalysis, param: string, edits: Edit[]): string[] {
  const helpers = new Set<string>();
  for (const x of analysis.accesses) {
    if (x.root.kind !== "param" || x.root.name !== param) continue;
    const call = x.atomic?.call;
    if (call) {
      const op = ATOMIC_FUNCTIONS[calleeName(call) ?? ""];
      if (op !== "inc" && op !== "dec") continue;
      const [target, limit] = callArgs(call);
      edits.push({ at: call.startIndex, end: call.endIndex, text: `c2m_atomic_${op}_from(${target!.text}, ${limit!.text}, ${param}_in[(${target!.text}) - ${param}_base])` });
      helpers.add(HELPERS[op]);
      continue;
    }
    const caller = `${param}_in[${(subscriptIndices(x.node) ?? []).map((c) => c.text).join(", ")}]`;
    const parent = x.node.parent;
    if (x.write && parent?.type === "assignment_expression") {
      const right = field(parent, "right")!;
      edits.push({ at: right.startIndex, text: "(" }, { at: right.endIndex, text: `) - ${caller}` });
    } else if (x.read) edits.push({ at: x.node.startIndex, text: "(" }, { at: x.node.endIndex, text: ` + ${caller})` });
  }
  return [...helpers];
}

/** Whether an atomic call is one offsetEdits rewrites whole (its value is then the element's, not to be folded again). */
export function rewrittenWhole(call: Parameters<typeof calleeName>[0]): boolean {
  const op = ATOMIC_FUNCTIONS[calleeName(call) ?? ""];
  return op === "inc" || op === "dec";
}
