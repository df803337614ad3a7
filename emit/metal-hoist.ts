/**
 * `__shared__` memory declared in a `__device__` function (llm.c's `blockReduce`, a block reduction's
 * scratch array): Metal declares threadgroup memory only in a kernel, so it is hoisted. CUDA gives a
 * function's static `__shared__` array one instance per block, shared by every call of that function in
 * the block; the hoisted array is the same: one `threadgroup T c2m_sh_<function>_<name>[N];` in each
 * kernel that reaches the function, passed down to it (and through the device functions between) as a
 * parameter of that name, and inside the function the declaration becomes a pointer to it under the
 * original name. So no call sees another instance than CUDA's would.
 *
 * Hoisted: arrays and scalars whose element type and sizes the kernel can spell (no template or
 * parameter of the function in them, except an element type that is a type parameter itself, which the kernel's
 * calls decide: deduceHoistedType; an array of rows, `float lhs_s[128][32]` in llm.c's trimat matmul_tri4,
 * is passed as a pointer to its rows, `threadgroup float (*lhs_s)[32]`), not the target of an atomic operation; and `extern __shared__ T
 * s[]`, the launch's dynamic shared memory. CUDA gives every extern array the same memory, so where a kernel
 * has several (threadFenceReduction's `sdata` in reduceBlocks and the kernel's own `smem`), the first hoisted one
 * holds the memory and the others are pointers to it of the same element type (dynamicViews); extern arrays
 * of different element types stay refused, as does anything else (C2M-K002). Pure: reads the unit.
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { KFunction, KernelUnit } from "../ir/kernel.js";
import { baseType, calleeName, callArgs, declaratorType, field, fields, named, qualifierWords, walk } from "../passes/kernel/cst.js";
import { ATOMIC_FUNCTIONS } from "../passes/kernel/tables.js";

export interface HoistedShared {
  /** the kernel-level array and the parameter that carries it: `c2m_sh_blockReduce_shared_val` */
  name: string;
  /** the function that declared it, and the name it has there */
  fn: string;
  local: string;
  /** the declaration in the device function */
  node: CudaNode;
  /** element type node and size node (absent for a scalar); the sizes of a row, for an array of rows */
  type: CudaNode;
  size?: CudaNode;
  rows?: CudaNode[];
  /** `extern __shared__ T s[]`: the launch's dynamic shared memory */
  dynamic?: boolean;
  /**
   * the element type is a type parameter of the function template (`static __shared__ scalar_t shared[32]` in
   * flownet2's `template <typename scalar_t> blockReduceSum`): the kernel declares the array with the type its own
   * calls give that parameter (deduceHoistedType)
   */
  typeParam?: string;
}

const hoistedOf = new WeakMap<KernelUnit, Map<string, HoistedShared[]>>();

/** The hoistable `__shared__` declarations of each device function, by function name. */
export function hoistedShared(unit: KernelUnit): Map<string, HoistedShared[]> {
  let found = hoistedOf.get(unit);
  if (found) return found;
  found = new Map();
  for (const f of unit.deviceFunctions) {
    const own: HoistedShared[] = [];
    walk(f.body, (n) => {
      if (n.type !== "declaration" || !qualifierWords(n).some((q) => q.includes("__shared__"))) return;
      const h = hoistable(n, f);
      if (h) own.push(...h);
    });
    if (own.length) found.set(f.name, [...(found.get(f.name) ?? []), ...own]);
  }
  hoistedOf.set(unit, found);
  return found;
}

function hoistable(n: CudaNode, f: KFunction): HoistedShared[] | undefined {
  const quals = qualifierWords(n);
  if (quals.includes("volatile")) return undefined;
  const dynamic = quals.includes("extern");
  const type = field(n, "type");
  if (!type) return undefined;
  const own = new Set([...f.templateParams.map((t) => t.name), ...f.params.map((p) => p.name)]);
  const mentionsOwn = (x: CudaNode) => (x.text.match(/[A-Za-z_]\w*/g) ?? []).some((id) => own.has(id));
  // the element type may be one of the template's type parameters itself, which each kernel's calls decide
  const typeParam = f.templateParams.find((t) => t.kind === "type" && t.name === type.text.trim())?.name;
  if (mentionsOwn(type) && !typeParam) return undefined;
  const out: HoistedShared[] = [];
  for (const d of fields(n, "declarator")) {
    if (d.type === "init_declarator") return undefined;
    const { name, arrayDims, type: t } = declaratorType(baseType(type, new Set(), new Set()), d, false);
    if (!name || t.kind === "pointer" || arrayDims.some(mentionsOwn) || atomicTarget(f, name)) return undefined;
    // `extern __shared__ T s[]` (no size): the launch's dynamic shared memory
    const unsized = d.type === "array_declarator" && !field(d, "size");
    if (dynamic !== unsized) return undefined;
    const rows = arrayDims.length > 1 ? { rows: arrayDims.slice(1) } : {};
    out.push({
      name: `c2m_sh_${f.name}_${name}`,
      fn: f.name,
      local: name,
      node: n,
      type,
      size: arrayDims[0],
      ...rows,
      ...(dynamic ? { dynamic } : {}),
      ...(typeParam ? { typeParam } : {}),
    });
  }
  return out;
}

function atomicTarget(f: KFunction, name: string): boolean {
  let hit = false;
  walk(f.body, (n) => {
    const c = n.type === "call_expression" ? calleeName(n) : undefined;
    if (c && ATOMIC_FUNCTIONS[c] && new RegExp(`\\b${name}\\b`).test(callArgs(n)[0]?.text ?? "")) hit = true;
  });
  return hit;
}

/** `threadgroup float* name` (an array), `threadgroup float (*name)[32]` (an array of rows), `threadgroup float& name` (a scalar). */
function hoistedPointer(x: HoistedShared, name: string, print: (n: CudaNode) => string): string {
  if (x.rows) return `threadgroup ${print(x.type)} (*${name})${x.rows.map((r) => `[${print(r)}]`).join("")}`;
  return `threadgroup ${print(x.type)}${x.size || x.dynamic ? "*" : "&"} ${name}`;
}

/** `threadgroup float* shared_val = c2m_sh_blockReduce_shared_val;` for the declaration in the device function. */
export function hoistedLocal(h: HoistedShared[], printType: (n: CudaNode) => string): string {
  return h.map((x) => `${hoistedPointer(x, x.local, printType)} = ${x.name};`).join(" ");
}

/** The parameter a device function takes for a hoisted array it (or a function it calls) declared. */
export function hoistedParam(x: HoistedShared, printType: (n: CudaNode) => string): string {
  return hoistedPointer(x, x.name, printType);
}

/**
 * The type a kernel's calls give the template parameter a hoisted array's element type is (HoistedShared.typeParam),
 * as the kernel spells it, or why there is none: every call is the kernel's own (no other device function calls the
 * template, whose signature could not spell the kernel's type) and gives the parameter one type, by an explicit
 * template argument or by an argument that is a literal, a parameter or a local the kernel declares with its type.
 */
export function deduceHoistedType(unit: KernelUnit, kernel: KFunction, x: HoistedShared): { type: string } | { why: string } {
  const f = unit.deviceFunctions.find((d) => d.name === x.fn);
  const index = f?.templateParams.findIndex((t) => t.name === x.typeParam) ?? -1;
  if (!f || index < 0) return { why: `'${x.typeParam}' is not a type parameter of '${x.fn}'` };
  const callers = unit.deviceFunctions.filter((d) => d !== f && calls(d.body, x.fn).length);
  if (callers.length) return { why: `'${x.fn}' is also called from __device__ function '${callers[0]!.name}', whose signature cannot carry the kernel's type` };
  const declared = localTypes(kernel);
  const types = new Set<string>();
  for (const c of calls(kernel.body, x.fn)) {
    const fn = field(c, "function");
    const explicit = fn?.type === "template_function" ? named(field(fn, "arguments") ?? fn).filter((a) => a.type !== "comment")[index]?.text : undefined;
    const byArg = f.params.findIndex((p) => (field(p.node, "type")?.text.trim() ?? "") === x.typeParam);
    const arg = byArg >= 0 ? callArgs(c)[byArg] : undefined;
    const t = explicit ?? (arg ? argumentType(arg, declared) : undefined);
    if (!t) return { why: `c2m cannot tell which type the call '${c.text.slice(0, 60)}' gives '${x.typeParam}'` };
    types.add(t.replace(/\s+/g, " ").trim());
  }
  if (types.size !== 1)
    return {
      why: types.size ? `the kernel calls '${x.fn}' with '${x.typeParam}' as ${[...types].join(" and ")}, which need arrays apart` : `the kernel does not call '${x.fn}' itself`,
    };
  return { type: [...types][0]! };
}

function calls(body: CudaNode, name: string): CudaNode[] {
  const out: CudaNode[] = [];
  walk(body, (n) => {
    if (n.type === "call_expression" && calleeName(n) === name) out.push(n);
  });
  return out;
}

/** The kernel's parameters and locals declared with a plain type: name → type as written (`float`, `scalar_t`). */
function localTypes(kernel: KFunction): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of kernel.params) {
    const t = field(p.node, "type");
    if (t && field(p.node, "declarator")?.type === "identifier") out.set(p.name, t.text);
  }
  walk(kernel.body, (n) => {
    if (n.type !== "declaration") return;
    const t = field(n, "type");
    for (const d of fields(n, "declarator")) {
      const id = d.type === "init_declarator" ? field(d, "declarator") : d;
      if (t && id?.type === "identifier") out.set(id.text, out.has(id.text) ? "" : t.text);
    }
  });
  return out;
}

function argumentType(arg: CudaNode, declared: Map<string, string>): string | undefined {
  if (arg.type === "number_literal") return /[fF]$/.test(arg.text) && /[.eE]/.test(arg.text) ? "float" : /^\d+$/.test(arg.text) ? "int" : undefined;
  if (arg.type === "identifier") return declared.get(arg.text) || undefined;
  return undefined;
}

/** The kernel-level declaration (`type`: the element type as the kernel spells it, for a template-typed array). */
export function hoistedDeclaration(x: HoistedShared, print: (n: CudaNode) => string, sharedBytes: string, type?: string): string {
  const t = type ?? print(x.type);
  if (x.dynamic) return `threadgroup ${t} ${x.name}[(${sharedBytes} + sizeof(${t}) - 1) / sizeof(${t})];`;
  return `threadgroup ${t} ${x.name}${[x.size, ...(x.rows ?? [])].map((d) => (d ? `[${print(d)}]` : "")).join("")};`;
}

/**
 * The launch's dynamic shared memory seen by several extern arrays (CUDA aliases them all): the first hoisted one is
 * declared as the memory, the other hoisted ones point to it (`threadgroup float* c2m_sh_g_b = c2m_sh_f_a;`), and the
 * kernel's own extern array, printed where it is declared, points to it too (PrintContext.dynamicStorage). Arrays of
 * another element type are not viewed (their alignment is not the memory's): returned to be refused.
 */
export function dynamicViews(
  dynamic: { h: HoistedShared; type: string }[],
  sharedBytes: string,
): { lines: string[]; storage?: { name: string; type: string }; apart: HoistedShared[] } {
  const first = dynamic[0];
  if (!first) return { lines: [], apart: [] };
  const lines = [`threadgroup ${first.type} ${first.h.name}[(${sharedBytes} + sizeof(${first.type}) - 1) / sizeof(${first.type})];`];
  const apart: HoistedShared[] = [];
  for (const d of dynamic.slice(1)) {
    if (d.type === first.type) lines.push(`threadgroup ${d.type}* ${d.h.name} = ${first.h.name};`);
    else apart.push(d.h);
  }
  return { lines, storage: { name: first.h.name, type: first.type }, apart };
}
