/**
 * module-values: the values the module tree's interpreter works with (ir/module.ts ModVal) and the small
 * operations on them: unions, element types of containers, branch merges, constant strings for attribute
 * names (`setattr(self, f"layer{i}", …)` in a loop over a literal range), ModuleDict entries, reading parameter
 * names, and the per-file indexes the interpreter asks (calls by callee, functions that use torch).
 */
import { callArgs, dottedName, namedChildren, nodeKey, type CallArgs, type SyntaxNode } from "../grammar/python.js";
import type { ModVal, ModuleIR } from "../ir/module.js";
import { qualify } from "./resolve-imports.js";

export type Env = Map<string, ModVal>;

/** The attribute under which a subclass of nn.Sequential keeps the modules it passed to super().__init__. */
export const SEQUENTIAL_ITEMS = "__sequential__";

/** A union that collapses duplicates. */
export function union(vals: ModVal[]): ModVal {
  let flat: ModVal[] = [];
  for (const v of vals) for (const o of v.k === "union" ? v.options : [v]) if (!flat.some((f) => sameModVal(f, o))) flat.push(o);
  // dicts of known keys (a config passed by each of a class's call sites): one dict, each key holding any of its values
  const dicts = flat.filter((v): v is ModVal & { k: "dict" } => v.k === "dict" && v.entries !== null);
  if (dicts.length > 1) flat = [...flat.filter((v) => !dicts.includes(v as ModVal & { k: "dict" })), mergedDicts(dicts)];
  // constants only name attributes: beside a module they tell nothing about what is called; a function does: a call
  // may reach it instead of the module (isPlainFunction)
  let meaningful = flat.filter((v) => (v.k !== "value" || v.callable) && v.k !== "unknown" && v.k !== "const");
  // an empty ModuleList beside a filled one (`nn.ModuleList([norm, conv]) if downsample else nn.ModuleList()`): a
  // loop over it runs no item and it holds no weight, so the filled one says all there is (a ModuleList is never called)
  if (meaningful.some(isFilledList)) meaningful = meaningful.filter((v) => !(v.k === "list" && v.items?.length === 0));
  // different constants: which one is not known
  if (meaningful.length === 0) return flat.length > 1 && flat.some((v) => v.k === "const") ? { k: "value" } : (flat[0] ?? { k: "unknown" });
  // a function alone among plain values (`self.act = fn if flag else None`) is only a plain value: nothing to route
  if (meaningful.every(isPlainFunction)) return flat.length > 1 ? { k: "value" } : meaningful[0];
  return meaningful.length === 1 ? meaningful[0] : { k: "union", options: meaningful };
}

function isFilledList(v: ModVal): boolean {
  return v.k === "list" && (v.items === null || v.items.length > 0);
}

export function sameModVal(a: ModVal, b: ModVal): boolean {
  if (a.k !== b.k) return false;
  // another file's class built with different arguments (a specialization per call) is another module tree
  if (a.k === "class" || a.k === "classref") return a.name === (b as typeof a).name && (a.ext?.cls ?? null) === ((b as typeof a).ext?.cls ?? null);
  // one call may build different layers (`linear_layer = partial(nn.Conv2d, kernel_size=1) if use_conv else nn.Linear`)
  if (a.k === "layer") return a.row === (b as typeof a).row && nodeKey(a.call) === nodeKey((b as typeof a).call);
  if (a.k === "layerref") return a.row === (b as typeof a).row;
  if (a.k === "const") return a.text === (b as typeof a).text;
  if (a.k === "fn") return a.name === (b as typeof a).name;
  if (a.k === "lambda") return a.node === (b as typeof a).node;
  if (a.k === "anyclass") return true;
  if (a.k === "value") return !a.callable === !(b as typeof a).callable && (a.def?.node ?? null) === ((b as typeof a).def?.node ?? null);
  return a === b || a.k === "unknown" || a.k === "param";
}

/** A function held as a plain value (a module-level function of the file), which a call may reach beside a module. */
export const isPlainFunction = (v: ModVal): boolean => v.k === "value" && !!v.callable;

/** The `nn.Sequential(…)` call a Sequential value held in a local came from (passes/local-containers.ts). */
export const SEQUENTIAL_ORIGIN = new WeakMap<ModVal, SyntaxNode>();

/** Dicts of known keys as one: each key holds the union of what the dicts give it (a read where one lacks it raises). */
function mergedDicts(dicts: (ModVal & { k: "dict" })[]): ModVal {
  const entries = new Map<string, ModVal[]>();
  for (const d of dicts) for (const [k, item] of d.entries!) push(entries, k, item);
  return { k: "dict", entries: new Map([...entries].map(([k, items]) => [k, union(items)])) };
}

export function mergeBranches(env: Env, branches: Env[]): void {
  const names = new Set(branches.flatMap((b) => [...b.keys()]));
  for (const name of names) {
    const vals = branches.map((b) => b.get(name)).filter((v): v is ModVal => v !== undefined);
    if (vals.every((v) => v === vals[0]) && vals.length === branches.length) {
      env.set(name, vals[0]);
      continue;
    }
    if (vals.every((v) => v.k === "list" || v.k === "seq")) {
      // a list appended to in some branches only: its indices are not known statically
      const all = vals.flatMap((v) => {
        const l = v as ModVal & { k: "list" | "seq" };
        return [...(l.items ?? []), ...(l.elem ? [l.elem] : [])];
      });
      // children added by name in some branch keep their names (a named Sequential stays named)
      const named = vals.some((v) => v.k === "seq" && (v.names || v.named));
      const merged = { k: vals[0].k, items: null, elem: union(all), ...(named ? { named } : {}) } as ModVal;
      const origin = SEQUENTIAL_ORIGIN.get(vals[0]);
      if (origin && vals.every((v) => SEQUENTIAL_ORIGIN.get(v) === origin)) SEQUENTIAL_ORIGIN.set(merged, origin);
      env.set(name, merged);
    } else if (vals.every((v) => v.k === "dict" && v.entries)) {
      // a dict filled differently by the branches (timm's `cfg['block'] = …` per variant): a key read after the if
      // gives what some branch put there (where none did, the read raises), so each key holds the union
      env.set(name, mergedDicts(vals as (ModVal & { k: "dict" })[]));
    } else if (vals.every((v) => v.k === "dict")) {
      // a dict filled differently by the branches: its keys are not known statically
      env.set(name, { k: "dict", entries: null, elem: union(vals.map(elementOf)) });
    } else env.set(name, union(vals));
  }
}

export function appendAll(cur: ModVal & { k: "list" | "seq" }, items: ModVal[], unknownCount: boolean): ModVal {
  if (!unknownCount && cur.items) return { ...cur, items: [...cur.items, ...items] };
  const all = [...(cur.items ?? []), ...(cur.elem ? [cur.elem] : []), ...items];
  return { k: cur.k, items: null, elem: union(all) } as ModVal;
}

/** `a + b` of two lists of modules (`[pool] + proj`): one list, its items known where both are; anything else is a plain value. */
export function concatenated(a: ModVal, b: ModVal): ModVal {
  if (a.k !== "list" || b.k !== "list") return { k: "value" };
  return b.items ? appendAll(a, b.items, false) : appendAll(a, [b.elem ?? { k: "unknown" }], true);
}

export function elementOf(v: ModVal): ModVal {
  // a container of classes known only at run time (timm's to_ntuple(n)(block)): any element is one
  if (v.k === "anyclass") return v;
  if (v.k === "list" || v.k === "seq") return v.items ? union(v.items) : (v.elem ?? { k: "unknown" });
  // one of several lists (a setting chosen by a branch): an item of any
  if (v.k === "union" && v.options.every((o) => o.k === "list" || o.k === "seq" || o.k === "dict")) return union(v.options.map(elementOf));
  // (entries known and an element besides: any other entry, a registry filled elsewhere, passes/module-globals.ts)
  if (v.k === "dict") return v.entries ? union([...v.entries.values(), ...(v.elem ? [v.elem] : [])]) : (v.elem ?? { k: "unknown" });
  // one of several lists (each call site of SequentialList(*modules) passes its own): an element of any
  if (v.k === "union") return union(v.options.map(elementOf));
  return { k: "value" };
}

export function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

export function paramName(p: SyntaxNode): string | undefined {
  if (p.type === "identifier") return p.text;
  if (p.type === "typed_parameter") return namedChildren(p).find((c) => c.type === "identifier")?.text;
  if (p.type === "default_parameter" || p.type === "typed_default_parameter") return p.childForFieldName("name")?.text;
  return undefined;
}

export function paramNames(fn: SyntaxNode): string[] {
  return namedChildren(fn.childForFieldName("parameters")!)
    .map(paramName)
    .filter((n): n is string => !!n);
}

export function identifiers(node: SyntaxNode): string[] {
  if (node.type === "identifier") return [node.text];
  return namedChildren(node).flatMap(identifiers);
}

export function stringValue(node: SyntaxNode): string | undefined {
  const content = node.namedChildren.filter((c) => c.type === "string_content");
  if (node.namedChildren.some((c) => c.type === "interpolation")) return undefined;
  return content.map((c) => c.text).join("");
}

/** Most iterations a loop is unrolled for, to name the attributes its setattr calls make. */
export const MAX_UNROLL = 64;

/** `range(4)`, `range(1, 5)` with literal integers: the values, as constants. */
export function rangeValues(args: ModVal[]): ModVal | undefined {
  const ints = args.map((a) => (a.k === "const" && /^-?\d+$/.test(a.text) ? Number(a.text) : undefined));
  if (!ints.length || ints.length > 3 || ints.some((i) => i === undefined)) return undefined;
  const [start, stop, step] = ints.length === 1 ? [0, ints[0]!, 1] : [ints[0]!, ints[1]!, ints[2] ?? 1];
  if (step === 0 || (stop - start) / step > MAX_UNROLL) return undefined;
  const items: ModVal[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) items.push({ k: "const", text: String(i) });
  return { k: "list", items };
}

/** `zip(a, b)`: tuples of the known items; as long as the shortest list whose length is known. */
export function zipValues(args: ModVal[]): ModVal {
  const lists = args.map((a) => (a.k === "list" || a.k === "seq" ? a.items : null));
  const known = lists.filter((l): l is ModVal[] => l !== null);
  if (!known.length) return { k: "list", items: null, elem: { k: "list", items: args.map(elementOf) } };
  const n = Math.min(...known.map((l) => l.length));
  const items: ModVal[] = [];
  for (let i = 0; i < n; i++) items.push({ k: "list", items: args.map((a, j) => lists[j]?.[i] ?? elementOf(a)) });
  return { k: "list", items };
}

/** `enumerate(a)`: (index, item) tuples. */
export function enumerateValues(arg: ModVal): ModVal {
  if ((arg.k === "list" || arg.k === "seq") && arg.items) return { k: "list", items: arg.items.map((v, i) => ({ k: "list", items: [{ k: "const", text: String(i) }, v] })) };
  return { k: "list", items: null, elem: { k: "list", items: [{ k: "value" }, elementOf(arg)] } };
}

/** Binds a loop or assignment target (`name`, `a, (b, c)`) to a value, element-wise where the value's items are known. */
export function bindTarget(target: SyntaxNode, v: ModVal, env: Env): void {
  if (target.type === "identifier") {
    env.set(target.text, v);
    return;
  }
  const parts = namedChildren(target);
  const items = tupleItems(v, parts.length);
  parts.forEach((p, i) => bindTarget(p, items ? items[i] : { k: "value" }, env));
}

/** The items of a tuple of `n` values: of one, or position by position of a union of such (the rows of `enumerate(zip(...))`). */
function tupleItems(v: ModVal, n: number): ModVal[] | undefined {
  if (v.k === "list") return v.items && v.items.length === n ? v.items : undefined;
  if (v.k !== "union") return undefined;
  const rows = v.options.map((o) => tupleItems(o, n));
  if (rows.some((r) => !r)) return undefined;
  return Array.from({ length: n }, (_, i) => union(rows.map((r) => r![i])));
}

/** `nn.ModuleDict({...})` / `nn.ModuleDict(dict(a=…))`: its entries when their keys are literal. */
export function moduleDictValue(arg: SyntaxNode | undefined, expr: (n: SyntaxNode) => ModVal): ModVal {
  if (!arg) return { k: "dict", entries: new Map() };
  if (arg.type === "dictionary") {
    const entries = new Map<string, ModVal>();
    for (const pair of namedChildren(arg)) {
      if (pair.type !== "pair") return { k: "dict", entries: null, elem: { k: "unknown" } };
      const key = pair.childForFieldName("key")!;
      if (key.type !== "string") return { k: "dict", entries: null, elem: { k: "unknown" } };
      entries.set(stringValue(key)!, expr(pair.childForFieldName("value")!));
    }
    return { k: "dict", entries };
  }
  if (arg.type === "call" && arg.childForFieldName("function")!.text === "dict") {
    const entries = new Map<string, ModVal>();
    for (const [k, v] of callArgs(arg).keyword) entries.set(k, expr(v));
    return { k: "dict", entries };
  }
  return { k: "dict", entries: null, elem: { k: "unknown" } };
}

/** Whether a function's body calls or names anything of torch (computed once per function: __init__ is interpreted several rounds). */
const torchUsers = new WeakMap<SyntaxNode, boolean>();
export function usesTorch(def: SyntaxNode, aliases: Map<string, string>): boolean {
  let uses = torchUsers.get(def);
  if (uses === undefined) {
    uses = def.descendantsOfType(["call", "attribute"]).some((n) => qualify(n.type === "call" ? n.childForFieldName("function") : n, aliases)?.startsWith("torch.") ?? false);
    torchUsers.set(def, uses);
  }
  return uses;
}

/** Every call of a plain name in the module, by that name; built once per module (one walk, not one per class). */
const callIndex = new WeakMap<ModuleIR, Map<string, SyntaxNode[]>>();
export function callsByCallee(mod: ModuleIR): Map<string, SyntaxNode[]> {
  let index = callIndex.get(mod);
  if (!index) {
    index = new Map();
    // only a plain name can be a class's name: other callees (`self.f`, `torch.cat`) are not indexed, which
    // spares reading their text
    for (const c of mod.root.descendantsOfType("call")) {
      const fn = c.childForFieldName("function");
      if (fn?.type !== "identifier") continue;
      const callee = fn.text;
      const list = index.get(callee);
      if (list) list.push(c);
      else index.set(callee, [c]);
    }
    callIndex.set(mod, index);
  }
  return index;
}

/**
 * The keywords a call passes on through `**kwargs`, the `**` parameter of the module-level function it sits in:
 * what the callers of that function give it beyond its named parameters (torchvision's `swin_v2_t(**kwargs)` calls
 * `_swin_transformer(..., block=SwinTransformerBlockV2, **kwargs)`, which calls `SwinTransformer(..., **kwargs)`),
 * followed through such functions a few levels up.
 */
export function forwardedKeywords(call: SyntaxNode, mod: ModuleIR, depth = 0): [string, SyntaxNode][] {
  const splat = callArgs(call).positional.find((a) => a.type === "dictionary_splat");
  const fn = splat && enclosingFunction(call);
  if (!splat || !fn || depth > 3 || fn.parent?.type !== "module") return [];
  const params = namedChildren(fn.childForFieldName("parameters")!);
  // `**kwargs`, or `**kwargs: Any` (a typed parameter around the pattern)
  const kwargs = params.map((p) => (p.type === "typed_parameter" ? namedChildren(p)[0] : p)).find((p) => p?.type === "dictionary_splat_pattern");
  if (!kwargs || namedChildren(kwargs)[0]?.text !== namedChildren(splat)[0]?.text) return [];
  const named = new Set(params.map(paramName).filter((n): n is string => !!n));
  const out: [string, SyntaxNode][] = [];
  for (const caller of callsByCallee(mod).get(fn.childForFieldName("name")!.text) ?? []) {
    for (const [k, v] of callArgs(caller).keyword) if (!named.has(k)) out.push([k, v]);
    for (const [k, v] of forwardedKeywords(caller, mod, depth + 1)) if (!named.has(k)) out.push([k, v]);
  }
  return out;
}

function enclosingFunction(node: SyntaxNode): SyntaxNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.type === "function_definition") return p;
  return undefined;
}

/**
 * `nn.Sequential(a, b)`, `nn.Sequential(*layers)`: its items where known; `nn.Sequential(d)` with `d` a dict of
 * modules (`OrderedDict([("name", m), …])`, one filled by `d["name"] = m`): children named by its keys.
 */
export function sequentialValue(args: CallArgs, expr: (n: SyntaxNode) => ModVal): ModVal {
  const first = args.positional[0];
  const single = first && args.positional.length === 1 && first.type !== "list_splat" ? expr(first) : undefined;
  if (single?.k === "dict") {
    if (single.entries) return { k: "seq", items: [...single.entries.values()], names: [...single.entries.keys()] };
    return { k: "seq", items: null, elem: single.elem ?? { k: "unknown" }, named: true };
  }
  const items: ModVal[] = [];
  let known = true;
  let elem: ModVal | undefined;
  for (const a of args.positional) {
    if (a.type === "list_splat") {
      const v = expr(namedChildren(a)[0]);
      if ((v.k === "list" || v.k === "seq") && v.items) items.push(...v.items);
      else {
        known = false;
        elem = elementOf(v);
      }
    } else items.push(a === first && single ? single : expr(a));
  }
  if (known) return { k: "seq", items };
  return { k: "seq", items: null, elem: union([...items, elem ?? { k: "unknown" }]) };
}

/** What a call passes for each parameter of the callee (`names`: its parameters after self), splats left out. */
export function argumentValues(names: string[], args: CallArgs, expr: (n: SyntaxNode) => ModVal): Map<string, ModVal> {
  const given = new Map<string, ModVal>();
  args.positional.forEach((a, i) => {
    if (i < names.length && a.type !== "list_splat" && a.type !== "dictionary_splat") given.set(names[i], expr(a));
  });
  for (const [k, v] of args.keyword) given.set(k, expr(v));
  return given;
}

/**
 * The names a parameter's annotation gives as classes: `block: type[Union[BasicBlock, Bottleneck]]`,
 * `Type[Block]`, `Optional[type[A]]`, `type[A] | type[B]` (the identifiers under a `type[...]`). A block class
 * passed through a helper function (torchvision's `_resnet(BasicBlock, …)` → `ResNet(block, …)`) is
 * known this way when no call site says which it is.
 */
export function annotatedClasses(param: SyntaxNode): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const visit = (n: SyntaxNode, inType: boolean) => {
    if (n.type === "identifier") {
      if (inType) found.push(n);
      return;
    }
    if (n.type === "generic_type") {
      const [head, ...rest] = namedChildren(n);
      const name = head?.text.replace(/^typing\./, "");
      const sequence = SEQUENCE_TYPES.has(name ?? "") && n === outermost;
      const into = name === "type" || name === "Type" ? true : name === "Union" || name === "Optional" || sequence ? inType : undefined;
      if (into === undefined) return;
      for (const r of rest) visit(r, into);
      return;
    }
    if (n.type === "type" || n.type === "type_parameter" || n.type === "binary_operator" || n.type === "union_type") for (const c of namedChildren(n)) visit(c, inType);
  };
  const type = param.type === "typed_parameter" || param.type === "typed_default_parameter" ? param.childForFieldName("type") : null;
  const outermost = type?.type === "type" ? namedChildren(type)[0] : type;
  if (type) visit(type, false);
  return found;
}

/** The union of the classes a parameter's annotation names (annotatedClasses), when every one is a module class or a torch layer. */
export function annotatedClassValue(param: SyntaxNode, evaluate: (n: SyntaxNode) => ModVal): ModVal | undefined {
  const named = annotatedClasses(param).map(evaluate);
  if (!named.length || !named.every((c) => c.k === "classref" || c.k === "layerref")) return undefined;
  // `block_fns: Tuple[Type[BasicBlock], ...]` (timm's make_blocks): a sequence of those classes
  return isSequenceType(param.childForFieldName("type")) ? { k: "list", items: null, elem: union(named) } : union(named);
}

const SEQUENCE_TYPES = new Set(["Tuple", "tuple", "List", "list", "Sequence"]);

/** An annotation `Tuple[X, ...]`, `List[X]`, `Sequence[X]` (the classes annotatedClasses finds are its items). */
function isSequenceType(type: SyntaxNode | null): boolean {
  const n = type?.type === "type" ? namedChildren(type)[0] : type;
  if (n?.type !== "generic_type") return false;
  return SEQUENCE_TYPES.has(namedChildren(n)[0]?.text.replace(/^typing\./, "") ?? "");
}

/** What a value says about classes, as a key (which classes and layers, not where they were built). */
export function classesKey(v: ModVal): string {
  if (v.k === "classref" || v.k === "class") return `${v.k}:${v.name}`;
  if (v.k === "layerref" || v.k === "layer") return `${v.k}:${v.row.torch}`;
  if (v.k === "union") return `(${v.options.map(classesKey).sort().join("|")})`;
  return v.k;
}

/**
 * Whether a value is (or holds) a module instance that is no plain layer: another file's class built here with one
 * (torchvision's IntermediateLayerGetter(backbone, …)) runs its __init__ again with it, as with a class argument.
 */
export const holdsModuleInstances = (v: ModVal): boolean =>
  v.k === "class" ||
  (v.k === "seq" && (!!v.items?.length || (!!v.elem && v.elem.k !== "unknown"))) ||
  // a plain list of blocks, which the other file wraps (Time-Series-Library's `Encoder([EncoderLayer(…) for l in …])`
  // keeps `nn.ModuleList(attn_layers)`)
  (v.k === "list" && (!!v.items?.some(holdsModuleInstances) || (!!v.elem && holdsModuleInstances(v.elem)))) ||
  (v.k === "union" && v.options.some(holdsModuleInstances));

/** A module instance as a key for what a specialization was built from: its class, or a Sequential's items in order. */
export function instanceKey(v: ModVal, depth = 0): string {
  if (depth > 3) return v.k;
  if (v.k === "list") return `list[${v.items ? v.items.map((i) => instanceKey(i, depth + 1)).join(",") : `*${instanceKey(v.elem ?? { k: "unknown" }, depth + 1)}`}]`;
  if (v.k === "seq")
    return `seq[${v.names ? `${v.names.join(",")}:` : ""}${v.items ? v.items.map((i) => instanceKey(i, depth + 1)).join(",") : `*${instanceKey(v.elem ?? { k: "unknown" }, depth + 1)}`}]`;
  if (v.k === "union") return `(${v.options.map((o) => instanceKey(o, depth + 1)).join("|")})`;
  return classesKey(v);
}

/** Whether a value is (or may be) a class or a torch layer class. */
export const holdsClasses = (v: ModVal): boolean => v.k === "classref" || v.k === "layerref" || (v.k === "union" && v.options.some(holdsClasses));

/** `xs[i]` with a literal index: that item of a list or Sequential whose items are known (torchvision's `blocks[0]`), else its element type. */
export function itemAt(v: ModVal, index: SyntaxNode | null): ModVal {
  // `registry[name]`: the entry of a constant key, else any entry that is a module or a class (a number read by a key
  // not known is no number known)
  if (v.k === "dict") {
    const entry = index?.type === "string" ? v.entries?.get(stringValue(index) ?? "") : undefined;
    const any = elementOf(v);
    return entry ?? (any.k === "const" ? { k: "value" } : any);
  }
  // one of several containers (tuples of different shapes appended in a loop: davit's `('spatial_block', SpatialBlock(…))`
  // and `('channel_block', ChannelBlock(…))`, read back as `b[1]`): that item of any of them
  if (v.k === "union") return union(v.options.map((o) => itemAt(o, index)));
  if (v.k !== "list" && v.k !== "seq") return { k: "value" };
  const i = index && /^-?\d+$/.test(index.text) ? Number(index.text) : undefined;
  if (v.items && i !== undefined) return v.items[i < 0 ? v.items.length + i : i] ?? { k: "value" };
  // `[nn.Identity, nn.Conv1d, nn.Conv2d][n]` with n known only at run time (hiera's conv_nd): any of the items, so that
  // what it builds gets its weight rules and layout (different constants give a plain value, as for a dict)
  if (v.items) return union(v.items);
  return v.items === null && v.elem ? v.elem : { k: "value" };
}

/** Whether a value is, or may be, a class known only at run time (ModVal 'anyclass'), directly or in a container. */
export function holdsRuntimeClass(v: ModVal): boolean {
  if (v.k === "anyclass") return true;
  if (v.k === "union") return v.options.some(holdsRuntimeClass);
  if (v.k === "list" || v.k === "seq") return (v.items ?? []).some(holdsRuntimeClass) || (!!v.elem && holdsRuntimeClass(v.elem));
  if (v.k === "dict") return [...(v.entries?.values() ?? [])].some(holdsRuntimeClass) || (!!v.elem && holdsRuntimeClass(v.elem));
  return false;
}
