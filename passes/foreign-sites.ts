/**
 * foreign-sites: what the other files of a package pass to a class's constructor, per construction site. A layer
 * factory parameter (`norm_layer`, `act_layer`, `block`, …) is resolved from every site that builds the class: the
 * class a site passes, or the parameter's default where it passes none (timm's ConvMlp has `norm_layer=None`, and
 * GlobalContext in another file builds it with `norm_layer=LayerNorm2d`: the layer that runs is LayerNorm2d there,
 * Identity elsewhere). The interpreter of each file records the constructions it makes of other files' classes
 * (recordSite, the last round's only); the file that defines the class reads them (sitesInOtherFiles), having the
 * files that name it interpreted first.
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { ForeignClass, ModuleIR, ModVal } from "../ir/module.js";
import { instanceKey, paramName, paramNames, union } from "./module-values.js";
import { namedChildren } from "../grammar/python.js";
import { modulesNaming } from "./package-classes.js";

/** One construction: parameter → the value it passes there. */
export type Site = Map<string, ModVal>;

/** Sites one file's classes build, as far as a round of its interpretation saw: class (file and name) → site key → site. */
const recorded = new WeakMap<ModuleIR, Map<string, Map<string, Site>>>();

/** A site per distinct set of values is enough; a helper run many times records the same one. */
const MAX_SITES = 64;

const classKey = (file: string, name: string) => `${file}\u0000${name}`;

/** A round of `mod`'s interpretation starts: what an earlier round recorded knew less. */
export function startSiteRound(mod: ModuleIR): void {
  recorded.set(mod, new Map());
}

/** A class of another file built by `caller`'s code with these argument values. */
export function recordSite(caller: ModuleIR, target: ForeignClass, given: Site): void {
  const perCaller = recorded.get(caller);
  if (!perCaller) return;
  const key = classKey(target.mod.file, target.cls.name);
  const sites = perCaller.get(key) ?? perCaller.set(key, new Map()).get(key)!;
  const siteKey = [...given].map(([k, v]) => `${k}=${instanceKey(v)}`).join(",");
  if (sites.size < MAX_SITES && !sites.has(siteKey)) sites.set(siteKey, given);
}

/** Per file compiled: class → the module IRs of the other files that name it (interpreted once, asked each round). */
const namingModules = new WeakMap<ModuleIR, Map<string, ModuleIR[]>>();

/** The constructions of `home`'s class `className` that the other files of its package make, each file interpreted first. */
export function sitesInOtherFiles(home: ModuleIR, className: string, collect: (m: ModuleIR) => void): Site[] {
  const sem = home.semantic;
  if (!sem || !home.otherFilesNaming) return [];
  const perHome = namingModules.get(home) ?? namingModules.set(home, new Map()).get(home)!;
  let mods = perHome.get(className);
  if (!mods) {
    // only the files of its own folder that call the class by its name are interpreted for it: timm's Mlp (layers/) is
    // built by dozens of model files (models/), each a large file to interpret, more than a folder compile's time allows
    // (a site left out leaves the parameter as the file's own sites and default say, as before)
    const called = new RegExp(`\\b${className}\\s*\\(`);
    const folder = home.file.slice(0, home.file.lastIndexOf("/") + 1);
    mods = (home.otherFilesNaming(className) ?? [])
      .filter((path) => path.slice(0, path.lastIndexOf("/") + 1) === folder && called.test(sem.program.file(path).sourceText ?? ""))
      .flatMap((path) => modulesNaming(sem.of(sem.program.file(path)), className, collect));
    perHome.set(className, mods);
  }
  const key = classKey(home.file, className);
  return mods.flatMap((m) => [...(recorded.get(m)?.get(key)?.values() ?? [])]);
}

/** Parameters of `init` that the class's code calls (`norm_layer(…)`): the layer factories, the only ones asked of other files. */
export function calledParams(cls: SyntaxNode, init: SyntaxNode): string[] {
  return paramNames(init)
    .slice(1)
    .filter((name) => [cls, init].some((n) => new RegExp(`\\b${name}\\s*\\(`).test(n.text)));
}

/** What a value can build when called: a class or layer, a function of the program, a lambda (or one of several). */
const buildsModules = (v: ModVal): boolean =>
  v.k === "classref" || v.k === "layerref" || v.k === "lambda" || (v.k === "value" && !!v.def) || (v.k === "union" && v.options.some(buildsModules));

/** Known only at run time, or not at all: which layer it builds c2m cannot tell. */
const unresolved = (v: ModVal): boolean => v.k === "unknown" || v.k === "anyclass" || (v.k === "union" && v.options.some(unresolved));

/** A class of `home` that another file passes back to it: the home's own class, not a copy of its file read from there. */
function local(v: ModVal, home: ModuleIR): ModVal {
  if ((v.k === "classref" || v.k === "class") && v.ext && v.ext.mod.file === home.file && home.classes.has(v.name)) {
    const { ext: _ext, ...rest } = v;
    return rest;
  }
  return v.k === "union" ? union(v.options.map((o) => local(o, home))) : v;
}

export interface FactoryArguments {
  /** parameter → what the sites of other files pass for it (the default where one passes none) */
  values: Map<string, ModVal[]>;
  /** parameters some site passes a value for that c2m cannot resolve, with their definition */
  unknown: Map<string, SyntaxNode>;
}

/**
 * The layer factory parameters of class `cls`'s `init` (called in its code, and given something that builds modules by some site of another file)
 * and what every such site passes: `defaultOf` gives the default's value where a site passes none.
 */
export function factoryArguments(home: ModuleIR, cls: SyntaxNode, init: SyntaxNode, sites: Site[], defaultOf: (param: SyntaxNode) => ModVal): FactoryArguments {
  const out: FactoryArguments = { values: new Map(), unknown: new Map() };
  if (!sites.length) return out;
  const params = new Map<string, SyntaxNode>();
  for (const p of namedChildren(init.childForFieldName("parameters")!)) {
    const name = paramName(p);
    if (name && name !== "self") params.set(name, p);
  }
  for (const name of calledParams(cls, init)) {
    const p = params.get(name);
    if (!p || !sites.some((s) => s.has(name) && buildsModules(s.get(name)!))) continue;
    const vs = sites.map((s) => (s.has(name) ? local(s.get(name)!, home) : defaultOf(p)));
    if (vs.some(unresolved)) out.unknown.set(name, p);
    out.values.set(
      name,
      vs.filter((v) => !unresolved(v)),
    );
  }
  return out;
}

/** The value of a parameter's default (`norm_layer=None`), or unknown when it has none. */
export function defaultValue(p: SyntaxNode, evaluate: (n: SyntaxNode) => ModVal): ModVal {
  const value = (p.type === "default_parameter" || p.type === "typed_default_parameter") && p.childForFieldName("value");
  return value ? evaluate(value) : { k: "unknown" };
}
