/**
 * torch's nn.Sequential is a sequence of its submodules: `for layer in self.layers`, `len(self.layers)`,
 * `self.layers[0]`, `list(self.layers)` (transformers' ResNetStage iterates its Sequential). MLX's nn.Sequential is
 * a Module, a dict: iterating it gives its keys ("layers"), indexing it looks a key up. It keeps the submodules in
 * its `layers` list, and c2m's NamedSequential (an OrderedDict given to nn.Sequential) gives them by c2m_items().
 * Where the checker knows a value is a Sequential, those reads go through that list.
 */
import type { ClassIR, ModVal } from "../ir/module.js";
import { SEQUENTIAL_ITEMS } from "./module-values.js";
import { paren } from "./template-render.js";

/** Builtins that read their argument as a sequence; a Sequential given to one is given as its list of submodules. */
export const SEQUENCE_BUILTINS: ReadonlySet<string> = new Set(["len", "list", "tuple", "enumerate", "zip", "reversed", "iter", "sorted"]);

type Sequential = ModVal & { k: "seq" };

export const isSequential = (m: ModVal): m is Sequential => m.k === "seq";

/** The list of a Sequential's submodules, in order. */
export function sequentialItems(text: string, m: Sequential): string {
  return m.named || m.names ? `${paren(text)}.c2m_items()` : `${paren(text)}.layers`;
}

/** `seq[i]` as the submodule; `seq[i:j]` as a Sequential of those submodules, as torch's slice gives. */
export function sequentialIndex(text: string, m: Sequential, index: string, slice: boolean): string {
  const item = `${sequentialItems(text, m)}[${index}]`;
  return slice ? `nn.Sequential(*${item})` : item;
}

/**
 * In a subclass of nn.Sequential, `self` is a Sequential too (`for module in self:`, timm's SequentialList): its items
 * as the module tree saw them; undefined for any other class.
 */
export function selfSequential(cls: ClassIR | undefined): Sequential | undefined {
  const items = cls?.attrs.get(SEQUENTIAL_ITEMS);
  return items && isSequential(items) ? items : undefined;
}
