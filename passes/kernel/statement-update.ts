/**
 * A part of the ownership proof (ownership.ts): accesses that each update their element within one statement.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { field, unparen } from "./cst.js";

const norm = (s: string) => s.replace(/\s+/g, "");

/**
 * An access that is the element's whole life in its statement: the target of an assignment or of ++/--
 * (`y[E] += v`, `y[E] = v`), or a read inside the value assigned to the same element (`y[E] = f(y[E])`).
 * When every access of a buffer is one, with an index that depends on the thread, a value read from the
 * buffer only ever feeds the same element's new value in the same statement: no thread reads what another
 * wrote, unless two threads update one element, unsynchronised read-modify-writes that race in CUDA
 * itself. The owner indices may then differ (llm.c's permute_kernel_backward updates dinp[inp_idx],
 * dinp[inp_idx + NH * d] and dinp[inp_idx + 2 * (NH * d)], a permutation).
 */
export function updatedInItsStatement(access: CudaNode): boolean {
  let lv = access;
  while (lv.parent && (lv.parent.type === "field_expression" || lv.parent.type === "parenthesized_expression")) lv = lv.parent;
  const p = lv.parent;
  if (p?.type === "update_expression") return true;
  if (p?.type === "assignment_expression" && field(p, "left")?.startIndex === lv.startIndex) return true;
  for (let n: CudaNode | null = lv.parent; n && n.type !== "expression_statement" && n.type !== "compound_statement"; n = n.parent) {
    const left = n.type === "assignment_expression" ? field(n, "left") : null;
    if (left && field(n, "operator")?.text === "=" && norm(unparen(left).text) === norm(lv.text) && !(lv.startIndex >= left.startIndex && lv.endIndex <= left.endIndex))
      return true;
  }
  return false;
}
