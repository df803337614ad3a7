/**
 * local-containers: what a constructor does to a list or Sequential held in a local before it stores it on self,
 * for the module tree's interpreter (module-tree.ts): a slice (`rep = rep[1:]`), an item replaced (`rep[0] =
 * nn.ReLU()`), a child added by name to a local Sequential (`stem = nn.Sequential(); stem.add_module("conv1", …)`,
 * timm's create_csp_stem). Each keeps what the container holds, so the weight map still reaches its modules.
 *
 * Reads: the values the interpreter computed. Writes: the new values; for a local Sequential given named children,
 * the `nn.Sequential(…)` call that built it is noted as named (mod.namedSequentials), so that it is emitted as
 * NamedSequential (an MLX nn.Sequential given attributes by setattr would run none of them).
 */
import { namedChildren, nodeKey, type CallArgs, type SyntaxNode } from "../grammar/python.js";
import type { ClassIR, ModVal, ModuleIR } from "../ir/module.js";
import { appendAll, elementOf, paramName, SEQUENTIAL_ORIGIN as ORIGIN, union, type Env } from "./module-values.js";
import { withNamedItem } from "./named-sequential.js";

/** Remembers the call a Sequential value was built by; returns the value. */
export function sequentialFrom(call: SyntaxNode, v: ModVal): ModVal {
  if (v.k === "seq") ORIGIN.set(v, call);
  return v;
}

/**
 * `xs[a:b]` of a list or Sequential: the same kind of container; its items when they are known and the bounds are
 * literals (`rep[1:]`), else of unknown length, holding what `xs` holds.
 */
export function sliceOf(v: ModVal, slice: SyntaxNode): ModVal {
  if (v.k !== "list" && v.k !== "seq") return { k: "value" };
  const bounds = /^\s*(-?\d*)\s*:\s*(-?\d*)\s*$/.exec(slice.text);
  if (v.items && bounds) {
    const [start, stop] = [bounds[1], bounds[2]].map((b) => (b === "" ? undefined : Number(b)));
    return { k: v.k, items: v.items.slice(start, stop) };
  }
  return { k: v.k, items: null, elem: elementOf(v) };
}

/** A list after `xs[i] = m`: item i replaced when i is a literal and the items are known, else one more kind of element. */
export function withListItem(v: ModVal & { k: "list" | "seq" }, index: SyntaxNode | null, value: ModVal, inLoop: boolean): ModVal {
  const i = index && /^-?\d+$/.test(index.text) ? Number(index.text) : undefined;
  if (v.items && i !== undefined && !inLoop) {
    const at = i < 0 ? v.items.length + i : i;
    if (at >= 0 && at < v.items.length) return { ...v, items: v.items.map((item, j) => (j === at ? value : item)) };
  }
  return { k: v.k, items: null, elem: union([elementOf(v), value]) } as ModVal;
}

/**
 * `seq.add_module(name, m)` on a local Sequential: the Sequential gains a named child (its names known while each
 * is a constant added once), and the call that built it is noted as named. Undefined when `cur` is no Sequential
 * this file built (the call is then evaluated as any other).
 */
/** Whether `v` is a Sequential built in this file (held in a local or on self) that starts empty or has named children: add_module on it is followed. */
export function isLocalSequential(v: ModVal | undefined): boolean {
  return !!v && v.k === "seq" && ORIGIN.has(v) && (v.items?.length === 0 || !!v.names || !!v.named);
}

export function withLocalNamedItem(mod: ModuleIR, cur: ModVal | undefined, name: ModVal, value: ModVal, inLoop: boolean): ModVal | undefined {
  const call = cur ? ORIGIN.get(cur) : undefined;
  // a Sequential given positional children keeps them as `layers`: a name added to it is not followed
  if (!call || cur?.k !== "seq" || !isLocalSequential(cur)) return undefined;
  (mod.namedSequentials ??= new Set()).add(nodeKey(call));
  const grown = withNamedItem(cur, name, value, inLoop);
  ORIGIN.set(grown, call);
  return grown;
}

/**
 * `stem.add_module(name, m)` on a local, `self.blocks.add_module(str(i), m)` on an attribute, when it holds a
 * Sequential built here (the name and module evaluated only then): the holder gets the grown Sequential. False when
 * it holds none (the call is then evaluated as any other).
 */
export function addToSequential(mod: ModuleIR, cls: ClassIR, env: Env, obj: SyntaxNode, name: () => ModVal, value: () => ModVal, inLoop: boolean): boolean {
  const attr = obj.type === "attribute" && obj.childForFieldName("object")!.text === "self" ? obj.childForFieldName("attribute")!.text : undefined;
  const cur = attr ? cls.attrs.get(attr) : obj.type === "identifier" ? env.get(obj.text) : undefined;
  // a Sequential built in either branch of an if (timm's DenseNet stem, deep or not): each grows
  const options = cur?.k === "union" ? cur.options : cur ? [cur] : [];
  if (!options.length || !options.every(isLocalSequential)) return false;
  const [n, v] = [name(), value()];
  const grown = union(options.map((o) => withLocalNamedItem(mod, o, n, v, inLoop)!));
  if (attr) cls.attrs.set(attr, grown);
  else env.set(obj.text, grown);
  return true;
}

/**
 * The items of a tuple of known length `n` unpacked into as many targets; a function returning a different tuple
 * from each branch (`return DarkBlock, args` … `return BottleneckBlock, args`, timm's cspnet) gives each target the
 * union of its items at that position. Undefined when a length is not known.
 */
export function unpacked(v: ModVal, n: number): ModVal[] | undefined {
  if (v.k === "list") return v.items?.length === n ? v.items : undefined;
  if (v.k !== "union" || !v.options.every((o) => o.k === "list" && o.items)) return undefined;
  // a tuple of another length cannot be what is unpacked (Python raises): `create_classifier` returns two or three
  const tuples = v.options.map((o) => (o as ModVal & { k: "list" }).items!).filter((t) => t.length === n);
  if (!tuples.length) return undefined;
  return Array.from({ length: n }, (_, i) => union(tuples.map((t) => t[i])));
}

/** The name of a `*args` parameter; undefined for any other parameter. */
export function varargsName(p: SyntaxNode): string | undefined {
  return p.type === "list_splat_pattern" ? namedChildren(p)[0]?.text : undefined;
}

/**
 * What a call to `init` (a method: its first parameter is self) passes to its `*args` parameter: the positional
 * arguments past the named ones, a `*xs` among them giving xs's items (vovnet's `SequentialAppendList(*mid_convs)`,
 * whose `super().__init__(*args)` then holds the convs). Undefined when `init` takes no `*args` or the positions
 * are not known (a splat before it).
 */
export function extraPositional(init: SyntaxNode, args: CallArgs, expr: (n: SyntaxNode) => ModVal): { name: string; value: ModVal } | undefined {
  const params = namedChildren(init.childForFieldName("parameters")!);
  const at = params.findIndex((p) => varargsName(p) !== undefined);
  if (at < 0) return undefined;
  const named = params.slice(1, at).filter((p) => paramName(p) !== undefined).length;
  if (args.positional.slice(0, named).some((a) => a.type === "list_splat")) return undefined;
  let value: ModVal = { k: "list", items: [] };
  for (const a of args.positional.slice(named)) {
    const v = a.type === "list_splat" ? expr(namedChildren(a)[0]) : undefined;
    const items = v ? (v.k === "list" || v.k === "seq") && v.items : [expr(a)];
    value = items ? appendAll(value as ModVal & { k: "list" }, items, false) : appendAll(value as ModVal & { k: "list" }, [elementOf(v!)], true);
  }
  return { name: varargsName(params[at])!, value };
}
