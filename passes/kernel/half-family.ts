/**
 * Which 16-bit float types a file instantiates its kernel templates with: CUDA's own (`__half`,
 * `__nv_bfloat16` and cuda_fp16.h's aliases `half`, `nv_bfloat16`) or ATen's (`at::Half` = `c10::Half`,
 * `at::BFloat16` = `c10::BFloat16`, what AT_DISPATCH_FLOATING_TYPES_AND_HALF gives `scalar_t`). In C++ the two
 * families are distinct types (`std::is_same<at::Half, __half>::value` is false), while Metal has one `half`
 * and one `bfloat`, and MLX instantiates the kernel with them: a compile-time type test that names a 16-bit
 * type is true in Metal for either family. C++'s answer is kept by knowing which family the file's own
 * instantiations use (emit/metal-type-traits.ts prints the other family's name as a type no instantiation
 * is). Pure: reads the unit and the --template arguments.
 */
import type { KernelUnit } from "../../ir/kernel.js";
import type { CudaNode } from "../../grammar/cuda.js";
import { nameTable } from "../../ir/tables.js";
import { canonicalTypeName, field, named } from "./cst.js";
import { TRAIT_USE, TYPE_TRAITS } from "./type-traits.js";

export type HalfFamily = "cuda" | "aten";

/** The 16-bit float type names of C++, by family. */
export const HALF_FAMILY: Record<string, HalfFamily> = nameTable({
  __half: "cuda",
  half: "cuda",
  __nv_bfloat16: "cuda",
  nv_bfloat16: "cuda",
  "at::Half": "aten",
  "c10::Half": "aten",
  "at::BFloat16": "aten",
  "c10::BFloat16": "aten",
});

/**
 * ATen's dispatch that gives `scalar_t` a 16-bit type: `AT_DISPATCH_FLOATING_TYPES_AND_HALF(...)`, or one whose
 * extra types name one (`AT_DISPATCH_FLOATING_TYPES_AND2(at::ScalarType::Half, at::ScalarType::BFloat16, ...)`);
 * its first argument's text up to the lambda.
 */
const ATEN_HALF_DISPATCH = /\bAT_DISPATCH_(?:\w*HALF\w*\s*\(|\w+\s*\([^[;]*\b(?:k?Half|k?BFloat16)\b)/;
/** A launch with explicit template arguments, `kernel<__half, 4><<<grid, block>>>(...)` (no nested `<>`). */
const TEMPLATE_LAUNCH = /\b[A-Za-z_]\w*\s*<([^<>;]*)>\s*<<</g;

/**
 * The families the file's instantiations use: those --template names where it names a 16-bit type (the
 * caller's instantiation decides), else those of AT_DISPATCH and of launches with explicit template arguments
 * in its host code; empty when nothing says (or no instantiation is a 16-bit float).
 */
export function instantiatedHalfFamilies(unit: KernelUnit, template: Record<string, string> = {}): Set<HalfFamily> {
  const given = new Set(Object.values(template).flatMap((v) => familyOf(v) ?? []));
  if (given.size) return given;
  const out = new Set<HalfFamily>();
  for (const h of unit.hostFunctions) {
    if (ATEN_HALF_DISPATCH.test(h.body.text)) out.add("aten");
    for (const m of h.body.text.matchAll(TEMPLATE_LAUNCH))
      for (const a of m[1]!.split(",")) {
        const f = familyOf(a);
        if (f) out.add(f);
      }
  }
  return out;
}

/** The family of a 16-bit float type name (`at::Half`, `const __half`); undefined for any other type. */
export function familyOf(typeName: string): HalfFamily | undefined {
  return HALF_FAMILY[canonicalTypeName(typeName.replace(/\b(const|volatile)\b/g, ""))];
}

/** The 16-bit float families the type traits of `text` name (`std::is_same<scalar_t, at::Half>`: aten). */
export function familiesTested(text: string): Set<HalfFamily> {
  const out = new Set<HalfFamily>();
  for (const m of text.matchAll(TRAIT_USE)) {
    let depth = 1;
    let i = m.index! + m[0].length;
    const start = i;
    for (; i < text.length && depth; i++) depth += text[i] === "<" ? 1 : text[i] === ">" ? -1 : 0;
    for (const a of text.slice(start, i - 1).split(",")) {
      const f = familyOf(a);
      if (f) out.add(f);
    }
  }
  return out;
}

/**
 * What a type trait's argument naming a 16-bit float stands for in the translation: "instantiated" (the family
 * the file instantiates with: the target's own half or bfloat), "other" (the family it does not: a type equal
 * to none), or "ambiguous" (both are instantiated, or nothing says which and the file's tests name both: the
 * target's one half cannot give C++'s answer for both). Where nothing says which family the file
 * instantiates with, the family its type tests name is taken for it. Undefined for any other type.
 */
export function traitArgumentFamily(unit: KernelUnit, typeText: string): "instantiated" | "other" | "ambiguous" | undefined {
  const family = familyOf(typeText);
  if (!family) return undefined;
  const given = unit.halfFamilies ?? new Set<HalfFamily>();
  const families = given.size ? given : familiesTested(unit.source);
  if (families.size > 1) return "ambiguous";
  return !families.size || families.has(family) ? "instantiated" : "other";
}

/** Whether `arg` (a node of a template argument list) is a type argument of a standard type trait (`std::is_same<T, at::Half>`). */
export function isTraitArgument(arg: CudaNode): boolean {
  const list = arg.parent;
  const template = list?.type === "template_argument_list" ? list.parent : undefined;
  const name = template && (template.type === "template_type" || template.type === "template_function") ? field(template, "name")?.text : undefined;
  return !!name && !!TYPE_TRAITS[name.replace(/_v$/, "")] && named(list!).includes(arg);
}
