/** An op table row's type and the functions that write common rows (the rows are in ./ops*.ts). */
import type { OpMapping } from "../../ir/tables.js";

/** An op row, with two facts OpMapping has no field for (proposed as extensions). */
export interface OpRow extends OpMapping {
  /** the tensor rank a channels_last op expects (F.conv2d → 4), as LayerMapping has */
  rank?: number;
  /**
   * With its axis parameter absent or None the op works on the flattened tensor (argmax → a flat
   * index, roll → a flat shift), so the subject must then be in torch's logical order.
   */
  axisNoneFlattens?: boolean;
}

export const F = "torch.nn.functional.";

/** A one-argument elementwise op with a `torch.` function and a `Tensor.` method of the same name. */
export function unary(name: string, mlx: string, more: string[] = [], note?: string): OpRow {
  return { torch: [`torch.${name}`, `Tensor.${name}`, ...more], sig: ["input"], mlx: `${mlx}({input})`, layout: "elementwise", ...(note ? { note } : {}) };
}

/** A two-argument elementwise op (tensor or scalar `other`). */
export function binary(names: string[], mlx: string, note?: string): OpRow {
  return { torch: names, sig: ["input", "other"], mlx: `${mlx}({input}, {other})`, layout: "elementwise", ...(note ? { note } : {}) };
}

/** A Tensor.<name>() dtype cast. */
export function cast(method: string, dtype: string): OpRow {
  return { torch: [`Tensor.${method}`], sig: ["self", "memory_format=None"], mlx: `{self}.astype(${dtype})`, layout: "elementwise" };
}

/** An in-place method twin: translated as `x = <template>` (see OpMapping.inplace). */
export function inplace(row: OpRow, names: string[]): OpRow {
  return { ...row, torch: names, inplace: true };
}
