/**
 * named-sequential: `nn.Sequential(OrderedDict(...))` and the OrderedDicts of modules it is built from, as the
 * module tree sees them. torch names such a Sequential's children by the dict's keys (`heads.head.weight`,
 * `self.heads.head`); the translation is the NamedSequential helper (cookbook/helpers/NamedSequential.py), whose
 * children are attributes under the same names, so the weight map keeps those keys as they are.
 */
import { callArgs, dottedName, namedChildren, nodeKey, type SyntaxNode } from "../grammar/python.js";
import type { ClassIR, ModVal, ModuleIR } from "../ir/module.js";
import { stringValue, union } from "./module-values.js";
import { qualify } from "./resolve-imports.js";
import { mergedDictCall, mergedDictDisplay } from "./keyword-splats.js";
import { SEQUENTIAL_ITEMS } from "./module-values.js";
import { baseExpressions } from "../ir/binder/classes.js";

/** `OrderedDict(…)`, `collections.OrderedDict(…)`, `dict(…)`: a dict the module tree follows (`qualified`: the name under the file's imports). */
export function isDictConstructor(fn: SyntaxNode, qualified = dottedName(fn)): boolean {
  return qualified === "dict" || qualified === "OrderedDict" || qualified === "collections.OrderedDict" || qualified === "typing.OrderedDict";
}

/** A dict of modules built by `OrderedDict()`, `OrderedDict([("a", m), …])`, `OrderedDict(pairs)`, `dict(a=m)`, `{…}`. */
export function dictValue(node: SyntaxNode, expr: (n: SyntaxNode) => ModVal): ModVal {
  // with `**d` splats, or `dict(d, k=v)` of another dict: merged (keyword-splats.ts)
  const merged = node.type === "dictionary" ? mergedDictDisplay(node, expr) : mergedDictCall(callArgs(node), expr);
  if (merged) return merged;
  if (node.type === "dictionary") {
    const entries = new Map<string, ModVal>();
    for (const pair of namedChildren(node)) {
      const key = pair.type === "pair" ? pair.childForFieldName("key")! : undefined;
      if (!key || key.type !== "string") return { k: "dict", entries: null, elem: { k: "unknown" } };
      entries.set(stringValue(key)!, expr(pair.childForFieldName("value")!));
    }
    return { k: "dict", entries };
  }
  const args = callArgs(node);
  const entries = new Map<string, ModVal>();
  for (const [k, v] of args.keyword) entries.set(k, expr(v));
  const first = args.positional[0];
  if (!first) return { k: "dict", entries };
  return fromPairs(expr(first), entries);
}

/** A list of `(name, module)` pairs (or a dict) as a dict: its entries where every name is a constant. */
function fromPairs(v: ModVal, entries: Map<string, ModVal>): ModVal {
  if (v.k === "dict") return v;
  if (v.k !== "list") return { k: "dict", entries: null, elem: { k: "unknown" } };
  if (v.items) {
    for (const pair of v.items) {
      const [name, value] = pair.k === "list" && pair.items?.length === 2 ? pair.items : [];
      if (name?.k !== "const") return { k: "dict", entries: null, elem: union(v.items.map(second)) };
      entries.set(name.text, value);
    }
    return { k: "dict", entries };
  }
  return { k: "dict", entries: null, elem: second(v.elem ?? { k: "unknown" }) };
}

const second = (pair: ModVal): ModVal => (pair.k === "list" && pair.items?.length === 2 ? pair.items[1] : { k: "unknown" });

/** `d[key] = value` on a dict of modules: the entry when the key is a constant (and the dict's entries known), else an element of unknown name. */
export function withItem(d: ModVal & { k: "dict" }, key: ModVal, value: ModVal, inLoop: boolean): ModVal {
  if (d.entries && key.k === "const" && !inLoop) return { k: "dict", entries: new Map([...d.entries, [key.text, value]]) };
  const known = d.entries ? [...d.entries.values()] : d.elem ? [d.elem] : [];
  return { k: "dict", entries: null, elem: union([...known, value]) };
}

/** Notes that the module tree found a dict of modules given to the Sequential built at `call`. */
export function noteSequential(call: SyntaxNode, v: ModVal, mod: ModuleIR): ModVal {
  if (v.k === "seq" && (v.names || v.named)) (mod.namedSequentials ??= new Set()).add(nodeKey(call));
  return v;
}

/**
 * Whether `nn.Sequential(…)` at `call` is given a dict of modules: the module tree saw so (it follows names
 * filled by `d["name"] = m`), or its one argument is a dict built right there.
 */
export function isNamedSequential(call: SyntaxNode, mod: ModuleIR): boolean {
  if (mod.namedSequentials?.has(nodeKey(call))) return true;
  const args = callArgs(call).positional;
  if (args.length !== 1 || args[0].type !== "call") return false;
  const fn = args[0].childForFieldName("function")!;
  return isDictConstructor(fn, qualify(fn, mod.aliases) ?? dottedName(fn));
}

/**
 * The base a subclass of nn.Sequential gets: NamedSequential when it names its items (`super().__init__(layers)`
 * with an OrderedDict: torchvision's BottleneckTransform) or starts empty and adds them (`super().__init__()`, then
 * `self.add_module(f"block{i}", …)`: RegNet's AnyStage), as the module tree saw; else MLX's positional Sequential.
 */
export function sequentialBase(cls: ClassIR | undefined, base: string, helpers: Set<string>): string {
  const items = cls?.attrs.get(SEQUENTIAL_ITEMS);
  if (base !== "nn.Sequential" || items?.k !== "seq" || !(items.names || items.named || items.items?.length === 0)) return base;
  helpers.add("NamedSequential");
  return "NamedSequential";
}

/**
 * The base a subclass of nn.ModuleDict gets (torchvision's _DenseBlock fills itself by setattr, IntermediateLayerGetter
 * by super().__init__(layers)): the ModuleDict helper, an MLX module whose children are its items under torch's keys,
 * not the dict that stands for nn.ModuleDict passed as a value. Undefined for any other base.
 */
export function moduleDictBase(base: SyntaxNode, mod: ModuleIR, helpers: Set<string>): string | undefined {
  if (qualify(base, mod.aliases) !== "torch.nn.ModuleDict") return undefined;
  helpers.add("ModuleDict");
  return "ModuleDict";
}

/** A Sequential's items after `self.add_module(name, module)`: named, the names known while every one is a constant added once. */
export function withNamedItem(items: ModVal & { k: "seq" }, name: ModVal, value: ModVal, inLoop: boolean): ModVal {
  const names = items.items?.length === 0 ? [] : items.names;
  if (names && items.items && name.k === "const" && !inLoop) return { k: "seq", items: [...items.items, value], names: [...names, name.text] };
  return { k: "seq", items: null, elem: union([...(items.items ?? []), ...(items.elem ? [items.elem] : []), value]), named: true };
}

/** Whether a Sequential's items are named (an OrderedDict, add_module) or none yet (`super().__init__()`): the NamedSequential helper's. */
export function namesItems(items: ModVal & { k: "seq" }): boolean {
  return !!(items.names || items.named || items.items?.length === 0);
}

/**
 * Whether a value the module tree computed is a module a Sequential runs (what torch's Module.__setattr__ registers
 * as a child); a list may be a plain one, which torch does not register (a ModuleList it does, but cannot call).
 */
export function isModuleValue(v: ModVal): boolean {
  if (v.k === "union") return v.options.every(isModuleValue);
  return v.k === "layer" || v.k === "class" || v.k === "seq";
}

/**
 * Whether a class of `mod` builds itself with nn.Sequential's own `__init__`: no class on its way to nn.Sequential
 * defines one (guided-diffusion's `class TimestepEmbedSequential(nn.Sequential, TimestepBlock)` only overrides
 * forward), so each construction's positional arguments are its items, as `nn.Sequential(…)`'s are.
 */
export function takesSequentialInit(mod: ModuleIR, cls: ClassIR, base: (m: ModuleIR, c: ClassIR) => { mod: ModuleIR; cls: ClassIR } | undefined): boolean {
  let at: { mod: ModuleIR; cls: ClassIR } | undefined = { mod, cls };
  for (let i = 0; at && i < 8; i++) {
    if (at.cls.methods.has("__init__")) return false;
    const here: { mod: ModuleIR; cls: ClassIR } = at;
    if (baseExpressions(here.cls.node).some((b) => qualify(b, here.mod.aliases) === "torch.nn.Sequential")) return true;
    at = base(here.mod, here.cls);
  }
  return false;
}

/**
 * The items of a class that takes nn.Sequential's `__init__`, from what its constructions pass (one Sequential value
 * per call site): position by position where every site passes as many known items (each instance's item i is one of
 * theirs), else an element any of them may hold at any position (guided-diffusion builds its blocks from lists
 * grown in loops).
 */
export function itemsFromConstructions(built: ModVal[]): ModVal | undefined {
  const seqs = built.filter((v): v is ModVal & { k: "seq" } => v.k === "seq" && !v.names && !v.named);
  if (!seqs.length) return undefined;
  const length = seqs[0].items?.length;
  if (seqs.every((s) => s.items && s.items.length === length)) return { k: "seq", items: seqs[0].items!.map((_, i) => union(seqs.map((s) => s.items![i]))) };
  return { k: "seq", items: null, elem: union(seqs.flatMap((s) => s.items ?? (s.elem ? [s.elem] : []))) };
}
