/**
 * untyped-receivers: torch's `.data` and `.parameters()` read on a value the walker cannot type. A known tensor's
 * `.data` is the array itself and a known module's `.parameters()` MLX's flattened; on a value of unknown type the
 * read goes through a helper that asks at run time what the value is (cookbook/helpers/c2m_data_of.py,
 * c2m_parameters_of.py), so an object that has its own `data` or `parameters()` keeps it. timm's Hiera rescales
 * `layer.mlp.fc2.weight.data` (an MLX array has no `.data`); transformers' ModuleUtilsMixin, a plain class mixed into
 * every PreTrainedModel, reads `next(self.parameters())`, which on an MLX module iterated a dict's keys.
 *
 * Reads: the attribute or method and what the walker knows of its receiver. Writes: nothing (the walker emits the text).
 */
import type { SyntaxNode } from "../grammar/python.js";

export const DATA_OF_HELPER = "c2m_data_of";
export const PARAMETERS_OF_HELPER = "c2m_parameters_of";

/**
 * Whether `obj.data` is a read on a receiver of unknown type (the walker's "other"; not self). Not where an in-place
 * method is called on it (`m.weight.data.copy_(w)`): that call becomes an assignment to its receiver, which must stay
 * a name or attribute, never a helper call.
 */
export const readsUntypedData = (e: SyntaxNode, attr: string, objText: string, receiverKind: string): boolean =>
  attr === "data" && objText !== "self" && receiverKind === "other" && !calledInPlace(e);

/** `x.data.copy_(…)`: `e` is the receiver of a called method whose name ends in `_` (torch's in-place form). */
function calledInPlace(e: SyntaxNode): boolean {
  const parent = e.parent;
  return parent?.type === "attribute" && parent.childForFieldName("object") === e && /_$/.test(parent.childForFieldName("attribute")?.text ?? "") && parent.parent?.type === "call";
}

/** Whether `obj.parameters()` (no arguments) is called on a receiver of unknown type. */
export const callsUntypedParameters = (method: string, receiverKind: string, argCount: number): boolean => method === "parameters" && receiverKind === "other" && argCount === 0;

export const dataOfText = (objText: string): string => `${DATA_OF_HELPER}(${objText})`;
export const parametersOfText = (objText: string): string => `${PARAMETERS_OF_HELPER}(${objText})`;
