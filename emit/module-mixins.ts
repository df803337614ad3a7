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
import type { ModuleIR, ModVal } from "../ir/module.js";
import { isTorchName } from "./forward-name.js";

export const MODULE_MIXIN_HELPER = "C2MModuleMixin";

/** Puts the mixin before nn.Module in each such class's bases; returns whether any class got it. */
export function mixTorchModuleSemantics(s: MagicString, mod: ModuleIR): boolean {
  let any = false;
  const sharing = sharingClasses(mod);
  for (const cls of mod.classes.values()) {
    const bases = cls.node.childForFieldName("superclasses");
    if (!bases) continue;
    const named = namedChildren(bases).filter((b) => b.type !== "keyword_argument" && b.type !== "comment");
    const names = named.map((b) => dottedName(b));
    const module = named.find((_, i) => names[i] && qualifiedModule(names[i]!, mod.aliases));
    const python = names.some((n) => !n || !isTorchName(n, mod.aliases));
    if (!module || !(python || tiesParameters(cls.node) || sharing.has(cls.name))) continue;
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

/**
 * One module instance placed at several positions of a container (Hyena's `act = Sin(…)` given to nn.Sequential and
 * appended again in a loop): torch's parameters() lists its parameters once, MLX's tree at every position. The class
 * doing so, and every class of the file holding it (the model's root counts parameters), get the mixin, which lists a
 * shared array once and keeps its positions one array when weights load.
 */
function sharingClasses(mod: ModuleIR): Set<string> {
  const found = new Set([...mod.classes.values()].filter((c) => placesInstanceTwice(c.node)).map((c) => c.name));
  if (!found.size) return found;
  const holds = (v: ModVal): boolean => {
    switch (v.k) {
      case "class":
        return !v.ext && found.has(v.name);
      case "seq":
      case "list":
        return (v.items ?? []).some(holds) || (!!v.elem && holds(v.elem));
      case "dict":
        return [...(v.entries?.values() ?? [])].some(holds) || (!!v.elem && holds(v.elem));
      case "union":
        return v.options.some(holds);
      default:
        return false;
    }
  };
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of mod.classes.values()) {
      // a holder, or the in-file base of one (the mixin goes where nn.Module is named: Hyena's OptimModule)
      const base = mod.classes.get(c.base);
      if (!found.has(c.name) && [...c.attrs.values()].some(holds)) found.add(c.name);
      else if (found.has(c.name) && base && !found.has(base.name)) found.add(base.name);
      else continue;
      grew = true;
    }
  }
  return found;
}

/** Whether a local bound to a construction is given to containers more than once, or once inside a loop. */
function placesInstanceTwice(cls: SyntaxNode): boolean {
  const built = new Map(
    cls
      .descendantsOfType("assignment")
      .filter((a) => a.childForFieldName("left")?.type === "identifier" && a.childForFieldName("right")?.type === "call")
      .map((a) => [a.childForFieldName("left")!.text, a] as const),
  );
  const within = (n: SyntaxNode, outer: SyntaxNode) => n.startIndex >= outer.startIndex && n.endIndex <= outer.endIndex;
  const placed = new Map<string, number>();
  for (const call of cls.descendantsOfType("call")) {
    const callee = dottedName(call.childForFieldName("function")) ?? "";
    if (!/(^|\.)(Sequential|ModuleList|append|add_module)$/.test(callee)) continue;
    for (const a of namedChildren(call.childForFieldName("arguments")!)) {
      if (a.type !== "identifier" || !built.has(a.text)) continue;
      // appended in a loop that does not also build it (`layer = Stage(…)` then `append(layer)` each turn is one each)
      let inLoop = false;
      for (let p = call.parent; p && p !== cls; p = p.parent) if ((p.type === "for_statement" || p.type === "while_statement") && !within(built.get(a.text)!, p)) inLoop = true;
      placed.set(a.text, (placed.get(a.text) ?? 0) + (inLoop ? 2 : 1));
    }
  }
  return [...placed.values()].some((n) => n >= 2);
}
