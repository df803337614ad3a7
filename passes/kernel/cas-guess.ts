/**
 * A compare-exchange loop's first guess: `int old = *address_as_i; do { assumed = old; old = atomicCAS(address_as_i,
 * assumed, f(assumed)); } while (assumed != old);` (pytorch_scatter's atomics, llm.c's atomicAdd on bf16 pairs). The
 * plain read only seeds the loop: whatever it sees, the exchange retries from the element's current value, so the
 * result does not depend on when it ran. Such a buffer takes each element over from the caller's array before its
 * first access (BufferPlan.takeOnAtomic), and the read is an atomic load of the taken element.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { calleeName, callArgs, field, unparen, walk } from "./cst.js";
import { ATOMIC_FUNCTIONS } from "./tables.js";

/** The local variable a plain read `x` is stored into (`T v = x;`, `v = x;`), through parentheses and casts. */
function storedInto(x: CudaNode): string | undefined {
  let n = x;
  while (n.parent && (n.parent.type === "parenthesized_expression" || n.parent.type === "cast_expression")) n = n.parent;
  const p = n.parent;
  if (p?.type === "init_declarator" && field(p, "value")?.startIndex === n.startIndex) {
    const d = field(p, "declarator");
    return d?.type === "identifier" ? d.text : undefined;
  }
  if (p?.type === "assignment_expression" && field(p, "operator")?.text === "=" && field(p, "right")?.startIndex === n.startIndex) {
    const l = unparen(field(p, "left")!);
    return l.type === "identifier" ? l.text : undefined;
  }
  return undefined;
}

/** Whether `read`'s value seeds a compare-exchange loop: its variable is also assigned what an atomicCAS in `body` returns. */
export function casFirstGuess(read: CudaNode, body: CudaNode): boolean {
  const v = storedInto(read);
  if (!v) return false;
  let reassigned = false;
  walk(body, (n) => {
    if (reassigned) return false;
    if (n.type !== "assignment_expression" || field(n, "operator")?.text !== "=") return;
    const l = unparen(field(n, "left")!);
    const r = unparen(field(n, "right")!);
    if (l.type === "identifier" && l.text === v && r.type === "call_expression" && calleeName(r) === "atomicCAS") reassigned = true;
  });
  return reassigned;
}

/**
 * Whether `access` (`out[i]` in `int* address_as_i = (int*)&out[i];`) only takes the address of the element a
 * compare-exchange loop works on: the local pointer it initialises is used only as an atomic's target and in a
 * first guess `*address_as_i` (casFirstGuess), so the access itself reads and writes nothing.
 */
export function casAddress(access: CudaNode, body: CudaNode): boolean {
  let n = access;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  if (n.parent?.type !== "pointer_expression" || field(n.parent, "operator")?.text !== "&") return false;
  n = n.parent;
  while (n.parent && (n.parent.type === "parenthesized_expression" || n.parent.type === "cast_expression")) n = n.parent;
  const decl = n.parent;
  if (decl?.type !== "init_declarator" || field(decl, "value")?.startIndex !== n.startIndex) return false;
  const d = field(decl, "declarator");
  const name = d?.type === "pointer_declarator" ? field(d, "declarator") : null;
  if (name?.type !== "identifier") return false;
  let other = false;
  walk(body, (u) => {
    if (other) return false;
    if (u.type !== "identifier" || u.text !== name.text || u.startIndex === name.startIndex) return;
    let e = u;
    while (e.parent && (e.parent.type === "parenthesized_expression" || e.parent.type === "cast_expression")) e = e.parent;
    const p = e.parent;
    const call = p?.type === "argument_list" ? p.parent : null;
    if (call?.type === "call_expression" && ATOMIC_FUNCTIONS[calleeName(call) ?? ""] && callArgs(call)[0]?.startIndex === e.startIndex) return;
    if (p?.type === "pointer_expression" && field(p, "operator")?.text === "*" && casFirstGuess(p, body)) return;
    other = true;
  });
  return !other;
}
