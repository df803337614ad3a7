/**
 * user-class-arguments: a model the user builds may be given, for a class parameter whose default is a class, another
 * class of the model's file (PoolFormer's `norm_layer=GroupNorm`, built with `norm_layer=LayerNormChannel`; a file's own
 * norm where the default is `nn.BatchNorm2d`). The translation is specialised for the classes the module tree saw the
 * parameter hold (the default, and what the file's own constructions pass): their layouts, their weight maps. Another
 * class of the file given there would run on input in a layout it was not translated for (a norm that reads the
 * channels at axis 1, given channels-last input) and load its weights by rules made for another class: wrong numbers,
 * no error.
 *
 * So each such parameter of a root class (one no class body of the file names: a user builds it) whose value holds no
 * class known only at run time (those go through the run-time layout dispatch and weight resolver already) gets a
 * guard: the port refuses, at construction, the classes of the file it was not translated for (C2M-W058 here, and
 * `c2m_refuse_classes` in the emitted __init__). The default's translation keeps all its precision; classes from
 * outside the file (the user's own MLX modules) pass, as their layouts are the user's to choose. A model function of
 * the file that passes the class makes it one the translation is made for.
 *
 * Reads: the parameter values a root class's __init__ was interpreted with (module-tree.ts, last round). Writes: the
 * guards, per class (CLASS_ARGUMENT_GUARDS), read by the walk of __init__ (walk/statements.ts).
 */
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import type { ClassIR, ModVal, ModuleIR } from "../ir/module.js";
import { paramName } from "./module-values.js";
import { holdsRuntimeClass } from "./module-values.js";
import { qualify } from "./resolve-imports.js";
import { LAYER_BY_NAME } from "./tables/index.js";

/** A class parameter the port checks at construction: the classes of the file it refuses there. */
export interface ClassArgumentGuard {
  param: string;
  /** the classes of the file the translation was made for, in the order first seen */
  translated: string[];
  /** the other classes of the file, which the emitted __init__ refuses */
  refused: string[];
  /** what C2M-W058 says, marked on the emitted line that refuses */
  message: string;
}

/** Per root class of a compiled file: its guarded parameters, in signature order. */
export const CLASS_ARGUMENT_GUARDS = new WeakMap<ClassIR, ClassArgumentGuard[]>();

/** Per class: the values its own __init__'s parameters were bound to, in the round that reports (module-tree.ts). */
const boundParams = new WeakMap<ClassIR, Map<string, ModVal>>();

export function noteBoundParams(cls: ClassIR, env: Map<string, ModVal>): void {
  boundParams.set(cls, new Map(env));
}

/** Per file: the names its class bodies mention, each class's own name left out (isRootClass asks once per class and round). */
const namedInOtherClasses = new WeakMap<ModuleIR, Set<string>>();

/** Whether no class body of the file names the class: only module-level code (or a user) builds it. */
export function isRootClass(mod: ModuleIR, className: string): boolean {
  let named = namedInOtherClasses.get(mod);
  if (!named) {
    named = new Set();
    for (const c of mod.classes.values()) for (const id of c.node.descendantsOfType("identifier")) if (id.text !== c.name) named.add(id.text);
    namedInOtherClasses.set(mod, named);
  }
  return !named.has(className);
}

/** Decides the guards of the file's root classes and reports each (C2M-W058). */
export function noteClassArgumentGuards(mod: ModuleIR, diags: DiagnosticBag): void {
  // an installed library's file (translated into _c2m_lib) is built by the program, whose constructions the library's
  // translation follows per site: its classes are left as they were
  const library = mod.semantic?.file.origin === "library";
  for (const cls of mod.classes.values()) {
    CLASS_ARGUMENT_GUARDS.delete(cls);
    if (library) continue;
    const bound = boundParams.get(cls);
    const init = cls.methods.get("__init__");
    if (!bound || !init || !isRootClass(mod, cls.name)) continue;
    const params = namedChildren(init.childForFieldName("parameters")!);
    const paramNames = new Set(params.map((p) => paramName(p)).filter((n): n is string => !!n));
    const guards: ClassArgumentGuard[] = [];
    for (const p of params) {
      const name = paramName(p);
      const dflt = p.type === "default_parameter" || p.type === "typed_default_parameter" ? p.childForFieldName("value") : null;
      const value = name ? bound.get(name) : undefined;
      if (!name || !dflt || !value || !defaultsToClass(mod, dflt) || holdsRuntimeClass(value)) continue;
      const translated = classesHeld(mod, value);
      // a name a parameter shadows in __init__ cannot be read there; the class itself is no part of itself
      const refused = [...mod.classes.keys(), ...(mod.layerClasses?.keys() ?? [])].filter((c) => !translated.includes(c) && c !== cls.name && !paramNames.has(c));
      if (!translated.length || !refused.length) continue;
      const message = `${cls.name}'s ${name} is translated for ${listed(translated)}; the port refuses another class of this file there when built (${listed(refused)})`;
      guards.push({ param: name, translated, refused, message });
      diags.report("C2M-W058", dflt.startPosition, message);
    }
    if (guards.length) CLASS_ARGUMENT_GUARDS.set(cls, guards);
  }
}

/**
 * Whether a default is a module class: one of the file (a torch layer's subclass too: PoolFormer's GroupNorm), a torch
 * layer (`norm_layer=nn.BatchNorm2d`: the file's own norm passed there is as wrong), or a functools.partial of one.
 */
function defaultsToClass(mod: ModuleIR, dflt: SyntaxNode): boolean {
  if (dflt.type === "identifier" && (mod.classes.has(dflt.text) || mod.layerClasses?.has(dflt.text))) return true;
  if (dflt.type === "identifier" || dflt.type === "attribute") return LAYER_BY_NAME.has(qualify(dflt, mod.aliases) ?? "");
  if (dflt.type !== "call" || qualify(dflt.childForFieldName("function")!, mod.aliases) !== "functools.partial") return false;
  const first = callArgs(dflt).positional[0];
  return !!first && first.type !== "call" && defaultsToClass(mod, first);
}

/**
 * The classes a value may hold: itself, one of several, an item of a list or tuple of them; a class of the file by its
 * name, a torch layer by torch's (`nn.BatchNorm2d`).
 */
function classesHeld(mod: ModuleIR, v: ModVal, out: string[] = []): string[] {
  const add = (name: string) => out.includes(name) || out.push(name);
  if (v.k === "classref" && (!v.ext || v.ext.mod === mod) && mod.classes.has(v.name)) add(v.name);
  if (v.k === "layerref") {
    // a subclass of a torch layer that keeps its forward is that layer's row (init-expressions.ts): the row says which
    const own = [...(mod.layerClasses ?? [])].find(([, row]) => row === v.row)?.[0];
    add(own ?? v.row.torch.replace(/^torch\.nn\./, "nn."));
  }
  if (v.k === "union") for (const o of v.options) classesHeld(mod, o, out);
  if (v.k === "list" || v.k === "seq") for (const item of [...(v.items ?? []), ...(v.elem ? [v.elem] : [])]) classesHeld(mod, item, out);
  return out;
}

/** A few names for a message, the rest counted. */
function listed(names: string[]): string {
  return names.length <= 4 ? names.join(", ") : `${names.slice(0, 4).join(", ")} and ${names.length - 4} more`;
}
