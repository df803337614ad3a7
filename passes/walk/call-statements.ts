/**
 * Calls standing as statements in the function-body walk: runtime-only statements dropped, `out=` written as
 * an assignment, torch.nn.init and in-place tensor methods as assignments, register_buffer as an attribute,
 * list.append of tensors in the list's layout.
 */
import type { Gen } from "./types.js";
import { isParameterOf } from "../function-values.js";
import { callArgs, type SyntaxNode } from "../../grammar/python.js";
import { bindArgs, parseSig, renderTemplate } from "../template-render.js";
import { stringValue } from "../module-tree.js";
import { qualify } from "../resolve-imports.js";
import { RUNTIME_STATEMENTS } from "../tables/torch-runtime.js";
import { outArgument, writeInto } from "../out-argument.js";
import { INIT_FUNCTIONS, initGain, OP_BY_NAME } from "../tables/index.js";
import { inTyingScope } from "../tied-parameters.js";
import { setattrStatement } from "./tensor-attributes.js";
import { defaultsOf } from "./call-templates.js";
import { rebuildOne } from "./source-text.js";
import { mergeVal } from "./values.js";
import { convert } from "./layout-conversion.js";
import { call, TENSOR_ONLY_METHODS } from "./calls.js";
import { expr } from "./expressions.js";
import type { WalkState } from "./state.js";

export function callStatement(w: WalkState, stmt: SyntaxNode, call: SyntaxNode): void {
  const fn = call.childForFieldName("function")!;
  const q = qualify(fn, w.ctx.mod.aliases);
  if (q && RUNTIME_STATEMENTS.has(q)) {
    w.record("table", q, call);
    w.dropStatement(stmt);
    return;
  }
  const out = outArgument(call);
  if (out && q && OP_BY_NAME.has(q)) {
    w.writesOut.add(call);
    w.replaceStatement(stmt, writeInto(out, expr(w, out).text, expr(w, call).text));
    return;
  }
  if (q === "torch._assert") {
    // torch._assert(cond, msg) is an assert TorchScript can trace
    const [cond, msg] = callArgs(call).positional;
    if (cond && cond.type !== "list_splat" && cond.type !== "dictionary_splat") {
      w.record("table", q, call);
      // an argument written over several lines needs the parentheses the call gave it
      const part = (n: SyntaxNode) => (n.startPosition.row === n.endPosition.row ? expr(w, n).text : `(${expr(w, n).text})`);
      w.replaceStatement(stmt, `assert ${part(cond)}${msg ? `, ${part(msg)}` : ""}`);
      return;
    }
  }
  if (bufferSetattr(w, stmt, call)) return;
  if (setattrStatement(w, stmt, call)) return;
  if (q?.startsWith("torch.nn.init.")) {
    const translated = initCall(w, call, q.slice("torch.nn.init.".length));
    if (translated) {
      w.replaceStatement(stmt, translated);
      return;
    }
    w.replaceStatement(stmt, "pass");
    w.diag("C2M-W011", call, `weight initialisation ${q.slice("torch.nn.init.".length)} not translated`);
    return;
  }
  if (fn.type === "attribute") {
    const obj = fn.childForFieldName("object")!;
    const method = fn.childForFieldName("attribute")!.text;
    // a submodule's initialisation as well as the module's own (`self.head.apply(self._init_weights)`)
    if (method === "apply" && ((obj.text === "self" && w.cls) || ((obj.type !== "identifier" || !w.ctx.mod.aliases.has(obj.text)) && expr(w, obj).v.k === "module"))) {
      w.replaceStatement(stmt, "pass");
      w.diag("C2M-W011", call, `${obj.text === "self" ? "self" : obj.text}.apply(init_fn) not translated (MLX's Module.apply maps parameters)`);
      return;
    }
    if (obj.text === "self" && method === "register_buffer") {
      const args = callArgs(call);
      const nameNode = args.positional[0];
      const valueNode = args.positional[1] ?? args.keyword.get("tensor");
      const name = nameNode?.type === "string" ? stringValue(nameNode) : undefined;
      const persistentNode = args.keyword.get("persistent") ?? args.positional[2];
      // a name computed at run time (Hyena's OptimModule.register(name, tensor)) goes through the helper as well
      const computed = !name && nameNode && nameNode.type !== "list_splat" && nameNode.type !== "dictionary_splat" && valueNode;
      if (computed) {
        w.ctx.helpers.add("c2m_register_buffer");
        const persistent = persistentNode ? `, ${expr(w, persistentNode).text}` : "";
        w.replaceStatement(stmt, `c2m_register_buffer(self, ${expr(w, nameNode).text}, ${expr(w, valueNode).text}${persistent})`);
        return;
      }
      if (name && valueNode && persistentNode && persistentNode.type !== "true" && persistentNode.type !== "false") {
        // persistent or not only at run time: the helper decides (a non-persistent buffer is no MLX parameter)
        w.ctx.helpers.add("c2m_register_buffer");
        w.replaceStatement(stmt, `c2m_register_buffer(self, ${JSON.stringify(name)}, ${expr(w, valueNode).text}, ${expr(w, persistentNode).text})`);
        return;
      }
      if (name && valueNode) {
        const attr = w.cls?.privateBuffers.has(name) ? `_${name}` : name;
        // a persistent buffer is a parameter of the MLX module (it is in the state dict), but no trainable one
        const freeze = attr === name ? `\n${" ".repeat(stmt.startPosition.column)}self.freeze(keys=[${JSON.stringify(name)}], recurse=False)` : "";
        w.replaceStatement(stmt, `self.${attr} = ${expr(w, valueNode).text}${freeze}`);
        return;
      }
    }
    // in-place tensor methods used as statements: `x.add_(y)` → `x = x + y`
    const recv = expr(w, obj);
    // a name the file imports (`from ... import initialization as init; init.copy_(a, b)`) is a module's function, not a tensor method
    const imported = obj.type === "identifier" && recv.v.k !== "tensor" && w.ctx.mod.aliases.has(obj.text);
    const row = !imported && (recv.v.k === "tensor" || TENSOR_ONLY_METHODS.has(method)) ? OP_BY_NAME.get(`Tensor.${method}`) : undefined;
    if (row?.inplace && (obj.type === "identifier" || obj.type === "attribute" || obj.type === "subscript")) {
      const g = expr(w, call);
      // a parameter's array is the caller's too (timm's trunc_normal_(self.pos_embed)): written through, not rebound
      // a subscript target as translated where it still names the same cells (`x.data[:, n:]` is `x[:, n:]`: CogVideoX)
      const subscriptTarget = /^\w+(?:\.\w+|\[.*\])*$/s.test(recv.text) ? recv.text : obj.text;
      const target = obj.type === "subscript" ? subscriptTarget : isParameterOf(stmt, obj) ? `${recv.text}[...]` : recv.text;
      // `conv.weight.data.copy_(w)` where c2m cannot type `conv` (a function's parameter): torch's `.data` is the
      // parameter's values, which the MLX array already is (an array has no `.data`); the attribute takes the update
      const holder = untypedDataHolder(obj, recv);
      if (holder) {
        w.replaceStatement(stmt, `${holder} = ${g.text.split(recv.text).join(holder)}`);
        w.diag("C2M-W004", call, `in-place ${method} rewritten as an assignment`);
        return;
      }
      w.replaceStatement(stmt, `${target} = ${g.text}`);
      w.diag("C2M-W004", call, `in-place ${method} rewritten as an assignment`);
      if (obj.type === "identifier") w.env.set(obj.text, g.v);
      return;
    }
    // `self.get_mask().fill_(0)`: nothing to assign the new array to, so the update would vanish
    if (row?.inplace) w.diag("C2M-W032", call, `in-place ${method} on a value c2m cannot assign back to: the update is lost`);
    // list.append on a local list of tensors: remember the element layout for a later torch.cat
    if (obj.type === "identifier" && method === "append") {
      const cur = w.env.get(obj.text);
      const arg = callArgs(call).positional[0];
      if (cur?.k === "list" && arg) {
        // the list's items share one layout (a later torch.cat reads them so): a tensor in another is converted
        const held = cur.items ? mergeVal(cur.items) : cur.elem;
        const given = expr(w, arg);
        const g = held?.k === "tensor" && given.v.k === "tensor" && !given.v.t.flatFrom ? convert(w, given, arg, held.t.perm) : given;
        w.overwrite(call, rebuildOne(call, arg, g.text));
        w.env.set(obj.text, { k: "list", items: null, elem: mergeVal(cur.items ? [...cur.items, g.v] : cur.elem ? [cur.elem, g.v] : [g.v]) });
        return;
      }
    }
  }
  const g = expr(w, call);
  w.overwrite(call, g.text);
}

/**
 * An in-place torch.nn.init call as an assignment of MLX's initializer to the same tensor. Only for a
 * target that can be assigned (an attribute or an item): rebinding a loop variable would change nothing.
 */
function initCall(w: WalkState, call: SyntaxNode, name: string): string | undefined {
  const spec = INIT_FUNCTIONS[name];
  if (!spec) return undefined;
  const args = callArgs(call);
  if (args.splat) return undefined;
  const params = parseSig(spec.sig);
  const bound = bindArgs(params, args.positional, args.keyword);
  const tensor = bound.byName.get("tensor");
  if (!tensor || Array.isArray(tensor) || (tensor.type !== "attribute" && tensor.type !== "subscript") || bound.unknown.length) return undefined;
  const gen = bound.byName.get("generator");
  if (gen && !Array.isArray(gen) && gen.text !== "None") return undefined;
  const given = new Map<string, string | string[]>();
  for (const [k, n] of bound.byName) if (!Array.isArray(n)) given.set(k, expr(w, n).text);
  // kaiming's gain comes from its nonlinearity; xavier takes a gain argument as it is
  if (spec.mlx.includes("{gain}") && params.some((p) => p.name === "nonlinearity")) {
    const defaults = defaultsOf(params);
    const gain = initGain((given.get("nonlinearity") as string) ?? defaults.get("nonlinearity")!, (given.get("a") as string) ?? defaults.get("a")!);
    if (!gain) return undefined;
    if (gain.includes("math.")) w.ctx.imports.add("import math");
    given.set("gain", gain);
    if (!given.has("mode")) given.set("mode", "'fan_in'");
  }
  // a read the translation turned into a call (`c2m_layer_attr(m, "num_batches_tracked")`) cannot be assigned
  if ((given.get("tensor") as string).endsWith(")")) return undefined;
  const r = renderTemplate(spec.mlx, { given, defaults: defaultsOf(params) });
  if (!r.ok) return undefined;
  w.record("table", `torch.nn.init.${name}`, call);
  // where the scope ties parameters, the array is filled in place: a tied name keeps the one array (tied-parameters.ts)
  return `${given.get("tensor")}${inTyingScope(call) ? "[...]" : ""} = ${r.text}`;
}

/**
 * `setattr(self, name, nn.Buffer(t, persistent=False))` (transformers' rotary embeddings name a buffer per layer type)
 * is register_buffer under a computed name: c2m_register_buffer, which keeps a non-persistent buffer out of the MLX
 * module's parameters (it is in no state dict to load) and freezes a persistent one.
 */
function bufferSetattr(w: WalkState, stmt: SyntaxNode, call: SyntaxNode): boolean {
  const fn = call.childForFieldName("function")!;
  if (fn.type !== "identifier" || fn.text !== "setattr" || w.env.has("setattr")) return false;
  const [obj, name, value] = callArgs(call).positional;
  if (obj?.text !== "self" || !name || value?.type !== "call" || callArgs(call).positional.length !== 3) return false;
  const q = qualify(value.childForFieldName("function"), w.ctx.mod.aliases);
  if (q !== "torch.nn.Buffer" && q !== "torch.nn.parameter.Buffer") return false;
  const args = callArgs(value);
  const tensor = args.positional[0] ?? args.keyword.get("data");
  if (!tensor) return false;
  const persistent = args.keyword.get("persistent") ?? args.positional[1];
  w.ctx.helpers.add("c2m_register_buffer");
  w.replaceStatement(stmt, `c2m_register_buffer(self, ${expr(w, name).text}, ${expr(w, tensor).text}${persistent ? `, ${expr(w, persistent).text}` : ""})`);
  return true;
}

/** `a.b.data` as written where c2m cannot type it: `a.b`, the attribute an in-place update through `.data` goes to. */
function untypedDataHolder(obj: SyntaxNode, recv: Gen): string | undefined {
  if (obj.type !== "attribute" || obj.childForFieldName("attribute")!.text !== "data" || recv.v.k === "tensor" || recv.text !== obj.text) return undefined;
  const holder = obj.childForFieldName("object")!;
  return holder.type === "attribute" ? holder.text : undefined;
}
