/**
 * Attributes of torch layers that MLX's layers do not keep (`m.out_features`, `conv.in_channels`,
 * `conv.kernel_size`), read where the code has just tested what the layer is: `if isinstance(m, nn.Linear):
 * … m.out_features` (torchvision's weight-init loops, ViT's patchify stem). There the read becomes
 * `c2m_layer_attr(m, "out_features")` (cookbook/helpers/c2m_layer_attr.py), which returns the module's own
 * attribute when it has one and otherwise reads the value off the MLX weight's shape.
 */
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";
import { isTorch, qualify } from "./resolve-imports.js";
import { nameTable } from "../ir/tables.js";

const LAYER_ATTRS = new Set([
  "in_features",
  "out_features",
  "in_channels",
  "out_channels",
  "kernel_size",
  "num_features",
  "num_embeddings",
  "embedding_dim",
  "padding_idx",
  "num_batches_tracked",
  // MLX's Conv1d keeps these as ints where torch's convolutions keep tuples (`self.conv1.stride[0]`, Whisper)
  "stride",
  "padding",
  "dilation",
]);

/** Layer attributes the helper can only stand in for: each read gets this warning at its spot. */
export const LAYER_ATTR_CAVEATS: Readonly<Record<string, { code: string; message: string }>> = nameTable({
  num_batches_tracked: {
    code: "C2M-W028",
    message: "num_batches_tracked: MLX's BatchNorm keeps no batch counter; the read gives a fresh 0 and a write to it is lost",
  },
});

export const LAYER_ATTR_HELPER = "c2m_layer_attr";

/** What the translator knows of the object whose attribute is read. */
export type LayerAttrReceiver =
  /** a tensor (not merely assumed one), a shape, a number, a list: none has layer attributes */
  | "no-layer"
  /** an instance of a class of the program that sets the attribute itself (`self.out_channels = ...`) */
  | "own"
  /** anything else: a torch layer, a module built elsewhere (timm's `create_conv2d(...)`), unknown */
  | "other";

/**
 * Whether attribute node `e` reads a torch layer attribute MLX's layers lack: read on an object an enclosing
 * `isinstance` test found to be a torch layer, or on any object not known to be a tensor or to set the
 * attribute itself (`self.conv_pw.out_channels` where conv_pw came from a factory in another file). The
 * helper returns the object's own attribute whenever it has one, so the rewrite never changes what an object
 * that keeps the attribute answers.
 */
export function readsLayerAttr(e: SyntaxNode, aliases: Map<string, string>, receiver: LayerAttrReceiver): boolean {
  const attr = e.childForFieldName("attribute")?.text;
  const obj = e.childForFieldName("object");
  if (!attr || !obj || obj.text === "self") return false;
  if (!LAYER_ATTRS.has(attr)) return false;
  const parent = e.parent;
  if ((parent?.type === "assignment" || parent?.type === "augmented_assignment") && parent.childForFieldName("left") === e) return false;
  if (isNarrowedLayer(e, obj.text, aliases)) return true;
  return receiver === "other";
}

const OPTIONAL_PARAMETERS = new Set(["weight", "bias"]);

/**
 * Whether `param` (`m.weight`, `m.weight.data`'s object) is a torch layer's parameter: its object narrowed to a
 * torch layer by an enclosing isinstance test. torch's `.data` of it is the array itself in MLX.
 */
export function isNarrowedLayerParameter(param: SyntaxNode, aliases: Map<string, string>): boolean {
  const obj = param.type === "attribute" ? param.childForFieldName("object") : null;
  const attr = param.childForFieldName("attribute")?.text;
  return !!obj && !!attr && OPTIONAL_PARAMETERS.has(attr) && isNarrowedLayer(param, obj.text, aliases);
}

/** Whether an enclosing `isinstance(obj, nn.Layer)` test (within the same function) found `obj` to be a torch layer. */
function isNarrowedLayer(e: SyntaxNode, obj: string, aliases: Map<string, string>): boolean {
  for (let child = e, n = e.parent; n; child = n, n = n.parent) {
    if (n.type === "function_definition" || n.type === "class_definition") return false;
    if ((n.type === "if_statement" || n.type === "elif_clause") && n.childForFieldName("consequence") === child) {
      if (testsTorchLayer(n.childForFieldName("condition"), obj, aliases)) return true;
    }
  }
  return false;
}

function testsTorchLayer(cond: SyntaxNode | null, obj: string, aliases: Map<string, string>): boolean {
  // `isinstance(m, nn.Conv2d) and not isinstance(m, GhostModule)`: either side of an `and` narrows
  if (cond?.type === "boolean_operator" && cond.childForFieldName("operator")?.text === "and")
    return testsTorchLayer(cond.childForFieldName("left"), obj, aliases) || testsTorchLayer(cond.childForFieldName("right"), obj, aliases);
  if (cond?.type === "parenthesized_expression") return testsTorchLayer(namedChildren(cond)[0] ?? null, obj, aliases);
  if (cond?.type !== "call" || cond.childForFieldName("function")?.text !== "isinstance") return false;
  const [subject, types] = callArgs(cond).positional;
  if (subject?.text !== obj || !types) return false;
  const names = types.type === "tuple" ? namedChildren(types) : [types];
  return names.every((t) => isTorchLayerClass(qualify(t, aliases)) || isTorchLayerClass(torchLayerDefault(t, aliases)));
}

const isTorchLayerClass = (q: string | undefined): boolean => !!q && isTorch(q) && q.startsWith("torch.nn.");

/**
 * `norm_layer` in `isinstance(m, norm_layer)`, a parameter of the enclosing function whose default is a torch layer class
 * (ResNeSt's `ResNet.__init__(…, norm_layer=nn.BatchNorm2d)`): that class, qualified; undefined for anything else.
 */
function torchLayerDefault(t: SyntaxNode, aliases: Map<string, string>): string | undefined {
  if (t.type !== "identifier") return undefined;
  let fn: SyntaxNode | null = t.parent;
  while (fn && fn.type !== "function_definition") fn = fn.parent;
  const params = fn?.childForFieldName("parameters");
  const param = params ? namedChildren(params).find((p) => p.type === "default_parameter" && p.childForFieldName("name")?.text === t.text) : undefined;
  const value = param?.childForFieldName("value");
  return value ? qualify(value, aliases) : undefined;
}

export const layerAttrText = (objText: string, attr: string): string => `${LAYER_ATTR_HELPER}(${objText}, ${JSON.stringify(attr)})`;
