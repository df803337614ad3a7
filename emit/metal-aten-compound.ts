/**
 * A compound assignment into an ATen 16-bit float with its right side rounded to the left side's type first,
 * as c10::Half's `operator+=(Half&, const Half&)` does (passes/kernel/aten-compound.ts says which).
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { PrintContext } from "./metal-context.js";
import { print } from "./metal.js";
import { field, unparen } from "../passes/kernel/cst.js";
import { atenCompoundType } from "../passes/kernel/aten-compound.js";
import { SCALAR_TYPES } from "../passes/kernel/tables.js";

/** `acc += e` → `acc += c2m_aten_operand<T>(e)`; undefined where the assignment is not one of these. */
export function printAtenCompound(node: CudaNode, ctx: PrintContext): string | undefined {
  const type = atenCompoundType(node, ctx.unit, ctx.fn);
  if (!type) return undefined;
  const t = type.kind === "scalar" ? (SCALAR_TYPES[type.name]?.metal ?? "half") : type.kind === "template" ? type.name : undefined;
  if (!t) return undefined;
  ctx.helpers.add("c2m_aten16");
  return `${print(unparen(field(node, "left")!), ctx)} ${field(node, "operator")!.text} c2m_aten_operand<${t}>(${print(field(node, "right")!, ctx)})`;
}

export const ATEN16_HELPER = `// ATen's Half and BFloat16 have compound assignments only with their own type: \`h += f\` rounds a float f to the
// 16-bit type first, then the sum (Metal's half += float rounds once); any other left side takes f as it is.
template <bool B> struct c2m_aten_if {};
template <> struct c2m_aten_if<true> { typedef int type; };
template <typename T, typename U, typename c2m_aten_if<metal::is_same<T, half>::value || metal::is_same<T, bfloat16_t>::value>::type = 0>
inline T c2m_aten_operand(U v) { return T(v); }
template <typename T, typename U, typename c2m_aten_if<!(metal::is_same<T, half>::value || metal::is_same<T, bfloat16_t>::value)>::type = 0>
inline U c2m_aten_operand(U v) { return v; }`;
