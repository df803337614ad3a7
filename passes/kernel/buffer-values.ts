/**
 * Small facts about buffers the kernel-buffers pass (buffers.ts) and its role decisions (buffer-plans.ts) both read:
 * node identity, a pointer's element type, a struct's pointer members, an atomic buffer's start value.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { BufferPlan, KType, KernelUnit } from "../../ir/kernel.js";
import { nameTable } from "../../ir/tables.js";
import { ATOMIC_ACCUMULATE, SCALAR_TYPES } from "./tables.js";

export const same = (a: CudaNode | null | undefined, b: CudaNode | null | undefined): boolean =>
  !!a && !!b && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;

/** A buffer's element type, for sizing and dtypes: `float*` → float. */
export function pointee(t: KType): KType {
  return t.kind === "pointer" ? t.pointee : t;
}

/** Structs of PyTorch's headers known to hold a device pointer: ATen's TensorInfo (`T* data` with sizes and strides). */
const POINTER_HOLDING_LIBRARY_STRUCTS: Record<string, string> = nameTable({ "at::cuda::detail::TensorInfo": "data" });

/** The pointer members of a struct parameter's type (`x_ptr, weight_ptr`), or undefined when it holds none c2m can see. */
export function pointerMembers(typeText: string, unit: KernelUnit): string | undefined {
  const name = typeText
    .replace(/\b(const|volatile|struct)\b/g, "")
    .replace(/<[\s\S]*$/, "")
    .replace(/[&\s]/g, "");
  if (POINTER_HOLDING_LIBRARY_STRUCTS[name]) return POINTER_HOLDING_LIBRARY_STRUCTS[name];
  const s = unit.structs.find((x) => x.name === name);
  if (!s) return undefined;
  const members = [...s.node.text.matchAll(/\*\s*(?:__restrict__\s+|const\s+)*([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)?;/g)].map((m) => m[1]!);
  return members.length ? members.slice(0, 4).join(", ") + (members.length > 4 ? ", ..." : "") : undefined;
}

export function atomicInit(b: BufferPlan): number {
  const elem = elemInfo(b.pointee);
  return ATOMIC_ACCUMULATE[b.atomicOp!]!.init(elem.signed, elem.bits, !elem.integer)!;
}

export function elemInfo(t: KType): { name: string; integer: boolean; signed: boolean; bits: number } {
  if (t.kind === "scalar") {
    const s = SCALAR_TYPES[t.name];
    if (s) return { name: t.name, integer: s.integer, signed: s.signed, bits: s.bits };
  }
  if (t.kind === "template") return { name: t.name, integer: false, signed: true, bits: 32 };
  return { name: t.kind === "vector" ? t.name : "?", integer: false, signed: true, bits: 32 };
}
