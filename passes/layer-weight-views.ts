/**
 * A subclass of a torch conv layer that overrides forward (timm's StdConv2d, ScaledStdConv2d) holds the layer's
 * weight as MLX's layer does — (O, *K, I), the converted weights' layout — while its forward reads `self.weight`
 * as torch holds it, (O, I, *K): it reshapes it per output channel, reads its shape, and hands it to F.conv2d,
 * whose translation takes torch's layout. A read of the weight in forward is therefore written as torch's view
 * of the held array; writes, and reads outside forward (an init that assigns back), keep the array as held, except a
 * read of its shape (EfficientNet-PyTorch's Conv2dStaticSamePadding computes its padding in __init__ from
 * `self.weight.shape[-2:]`, torch's kernel size), which torch's view answers and nothing writes through.
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { ClassIR } from "../ir/module.js";
import type { LayerMapping } from "../ir/tables.js";
import type { WeightOp } from "../ir/weights.js";
import { nameTable } from "../ir/tables.js";

/** The held array's text → torch's view of it, per weight conversion (src/weights/map.ts does the opposite). */
const TORCH_VIEWS: Partial<Record<WeightOp, (held: string) => string>> = nameTable({
  // torch (O, I, *K) → MLX (O, *K, I): the last axis goes back to position 1
  conv: (held) => `mx.moveaxis(${held}, -1, 1)`,
  // torch (I, O, *K) → MLX (O, *K, I): the last axis goes back to the front
  conv_transpose: (held) => `mx.moveaxis(${held}, -1, 0)`,
});

/**
 * torch's view of `self.<attr>` (the node `e`) for a read inside `fn`, or undefined: the class subclasses a torch
 * layer whose row converts that parameter, and fn is the class's forward or `e` is read for its shape.
 */
export function torchWeightView(cls: ClassIR | undefined, fn: SyntaxNode | undefined, e: SyntaxNode, attr: string, heldText: string): string | undefined {
  if (!cls?.layerBase || (fn?.childForFieldName("name")?.text !== "forward" && !readsShape(e))) return undefined;
  const rule = cls.layerBase.weights?.find((w) => w.torch === attr && w.mlx === attr);
  const view = rule ? TORCH_VIEWS[rule.op] : undefined;
  return view?.(heldText);
}

/**
 * torch's view of a held layer's parameter read as a value (`self.conv1d.weight.squeeze(1)`, handed to F.conv1d:
 * transformers' Mamba), or undefined where the read keeps the held array: the layer's row does not convert that
 * parameter, or the read is written through (`w.data.normal_()`, `init.kaiming_uniform_(w)`, `w.copy_(...)`), where a
 * view would take the write.
 */
export function heldLayerWeightView(row: LayerMapping, e: SyntaxNode, attr: string, heldText: string): string | undefined {
  const rule = row.weights?.find((w) => w.torch === attr && w.mlx === attr);
  const view = rule ? TORCH_VIEWS[rule.op] : undefined;
  if (!view || writtenThrough(e)) return undefined;
  return view(heldText);
}

/** `e.shape`, `e.size(…)`: what the layout of `e` answers, and nothing writes through. */
function readsShape(e: SyntaxNode): boolean {
  const parent = e.parent;
  if (parent?.type !== "attribute" || parent.childForFieldName("object")?.startIndex !== e.startIndex) return false;
  const name = parent.childForFieldName("attribute")!.text;
  return name === "shape" || (name === "size" && parent.parent?.type === "call");
}

function writtenThrough(e: SyntaxNode): boolean {
  const parent = e.parent;
  if (!parent) return false;
  if (parent.type === "attribute" && parent.childForFieldName("object")?.startIndex === e.startIndex) {
    const name = parent.childForFieldName("attribute")!.text;
    return name === "data" || name.endsWith("_");
  }
  if (parent.type === "argument_list" || parent.type === "keyword_argument") {
    const call = parent.type === "argument_list" ? parent.parent : parent.parent?.parent;
    const fn = call?.type === "call" ? call.childForFieldName("function") : undefined;
    return !!fn && /_$/.test(fn.text);
  }
  return parent.type === "assignment" || parent.type === "augmented_assignment";
}
