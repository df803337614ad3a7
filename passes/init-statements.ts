/**
 * init-statements: what one statement of an `__init__` (or of a helper it calls) does to the interpreter's
 * state (passes/module-tree.ts): the locals it binds, the attributes of self it stores, the value a `return`
 * gives. One visitor per statement kind; statements of other kinds change nothing the module tree reads.
 */
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ModVal } from "../ir/module.js";
import { addModuleCall, childItemCall, registerBufferCall, setattrCall, unnamed } from "./module-attrs.js";
import type { CallArguments, InitInterpreter } from "./module-tree.js";
import { appendAll, bindTarget, elementOf, identifiers, MAX_UNROLL, mergeBranches, SEQUENTIAL_ITEMS, sequentialValue, union, usesTorch, type Env } from "./module-values.js";
import { addToSequential, unpacked, withListItem } from "./local-containers.js";
import { withItem } from "./named-sequential.js";
import { growthThroughFunction } from "./list-growth-functions.js";
import { qualify } from "./resolve-imports.js";
import { OP_BY_NAME } from "./tables/index.js";
import { TUPLE_RESULT_OPS } from "./walk/op-calls.js";

type StatementVisitor = (it: InitInterpreter, s: SyntaxNode, env: Env) => ModVal | undefined;

const STATEMENTS = new Map<string, StatementVisitor>([
  ["expression_statement", expressionStatement],
  ["return_statement", returnStatement],
  ["if_statement", ifStatement],
  ["for_statement", loop],
  ["while_statement", loop],
  ["with_statement", (it, s, env) => it.block(s.childForFieldName("body")!, env)],
]);

/** Runs one statement; what it returns when it is a `return` (or holds one). */
export function execute(it: InitInterpreter, s: SyntaxNode, env: Env): ModVal | undefined {
  return STATEMENTS.get(s.type)?.(it, s, env);
}

function expressionStatement(it: InitInterpreter, s: SyntaxNode, env: Env): undefined {
  const e = namedChildren(s)[0];
  if (!e) return undefined;
  if (e.type === "assignment") assign(it, e, env);
  else if (e.type === "augmented_assignment") augAssign(it, e, env);
  else if (e.type === "call") callStatement(it, e, env);
  return undefined;
}

function returnStatement(it: InitInterpreter, s: SyntaxNode, env: Env): ModVal {
  const v = namedChildren(s)[0];
  return v ? it.expr(v, env) : { k: "value" };
}

function ifStatement(it: InitInterpreter, s: SyntaxNode, env: Env): ModVal | undefined {
  // each branch runs on its own copy; what a branch changed becomes uncertain afterwards
  const rets: ModVal[] = [];
  const branches: Env[] = [];
  const run = (body: SyntaxNode) => {
    const local = new Map(env);
    const r = it.block(body, local);
    if (r) rets.push(r);
    // a branch that ends by raising (`else: raise ValueError(…)`) leaves nothing to the code after the if
    if (!raises(body)) branches.push(local);
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

/** Whether a block's last statement raises, so what the block did never reaches the statements after it. */
function raises(body: SyntaxNode): boolean {
  const stmts = namedChildren(body).filter((c) => c.type !== "comment");
  return stmts[stmts.length - 1]?.type === "raise_statement";
}

/** `for` and `while`: the body once, with the loop variable bound to the element of what is iterated. */
function loop(it: InitInterpreter, s: SyntaxNode, env: Env): ModVal | undefined {
  if (s.type === "for_statement") {
    const left = s.childForFieldName("left")!;
    const right = it.expr(s.childForFieldName("right")!, env);
    const body = s.childForFieldName("body")!;
    // a loop that names attributes (`setattr(self, f"stage{i}", …)`) over known items runs once per item
    if (right.k === "list" && right.items && right.items.length <= MAX_UNROLL && namesByItem(left, body)) {
      let r: ModVal | undefined;
      for (const item of right.items) {
        bindTarget(left, item, env);
        const ri = it.block(body, env);
        if (ri) r = r ? union([r, ri]) : ri;
      }
      return r;
    }
    const elem = elementOf(right);
    if (left.type === "identifier") env.set(left.text, elem);
    else bindTarget(left, elem, env);
  }
  it.inLoop++;
  const r = it.block(s.childForFieldName("body")!, env);
  it.inLoop--;
  return r;
}

/**
 * Whether a loop's body names what it stores by the loop's items: `setattr(self, f"stage{i}", …)`, or an item of a
 * dict keyed by a loop variable (`layers[name] = module` over `model.named_children()`); such a loop over known items
 * runs once per item, so that each name is a constant.
 */
function namesByItem(left: SyntaxNode, body: SyntaxNode): boolean {
  if (/setattr(__)?\(/.test(body.text)) return true;
  const targets = new Set(left.type === "identifier" ? [left.text] : identifiers(left));
  return body.descendantsOfType("assignment").some((a) => {
    const l = a.childForFieldName("left");
    const key = l?.type === "subscript" ? l.childForFieldName("subscript") : undefined;
    return key?.type === "identifier" && targets.has(key.text);
  });
}

function assign(it: InitInterpreter, a: SyntaxNode, env: Env): void {
  const left = a.childForFieldName("left")!;
  const right = a.childForFieldName("right");
  if (!right) return;
  // `self.x = nn.Buffer(t, persistent=False)` (torch ≥ 2.5) is `self.register_buffer("x", t, persistent=False)`
  if (left.type === "attribute" && left.childForFieldName("object")!.text === "self" && right.type === "call") {
    const q = qualify(right.childForFieldName("function"), it.mod.aliases);
    if (q === "torch.nn.Buffer" || q === "torch.nn.parameter.Buffer") {
      const name = left.childForFieldName("attribute")!.text;
      const args = callArgs(right);
      const persistent = (args.keyword.get("persistent") ?? args.positional[1])?.text !== "False";
      it.cls.attrs.set(name, { k: "buffer", persistent });
      if (!persistent) it.cls.privateBuffers.add(name);
      return;
    }
  }
  // `self.names = {…}`: a plain dict is no child of a torch module (torch registers none of what it holds)
  const plainDict = right.type === "dictionary" && left.type === "attribute" && left.childForFieldName("object")!.text === "self";
  const val: ModVal = plainDict ? { k: "value" } : it.expr(right, env);
  const selfTarget = left.type === "attribute" && left.childForFieldName("object")!.text === "self";
  store(it, left, val.k === "value" && selfTarget && makesOneTorchTensor(it, right) ? { ...val, tensor: true } : val, env);
  // `self.freqs = torch.arange(...)` / `= precompute_freqs_cis(...)`: a plain tensor attribute is no
  // parameter in torch (not in the state_dict), but MLX makes every public array one; keep it private
  if (selfTarget && ((val.k === "value" && makesOneTorchTensor(it, right)) || (plainValue(val) && makesTensor(it, right)))) {
    it.cls.privateBuffers.add(left.childForFieldName("attribute")!.text);
  }
  // `self.corr_pyramid: list[Tensor] = [torch.tensor(0)]` (torchvision's RAFT): a list of plain tensors is no parameter
  // in torch either, where MLX makes every array in a public list attribute one; keep it private
  if (left.type === "attribute" && left.childForFieldName("object")!.text === "self" && (right.type === "list" || right.type === "tuple")) {
    const items = namedChildren(right);
    if (items.length && items.every((item) => makesTensor(it, item))) it.cls.privateBuffers.add(left.childForFieldName("attribute")!.text);
  }
  // `self.attention_bias_cache = {}`: a plain dict is no child of a torch module (what a method caches in it is in no
  // state_dict), but MLX makes every array in a public dict attribute a parameter; keep it private
  if (left.type === "attribute" && left.childForFieldName("object")!.text === "self" && right.type === "dictionary" && namedChildren(right).length === 0) {
    it.cls.privateBuffers.add(left.childForFieldName("attribute")!.text);
  }
}

/** A call of a torch op that gives one tensor (`torch.zeros(..)`, `torch.Tensor(rgb).view(1, 3, 1, 1)`), not a tuple of them. */
function makesOneTorchTensor(it: InitInterpreter, e: SyntaxNode): boolean {
  if (e.type === "parenthesized_expression") return namedChildren(e).some((c) => makesOneTorchTensor(it, c));
  // arithmetic on one (`torch.ones(1, 3, 1, 1) * 2`)
  if (e.type === "binary_operator") return makesOneTorchTensor(it, e.childForFieldName("left")!) || makesOneTorchTensor(it, e.childForFieldName("right")!);
  if (e.type !== "call") return false;
  const fn = e.childForFieldName("function")!;
  const q = qualify(fn, it.mod.aliases);
  if (q) return OP_BY_NAME.has(q) && !TUPLE_RESULT_OPS.has(q.slice(q.lastIndexOf(".") + 1));
  // a tensor method on one: `torch.Tensor(rgb).view(1, 3, 1, 1)`
  if (fn.type !== "attribute") return false;
  const method = fn.childForFieldName("attribute")!.text;
  return OP_BY_NAME.has(`Tensor.${method}`) && !TUPLE_RESULT_OPS.has(method) && makesOneTorchTensor(it, fn.childForFieldName("object")!);
}

/** A value holding no module: a plain value, or a list or union of them (`get_1d_rotary_pos_embed` returns a tensor or a pair). */
function plainValue(v: ModVal): boolean {
  if (v.k === "value") return true;
  if (v.k === "list") return [...(v.items ?? []), ...(v.elem ? [v.elem] : [])].every(plainValue);
  return v.k === "union" && v.options.every(plainValue);
}

/** A call of a torch function (not a layer or Parameter) or of a function defined in this file. */
function makesTensor(it: InitInterpreter, e: SyntaxNode): boolean {
  if (e.type !== "call") return false;
  const fn = e.childForFieldName("function")!;
  const q = qualify(fn, it.mod.aliases);
  // tensor ops only (torch.arange, torch.zeros...): torch.cuda.is_available() is a flag, not a tensor
  if (q) return OP_BY_NAME.has(q);
  // an in-file function that builds tensors (precompute_freqs_cis), not one that computes a size; or a method of this
  // class that does (Lumina2's `self.freqs_cis = self._precompute_freqs_cis(...)`, a list of tensors)
  const method = fn.type === "attribute" && fn.childForFieldName("object")!.text === "self" ? it.cls.methods.get(fn.childForFieldName("attribute")!.text) : undefined;
  const def = fn.type === "identifier" ? it.mod.functions.get(fn.text) : method;
  return !!def && usesTorch(def, it.mod.aliases);
}

/** Stores a value into an assignment target: a local, an item of a local dict, an attribute of self, a tuple of those. */
function store(it: InitInterpreter, left: SyntaxNode, val: ModVal, env: Env): void {
  const dict = left.type === "subscript" ? env.get(left.childForFieldName("value")!.text) : undefined;
  if (dict?.k === "dict") env.set(left.childForFieldName("value")!.text, withItem(dict, it.expr(left.childForFieldName("subscript")!, env), val, it.inLoop > 0));
  else if (dict?.k === "list" || dict?.k === "seq") env.set(left.childForFieldName("value")!.text, withListItem(dict, left.childForFieldName("subscript"), val, it.inLoop > 0));
  else if (left.type === "identifier") env.set(left.text, val);
  else if (left.type === "attribute" && left.childForFieldName("object")!.text === "self") it.storeAttr(left.childForFieldName("attribute")!.text, val);
  else if (left.type === "attribute") storeChild(it, left, val, env);
  else if (left.type === "pattern_list" || left.type === "tuple_pattern") {
    // `self.stem, feat = create_stem(...)`: a tuple of known length gives each target its item
    const parts = namedChildren(left);
    const items = unpacked(val, parts.length);
    parts.forEach((id, i) => store(it, id, items ? items[i] : { k: "value" }, env));
  }
}

/**
 * `down.block = blocks`, `self.mid.attn_1 = make_attn(…)`: a child stored on a bare module (nn.Module()) or a ModuleDict, held
 * in a local or an attribute of self, is one more entry of it (torch's __setattr__ registers it under that name).
 */
function storeChild(it: InitInterpreter, left: SyntaxNode, val: ModVal, env: Env): void {
  const obj = left.childForFieldName("object")!;
  const attr = obj.type === "attribute" && obj.childForFieldName("object")!.text === "self" ? obj.childForFieldName("attribute")!.text : undefined;
  const holder = obj.type === "identifier" ? env.get(obj.text) : attr ? it.cls.attrs.get(attr) : undefined;
  if (holder?.k !== "dict") return;
  // the name is written, so it is one entry in a loop too (the holder is usually built afresh in each pass)
  const grown = withItem(holder, { k: "const", text: left.childForFieldName("attribute")!.text }, val, false);
  if (attr) it.cls.attrs.set(attr, grown);
  else env.set(obj.text, grown);
}

/** `layers += [...]`, `self.layers += [...]` (MaxVit's blocks): the list grows as by `extend`. */
function augAssign(it: InitInterpreter, a: SyntaxNode, env: Env): void {
  const left = a.childForFieldName("left")!;
  const attr = left.type === "attribute" && left.childForFieldName("object")!.text === "self" ? left.childForFieldName("attribute")!.text : undefined;
  if (left.type !== "identifier" && !attr) return;
  const cur = attr ? it.cls.attrs.get(attr) : env.get(left.text);
  const add = it.expr(a.childForFieldName("right")!, env);
  if (cur && (cur.k === "list" || cur.k === "seq") && add.k === "list") {
    const grown = appendAll(cur, add.items ?? [add.elem ?? { k: "unknown" }], it.inLoop > 0 || add.items === null);
    if (attr) it.cls.attrs.set(attr, grown);
    else env.set(left.text, grown);
  }
}

/** A call as a statement: setattr, add_module, register_buffer, super().__init__, list growth; else evaluated for what it builds. */
function callStatement(it: InitInterpreter, call: SyntaxNode, env: Env): void {
  const fn = call.childForFieldName("function")!;
  const args = callArgs(call);
  if (fn.type === "identifier" && fn.text === "setattr" && args.positional[0]?.text === "self") return setattrCall(it.attrStore(env), args);
  const [first, second, third] = args.positional;
  // a child added by name to a Sequential built here, held in a local or on self (local-containers.ts)
  const [name, value] = [second, third].map((a) => () => (a ? it.expr(a, env) : ({ k: "unknown" } as ModVal)));
  if (fn.type === "identifier" && fn.text === "setattr" && first && third && addToSequential(it.mod, it.cls, env, first, name, value, it.inLoop > 0)) return;
  if (fn.type === "identifier" && fn.text === "setattr" && first && childItemCall(it.attrStore(env), first, second, third, it.inLoop > 0)) return;
  if (fn.type === "attribute") {
    const obj = fn.childForFieldName("object")!;
    const method = fn.childForFieldName("attribute")!.text;
    if (method === "__init__" && obj.type === "call" && obj.childForFieldName("function")?.text === "super" && it.isSequentialSubclass()) {
      it.cls.attrs.set(
        SEQUENTIAL_ITEMS,
        sequentialValue(args, (n) => it.expr(n, env)),
      );
      return;
    }
    // a subclass of nn.ModuleDict given its modules (IntermediateLayerGetter's `super().__init__(layers)`): each is a child by its key
    if (method === "__init__" && obj.type === "call" && obj.childForFieldName("function")?.text === "super" && it.derivesFrom("torch.nn.ModuleDict")) {
      const given = args.positional[0] ?? args.keyword.get("modules");
      if (given) storeEntries(it, given, env);
      return;
    }
    // `super().__init__(…)`, `Base.__init__(self, …)`: what the base builds is this class's too
    if (method === "__init__" && obj.type === "call" && obj.childForFieldName("function")?.text === "super") return it.superInit(args, env, false);
    if (method === "__init__" && args.positional[0]?.text === "self") return it.superInit(args, env, true);
    if (obj.text === "self" && method === "register_buffer") return registerBufferCall(it.cls, args);
    if (obj.text === "self" && method === "add_module") return addModuleCall(it.attrStore(env), args);
    // `self.__setattr__(name, m)` (pytorch-cifar's DLA stores its subtrees so) is `setattr(self, name, m)`
    if (obj.text === "self" && method === "__setattr__") return setattrCall(it.attrStore(env), { ...args, positional: [obj, ...args.positional] });
    const [childName, child] = [first, second].map((a) => () => (a ? it.expr(a, env) : ({ k: "unknown" } as ModVal)));
    if (method === "add_module" && second && addToSequential(it.mod, it.cls, env, obj, childName, child, it.inLoop > 0)) return;
    if (method === "add_module" && childItemCall(it.attrStore(env), obj, first, second, it.inLoop > 0)) return;
    if (method === "add_module" && second && addToModuleList(it, obj, second, env)) return;
    if ((method === "append" || method === "extend" || method === "insert") && growList(it, obj, method, args, env)) return;
  }
  // `append(self.downs, enc)` through the file's `def append(arr, el): arr.append(el)` (list-growth-functions.ts)
  const through = growthThroughFunction(it.mod.functions, call);
  if (through && growList(it, through.receiver, through.method, through.args, env)) return;
  it.expr(call, env);
}

/** The entries of a dict given to nn.ModuleDict's __init__, stored on self: by name where known, else as children of a name c2m cannot compute. */
function storeEntries(it: InitInterpreter, given: SyntaxNode, env: Env): void {
  const d = it.expr(given, env);
  if (d.k === "dict" && d.entries) for (const [name, v] of d.entries) it.storeAttr(name, v);
  else unnamed(it.attrStore(env), given, d.k === "dict" ? elementOf(d) : { k: "unknown" }, "super().__init__(");
}

/**
 * `self.stages.add_module(str(i), m)` on a ModuleList (BiT's encoder fills `nn.ModuleList([])` so): one more item,
 * as the run-time helper appends it (c2m_add_module). False when the receiver holds no list of modules.
 */
function addToModuleList(it: InitInterpreter, obj: SyntaxNode, value: SyntaxNode, env: Env): boolean {
  const attr = obj.type === "attribute" && obj.childForFieldName("object")!.text === "self" ? obj.childForFieldName("attribute")!.text : undefined;
  if (obj.type !== "identifier" && !attr) return false;
  const cur = attr ? it.cls.attrs.get(attr) : env.get(obj.text);
  if (cur?.k !== "list") return false;
  const grown = appendAll(cur, [it.expr(value, env)], it.inLoop > 0);
  if (attr) it.cls.attrs.set(attr, grown);
  else env.set(obj.text, grown);
  return true;
}

/**
 * `layers.append(m)`, `self.blocks.extend([...])`: a local or an attribute of self that holds a list of modules grows.
 * False when the receiver is neither (the call is then evaluated as any other).
 */
function growList(it: InitInterpreter, obj: SyntaxNode, method: "append" | "extend" | "insert", args: CallArguments, env: Env): boolean {
  const attr = obj.type === "attribute" && obj.childForFieldName("object")!.text === "self" ? obj.childForFieldName("attribute")!.text : undefined;
  if (obj.type !== "identifier" && !attr) return false;
  const cur = attr ? it.cls.attrs.get(attr) : env.get(obj.text);
  if (!cur || (cur.k !== "list" && cur.k !== "seq")) return true;
  if (method === "insert") {
    // `self.up.insert(0, up)` (latent-diffusion's Decoder builds its levels in reverse): at the front, one more known
    // item; anywhere else, or in a loop, one more element at a position c2m does not follow
    const v = args.positional[1] ? it.expr(args.positional[1], env) : ({ k: "unknown" } as ModVal);
    const front = args.positional[0]?.text === "0" && it.inLoop === 0 && cur.items;
    const grown = front ? { ...cur, items: [v, ...cur.items!] } : appendAll(cur, [v], true);
    if (attr) it.cls.attrs.set(attr, grown);
    else env.set(obj.text, grown);
    return true;
  }
  const v = args.positional[0] ? it.expr(args.positional[0], env) : { k: "unknown" as const };
  const items = method === "append" ? [v] : v.k === "list" && v.items ? v.items : [elementOf(v)];
  // a local extended by a list of unknown length has unknown length too (an attribute's is kept as it was written)
  const grown = appendAll(cur, items, it.inLoop > 0 || (!attr && method === "extend" && v.k === "list" && v.items === null));
  if (attr) it.cls.attrs.set(attr, grown);
  else env.set(obj.text, grown);
  return true;
}
