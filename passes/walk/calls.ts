/**
 * Calls in the function-body walk: what a call's callee is decides how it is translated. Torch containers,
 * runtime calls, layers, ops and names go to their table rows; a module held by the class or a local goes to
 * passes/walk/module-calls.ts; a tensor method to passes/walk/op-calls.ts; zip and enumerate iterate element by
 * element; functions of the file and calls c2m does not model get their arguments translated (tensors in
 * torch's layout).
 */
import { computedSelfAttribute } from "../computed-attrs.js";
import { functionReference } from "../function-values.js";
import { tiesParameter } from "../tied-parameters.js";
import { evaluatedOnImport } from "../untranslated.js";
import { callArgs, namedChildren, type SyntaxNode } from "../../grammar/python.js";
import { stringValue } from "../module-tree.js";
import { isNamedSequential } from "../named-sequential.js";
import { enumerated, zipped } from "../loop-values.js";
import { isTabled, isTorch, qualify } from "../resolve-imports.js";
import { AUTOCAST_CONTEXTS, helpersFor, RUNTIME_CALLS, TORCH_STRING_NAMES, VALUE_CALLS } from "../tables/torch-runtime.js";
import { probeFunction, PROBE_HELPER } from "../package-probes.js";
import { registeredOp } from "../registered-ops.js";
import { isSequential, selfSequential, SEQUENCE_BUILTINS, sequentialItems } from "../sequential-access.js";
import { anyChildOf, CHILD_ITERATORS } from "../module-children.js";
import { selfAttribute } from "../unnamed-attrs.js";
import { CALLED_AS_IN_TORCH, LAYER_BY_NAME, MODULE_METHODS, OP_BY_NAME, SEQUENTIAL_METHODS, TORCH_NAMES, type ModuleMethodRow } from "../tables/index.js";
import { STDLIB_STAND_INS } from "../tables/stdlib-calls.js";
import { rebuild } from "./source-text.js";
import { joinItems } from "./list-growth.js";
import type { Gen, Val } from "./types.js";
import { samePerm } from "../../ir/tensor.js";
import { childIteration, iterElement } from "./values.js";
import { listToLogical, logicalShape, toLogical, toLogicalDeep } from "./layout-conversion.js";
import { opCall, tensorMethod } from "./op-calls.js";
import type { WalkState } from "./state.js";
import { layerConstruction } from "./layers.js";
import { moduleCall } from "./module-calls.js";
import { binds, expr } from "./expressions.js";
import { dictChild, layerValue, torchName, untranslated } from "./attributes.js";
import { callsUntypedParameters, PARAMETERS_OF_HELPER, parametersOfText } from "../untyped-receivers.js";
import { hostReturnOf } from "./host-values.js";

export const TENSOR_ONLY_METHODS = new Set([
  "is_floating_point",
  "view",
  "reshape",
  "permute",
  "transpose",
  "contiguous",
  "unsqueeze",
  "squeeze",
  "flatten",
  "expand",
  "expand_as",
  "repeat",
  "masked_fill",
  "softmax",
  "size",
  "dim",
  "float",
  "half",
  "long",
  "int",
  "bool",
  "type_as",
  "to",
  "cuda",
  "cpu",
  "detach",
  "clone",
  "numel",
  "chunk",
  "split",
  "sum",
  "mean",
  "max",
  "min",
  "argmax",
  "argmin",
  "exp",
  "log",
  "sqrt",
  "rsqrt",
  "pow",
  "abs",
  "tanh",
  "sigmoid",
  "relu",
  "matmul",
  "bmm",
  "cumsum",
  "gather",
  "topk",
  "clamp",
  "unbind",
  "new_zeros",
  "new_ones",
  "new_full",
  "masked_fill_",
  "add_",
  "mul_",
  "sub_",
  "div_",
  "clamp_",
  "zero_",
  "fill_",
  "copy_",
  "var",
  "std",
  "norm",
  "type",
  "item",
  "tolist",
  "numpy",
  "t",
  "triu",
  "tril",
  "square",
]);

/** Method names that plain Python objects have too: only a value known to be a tensor gets the torch row. */
const AMBIGUOUS_METHODS = new Set([
  "split",
  "sort",
  "copy",
  "index",
  "count",
  "pop",
  "append",
  "extend",
  "get",
  "items",
  "keys",
  "values",
  "update",
  "join",
  "format",
  "replace",
  "strip",
  "startswith",
  "endswith",
  "lower",
  "upper",
  "add",
  "remove",
  "clear",
  "insert",
  "reverse",
  "find",
  "encode",
  "decode",
  "groups",
  "group",
  "match",
]);

const BUILTINS_KEEP_LAYOUT = new Set(["len", "isinstance", "print", "id", "type", "hasattr", "getattr", "super"]);

export function call(w: WalkState, e: SyntaxNode): Gen {
  const fn = e.childForFieldName("function")!;
  const q = qualify(fn, w.ctx.mod.aliases);
  // a Parameter or a Buffer (torch ≥ 2.5) is its array in MLX; module-tree decides whether a buffer is private
  if (q === "torch.nn.Parameter" || q === "torch.nn.parameter.Parameter" || q === "torch.nn.Buffer" || q === "torch.nn.parameter.Buffer") {
    const a = callArgs(e).positional[0] ?? callArgs(e).keyword.get("data");
    if (a) {
      const g = expr(w, a);
      return { v: g.v.k === "tensor" ? g.v : { k: "tensor", t: { kind: "tensor" } }, text: g.text };
    }
  }
  if (q === "torch.nn.Sequential") return containerCall(w, e, "nn.Sequential");
  if (q === "torch.nn.ModuleList") return moduleList(w, e);
  if (q === "torch.nn.ModuleDict") {
    w.ctx.helpers.add("ModuleDict");
    return containerCall(w, e, "ModuleDict");
  }
  if (q && isTabled(q)) return torchCall(w, e, fn, q);
  // a standard-library call with an MLX stand-in taking its arguments (copy.deepcopy of a module holding nn.relu)
  const standIn = q ? STDLIB_STAND_INS[q] : undefined;
  if (standIn && !w.env.has(fn.text.split(".")[0])) {
    w.ctx.helpers.add(standIn);
    return opaqueCall(w, e, new Map([[fn, standIn]]), false);
  }
  // `getattr(self, f"layer{i}")`, `self.__getattr__('level_%d' % i)`: a module stored under a computed name (../computed-attrs.ts)
  const stored = computedSelfAttribute(e, w.cls);
  if (stored) return { v: { k: "module", m: stored }, text: e.text };
  const probe = probeFunction(fn, w.ctx.mod.root);
  if (probe) {
    w.ctx.helpers.add(PROBE_HELPER);
    return opaqueCall(w, e, new Map([[fn, probe]]), false);
  }
  const visit = CALLEE_VISITORS.get(fn.type) ?? computedCall;
  return visit(w, e, fn);
}

/** A call of a torch name (`q`, qualified): a runtime call, a layer, an op, a helper with torch's signature, or reported. */
function torchCall(w: WalkState, e: SyntaxNode, fn: SyntaxNode, q: string): Gen {
  const disabled = AUTOCAST_CONTEXTS.has(q) && callArgs(e).keyword.get("enabled")?.text === "False";
  const runtime = disabled ? RUNTIME_CALLS["torch.no_grad"] : RUNTIME_CALLS[q];
  if (runtime) {
    for (const i of runtime.imports ?? []) w.ctx.imports.add(i);
    w.record("table", q, e);
    return { v: { k: "other" }, text: runtime.mlx };
  }
  const passed = VALUE_CALLS[q];
  const value = passed && (callArgs(e).positional[passed.index] ?? callArgs(e).keyword.get(passed.keyword));
  if (value) {
    w.record("table", q, e);
    return expr(w, value);
  }
  const layer = LAYER_BY_NAME.get(q);
  if (layer) return layerConstruction(w, e, layer);
  const op = OP_BY_NAME.get(q);
  if (op) return opCall(w, e, op, callArgs(e).positional, callArgs(e).keyword, undefined);
  const registered = registeredOp(q, w.ctx.mod);
  if (registered) return opaqueCall(w, e);
  // a torch name whose MLX form is a helper function with torch's signature, called
  if (TORCH_NAMES[q] && (helpersFor(TORCH_NAMES[q]).length || CALLED_AS_IN_TORCH.has(q))) return opaqueCall(w, e, new Map([[fn, torchName(w, q, fn).text]]), false);
  const owner = fn.type === "attribute" ? fn.childForFieldName("object")! : undefined;
  const ownerName = owner ? qualify(owner, w.ctx.mod.aliases) : undefined;
  if (owner && ownerName && TORCH_STRING_NAMES.has(ownerName)) {
    return opaqueCall(w, e, new Map([[fn, `${torchName(w, ownerName, owner).text}.${fn.childForFieldName("attribute")!.text}`]]), false);
  }
  if (evaluatedOnImport(e)) return untranslated(w, `${q}(...)`, e);
  // another tabled library's name (einops.pack): its import went, so the call cannot run as written
  if (!isTorch(q)) {
    w.diag("C2M-E038", e, `${q} has no MLX translation`);
    return opaqueCall(w, e, new Map([[fn, fn.text]]));
  }
  w.diag(q.startsWith("torch.nn.") && /^[A-Z]/.test(q.split(".").pop()!) ? "C2M-W001" : "C2M-W002", e, `${q} has no MLX mapping`);
  return opaqueCall(w, e, new Map([[fn, fn.text]]));
}

/** How a call is walked, by its callee's node type (`fn` is the callee). */
type CallVisitor = (w: WalkState, e: SyntaxNode, fn: SyntaxNode) => Gen;

/**
 * A numpy array, never a tensor: what a numpy function returns, and its own methods' results (PointNet's
 * `np.eye(k).flatten().astype(np.float32)`, whose `.flatten()` is numpy's, as is the `.astype` after it).
 */
function isNumpyValue(e: SyntaxNode, aliases: Map<string, string>): boolean {
  if (e.type === "parenthesized_expression") return namedChildren(e).some((c) => isNumpyValue(c, aliases));
  if (e.type !== "call") return false;
  const fn = e.childForFieldName("function")!;
  if (qualify(fn, aliases)?.startsWith("numpy.")) return true;
  return fn.type === "attribute" && isNumpyValue(fn.childForFieldName("object")!, aliases);
}

/** `obj.method(...)`: a module the class holds, a method of the class, a module method, a tensor method, or opaque. */
function methodCall(w: WalkState, e: SyntaxNode, fn: SyntaxNode): Gen {
  const obj = fn.childForFieldName("object")!;
  const method = fn.childForFieldName("attribute")!.text;
  if (obj.text === "self" && w.cls) {
    const m = selfAttribute(w.cls, method, w.ctx.mod.aliases);
    if (m && m.k !== "value" && m.k !== "param" && m.k !== "buffer") return moduleCall(w, e, m, fn.text);
    // `self.forward(x)` is `self(x)`: its arguments go in the layouts the class's forward takes (vit-pytorch's CCT
    // Tokenizer measures its output with self.forward(torch.zeros(…)) while its forward takes channels-last input)
    if (method === "forward" && w.cls.methods.has("forward")) return moduleCall(w, e, { k: "class", name: w.cls.name }, "self");
    // an attribute c2m took for a plain value, called: a module only the built model holds (timm's Bottle2neck keeps
    // `downsample: Optional[nn.Module] = None`, which ResNet in another file fills with a Sequential of channels-last
    // layers): the module held at run time decides its layout, as for a module of unknown class. A function stored
    // there (DETR's `self.activation = F.relu`, a function of the file) is known to be one: module-values.ts keeps it,
    // alone or beside a module as a union option, which the union's call routes (module-calls.ts applyUnion)
    if (m?.k === "value" && !m.callable && callArgs(e).positional.length && !w.cls.methods.has(method) && !w.cls.torchFunctionAttrs?.has(method))
      return moduleCall(w, e, { k: "unknown" }, fn.text);
    if (w.cls.methods.has(method) || method === "forward") return userCall(w, e, fn.text === "self.forward" ? "self" : fn.text);
    const mm = MODULE_METHODS[method];
    if (mm && !m) return moduleMethod(w, e, "self", mm);
    const child = CHILD_ITERATORS[method] && !m && !callArgs(e).positional.length ? anyChildOf({ k: "class", name: w.cls.name }, w.ctx.mod) : undefined;
    if (child) return { v: childIteration(child, CHILD_ITERATORS[method]), text: fn.text + "()" };
  }
  // `super().forward(x)` in a subclass of a torch layer that overrides forward (guided-diffusion's GroupNorm32 casts
  // around it): the layer's own call, its arguments in the layout that layer takes
  if ((method === "forward" || method === "__call__") && isSuperCall(obj) && w.cls?.layerBase)
    return moduleCall(w, e, { k: "layer", row: w.cls.layerBase, call: w.cls.node }, fn.text);
  // `self.relu(out)` in a module whose relu this file does not show (a subclass sets it): self is a
  // module, never a tensor whose .relu() method this could be
  const selfIsModule = obj.type === "identifier" && obj.text === "self" && !!w.cls && !w.env.has("self");
  const o = expr(w, obj);
  const isModuleName =
    selfIsModule ||
    (obj.type === "identifier" && !w.env.has(obj.text) && (w.ctx.mod.aliases.has(obj.text) || w.ctx.mod.classes.has(obj.text) || w.ctx.mod.otherClasses.has(obj.text)));
  const knownTensor = o.v.k === "tensor" && !o.v.assumed;
  const likelyTensor = (o.v.k === "tensor" || (o.v.k === "other" && TENSOR_ONLY_METHODS.has(method) && !isNumpyValue(obj, w.ctx.mod.aliases))) && !AMBIGUOUS_METHODS.has(method);
  // a method only modules have: the receiver is a module whatever c2m took it for (a helper's `module` parameter), a
  // ModuleList among them, which MLX holds as a plain list
  if (o.v.k !== "module" && MODULE_METHODS[method]?.moduleOnly) return moduleMethod(w, e, o.text, containerForm(MODULE_METHODS[method]));
  // `x.parameters()` on a value of unknown type: the helper asks at run time (untyped-receivers.ts)
  // a parameter merely presumed a tensor is untyped too: a tensor has no parameters() (guided-diffusion's zero_module(module))
  const receiverKind = o.v.k === "tensor" && o.v.assumed ? "other" : o.v.k;
  if (callsUntypedParameters(method, receiverKind, namedChildren(e.childForFieldName("arguments")!).length)) {
    w.ctx.helpers.add(PARAMETERS_OF_HELPER);
    return { v: { k: "other" }, text: parametersOfText(o.text) };
  }
  // `hs.pop()` of a list of tensors (ldm's UNet skips): an item in the one layout the list holds them in, as `hs[-1]`
  // reads it; the list's last item may be gone by then, so all items are brought to one layout
  if (o.v.k === "list" && method === "pop") {
    const elem = o.v.items ? joinItems(w, o.v.items, e) : (o.v.elem ?? { k: "other" });
    return { v: elem, text: opaqueCall(w, e, new Map([[obj, o.text]])).text };
  }
  if (knownTensor || (likelyTensor && obj.type !== "string" && !isModuleName)) {
    return tensorMethod(w, e, o, obj, method);
  }
  if (o.v.k === "module") {
    const m = o.v.m;
    if (method === "forward" || method === "__call__") return moduleCall(w, e, m, `${o.text}`);
    // `attn.group_norm(x)`: a module a known class holds, called
    const owner = m.k === "class" ? (m.ext?.cls ?? w.ctx.mod.classes.get(m.name)) : undefined;
    const held = owner && !owner.methods.has(method) ? selfAttribute(owner, method, (m.k === "class" && m.ext?.mod.aliases) || w.ctx.mod.aliases) : undefined;
    if (held && held.k !== "value" && held.k !== "param" && held.k !== "buffer" && held.k !== "unknown") return moduleCall(w, e, held, `${o.text}.${method}`);
    // `self.mid.block_1(h)`: a child of a bare module or a ModuleDict, called
    const dictHeld = MODULE_METHODS[method] ? undefined : dictChild(m, method);
    if (dictHeld && dictHeld.k !== "value" && dictHeld.k !== "param" && dictHeld.k !== "buffer" && dictHeld.k !== "unknown")
      return moduleCall(w, e, dictHeld, `${o.text}.${method}`);
    if (MODULE_METHODS[method]) return moduleMethod(w, e, o.text, m.k === "list" ? containerForm(MODULE_METHODS[method]) : MODULE_METHODS[method]);
    if (m.k === "seq" && SEQUENTIAL_METHODS[method]) return moduleMethod(w, e, o.text, SEQUENTIAL_METHODS[method]);
    const child = CHILD_ITERATORS[method] && !callArgs(e).positional.length ? anyChildOf(m, w.ctx.mod) : undefined;
    if (child) return { v: childIteration(child, CHILD_ITERATORS[method]), text: `${o.text}.${method}()` };
    return opaqueCall(w, e, new Map([[obj, o.text]]));
  }
  if (o.v.k === "shape" && method === "numel") return opaqueCall(w, e);
  return opaqueCall(w, e, new Map([[obj, o.text]]));
}

/**
 * Whether a call is given a name known to hold a tensor (not a parameter merely presumed one, nor arithmetic on one:
 * `block(self.inplanes, planes * 2)` in a layer builder is given sizes).
 */
function givesKnownTensor(w: WalkState, e: SyntaxNode): boolean {
  return callArgs(e).positional.some((a) => {
    if (a.type !== "identifier") return false;
    const v = expr(w, a).v;
    return v.k === "tensor" && !v.assumed;
  });
}

/** `super()`, `super(Cls, self)`: the class's base. */
const isSuperCall = (n: SyntaxNode): boolean => n.type === "call" && n.childForFieldName("function")?.text === "super";

/** `name(...)`: a module held by a local, a builtin c2m knows (hasattr, getattr, zip, enumerate), a function or class of the file. */
function nameCall(w: WalkState, e: SyntaxNode, fn: SyntaxNode): Gen {
  if (fn.text === "self" && w.cls?.methods.has("forward")) return moduleCall(w, e, { k: "class", name: w.cls.name }, "self");
  const local = w.env.get(fn.text);
  if (local?.k === "module") return moduleCall(w, e, local.m, fn.text);
  // a parameter merely presumed a tensor, called: a module or function its caller passes in (MICN's
  // conv_trans_conv(input, conv1d, conv1d_trans, isometric) given convs of a ModuleList), whose layout the value
  // held at run time decides, as for a module attribute of unknown class
  if (local?.k === "tensor" && local.assumed && local.def?.endsWith("@param") && w.fn?.childForFieldName("name")?.text !== "__init__" && givesKnownTensor(w, e))
    return moduleCall(w, e, { k: "unknown" }, fn.text);
  if (fn.text === "hasattr") {
    // feature probes such as hasattr(torch.nn.functional, "scaled_dot_product_attention"): true where the tables
    // translate the name, an op or a value (wav2vec2's hasattr(nn.utils.parametrizations, "weight_norm"))
    const [obj, name] = callArgs(e).positional;
    const q = obj ? qualify(obj, w.ctx.mod.aliases) : undefined;
    const probed = q && isTorch(q) && name?.type === "string" ? `${q}.${stringValue(name)}` : undefined;
    // a layer class (`hasattr(nn, "SiLU")`, efficientnetv2's guard around its own SiLU for old torch) is translated too
    if (probed) return { v: { k: "other" }, text: OP_BY_NAME.has(probed) || LAYER_BY_NAME.has(probed) || TORCH_NAMES[probed] !== undefined ? "True" : "False" };
  }
  if (fn.text === "getattr") {
    const probe = torchFeatureProbe(w, e);
    if (probe) return probe;
  }
  if ((fn.text === "zip" || fn.text === "enumerate") && !binds(w, fn.text)) return iterationCall(w, e, fn.text);
  const summed = fn.text === "sum" && !binds(w, "sum") ? sumOfTensors(w, e) : undefined;
  if (summed) return summed;
  if (BUILTINS_KEEP_LAYOUT.has(fn.text)) return opaqueCall(w, e, undefined, false);
  // `range(n // 2)` holds Python ints whatever n is (FEDformer's `index = list(range(seq_len // 2))`, whose
  // `index.sort()` is then a list's, not torch.sort of a tensor)
  if (fn.text === "range" && !binds(w, "range")) return { v: { k: "list", items: null, elem: { k: "num" } }, text: opaqueCall(w, e, undefined, false).text };
  if (w.ctx.mod.functions.has(fn.text)) return userCall(w, e, fn.text);
  if (w.ctx.mod.classes.has(fn.text)) return opaqueCall(w, e, undefined, false);
  return opaqueCall(w, e);
}

/**
 * `sum(splited)`: the builtin adding up a list of tensors that share one layout is their elementwise sum, a tensor in
 * that layout (ResNeSt's split attention sums the radix groups of a conv's output); undefined for anything else.
 */
function sumOfTensors(w: WalkState, e: SyntaxNode): Gen | undefined {
  const args = callArgs(e);
  const [xs, start] = args.positional;
  if (!xs || args.keyword.size || args.positional.length > 2 || xs.type === "list_splat" || (start && start.type !== "integer" && start.type !== "float")) return undefined;
  const g = expr(w, xs);
  const items = g.v.k === "list" ? (g.v.items ?? (g.v.elem ? [g.v.elem] : [])) : [];
  const first = items[0];
  if (first?.k !== "tensor" || !items.every((v) => v.k === "tensor" && samePerm(v.t.perm, first.t.perm) && v.t.rank === first.t.rank)) return undefined;
  return { v: { k: "tensor", t: { ...first.t } }, text: rebuild(e, new Map([[xs, g.text]])) };
}

/** Any other callee (`self.layers[i](x)`, `make()(x)`): a module if the walk knows it is one. */
function computedCall(w: WalkState, e: SyntaxNode, fn: SyntaxNode): Gen {
  const f = expr(w, fn);
  if (f.v.k === "module") return moduleCall(w, e, f.v.m, f.text);
  return opaqueCall(w, e, new Map([[fn, f.text]]));
}

/** The visitor of each callee node type; `computedCall` for any other. */
const CALLEE_VISITORS = new Map<string, CallVisitor>([
  ["attribute", methodCall],
  ["identifier", nameCall],
]);

/**
 * `getattr(torch, "compiler", None)`, `getattr(F, "scaled_dot_product_attention", None)`: a probe for a
 * torch feature is the feature's MLX form where the tables have one, else the default (MLX lacks it).
 */
function torchFeatureProbe(w: WalkState, e: SyntaxNode): Gen | undefined {
  const [obj, name, dflt] = callArgs(e).positional;
  const q = obj ? qualify(obj, w.ctx.mod.aliases) : undefined;
  if (!(q && isTorch(q)) || name?.type !== "string" || callArgs(e).keyword.size) return undefined;
  const full = `${q}.${stringValue(name)}`;
  if (TORCH_NAMES[full]) return torchName(w, full, e);
  const layer = LAYER_BY_NAME.get(full);
  if (layer) return layerValue(w, layer, e);
  const op = OP_BY_NAME.get(full);
  const ref = op ? functionReference(op) : undefined;
  if (ref) {
    for (const h of op!.helpers ?? []) w.ctx.helpers.add(h);
    return { v: { k: "other" }, text: ref };
  }
  // an op the tables map only as a call: not absent, so not the default
  if (op || !dflt) return undefined;
  w.record("table", `getattr(${q})`, e);
  return { v: { k: "other" }, text: expr(w, dflt).text };
}

/** A module method's form for a receiver that is, or may be, a torch ModuleList: MLX's plain list has no Module method. */
function containerForm(row: ModuleMethodRow): ModuleMethodRow {
  return row.container ? { ...row, mlx: row.container.mlx, imports: [], helpers: row.container.helpers } : row;
}

/** A module method called on `self` (the receiver's text), by its table row. */
function moduleMethod(w: WalkState, e: SyntaxNode, self: string, mm: { mlx: string; imports?: string[]; helpers?: string[]; note?: { code: string; message: string } }): Gen {
  w.record("table", `Module.${e.childForFieldName("function")!.childForFieldName("attribute")?.text ?? "?"}`, e);
  if (mm.note) w.diag(mm.note.code, e, mm.note.message);
  for (const i of mm.imports ?? []) w.ctx.imports.add(i);
  for (const h of mm.helpers ?? []) w.ctx.helpers.add(h);
  const argsNode = e.childForFieldName("arguments");
  const args = mm.mlx.includes("{args}") && argsNode ? translatedArgs(w, argsNode) : "";
  return { v: { k: "other" }, text: mm.mlx.replace("{self}", self).replace(args ? "{args}" : ", {args}", args) };
}

/** The text between a call's parentheses, each argument translated (tensors in torch's layout). */
function translatedArgs(w: WalkState, argsNode: SyntaxNode): string {
  const replaced = new Map<SyntaxNode, string>();
  for (const a of namedChildren(argsNode)) {
    const valueNode = a.type === "keyword_argument" ? a.childForFieldName("value")! : a.type === "list_splat" || a.type === "dictionary_splat" ? namedChildren(a)[0] : a;
    let g = logicalShape(expr(w, valueNode));
    if (g.v.k === "tensor") g = toLogical(w, g, valueNode);
    replaced.set(valueNode, g.text);
  }
  return rebuild(argsNode, replaced).slice(1, -1);
}

const PYTHON_BUILTINS: ReadonlySet<string> = new Set([
  ...SEQUENCE_BUILTINS,
  ...["isinstance", "print", "id", "type", "sum", "map", "filter", "max", "min", "any", "all", "dict", "set", "hasattr", "getattr", "setattr"],
]);

/** A call c2m does not model: its arguments are translated and, when `logical`, converted to torch layout. */
export function opaqueCall(w: WalkState, e: SyntaxNode, replaced = new Map<SyntaxNode, string>(), logical = true): Gen {
  const args = e.childForFieldName("arguments");
  const callee = e.childForFieldName("function")!;
  const readsSequence = callee.type === "identifier" && SEQUENCE_BUILTINS.has(callee.text) && !binds(w, callee.text);
  // `map(lambda t: rearrange(t, "b (h c) x y -> …"), qkv)`: c2m does not follow the items into the lambda, whose
  // parameter is read in torch's layout; a list of channels-last tensors goes converted, whatever expression holds it
  const itemsToLambda = callee.type === "identifier" && (callee.text === "map" || callee.text === "filter") && !binds(w, callee.text) && args?.namedChildren[0]?.type === "lambda";
  let anyTensor = false;
  for (const a of args ? namedChildren(args) : []) {
    const valueNode = a.type === "keyword_argument" ? a.childForFieldName("value")! : a;
    let g = expr(w, valueNode);
    if (readsSequence) g = asSequential(w, g);
    if (readsSequence && g.v.k === "module" && isSequential(g.v.m)) g = { v: { k: "other" }, text: sequentialItems(g.text, g.v.m) };
    if (g.v.k === "tensor") {
      anyTensor = true;
      if (logical) g = toLogical(w, g, valueNode);
    }
    // a list or tuple display of tensors goes in torch's layout too (`map(lambda t: rearrange(t, …), (q, k, v))` after
    // convs); a name holding a list stays as it is (it may hold None at run time: transformers' Swin hidden states)
    if (logical && g.v.k === "list" && (itemsToLambda || valueNode.type === "list" || valueNode.type === "tuple")) g = { v: g.v, text: listToLogical(w, valueNode, g) };
    // a name holding channels-last tensors given to a call of another library (GLPN's encoder passes its hidden states
    // to BaseModelOutput): each item goes in torch's layout, the whole kept None where it is None; Python's builtins
    // read the items where c2m follows them
    if (logical && g.v.k === "list" && valueNode.type === "identifier" && !(callee.type === "identifier" && PYTHON_BUILTINS.has(callee.text))) {
      const each = toLogicalDeep(w, g, valueNode);
      if (each.text !== g.text) g = { v: each.v, text: `(${each.text} if ${valueNode.text} is not None else None)` };
    }
    // a whole shape passed on (`check(x.shape)`) is read in torch's axis order
    if (logical) g = logicalShape(g);
    replaced.set(valueNode, g.text);
  }
  const fn = e.childForFieldName("function")!;
  // nodes are one object each (grammar/syntax-tree.ts), so the map is keyed by identity
  if (!replaced.has(fn)) {
    const f = expr(w, fn);
    if (f.text !== fn.text) replaced.set(fn, f.text);
  }
  return { v: anyTensor ? { k: "tensor", t: { kind: "tensor" } } : { k: "other" }, text: rebuild(e, replaced) };
}

/** `zip(…)`, `enumerate(…)`: what iterating them gives, element by element (loop-values.ts); tensors go in torch's layout. */
function iterationCall(w: WalkState, e: SyntaxNode, fn: "zip" | "enumerate"): Gen {
  const args = callArgs(e);
  if (args.keyword.size || args.positional.some((a) => a.type === "list_splat") || (fn === "enumerate" && args.positional.length !== 1)) return opaqueCall(w, e);
  const replaced = new Map<SyntaxNode, string>();
  const elements = args.positional.map((a) => {
    let g = expr(w, a);
    if (g.v.k === "tensor") g = toLogical(w, g, a);
    // a Sequential is iterated as its list of submodules (sequential-access.ts)
    g = asSequential(w, g);
    if (g.v.k === "module" && isSequential(g.v.m)) g = { v: g.v, text: sequentialItems(g.text, g.v.m) };
    replaced.set(a, g.text);
    // a parameter merely presumed a tensor (`arch_def`) zipped with others is most often a list of plain values
    return fn === "zip" && g.v.k === "tensor" && g.v.assumed ? ({ k: "other" } as Val) : iterElement(g.v, a);
  });
  return { v: fn === "zip" ? zipped(elements) : enumerated(elements[0]), text: rebuild(e, replaced) };
}

/** An instance of a Sequential subclass (timm's SequentialAppendList iterating `self`) read as a sequence: its items. */
function asSequential(w: WalkState, g: Gen): Gen {
  const items = g.text === "self" && !w.env.has("self") ? selfSequential(w.cls) : undefined;
  return items ? { v: { k: "module", m: items }, text: g.text } : g;
}

/** Calls of functions and methods defined in this file: their bodies are translated separately, in torch layout. */
function userCall(w: WalkState, e: SyntaxNode, calleeText: string): Gen {
  const g = opaqueCall(w, e);
  const fnNode = e.childForFieldName("function")!;
  if (calleeText !== fnNode.text) g.text = calleeText + g.text.slice(fnNode.text.length);
  // a function of the file that returns numpy values (./host-values.ts)
  const host = fnNode.type === "identifier" ? hostReturnOf(w.ctx, fnNode.text) : undefined;
  return host ? { v: host, text: g.text } : g;
}

function containerCall(w: WalkState, e: SyntaxNode, mlxName: string): Gen {
  const fn = e.childForFieldName("function")!;
  const args = e.childForFieldName("arguments")!;
  const replaced = new Map<SyntaxNode, string>([[fn, mlxName]]);
  // Sequential(OrderedDict(…)): children named by the dict's keys (passes/named-sequential.ts)
  const named = mlxName === "nn.Sequential" && isNamedSequential(e, w.ctx.mod);
  if (named) {
    w.ctx.helpers.add("NamedSequential");
    replaced.set(fn, "NamedSequential");
  } else if (mlxName === "nn.Sequential" && tiedAfterBuilding(e)) {
    w.ctx.helpers.add("TiedSequential");
    replaced.set(fn, "TiedSequential");
  }
  for (const a of namedChildren(args)) replaced.set(a, expr(w, a).text);
  // a Sequential built in a function body (a local of __init__, a model function's `net`) is indexed as one
  // (`net[-1].weight = net[0].weight`: sequential-access.ts); what its items are the walk does not follow
  if (mlxName === "nn.Sequential") return { v: { k: "module", m: { k: "seq", items: null, elem: { k: "unknown" }, ...(named ? { named } : {}) } }, text: rebuild(e, replaced) };
  return { v: { k: "other" }, text: rebuild(e, replaced) };
}

/**
 * `net = nn.Sequential(…)` in a function that then ties one item's parameter to another's (`net[-1].weight =
 * net[0].weight`, PaLM's embedding and logits): MLX's Sequential would hold two arrays after loading and count both
 * as parameters; TiedSequential keeps them one, as torch does (emit/module-mixins.ts does so for classes).
 */
function tiedAfterBuilding(e: SyntaxNode): boolean {
  const a = e.parent;
  const name = a?.type === "assignment" && a.childForFieldName("left")!.type === "identifier" ? a.childForFieldName("left")!.text : undefined;
  let body: SyntaxNode | null = a;
  while (body && body.type !== "function_definition") body = body.parent;
  return !!name && !!body && body.descendantsOfType("assignment").some((t) => t !== a && tiesParameter(t, name));
}

/** nn.ModuleList(xs) → a plain list: MLX walks lists of modules with the same keys (`layers.0.weight`). */
function moduleList(w: WalkState, e: SyntaxNode): Gen {
  const a = callArgs(e).positional[0];
  // `self.path_2 = nn.ModuleList()` then given children by name (passes/module-attrs.ts childItemCall): a bare Module
  const target = e.parent?.type === "assignment" ? e.parent.childForFieldName("left") : undefined;
  const attr = target?.type === "attribute" && target.childForFieldName("object")!.text === "self" ? target.childForFieldName("attribute")!.text : undefined;
  if (!a && attr && w.cls?.attrs.get(attr)?.k === "dict") return { v: { k: "other" }, text: "nn.Module()" };
  if (!a) return { v: { k: "other" }, text: "[]" };
  const g = expr(w, a);
  return { v: { k: "other" }, text: a.type === "list" || a.type === "list_comprehension" ? g.text : `list(${g.text})` };
}
