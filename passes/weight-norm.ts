/**
 * weight-norm: `nn.utils.weight_norm(layer, name, dim)` and `nn.utils.parametrizations.weight_norm(...)` (wav2vec2's
 * positional conv) give back the layer with its weight replaced by two parameters, g and v, under torch's names
 * (`weight_g`/`weight_v`, or `parametrizations.weight.original0/1`); the port's helper keeps the same names
 * (cookbook/helpers/c2m_weight_norm.py). The layer's weight rule (a conv's OHWI move) applies to both: g has the
 * weight's rank, 1 on every axis but `dim`, so the same permutation puts it in MLX's order.
 *
 * Reads: the value the module tree computed for the callee and the layer. Writes: the layer with its row's weight rules renamed.
 */
import { callArgs, type SyntaxNode } from "../grammar/python.js";
import type { ModVal } from "../ir/module.js";
import type { LayerMapping } from "../ir/tables.js";
import { union } from "./module-values.js";
import { WEIGHT_NORMS } from "./tables/index.js";

/** A weight_norm function as a value (`weight_norm = nn.utils.weight_norm`), by its qualified name. */
export function weightNormValue(qualified: string | undefined): ModVal | undefined {
  return qualified !== undefined && qualified in WEIGHT_NORMS ? { k: "fn", name: qualified } : undefined;
}

/** What `callee(module, name=…, dim=…)` gives when the callee is one of the weight_norm functions (or a union of them). */
export function weightNormCall(callee: ModVal, call: SyntaxNode, expr: (n: SyntaxNode) => ModVal): ModVal | undefined {
  const fns = (callee.k === "union" ? callee.options : [callee]).filter((o): o is { k: "fn"; name: string } => o.k === "fn" && o.name in WEIGHT_NORMS);
  if (!fns.length) return undefined;
  const args = callArgs(call);
  const target = args.positional[0] ?? args.keyword.get("module");
  const nameArg = args.positional[1] ?? args.keyword.get("name");
  const name = nameArg ? expr(nameArg) : { k: "const" as const, text: "weight" };
  if (!target || name.k !== "const") return { k: "unknown" };
  const layer = expr(target);
  return union(fns.map((f) => normed(layer, name.text, WEIGHT_NORMS[f.name])));
}

function normed(v: ModVal, name: string, parametrized: boolean): ModVal {
  if (v.k === "union") return union(v.options.map((o) => normed(o, name, parametrized)));
  return v.k === "layer" ? { ...v, row: renamedRow(v.row, name, parametrized) } : v;
}

/** One row per (layer row, name, form), so that the module tree's rounds meet the same value. */
const ROWS = new WeakMap<LayerMapping, Map<string, LayerMapping>>();

function renamedRow(row: LayerMapping, name: string, parametrized: boolean): LayerMapping {
  const byForm = ROWS.get(row) ?? ROWS.set(row, new Map()).get(row)!;
  const key = `${name}:${parametrized}`;
  const known = byForm.get(key);
  if (known) return known;
  const [g, v] = parametrized ? [`parametrizations.${name}.original0`, `parametrizations.${name}.original1`] : [`${name}_g`, `${name}_v`];
  const weights = (row.weights ?? []).flatMap((w) => (w.torch === name && w.mlx === name ? [g, v].map((k) => ({ ...w, torch: k, mlx: k })) : [w]));
  const out = { ...row, weights };
  byForm.set(key, out);
  return out;
}
