/**
 * module-inherit: which class `super().__init__(…)` runs for a module class, in this file or another (a
 * sibling's base block, a library's base layer), so that what a base's `__init__` builds lands in the
 * subclass's module tree, as it does in torch's state_dict.
 */
import type { SyntaxNode } from "../grammar/python.js";
import { baseExpressions } from "../ir/binder/classes.js";
import type { ForeignClass, ModuleIR } from "../ir/module.js";
import { foreignValue } from "./package-classes.js";
import { qualify } from "./resolve-imports.js";

/** The module class `super()` refers to in a class of `mod`: its first base that is a module class of this program, skipping mixins; none past a torch base. */
export function moduleBase(mod: ModuleIR, classNode: SyntaxNode, collect: (m: ModuleIR) => void): ForeignClass | undefined {
  for (const b of baseExpressions(classNode)) {
    if (b.type === "identifier" && mod.classes.has(b.text)) return { mod, cls: mod.classes.get(b.text)! };
    if (qualify(b, mod.aliases)?.startsWith("torch.")) return undefined;
    const v = foreignValue(mod, b, collect);
    if (v?.k === "classref" && v.ext) return v.ext;
  }
  return undefined;
}

/** The `__init__` a class of `mod` runs (its own, or the nearest base's), with the class and file that define it. */
export function effectiveInit(mod: ModuleIR, cls: ForeignClass["cls"], collect: (m: ModuleIR) => void): (ForeignClass & { init: SyntaxNode }) | undefined {
  let at: ForeignClass | undefined = { mod, cls };
  for (let i = 0; at && i < 8; i++) {
    const init = at.cls.methods.get("__init__");
    if (init) return { ...at, init };
    at = moduleBase(at.mod, at.cls.node, collect);
  }
  return undefined;
}
