/**
 * `h.x` on an `at::Half` or `at::BFloat16` value (c10's raw bits member, which pytorch_scatter's 16-bit CAS loops
 * read and set: `hsum.x = old >> 16; ... (hsum.x << 16)`): Metal's half and bfloat16_t are scalars with no members, so
 * the bits are read as `as_type<ushort>(h)` and set as `h = as_type<half>(ushort(v))`, the same 16 bits.
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { PrintContext } from "./metal-context.js";
import { field, fields, unparen, walk } from "../passes/kernel/cst.js";

const RAW_BITS_TYPES: Record<string, string> = { "at::Half": "half", "c10::Half": "half", "at::BFloat16": "bfloat16_t", "c10::BFloat16": "bfloat16_t" };

/** The Metal type of `h` in `h.x` when h is a local or parameter of c10's Half or BFloat16; else undefined. */
function rawBitsType(node: CudaNode, ctx: PrintContext): string | undefined {
  if (node.type !== "field_expression" || field(node, "field")?.text !== "x" || field(node, "operator")?.text !== ".") return undefined;
  const arg = unparen(field(node, "argument")!);
  if (arg.type !== "identifier") return undefined;
  const param = ctx.fn.params.find((p) => p.name === arg.text);
  if (param) return param.type.kind === "scalar" ? RAW_BITS_TYPES[param.type.name] : undefined;
  let found: string | undefined;
  walk(ctx.fn.body, (n) => {
    if (found || n.type !== "declaration") return !found;
    const t = RAW_BITS_TYPES[(field(n, "type")?.text ?? "").replace(/\s+/g, "")];
    if (t && fields(n, "declarator").some((d) => (d.type === "init_declarator" ? field(d, "declarator") : d)?.text === arg.text)) found = t;
    return false;
  });
  return found;
}

/** `h.x` read: its bits; undefined when the node is no raw-bits member. */
export function printRawBitsRead(node: CudaNode, ctx: PrintContext, print: (n: CudaNode) => string): string | undefined {
  return rawBitsType(node, ctx) ? `as_type<ushort>(${print(field(node, "argument")!)})` : undefined;
}

/** `h.x = v` (an assignment): the value's low 16 bits as h; undefined when the left side is no raw-bits member. */
export function printRawBitsStore(node: CudaNode, ctx: PrintContext, print: (n: CudaNode) => string): string | undefined {
  const left = unparen(field(node, "left")!);
  const t = rawBitsType(left, ctx);
  if (!t || field(node, "operator")?.text !== "=") return undefined;
  return `${print(field(left, "argument")!)} = as_type<${t}>(ushort(${print(field(node, "right")!)}))`;
}
