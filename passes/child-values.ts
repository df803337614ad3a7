/**
 * child-values: what the module tree makes of a module's children read in an `__init__` or a builder function —
 * `model.named_children()`, `model.children()` (torchvision's IntermediateLayerGetter takes a backbone's children by
 * name into a ModuleDict). torch names a Sequential's children by position ("0", "1", ...), a named Sequential's by
 * its keys, and any other module's by the attributes it registered, in the order they were set. A child c2m does
 * not know makes the whole list unknown: a partial list would map the weights of only some of them.
 */
import type { ModVal, ModuleIR } from "../ir/module.js";
import { UNNAMED_ATTR } from "./module-attrs.js";
import { SEQUENTIAL_ITEMS, union } from "./module-values.js";
import { nameTable } from "../ir/tables.js";

/** Module methods that list children, and whether each gives (name, child) pairs. */
export const CHILD_LISTS: Record<string, "pairs" | "children"> = nameTable({ named_children: "pairs", children: "children" });

/** Attribute kinds that are no child module (plain values, constants, arrays). */
const NOT_CHILDREN = new Set(["value", "const", "param", "buffer"]);

/** The (name, child) pairs of a module value, in torch's order, or undefined when c2m cannot list them all. */
export function namedChildrenOf(v: ModVal, mod: ModuleIR): [string, ModVal][] | undefined {
  // one of several modules (a class built at several call sites): any child of any of them, by name
  if (v.k === "union") {
    const lists = v.options.map((o) => namedChildrenOf(o, mod));
    if (lists.some((l) => !l)) return undefined;
    const merged = new Map<string, ModVal[]>();
    for (const [name, child] of lists.flatMap((l) => l!)) merged.set(name, [...(merged.get(name) ?? []), child]);
    return [...merged].map(([name, children]) => [name, union(children)]);
  }
  if (v.k === "seq") {
    if (!v.items) return undefined;
    if (v.named && !v.names) return undefined;
    return v.items.map((item, i) => [v.names?.[i] ?? String(i), item]);
  }
  if (v.k !== "class") return undefined;
  const cls = v.ext?.cls ?? mod.classes.get(v.name);
  if (!cls || cls.attrs.has(UNNAMED_ATTR)) return undefined;
  const home = v.ext?.mod ?? mod;
  const items = cls.attrs.get(SEQUENTIAL_ITEMS);
  const own = [...cls.attrs].filter(([name, a]) => name !== SEQUENTIAL_ITEMS && !NOT_CHILDREN.has(a.k)).map(([name, a]): [string, ModVal] => [name, inFile(a, home)]);
  if (own.some(([, a]) => a.k === "unknown")) return undefined;
  if (!items) return own;
  const listed = namedChildrenOf(inFile(items, home), home);
  return listed && [...listed, ...own];
}

/**
 * A value of file `home`'s module tree as another file sees it: its classes carry `home` (a class named without
 * its file is looked up in the file that reads the value, where it is not).
 */
export function inFile(v: ModVal, home: ModuleIR, depth = 0): ModVal {
  if (depth > 8) return v;
  const at = (x: ModVal) => inFile(x, home, depth + 1);
  switch (v.k) {
    case "class":
    case "classref": {
      const cls = v.ext ? undefined : home.classes.get(v.name);
      return cls ? { ...v, ext: { mod: home, cls } } : v;
    }
    case "seq":
    case "list":
      return { ...v, items: v.items && v.items.map(at), ...(v.elem ? { elem: at(v.elem) } : {}) };
    case "dict":
      return { ...v, entries: v.entries && new Map([...v.entries].map(([k, x]) => [k, at(x)])), ...(v.elem ? { elem: at(v.elem) } : {}) };
    case "union":
      return { k: "union", options: v.options.map(at) };
    default:
      return v;
  }
}

/** `model.named_children()` / `model.children()` as a list of (name, child) pairs or of children; undefined when not known. */
export function childList(v: ModVal, mod: ModuleIR, kind: "pairs" | "children"): ModVal | undefined {
  const pairs = namedChildrenOf(v, mod);
  // a Sequential built in a loop: children named by positions c2m cannot count, each one of its items
  if (!pairs && v.k === "seq" && !v.named && v.elem && v.elem.k !== "unknown") {
    const child = v.elem;
    return { k: "list", items: null, elem: kind === "pairs" ? { k: "list", items: [{ k: "value" }, child] } : child };
  }
  if (!pairs) return undefined;
  return { k: "list", items: pairs.map(([name, child]) => (kind === "pairs" ? { k: "list", items: [{ k: "const", text: name }, child] } : child)) };
}
