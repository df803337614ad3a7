/**
 * module-children: what iterating a module's children gives — `for name, layer in self.items()` in a subclass of
 * nn.ModuleDict (torchvision's _DenseBlock), `d.values()` of an nn.ModuleDict. The children are what the module
 * tree found the container holds; a call on the loop variable then knows its class, so the layout the child's
 * forward takes and returns is honoured instead of assumed to be torch's.
 */
import { namedChildren } from "../grammar/python.js";
import type { ClassIR, ModVal, ModuleIR } from "../ir/module.js";
import { elementOf, union } from "./module-values.js";
import { SEQUENTIAL_ITEMS } from "./module-tree.js";
import { qualify } from "./resolve-imports.js";
import { nameTable } from "../ir/tables.js";

/** The dict methods that iterate children, and whether each gives (name, child) pairs. */
export const CHILD_ITERATORS: Record<string, "pairs" | "children"> = nameTable({ items: "pairs", values: "children" });

/** Attribute kinds that are no child module (plain values, arrays). */
const NOT_CHILDREN = new Set(["value", "const", "param", "buffer"]);

/**
 * One child of module `m` (a union of what its children may be), or undefined when c2m does not know them all:
 * an nn.ModuleDict's entries, or the module attributes of a class whose base is nn.ModuleDict; `mod` is the file
 * being translated (its classes are `m`'s when `m` names no other file's).
 */
export function childOf(m: ModVal, mod: ModuleIR): ModVal | undefined {
  if (m.k === "dict") {
    const child = elementOf(m);
    return child.k === "unknown" || child.k === "value" ? undefined : child;
  }
  if (m.k !== "class") return undefined;
  const home = m.ext?.mod ?? mod;
  const cls = m.ext?.cls ?? mod.classes.get(m.name);
  if (!cls || !isModuleDictSubclass(cls, home)) return undefined;
  const children = [...cls.attrs].filter(([name, v]) => name !== SEQUENTIAL_ITEMS && !NOT_CHILDREN.has(v.k)).map(([, v]) => v);
  // a child c2m cannot see makes every child unknown: union() would drop it
  if (!children.length || children.some((v) => v.k === "unknown")) return undefined;
  return union(children);
}

/**
 * A child of a ModuleDict (or a subclass) whose children c2m cannot list (IntermediateLayerGetter filled from a
 * model passed in): a module of unknown class, which a call then runs by the class it has at run time.
 */
export function anyChildOf(m: ModVal, mod: ModuleIR): ModVal | undefined {
  const known = childOf(m, mod);
  if (known) return known;
  if (m.k === "dict") return { k: "unknown" };
  if (m.k !== "class") return undefined;
  const cls = m.ext?.cls ?? mod.classes.get(m.name);
  return cls && isModuleDictSubclass(cls, m.ext?.mod ?? mod) ? { k: "unknown" } : undefined;
}

function isModuleDictSubclass(cls: ClassIR, home: ModuleIR): boolean {
  const bases = cls.node.childForFieldName("superclasses");
  return !!bases && namedChildren(bases).some((b) => qualify(b, home.aliases) === "torch.nn.ModuleDict");
}
