/**
 * Attributes of torch layers that MLX's layers do not keep (`m.out_features`, `conv.in_channels`,
 * `conv.kernel_size`), read where the code has just tested what the layer is: `if isinstance(m, nn.Linear):
 * … m.out_features` (torchvision's weight-init loops, ViT's patchify stem). There the read becomes
 * `c2m_layer_attr(m, "out_features")` (cookbook/helpers/c2m_layer_attr.py), which returns the module's own
 * attribute when it has one and otherwise reads the value off the MLX weight's shape.
 */
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";
import { isTorch, qualify } from "./resolve-imports.js";

const LAYER_ATTRS = new Set(["in_features", "out_features", "in_channels", "out_channels", "kernel_size", "num_features", "num_embeddings", "embedding_dim", "padding_idx"]);

export const LAYER_ATTR_HELPER = "c2m_layer_attr";

/** Whether attribute node `e` reads a torch layer attribute of an object an enclosing `isinstance` test found to be a torch layer. */
export function isNarrowedLayerAttr(e: SyntaxNode, aliases: Map<string, string>): boolean {
  const attr = e.childForFieldName("attribute")?.text;
  const obj = e.childForFieldName("object")?.text;
  if (!attr || !obj || !LAYER_ATTRS.has(attr)) return false;
  const parent = e.parent;
  if ((parent?.type === "assignment" || parent?.type === "augmented_assignment") && parent.childForFieldName("left") === e) return false;
  for (let child = e, n = e.parent; n; child = n, n = n.parent) {
    if (n.type === "function_definition" || n.type === "class_definition") return false;
    if ((n.type === "if_statement" || n.type === "elif_clause") && n.childForFieldName("consequence") === child) {
      if (testsTorchLayer(n.childForFieldName("condition"), obj, aliases)) return true;
    }
  }
  return false;
}

function testsTorchLayer(cond: SyntaxNode | null, obj: string, aliases: Map<string, string>): boolean {
  if (cond?.type !== "call" || cond.childForFieldName("function")?.text !== "isinstance") return false;
  const [subject, types] = callArgs(cond).positional;
  if (subject?.text !== obj || !types) return false;
  const names = types.type === "tuple" ? namedChildren(types) : [types];
  return names.every((t) => {
    const q = qualify(t, aliases);
    return !!q && isTorch(q) && q.startsWith("torch.nn.");
  });
}

export const layerAttrText = (objText: string, attr: string): string => `${LAYER_ATTR_HELPER}(${objText}, ${JSON.stringify(attr)})`;
