/**
 * Pass `kernel-device-vars`: a file-scope `__device__` variable (pytorch_cluster graclus's `__device__ bool
 * done_d;`, which kernels set and the host reads back with cudaMemcpyFromSymbol) has no place in Metal, which has
 * no program-scope device memory. What an MLX kernel does have is one more buffer, so each kernel that uses the
 * variable takes it as a parameter of its own name, `T* __restrict__ name` (one element for a scalar, the array's
 * size for an array), appended to its parameter list; a scalar's uses become `name[0]`. The buffer analysis then
 * gives it the role its uses say (an output when written, copied in when also read), exactly as for any pointer
 * parameter, and the host's symbol copy (cudaMemcpyFromSymbol / cudaMemcpyToSymbol) is that argument. Applied to
 * the CUDA original too, so that both run the same signature. The file's launches are left as written: a host
 * launcher has no array for the new parameter and is not translated (C2M-K014, passes/kernel/host.ts).
 *
 * Carried: a number or vector type, one dimension or none, no initializer or a scalar's literal one (the value at
 * load; after it the host's to give, as the variable holds what the last launch left), not `extern`; used by kernels only (a device function using it keeps C2M-K017: only kernels are given
 * the parameter). Same lines; columns shift only after a rewritten use on its line. Pure: text in, text out.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { declaratorName, field, fields, named, qualifierWords, walk } from "./cst.js";
import { SCALAR_TYPES, VECTOR_TYPES } from "./tables.js";
import type { KernelUnit } from "../../ir/kernel.js";

export interface CarriedDeviceVariable {
  name: string;
  kernel: string;
  /** the kernel's first use of it (0-based) */
  row: number;
  column: number;
  /** the declaration's line (0-based) */
  declRow: number;
  /** elements of the buffer: 1 for a scalar, the array's size as written */
  count: string;
  /** a scalar's initializer (`= 0`): its value before the host's first launch */
  init?: string;
}

interface DeviceVariable {
  name: string;
  type: string;
  scalar: boolean;
  count: string;
  declRow: number;
  node: CudaNode;
  init?: string;
}

/** An initializer the caller's first buffer can hold as written: a number or a truth value (retirementCount's `= 0`). */
const LITERAL_INIT = /^(?:[-+]?(?:0[xX][\da-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)[uUlLfF]*|true|false)$/;

/** File-scope `__device__ T name;` / `__device__ T name[N];` of a number type, uninitialised, not extern. */
function deviceVariables(root: CudaNode): Map<string, DeviceVariable> {
  const out = new Map<string, DeviceVariable>();
  walk(root, (n) => {
    if (n.type !== "declaration") return ["translation_unit", "namespace_definition", "declaration_list", "preproc_if", "preproc_ifdef", "preproc_else"].includes(n.type);
    const quals = qualifierWords(n);
    if (!quals.includes("__device__") || quals.some((q) => /extern|__constant__|__shared__|__managed__|const/.test(q))) return false;
    const type = field(n, "type")?.text.replace(/\s+/g, " ").trim() ?? "";
    if (!SCALAR_TYPES[type] && !VECTOR_TYPES[type]) return false;
    for (const d of fields(n, "declarator")) {
      const name = declaratorName(d);
      if (!name) continue;
      if (d.type === "identifier") out.set(name, { name, type, scalar: true, count: "1", declRow: n.startPosition.row, node: n });
      // a scalar with a literal initializer (cuda-samples' `__device__ unsigned int retirementCount = 0;`, a ticket
      // counter): the value is the caller's to give as for any other, the initializer saying what it is at load
      else if (d.type === "init_declarator" && field(d, "declarator")?.type === "identifier" && LITERAL_INIT.test(field(d, "value")?.text.trim() ?? ""))
        out.set(name, { name, type, scalar: true, count: "1", declRow: n.startPosition.row, node: n, init: field(d, "value")!.text.trim() });
      else if (d.type === "array_declarator" && field(d, "declarator")?.type === "identifier" && field(d, "size"))
        out.set(name, { name, type, scalar: false, count: field(d, "size")!.text, declRow: n.startPosition.row, node: n });
    }
    return false;
  });
  return out;
}

/** Uses of `name` in the body (not a member `.name`), none when a local of that name shadows it. */
function usesIn(body: CudaNode, name: string): CudaNode[] {
  const uses: CudaNode[] = [];
  let shadowed = false;
  walk(body, (n) => {
    if (n.type === "declaration" && fields(n, "declarator").some((d) => declaratorName(d) === name)) shadowed = true;
    if (n.type === "identifier" && n.text === name) uses.push(n);
  });
  return shadowed ? [] : uses;
}

export function carryDeviceVariables(source: string): { text: string; carried: CarriedDeviceVariable[] } {
  if (!/\b__device__\b[^;{}()]*;/.test(source)) return { text: source, carried: [] };
  const root = parseCuda(source).rootNode;
  const variables = deviceVariables(root);
  if (!variables.size) return { text: source, carried: [] };
  // a device function using one keeps the refusal (C2M-K017): its kernels would need the buffer handed down
  const byDeviceFunction = new Set<string>();
  walk(root, (n) => {
    if (n.type !== "function_definition") return true;
    const q = qualifierWords(n);
    const body = field(n, "body");
    if (q.includes("__device__") && !q.includes("__global__") && body) for (const v of variables.keys()) if (usesIn(body, v).length) byDeviceFunction.add(v);
    return false;
  });
  const edits: { start: number; end: number; text: string }[] = [];
  const carried: CarriedDeviceVariable[] = [];
  walk(root, (n) => {
    if (n.type !== "function_definition") return true;
    if (!qualifierWords(n).includes("__global__")) return false;
    const decl = field(n, "declarator");
    const name = decl ? declaratorName(decl) : undefined;
    const list = decl && decl.type === "function_declarator" ? field(decl, "parameters") : null;
    const body = field(n, "body");
    if (!name || !list || !body) return false;
    const own = new Set(named(list).map((p) => declaratorName(field(p, "declarator"))));
    const params: string[] = [];
    for (const v of variables.values()) {
      if (own.has(v.name) || byDeviceFunction.has(v.name)) continue;
      const uses = usesIn(body, v.name);
      if (!uses.length) continue;
      params.push(`${v.type}* __restrict__ ${v.name}`);
      carried.push({
        name: v.name,
        kernel: name,
        row: uses[0]!.startPosition.row,
        column: uses[0]!.startPosition.column,
        declRow: v.declRow,
        count: v.count,
        ...(v.init !== undefined ? { init: v.init } : {}),
      });
      if (v.scalar) for (const u of uses) edits.push({ start: u.startIndex, end: u.endIndex, text: `${v.name}[0]` });
    }
    if (!params.length) return false;
    // `()` or `(void)`: the list is the new parameters
    const empty = !named(list).length || /^\(\s*void\s*\)$/.test(list.text);
    if (empty) edits.push({ start: list.startIndex, end: list.endIndex, text: `(${params.join(", ")})` });
    else edits.push({ start: list.endIndex - 1, end: list.endIndex - 1, text: `, ${params.join(", ")}` });
    return false;
  });
  let text = source;
  for (const e of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return { text, carried };
}

/** A kernel parameter standing for a file-scope `__device__` variable of its name (carryDeviceVariables made it so). */
export function isDeviceVariable(unit: KernelUnit, name: string): boolean {
  return unit.globals.some((g) => g.name === name && /\b__device__\b/.test(g.node.text) && !/\b(__constant__|__shared__|extern)\b/.test(g.node.text));
}
