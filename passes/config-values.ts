/**
 * config-values: an instance of a plain (non-module) class of this file whose `__init__` c2m can follow, for the
 * module tree's interpreter: what its attributes hold, as a dict of attribute name → value (as dataclass-values.ts
 * gives a dataclass's fields). torchvision's EfficientNet builds its blocks from config objects,
 * `block_cnf.block(block_cnf, sd_prob, norm_layer)`, where MBConvConfig's __init__ picks the block class
 * (`if block is None: block = MBConv`) and hands it to its dataclass base's fields by `super().__init__(…, block)`;
 * the configs are made by a module-level function, directly or through `partial(MBConvConfig, width_mult=…)`.
 *
 * Reads: the class's __init__ (and its bases' in this file: an __init__, or a dataclass's fields), the call's
 * arguments. Writes: nothing; attributes not stored on self, or set from what c2m cannot follow, are unknown.
 */
import { namedChildren, type SyntaxNode, type CallArgs } from "../grammar/python.js";
import type { ClassIR, ModVal, ModuleIR } from "../ir/module.js";
import type { Env } from "./module-values.js";
import { argumentValues, paramNames } from "./module-values.js";
import { dataclassFields } from "./dataclass-values.js";
import { withBound } from "./partial-values.js";
import type { InitInterpreter } from "./module-tree.js";

/** How deep config classes' __init__s nest (a config built inside another's __init__). */
const MAX_CONFIG_DEPTH = 3;

/**
 * A plain class of this file whose instances c2m can follow: no module, no torch layer under another name, every base
 * a plain class of this file (or none); it or a base defines __init__.
 */
export function isConfigClass(mod: ModuleIR, name: string): boolean {
  let init = false;
  for (let at = mod.otherClasses.get(name), cur = name, i = 0; at; i++) {
    if (i >= 8 || mod.layerClasses?.has(cur)) return false;
    init ||= methodsOf(at).has("__init__");
    const bases = at.childForFieldName("superclasses");
    const named = bases ? namedChildren(bases).filter((b) => b.text !== "object") : [];
    if (!named.length) break;
    if (named.length > 1 || named[0].type !== "identifier" || !mod.otherClasses.has(named[0].text)) return false;
    cur = named[0].text;
    at = mod.otherClasses.get(cur);
  }
  return init;
}

function methodsOf(def: SyntaxNode): Map<string, SyntaxNode> {
  const methods = new Map<string, SyntaxNode>();
  for (const m of namedChildren(def.childForFieldName("body")!)) {
    const fn = m.type === "decorated_definition" ? m.childForFieldName("definition")! : m;
    if (fn.type === "function_definition") methods.set(fn.childForFieldName("name")!.text, fn);
  }
  return methods;
}

function firstBase(def: SyntaxNode): string | undefined {
  const b = def.childForFieldName("superclasses");
  const first = b ? namedChildren(b)[0] : undefined;
  return first?.type === "identifier" ? first.text : undefined;
}

/** Runs a config class's __init__ into a scratch class's attributes; `super().__init__(…)` reaches a base of this file. */
function configInterpreter(Base: typeof InitInterpreter) {
  return class ConfigInterpreter extends Base {
    constructor(
      mod: ModuleIR,
      cls: ClassIR,
      readonly level: number,
      depth: number,
    ) {
      super(mod, cls, new Map(), new Map(), undefined, cls.node, mod, depth);
    }

    override superInit(args: CallArgs, env: Env, skipSelf: boolean): void {
      const base = firstBase(this.definer);
      const def = base ? this.mod.otherClasses.get(base) : undefined;
      if (!def || !base) return;
      const positional = skipSelf ? { ...args, positional: args.positional.slice(1) } : args;
      const init = methodsOf(def).get("__init__");
      if (init) {
        if (this.level >= MAX_CONFIG_DEPTH) return;
        const sub = new ConfigInterpreter(this.mod, { ...this.cls, node: def, methods: new Map([...methodsOf(def), ...this.cls.methods]) }, this.level + 1, this.depth);
        sub.runWith(
          init,
          argumentValues(paramNames(init).slice(1), positional, (n) => this.expr(n, env)),
        );
        return;
      }
      // a dataclass base: its generated __init__ stores each field
      const fields = dataclassFields(this.mod, base);
      if (!fields) return;
      const given = argumentValues(
        fields.map((f) => f.name),
        positional,
        (n) => this.expr(n, env),
      );
      for (const f of fields) this.storeAttr(f.name, given.get(f.name) ?? (f.value ? this.expr(f.value, new Map()) : { k: "unknown" }));
    }

    runWith(init: SyntaxNode, given: Map<string, ModVal>): void {
      const env: Env = new Map();
      this.bindParams(init, env, given);
      this.block(init.childForFieldName("body")!, env);
    }
  };
}

type ConfigInterpreterClass = ReturnType<typeof configInterpreter>;
/** Made once, from the interpreter's class (module-tree.ts imports this file: its class is not there when this file loads). */
let ConfigInterpreterOnce: ConfigInterpreterClass | undefined;

/** `Cfg(…)` of a config class of this file (isConfigClass): its attributes, as a dict; undefined for any other class. */
export function configInstance(it: InitInterpreter, name: string, args: CallArgs, env: Env, bound?: Map<string, ModVal>): ModVal | undefined {
  const def = it.mod.otherClasses.get(name);
  if (!def || !isConfigClass(it.mod, name) || !it.canNest) return undefined;
  const cls: ClassIR = { name, node: def, base: firstBase(def) ?? "", methods: methodsOf(def), attrs: new Map(), privateBuffers: new Set(), uses: new Set() };
  ConfigInterpreterOnce ??= configInterpreter(Object.getPrototypeOf(it).constructor as typeof InitInterpreter);
  const interp = new ConfigInterpreterOnce(it.mod, cls, 0, it.depth + 1);
  const init = cls.methods.get("__init__");
  if (init)
    interp.runWith(
      init,
      withBound(
        argumentValues(paramNames(init).slice(1), args, (n) => it.expr(n, env)),
        bound,
      ),
    );
  else interp.superInit(args, env, false);
  return { k: "dict", entries: new Map(cls.attrs) };
}
