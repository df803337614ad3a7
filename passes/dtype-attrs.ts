/**
 * The properties of a torch.dtype that MLX's Dtype lacks (`dtype.is_floating_point`, `dtype.itemsize`): MLX
 * answers them through `mx.issubdtype` and `Dtype.size`. A read is rewritten only where the receiver is known
 * to be a dtype: a `.dtype` read, a torch dtype name, a parameter annotated `torch.dtype` (`Optional[...]`
 * included), or a local whose every assignment in the function is one of those (or None). Anything else keeps
 * its text: a user object may have a property of that name.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import { paramName } from "./module-values.js";
import { qualify } from "./resolve-imports.js";
import { TORCH_NAMES } from "./tables/index.js";
import { nameTable } from "../ir/tables.js";

/** torch.dtype property → its MLX expression; `{dtype}` is the receiver's translated text. */
export const DTYPE_ATTRIBUTES: Readonly<Record<string, string>> = nameTable({
  is_floating_point: "mx.issubdtype({dtype}, mx.floating)",
  is_complex: "mx.issubdtype({dtype}, mx.complexfloating)",
  // torch: every float and complex dtype is signed, and the signed integers; bool and unsigned ones are not
  is_signed: "(mx.issubdtype({dtype}, mx.signedinteger) or mx.issubdtype({dtype}, mx.inexact))",
  itemsize: "{dtype}.size",
});

/** The MLX dtypes TORCH_NAMES writes (`torch.float16` → `mx.float16`). */
const MLX_DTYPE = /^mx\.(float|bfloat|int|uint|bool|complex)\w*$/;

const isTorchDtypeName = (node: SyntaxNode, aliases: Map<string, string>): boolean => {
  const q = qualify(node, aliases);
  return q !== undefined && MLX_DTYPE.test(TORCH_NAMES[q] ?? "");
};

/** Whether an annotation names torch.dtype anywhere (`torch.dtype`, `Optional[torch.dtype]`, `dtype | None`). */
function annotatesDtype(ann: SyntaxNode, aliases: Map<string, string>): boolean {
  if ((ann.type === "identifier" || ann.type === "attribute") && qualify(ann, aliases) === "torch.dtype") return true;
  return namedChildren(ann).some((c) => annotatesDtype(c, aliases));
}

/** A value that is a dtype on its face: `x.dtype`, `torch.float16`. */
function isDtypeLiteral(node: SyntaxNode, aliases: Map<string, string>): boolean {
  if (node.type === "attribute" && node.childForFieldName("attribute")?.text === "dtype") return true;
  return isTorchDtypeName(node, aliases);
}

/** The right-hand sides assigned to `name` in `body` (nested functions and classes excluded); undefined where one is not a plain `name = value`. */
function assignedValues(body: SyntaxNode, name: string): SyntaxNode[] | undefined {
  const out: SyntaxNode[] = [];
  let plain = true;
  const visit = (n: SyntaxNode): void => {
    if (n.type === "function_definition" || n.type === "class_definition" || n.type === "lambda") return;
    if (n.type === "assignment" || n.type === "augmented_assignment") {
      const left = n.childForFieldName("left");
      const right = n.childForFieldName("right");
      if (left?.type === "identifier" && left.text === name) {
        if (n.type === "assignment" && right) out.push(right);
        else plain = false;
      } else if (left && left.type !== "identifier" && left.text.split(/\W+/).includes(name)) plain = false;
    }
    if ((n.type === "for_statement" || n.type === "with_item" || n.type === "named_expression") && n.text.includes(name)) {
      const target = n.childForFieldName("left") ?? n.childForFieldName("name") ?? n.childForFieldName("alias");
      if (target && target.text.split(/\W+/).includes(name)) plain = false;
    }
    for (const c of namedChildren(n)) visit(c);
  };
  visit(body);
  return plain ? out : undefined;
}

/** Whether `node` (the receiver of a property read inside `fn`) is a torch dtype. */
export function isDtypeValue(node: SyntaxNode, fn: SyntaxNode | undefined, aliases: Map<string, string>): boolean {
  if (isDtypeLiteral(node, aliases)) return true;
  if (node.type !== "identifier" || !fn) return false;
  const name = node.text;
  const param = namedChildren(fn.childForFieldName("parameters")!).find((p) => paramName(p) === name);
  const ann = param?.childForFieldName("type");
  if (ann && annotatesDtype(ann, aliases)) return true;
  const values = assignedValues(fn.childForFieldName("body")!, name);
  if (!values?.length) return false;
  const dflt = param?.childForFieldName("value");
  if (param && !(dflt && (dflt.type === "none" || isDtypeLiteral(dflt, aliases)))) return false;
  return values.every((v) => v.type === "none" || isDtypeLiteral(v, aliases));
}

/** Whether `obj.attr` (inside `fn`) reads a torch.dtype property on a value known to be a dtype. */
export function readsDtypeAttribute(e: SyntaxNode, fn: SyntaxNode | undefined, aliases: Map<string, string>): boolean {
  if (!DTYPE_ATTRIBUTES[e.childForFieldName("attribute")!.text]) return false;
  if (e.parent?.type === "call" && e.parent.childForFieldName("function") === e) return false;
  return isDtypeValue(e.childForFieldName("object")!, fn, aliases);
}

/** MLX's text for a dtype property read; `objText` is the receiver's translated text. */
export function dtypeAttributeText(e: SyntaxNode, objText: string): string {
  const dtype = /^[\w.]+$/.test(objText) ? objText : `(${objText})`;
  return DTYPE_ATTRIBUTES[e.childForFieldName("attribute")!.text].replace(/\{dtype\}/g, dtype);
}
