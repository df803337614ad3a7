/**
 * init-expressions: what one expression of an `__init__` evaluates to for the module tree (ir/module.ts
 * ModVal): a layer or a reference to one, an in-file or another file's module class, a list, dict or
 * Sequential of those, a constant that names an attribute, or a plain value. One visitor per expression kind;
 * a call is the interesting one (constructors, containers, helpers inlined, other files' functions).
 */
import { callArgs, dottedName, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { LayerMapping } from "../ir/tables.js";
import type { ModuleIR, ModVal } from "../ir/module.js";
import type { InitInterpreter } from "./module-tree.js";
import {
  bindTarget,
  concatenated,
  elementOf,
  enumerateValues,
  holdsRuntimeClass,
  identifiers,
  itemAt,
  MAX_UNROLL,
  moduleDictValue,
  rangeValues,
  sequentialValue,
  union,
  zipValues,
  type Env,
} from "./module-values.js";
import { dataclassInstance, fieldOf } from "./dataclass-values.js";
import { childList, CHILD_LISTS, inFile } from "./child-values.js";
import { configInstance, isConfigClass } from "./config-values.js";
import { sequentialFrom, sliceOf } from "./local-containers.js";
import { moduleGlobal } from "./module-globals.js";
import { classFactory } from "./module-inherit.js";
import { withBoundKeywords } from "./partial-values.js";
import { dictValue, isDictConstructor, noteSequential } from "./named-sequential.js";
import { foreignFunction, foreignValue, moduleMember } from "./package-classes.js";
import { weightNormCall, weightNormValue } from "./weight-norm.js";
import { noteUnknownItems } from "./unknown-items.js";
import { noteClassesForForeignModel } from "./foreign-models.js";
import { qualify } from "./resolve-imports.js";
import { LAYER_BY_NAME, OP_BY_NAME } from "./tables/index.js";

/** Builtins whose results the interpreter follows item by item (for loops that name attributes). */
const ITERATORS = new Set(["range", "zip", "enumerate"]);

type ExpressionVisitor = (it: InitInterpreter, e: SyntaxNode, env: Env) => ModVal;

const EXPRESSIONS = new Map<string, ExpressionVisitor>([
  ["identifier", identifier],
  ["attribute", attribute],
  ["subscript", subscript],
  ["parenthesized_expression", (it, e, env) => (namedChildren(e)[0] ? it.expr(namedChildren(e)[0], env) : { k: "value" })],
  ["binary_operator", binaryOperator],
  ["conditional_expression", conditional],
  // `layers or LayerFn()`: either operand
  ["boolean_operator", (it, e, env) => union([it.expr(e.childForFieldName("left")!, env), it.expr(e.childForFieldName("right")!, env)])],
  ["list", sequence],
  ["tuple", sequence],
  ["expression_list", sequence],
  // `{"block": Block, **base}`: a dict (a config handed to a constructor, keyword-splats.ts)
  ["dictionary", (it, e, env) => dictValue(e, (n) => it.expr(n, env))],
  ["list_comprehension", comprehension],
  ["generator_expression", comprehension],
  ["call", call],
  ["lambda", (it, e, env) => ({ k: "lambda", node: e, mod: it.mod, closure: env })],
  ["integer", (_it, e) => ({ k: "const", text: e.text })],
  ["string", constString],
]);

/** What `e` evaluates to; a plain value for kinds the module tree does not follow. */
export function evaluate(it: InitInterpreter, e: SyntaxNode, env: Env): ModVal {
  return EXPRESSIONS.get(e.type)?.(it, e, env) ?? { k: "value" };
}

function identifier(it: InitInterpreter, e: SyntaxNode, env: Env): ModVal {
  if (env.has(e.text)) return env.get(e.text)!;
  const local = it.mod.classes.get(e.text);
  // in a base's __init__ from another file, that file's classes carry their file
  if (local) return it.mod === it.home ? { k: "classref", name: e.text } : { k: "classref", name: e.text, ext: { mod: it.mod, cls: local } };
  // a config class (config-values.ts): a reference, so that a call or a partial of it builds its instance
  if (isConfigClass(it.mod, e.text)) return { k: "classref", name: e.text };
  const renamedLayer = it.mod.layerClasses?.get(e.text);
  if (renamedLayer) return { k: "layerref", row: renamedLayer };
  const q = qualify(e, it.mod.aliases);
  const row = q ? LAYER_BY_NAME.get(q) : undefined;
  if (row) return { k: "layerref", row };
  const fn = weightNormValue(q);
  if (fn) return fn;
  const v = foreignValue(it.mod, e, it.collectForeign) ?? tableValue(it, e.text);
  // a module-level function of the file (or a torch function) named as a value: callable, so a union beside modules
  // keeps it (module-values.ts)
  const def = it.mod.functions.get(e.text);
  if (v.k === "value" && def) return { k: "value", callable: true, def: { mod: it.mod, node: def } };
  if (v.k === "value" && isTorchFunction(q)) return { k: "value", callable: true };
  return v.k === "value" && !isCallee(e) ? (foreignFunctionValue(it, e) ?? v) : v;
}

/**
 * Another file's function named as a value (timm's resnetv2_18 hands `conv_layer=create_conv2d` to ResNetV2, whose
 * blocks do `conv_layer = conv_layer or StdConv2d`): callable, its body interpreted in its own file where it is called,
 * so that a union beside a default class keeps what it builds instead of the default alone.
 */
function foreignFunctionValue(it: InitInterpreter, e: SyntaxNode): ModVal | undefined {
  const ext = foreignFunction(it.mod, e, it.collectForeign);
  return ext ? { k: "value", callable: true, def: { mod: ext.mod, node: ext.def } } : undefined;
}

/** Whether `e` is the function a call calls (followed there by `call`, not as a value). */
const isCallee = (e: SyntaxNode): boolean => e.parent?.type === "call" && e.parent.childForFieldName("function")?.startIndex === e.startIndex;

/** A torch function of the op tables, not a layer (`F.relu`, `torch.tanh`): called, not built. */
const isTorchFunction = (q: string | undefined): boolean => !!q && OP_BY_NAME.has(q) && !LAYER_BY_NAME.has(q);

/** A table or partial bound once at the top of the file (module-globals.ts), evaluated with no locals; else a plain value. */
function tableValue(it: InitInterpreter, name: string): ModVal {
  if (!it.canNest) return { k: "value" };
  it.depth++;
  try {
    return moduleGlobal(it.mod, name, (n) => it.expr(n, new Map())) ?? { k: "value" };
  } finally {
    it.depth--;
  }
}

/** `xs[i]`: an item (itemAt); `xs[a:b]`: a container of the same kind (local-containers.ts). */
function subscript(it: InitInterpreter, e: SyntaxNode, env: Env): ModVal {
  const member = moduleDictItem(it, e, env);
  if (member) return member;
  const [v, sub] = [it.expr(e.childForFieldName("value")!, env), e.childForFieldName("subscript")];
  return sub?.type === "slice" ? sliceOf(v, sub) : itemAt(v, sub);
}

/** `resnet.__dict__[backbone_name]` with a constant key: the member of the imported module it names (package-classes.ts). */
function moduleDictItem(it: InitInterpreter, e: SyntaxNode, env: Env): ModVal | undefined {
  const value = e.childForFieldName("value")!;
  const sub = e.childForFieldName("subscript");
  if (value.type !== "attribute" || value.childForFieldName("attribute")!.text !== "__dict__" || !sub || sub.type === "slice") return undefined;
  const key = it.expr(sub, env);
  return key.k === "const" ? moduleMember(it.mod, value.childForFieldName("object")!, key.text, it.collectForeign) : undefined;
}

function attribute(it: InitInterpreter, e: SyntaxNode, env: Env): ModVal {
  const q = qualify(e, it.mod.aliases);
  if (q) {
    const row = LAYER_BY_NAME.get(q);
    if (row) return { k: "layerref", row };
    const fn = weightNormValue(q);
    if (fn) return fn;
  }
  if (e.childForFieldName("object")!.text === "self") {
    return it.cls.attrs.get(e.childForFieldName("attribute")!.text) ?? { k: "value" };
  }
  // `layers.conv_norm_act` of a dataclass instance held in a local: that field (dataclass-values.ts)
  const held = env.get(e.childForFieldName("object")!.text);
  const field = held && fieldOf(held, e.childForFieldName("attribute")!.text);
  if (field) return field;
  // `down.block` of a bare module (nn.Module()) or a ModuleDict held in a local or on self: that child
  const holder = held ?? (e.childForFieldName("object")!.type === "attribute" ? it.expr(e.childForFieldName("object")!, env) : undefined);
  const child = holder?.k === "dict" ? holder.entries?.get(e.childForFieldName("attribute")!.text) : undefined;
  if (child) return child;
  // `backbone.features` of a module instance held in a local: what that class's __init__ stored there
  const sub = held?.k === "class" ? (held.ext?.cls ?? it.mod.classes.get(held.name))?.attrs.get(e.childForFieldName("attribute")!.text) : undefined;
  if (sub) return held?.k === "class" && held.ext ? inFile(sub, held.ext.mod) : sub;
  // `pkg.Block` names another file's class; `config.hidden` (a local's attribute) names nothing there
  const head = dottedName(e)?.split(".")[0];
  const foreign = head !== undefined && !env.has(head) && foreignValue(it.mod, e, it.collectForeign);
  // DETR's `self.activation = F.relu` (through _get_activation_fn): a function, which a union beside modules keeps
  return foreign || (isTorchFunction(q) ? { k: "value", callable: true } : { k: "value" });
}

/** `a + b` concatenates lists of modules; other operators give plain values. */
function binaryOperator(it: InitInterpreter, e: SyntaxNode, env: Env): ModVal {
  const [left, right, op] = [e.childForFieldName("left")!, e.childForFieldName("right")!, e.childForFieldName("operator")!.text];
  if (op === "+") return concatenated(it.expr(left, env), it.expr(right, env));
  // `[token_mixers] * num_stage` (timm's MetaNeXt, per-stage settings from one): copies of the display's items, as many
  // as the count says (not known here), so that an item read back (`token_mixers[i]`) is one of them
  const display = op === "*" ? [left, right].find((n) => n.type === "list" || n.type === "tuple") : undefined;
  const repeated = display && it.expr(display, env);
  const item = repeated?.k === "list" && repeated.items?.length ? union(repeated.items) : undefined;
  // (copies of what c2m cannot tell stay a plain value, which an annotation further on may still name)
  if (item && item.k !== "unknown" && !(item.k === "value" && !item.callable)) return { k: "list", items: null, elem: item };
  return { k: "value" };
}

/** `a if c else b`: either. */
function conditional(it: InitInterpreter, e: SyntaxNode, env: Env): ModVal {
  const [a, , b] = namedChildren(e);
  return union([it.expr(a, env), it.expr(b, env)]);
}

/** A list or tuple display: its items (a splat's are left out). */
function sequence(it: InitInterpreter, e: SyntaxNode, env: Env): ModVal {
  return {
    k: "list",
    items: namedChildren(e)
      .filter((c) => c.type !== "list_splat")
      .map((c) => it.expr(c, env)),
  };
}

/** `[f(x) for x in xs]`: a list of unknown length whose element is the body's value with x bound to xs's element. */
function comprehension(it: InitInterpreter, e: SyntaxNode, env: Env): ModVal {
  const body = e.childForFieldName("body")!;
  const local = new Map(env);
  const clauses = namedChildren(e).filter((c) => c.type !== "comment" && c !== body);
  // names computed from known items (`[f"stage{i}" for i in [2, 3, 4]]`): the names themselves
  if (clauses.length === 1 && clauses[0].type === "for_in_clause") {
    const over = it.expr(clauses[0].childForFieldName("right")!, local);
    if (over.k === "list" && over.items && over.items.length <= MAX_UNROLL) {
      const items = over.items.map((item) => {
        bindTarget(clauses[0].childForFieldName("left")!, item, local);
        return it.expr(body, local);
      });
      if (items.every((v) => v.k === "const")) return { k: "list", items };
    }
  }
  for (const clause of namedChildren(e).filter((c) => c.type === "for_in_clause")) {
    const right = clause.childForFieldName("right");
    const elem = right ? elementOf(it.expr(right, local)) : { k: "value" as const };
    for (const id of identifiers(clause.childForFieldName("left")!)) local.set(id, elem);
  }
  return { k: "list", items: null, elem: it.expr(body, local) };
}

function call(it: InitInterpreter, call: SyntaxNode, env: Env): ModVal {
  const fn = call.childForFieldName("function")!;
  const args = callArgs(call);
  // `table.get(key, default)` on a dict of classes: any entry, or the default
  if (fn.type === "attribute" && fn.childForFieldName("attribute")!.text === "get" && args.positional.length) {
    const table = it.expr(fn.childForFieldName("object")!, env);
    if (table.k === "dict") return union([elementOf(table), args.positional[1] ? it.expr(args.positional[1], env) : { k: "value" }]);
  }
  // `model.named_children()`: the children by torch's names (child-values.ts)
  const method = fn.type === "attribute" ? fn.childForFieldName("attribute")!.text : "";
  const listed = Object.hasOwn(CHILD_LISTS, method) ? CHILD_LISTS[method] : undefined;
  if (listed && !args.positional.length) {
    const owner = it.expr(fn.childForFieldName("object")!, env);
    return childList(owner, it.mod, listed) ?? { k: "list", items: null, elem: listed === "pairs" ? { k: "list", items: [{ k: "value" }, { k: "unknown" }] } : { k: "unknown" } };
  }
  const q = qualify(fn, it.mod.aliases);
  if (q === "torch.nn.Sequential")
    return sequentialFrom(
      call,
      noteSequential(
        call,
        noteUnknownItems(
          it.home,
          it.mod === it.home ? it.diags : undefined,
          call,
          sequentialValue(args, (n) => it.expr(n, env)),
        ),
        it.mod,
      ),
    );
  if (fn.type === "identifier" && !q && !env.has(fn.text) && !args.splat && ITERATORS.has(fn.text)) {
    const vals = args.positional.map((a) => it.expr(a, env));
    if (fn.text === "range") return rangeValues(vals) ?? { k: "list", items: null, elem: { k: "value" } };
    return fn.text === "zip" ? zipValues(vals) : enumerateValues(vals[0] ?? { k: "unknown" });
  }
  // `list()`: an empty list the code appends to (GhostNetV3's `primary_rpr_conv = list()`, then nn.ModuleList of it);
  // `list(xs)` of a list: a copy of it
  if (fn.type === "identifier" && !q && !env.has(fn.text) && !it.mod.functions.has(fn.text) && (fn.text === "list" || fn.text === "tuple") && !args.splat && !args.keyword.size) {
    if (!args.positional.length) return { k: "list", items: [] };
    const v = args.positional.length === 1 ? it.expr(args.positional[0], env) : undefined;
    if (v?.k === "list") return { ...v, items: v.items && [...v.items] };
  }
  if (q === "torch.nn.ModuleList") {
    const a = args.positional[0] ?? args.keyword.get("modules");
    if (!a) return { k: "list", items: [] };
    const v = it.expr(a, env);
    return noteUnknownItems(it.home, it.mod === it.home ? it.diags : undefined, call, v.k === "list" ? v : { k: "list", items: null, elem: elementOf(v) });
  }
  if (q === "torch.nn.ModuleDict") return moduleDictValue(args.positional[0] ?? args.keyword.get("modules"), (n) => it.expr(n, env));
  if (q === "torch.nn.Parameter" || q === "torch.nn.parameter.Parameter") return { k: "param" };
  // a bare module, its children stored as attributes afterwards: held as a dict of them (init-statements.ts store)
  if (q === "torch.nn.Module" && !args.positional.length && !args.keyword.size) return { k: "dict", entries: new Map() };
  if (isDictConstructor(fn, q ?? dottedName(fn)) && !env.has(fn.text)) return dictValue(call, (n) => it.expr(n, env));
  // partial(nn.BatchNorm2d, eps=1e-3) builds what its first argument builds; a class keeps the keywords (partial-values.ts)
  if (q === "functools.partial" && args.positional[0]) return withBoundKeywords(it.expr(args.positional[0], env), args, (n) => it.expr(n, env));
  if (q) {
    const row = LAYER_BY_NAME.get(q);
    if (row) return { k: "layer", row, call };
  }
  // a classmethod that builds its class (`CLIPVisionModel._from_config(config)`): an instance, its __init__'s arguments unknown here
  const owner = fn.type === "attribute" ? it.expr(fn.childForFieldName("object")!, env) : undefined;
  if (owner?.k === "classref" && classFactory(it.home, owner, fn.childForFieldName("attribute")!.text, it.collectForeign)) {
    if (!owner.ext) it.cls.uses.add(owner.name);
    return { k: "class", name: owner.name, ...(owner.ext ? { ext: owner.ext } : {}) };
  }
  const data = fn.type === "identifier" && !env.has(fn.text) ? dataclassInstance(it.mod, call, (n) => it.expr(n, env)) : undefined;
  if (data) return data;
  // `copy.copy(cnf)`, `deepcopy(layer)`: the same value (EfficientNet copies each stage's config before adjusting it)
  const copied = q ?? dottedName(fn);
  if ((copied === "copy.copy" || copied === "copy.deepcopy") && args.positional[0]) return it.expr(args.positional[0], env);
  const callee = it.expr(fn, env);
  const normed = weightNormCall(callee, call, (n) => it.expr(n, env));
  if (normed) return normed;
  // a config object (config-values.ts): `MBConvConfig(…)`, or through `partial(MBConvConfig, width_mult=…)`
  // (a class of another file that reached here without its file, e.g. timm's `model_cls(**kwargs)` in _builder.py, is not one)
  const config = callee.k === "classref" && !callee.ext && !it.mod.classes.has(callee.name) ? configInstance(it, callee.name, args, env, callee.bound) : undefined;
  if (config) return config;
  // a parameter no call site gives a value for, called to build something: what it builds is not known; in a model
  // other files of the package build (ResNeSt's resnest.py: `ResNet(Bottleneck, …)` of resnet.py), a class they give,
  // known only at run time (as for a parameter this file gives classes, module-tree.ts paramValuesFromCallSites)
  if (callee.k === "unknown" && fn.type === "identifier" && env.has(fn.text) && it.mod === it.home && it.mod.namedByOtherFiles?.(it.cls.name)) return { k: "anyclass" };
  if (callee.k === "unknown" && fn.type === "identifier" && env.has(fn.text)) {
    it.diags?.report("C2M-W015", fn.startPosition, `${fn.text}(…): no call site of ${it.cls.name} tells what ${fn.text} is; what it builds is left out of the weight map`);
  }
  if (callee.k === "classref") {
    if (callee.ext && it.modelFunctionDiags && it.mod === it.home) noteClassesForForeignModel(it.modelFunctionDiags, it.home, call, (n) => it.expr(n, env));
    if (!callee.ext) it.construct(callee.name, args, env, callee.bound);
    const ext = callee.ext && it.specialize(callee.ext, call, args, env, callee.bound);
    return { k: "class", name: callee.name, ...(ext ? { ext } : {}) };
  }
  if (callee.k === "layerref") return { k: "layer", row: callee.row, call };
  if (callee.k === "lambda") return it.callLambda(callee, args, env);
  // a module-level function held by a parameter or local (`block(inp, oup)` given `conv_3x3_bn`): its body, in its file
  if (callee.k === "value" && callee.def && it.canNest) return callFunctionValue(it, callee.def, args, env);
  // a class known only at run time builds one
  if (callee.k === "anyclass") return callee;
  // of several callees, the classes and layers build modules (a config class, config-values.ts, builds none); an
  // instance called (a module passed where a class was expected, on a path the program never takes: timm's
  // `norm_layer or nn.Identity()`) builds none
  const isModuleRef = (o: ModVal) => o.k === "layerref" || o.k === "anyclass" || (o.k === "classref" && (!!o.ext || it.mod.classes.has(o.name)));
  const isBuilder = (o: ModVal) => isModuleRef(o) || (o.k === "value" && !!o.def && it.canNest);
  if (callee.k === "union" && callee.options.some(isModuleRef)) {
    return union(
      callee.options.filter(isBuilder).map((o) => {
        if (o.k === "anyclass") return o;
        if (o.k === "value") return callFunctionValue(it, o.def!, args, env);
        if (o.k === "classref") {
          if (!o.ext) it.construct(o.name, args, env);
          return { k: "class", name: o.name, ...(o.ext ? { ext: o.ext } : {}) } as ModVal;
        }
        return { k: "layer", row: (o as { row: LayerMapping }).row, call } as ModVal;
      }),
    );
  }
  // a function defined in an enclosing function's body, not rebound since (StarGAN's blocks defined in __init__)
  const nested = fn.type === "identifier" && !env.has(fn.text) && it.canNest ? nestedDefinition(call, fn.text) : undefined;
  if (nested) return it.inlineNested(nested, args, env);
  // helpers: self.method(...) and module-level functions build modules too (torchvision's _make_layer)
  let target: SyntaxNode | undefined;
  if (fn.type === "attribute" && fn.childForFieldName("object")!.text === "self") {
    target = it.cls.methods.get(fn.childForFieldName("attribute")!.text);
  } else if (fn.type === "identifier") target = it.mod.functions.get(fn.text);
  if (target && it.canNest) return it.inline(target, args, env);
  // a function of another file (timm's create_conv2d): interpreted in its own file, with the values passed here
  const ext = !target && it.canNest && !(fn.type === "identifier" && env.has(fn.text)) ? foreignFunction(it.mod, fn, it.collectForeign) : undefined;
  // a model function of this file giving its classes to another file's model (foreign-models.ts)
  if (ext && it.modelFunctionDiags && it.mod === it.home) noteClassesForForeignModel(it.modelFunctionDiags, it.home, call, (n) => it.expr(n, env));
  if (ext) return it.inlineForeign(ext, args, env);
  // a call c2m cannot follow, given a class known only at run time, may hand it back or a tuple of it (timm's ResNet:
  // `to_ntuple(n)(block)`, whose closure the interpreter does not run): what it returns is that class, never the
  // classes a later annotation names (make_blocks' `block_fns: Tuple[Type[BasicBlock], ...]`)
  if ([...args.positional, ...args.keyword.values()].some((a) => holdsRuntimeClass(it.expr(a, env)))) return { k: "anyclass" };
  return { k: "value" };
}

/** A module-level function called through a value that names it: inlined in this file, or interpreted in its own. */
function callFunctionValue(it: InitInterpreter, def: { mod: ModuleIR; node: SyntaxNode }, args: ReturnType<typeof callArgs>, env: Env): ModVal {
  return def.mod === it.mod ? it.inline(def.node, args, env) : it.inlineForeign({ mod: def.mod, def: def.node }, args, env);
}

/** A string literal, or an f-string whose parts are all constants (`f"layer{i}"` in an unrolled loop). */
function constString(it: InitInterpreter, e: SyntaxNode, env: Env): ModVal {
  let text = "";
  for (const part of e.namedChildren) {
    if (part.type === "string_content") text += part.text;
    else if (part.type === "interpolation") {
      const inner = namedChildren(part)[0];
      const v = inner && part.namedChildren.length === 1 ? it.expr(inner, env) : undefined;
      if (v?.k !== "const") return { k: "value" };
      text += v.text;
    } else if (part.type !== "string_start" && part.type !== "string_end") return { k: "value" };
  }
  return { k: "const", text };
}

/** The `def name` in the body of a function enclosing `node`, innermost first; undefined when none. */
function nestedDefinition(node: SyntaxNode, name: string): SyntaxNode | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === "class_definition") return undefined;
    if (p.type !== "function_definition") continue;
    for (const st of namedChildren(p.childForFieldName("body")!)) {
      const def = st.type === "decorated_definition" ? st.childForFieldName("definition")! : st;
      if (def.type === "function_definition" && def.childForFieldName("name")!.text === name) return def;
    }
  }
  return undefined;
}
