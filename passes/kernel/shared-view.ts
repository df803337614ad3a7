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
import { field, fields, named, unparen, walk } from "./cst.js";

const viewsOf = new WeakMap<KernelUnit, Set<string>>();

/** Names of the file's class templates that only view dynamic shared memory (`SharedMemory`), in either form. */
export function sharedViewTemplates(unit: KernelUnit): Set<string> {
  let found = viewsOf.get(unit);
  if (found) return found;
  found = new Set([...sharedViewMethods(unit).keys()]);
  for (const s of unit.structs) {
    if (!s.template) continue;
    const members = structMembers(s.node);
    if (members.length && members.every(isSharedViewOperator)) found.add(s.name);
  }
  viewsOf.set(unit, found);
  return found;
}

const methodsOf = new WeakMap<KernelUnit, Map<string, string>>();

/**
 * The explicit-specialisation form (cuda-samples' simpleTemplates' sharedmem.cuh): the primary template
 * cannot be used (its method calls an undefined `error()`), and every `template <> struct SharedMemory<E>`
 * has one method `E *getPointer() { extern __shared__ E s_e[]; return s_e; }`. Whichever specialisation a
 * kernel's `SharedMemory<T> smem; T *p = smem.getPointer();` picks, `p` is the launch's dynamic shared
 * memory viewed as T: the same as the operator form. Template name → the method's name.
 */
export function sharedViewMethods(unit: KernelUnit): Map<string, string> {
  let found = methodsOf.get(unit);
  if (found) return found;
  found = new Map();
  // the primary template may be declared only (apex's `template <typename T> struct SharedMemory;`): the
  // specialisations name it
  const names = new Set(unit.structs.filter((s) => s.template).map((s) => s.name.replace(/\s*<[\s\S]*$/, "")));
  for (const name of names) {
    const specs = unit.structs.filter((x) => x.name.replace(/\s+/g, "").startsWith(`${name}<`));
    const methods = new Set(specs.map((x) => structMembers(x.node)).map((m) => (m.length === 1 ? sharedViewMethod(m[0]!) : undefined)));
    const [method] = [...methods];
    if (specs.length && methods.size === 1 && method) found.set(name, method);
  }
  methodsOf.set(unit, found);
  return found;
}

function structMembers(node: CudaNode): CudaNode[] {
  const spec = node.type === "struct_specifier" || node.type === "class_specifier" ? node : named(node).find((x) => x.type === "struct_specifier" || x.type === "class_specifier");
  const body = spec ? field(spec, "body") : null;
  return body ? named(body).filter((m) => m.type !== "comment" && m.type !== "access_specifier") : [];
}

/** `E *name() { extern __shared__ E s[]; return s; }` → `name`. */
function sharedViewMethod(m: CudaNode): string | undefined {
  if (m.type !== "function_definition") return undefined;
  const body = field(m, "body")?.text.replace(/\s+/g, " ") ?? "";
  const r = /^\{ extern __shared__ [\w ]+? (\w+) ?\[ ?\] ?; return (?:\([\w ]+\*\) ?)?(\w+) ?; ?\}$/.exec(body);
  const name = /(\w+)\s*\(\s*\)\s*$/.exec(field(m, "declarator")?.text ?? "")?.[1];
  return r && r[1] === r[2] ? name : undefined;
}

/** A kernel's `SharedMemory<T> smem;` of the explicit-specialisation form: dropped, its `smem.getPointer()` is the view. */
export function isSharedViewObject(decl: CudaNode, unit: KernelUnit): boolean {
  const type = field(decl, "type");
  return type?.type === "template_type" && sharedViewMethods(unit).has(field(type, "name")?.text ?? "") && fields(decl, "declarator").every((d) => d.type === "identifier");
}

/** `operator T *() { extern __shared__ E name[]; return (T *)name; }` (const or not). */
function isSharedViewOperator(m: CudaNode): boolean {
  if (m.type !== "function_definition" || !named(m).some((c) => c.type === "operator_cast")) return false;
  const body = field(m, "body")?.text.replace(/\s+/g, " ") ?? "";
  const r = /^\{ extern __shared__ [\w ]+? (\w+) ?\[ ?\] ?; return (?:\([\w ]+\*\) ?)?(\w+) ?; ?\}$/.exec(body);
  return !!r && r[1] === r[2];
}

/**
 * The call `SharedMemory<T>()` (possibly cast) when `init` is one of a view template, or `smem.getPointer()`
 * on a `SharedMemory<T> smem;` of the function (the explicit-specialisation form); else undefined.
 */
export function sharedViewCall(init: CudaNode | null | undefined, views: Set<string>, unit?: KernelUnit): CudaNode | undefined {
  if (!init || !views.size) return undefined;
  let e = unparen(init);
  if (e.type === "cast_expression") e = unparen(field(e, "value")!);
  if (e.type !== "call_expression") return undefined;
  const fn = field(e, "function");
  const args = field(e, "arguments");
  if (fn?.type === "field_expression" && unit) return viewMethodCall(e, fn, unit);
  if (fn?.type !== "template_function" || !views.has(field(fn, "name")?.text ?? "") || (args && named(args).length)) return undefined;
  return e;
}

function viewMethodCall(call: CudaNode, fn: CudaNode, unit: KernelUnit): CudaNode | undefined {
  const object = field(fn, "argument");
  const method = field(fn, "field")?.text;
  if (object?.type !== "identifier" || named(field(call, "arguments") ?? call).length) return undefined;
  let body: CudaNode | null = call;
  while (body && body.type !== "function_definition") body = body.parent;
  let declared: CudaNode | undefined;
  walk(body ?? call, (n) => {
    if (n.type === "declaration" && fields(n, "declarator").some((d) => d.text === object.text)) declared = n;
  });
  const type = declared && isSharedViewObject(declared, unit) ? field(field(declared, "type")!, "name")?.text : undefined;
  return type && sharedViewMethods(unit).get(type) === method ? call : undefined;
}
