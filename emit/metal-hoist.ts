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
 * parameter of the function in them; an array of rows, `float lhs_s[128][32]` in llm.c's trimat matmul_tri4,
 * is passed as a pointer to its rows, `threadgroup float (*lhs_s)[32]`), not the target of an atomic operation; and `extern __shared__ T
 * s[]`, the launch's dynamic shared memory, when it is the kernel's only dynamic array (CUDA gives every
 * extern array the same memory: two of them would alias there and not here). Anything else stays
 * refused (C2M-K002). Pure: reads the unit.
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { KFunction, KernelUnit } from "../ir/kernel.js";
import { baseType, calleeName, callArgs, declaratorType, field, fields, qualifierWords, walk } from "../passes/kernel/cst.js";
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
  if (mentionsOwn(type)) return undefined;
  const out: HoistedShared[] = [];
  for (const d of fields(n, "declarator")) {
    if (d.type === "init_declarator") return undefined;
    const { name, arrayDims, type: t } = declaratorType(baseType(type, new Set(), new Set()), d, false);
    if (!name || t.kind === "pointer" || arrayDims.some(mentionsOwn) || atomicTarget(f, name)) return undefined;
    // `extern __shared__ T s[]` (no size): the launch's dynamic shared memory
    const unsized = d.type === "array_declarator" && !field(d, "size");
    if (dynamic !== unsized) return undefined;
    const rows = arrayDims.length > 1 ? { rows: arrayDims.slice(1) } : {};
    out.push({ name: `c2m_sh_${f.name}_${name}`, fn: f.name, local: name, node: n, type, size: arrayDims[0], ...rows, ...(dynamic ? { dynamic } : {}) });
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

/** The kernel-level declaration. */
export function hoistedDeclaration(x: HoistedShared, print: (n: CudaNode) => string, sharedBytes: string): string {
  const t = print(x.type);
  if (x.dynamic) return `threadgroup ${t} ${x.name}[(${sharedBytes} + sizeof(${t}) - 1) / sizeof(${t})];`;
  return `threadgroup ${t} ${x.name}${[x.size, ...(x.rows ?? [])].map((d) => (d ? `[${print(d)}]` : "")).join("")};`;
}
