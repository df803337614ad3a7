/**
 * A kernel parameter of an unscoped enum type (mmdetection3d's `const reduce_t reduce_type`, `typedef enum { SUM,
 * MEAN, MAX } reduce_t;`): MLX passes scalars as numbers, and an unscoped enum's enumerators convert to int, so
 * a parameter the kernel only compares (`==`, `!=`, `switch`) is an int32 scalar in both of MLX's backends. One
 * used otherwise (passed on, assigned to an enum) keeps its type and its refusal (C2M-K012). Pure.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KernelUnit } from "../../ir/kernel.js";
import { field, walk } from "./cst.js";

export function enumParamsAsInt(unit: KernelUnit): void {
  const unscoped = new Set(unit.enums.filter((e) => e.enumerators && !/\benum\s+(class|struct)\b/.test(e.node.text)).flatMap((e) => e.names));
  if (!unscoped.size) return;
  for (const k of unit.kernels) {
    for (const p of k.params) {
      if (p.type.kind !== "unknown" || !unscoped.has(p.type.text.replace(/\bconst\b/g, "").trim())) continue;
      if (!onlyCompared(k.body, p.name)) continue;
      p.enumType = p.type.text.replace(/\bconst\b/g, "").trim();
      p.type = { kind: "scalar", name: "int" };
    }
  }
}

function onlyCompared(body: CudaNode, name: string): boolean {
  let ok = true;
  walk(body, (n) => {
    if (n.type !== "identifier" || n.text !== name || !ok) return;
    const up = n.parent;
    const op = up?.type === "binary_expression" ? field(up, "operator")?.text : undefined;
    const switched = up?.type === "condition_clause" && up.parent?.type === "switch_statement";
    if (op !== "==" && op !== "!=" && !switched) ok = false;
  });
  return ok;
}
