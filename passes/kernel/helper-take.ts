/**
 * Whether a device function given a pointer into a kernel buffer touches only the element it points to (pytorch_scatter's
 * `Reducer::atomic_write(out + i, v)` → `atomAdd(address, v)` → `AtomicAddDecimalImpl<float, 4>` CASing `*(int *)address`).
 * An in-place buffer updated only by atomics takes each element over from the caller's array before its first atomic
 * (BufferPlan.takeOnAtomic); when the atomics sit in a helper, the kernel takes over the element it passes, at the call,
 * which is sound only when the helper reaches no other element. Each use of the parameter, and of local pointers cast
 * from it, must be: an atomic's target, a dereference, a cast to an integer (alignment arithmetic), the pointer less its
 * misalignment within a 32-bit word (`address - ((size_t)address & 3)`: the same address for an element of 32 bits,
 * the only width whose elements Metal stores atomically), or an argument of a device function that in turn touches
 * only that element. Anything else (an index, an offset, a store of the pointer) says no.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KernelUnit } from "../../ir/kernel.js";
import { calleeName, callArgs, field, unparen, walk } from "./cst.js";
import { ATOMIC_FUNCTIONS } from "./tables.js";

/** The expression a use stands in, climbing parentheses and pointer casts; `integer` when it ends in a cast to an integer. */
function climb(n: CudaNode): { e: CudaNode; integer: boolean } {
  let e = n;
  for (;;) {
    const p = e.parent;
    if (p?.type === "parenthesized_expression") {
      e = p;
      continue;
    }
    if (p?.type === "cast_expression" && field(p, "value")?.startIndex === e.startIndex) {
      if (!/\*/.test(field(p, "type")?.text ?? "")) return { e: p, integer: true };
      e = p;
      continue;
    }
    // `reinterpret_cast<__half *>(address)`
    const call = p?.type === "argument_list" ? p.parent : undefined;
    if (call?.type === "call_expression" && /^(reinterpret_cast|static_cast|const_cast)$/.test(calleeName(call) ?? "") && /\*/.test(field(call, "function")?.text ?? "")) {
      e = call;
      continue;
    }
    return { e, integer: false };
  }
}

/** `(size_t)address & 3`: an integer cast of the pointer masked to its misalignment within a 32-bit word. */
function misalignment(n: CudaNode, names: Set<string>): boolean {
  const e = unparen(n);
  if (e.type !== "binary_expression" || field(e, "operator")?.text !== "&") return false;
  const mask = unparen(field(e, "right")!).text;
  const cast = unparen(field(e, "left")!);
  return /^[0-3]$/.test(mask) && cast.type === "cast_expression" && names.has(unparen(field(cast, "value")!).text);
}

export function touchesOnlyPointee(unit: KernelUnit, fname: string, index: number, seen = new Set<string>()): boolean {
  const key = `${fname}#${index}`;
  if (seen.has(key)) return true;
  seen.add(key);
  const overloads = unit.deviceFunctions.filter((f) => f.name === fname);
  if (!overloads.length) return false;
  return overloads.every((f) => {
    const p = f.params[index];
    if (!p || p.type.kind !== "pointer") return true; // an overload with another parameter here takes no pointer from the kernel
    const names = new Set([p.name]);
    let ok = true;
    walk(f.body, (n) => {
      if (!ok) return false;
      if (n.type === "init_declarator" && field(n, "declarator")?.type === "pointer_declarator") {
        const v = field(n, "value");
        const id = field(field(n, "declarator")!, "declarator");
        const base = v ? unparen(v) : undefined;
        // `T *a = (T *)p;` or `T *a = (T *)(p - ((size_t)p & 3));`: an alias of the same element
        const inner = base?.type === "cast_expression" ? unparen(field(base, "value")!) : base;
        const sameElement =
          inner &&
          (names.has(inner.text) ||
            (inner.type === "binary_expression" &&
              field(inner, "operator")?.text === "-" &&
              pointerOperand(field(inner, "left")!, names) &&
              misalignment(field(inner, "right")!, names)));
        if (id?.type === "identifier" && sameElement) {
          names.add(id.text);
          return false;
        }
      }
      if (n.type !== "identifier" || !names.has(n.text)) return true;
      // the name a declaration declares (not a value it is initialised with, which is a use)
      const declared = n.parent?.type === "init_declarator" && field(n.parent, "declarator")?.startIndex === n.startIndex;
      if (n.parent?.type === "parameter_declaration" || declared) return true;
      const { e, integer } = climb(n);
      // an integer cast of the pointer: alignment arithmetic, no access
      if (integer) return true;
      const parent = e.parent;
      if (!parent) return (ok = false);
      if (parent.type === "pointer_expression" && field(parent, "operator")?.text === "*") return true;
      if (parent.type === "binary_expression" && field(parent, "operator")?.text === "-" && misalignment(field(parent, "right")!, names)) return true;
      if (parent.type === "argument_list" && parent.parent?.type === "call_expression") {
        const call = parent.parent;
        const name = calleeName(call);
        const i = callArgs(call).findIndex((a) => a === e || a.startIndex === e.startIndex);
        if (name && ATOMIC_FUNCTIONS[name] && i === 0) return true;
        if (name && i >= 0 && unit.deviceFunctions.some((g) => g.name === name)) {
          ok = touchesOnlyPointee(unit, name, i, seen);
          return ok;
        }
      }
      ok = false;
      return false;
    });
    return ok;
  });
}

/** `address` or `(char *)address`: the pointer itself, cast at most. */
function pointerOperand(n: CudaNode, names: Set<string>): boolean {
  const e = unparen(n);
  if (names.has(e.text)) return true;
  return e.type === "cast_expression" && names.has(unparen(field(e, "value")!).text);
}
