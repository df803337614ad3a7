/**
 * weights: the key and shape map from a torch state_dict to the translated module's parameters, per class,
 * derived from the module tree (what each attribute holds) and the layer table's per-layer rules.
 */
import { asConvWeights, convEither, type ConvEither } from "./conv-either.js";
import { nodeKey, type SyntaxNode } from "../grammar/python.js";
import type { ClassIR, ModVal, ModuleIR } from "../ir/module.js";
import type { WeightMaps, WeightRule } from "../ir/weights.js";
import { UNNAMED_ATTR } from "./module-attrs.js";
import { elementOf, SEQUENTIAL_ITEMS } from "./module-tree.js";
import { nameTable } from "../ir/tables.js";

/** Two layers under one attribute whose torch weights convert differently (a ConvTranspose2d or a Conv2d): the map cannot choose. */
export interface WeightConflict {
  /** the torch key both convert */
  key: string;
  /** the construction c2m reports at (the second layer's) */
  call: SyntaxNode;
  ops: string[];
}

export function buildWeightMaps(
  mod: ModuleIR,
  classes: Iterable<string>,
  linearNhwc: Map<string, number> = new Map(),
  conflicts: WeightConflict[] = [],
  convEithers: ConvEither[] = [],
): WeightMaps {
  const maps: WeightMaps = nameTable({});
  for (const name of classes) {
    const named = { transforms: [] as WeightRule[], renames: [] as WeightRule[] };
    // what lies under an attribute named at run time: its own guards too (for the named attributes of a class held
    // there, beside that class's own run-time names: DLA's Tree holds Trees so), matched after its transforms and renames
    const unnamed = { transforms: [] as WeightRule[], renames: [] as WeightRule[], guards: [] as WeightRule[] };
    const guards: WeightRule[] = [];
    const opaque = { seen: false, counterAttr: false };
    const layerOps = new Map<string, { op: string; call: SyntaxNode }>();
    const eithers: ConvEither[] = [];
    const collector: Collector = { mod, ...named, linearNhwc, unnamed, guards, opaque, renamed: false, layerOps, conflicts, eithers };
    // a function returning the container it builds maps that container's keys from the top (module-tree.ts noteFactory)
    const factory = mod.classes.has(name) ? undefined : mod.factoryModules?.get(name);
    if (factory) collect(collector, factory, "", "", [name]);
    else collectClass(collector, name, "", "", []);
    convEithers.push(...eithers);
    const resolved = new Set(eithers.map((e) => e.key));
    // deeper renames first: an inner Sequential's rule must win over its parent's
    const byDepth = (rules: WeightRule[]) => rules.sort((a, b) => depth(b.torch as string) - depth(a.torch as string));
    // the first rule that matches a key handles it: every attribute c2m knows by name is matched before the rules
    // of attributes named at run time, whose `*` would match any name
    // a module c2m could not see into, under a rule that moves a whole subtree, may be a BatchNorm: its step counter,
    // which no MLX layer holds, would travel with the rename (the converter drops only counters no rule matches)
    // The same holds for a module c2m took for a plain value (a block built by a factory it could not follow): no MLX
    // layer holds the counter, so under any subtree rule it goes, unless a class of the tree keeps an attribute of
    // that name itself (then it is that class's, and travels like its other attributes)
    const moved = [...named.renames, ...guards, ...unnamed.renames, ...unnamed.guards].length > 0;
    const counters: WeightRule[] = (opaque.seen || moved) && !opaque.counterAttr ? [{ torch: `**.${COUNTER}`, mlx: null, op: "drop" }] : [];
    const transforms = [...named.transforms, ...byDepth(named.renames), ...guards, ...unnamed.transforms, ...byDepth(unnamed.renames), ...unnamed.guards];
    maps[name] = dedupe([...counters, ...asConvWeights(transforms, resolved)]);
  }
  return maps;
}

/** How many times one class may hold itself along a path of attributes (a recursive block) */
const MAX_NESTING = 4;
/** BatchNorm's step counter: in torch's state_dict, held by no MLX layer */
const COUNTER = "num_batches_tracked";
const depth = (p: string) => p.split(".").length;
const join = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);

/** What a build collects into, and what it reads besides the module tree. */
interface Collector {
  mod: ModuleIR;
  /** shape transforms (conv, linear_nhwc, split...), tried first */
  transforms: WeightRule[];
  /** Sequential renames (`x.0.**` → `x.layers.0.**`), deeper first */
  renames: WeightRule[];
  /** Linear layers (constructor call key) fed by a channels-last flatten, with the channel count */
  linearNhwc: Map<string, number>;
  /** where the rules of attributes named at run time (UNNAMED_ATTR) and everything below them go */
  unnamed: { transforms: WeightRule[]; renames: WeightRule[]; guards: WeightRule[] };
  /** identity rules for the named attributes beside an unnamed one, so that its `*` never takes their keys */
  guards: WeightRule[];
  /** set when a module c2m cannot see into may sit under a subtree rename (a Sequential's items, an unnamed attribute) */
  opaque: { seen: boolean; counterAttr: boolean };
  /** whether the values collected now sit under such a rename */
  renamed: boolean;
  /** per torch key, the shape transform a layer gave it first (a second, different one is a conflict) */
  layerOps: Map<string, { op: string; call: SyntaxNode }>;
  conflicts: WeightConflict[];
  /** keys a conv and a ConvTranspose of one class share, converted as a conv's (passes/conv-either.ts) */
  eithers: ConvEither[];
}

function collectClass(c: Collector, name: string, t: string, m: string, seen: readonly string[], given?: ClassIR): void {
  const { mod } = c;
  // another file's class as built at one call (its own IR), else this file's by name
  const cls = given ?? mod.classes.get(name);
  if (!cls) return;
  // a class that holds itself (timm's DlaTree: tree1 is a DlaTree of one level less) is followed a few levels deep;
  // what lies deeper is not mapped, as a module c2m cannot see into
  if (seen.filter((n) => n === name).length >= MAX_NESTING) return void (c.opaque.seen = true);
  const inner = [...seen, name];
  if (cls.attrs.has(COUNTER)) c.opaque.counterAttr = true;
  // a subclass of a torch layer that overrides forward still holds that layer's parameters
  if (cls.layerBase) collect(c, { k: "layer", row: cls.layerBase, call: cls.node }, t, m, inner);
  const items = cls.attrs.get(SEQUENTIAL_ITEMS);
  if (items) collect(c, items, t, m, inner);
  for (const [attr, v] of cls.attrs) if (attr !== SEQUENTIAL_ITEMS && attr !== UNNAMED_ATTR) collect(c, v, join(t, attr), join(m, attr), inner);
  // an attribute c2m took for a plain value that a method calls with arguments (UNIT's `self.shared_block`, a module
  // the caller passes): a module only the built model holds, as the walk takes it (c2m_sequential); the loaded model
  // resolves its keys itself. A function held there has no keys: the rule takes none
  for (const attr of calledPlainValues(cls)) {
    c.opaque.seen = true;
    c.transforms.push({ torch: join(join(t, attr), "**"), mlx: null, op: "runtime" });
  }
  const unnamed = cls.attrs.get(UNNAMED_ATTR);
  if (!unnamed) return;
  for (const [attr, v] of cls.attrs) {
    // a plain value (a count, a flag) holds no weights for `*` to take
    if (attr === SEQUENTIAL_ITEMS || attr === UNNAMED_ATTR || v.k === "value" || v.k === "const") continue;
    c.guards.push({ torch: `${join(t, attr)}.**`, mlx: `${join(m, attr)}.**`, op: "identity" });
  }
  // what a name computed at run time holds is seldom known to the last module (timm builds its norms from arguments)
  c.opaque.seen = true;
  // modules of classes c2m cannot tell (another model's children, torchvision's IntermediateLayerGetter): the built
  // model resolves their keys when it loads, as it does a class known only at run time
  if (unnamed.k === "unknown" || (unnamed.k === "union" && unnamed.options.some((o) => o.k === "unknown")))
    return void c.unnamed.transforms.push({ torch: join(t, `${UNNAMED_ATTR}.**`), mlx: null, op: "runtime" });
  collect({ ...c, ...c.unnamed, renamed: true }, unnamed, join(t, UNNAMED_ATTR), join(m, UNNAMED_ATTR), inner);
}

function collect(c: Collector, v: ModVal, t: string, m: string, seen: readonly string[]): void {
  const { transforms, renames } = c;
  switch (v.k) {
    case "layer":
      if (c.linearNhwc.has(nodeKey(v.call))) transforms.push({ torch: join(t, "weight"), mlx: join(m, "weight"), op: "linear_nhwc", args: [c.linearNhwc.get(nodeKey(v.call))!] });
      for (const w of v.row.weights ?? []) {
        const tk = Array.isArray(w.torch) ? w.torch.map((k) => join(t, k)) : join(t, w.torch);
        const mk = w.mlx === null ? null : Array.isArray(w.mlx) ? w.mlx.map((k) => join(m, k)) : join(m, w.mlx);
        const key = Array.isArray(tk) ? tk[0] : tk;
        const first = c.layerOps.get(key);
        if (!first) c.layerOps.set(key, { op: w.op, call: v.call });
        else if (first.op !== w.op) {
          const either = convEither(key, first, { op: w.op, call: v.call });
          if (either) {
            if (!c.eithers.some((x) => x.key === key)) c.eithers.push(either);
          } else if (!c.conflicts.some((x) => x.key === key && x.call === v.call)) c.conflicts.push({ key, call: v.call, ops: [first.op, w.op] });
        }
        transforms.push({ torch: tk, mlx: mk, op: w.op, ...(w.args ? { args: w.args } : {}) });
      }
      return;
    case "class":
      // a class of another file: its attributes are in that file's module tree
      return collectClass(v.ext ? { ...c, mod: v.ext.mod } : c, v.name, t, m, seen, v.ext?.cls);
    case "seq":
    case "list":
      // modules built at run time (passes/unknown-items.ts): the loaded model resolves their keys itself
      if (v.atRunTime) {
        c.opaque.seen = true;
        transforms.push({ torch: join(t, "**"), mlx: null, op: "runtime" });
        return;
      }
      return v.k === "seq" ? collectSequential(c, v, t, m, seen) : collectList(c, v, t, m, seen);
    case "dict":
      if (v.entries) for (const [k, item] of v.entries) collect(c, item, join(t, k), join(m, k), seen);
      else collect(c, elementOf(v), join(t, "*"), join(m, "*"), seen);
      return;
    case "union":
      // one of them a class known only at run time: the built model resolves every key below (the known classes'
      // rules would take keys of the class given there that only share their names)
      if (v.options.some((o) => o.k === "anyclass")) return collect(c, { k: "anyclass" }, t, m, seen);
      for (const o of v.options) collect(c, o, t, m, seen);
      return;
    case "anyclass":
      c.opaque.seen = true;
      transforms.push({ torch: join(t, "**"), mlx: null, op: "runtime" });
      return;
    case "unknown":
      if (c.renamed) c.opaque.seen = true;
      return;
    default:
      return;
  }
}

function collectSequential(c: Collector, v: Extract<ModVal, { k: "seq" }>, t: string, m: string, seen: readonly string[]): void {
  const { renames } = c;
  // named children (NamedSequential) keep torch's keys: only what they hold is mapped
  if (v.names && v.items) return v.items.forEach((item, i) => collect(c, item, join(t, v.names![i]), join(m, v.names![i]), seen));
  if (v.named) return collect(c, v.elem ?? { k: "unknown" }, join(t, "*"), join(m, "*"), seen);
  const inner = { ...c, renamed: true };
  if (v.items) {
    v.items.forEach((item, i) => {
      const tk = join(t, String(i));
      const mk = join(m, `layers.${i}`);
      collect(inner, item, tk, mk, seen);
      renames.push({ torch: `${tk}.**`, mlx: `${mk}.**`, op: "identity" });
    });
  } else {
    // `#` matches only the digits of a position, so an element's own attributes (`block.1.fc1`) are not
    // taken for the positions of a nested Sequential (`block.#.#`) when the elements differ in kind
    collect(inner, v.elem ?? { k: "unknown" }, join(t, "#"), join(m, "layers.#"), seen);
    // join: a Sequential subclass's own map (t and m empty) reads `#.**`, never `.#.**`, which no key matches
    renames.push({ torch: join(t, "#.**"), mlx: join(m, "layers.#.**"), op: "identity" });
  }
}

function collectList(c: Collector, v: Extract<ModVal, { k: "list" }>, t: string, m: string, seen: readonly string[]): void {
  if (v.items) v.items.forEach((item, i) => collect(c, item, join(t, String(i)), join(m, String(i)), seen));
  else collect(c, v.elem ?? { k: "unknown" }, join(t, "#"), join(m, "#"), seen);
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

/** Attributes held as plain values (not functions, not tensors) that a method of the class calls with arguments. */
function calledPlainValues(cls: ClassIR): string[] {
  const out = new Set<string>();
  const visit = (n: SyntaxNode): void => {
    if (n.type === "call") {
      const fn = n.childForFieldName("function");
      const args = n.childForFieldName("arguments");
      if (fn?.type === "attribute" && fn.childForFieldName("object")!.text === "self" && args && args.namedChildCount > 0) {
        const attr = fn.childForFieldName("attribute")!.text;
        const v = cls.attrs.get(attr);
        if (v?.k === "value" && !v.callable && !v.tensor && !v.def && !cls.methods.has(attr) && !cls.torchFunctionAttrs?.has(attr)) out.add(attr);
      }
    }
    for (const ch of n.namedChildren) visit(ch);
  };
  for (const fn of cls.methods.values()) if (fn.childForFieldName("name")?.text !== "__init__") visit(fn);
  return [...out];
}
