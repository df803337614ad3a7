/**
 * Pointer arithmetic on an in-place buffer (`C += row * N`, `C = C + off`): the buffer is split into
 * a copy-in input and a touched mask (role inout-copy), so both printers move those twins with it.
 * This says which assignments move such a pointer; pure.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { field, unparen, walk } from "./cst.js";

export interface PointerMove {
  /** the pointer moved (a parameter or a row pointer with twins) */
  name: string;
  op: string;
  right: CudaNode;
}

/** `p += e`, `p -= e` or `p = p ± e` for a pointer in `names`, with an offset that has no side effect to repeat. */
export function pointerMove(assign: CudaNode, names: ReadonlySet<string>): PointerMove | undefined {
  if (assign.type !== "assignment_expression") return undefined;
  const left = unparen(field(assign, "left")!);
  if (left.type !== "identifier" || !names.has(left.text)) return undefined;
  const op = field(assign, "operator")?.text ?? "=";
  const right = unparen(field(assign, "right")!);
  const offsetOnly =
    op === "+=" ||
    op === "-=" ||
    (op === "=" && right.type === "binary_expression" && /^[-+]$/.test(field(right, "operator")?.text ?? "") && unparen(field(right, "left")!).text === left.text);
  let pure = true;
  walk(right, (n) => {
    if (n.type === "assignment_expression" || n.type === "update_expression" || n.type === "call_expression") pure = false;
  });
  return offsetOnly && pure ? { name: left.text, op, right: field(assign, "right")! } : undefined;
}

/** The same move applied to a twin (`C_in += e`, `C_in = C_in + e`), given the offset as printed. */
export function moveTwin(move: PointerMove, twin: string, printedRight: string): string {
  return move.op === "=" ? `${twin} = ${printedRight.replace(new RegExp(`\\b${move.name}\\b`), twin)}` : `${twin} ${move.op} ${printedRight}`;
}
