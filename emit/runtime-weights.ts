/**
 * A model whose weight map leaves keys to run time (a `runtime` rule: modules a builder makes from string architecture
 * definitions, passes/unknown-items.ts) resolves them when it loads: its class gets a `load_weights` that hands the
 * weights to c2m_resolve_torch_keys (cookbook/helpers/c2m_runtime_weights.py) before MLX's own loading. A class that
 * defines load_weights itself is left as written.
 */
import type MagicString from "magic-string";
import { namedChildren } from "../grammar/python.js";
import type { ModuleIR } from "../ir/module.js";
import type { WeightMaps, WeightRule } from "../ir/weights.js";

export const RUNTIME_WEIGHTS_HELPER = "c2m_resolve_torch_keys";

/** Whether a class's rules leave keys to run time (its sanitize() then renames them into the torch-key space first). */
export const runtimeRules = (rules: readonly WeightRule[] | undefined): boolean => !!rules?.some((r) => r.op === "runtime");

/** Adds the method to each class whose map holds a `runtime` rule; returns whether any class got it. */
export function addRuntimeWeightLoaders(s: MagicString, mod: ModuleIR, maps: WeightMaps): boolean {
  let any = false;
  for (const [name, rules] of Object.entries(maps)) {
    const cls = mod.classes.get(name);
    if (!cls || !runtimeRules(rules)) continue;
    const body = cls.node.childForFieldName("body")!;
    const defines = namedChildren(body).some((n) => n.type === "function_definition" && n.childForFieldName("name")?.text === "load_weights");
    if (defines) continue;
    const indent = " ".repeat(namedChildren(body)[0]?.startPosition.column ?? 4);
    s.appendLeft(
      body.endIndex,
      `\n\n${indent}def load_weights(self, file_or_weights, strict=True):\n` +
        `${indent}    """MLX's load_weights, after resolving the torch keys C2M_WEIGHT_MAPS leaves to the modules built at run time."""\n` +
        `${indent}    return super().load_weights(c2m_resolve_torch_keys(self, file_or_weights), strict=strict)`,
    );
    any = true;
  }
  return any;
}
