/**
 * weights: the key and shape map from a torch state_dict to the translated module's parameters, per class,
 * derived from the module tree (what each attribute holds) and the layer table's per-layer rules.
 */
import { nodeKey } from "../grammar/python.js";
import type { ModVal, ModuleIR } from "../ir/module.js";
import type { WeightMaps, WeightRule } from "../ir/weights.js";
import type { DiagnosticBag } from "../src/diagnostics.js";
import { elementOf, SEQUENTIAL_ITEMS } from "./module-tree.js";

export function buildWeightMaps(mod: ModuleIR, diags: DiagnosticBag, classes: Iterable<string>, linearNhwc: Map<string, number> = new Map()): WeightMaps {
  current = linearNhwc;
  const maps: WeightMaps = {};
  for (const name of classes) {
    const transforms: WeightRule[] = [];
    const renames: WeightRule[] = [];
    collectClass(mod, name, "", "", transforms, renames, diags, new Set());
    // deeper renames first: an inner Sequential's rule must win over its parent's
    renames.sort((a, b) => depth(b.torch as string) - depth(a.torch as string));
    maps[name] = dedupe([...transforms, ...renames]);
  }
  return maps;
}

/** Linear layers fed by a channels-last flatten, with the channel count (set per build) */
let current: Map<string, number> = new Map();

const depth = (p: string) => p.split(".").length;
const join = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);

function collectClass(mod: ModuleIR, name: string, t: string, m: string, transforms: WeightRule[], renames: WeightRule[], diags: DiagnosticBag, seen: Set<string>): void {
  const cls = mod.classes.get(name);
  if (!cls || seen.has(name)) return;
  const inner = new Set(seen).add(name);
  const items = cls.attrs.get(SEQUENTIAL_ITEMS);
  if (items) collect(mod, items, t, m, transforms, renames, diags, inner);
  for (const [attr, v] of cls.attrs) if (attr !== SEQUENTIAL_ITEMS) collect(mod, v, join(t, attr), join(m, attr), transforms, renames, diags, inner);
}

function collect(mod: ModuleIR, v: ModVal, t: string, m: string, transforms: WeightRule[], renames: WeightRule[], diags: DiagnosticBag, seen: Set<string>): void {
  switch (v.k) {
    case "layer":
      if (current.has(nodeKey(v.call))) transforms.push({ torch: join(t, "weight"), mlx: join(m, "weight"), op: "linear_nhwc", args: [current.get(nodeKey(v.call))!] });
      for (const w of v.row.weights ?? []) {
        const tk = Array.isArray(w.torch) ? w.torch.map((k) => join(t, k)) : join(t, w.torch);
        const mk = w.mlx === null ? null : Array.isArray(w.mlx) ? w.mlx.map((k) => join(m, k)) : join(m, w.mlx);
        transforms.push({ torch: tk, mlx: mk, op: w.op, ...(w.args ? { args: w.args } : {}) });
      }
      return;
    case "class":
      return collectClass(mod, v.name, t, m, transforms, renames, diags, seen);
    case "seq": {
      if (v.items) {
        v.items.forEach((item, i) => {
          const tk = join(t, v.names?.[i] ?? String(i));
          const mk = join(m, `layers.${i}`);
          collect(mod, item, tk, mk, transforms, renames, diags, seen);
          renames.push({ torch: `${tk}.**`, mlx: `${mk}.**`, op: "identity" });
        });
      } else {
        collect(mod, v.elem ?? { k: "unknown" }, join(t, "*"), join(m, "layers.*"), transforms, renames, diags, seen);
        renames.push({ torch: `${t}.*.**`, mlx: `${m}.layers.*.**`, op: "identity" });
      }
      return;
    }
    case "list":
      if (v.items) v.items.forEach((item, i) => collect(mod, item, join(t, String(i)), join(m, String(i)), transforms, renames, diags, seen));
      else collect(mod, v.elem ?? { k: "unknown" }, join(t, "*"), join(m, "*"), transforms, renames, diags, seen);
      return;
    case "dict":
      if (v.entries) for (const [k, item] of v.entries) collect(mod, item, join(t, k), join(m, k), transforms, renames, diags, seen);
      else collect(mod, elementOf(v), join(t, "*"), join(m, "*"), transforms, renames, diags, seen);
      return;
    case "union":
      for (const o of v.options) collect(mod, o, t, m, transforms, renames, diags, seen);
      return;
    default:
      return;
  }
}

function dedupe(rules: WeightRule[]): WeightRule[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    const key = JSON.stringify([r.torch, r.mlx, r.op, r.args]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The rules as the Python literal the emitted module carries (read back statically by `c2m weights`). */
export function weightMapsLiteral(maps: WeightMaps): string {
  const str = (s: string) => JSON.stringify(s);
  const keys = (k: string | string[] | null) => (k === null ? "None" : Array.isArray(k) ? `(${k.map(str).join(", ")})` : str(k));
  const lines = ["C2M_WEIGHT_MAPS = {"];
  for (const [cls, rules] of Object.entries(maps)) {
    if (!rules.length) {
      lines.push(`    ${str(cls)}: [],`);
      continue;
    }
    lines.push(`    ${str(cls)}: [`);
    for (const r of rules) lines.push(`        (${[keys(r.torch), keys(r.mlx), str(r.op), ...(r.args ?? []).map(String)].join(", ")}),`);
    lines.push("    ],");
  }
  lines.push("}");
  return lines.join("\n");
}
