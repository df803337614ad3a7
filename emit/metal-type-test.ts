/**
 * A branch on a compile-time type test of a template (torch-ngp's kernel_grid_backward:
 * `if (std::is_same<scalar_t, at::Half>::value && N_C % 2 == 0) { atomicAdd((__half2*)&grad[i], v); } else { ... }`)
 * is, in CUDA, a plain `if` whose untaken branch must still compile for every instantiation; the CUDA
 * original gets away with it because CUDA's atomicAdd has an overload for every pointer type. Its Metal
 * translation does not: the half2 atomic add exists only where the buffer is 16-bit, so the float
 * instantiation must not see that branch. Printed as `if constexpr`, each instantiation keeps only the
 * branch its types select, as C++17 discards the other. Metal's compiler (clang) takes `if constexpr` in
 * MSL as a C++17 extension, with a warning (MLX's own kernels use it).
 *
 * Only a condition that is a constant expression is printed so: type tests (`std::is_same<A, B>::value`,
 * `std::is_same_v<A, B>`, and the other traits in TYPE_TRAITS) of which at least one names a template type
 * parameter, combined with `!`, `&&`, `||`, comparisons and arithmetic over literals and the template's
 * value parameters.
 */
import type { CudaNode } from "../grammar/cuda.js";
import { field, named } from "../passes/kernel/cst.js";
import { TRAIT_USE } from "../passes/kernel/type-traits.js";

/** A trait's use, `[cuda::][std::]trait[_v]<` (passes/kernel/type-traits.ts). */
const TRAIT = TRAIT_USE;

/** The template parameters (type, value) of the template that declares `node`'s function, innermost first. */
function templateParams(node: CudaNode): { types: Set<string>; values: Set<string> } {
  const types = new Set<string>();
  const values = new Set<string>();
  for (let p: CudaNode | null = node.parent; p; p = p.parent) {
    if (p.type !== "template_declaration") continue;
    const list = named(p).find((c) => c.type === "template_parameter_list");
    for (const d of list ? named(list) : []) {
      const name = d.type === "type_parameter_declaration" ? named(d).at(-1)?.text : field(d, "declarator")?.text;
      if (!name) continue;
      (d.type === "type_parameter_declaration" ? types : values).add(name);
    }
  }
  return { types, values };
}

/**
 * The condition with each type test replaced by `1`, and the identifiers its type arguments name; undefined
 * where a trait's angle brackets do not close or a `<trait><...>` lacks its `::value`.
 */
function stripTypeTests(cond: string): { rest: string; typeArgs: string[] } | undefined {
  const typeArgs: string[] = [];
  let rest = "";
  let at = 0;
  for (const m of cond.matchAll(TRAIT)) {
    if (m.index! < at) continue;
    let depth = 1;
    let i = m.index! + m[0].length;
    for (; i < cond.length && depth; i++) depth += cond[i] === "<" ? 1 : cond[i] === ">" ? -1 : 0;
    if (depth) return undefined;
    typeArgs.push(...(cond.slice(m.index! + m[0].length, i - 1).match(/[A-Za-z_]\w*/g) ?? []));
    if (!m[3]) {
      const value = /^\s*::\s*value\b/.exec(cond.slice(i));
      if (!value) return undefined;
      i += value[0].length;
    }
    rest += `${cond.slice(at, m.index)} 1 `;
    at = i;
  }
  return { rest: rest + cond.slice(at), typeArgs };
}

/** Whether `node` (an if_statement) branches on a compile-time type test of its template, a constant condition. */
export function isTypeTestBranch(node: CudaNode): boolean {
  if (node.type !== "if_statement" || /^if\s+constexpr\b/.test(node.text)) return false;
  const cond = field(node, "condition")?.text ?? "";
  if (!new RegExp(TRAIT.source).test(cond)) return false;
  const stripped = stripTypeTests(cond);
  if (!stripped) return false;
  const { types, values } = templateParams(node);
  if (!stripped.typeArgs.some((a) => types.has(a))) return false;
  // nothing but literals, operators and the template's value parameters: no call, member, index or assignment
  if (!/^[\w\s()!&|<>=%+\-*/^~?:.]*$/.test(stripped.rest) || /(?<![<>=!])=(?!=)|\.[A-Za-z_]|\?|:/.test(stripped.rest)) return false;
  const names = stripped.rest.match(/\b[A-Za-z_]\w*/g) ?? [];
  return names.every((n) => values.has(n) || n === "true" || n === "false" || /^[uUlLfF]+$/.test(n));
}

/** `if (...)` printed as `if constexpr (...)`. */
export function constexprIf(printed: string): string {
  return printed.replace(/^if\b/, "if constexpr");
}
