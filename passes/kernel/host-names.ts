/**
 * host-names: how C names of host code become Python names in the launcher c2m writes (passes/kernel/host.ts):
 * identifiers that are Python keywords get a trailing underscore, torch dtypes become MLX's, and object-like
 * macros of plain arithmetic become Python constants.
 */
import type { KernelUnit } from "../../ir/kernel.js";
import { field } from "./cst.js";
import { nameTable } from "../../ir/tables.js";

const PY_KEYWORDS = new Set([
  "False",
  "None",
  "True",
  "and",
  "as",
  "assert",
  "async",
  "await",
  "break",
  "class",
  "continue",
  "def",
  "del",
  "elif",
  "else",
  "except",
  "finally",
  "for",
  "from",
  "global",
  "if",
  "import",
  "in",
  "is",
  "lambda",
  "nonlocal",
  "not",
  "or",
  "pass",
  "raise",
  "return",
  "try",
  "while",
  "with",
  "yield",
  "mx",
]);

/** A C identifier as a Python identifier (`in` → `in_`). */
export function pyName(name: string): string {
  return PY_KEYWORDS.has(name) ? `${name}_` : name;
}

export const TORCH_DTYPES: Record<string, string> = nameTable({
  kFloat: "float32",
  kFloat32: "float32",
  kHalf: "float16",
  kFloat16: "float16",
  kBFloat16: "bfloat16",
  kInt: "int32",
  kInt32: "int32",
  kLong: "int64",
  kInt64: "int64",
  kShort: "int16",
  kInt16: "int16",
  kByte: "uint8",
  kUInt8: "uint8",
  kChar: "int8",
  kInt8: "int8",
  kBool: "bool_",
  kDouble: "float32",
});

/** Object-like macros whose value is a plain number or a simple arithmetic of other such macros. */
export function pythonMacros(unit: KernelUnit): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of unit.macros) {
    if (m.node.type !== "preproc_def") continue;
    const value = field(m.node, "value")?.text.trim();
    if (!value) continue;
    const py = value.replace(/(\d+(?:\.\d*)?)[uUlLfF]+\b/g, "$1");
    if (/^[\w\s+\-*/()%.]+$/.test(py) && !/[a-zA-Z_]\w*\s*\(/.test(py)) out.set(m.name, py.replace(/(?<![\d.])\/(?!\/)/g, /\./.test(py) ? "/" : "//"));
  }
  return out;
}

/** Macros referenced (transitively) by a piece of Python text. */
export function macrosUsed(text: string, macros: Map<string, string>): string[] {
  const used = new Set<string>();
  const visit = (t: string) => {
    for (const id of t.match(/[A-Za-z_]\w*/g) ?? []) {
      if (macros.has(id) && !used.has(id)) {
        used.add(id);
        visit(macros.get(id)!);
      }
    }
  };
  visit(text);
  return [...macros.keys()].filter((k) => used.has(k));
}
