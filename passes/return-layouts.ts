/**
 * A forward that returns in several places (`if not return_dict: return (hidden_state, ...)` and, else, an output
 * object built from it) gives its callers one result layout: the signature's. When the returns disagree on which
 * values are channels-last (the tuple holds an NHWC tensor, the object the torch-layout one a call's arguments
 * were converted to), no one layout describes them, and callers read them wrong (transformers' ResNetModel pooled an
 * NCHW tensor as NHWC). Then every return is converted to torch's layout, as at the model boundary.
 */
import { isIdentity, type TensorType } from "../ir/tensor.js";

/** The part of a returned value that decides its layout (a tensor, or a list of values). */
export type ReturnedValue = { k: "tensor"; t: TensorType } | { k: "list"; items: ReturnedValue[] | null; elem?: ReturnedValue } | { k: string };

/** The physical layout a value carries, as a comparable string: "" when nothing in it is permuted. */
function layoutKey(v: ReturnedValue): string {
  if (v.k === "tensor") {
    const perm = (v as { t: TensorType }).t.perm;
    return perm && !isIdentity(perm) ? `[${perm.join(",")}]` : "";
  }
  if (v.k === "list") {
    const list = v as { items: ReturnedValue[] | null; elem?: ReturnedValue };
    const parts = list.items ? list.items.map(layoutKey) : [list.elem ? layoutKey(list.elem) : ""];
    return parts.some((p) => p) ? `(${list.items ? "" : "*"}${parts.join(";")})` : "";
  }
  return "";
}

/** Values that hold no tensor whatever the branch: they agree with any layout. */
const LAYOUT_FREE = new Set(["none", "num", "shape"]);

/** Whether every return carries the same layout (so the first return's type describes them all). */
export function returnsAgree(returns: readonly ReturnedValue[]): boolean {
  const keys = new Set(returns.filter((r) => !LAYOUT_FREE.has(r.k)).map(layoutKey));
  return keys.size <= 1;
}
