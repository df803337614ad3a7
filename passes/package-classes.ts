/**
 * package-classes: the module tree's questions about classes, answered by the binder across the program
 * (ir/binder): which classes of a file are nn.Modules (a base in a sibling file or a library counts), which
 * are torch layers under another name (`class Conv1d(nn.Conv1d)` with no forward of its own), and what a
 * name imported from another file holds, with that file's module IR for the weight map to follow.
 * Without a program (a ModuleIR built by hand) the old in-file answer is kept.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import { definesMethod } from "../ir/binder/classes.js";
import type { FileSemantics } from "../ir/binder/semantics.js";
import type { ClassIR, ForeignClass, ModVal, ModuleIR } from "../ir/module.js";
import type { SourceFile } from "../ir/program/source-file.js";
import type { LayerMapping } from "../ir/tables.js";
import { qualify, resolveImports } from "./resolve-imports.js";
import { CONTAINERS, LAYER_BY_NAME } from "./tables/index.js";

/** torch names that are nn.Module classes: Module, containers, table layers, and other classes of torch.nn (unsupported layers are still modules). */
export function isTorchModuleClass(name: string): boolean {
  const n = name.replace(/^torch\.nn\.modules\.[a-z_]+\./, "torch.nn.");
  if (n === "torch.nn.Module" || CONTAINERS.has(n) || LAYER_BY_NAME.has(n)) return true;
  return /^torch\.nn\.[A-Z]\w*$/.test(n) && !/^torch\.nn\.(Parameter|Buffer|ParameterList|ParameterDict)$/.test(n);
}

/** The table row of a torch layer a class derives from; containers are not layers (their subclasses hold what they add). */
function layerRow(torchBase: string): LayerMapping | undefined {
  const name = torchBase.replace(/^torch\.nn\.modules\.[a-z_]+\./, "torch.nn.");
  return CONTAINERS.has(name) ? undefined : LAYER_BY_NAME.get(name);
}

export interface ClassVerdicts {
  /** module classes of the file (translated, get weight maps) */
  modules: Set<string>;
  /** module classes that subclass a torch layer and override forward: the layer's parameters */
  layerBases: Map<string, LayerMapping>;
  /** subclasses of a torch layer with no forward of their own: each is that layer */
  layers: Map<string, LayerMapping>;
}

/** Which classes among a file's top-level class definitions are modules, and which are layers. */
export function classifyClasses(mod: ModuleIR, classDefs: SyntaxNode[], diags?: DiagnosticBag): ClassVerdicts {
  const out: ClassVerdicts = { modules: new Set(), layerBases: new Map(), layers: new Map() };
  const sem = mod.semantic;
  if (!sem) {
    inFileOnly(mod, classDefs, out.modules);
    return out;
  }
  for (const d of classDefs) {
    const name = d.childForFieldName("name")!.text;
    const k = sem.classKind(d);
    if (k.kind === "module") {
      const row = layerRow(k.torchBase);
      if (row && !k.overridesForward) out.layers.set(name, row);
      else {
        out.modules.add(name);
        if (row) out.layerBases.set(name, row);
      }
    } else if (k.kind === "unknown" && definesMethod(d, "forward")) {
      // a class with a forward whose ancestry c2m cannot follow: translated as plain Python, said so
      diags?.report("C2M-W012", k.base.startPosition, `cannot tell whether ${name} is an nn.Module: ${k.reason}`);
    }
  }
  return out;
}

/** The pre-program rule: a base that is torch.nn.Module, a container, or a module class of this file. */
function inFileOnly(mod: ModuleIR, defs: SyntaxNode[], modules: Set<string>): void {
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of defs) {
      const name = d.childForFieldName("name")!.text;
      if (modules.has(name)) continue;
      const bases = d.childForFieldName("superclasses");
      const isModule = bases
        ? namedChildren(bases).some((b) => {
            const q = qualify(b, mod.aliases);
            return (q !== undefined && (q === "torch.nn.Module" || CONTAINERS.has(q))) || modules.has(b.text);
          })
        : false;
      if (isModule) {
        modules.add(name);
        grew = true;
      }
    }
  }
}

/**
 * What a name (or `pkg.Name`) that is neither local nor a class of this file holds when it names a module
 * class of another file: a layer reference for a renamed torch layer, a class reference carrying that
 * file's IR otherwise. Undefined for anything else (torch names are the tables' business).
 */
export function foreignValue(mod: ModuleIR, node: SyntaxNode, collect: (m: ModuleIR) => void): ModVal | undefined {
  const sem = mod.semantic;
  if (!sem || (node.type !== "identifier" && node.type !== "attribute")) return undefined;
  const r = node.type === "identifier" ? sem.resolveName(node.text) : sem.resolveExpression(node);
  if (r.kind !== "class" || r.file === sem.file) return undefined;
  const k = sem.classKind(r.node, r.file);
  if (k.kind !== "module") return undefined;
  const row = layerRow(k.torchBase);
  if (row && !k.overridesForward) return { k: "layerref", row };
  const ext = foreignClass(sem.of(r.file), r.name, collect);
  return ext ? { k: "classref", name: r.name, ext } : { k: "unknown" };
}

/**
 * Member `name` of the module `moduleNode` names, looked up by a key known only as a constant
 * (`resnet.__dict__[backbone_name]` with backbone_name 'resnet50', DeepLab's _segm_resnet): one of its module classes, or
 * one of its functions as a value the interpreter can call; undefined for anything else.
 */
export function moduleMember(mod: ModuleIR, moduleNode: SyntaxNode, name: string, collect: (m: ModuleIR) => void): ModVal | undefined {
  const sem = mod.semantic;
  if (!sem || sem.resolveExpression(moduleNode).kind !== "module") return undefined;
  const r = sem.resolveMember(moduleNode, name);
  if (r.kind === "class" && r.file !== sem.file) {
    const ext = foreignClass(sem.of(r.file), r.name, collect);
    return ext ? { k: "classref", name: r.name, ext } : undefined;
  }
  if (r.kind !== "function" || r.file === sem.file) return undefined;
  const ext = foreignModule(sem.of(r.file), r.name, collect);
  const def = ext?.functions.get(r.name);
  return ext && def ? { k: "value", callable: true, def: { mod: ext, node: def } } : undefined;
}

/** Per file, the module IR (a user's file: one for the whole file; a library's: one per class asked for). */
const foreignModules = new WeakMap<SourceFile, Map<string, ModuleIR | null>>();

/**
 * The module IR of another file of the program, with class `name` collected, or undefined while it is being
 * built (an import cycle). A user's file is collected whole, once. A library's file is interpreted from its
 * outline (constructors and what they call are in it), and only for the classes and functions `name`'s
 * class names, directly or through them: transformers' modeling_utils.py is read for PreTrainedModel alone.
 */
function foreignModule(sem: FileSemantics, name: string, collect: (m: ModuleIR) => void): ModuleIR | undefined {
  const file = sem.file;
  const library = file.origin === "library";
  const key = library ? name : "";
  let perFile = foreignModules.get(file);
  if (!perFile) foreignModules.set(file, (perFile = new Map()));
  if (perFile.has(key)) return perFile.get(key) ?? undefined;
  const root = library ? file.shape?.rootNode : file.root;
  if (!root) return undefined;
  perFile.set(key, null);
  const { aliases, imports } = resolveImports(root);
  const mod: ModuleIR = { file: file.path, source: root.tree.source, root, aliases, imports, classes: new Map(), functions: new Map(), otherClasses: new Map(), semantic: sem };
  if (library) mod.onlyClasses = reachableDefs(root, name);
  collect(mod);
  perFile.set(key, mod);
  return mod;
}

/**
 * The module IRs of another file of the program in which the definitions that name `word` are interpreted (a user's
 * file: the whole file, once; a library's: one per top-level class or function whose text names it), skipping one
 * being built (an import cycle).
 */
export function modulesNaming(sem: FileSemantics, word: string, collect: (m: ModuleIR) => void): ModuleIR[] {
  const file = sem.file;
  if (file.origin !== "library") {
    const whole = file.root && foreignModule(sem, "", collect);
    return whole ? [whole] : [];
  }
  const root = file.shape?.rootNode;
  if (!root) return [];
  const named = new RegExp(`\\b${word}\\b`);
  const out: ModuleIR[] = [];
  for (const n of namedChildren(root)) {
    const d = n.type === "decorated_definition" ? n.childForFieldName("definition")! : n;
    if ((d.type !== "class_definition" && d.type !== "function_definition") || !named.test(d.text)) continue;
    const m = foreignModule(sem, d.childForFieldName("name")!.text, collect);
    if (m && !out.includes(m)) out.push(m);
  }
  return out;
}

/** The top-level definitions of a file that `name`'s definition names, transitively (itself included). */
function reachableDefs(root: SyntaxNode, name: string): Set<string> {
  const defs = new Map<string, SyntaxNode>();
  for (const n of namedChildren(root)) {
    const d = n.type === "decorated_definition" ? n.childForFieldName("definition")! : n;
    if (d.type === "class_definition" || d.type === "function_definition") defs.set(d.childForFieldName("name")!.text, d);
  }
  const reached = new Set([name]);
  const todo = [name];
  while (todo.length) {
    const d = defs.get(todo.pop()!);
    if (!d) continue;
    for (const m of d.text.matchAll(/[A-Za-z_]\w*/g)) {
      if (defs.has(m[0]) && !reached.has(m[0])) {
        reached.add(m[0]);
        todo.push(m[0]);
      }
    }
  }
  return reached;
}

/**
 * A module-level function of another file of the program that a constructor calls to build its layers (timm's
 * `create_conv2d` in layers/create_conv2d.py): its definition and that file's module IR, to interpret it in.
 */
export function foreignFunction(mod: ModuleIR, node: SyntaxNode, collect: (m: ModuleIR) => void): { mod: ModuleIR; def: SyntaxNode } | undefined {
  const sem = mod.semantic;
  if (!sem || (node.type !== "identifier" && node.type !== "attribute")) return undefined;
  const r = node.type === "identifier" ? sem.resolveName(node.text) : sem.resolveExpression(node);
  if (r.kind !== "function" || r.file === sem.file) return undefined;
  const ext = foreignModule(sem.of(r.file), r.name, collect);
  const def = ext?.functions.get(r.name);
  return ext && def ? { mod: ext, def } : undefined;
}

function foreignClass(sem: FileSemantics, name: string, collect: (m: ModuleIR) => void): ForeignClass | undefined {
  const mod = foreignModule(sem, name, collect);
  const cls: ClassIR | undefined = mod?.classes.get(name);
  return mod && cls ? { mod, cls } : undefined;
}

/** Whether a class of another file keeps torch's layout at its forward: true when no class of its own file uses it (it is top-level there). */
export function foreignTakesTorchLayout(ext: ForeignClass): boolean {
  for (const c of ext.mod.classes.values()) if (c !== ext.cls && c.uses.has(ext.cls.name)) return false;
  if (!ext.mod.onlyClasses) return true;
  // a library file read for a few classes: any other class of it that names this one may build it
  const named = new RegExp(`\\b${ext.cls.name}\\b`);
  return !namedChildren(ext.mod.root).some((n) => {
    const d = n.type === "decorated_definition" ? n.childForFieldName("definition")! : n;
    return d.type === "class_definition" && d !== ext.cls.node && named.test(d.text);
  });
}

/**
 * A subclass of nn.Sequential in another file with no forward of its own (torchvision's Conv2dNormActivation):
 * MLX's Sequential runs its items as they are, with no boundary conversion in that file, so a caller treats it
 * as the Sequential of those items. Only items that are torch layers (or containers of them) qualify: a class
 * item's signature belongs to that other file.
 */
export function foreignSequentialItems(cls: ClassIR, items: ModVal | undefined): ModVal | undefined {
  if (!items || cls.methods.has("forward")) return undefined;
  return layersOnly(items) ? items : undefined;
}

function layersOnly(v: ModVal): boolean {
  switch (v.k) {
    case "layer":
      return true;
    case "seq":
    case "list":
      return v.items ? v.items.every(layersOnly) : !!v.elem && layersOnly(v.elem);
    case "union":
      return v.options.every(layersOnly);
    default:
      return false;
  }
}
