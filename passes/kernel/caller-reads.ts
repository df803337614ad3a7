/**
 * Reads of an in-place buffer that can only see the caller's values: those its threadgroup makes in the kernel's
 * prologue, the top-level statements before a top-level block barrier that precede every write of the buffer
 * (llm.c's fused_classifier_kernel5: `prepare_softmax_blockwide3(idx, logits, V, P)` reads the row, thread 0
 * reads `logits[idx * P + ix]`, then `__syncthreads();`, then the row is overwritten with the gradients).
 *
 * No thread of the group has written the buffer before the barrier, and every thread reaches it (a top-level
 * statement of the body, no `return` before it), so a prologue read by a thread of the group sees an element
 * no thread of its own group has written. An element another threadgroup writes is one the original reads in a
 * race (nothing orders threadgroups within a launch), and the caller's value is what it reads when the other
 * group writes later; for a program without a data race it is the only value. Such a read is printed against
 * the caller's array (`logits_in`), the buffer's input twin, and takes no part in the copy-in: the ownership
 * proof runs on the buffer's other accesses. Each read is one of:
 *   - `y[E]` on the parameter itself, one subscript;
 *   - the argument `y` or `y + off` of a device function that only reads through it (no write, no atomic);
 *   - a 128-bit helper's or cache hint's read at `y`, `y + off` or `&y[off]` (AccessSite.span128, hintAddress).
 * Reads through local pointers are left to the copy-in (their twins start at `y_in` too). Pure.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { AccessSite, KernelAnalysis } from "./buffers.js";
import { spanParts } from "./inout-plans.js";
import { barrierCall, blockGroups } from "./barrier-sites.js";
import { field, named, unparen, walk } from "./cst.js";

/** The buffer's reads that see only the caller's values, as the printers find them (AccessSite.node); empty when none. */
export function callerReads(a: KernelAnalysis, name: string): AccessSite[] {
  const sites = a.accesses.filter((s) => s.root.kind === "param" && s.root.name === name);
  const barrier = prologueEnd(a);
  if (barrier === undefined) return [];
  const statements = named(a.kernel.body);
  const before = statements.slice(0, barrier);
  const inPrologue = (s: AccessSite) => before.some((st) => s.node.startIndex >= st.startIndex && s.node.endIndex <= st.endIndex);
  // no thread writes the buffer before the barrier (through any pointer c2m follows; an access it cannot
  // follow leaves the buffer refused elsewhere)
  if (sites.some((s) => inPrologue(s) && (s.write || s.atomic))) return [];
  return sites.filter((s) => inPrologue(s) && s.read && callerRead(s, name));
}

/** The index of the kernel body's first top-level barrier statement, when no statement before it may return; else undefined. */
function prologueEnd(a: KernelAnalysis): number | undefined {
  const blocks = blockGroups(a.kernel.params, a.kernel.body);
  const statements = named(a.kernel.body);
  for (const [i, st] of statements.entries()) {
    const call = st.type === "expression_statement" ? unparen(named(st)[0] ?? st) : undefined;
    if (call?.type === "call_expression" && barrierCall(call, blocks)) return i;
    // a thread that returns (or jumps) before the barrier would leave its reads unordered with the others' writes
    let leaves = false;
    walk(st, (n) => {
      if (n.type === "lambda_expression") return false;
      if (n.type === "return_statement" || n.type === "goto_statement") leaves = true;
      return true;
    });
    if (leaves) return undefined;
  }
  return undefined;
}

/** Whether the read is one the printers can point at the caller's array (see the file's comment). */
function callerRead(s: AccessSite, name: string): boolean {
  if (s.span128 || s.hintAddress) return spanParts(s.node)?.base.text === name;
  if (s.directIndex !== undefined && !s.via) {
    const n = unparen(s.node);
    return n.type === "subscript_expression" && unparen(field(n, "argument")!).text === name && (field(n, "indices")?.namedChildren.length ?? 1) <= 1;
  }
  // a device function's argument: `y` or `y + off`
  const arg = unparen(s.node);
  const call = s.node.parent?.type === "argument_list" ? s.node.parent.parent : null;
  if (call?.type !== "call_expression" || s.write || s.atomic) return false;
  if (arg.type === "identifier") return arg.text === name;
  return arg.type === "binary_expression" && field(arg, "operator")?.text === "+" && unparen(field(arg, "left")!).text === name;
}

/** The parameter identifier a caller read names (`y` of `y[E]`, `y + off`, `&y[off]`): the printers print it as `y_in`. */
export function callerBase(node: CudaNode): CudaNode | undefined {
  let n = unparen(node);
  for (;;) {
    if (n.type === "identifier") return n;
    if (n.type === "field_expression" || n.type === "subscript_expression") n = unparen(field(n, "argument")!);
    else if (n.type === "pointer_expression" && field(n, "operator")?.text === "&") n = unparen(field(n, "argument")!);
    else if (n.type === "binary_expression" && field(n, "operator")?.text === "+") n = unparen(field(n, "left")!);
    else return undefined;
  }
}
