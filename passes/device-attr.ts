/**
 * `x.device` where the checker cannot tell what x is (`text_embeds.device`, text_embeds a model output's field):
 * a torch tensor's device, or an object's own `device` (a transformers model's property). An MLX array has no
 * `device`; a known tensor's `.device` is written `mx.default_device()`. An unknown object's is read by
 * c2m_device_of (cookbook/helpers/c2m_device_of.py), which returns the object's own attribute when it has one.
 */
import type { SyntaxNode } from "../grammar/python.js";

export const DEVICE_OF_HELPER = "c2m_device_of";

/** Whether `obj.attr` is a device read on an object the checker does not know (not self, not a tensor, not a module). */
export function readsUnknownDevice(attr: string, objText: string, receiver: "tensor" | "module" | "other"): boolean {
  return attr === "device" && objText !== "self" && receiver === "other";
}

export const deviceOfText = (objText: string): string => `${DEVICE_OF_HELPER}(${objText})`;

/** Whether the attribute node is what an assignment writes (`obj.device = ...`), not a read. */
export function isAssignmentTarget(e: SyntaxNode): boolean {
  const parent = e.parent;
  return (parent?.type === "assignment" || parent?.type === "augmented_assignment") && parent.childForFieldName("left") === e;
}
