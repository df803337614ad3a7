/**
 * A module class that derives from torch's nn.Module and from classes written in Python (transformers'
 * `PreTrainedModel(nn.Module, EmbeddingAccessMixin, ..., DistributedMixin)`, diffusers' `ModelMixin(torch.nn.Module,
 * PushToHubMixin)`): the mixins are written for torch's Module, which keeps plain data as ordinary attributes and
 * hashes by identity, where MLX's Module is a dict. The class gets `C2MModuleMixin` first among its bases
 * (cookbook/helpers/C2MModuleMixin.py), which gives it torch's behaviour for those two. A class deriving from
 * nn.Module alone gets it where one of its methods ties a child's parameter to another's
 * (`self.head.weight = self.embed.weight`): the mixin keeps tied parameters one array, as torch does; other
 * classes on nn.Module alone are left as they are.
 */
import type MagicString from "magic-string";
import { dottedName, namedChildren, type SyntaxNode } from "../grammar/python.js";
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
    if (!module || !(python || tiesParameters(cls.node))) continue;
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

/** Whether the class assigns a child's attribute from another child's (`self.head.weight = self.embed.weight`). */
function tiesParameters(cls: SyntaxNode): boolean {
  return cls.descendantsOfType("assignment").some((a) => {
    const target = dottedName(a.childForFieldName("left"))?.split(".");
    const value = dottedName(a.childForFieldName("right"))?.split(".");
    return !!target && !!value && target[0] === "self" && value[0] === "self" && target.length >= 3 && value.length >= 3;
  });
}
