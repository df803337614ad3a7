/**
 * A subclass of a torch conv layer that overrides forward (timm's StdConv2d, ScaledStdConv2d) holds the layer's
 * weight as MLX's layer does — (O, *K, I), the converted weights' layout — while its forward reads `self.weight`
 * as torch holds it, (O, I, *K): it reshapes it per output channel, reads its shape, and hands it to F.conv2d,
 * whose translation takes torch's layout. A read of the weight in forward is therefore written as torch's view
 * of the held array; writes, and reads outside forward (an init that assigns back), keep the array as held.
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { ClassIR } from "../ir/module.js";
import type { WeightOp } from "../ir/weights.js";

/** The held array's text → torch's view of it, per weight conversion (src/weights/map.ts does the opposite). */
const TORCH_VIEWS: Partial<Record<WeightOp, (held: string) => string>> = {
  // torch (O, I, *K) → MLX (O, *K, I): the last axis goes back to position 1
  conv: (held) => `mx.moveaxis(${held}, -1, 1)`,
  // torch (I, O, *K) → MLX (O, *K, I): the last axis goes back to the front
  conv_transpose: (held) => `mx.moveaxis(${held}, -1, 0)`,
};

/**
 * torch's view of `self.<attr>` for a read inside `fn`, or undefined: the class subclasses a torch layer whose
 * row converts that parameter, and fn is the class's forward.
 */
export function torchWeightView(cls: ClassIR | undefined, fn: SyntaxNode | undefined, attr: string, heldText: string): string | undefined {
  if (!cls?.layerBase || fn?.childForFieldName("name")?.text !== "forward") return undefined;
  const rule = cls.layerBase.weights?.find((w) => w.torch === attr && w.mlx === attr);
  const view = rule ? TORCH_VIEWS[rule.op] : undefined;
  return view?.(heldText);
}
