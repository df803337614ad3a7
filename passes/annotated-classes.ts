/**
 * annotated-classes: a parameter annotated with a module class (`def _make(backbone: MobileNetV3)`) holds an
 * instance of it: its attributes are what that class's __init__ built (`backbone.features` is a Sequential), in
 * this file or in another file of the program (through the binder, as the module tree follows imported classes).
 * A quoted annotation (`"MobileNetV3"`) counts. Anything else (a torch class, a library class c2m does not read,
 * a Union, `type[X]`: a class, not an instance) gives nothing: the parameter's value stays unknown.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ModVal, ModuleIR } from "../ir/module.js";
import { stringValue } from "./module-values.js";
import { foreignValue } from "./package-classes.js";

/**
 * The module instance a parameter's annotation names, or undefined. `collect` builds another file's module tree;
 * `home` is the file being compiled (a class of `mod` carries its file when `mod` is another one).
 */
export function annotatedModule(p: SyntaxNode, mod: ModuleIR, collect: (m: ModuleIR) => void, home: ModuleIR = mod): ModVal | undefined {
  const ann = p.childForFieldName("type");
  const name = ann?.type === "type" ? namedChildren(ann)[0] : ann;
  if (!name) return undefined;
  const local = name.type === "string" ? stringValue(name) : name.type === "identifier" ? name.text : undefined;
  const cls = local === undefined ? undefined : mod.classes.get(local);
  if (cls) return mod === home ? { k: "class", name: cls.name } : { k: "class", name: cls.name, ext: { mod, cls } };
  const foreign = foreignValue(mod, name, collect);
  return foreign?.k === "classref" && foreign.ext && !foreign.bound ? { k: "class", name: foreign.name, ext: foreign.ext } : undefined;
}
