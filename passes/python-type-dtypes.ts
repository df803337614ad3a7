/**
 * torch reads a Python type given as a dtype (`torch.ones(n, n, dtype=bool)`, `x.to(int)`) as the dtype it
 * stands for; MLX's functions take only an `mx.Dtype` (`mx.ones(..., dtype=bool)` is a TypeError). A `dtype`
 * argument that is the builtin `bool`, `int` or `float` (no local, import or definition of the file takes the
 * name) is written as MLX's dtype for it.
 */
import type { SyntaxNode } from "../grammar/syntax-tree.js";
import { nameTable } from "../ir/tables.js";

/** torch's dtype for each Python type it accepts as one: `int` is int64, `float` the default float32. */
export const PYTHON_TYPE_DTYPES: Readonly<Record<string, string>> = nameTable({
  bool: "mx.bool_",
  int: "mx.int64",
  float: "mx.float32",
});

/** The parameters of a table row that take a dtype. */
const DTYPE_PARAMS = new Set(["dtype"]);

/**
 * The MLX dtype a call's argument stands for when it is a Python type named by its builtin name, else undefined.
 * `rebound(name)` says whether the file or the enclosing function binds the name to something else.
 */
export function pythonTypeDtype(param: string, arg: SyntaxNode, rebound: (name: string) => boolean): string | undefined {
  if (!DTYPE_PARAMS.has(param) || arg.type !== "identifier") return undefined;
  const dtype = PYTHON_TYPE_DTYPES[arg.text];
  return dtype && !rebound(arg.text) ? dtype : undefined;
}

/** The dtype texts for a call's bound arguments (by torch parameter name) that are Python types. */
export function pythonTypeDtypes(bound: ReadonlyMap<string, SyntaxNode | SyntaxNode[]>, rebound: (name: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const [param, arg] of bound) {
    const dtype = Array.isArray(arg) ? undefined : pythonTypeDtype(param, arg, rebound);
    if (dtype) out.set(param, dtype);
  }
  return out;
}
