/**
 * Facts about a function's types the Metal printer (emit/metal.ts) needs: which template parameters are
 * deduced only through a pointer, which template value types Metal takes, which names are integers.
 */
import type { KFunction, KType, KernelUnit, TemplateParam } from "../ir/kernel.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import { baseType, declaratorType, field, fields, position, walk } from "../passes/kernel/cst.js";
import { SCALAR_TYPES } from "../passes/kernel/tables.js";
import { nameTable } from "../ir/tables.js";

/** Types a template value parameter may have in Metal (and in MLX's template arguments). */
export const INTEGRAL_TEMPLATE_TYPE = /^(const\s+)?((un)?signed\s+)?(bool|char|short|int|long|long\s+long|unsigned|size_t|u?int(8|16|32|64)_t|uint|ushort|uchar)(\s+int)?$/;

/**
 * Type template parameters of a device function that only a pointer parameter's element type tells
 * (`const T* p`): once pointer parameters are template parameters of their own, T is no longer deducible
 * there, so it defaults to that pointer's element type. Left alone when a call names template arguments.
 * T → the index of the pointer parameter it comes from.
 */
export function pointeeTemplateParams(f: KFunction, unit: KernelUnit): Map<string, number> {
  const out = new Map<string, number>();
  if (new RegExp(`\\b${f.name}\\s*<`).test(unit.source.replace(f.node.text, ""))) return out;
  const mentions = (t: string, text: string) => new RegExp(`\\b${t}\\b`).test(text);
  for (const t of f.templateParams.filter((x) => x.kind === "type")) {
    if (f.params.some((p) => p.type.kind !== "pointer" && mentions(t.name, p.node.text))) continue;
    const i = f.params.findIndex((p) => p.type.kind === "pointer" && p.type.pointee.kind === "template" && p.type.pointee.name === t.name);
    if (i >= 0) out.set(t.name, i);
  }
  return out;
}

/** Parameters and locals of a function declared with an integer type (`int hs = C / NH;`), declared once. */
export function integerNames(f: KFunction): Set<string> {
  let found = integerNamesOf.get(f);
  if (found) return found;
  const counts = new Map<string, number>();
  const ints = new Set<string>();
  const note = (name: string | undefined, integer: boolean) => {
    if (!name) return;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (integer) ints.add(name);
  };
  const isInt = (t: KType) => t.kind === "scalar" && !!SCALAR_TYPES[t.name]?.integer;
  for (const p of f.params) note(p.name, isInt(p.type));
  walk(f.body, (n) => {
    if (n.type !== "declaration") return;
    const base = baseType(field(n, "type"), new Set(), new Set());
    for (const d of fields(n, "declarator")) {
      const { type, name } = declaratorType(base, d, false);
      note(name, isInt(type) && d.type !== "array_declarator");
    }
  });
  found = new Set([...ints].filter((n) => counts.get(n) === 1));
  integerNamesOf.set(f, found);
  everyDeclarationInteger.set(f, new Set([...ints].filter((n) => !notIntegerOnce(f, n, counts, ints))));
  return found;
}
const integerNamesOf = new WeakMap<KFunction, Set<string>>();
const everyDeclarationInteger = new WeakMap<KFunction, Set<string>>();

/** Names every declaration of which has an integer type (a loop counter `int i` declared in three loops). */
export function alwaysIntegerNames(f: KFunction): Set<string> {
  integerNames(f);
  return everyDeclarationInteger.get(f)!;
}

function notIntegerOnce(f: KFunction, name: string, counts: Map<string, number>, ints: Set<string>): boolean {
  if (!ints.has(name)) return true;
  // counted declarations that were not integers: count them again, integers only
  let integer = 0;
  const isInt = (t: KType) => t.kind === "scalar" && !!SCALAR_TYPES[t.name]?.integer;
  for (const p of f.params) if (p.name === name && isInt(p.type)) integer++;
  walk(f.body, (n) => {
    if (n.type !== "declaration") return;
    const base = baseType(field(n, "type"), new Set(), new Set());
    for (const d of fields(n, "declarator")) {
      const { type, name: dn } = declaratorType(base, d, false);
      if (dn === name && isInt(type) && d.type !== "array_declarator") integer++;
    }
  });
  return integer !== counts.get(name);
}

/** A vector type as a buffer's element: `packed_float3` for a 3-vector (CUDA's layout, no padding), else the vector. */
export function bufferVectorType(v: { width: number; metal: string }): string {
  return v.width === 3 && /^(float|half|int|uint|short|ushort|char|uchar)3$/.test(v.metal) ? `packed_${v.metal}` : v.metal;
}

/**
 * The unscoped enum of the file a value template parameter has as its type (pytorch_scatter's `ReductionType
 * REDUCE`): MLX passes a kernel's as an int, and a helper's is printed `int` (its enumerators convert to it and
 * compare with it), so both take the kernel's value and the enumerators alike.
 */
export function unscopedEnumOf(unit: KernelUnit, t: TemplateParam): KernelUnit["enums"][number] | undefined {
  return unit.enums.find((e) => e.enumerators && e.names.includes(t.type?.trim() ?? "") && !/\benum\s+(class|struct)\b/.test(e.node.text));
}

/**
 * `template <typename T, Op OP> struct S` → `template <typename T, int OP> struct S` for each unscoped enum of the
 * file (unscopedEnumOf): a kernel's enum template parameter is an int in both of MLX's backends (`constexpr int OP`),
 * which a template argument of the enum type would not take (`S<T, OP>`); the enumerators still convert to it.
 */
export function enumTemplateParamsAsInt(text: string, unit: KernelUnit): string {
  const m = /^(\s*template\s*<)([^>]*)>/.exec(text);
  if (!m) return text;
  const names = unit.enums.filter((e) => e.enumerators && !/\benum\s+(class|struct)\b/.test(e.node.text)).flatMap((e) => e.names);
  if (!names.length) return text;
  const params = m[2]!.replace(new RegExp(`(^|,)(\\s*)(?:${names.join("|")})(\\s+\\w+)`, "g"), "$1$2int$3");
  return m[1] + params + ">" + text.slice(m[0].length);
}

/**
 * The kernel's template parameters as MLX's template list takes them (dtypes, ints and bools), an enum
 * parameter with its values; a function-pointer parameter (llm.c's `template <matmul_fn_ptr matmul_tri>
 * __global__ void trimul_global`) has nothing to pass (C2M-K045).
 */
export function metalTemplateParams(unit: KernelUnit, k: KFunction, bag: DiagnosticBag): TemplateParam[] {
  return k.templateParams.map((t) => {
    if (t.kind === "type" || t.type === undefined || INTEGRAL_TEMPLATE_TYPE.test(t.type.trim())) return { ...t };
    const e = unscopedEnumOf(unit, t);
    if (e) return { ...t, enumValues: nameTable(Object.fromEntries(e.enumerators!.map((x) => [x.name, x.value]))) };
    reportKernel(
      bag,
      "C2M-K045",
      position(k.node),
      `template parameter '${t.name}' of kernel '${k.name}' has type '${t.type}', a function pointer or other non-integral type that Metal cannot take`,
    );
    return { ...t };
  });
}
