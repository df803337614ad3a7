/**
 * torch's `out=` argument: the op writes its result into that tensor (`torch.mm(a, b, out=output[s:e])`,
 * transformers' grouped-experts fallback). MLX's ops return a new array. A call standing as a statement becomes a
 * write into the target: `output[s:e] = mx.matmul(a, b)`, or `out[...] = ...` for a whole tensor, which every
 * reference to the array sees, as torch's write does. Where the call's value is also used the port cannot both
 * write and return as torch does: C2M-E036 at the call.
 */
import { callArgs, type SyntaxNode } from "../grammar/python.js";

/** The tensor a call writes into through `out=`, if it gives one (`out=None` writes nothing). */
export function outArgument(call: SyntaxNode): SyntaxNode | undefined {
  const out = callArgs(call).keyword.get("out");
  return out && out.type !== "none" ? out : undefined;
}

/** The statement that writes `value` (the translated call) into the out target (its translated text). */
export function writeInto(target: SyntaxNode, targetText: string, value: string): string {
  return target.type === "subscript" ? `${targetText} = ${value}` : `${targetText}[...] = ${value}`;
}

export const OUT_ARGUMENT_CODE = "C2M-E036";

export const outArgumentMessage = (callee: string): string => `${callee}(..., out=...) where the call's value is also used: MLX's op returns a new array and cannot write into out`;
