/**
 * 128-bit accesses the buffer analysis (buffers.ts) recognises: a cast of an element's address to a 16-byte
 * vector pointer (`reinterpret_cast<float4*>(&A[i])[0]`), and llm.c's load128/store128 helpers, which reach
 * their pointer only as one `int4` at that address.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KFunction } from "../../ir/kernel.js";
import { CACHE_HINTS, SCALAR_TYPES, VECTOR_TYPES } from "./tables.js";
import { calleeName, callArgs, field, unparen } from "./cst.js";

const same = (a: CudaNode | null | undefined, b: CudaNode | null | undefined): boolean =>
  !!a && !!b && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;

/**
 * The `&p[E]` of `reinterpret_cast<V*>(&p[E])[0]` or `*reinterpret_cast<V*>(&p[E])`, V a 16-byte vector type (float4,
 * int4, uint4): one 128-bit access starting at element E of p.
 */
export function vectorCastSpan(access: CudaNode): CudaNode | undefined {
  const isZero = access.type === "subscript_expression" && /^\[\s*0\s*\]$/.test(field(access, "indices")?.text ?? "");
  if (!isZero && access.type !== "pointer_expression") return undefined;
  const cast = unparen(field(access, "argument")!);
  if (cast.type !== "call_expression" || calleeName(cast) !== "reinterpret_cast") return undefined;
  const target = /<\s*(?:const\s+)?(\w+)\s*\*\s*>/.exec(field(cast, "function")?.text ?? "")?.[1];
  const vec = target ? VECTOR_TYPES[target] : undefined;
  if (!vec || (SCALAR_TYPES[vec.elem]?.bits ?? 0) * vec.width !== 128) return undefined;
  const arg = callArgs(cast)[0] ? unparen(callArgs(cast)[0]!) : undefined;
  if (arg?.type !== "pointer_expression" || field(arg, "operator")?.text !== "&") return undefined;
  const sub = unparen(field(arg, "argument")!);
  return sub.type === "subscript_expression" && unparen(field(sub, "argument")!).type === "identifier" ? arg : undefined;
}

/** A pointer cast whose value is subscripted, dereferenced, or the initialiser of a local pointer: its accesses are seen there. */
export function castIsAccessed(cast: CudaNode): boolean {
  let v = cast;
  while (v.parent?.type === "parenthesized_expression") v = v.parent;
  const p = v.parent;
  if (!p) return false;
  if (p.type === "subscript_expression" && same(field(p, "argument"), v)) return true;
  if (p.type === "pointer_expression" && field(p, "operator")?.text === "*") return true;
  return p.type === "init_declarator" && same(field(p, "value"), v) && field(p, "declarator")?.type === "pointer_declarator";
}

/**
 * Whether a device function reaches its pointer parameter `i` only as one 128-bit value at that address:
 * every use of the parameter is `reinterpret_cast<(const) V*>(p)`, V a 16-byte vector type, accessed at once as
 * one value: dereferenced, subscripted at 0, or a cache hint's address (llm.c's load128, load128cs, store128,
 * store128cs through Packed128's `int4`; matmul_forward.cu's ld_vec/st_vec through `float4`). A cast kept in a
 * local (`const float4* v = reinterpret_cast<const float4*>(x); v[i]`) reaches past the 16 bytes: not one.
 */
export function accesses128(f: KFunction, i: number): boolean {
  const p = f.params[i];
  if (!p || p.type.kind !== "pointer") return false;
  const uses = f.body.text.match(new RegExp(`\\b${p.name}\\b`, "g"))?.length ?? 0;
  const casts = [...f.body.text.matchAll(new RegExp(`reinterpret_cast\\s*<\\s*(?:const\\s+)?(\\w+)\\s*\\*\\s*>\\s*\\(\\s*${p.name}\\s*\\)`, "g"))];
  const text = f.body.text;
  const once = (m: RegExpMatchArray) => {
    const before = text.slice(0, m.index).trimEnd();
    const after = text.slice(m.index! + m[0].length).trimStart();
    const hint = /(\w+)\s*\(\s*$/.exec(before)?.[1];
    return /\*$/.test(before) || /^\[\s*0\s*\]/.test(after) || (!!hint && !!CACHE_HINTS[hint]);
  };
  return uses > 0 && uses === casts.length && casts.every((m) => is128(m[1]!) && once(m));
}

/** A 16-byte vector type (float4, int4, uint4, ...). */
function is128(type: string): boolean {
  const vec = VECTOR_TYPES[type];
  return !!vec && (SCALAR_TYPES[vec.elem]?.bits ?? 0) * vec.width === 128;
}
