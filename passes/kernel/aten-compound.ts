/**
 * ATen's 16-bit floats in a compound assignment. c10::Half and c10::BFloat16 define `+=`, `-=`, `*=`, `/=` only
 * with their own type (c10/util/Half-inl.h), so `acc += w * g` with a float right side converts it to the
 * 16-bit type first and then rounds the sum: two roundings. Metal's `half += float` (and MLX's CUDA `__half`
 * instantiation on the emulator) rounds once, which differs in the last bits and, after a cancellation, far
 * more (torch-ngp's kernel_grid dy_dx, instantiated at at::Half by AT_DISPATCH_FLOATING_TYPES_AND_HALF). Where
 * the file's 16-bit instantiations are ATen's (half-family.ts), the printers convert such a right side to the
 * left side's type first, through a helper that leaves any other instantiation's right side as it is (an int
 * `acc += 0.5f` truncates only the sum, as C++ does). Pure: reads the unit and the function.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KFunction, KType, KernelUnit } from "../../ir/kernel.js";
import { baseType, declaratorType, field, fields, unparen, walk } from "./cst.js";
import { familyOf } from "./half-family.js";

const COMPOUND = new Set(["+=", "-=", "*=", "/="]);

/**
 * The left side's element type when `node` is a compound assignment into an ATen 16-bit float (a template type
 * parameter, which ATen's dispatch may make one, or at::Half itself) in a file whose 16-bit instantiations are
 * ATen's; undefined otherwise.
 */
export function atenCompoundType(node: CudaNode, unit: KernelUnit, fn: KFunction): KType | undefined {
  if (node.type !== "assignment_expression" || !COMPOUND.has(field(node, "operator")?.text ?? "")) return undefined;
  const families = unit.halfFamilies;
  if (!families || families.size !== 1 || !families.has("aten")) return undefined;
  const type = elementType(field(node, "left")!, fn);
  // a pointer left as a pointer is pointer arithmetic (`grad += offset`)
  const sixteen = type?.kind === "template" ? fn.templateParams.some((t) => t.kind === "type" && t.name === type.name) : type?.kind === "scalar" && familyOf(type.name) === "aten";
  if (!type || !sixteen) return undefined;
  // a right side of the left side's own type (`results[ch] += grad_val`) is already rounded
  const right = elementType(field(node, "right")!, fn);
  return right && right.kind === type.kind && "name" in right && "name" in type && right.name === type.name ? undefined : type;
}

/** The declared element type an identifier, `a[i]...` or `*p` reads; undefined for any other expression. */
export function elementType(expr: CudaNode, fn: KFunction): KType | undefined {
  let e = unparen(expr);
  let levels = 0;
  for (;;) {
    if (e.type === "subscript_expression") e = unparen(field(e, "argument")!);
    else if (e.type === "pointer_expression" && field(e, "operator")?.text === "*") e = unparen(field(e, "argument")!);
    else break;
    levels++;
  }
  if (e.type !== "identifier") return undefined;
  let type = declaredTypes(fn).get(e.text);
  for (; type && levels > 0 && type.kind === "pointer"; levels--) type = type.pointee;
  return type;
}

/** Each parameter's and local's declared type (an array's: its element type), the last declaration of a name winning. */
function declaredTypes(fn: KFunction): Map<string, KType> {
  let found = declared.get(fn);
  if (found) return found;
  found = new Map(fn.params.map((p) => [p.name, p.type]));
  const templates = new Set(fn.templateParams.filter((t) => t.kind === "type").map((t) => t.name));
  walk(fn.body, (n) => {
    if (n.type !== "declaration") return;
    const base = baseType(field(n, "type"), templates, new Set());
    for (const d of fields(n, "declarator")) {
      const { type, name } = declaratorType(base, d, false);
      if (name) found!.set(name, type);
    }
  });
  declared.set(fn, found);
  return found;
}
const declared = new WeakMap<KFunction, Map<string, KType>>();
