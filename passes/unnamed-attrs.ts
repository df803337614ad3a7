/**
 * Modules a class stores under names computed at run time (`self.add_module(*stage)`, `setattr(self, name, m)`
 * with a name c2m cannot compute) are one attribute to the module tree, UNNAMED_ATTR. A later read of an
 * attribute the class does not otherwise hold (`self.layer1(x)` in forward) is one of them: what they hold
 * decides its layout. Only for a class whose base is nn.Module itself, whose every other attribute and method
 * c2m sees: a base class of the program's could define the name.
 */
import type { ClassIR } from "../ir/module.js";
import type { ModVal } from "../ir/module.js";
import { namedChildren } from "../grammar/python.js";
import { UNNAMED_ATTR } from "./module-attrs.js";
import { qualify } from "./resolve-imports.js";
import { MODULE_METHODS } from "./tables/index.js";

/** What `self.<name>` holds: the attribute of that name, else one stored under a name computed at run time. */
export function selfAttribute(cls: ClassIR, name: string, aliases: Map<string, string>): ModVal | undefined {
  const own = cls.attrs.get(name) ?? cls.subclassAttrs?.get(name);
  if (own || name === UNNAMED_ATTR) return own;
  const unnamed = cls.attrs.get(UNNAMED_ATTR);
  if (!unnamed || cls.methods.has(name) || MODULE_METHODS[name] || name === "forward" || name.startsWith("_")) return undefined;
  const bases = cls.node.childForFieldName("superclasses");
  const only = bases ? namedChildren(bases) : [];
  return only.length === 1 && qualify(only[0], aliases) === "torch.nn.Module" ? unnamed : undefined;
}
