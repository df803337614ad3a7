/**
 * The standard type traits a kernel asks of its types, as data: what C++ answers for a 16-bit float type
 * and what Metal answers for its half and bfloat (emit/metal-type-traits.ts prints each so that Metal gives
 * C++'s answer; emit/metal-type-test.ts reads a branch on one as a compile-time condition).
 */
import { nameTable } from "../../ir/tables.js";

/**
 * Per trait, its answer for a 16-bit float type in C++, where CUDA's __half and __nv_bfloat16 and ATen's Half
 * and BFloat16 are classes (`std::` and libcu++'s `cuda::std::` follow the standard; CCCL's `cuda::` extended
 * traits count the 16-bit floats, and name only is_floating_point), and in Metal (half and bfloat are
 * built-in floating-point types). `is_same` compares types: its answer is the types'.
 */
export const TYPE_TRAITS: Record<string, { std: boolean; cuda?: boolean; metal: boolean } | { identity: true }> = nameTable({
  is_same: { identity: true },
  is_floating_point: { std: false, cuda: true, metal: true },
  is_arithmetic: { std: false, metal: true },
  is_signed: { std: false, metal: true },
  is_integral: { std: false, metal: false },
  is_unsigned: { std: false, metal: false },
});

/** The namespaces a trait is asked through: the standard's and libcu++'s follow the standard, CCCL's `cuda::` extends it. */
export const TRAIT_NAMESPACES: Record<string, "std" | "cuda"> = nameTable({ std: "std", "cuda::std": "std", cuda: "cuda", metal: "std" });

/** `[cuda::][std::]trait[_v]<` anywhere in a text: the namespaces (optional), the trait, `_v`. */
export const TRAIT_USE = new RegExp(`(?:\\b((?:cuda\\s*::\\s*)?(?:std|metal)|cuda)\\s*::\\s*)?\\b(${Object.keys(TYPE_TRAITS).join("|")})(_v)?\\s*<`, "g");
