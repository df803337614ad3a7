/**
 * The dynamic-shared-memory view idiom of NVIDIA's samples:
 *
 *   template <class T> struct SharedMemory {
 *     __device__ inline operator T *() { extern __shared__ int __smem[]; return (T *)__smem; }
 *   };
 *   ... T *sdata = SharedMemory<T>();
 *
 * A class template whose every member is a conversion operator returning the launch's dynamic shared
 * memory (`extern __shared__`) cast to a pointer only names that memory with an element type. A pointer
 * declared from a call of it in a kernel is, for the analysis and the printer, an `extern __shared__ T
 * sdata[]` array (Metal: a threadgroup array sized by C2M_SHARED_BYTES). Read by passes/kernel/buffers.ts
 * and emit/metal.ts; pure.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KernelUnit } from "../../ir/kernel.js";
import { field, named, unparen } from "./cst.js";

const viewsOf = new WeakMap<KernelUnit, Set<string>>();

/** Names of the file's class templates that only view dynamic shared memory (`SharedMemory`). */
export function sharedViewTemplates(unit: KernelUnit): Set<string> {
  let found = viewsOf.get(unit);
  if (found) return found;
  found = new Set();
  for (const s of unit.structs) {
    if (!s.template) continue;
    const spec = named(s.node).find((x) => x.type === "struct_specifier" || x.type === "class_specifier");
    const body = spec ? field(spec, "body") : null;
    const members = body ? named(body).filter((m) => m.type !== "comment") : [];
    if (members.length && members.every(isSharedViewOperator)) found.add(s.name);
  }
  viewsOf.set(unit, found);
  return found;
}

/** `operator T *() { extern __shared__ E name[]; return (T *)name; }` (const or not). */
function isSharedViewOperator(m: CudaNode): boolean {
  if (m.type !== "function_definition" || !named(m).some((c) => c.type === "operator_cast")) return false;
  const body = field(m, "body")?.text.replace(/\s+/g, " ") ?? "";
  const r = /^\{ extern __shared__ [\w ]+? (\w+) ?\[ ?\] ?; return (?:\([\w ]+\*\) ?)?(\w+) ?; ?\}$/.exec(body);
  return !!r && r[1] === r[2];
}

/** The call `SharedMemory<T>()` (possibly cast) when `init` is one of a view template; else undefined. */
export function sharedViewCall(init: CudaNode | null | undefined, views: Set<string>): CudaNode | undefined {
  if (!init || !views.size) return undefined;
  let e = unparen(init);
  if (e.type === "cast_expression") e = unparen(field(e, "value")!);
  if (e.type !== "call_expression") return undefined;
  const fn = field(e, "function");
  const args = field(e, "arguments");
  if (fn?.type !== "template_function" || !views.has(field(fn, "name")?.text ?? "") || (args && named(args).length)) return undefined;
  return e;
}
