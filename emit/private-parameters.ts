/**
 * torch keeps a submodule, parameter or persistent buffer under a name starting with `_` in its state dict
 * (EfficientNet-PyTorch's `self._blocks`, `self._conv_stem`, `self._bn0`); MLX's Module leaves every `_` name out of
 * its parameters, so such a model would hold none of those weights. A class whose module tree stores weights under
 * a `_` name gets the `c2m_private_parameters(...)` decorator naming them (cookbook/helpers/c2m_private_parameters.py):
 * its parameter filters take those names, and only those (a private plain value, `self._block_args`, stays private;
 * c2m's own `_name` for a non-persistent buffer too). MLX applies the filter of the module it is asked on to the whole
 * tree, so a class holding such a class (as far as the module tree sees) is decorated too, naming nothing of its own.
 * Reads the module tree (`ClassIR.attrs`); writes one line above each such class.
 */
import type MagicString from "magic-string";
import type { ClassIR, ModuleIR, ModVal } from "../ir/module.js";

export const PRIVATE_PARAMETERS_HELPER = "c2m_private_parameters";

/** Decorates each class of `mod` that holds weights under `_` names, or holds such a class; returns whether any was. */
export function declarePrivateParameters(s: MagicString, mod: ModuleIR): boolean {
  let any = false;
  const memo = new Map<ClassIR, boolean>();
  for (const cls of mod.classes.values()) {
    if (cls.node.type !== "class_definition" || !holdsPrivateWeights(mod, cls, memo)) continue;
    const names = privateWeightNames(cls).map((n) => JSON.stringify(n));
    const outer = cls.node.parent?.type === "decorated_definition" ? cls.node.parent : cls.node;
    s.appendLeft(outer.startIndex, `@${PRIVATE_PARAMETERS_HELPER}(${names.join(", ")})\n${" ".repeat(outer.startPosition.column)}`);
    any = true;
  }
  return any;
}

/** The attributes `cls` itself stores weights under whose names start with `_`, sorted. */
export function privateWeightNames(cls: ClassIR): string[] {
  return [...cls.attrs]
    .filter(([name, v]) => name.startsWith("_") && !name.startsWith("__") && holdsWeights(v))
    .map(([name]) => name)
    .sort();
}

/** Whether an instance of `cls` holds weights under a `_` name somewhere in its tree (cycles count as no). */
function holdsPrivateWeights(mod: ModuleIR, cls: ClassIR, memo: Map<ClassIR, boolean>): boolean {
  const known = memo.get(cls);
  if (known !== undefined) return known;
  memo.set(cls, false);
  const found = privateWeightNames(cls).length > 0 || [...cls.attrs.values()].some((v) => classesIn(mod, v).some(([m, c]) => holdsPrivateWeights(m, c, memo)));
  memo.set(cls, found);
  return found;
}

/** What a stored value holds that torch's state dict lists (modules, parameters, persistent buffers). */
function holdsWeights(v: ModVal): boolean {
  switch (v.k) {
    case "layer":
    case "class":
    case "anyclass":
    case "param":
      return true;
    case "buffer":
      return v.persistent;
    case "seq":
    case "list":
      return v.atRunTime || (v.items ?? []).some(holdsWeights) || (!!v.elem && holdsWeights(v.elem)) || (!v.items && !v.elem);
    case "dict":
      return (v.entries ? [...v.entries.values()] : []).some(holdsWeights) || (!!v.elem && holdsWeights(v.elem)) || (!v.entries && !v.elem);
    case "union":
      return v.options.some(holdsWeights);
    default:
      return false;
  }
}

/** The module classes (with their files) a stored value holds instances of. */
function classesIn(mod: ModuleIR, v: ModVal): [ModuleIR, ClassIR][] {
  switch (v.k) {
    case "class": {
      const cls = v.ext?.cls ?? mod.classes.get(v.name);
      return cls ? [[v.ext?.mod ?? mod, cls]] : [];
    }
    case "seq":
    case "list":
      return [...(v.items ?? []), ...(v.elem ? [v.elem] : [])].flatMap((item) => classesIn(mod, item));
    case "dict":
      return [...(v.entries?.values() ?? []), ...(v.elem ? [v.elem] : [])].flatMap((item) => classesIn(mod, item));
    case "union":
      return v.options.flatMap((o) => classesIn(mod, o));
    default:
      return [];
  }
}
