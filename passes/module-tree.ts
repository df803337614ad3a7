/**
 * module-tree: find the nn.Module classes of a file and, by abstract interpretation of `__init__` (and the
 * methods and module-level functions it calls), what each `self.<attr>` holds: a table layer, an in-file
 * module class, a container of those, a parameter or buffer. Nothing is executed.
 *
 * This file holds the entry (collectClasses) and the interpreter's frame: which __init__ runs, with which
 * argument values, and how calls into bases, helpers and other files' classes nest. What one statement does
 * is init-statements.ts; what one expression evaluates to is init-expressions.ts.
 */
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ClassIR, ForeignClass, ModVal, ModuleIR } from "../ir/module.js";
import { DiagnosticBag } from "../ir/diagnostics.js";
import { evaluate } from "./init-expressions.js";
import { execute } from "./init-statements.js";
import { storeAttribute, UNNAMED_ATTR, type AttrStore } from "./module-attrs.js";
import { effectiveInit, moduleBase } from "./module-inherit.js";
import { isModuleValue, itemsFromConstructions, namesItems, takesSequentialInit, withNamedItem } from "./named-sequential.js";
import { classifyClasses } from "./package-classes.js";
import { argumentValues, callsByCallee, forwardedKeywords, paramName, paramNames, push, SEQUENTIAL_ITEMS, sequentialValue, union, type Env } from "./module-values.js";
import { annotatedClassValue, holdsClasses, holdsModuleInstances, instanceKey } from "./module-values.js";
import { extraPositional, varargsName } from "./local-containers.js";
import { withBound } from "./partial-values.js";
import { reportUnknownItems, startRound } from "./unknown-items.js";
import { noteBuildDiagnostics } from "./build-markers.js";
import { noteRegisteredClasses } from "./foreign-models.js";
import { privatizeRuntimeState } from "./runtime-state.js";
import { allKeywords, extraKeywords, kwargsParam, splatKeywords } from "./keyword-splats.js";
import { annotatedModule } from "./annotated-classes.js";
import { qualify } from "./resolve-imports.js";
import { torchFunctionAttributes } from "./function-values.js";
import { inFile } from "./child-values.js";
import { callSitesKey, MAX_ROUNDS, MIN_ROUNDS, type CallSites } from "./call-site-rounds.js";
import { calledParams, defaultValue, factoryArguments, recordSite, sitesInOtherFiles, startSiteRound } from "./foreign-sites.js";
import { isRootClass, noteBoundParams, noteClassArgumentGuards } from "./user-class-arguments.js";

export { elementOf, identifiers, paramName, paramNames, SEQUENTIAL_ITEMS, stringValue, union } from "./module-values.js";

/** How deep base __init__s, helpers and other files' classes nest before the interpreter stops following. */
const MAX_DEPTH = 6;

/**
 * The nn.Module classes of a file: with a program (mod.semantic), any class whose bases lead to a torch
 * module class through this file, sibling files or libraries; without one, bases in this file only.
 */
export function collectClasses(mod: ModuleIR, diags?: DiagnosticBag): void {
  const reportedBefore = diags?.items.length ?? 0;
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
      torchFunctionAttrs: torchFunctionAttributes(d, mod.aliases),
      ...(verdicts.layerBases.has(name) ? { layerBase: verdicts.layerBases.get(name) } : {}),
    });
  }
  // Arguments a class receives at its construction sites decide what its attributes hold (torchvision
  // passes `downsample` into BasicBlock); callers are interpreted first, so iterate a few rounds.
  // so do module-level functions that build them (torchvision's `_fcn_resnet(backbone, …)` builds FCN(backbone, …))
  const builders = builderFunctions(mod);
  if (diags && !mod.onlyClasses && mod.classes.size) noteRegisteredClasses(diags, mod, collectForeign);
  let sites: CallSites = new Map();
  let before = "";
  for (let round = 0, last = false; !last; round++) {
    // the last round is the first to see the sites the round before it saw: nothing changed there (call-site-rounds.ts)
    const key = callSitesKey(sites);
    last = round >= MAX_ROUNDS - 1 || (round >= MIN_ROUNDS - 1 && key === before);
    before = key;
    startRound(mod);
    startSiteRound(mod);
    const next: CallSites = new Map();
    for (const cls of mod.classes.values()) {
      cls.attrs.clear();
      cls.uses.clear();
      cls.privateBuffers.clear();
      // what an earlier round could not know a later one may: only the last round's findings are reported
      const it = new InitInterpreter(mod, cls, sites, next, last ? diags : undefined);
      it.recordsSites = true;
      it.run();
      privatizeRuntimeState(mod, cls);
    }
    for (const fn of builders) {
      const it = new InitInterpreter(mod, builderFrame(fn), sites, next);
      it.recordsSites = true;
      // a model function giving its classes to another file's model: C2M-E032 (foreign-models.ts), in the last round
      if (last && diags) it.modelFunctionDiags = new DiagnosticBag(diags.file);
      const built = it.runBuilder(fn);
      if (!last) continue;
      // the model it returns, built there, gets a map of its own under the function's name: that call is no error
      const mapped = noteFactory(mod, fn, built);
      for (const d of it.modelFunctionDiags?.items ?? [])
        if (!(d.code === "C2M-E032" && mapped && d.line === mapped.startPosition.row + 1 && d.col === mapped.startPosition.column + 1))
          diags!.report(d.code, { row: d.line - 1, column: d.col - 1 }, d.message, d.hint);
    }
    sites = next;
  }
  noteSubclassAttrs(mod);
  reportUnknownItems(mod, diags);
  // what the module tree reported gets its marker in the output (build-markers.ts)
  if (diags) noteBuildDiagnostics(mod, diags.items.slice(reportedBefore));
  // a user building a root class with another class of the file for a class parameter: refused (user-class-arguments.ts),
  // the marker on the line that refuses (walk/statements.ts), where a traceback from the port points
  if (diags && !mod.onlyClasses) noteClassArgumentGuards(mod, diags);
}

/**
 * Module-level functions that name a module class of their file, or a function that does: interpreted each round,
 * their parameters what their annotations or defaults say, for the constructions they make, directly or through the
 * functions they call, in this file or another (timm's `dla34()` builds `model_args = dict(block=DlaBasic, …)` and
 * calls `_create_dla(…, **dict(model_args, **kwargs))`, which calls `build_model_with_cfg(DLA, …, **kwargs)` in
 * _builder.py, which calls `model_cls(**kwargs)`; torchvision's `_fcn_resnet(backbone, …)` builds
 * `FCN(IntermediateLayerGetter(backbone, …))`; `efficientnet_b0()` computes its settings and hands them to
 * `_efficientnet(…)`, which builds EfficientNet).
 */
function builderFunctions(mod: ModuleIR): SyntaxNode[] {
  // a library file is read for a few classes only: its model functions are not the user's
  if (mod.onlyClasses || !mod.classes.size) return [];
  const builders = new Map<string, SyntaxNode>();
  let names = new Set(mod.classes.keys());
  for (let round = 0; round < 3 && names.size; round++) {
    const found = [...mod.functions].filter(([name, fn]) => !builders.has(name) && fn.descendantsOfType("identifier").some((id) => names.has(id.text)));
    for (const [name, fn] of found) builders.set(name, fn);
    names = new Set(found.map(([name]) => name));
  }
  return [...builders.values()];
}

/**
 * A builder function that returns a torch container it fills itself (mlp-mixer's `MLPMixer(...)` returns an nn.Sequential of
 * the file's blocks), or another file's class built with this file's blocks (senet.pytorch's `se_resnet18()` returns
 * torchvision's `ResNet(SEBasicBlock, …)`): the model a user builds with it is that container or instance, whose keys and
 * layouts need a map of their own, kept under the function's name (that file's map knows none of these blocks). A function
 * returning an instance of a class of its own file has that class's map already.
 */
function noteFactory(mod: ModuleIR, fn: SyntaxNode, built: ModVal | undefined): SyntaxNode | undefined {
  // the call that built the other file's class with this file's classes (InitInterpreter.specialize)
  const at = built?.k === "class" && built.ext && built.ext.mod !== mod ? specializedAt.get(built.ext.cls) : undefined;
  if ((built?.k !== "seq" && !at) || mod.classes.has(fn.childForFieldName("name")!.text)) return undefined;
  (mod.factoryModules ??= new Map()).set(fn.childForFieldName("name")!.text, built!);
  return at;
}

/**
 * A base class whose methods read attributes only its subclasses set (a shared forward over blocks that differ in
 * __init__): each such attribute holds, as the base's methods see it, any of the values its in-file subclasses store
 * there (the walker reads them through selfAttribute when the base sets none of its own).
 */
function noteSubclassAttrs(mod: ModuleIR): void {
  const baseOf = (c: ClassIR) => mod.classes.get(c.base);
  for (const base of mod.classes.values()) {
    delete base.subclassAttrs;
    const found = new Map<string, ModVal[]>();
    for (const sub of mod.classes.values()) {
      let up = baseOf(sub);
      for (let depth = 0; up && up !== base && depth < MAX_DEPTH; depth++) up = baseOf(up);
      if (up !== base || sub === base) continue;
      for (const [attr, v] of sub.attrs) if (!base.attrs.has(attr) && attr !== SEQUENTIAL_ITEMS && attr !== UNNAMED_ATTR) push(found, attr, v);
    }
    if (found.size) base.subclassAttrs = new Map([...found].map(([attr, vs]) => [attr, union(vs)]));
  }
}

/** The frame a builder function runs in: a class of its own, whose attributes nobody reads (what counts is the constructions it records). */
function builderFrame(fn: SyntaxNode): ClassIR {
  return { name: fn.childForFieldName("name")!.text, node: fn, base: "", methods: new Map(), attrs: new Map(), privateBuffers: new Set(), uses: new Set() };
}

/** How another file's classes are collected when this file's module tree refers to them (no diagnostics: they belong to that file). */
const collectForeign = (m: ModuleIR) => collectClasses(m);

/**
 * Another file's class as built at one call with classes as arguments (see InitInterpreter.specialize), per call and
 * class: one call may build several classes (torchvision's `block(…)` in `_make_layer`, given SEBasicBlock by one
 * model function and SEBottleneck by another, with the same arguments).
 */
const specialized = new WeakMap<SyntaxNode, WeakMap<SyntaxNode, Map<string, ForeignClass>>>();
/** The call each specialized copy of a class was built at. */
const specializedAt = new WeakMap<ClassIR, SyntaxNode>();

function specializations(call: SyntaxNode, cls: ClassIR): Map<string, ForeignClass> {
  const atCall = specialized.get(call) ?? specialized.set(call, new WeakMap()).get(call)!;
  return atCall.get(cls.node) ?? atCall.set(cls.node, new Map()).get(cls.node)!;
}

export type CallArguments = ReturnType<typeof callArgs>;

/**
 * The state of one interpretation: the file whose code runs (`mod`), the class whose attributes it fills
 * (`cls`), and how it got here. init-statements.ts and init-expressions.ts read and update it.
 */
export class InitInterpreter {
  /** locals that a loop appends to: their length is unknown */
  inLoop = 0;
  /** how another file's classes are collected, for the lookups that cross files */
  readonly collectForeign = collectForeign;
  /** set while a model function of the file compiled runs (constructionsInFunctions): where C2M-E032 goes */
  modelFunctionDiags?: DiagnosticBag;
  /** whether the constructions of other files' classes made here are their sites (foreign-sites.ts): not in a copy specialized for one call */
  recordsSites = false;

  /**
   * Interprets `cls`'s __init__, or, for a base's __init__ run by `super().__init__(…)`, the base's (`mod` is
   * then the base's file and `definer` the base class: what `super()` means there), storing into `cls`.
   */
  constructor(
    readonly mod: ModuleIR,
    readonly cls: ClassIR,
    private sites: CallSites,
    private record: CallSites,
    readonly diags?: DiagnosticBag,
    readonly definer: SyntaxNode = cls.node,
    readonly home: ModuleIR = mod,
    public depth = 0,
  ) {}

  /** Interprets the class's __init__; `given` are argument values a caller passes (they win over call sites). */
  run(passed: Map<string, ModVal> = new Map()): void {
    const own = effectiveInit(this.mod, this.cls, collectForeign);
    if (!own) return this.sequentialFromConstructions();
    const given = new Map([...this.paramValuesFromCallSites(this.cls.name, own.init), ...passed]);
    if (own.cls === this.cls) {
      const env: Env = new Map();
      this.bindParams(own.init, env, given);
      // what a root class's class parameters hold, for the guards the reporting round decides (user-class-arguments.ts)
      if (this.diags && this.depth === 0 && this.mod === this.home) noteBoundParams(this.cls, env);
      this.block(own.init.childForFieldName("body")!, env);
    } else this.runBaseInit(own, given);
  }

  /**
   * A class built by nn.Sequential's own __init__ (named-sequential.ts): its items are what its constructions pass;
   * where its file builds it nowhere (another file does, through specialize), items known only at run time.
   */
  private sequentialFromConstructions(): void {
    if (this.mod !== this.home || !takesSequentialInit(this.mod, this.cls, inheritedBase)) return;
    const items = itemsFromConstructions(this.sites.get(this.cls.name)?.get(SEQUENTIAL_ITEMS) ?? []);
    this.cls.attrs.set(SEQUENTIAL_ITEMS, items ?? { k: "seq", items: null, elem: { k: "unknown" }, atRunTime: true });
  }

  /** Runs a base class's __init__ (`super().__init__(…)`, or an inherited __init__) into this class's attributes. */
  private runBaseInit(base: ForeignClass & { init: SyntaxNode }, given: Map<string, ModVal>): void {
    if (this.depth >= MAX_DEPTH) return;
    // `self.method(…)` in the base's __init__ finds this class's override first, as Python does
    const view: ClassIR = { ...this.cls, methods: new Map([...base.cls.methods, ...this.cls.methods]) };
    const diags = base.mod === this.home ? this.diags : undefined;
    const sub = new InitInterpreter(base.mod, view, this.sites, this.record, diags, base.cls.node, this.home, this.depth + 1);
    sub.recordsSites = this.recordsSites;
    const env: Env = new Map();
    sub.bindParams(base.init, env, given);
    sub.block(base.init.childForFieldName("body")!, env);
  }

  /**
   * Another file's class built here with classes or layers as arguments (`ResNet(Block, [2, 2])`): its
   * __init__ runs again with them, into a copy of the class, once per call.
   */
  specialize(ext: ForeignClass, call: SyntaxNode, args: CallArguments, env: Env, bound?: Map<string, ModVal>): ForeignClass {
    const init = effectiveInit(ext.mod, ext.cls, collectForeign)?.init;
    if (!init && this.depth < MAX_DEPTH && takesSequentialInit(ext.mod, ext.cls, inheritedBase)) return this.sequentialAt(ext, call, args, env);
    if (!init || this.depth >= MAX_DEPTH) return ext;
    // this file's classes passed there carry their file: the other file looks a bare name up in its own classes
    const given = new Map([...withBound(this.argumentValues(init, args, env), bound)].map(([k, v]) => [k, inFile(v, this.home)]));
    if (this.recordsSites) recordSite(this.home, ext, given);
    if (![...given.values()].some((v) => holdsClasses(v) || holdsModuleInstances(v))) return ext;
    // per call site and what the caller knew there (a block's norm_layer before and after the block's own site is seen)
    const key = [...given].map(([k, v]) => `${k}=${instanceKey(v)}`).join(",");
    const atCall = specializations(call, ext.cls);
    if (atCall.has(key)) return atCall.get(key)!;
    const cls: ClassIR = { ...ext.cls, attrs: new Map(), privateBuffers: new Set(), uses: new Set() };
    new InitInterpreter(ext.mod, cls, new Map(), new Map(), undefined, cls.node, ext.mod, this.depth + 1).run(given);
    specializedAt.set(cls, call);
    atCall.set(key, { mod: ext.mod, cls });
    return atCall.get(key)!;
  }

  /** Another file's class built by nn.Sequential's own __init__ (named-sequential.ts): a copy holding this call's items. */
  private sequentialAt(ext: ForeignClass, call: SyntaxNode, args: CallArguments, env: Env): ForeignClass {
    const items = sequentialValue(args, (n) => this.expr(n, env));
    const key = `items=${instanceKey(items)}`;
    const atCall = specializations(call, ext.cls);
    if (!atCall.has(key)) atCall.set(key, { mod: ext.mod, cls: { ...ext.cls, attrs: new Map([[SEQUENTIAL_ITEMS, items]]), privateBuffers: new Set(), uses: new Set() } });
    return atCall.get(key)!;
  }

  /** `super().__init__(args)`: the base's __init__ with those arguments. */
  superInit(args: CallArguments, env: Env, skipSelf: boolean): void {
    const base = moduleBase(this.mod, this.definer, collectForeign);
    const init = base && effectiveInit(base.mod, base.cls, collectForeign);
    if (!init) return;
    const positional = skipSelf ? { ...args, positional: args.positional.slice(1) } : args;
    this.runBaseInit(init, this.argumentValues(init.init, positional, env));
  }

  /** What a call passes for each parameter of a method (`init`: its first parameter is self), keywords a `**d` splat passes included. */
  private argumentValues(init: SyntaxNode, args: CallArguments, env: Env): Map<string, ModVal> {
    const expr = (n: SyntaxNode) => this.expr(n, env);
    return new Map([...splatKeywords(args, expr), ...argumentValues(paramNames(init).slice(1), args, expr)]);
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
    const decided = this.factoryArgumentsElsewhere(className, init, collected, calls.length > 0 || this.sites.has(className));
    // a class no class of the file builds is a model users build themselves, where a default holds too (timm's
    // MetaFormer: its model functions pass downsample_norm=None, MetaFormer() keeps LayerNorm2dNoBias)
    if (init && collected.size && isRootClass(this.mod, className)) {
      for (const p of namedChildren(init.childForFieldName("parameters")!)) {
        const name = paramName(p);
        const value = (p.type === "default_parameter" || p.type === "typed_default_parameter") && p.childForFieldName("value");
        if (name && value && collected.has(name)) push(collected, name, this.refValue(value));
      }
    }
    // a model other files of the package name may be given their own block classes there (res2net.py gives resnet.py's
    // ResNet its Bottle2neck): which class a class parameter holds, only the built model knows
    if (init && this.mod.namedByOtherFiles?.(className)) {
      for (const p of namedChildren(init.childForFieldName("parameters")!)) {
        const name = paramName(p);
        const value = (p.type === "default_parameter" || p.type === "typed_default_parameter") && p.childForFieldName("value");
        const vs = (name && collected.get(name)) || (name && value ? [this.refValue(value)] : []);
        // (what the sites of other files pass, each resolved, is all there is: never a class known only at run time)
        if (name && !decided.has(name) && vs.some(holdsClass)) collected.set(name, [...vs, { k: "anyclass" }]);
      }
    }
    for (const [k, vs] of collected) out.set(k, union(vs));
    return out;
  }

  /**
   * The layer factory parameters of a class other files of the package build (foreign-sites.ts): what each of their
   * sites passes joins `collected` (the default too where this file's sites pass none); a site whose value c2m cannot
   * resolve is said (C2M-W015), never guessed. Returns the parameters those sites alone decide.
   */
  private factoryArgumentsElsewhere(className: string, init: SyntaxNode, collected: Map<string, ModVal[]>, builtHere: boolean): Set<string> {
    const decided = new Set<string>();
    const cls = this.mod.classes.get(className)?.node;
    if (!cls || !this.mod.otherFilesNaming || !this.mod.namedByOtherFiles?.(className) || !calledParams(cls, init).length) return decided;
    const sites = sitesInOtherFiles(this.mod, className, collectForeign);
    const found = factoryArguments(this.mod, cls, init, sites, (p) => defaultValue(p, (n) => this.refValue(n)));
    for (const [name, p] of found.unknown) {
      this.diags?.report(
        "C2M-W015",
        p.startPosition,
        `${name}: a construction of ${className} in another file passes a value c2m cannot resolve; what it builds there is left out`,
      );
    }
    for (const [name, vs] of found.values) {
      // this file's own constructions pass nothing for it: the default holds there
      if (!collected.has(name)) decided.add(name);
      const p = !collected.has(name) && builtHere ? namedChildren(init.childForFieldName("parameters")!).find((q) => paramName(q) === name) : undefined;
      if (p) vs.push(defaultValue(p, (n) => this.refValue(n)));
      for (const v of vs) push(collected, name, v);
    }
    return decided;
  }

  /** Values of names that may be class or layer references, evaluated without a local environment. */
  private refValue(node: SyntaxNode): ModVal {
    return this.expr(node, new Map());
  }

  /** Whether a helper or another file's function may still be followed from here. */
  get canNest(): boolean {
    return this.depth < MAX_DEPTH;
  }

  isSequentialSubclass(): boolean {
    return this.derivesFrom("torch.nn.Sequential");
  }

  /** Whether the class whose __init__ runs names torch class `torchName` among its bases. */
  derivesFrom(torchName: string): boolean {
    const bases = this.definer.childForFieldName("superclasses");
    return !!bases && namedChildren(bases).some((b) => qualify(b, this.mod.aliases) === torchName);
  }

  bindParams(fn: SyntaxNode, env: Env, given: Map<string, ModVal>): void {
    const params = fn.childForFieldName("parameters")!;
    // `**kwargs`: the keywords given that no named parameter takes (keyword-splats.ts)
    const kwargs = kwargsParam(fn);
    if (kwargs) env.set(kwargs, extraKeywords(paramNames(fn), given));
    for (const p of namedChildren(params)) {
      const name = paramName(p) ?? varargsName(p);
      if (!name || name === "self") continue;
      let v: ModVal = { k: "unknown" };
      if (given.has(name)) v = given.get(name)!;
      else if (p.type === "default_parameter" || p.type === "typed_default_parameter") v = this.expr(p.childForFieldName("value")!, env);
      // a class parameter no call site pins down (a helper's parameter passed on is a plain value here)
      if (v.k === "unknown" || v.k === "value") v = annotatedClassValue(p, (n) => this.refValue(n)) ?? v;
      // `backbone: MobileNetV3`: an instance of that class, whose attributes its own __init__ built (annotated-classes.ts)
      if (v.k === "unknown" || v.k === "value") v = annotatedModule(p, this.mod, collectForeign, this.home) ?? v;
      env.set(name, v);
    }
  }

  /** The statements of a block in order; what their `return`s give, joined. */
  block(body: SyntaxNode, env: Env): ModVal | undefined {
    let ret: ModVal | undefined;
    for (const stmt of namedChildren(body)) {
      const r = execute(this, stmt, env);
      if (r) ret = ret ? union([ret, r]) : r;
    }
    return ret;
  }

  expr(e: SyntaxNode, env: Env): ModVal {
    return evaluate(this, e, env);
  }

  storeAttr(attr: string, stored: ModVal): void {
    // on a Sequential subclass that names its items, a module stored on self is one more (torch's __setattr__ puts it in _modules)
    const items = this.isSequentialSubclass() ? this.cls.attrs.get(SEQUENTIAL_ITEMS) : undefined;
    if (items?.k === "seq" && namesItems(items) && isModuleValue(stored)) {
      this.cls.attrs.set(SEQUENTIAL_ITEMS, withNamedItem(items, { k: "const", text: attr }, stored, this.inLoop > 0));
      return;
    }
    storeAttribute(this.cls, attr, stored);
  }

  /** What passes/module-attrs.ts needs to store attributes named by setattr and add_module. */
  attrStore(env: Env): AttrStore {
    // a Sequential's own items, run in the order they are added (RegNet's AnyStage): named-sequential.ts
    const sequentialItem = (name: ModVal, value: ModVal): boolean => {
      const items = this.isSequentialSubclass() ? this.cls.attrs.get(SEQUENTIAL_ITEMS) : undefined;
      if (items?.k !== "seq") return false;
      this.cls.attrs.set(SEQUENTIAL_ITEMS, withNamedItem(items, name, value, this.inLoop > 0));
      return true;
    };
    return { cls: this.cls, diags: this.diags, value: (n) => this.expr(n, env), sequentialItem };
  }

  /** Note a construction of an in-file module class and the values passed to its __init__. */
  construct(name: string, args: CallArguments, env: Env, bound?: Map<string, ModVal>): void {
    this.cls.uses.add(name);
    // a class reference with no file is the home file's, also where another file's function builds it (timm's
    // build_model_with_cfg(DLA, …) calling model_cls(**kwargs))
    const target = this.home.classes.get(name);
    const init = target && effectiveInit(this.mod, target, collectForeign)?.init;
    let perParam = this.record.get(name);
    if (!perParam) this.record.set(name, (perParam = new Map()));
    // a Sequential subclass without an __init__ of its own: the call passes its items (named-sequential.ts)
    if (!init && target && takesSequentialInit(this.home, target, inheritedBase))
      push(
        perParam,
        SEQUENTIAL_ITEMS,
        sequentialValue(args, (n) => this.expr(n, env)),
      );
    if (!init) return;
    const names = paramNames(init).slice(1);
    args.positional.forEach((a, i) => {
      if (i < names.length && a.type !== "list_splat" && a.type !== "dictionary_splat") push(perParam!, names[i], this.expr(a, env));
    });
    for (const [k, v] of allKeywords(args, (n) => this.expr(n, env))) push(perParam, k, v);
    // keywords a functools.partial fixed (partial-values.ts), and what a *args parameter receives
    for (const [k, v] of bound ?? []) if (!args.keyword.has(k)) push(perParam, k, v);
    const rest = extraPositional(init, args, (n) => this.expr(n, env));
    if (rest) push(perParam, rest.name, rest.value);
  }

  /**
   * A module-level function that builds module classes: its body, with each parameter what its annotation or default says, for the
   * constructions it records; what it returns.
   */
  runBuilder(fn: SyntaxNode): ModVal | undefined {
    const env: Env = new Map();
    this.bindParams(fn, env, new Map());
    return this.block(fn.childForFieldName("body")!, env);
  }

  /** A helper of this file (`self._make_layer(…)`, a module-level function) run with the values a call passes. */
  inline(fn: SyntaxNode, args: CallArguments, env: Env): ModVal {
    return this.inlineWith(fn, this.passedValues(fn, args, env));
  }

  /**
   * A function defined inside the function being run (StarGAN's `def discriminator_block(i, o): ... return layers` in
   * __init__, then `layers = discriminator_block(3, 64)`): its body, with the caller's values as its closure and those
   * the call passes.
   */
  inlineNested(fn: SyntaxNode, args: CallArguments, env: Env): ModVal {
    if (this.depth >= MAX_DEPTH) return { k: "value" };
    const given = this.passedValues(fn, args, env);
    const local: Env = new Map(env);
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

  /** A lambda of this file called: its body, with the values of its closure and those the call passes. */
  callLambda(fn: Extract<ModVal, { k: "lambda" }>, args: CallArguments, env: Env): ModVal {
    if (fn.mod !== this.mod || this.depth >= MAX_DEPTH) return { k: "value" };
    const local: Env = new Map(fn.closure);
    if (fn.node.childForFieldName("parameters")) this.bindParams(fn.node, local, this.passedValues(fn.node, args, env));
    return this.expr(fn.node.childForFieldName("body")!, local);
  }

  /** A function of another file (timm's create_conv2d): interpreted in its own file, with the values passed here. */
  inlineForeign(ext: { mod: ModuleIR; def: SyntaxNode }, args: CallArguments, env: Env): ModVal {
    const sub = new InitInterpreter(ext.mod, this.cls, this.sites, this.record, undefined, this.definer, this.home, this.depth + 1);
    sub.recordsSites = this.recordsSites;
    return sub.inlineWith(ext.def, this.passedValues(ext.def, args, env));
  }

  /** What a call passes for each of `fn`'s parameters, evaluated here. */
  private passedValues(fn: SyntaxNode, args: CallArguments, env: Env): Map<string, ModVal> {
    const names = paramNames(fn).filter((n) => n !== "self");
    const given = new Map<string, ModVal>();
    args.positional.forEach((a, i) => {
      if (i < names.length && a.type !== "list_splat" && a.type !== "dictionary_splat") given.set(names[i], this.expr(a, env));
    });
    for (const [k, v] of allKeywords(args, (n) => this.expr(n, env))) given.set(k, v);
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
}

/** The module class a class of `mod` derives from, for walking up to nn.Sequential. */
const inheritedBase = (mod: ModuleIR, cls: ClassIR) => moduleBase(mod, cls.node, collectForeign);

/** Whether a value is a module class of the file or another's (or one of several). */
const holdsClass = (v: ModVal): boolean => v.k === "classref" || (v.k === "union" && v.options.some(holdsClass));
