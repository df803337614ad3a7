/**
 * module-tree: find the nn.Module classes of a file and, by abstract interpretation of `__init__` (and the
 * methods and module-level functions it calls), what each `self.<attr>` holds: a table layer, an in-file
 * module class, a container of those, a parameter or buffer. Nothing is executed.
 */
import { callArgs, dottedName, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ClassIR, ForeignClass, ModVal, ModuleIR } from "../ir/module.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import { addModuleCall, registerBufferCall, setattrCall, storeAttribute, UNNAMED_ATTR, type AttrStore } from "./module-attrs.js";
import { effectiveInit, moduleBase } from "./module-inherit.js";
import { dictValue, isDictConstructor, noteSequential, withItem, withNamedItem } from "./named-sequential.js";
import { classifyClasses, foreignFunction, foreignValue } from "./package-classes.js";
import {
  appendAll,
  argumentValues,
  concatenated,
  forwardedKeywords,
  bindTarget,
  callsByCallee,
  elementOf,
  enumerateValues,
  identifiers,
  MAX_UNROLL,
  mergeBranches,
  moduleDictValue,
  paramName,
  paramNames,
  push,
  rangeValues,
  sequentialValue,
  union,
  usesTorch,
  zipValues,
  type Env,
} from "./module-values.js";
import { annotatedClassValue, classesKey, holdsClasses, itemAt } from "./module-values.js";
import { dataclassInstance, fieldOf } from "./dataclass-values.js";
import { moduleGlobal } from "./module-globals.js";
import { withBound, withBoundKeywords } from "./partial-values.js";
import { addToSequential, extraPositional, sequentialFrom, sliceOf, unpacked, varargsName, withListItem } from "./local-containers.js";
import { qualify } from "./resolve-imports.js";
import { CONTAINERS, LAYER_BY_NAME, OP_BY_NAME } from "./tables/index.js";

export { elementOf, identifiers, paramName, paramNames, stringValue, union } from "./module-values.js";

const MAX_DEPTH = 6;

/** Builtins whose results the interpreter follows item by item (for loops that name attributes). */
const ITERATORS = new Set(["range", "zip", "enumerate"]);

/** The attribute under which a subclass of nn.Sequential keeps the modules it passed to super().__init__. */
export const SEQUENTIAL_ITEMS = "__sequential__";

/**
 * The nn.Module classes of a file: with a program (mod.semantic), any class whose bases lead to a torch
 * module class through this file, sibling files or libraries; without one, bases in this file only.
 */
export function collectClasses(mod: ModuleIR, diags?: DiagnosticBag): void {
  const defs = namedChildren(mod.root)
    .map((n) => (n.type === "decorated_definition" ? n.childForFieldName("definition")! : n))
    .filter((n) => n.type === "class_definition" || n.type === "function_definition");
  // a library file is interpreted only as far as the classes asked for reach (mod.onlyClasses)
  const verdicts = classifyClasses(
    mod,
    defs.filter((d) => d.type === "class_definition" && (!mod.onlyClasses || mod.onlyClasses.has(d.childForFieldName("name")!.text))),
    diags,
  );
  const moduleClasses = verdicts.modules;
  if (verdicts.layers.size) mod.layerClasses = verdicts.layers;
  for (const d of defs) {
    const name = d.childForFieldName("name")!.text;
    if (d.type === "function_definition") {
      mod.functions.set(name, d);
      continue;
    }
    if (!moduleClasses.has(name)) {
      mod.otherClasses.set(name, d);
      continue;
    }
    const methods = new Map<string, SyntaxNode>();
    for (const m of namedChildren(d.childForFieldName("body")!)) {
      const fn = m.type === "decorated_definition" ? m.childForFieldName("definition")! : m;
      if (fn.type === "function_definition") methods.set(fn.childForFieldName("name")!.text, fn);
    }
    const bases = d.childForFieldName("superclasses");
    mod.classes.set(name, {
      name,
      node: d,
      base: bases ? (namedChildren(bases)[0]?.text ?? "") : "",
      methods,
      attrs: new Map(),
      privateBuffers: new Set(),
      uses: new Set(),
      ...(verdicts.layerBases.has(name) ? { layerBase: verdicts.layerBases.get(name) } : {}),
    });
  }
  // Arguments a class receives at its construction sites decide what its attributes hold (torchvision
  // passes `downsample` into BasicBlock); callers are interpreted first, so iterate a few rounds.
  let sites: CallSites = new Map();
  for (let round = 0; round < 3; round++) {
    const next: CallSites = new Map();
    for (const cls of mod.classes.values()) {
      cls.attrs.clear();
      cls.uses.clear();
      cls.privateBuffers.clear();
      new InitInterpreter(mod, cls, sites, next, diags).run();
    }
    sites = next;
  }
}

/** How another file's classes are collected when this file's module tree refers to them (no diagnostics: they belong to that file). */
const collectForeign = (m: ModuleIR) => collectClasses(m);

/** Another file's class as built at one call with classes as arguments (see InitInterpreter.specialize). */
const specialized = new WeakMap<SyntaxNode, Map<string, ForeignClass>>();

/** class name → __init__ parameter → values passed for it at construction sites seen so far */
type CallSites = Map<string, Map<string, ModVal[]>>;

class InitInterpreter {
  /** locals that a loop appends to: their length is unknown */
  private inLoop = 0;

  /**
   * Interprets `cls`'s __init__, or, for a base's __init__ run by `super().__init__(…)`, the base's (`mod` is
   * then the base's file and `definer` the base class: what `super()` means there), storing into `cls`.
   */
  constructor(
    private mod: ModuleIR,
    private cls: ClassIR,
    private sites: CallSites,
    private record: CallSites,
    private diags?: DiagnosticBag,
    private definer: SyntaxNode = cls.node,
    private home: ModuleIR = mod,
    private depth = 0,
  ) {}

  /** Interprets the class's __init__; `given` are argument values a caller passes (they win over call sites). */
  run(passed: Map<string, ModVal> = new Map()): void {
    const own = effectiveInit(this.mod, this.cls, collectForeign);
    if (!own) return;
    const given = new Map([...this.paramValuesFromCallSites(this.cls.name, own.init), ...passed]);
    if (own.cls === this.cls) {
      const env: Env = new Map();
      this.bindParams(own.init, env, given);
      this.block(own.init.childForFieldName("body")!, env);
    } else this.runBaseInit(own, given);
  }

  /** Runs a base class's __init__ (`super().__init__(…)`, or an inherited __init__) into this class's attributes. */
  private runBaseInit(base: ForeignClass & { init: SyntaxNode }, given: Map<string, ModVal>): void {
    if (this.depth >= MAX_DEPTH) return;
    // `self.method(…)` in the base's __init__ finds this class's override first, as Python does
    const view: ClassIR = { ...this.cls, methods: new Map([...base.cls.methods, ...this.cls.methods]) };
    const diags = base.mod === this.home ? this.diags : undefined;
    const sub = new InitInterpreter(base.mod, view, this.sites, this.record, diags, base.cls.node, this.home, this.depth + 1);
    const env: Env = new Map();
    sub.bindParams(base.init, env, given);
    sub.block(base.init.childForFieldName("body")!, env);
  }

  /**
   * Another file's class built here with classes or layers as arguments (`ResNet(Block, [2, 2])`): its
   * __init__ runs again with them, into a copy of the class, once per call.
   */
  private specialize(ext: ForeignClass, call: SyntaxNode, args: ReturnType<typeof callArgs>, env: Env, bound?: Map<string, ModVal>): ForeignClass {
    const init = effectiveInit(ext.mod, ext.cls, collectForeign)?.init;
    if (!init || this.depth >= MAX_DEPTH) return ext;
    const given = withBound(
      argumentValues(paramNames(init).slice(1), args, (n) => this.expr(n, env)),
      bound,
    );
    if (![...given.values()].some(holdsClasses)) return ext;
    // per call site and what the caller knew there (a block's norm_layer before and after the block's own site is seen)
    const key = [...given].map(([k, v]) => `${k}=${classesKey(v)}`).join(",");
    const atCall = specialized.get(call) ?? specialized.set(call, new Map()).get(call)!;
    if (atCall.has(key)) return atCall.get(key)!;
    const cls: ClassIR = { ...ext.cls, attrs: new Map(), privateBuffers: new Set(), uses: new Set() };
    new InitInterpreter(ext.mod, cls, new Map(), new Map(), undefined, cls.node, ext.mod, this.depth + 1).run(given);
    atCall.set(key, { mod: ext.mod, cls });
    return atCall.get(key)!;
  }

  /** `super().__init__(args)`: the base's __init__ with those arguments. */
  private superInit(args: ReturnType<typeof callArgs>, env: Env, skipSelf: boolean): void {
    const base = moduleBase(this.mod, this.definer, collectForeign);
    const init = base && effectiveInit(base.mod, base.cls, collectForeign);
    if (!init) return;
    const positional = skipSelf ? { ...args, positional: args.positional.slice(1) } : args;
    this.runBaseInit(
      init,
      argumentValues(paramNames(init.init).slice(1), positional, (n) => this.expr(n, env)),
    );
  }

  /** For a class's __init__ parameters without defaults: the union of what the file passes at its call sites. */
  private paramValuesFromCallSites(className: string, init: SyntaxNode | undefined): Map<string, ModVal> {
    const out = new Map<string, ModVal>();
    if (!init || this.mod !== this.home) return out;
    const names = paramNames(init).slice(1);
    const calls = callsByCallee(this.mod).get(className) ?? [];
    const collected = new Map<string, ModVal[]>();
    for (const call of calls) {
      const args = callArgs(call);
      args.positional.forEach((a, i) => {
        if (i < names.length && a.type !== "list_splat" && a.type !== "dictionary_splat") push(collected, names[i], this.refValue(a));
      });
      for (const [k, v] of args.keyword) push(collected, k, this.refValue(v));
      for (const [k, v] of forwardedKeywords(call, this.mod)) push(collected, k, this.refValue(v));
    }
    for (const [k, vs] of this.sites.get(className) ?? []) for (const v of vs) push(collected, k, v);
    for (const [k, vs] of collected) out.set(k, union(vs));
    return out;
  }

  /** Values of names that may be class or layer references, evaluated without a local environment. */
  private refValue(node: SyntaxNode): ModVal {
    return this.expr(node, new Map());
  }

  private isSequentialSubclass(): boolean {
    const bases = this.definer.childForFieldName("superclasses");
    return !!bases && namedChildren(bases).some((b) => qualify(b, this.mod.aliases) === "torch.nn.Sequential");
  }

  private bindParams(fn: SyntaxNode, env: Env, given: Map<string, ModVal>): void {
    const params = fn.childForFieldName("parameters")!;
    for (const p of namedChildren(params)) {
      const name = paramName(p) ?? varargsName(p);
      if (!name || name === "self") continue;
      let v: ModVal = { k: "unknown" };
      if (given.has(name)) v = given.get(name)!;
      else if (p.type === "default_parameter" || p.type === "typed_default_parameter") v = this.expr(p.childForFieldName("value")!, env);
      // a class parameter no call site pins down (a helper's parameter passed on is a plain value here)
      if (v.k === "unknown" || v.k === "value") v = annotatedClassValue(p, (n) => this.refValue(n)) ?? v;
      env.set(name, v);
    }
  }

  private block(body: SyntaxNode, env: Env): ModVal | undefined {
    let ret: ModVal | undefined;
    for (const stmt of namedChildren(body)) {
      const r = this.stmt(stmt, env);
      if (r) ret = ret ? union([ret, r]) : r;
    }
    return ret;
  }

  private stmt(s: SyntaxNode, env: Env): ModVal | undefined {
    switch (s.type) {
      case "expression_statement": {
        const e = namedChildren(s)[0];
        if (!e) return undefined;
        if (e.type === "assignment") this.assign(e, env);
        else if (e.type === "augmented_assignment") this.augAssign(e, env);
        else if (e.type === "call") this.callStmt(e, env);
        return undefined;
      }
      case "return_statement": {
        const v = namedChildren(s)[0];
        return v ? this.expr(v, env) : { k: "value" };
      }
      case "if_statement": {
        // each branch runs on its own copy; what a branch changed becomes uncertain afterwards
        const rets: ModVal[] = [];
        const branches: Env[] = [];
        const run = (body: SyntaxNode) => {
          const local = new Map(env);
          const r = this.block(body, local);
          if (r) rets.push(r);
          branches.push(local);
        };
        run(s.childForFieldName("consequence")!);
        let hasElse = false;
        for (const alt of s.childrenForFieldName("alternative")) {
          if (alt.type === "else_clause") hasElse = true;
          const body = alt.childForFieldName("body") ?? alt.childForFieldName("consequence");
          if (body) run(body);
        }
        if (!hasElse) branches.push(new Map(env));
        mergeBranches(env, branches);
        return rets.length ? union(rets) : undefined;
      }
      case "for_statement":
      case "while_statement": {
        if (s.type === "for_statement") {
          const left = s.childForFieldName("left")!;
          const right = this.expr(s.childForFieldName("right")!, env);
          const body = s.childForFieldName("body")!;
          // a loop that names attributes (`setattr(self, f"stage{i}", …)`) over known items runs once per item
          if (right.k === "list" && right.items && right.items.length <= MAX_UNROLL && body.text.includes("setattr(")) {
            let r: ModVal | undefined;
            for (const item of right.items) {
              bindTarget(left, item, env);
              const ri = this.block(body, env);
              if (ri) r = r ? union([r, ri]) : ri;
            }
            return r;
          }
          const elem = elementOf(right);
          if (left.type === "identifier") env.set(left.text, elem);
          else bindTarget(left, elem, env);
        }
        this.inLoop++;
        const r = this.block(s.childForFieldName("body")!, env);
        this.inLoop--;
        return r;
      }
      case "with_statement":
        return this.block(s.childForFieldName("body")!, env);
      default:
        return undefined;
    }
  }

  private assign(a: SyntaxNode, env: Env): void {
    const left = a.childForFieldName("left")!;
    const right = a.childForFieldName("right");
    if (!right) return;
    // `self.x = nn.Buffer(t, persistent=False)` (torch ≥ 2.5) is `self.register_buffer("x", t, persistent=False)`
    if (left.type === "attribute" && left.childForFieldName("object")!.text === "self" && right.type === "call") {
      const q = qualify(right.childForFieldName("function"), this.mod.aliases);
      if (q === "torch.nn.Buffer" || q === "torch.nn.parameter.Buffer") {
        const name = left.childForFieldName("attribute")!.text;
        const args = callArgs(right);
        const persistent = (args.keyword.get("persistent") ?? args.positional[1])?.text !== "False";
        this.cls.attrs.set(name, { k: "buffer", persistent });
        if (!persistent) this.cls.privateBuffers.add(name);
        return;
      }
    }
    const val = this.expr(right, env);
    this.store(left, val, env);
    // `self.freqs = torch.arange(...)` / `= precompute_freqs_cis(...)`: a plain tensor attribute is no
    // parameter in torch (not in the state_dict), but MLX makes every public array one; keep it private
    if (val.k === "value" && left.type === "attribute" && left.childForFieldName("object")!.text === "self" && this.makesTensor(right)) {
      this.cls.privateBuffers.add(left.childForFieldName("attribute")!.text);
    }
  }

  /** A call of a torch function (not a layer or Parameter) or of a function defined in this file. */
  private makesTensor(e: SyntaxNode): boolean {
    if (e.type !== "call") return false;
    const fn = e.childForFieldName("function")!;
    const q = qualify(fn, this.mod.aliases);
    // tensor ops only (torch.arange, torch.zeros...): torch.cuda.is_available() is a flag, not a tensor
    if (q) return OP_BY_NAME.has(q);
    // an in-file function that builds tensors (precompute_freqs_cis), not one that computes a size
    const def = fn.type === "identifier" ? this.mod.functions.get(fn.text) : undefined;
    return !!def && usesTorch(def, this.mod.aliases);
  }

  private store(left: SyntaxNode, val: ModVal, env: Env): void {
    const dict = left.type === "subscript" ? env.get(left.childForFieldName("value")!.text) : undefined;
    if (dict?.k === "dict") env.set(left.childForFieldName("value")!.text, withItem(dict, this.expr(left.childForFieldName("subscript")!, env), val, this.inLoop > 0));
    else if (dict?.k === "list" || dict?.k === "seq") env.set(left.childForFieldName("value")!.text, withListItem(dict, left.childForFieldName("subscript"), val, this.inLoop > 0));
    else if (left.type === "identifier") env.set(left.text, val);
    else if (left.type === "attribute" && left.childForFieldName("object")!.text === "self") this.storeAttr(left.childForFieldName("attribute")!.text, val);
    else if (left.type === "pattern_list" || left.type === "tuple_pattern") {
      // `self.stem, feat = create_stem(...)`: a tuple of known length gives each target its item
      const parts = namedChildren(left);
      const items = unpacked(val, parts.length);
      parts.forEach((id, i) => this.store(id, items ? items[i] : { k: "value" }, env));
    }
  }

  private storeAttr(attr: string, stored: ModVal): void {
    storeAttribute(this.cls, attr, stored);
  }

  /** What passes/module-attrs.ts needs to store attributes named by setattr and add_module. */
  private attrStore(env: Env): AttrStore {
    // a Sequential's own items, run in the order they are added (RegNet's AnyStage): named-sequential.ts
    const sequentialItem = (name: ModVal, value: ModVal): boolean => {
      const items = this.isSequentialSubclass() ? this.cls.attrs.get(SEQUENTIAL_ITEMS) : undefined;
      if (items?.k !== "seq") return false;
      this.cls.attrs.set(SEQUENTIAL_ITEMS, withNamedItem(items, name, value, this.inLoop > 0));
      return true;
    };
    return { cls: this.cls, diags: this.diags, value: (n) => this.expr(n, env), sequentialItem };
  }

  /** `layers += [...]`, `self.layers += [...]` (MaxVit's blocks): the list grows as by `extend`. */
  private augAssign(a: SyntaxNode, env: Env): void {
    const left = a.childForFieldName("left")!;
    const attr = left.type === "attribute" && left.childForFieldName("object")!.text === "self" ? left.childForFieldName("attribute")!.text : undefined;
    if (left.type !== "identifier" && !attr) return;
    const cur = attr ? this.cls.attrs.get(attr) : env.get(left.text);
    const add = this.expr(a.childForFieldName("right")!, env);
    if (cur && (cur.k === "list" || cur.k === "seq") && add.k === "list") {
      const grown = appendAll(cur, add.items ?? [add.elem ?? { k: "unknown" }], this.inLoop > 0 || add.items === null);
      if (attr) this.cls.attrs.set(attr, grown);
      else env.set(left.text, grown);
    }
  }

  private callStmt(call: SyntaxNode, env: Env): void {
    const fn = call.childForFieldName("function")!;
    const args = callArgs(call);
    if (fn.type === "identifier" && fn.text === "setattr" && args.positional[0]?.text === "self") return setattrCall(this.attrStore(env), args);
    if (fn.type === "attribute") {
      const obj = fn.childForFieldName("object")!;
      const method = fn.childForFieldName("attribute")!.text;
      if (method === "__init__" && obj.type === "call" && obj.childForFieldName("function")?.text === "super" && this.isSequentialSubclass()) {
        this.cls.attrs.set(
          SEQUENTIAL_ITEMS,
          sequentialValue(args, (n) => this.expr(n, env)),
        );
        return;
      }
      // `super().__init__(…)`, `Base.__init__(self, …)`: what the base builds is this class's too
      if (method === "__init__" && obj.type === "call" && obj.childForFieldName("function")?.text === "super") return this.superInit(args, env, false);
      if (method === "__init__" && args.positional[0]?.text === "self") return this.superInit(args, env, true);
      if (obj.text === "self" && method === "register_buffer") return registerBufferCall(this.cls, args);
      if (obj.text === "self" && method === "add_module") return addModuleCall(this.attrStore(env), args);
      const [name, value] = args.positional.map((a) => () => this.expr(a, env));
      if (method === "add_module" && args.positional.length === 2 && addToSequential(this.mod, this.cls, env, obj, name, value, this.inLoop > 0)) return;
      if ((method === "append" || method === "extend") && this.growList(obj, method, args, env)) return;
    }
    this.expr(call, env);
  }

  /**
   * `layers.append(m)`, `self.blocks.extend([...])`: a local or an attribute of self that holds a list of modules grows.
   * False when the receiver is neither (the call is then evaluated as any other).
   */
  private growList(obj: SyntaxNode, method: "append" | "extend", args: ReturnType<typeof callArgs>, env: Env): boolean {
    const attr = obj.type === "attribute" && obj.childForFieldName("object")!.text === "self" ? obj.childForFieldName("attribute")!.text : undefined;
    if (obj.type !== "identifier" && !attr) return false;
    const cur = attr ? this.cls.attrs.get(attr) : env.get(obj.text);
    if (!cur || (cur.k !== "list" && cur.k !== "seq")) return true;
    const v = args.positional[0] ? this.expr(args.positional[0], env) : { k: "unknown" as const };
    const items = method === "append" ? [v] : v.k === "list" && v.items ? v.items : [elementOf(v)];
    // a local extended by a list of unknown length has unknown length too (an attribute's is kept as it was written)
    const grown = appendAll(cur, items, this.inLoop > 0 || (!attr && method === "extend" && v.k === "list" && v.items === null));
    if (attr) this.cls.attrs.set(attr, grown);
    else env.set(obj.text, grown);
    return true;
  }

  expr(e: SyntaxNode, env: Env): ModVal {
    switch (e.type) {
      case "identifier": {
        if (env.has(e.text)) return env.get(e.text)!;
        const local = this.mod.classes.get(e.text);
        // in a base's __init__ from another file, that file's classes carry their file
        if (local) return this.mod === this.home ? { k: "classref", name: e.text } : { k: "classref", name: e.text, ext: { mod: this.mod, cls: local } };
        const renamedLayer = this.mod.layerClasses?.get(e.text);
        if (renamedLayer) return { k: "layerref", row: renamedLayer };
        const q = qualify(e, this.mod.aliases);
        const row = q ? LAYER_BY_NAME.get(q) : undefined;
        if (row) return { k: "layerref", row };
        return foreignValue(this.mod, e, collectForeign) ?? moduleGlobal(this.mod, e.text, (n) => this.expr(n, new Map())) ?? { k: "value" };
      }
      case "attribute": {
        const q = qualify(e, this.mod.aliases);
        if (q) {
          const row = LAYER_BY_NAME.get(q);
          if (row) return { k: "layerref", row };
        }
        if (e.childForFieldName("object")!.text === "self") {
          return this.cls.attrs.get(e.childForFieldName("attribute")!.text) ?? { k: "value" };
        }
        // `layers.conv_norm_act` of a dataclass instance held in a local: that field
        const held = env.get(e.childForFieldName("object")!.text);
        const field = held && fieldOf(held, e.childForFieldName("attribute")!.text);
        if (field) return field;
        // `pkg.Block` names another file's class; `config.hidden` (a local's attribute) names nothing there
        const head = dottedName(e)?.split(".")[0];
        return (head !== undefined && !env.has(head) && foreignValue(this.mod, e, collectForeign)) || { k: "value" };
      }
      case "subscript": {
        const [v, sub] = [this.expr(e.childForFieldName("value")!, env), e.childForFieldName("subscript")];
        return sub?.type === "slice" ? sliceOf(v, sub) : itemAt(v, sub);
      }
      case "parenthesized_expression":
        return namedChildren(e)[0] ? this.expr(namedChildren(e)[0], env) : { k: "value" };
      case "binary_operator":
        return e.childForFieldName("operator")!.text === "+"
          ? concatenated(this.expr(e.childForFieldName("left")!, env), this.expr(e.childForFieldName("right")!, env))
          : { k: "value" };
      case "dictionary":
        return dictValue(e, (n) => this.expr(n, env));
      case "boolean_operator":
        // `layers or LayerFn()`: either operand
        return union([this.expr(e.childForFieldName("left")!, env), this.expr(e.childForFieldName("right")!, env)]);
      case "conditional_expression": {
        const [a, , b] = namedChildren(e);
        return union([this.expr(a, env), this.expr(b, env)]);
      }
      case "list":
      case "tuple":
      case "expression_list":
        return {
          k: "list",
          items: namedChildren(e)
            .filter((c) => c.type !== "list_splat")
            .map((c) => this.expr(c, env)),
        };
      case "list_comprehension":
      case "generator_expression": {
        const body = e.childForFieldName("body")!;
        const local = new Map(env);
        const clauses = namedChildren(e).filter((c) => c.type !== "comment" && c !== body);
        // names computed from known items (`[f"stage{i}" for i in [2, 3, 4]]`): the names themselves
        if (clauses.length === 1 && clauses[0].type === "for_in_clause") {
          const over = this.expr(clauses[0].childForFieldName("right")!, local);
          if (over.k === "list" && over.items && over.items.length <= MAX_UNROLL) {
            const items = over.items.map((item) => {
              bindTarget(clauses[0].childForFieldName("left")!, item, local);
              return this.expr(body, local);
            });
            if (items.every((v) => v.k === "const")) return { k: "list", items };
          }
        }
        for (const clause of namedChildren(e).filter((c) => c.type === "for_in_clause")) {
          const right = clause.childForFieldName("right");
          const elem = right ? elementOf(this.expr(right, local)) : { k: "value" as const };
          for (const id of identifiers(clause.childForFieldName("left")!)) local.set(id, elem);
        }
        return { k: "list", items: null, elem: this.expr(body, local) };
      }
      case "call":
        return this.call(e, env);
      case "integer":
        return { k: "const", text: e.text };
      case "string":
        return this.constString(e, env);
      default:
        return { k: "value" };
    }
  }

  private call(call: SyntaxNode, env: Env): ModVal {
    const fn = call.childForFieldName("function")!;
    const args = callArgs(call);
    const q = qualify(fn, this.mod.aliases);
    if (q === "torch.nn.Sequential")
      return sequentialFrom(
        call,
        noteSequential(
          call,
          sequentialValue(args, (n) => this.expr(n, env)),
          this.mod,
        ),
      );
    if (fn.type === "identifier" && !q && !env.has(fn.text) && !args.splat && ITERATORS.has(fn.text)) {
      const vals = args.positional.map((a) => this.expr(a, env));
      if (fn.text === "range") return rangeValues(vals) ?? { k: "list", items: null, elem: { k: "value" } };
      return fn.text === "zip" ? zipValues(vals) : enumerateValues(vals[0] ?? { k: "unknown" });
    }
    if (q === "torch.nn.ModuleList") {
      const a = args.positional[0] ?? args.keyword.get("modules");
      if (!a) return { k: "list", items: [] };
      const v = this.expr(a, env);
      return v.k === "list" ? v : { k: "list", items: null, elem: elementOf(v) };
    }
    if (q === "torch.nn.ModuleDict") return moduleDictValue(args.positional[0] ?? args.keyword.get("modules"), (n) => this.expr(n, env));
    if (q === "torch.nn.Parameter" || q === "torch.nn.parameter.Parameter") return { k: "param" };
    if (isDictConstructor(fn, q ?? dottedName(fn)) && !env.has(fn.text)) return dictValue(call, (n) => this.expr(n, env));
    // partial(nn.BatchNorm2d, eps=1e-3) builds what its first argument builds (settings change no weight key)
    if (q === "functools.partial" && args.positional[0]) return withBoundKeywords(this.expr(args.positional[0], env), args, (n) => this.expr(n, env));
    if (q) {
      const row = LAYER_BY_NAME.get(q);
      if (row) return { k: "layer", row, call };
    }
    const data = fn.type === "identifier" && !env.has(fn.text) ? dataclassInstance(this.mod, call, (n) => this.expr(n, env)) : undefined;
    if (data) return data;
    const callee = this.expr(fn, env);
    // a parameter no call site gives a value for, called to build something: what it builds is not known
    if (callee.k === "unknown" && fn.type === "identifier" && env.has(fn.text)) {
      this.diags?.report("C2M-W015", fn.startPosition, `${fn.text}(…): no call site of ${this.cls.name} tells what ${fn.text} is; what it builds is left out of the weight map`);
    }
    if (callee.k === "classref") {
      if (!callee.ext) this.construct(callee.name, args, env, callee.bound);
      const ext = callee.ext && this.specialize(callee.ext, call, args, env, callee.bound);
      return { k: "class", name: callee.name, ...(ext ? { ext } : {}) };
    }
    if (callee.k === "layerref") return { k: "layer", row: callee.row, call };
    if (callee.k === "union" && callee.options.every((o) => o.k === "classref" || o.k === "layerref")) {
      return union(
        callee.options.map((o) => {
          if (o.k === "classref") {
            if (!o.ext) this.construct(o.name, args, env);
            return { k: "class", name: o.name, ...(o.ext ? { ext: o.ext } : {}) } as ModVal;
          }
          return { k: "layer", row: (o as { row: import("../ir/tables.js").LayerMapping }).row, call } as ModVal;
        }),
      );
    }
    // helpers: self.method(...) and module-level functions build modules too (torchvision's _make_layer)
    let target: SyntaxNode | undefined;
    if (fn.type === "attribute" && fn.childForFieldName("object")!.text === "self") {
      target = this.cls.methods.get(fn.childForFieldName("attribute")!.text);
    } else if (fn.type === "identifier") target = this.mod.functions.get(fn.text);
    if (target && this.depth < MAX_DEPTH) return this.inline(target, args, env);
    // a function of another file (timm's create_conv2d): interpreted in its own file, with the values passed here
    const ext = !target && this.depth < MAX_DEPTH && !(fn.type === "identifier" && env.has(fn.text)) ? foreignFunction(this.mod, fn, collectForeign) : undefined;
    if (ext) {
      const sub = new InitInterpreter(ext.mod, this.cls, this.sites, this.record, undefined, this.definer, this.home, this.depth + 1);
      return sub.inlineWith(ext.def, this.passedValues(ext.def, args, env));
    }
    return { k: "value" };
  }

  /** Note a construction of an in-file module class and the values passed to its __init__. */
  private construct(name: string, args: ReturnType<typeof callArgs>, env: Env, bound?: Map<string, ModVal>): void {
    this.cls.uses.add(name);
    const target = this.mod.classes.get(name);
    const init = target && effectiveInit(this.mod, target, collectForeign)?.init;
    if (!init) return;
    const names = paramNames(init).slice(1);
    let perParam = this.record.get(name);
    if (!perParam) this.record.set(name, (perParam = new Map()));
    args.positional.forEach((a, i) => {
      if (i < names.length && a.type !== "list_splat") push(perParam!, names[i], this.expr(a, env));
    });
    for (const [k, v] of args.keyword) push(perParam, k, this.expr(v, env));
    for (const [k, v] of bound ?? []) if (!args.keyword.has(k)) push(perParam, k, v);
    const rest = extraPositional(init, args, (n) => this.expr(n, env));
    if (rest) push(perParam, rest.name, rest.value);
  }

  private inline(fn: SyntaxNode, args: ReturnType<typeof callArgs>, env: Env): ModVal {
    return this.inlineWith(fn, this.passedValues(fn, args, env));
  }

  /** What a call passes for each of `fn`'s parameters, evaluated here. */
  private passedValues(fn: SyntaxNode, args: ReturnType<typeof callArgs>, env: Env): Map<string, ModVal> {
    const names = paramNames(fn).filter((n) => n !== "self");
    const given = new Map<string, ModVal>();
    args.positional.forEach((a, i) => {
      if (i < names.length && a.type !== "list_splat") given.set(names[i], this.expr(a, env));
    });
    for (const [k, v] of args.keyword) given.set(k, this.expr(v, env));
    return given;
  }

  private inlineWith(fn: SyntaxNode, given: Map<string, ModVal>): ModVal {
    const local: Env = new Map();
    this.depth++;
    const savedLoop = this.inLoop;
    this.inLoop = 0;
    try {
      this.bindParams(fn, local, given);
      return this.block(fn.childForFieldName("body")!, local) ?? { k: "value" };
    } finally {
      this.inLoop = savedLoop;
      this.depth--;
    }
  }

  /** A string literal, or an f-string whose parts are all constants (`f"layer{i}"` in an unrolled loop). */
  private constString(e: SyntaxNode, env: Env): ModVal {
    let text = "";
    for (const part of e.namedChildren) {
      if (part.type === "string_content") text += part.text;
      else if (part.type === "interpolation") {
        const inner = namedChildren(part)[0];
        const v = inner && part.namedChildren.length === 1 ? this.expr(inner, env) : undefined;
        if (v?.k !== "const") return { k: "value" };
        text += v.text;
      } else if (part.type !== "string_start" && part.type !== "string_end") return { k: "value" };
    }
    return { k: "const", text };
  }
}
