/**
 * The standard type traits a kernel asks of its types (`std::is_same<scalar_t, at::Half>::value`,
 * `std::is_floating_point_v<T>`, libcu++'s `cuda::std::is_integral<T>::value`, CCCL's
 * `cuda::is_floating_point_v<T>`), printed so that Metal gives the answer the CUDA build gives.
 *
 * Two things differ between the languages. CUDA's 16-bit floats (__half, __nv_bfloat16, ATen's Half and
 * BFloat16) are classes in C++, so the standard's is_floating_point, is_arithmetic and is_signed say false
 * for them, where Metal's built-in half and bfloat say true: those traits print as c2m's own (C2M_TRAITS),
 * which answer as C++ does. And C++ has two 16-bit families where Metal has one type: a test naming the
 * family the file never instantiates with (`__half` where AT_DISPATCH gives `at::Half`) prints that name as
 * a type no instantiation is, so the test is false as in C++ (passes/kernel/half-family.ts).
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { PrintContext } from "./metal-context.js";
import { print } from "./metal.js";
import { canonicalTypeName, field, named, position } from "../passes/kernel/cst.js";
import { traitArgumentFamily } from "../passes/kernel/half-family.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import { SCALAR_TYPES } from "../passes/kernel/tables.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import { TRAIT_NAMESPACES, TYPE_TRAITS } from "../passes/kernel/type-traits.js";

/** `[cuda::][std::]trait[_v]<` at the start of a qualified name's text: the namespaces, the trait, `_v`. */
const TRAIT_PREFIX = new RegExp(`^(?:::)?((?:\\w+\\s*::\\s*)*)(${Object.keys(TYPE_TRAITS).join("|")})(_v)?\\s*<`);

/** The helper that answers a trait as C++ does where Metal's own answer for half and bfloat differs. */
export const C2M_TRAITS_HELPER = `// C++'s type traits for the CUDA types Metal's stand for: CUDA's __half and __nv_bfloat16 (and ATen's Half and
// BFloat16) are classes, so the standard's is_floating_point, is_arithmetic and is_signed are false for them,
// where Metal's built-in half and bfloat are floating-point types.
template <typename T> struct c2m_class16 { static constant constexpr bool value = metal::is_same<T, half>::value || metal::is_same<T, bfloat16_t>::value; };
${Object.entries(TYPE_TRAITS)
  .filter(([, t]) => !("identity" in t) && t.std !== t.metal)
  .map(
    ([n]) =>
      `template <typename T> struct c2m_cxx_${n} { static constant constexpr bool value = metal::${n}<T>::value && !c2m_class16<T>::value; };\ntemplate <typename T> constant constexpr bool c2m_cxx_${n}_v = c2m_cxx_${n}<T>::value;`,
  )
  .join("\n")}
// a 16-bit float of the family no instantiation of this file uses: a type of its own, equal to none
template <typename T> struct c2m_uninstantiated {};`;

/**
 * `node` (the outermost qualified name, `std::is_same<A, B>::value` or `cuda::std::is_floating_point_v<T>`)
 * printed as a Metal trait with C++'s answer; undefined where it is not one of TYPE_TRAITS in a namespace
 * c2m knows (the caller prints it, or reports a CUDA-only name).
 */
export function printTypeTrait(node: CudaNode, ctx: PrintContext): string | undefined {
  if (node.parent?.type === "qualified_identifier") return undefined;
  const m = TRAIT_PREFIX.exec(node.text);
  if (!m) return undefined;
  const ns = TRAIT_NAMESPACES[m[1]!.replace(/\s+/g, "").replace(/::$/, "")];
  const trait = TYPE_TRAITS[m[2]!]!;
  if (!ns || (!("identity" in trait) && ns === "cuda" && trait.cuda === undefined)) return undefined;
  // the trait's template (`is_same<A, B>` / `is_floating_point_v<T>`) and whether `::value` follows it
  let n: CudaNode | null = node;
  while (n && n.type === "qualified_identifier" && field(n, "scope")?.type === "namespace_identifier") n = field(n, "name");
  const value = n?.type === "qualified_identifier" && field(n, "name")?.text === "value" ? field(n, "scope") : undefined;
  const template = value ?? n;
  if (!template || (template.type !== "template_type" && template.type !== "template_function")) return undefined;
  const list = field(template, "arguments") ?? named(template).find((c) => c.type === "template_argument_list");
  if (!list) return undefined;
  const printed = named(list)
    .filter((a) => a.type !== "comment")
    .map((a) => printTraitArgument(a, ctx));
  const answer = "identity" in trait ? undefined : ns === "cuda" ? trait.cuda : trait.std;
  const own = answer !== undefined && !("identity" in trait) && answer !== trait.metal;
  if (own) ctx.helpers.add("c2m_traits");
  const name = own ? `c2m_cxx_${m[2]}` : `metal::${m[2]}`;
  return `${name}${m[3] ?? ""}<${printed.join(", ")}>${value ? "::value" : ""}`;
}

/** A trait's type argument, its 16-bit float family kept apart where the file's instantiations tell them apart (traitArgumentFamily). */
function printTraitArgument(arg: CudaNode, ctx: PrintContext): string {
  const family = traitArgumentFamily(ctx.unit, arg.text);
  if (!family || family === "instantiated") return print(arg, ctx);
  if (family === "ambiguous") reportAmbiguousHalf(arg, ctx.unit.halfFamilies?.size ? "instantiates its templates with" : undefined, ctx.bag);
  const metal = SCALAR_TYPES[canonicalTypeName(arg.text.replace(/\b(const|volatile)\b/g, ""))]?.metal ?? "half";
  ctx.helpers.add("c2m_traits");
  return `c2m_uninstantiated<${metal}>`;
}

/**
 * K002 (refused): Metal's one half cannot answer a type test on a 16-bit float for both C++ families; the
 * --template instantiation decides which family the file's half is.
 */
export function reportAmbiguousHalf(arg: CudaNode, instantiates: string | undefined, bag: DiagnosticBag): void {
  reportKernel(
    bag,
    "C2M-K002",
    position(arg),
    `'${arg.text}' in a type test: the file ${instantiates ?? "names in its type tests, and nothing says which it instantiates with,"} both CUDA's 16-bit floats (__half) and ATen's (at::Half), distinct types in C++ (is_same<at::Half, __half> is false), while Metal has one half, which cannot be both`,
    "give the half instantiation with --template NAME=__half or NAME=at::Half (AT_DISPATCH gives at::Half)",
  );
}
