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

/**
 * Whether `Cls.name(...)` builds an instance of Cls: `name` is a classmethod of the class or a base whose every
 * return is `cls(...)` or a name assigned `cls(...)` in it (transformers' `CLIPVisionModel._from_config(config)`,
 * whose `model = cls(config, **kwargs)` ... `return model` sits in PreTrainedModel).
 */
export function classFactory(mod: ModuleIR, ref: { name: string; ext?: ForeignClass }, name: string, collect: (m: ModuleIR) => void): boolean {
  const own = mod.classes.get(ref.name);
  let at: ForeignClass | undefined = ref.ext ?? (own && { mod, cls: own });
  for (let i = 0; at && i < 8; i++) {
    const method = at.cls.methods.get(name);
    if (method) return isClassFactory(method);
    at = moduleBase(at.mod, at.cls.node, collect);
  }
  return false;
}

function isClassFactory(fn: SyntaxNode): boolean {
  const decorated = fn.parent?.type === "decorated_definition" ? fn.parent : undefined;
  const decorators = decorated ? decorated.namedNonComment.filter((d) => d.type === "decorator").map((d) => d.text) : [];
  if (!decorators.includes("@classmethod")) return false;
  const first = fn.childForFieldName("parameters")?.namedNonComment[0];
  if (first?.type !== "identifier") return false;
  const buildsCls = (e: SyntaxNode | null | undefined): boolean => e?.type === "call" && e.childForFieldName("function")?.text === first.text;
  const own = (n: SyntaxNode): boolean => {
    for (let p = n.parent; p && p !== fn; p = p.parent) if (p.type === "function_definition" || p.type === "lambda") return false;
    return true;
  };
  const built = new Set(
    fn
      .descendantsOfType("assignment")
      .filter((a) => own(a) && a.childForFieldName("left")?.type === "identifier" && buildsCls(a.childForFieldName("right")))
      .map((a) => a.childForFieldName("left")!.text),
  );
  const returns = fn.descendantsOfType("return_statement").filter(own);
  return (
    returns.length > 0 &&
    returns.every((r) => {
      const value = r.namedNonComment[0];
      return buildsCls(value) || (value?.type === "identifier" && built.has(value.text));
    })
  );
}
