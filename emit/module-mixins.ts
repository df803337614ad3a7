/**
 * A module class that derives from torch's nn.Module and from classes written in Python (transformers'
 * `PreTrainedModel(nn.Module, EmbeddingAccessMixin, ..., DistributedMixin)`, diffusers' `ModelMixin(torch.nn.Module,
 * PushToHubMixin)`): the mixins are written for torch's Module, which keeps plain data as ordinary attributes and
 * hashes by identity, where MLX's Module is a dict. The class gets `C2MModuleMixin` first among its bases
 * (cookbook/helpers/C2MModuleMixin.py), which gives it torch's behaviour for those two. A class deriving from
 * nn.Module alone is left as it is.
 */
import type MagicString from "magic-string";
import { dottedName, namedChildren } from "../grammar/python.js";
import type { ModuleIR } from "../ir/module.js";
import { isTorchName } from "./forward-name.js";

export const MODULE_MIXIN_HELPER = "C2MModuleMixin";

/** Puts the mixin before nn.Module in each such class's bases; returns whether any class got it. */
export function mixTorchModuleSemantics(s: MagicString, mod: ModuleIR): boolean {
  let any = false;
  for (const cls of mod.classes.values()) {
    const bases = cls.node.childForFieldName("superclasses");
    if (!bases) continue;
    const named = namedChildren(bases).filter((b) => b.type !== "keyword_argument" && b.type !== "comment");
    const names = named.map((b) => dottedName(b));
    const module = named.find((_, i) => names[i] && qualifiedModule(names[i]!, mod.aliases));
    const python = names.some((n) => !n || !isTorchName(n, mod.aliases));
    if (!module || !python) continue;
    s.appendLeft(module.startIndex, `${MODULE_MIXIN_HELPER}, `);
    any = true;
  }
  return any;
}

function qualifiedModule(name: string, aliases: Map<string, string>): boolean {
  const dot = name.indexOf(".");
  const target = aliases.get(dot < 0 ? name : name.slice(0, dot));
  const q = target && (dot < 0 ? target : target + name.slice(dot));
  return q === "torch.nn.Module" || q === "torch.nn.modules.module.Module";
}
