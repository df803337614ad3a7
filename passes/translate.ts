/**
 * translate: the function-body pass. An abstract interpreter walks every function of the file, tracking
 * what each name holds (tensor with its physical layout, module, shape, number...), and produces the MLX
 * text of every expression it rewrites. The layout pass (passes/layout-nhwc.ts) runs it to a fixpoint of
 * layout decisions; the final run's edits are what the emitter applies.
 */
import { isParameterOf } from "./function-values.js";
import { compactSource, containsPlaceholder, evaluatedOnImport, isPlaceholder, readsPlaceholderName, untranslatedValue } from "./untranslated.js";
import { placeholderImportNames } from "./torch-library-imports.js";
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ClassIR, ForwardSignature } from "../ir/module.js";
import { isIdentity, unknownRank, samePerm, transposeAxes, type Perm, type TensorType } from "../ir/tensor.js";
import type { ConstructKind, ConstructRecord } from "../ir/pipeline.js";
import { bindArgs, paren, parseSig, renderTemplate } from "./template-render.js";
import { collectClasses, elementOf, paramName, stringValue } from "./module-tree.js";
import { targetValues } from "./loop-values.js";
import { qualify } from "./resolve-imports.js";
import { factoryDictKeys } from "./call-splats.js";
import { RUNTIME_STATEMENTS } from "./tables/torch-runtime.js";
import { outArgument, writeInto } from "./out-argument.js";
import { isSequential, selfSequential, sequentialItems } from "./sequential-access.js";
import { annotatedModule } from "./annotated-classes.js";
import { selfAttribute } from "./unnamed-attrs.js";
import { firstCallOf, loopTargets, selfAttributeName, statementOf } from "./loop-targets.js";
import { insertAfterStatement, insertBeforeStatement } from "./statement-inserts.js";
import { blockExit, conversionAtExit, dropConversionsWithin, loopTargetNames, type BranchExit } from "./branch-exits.js";
import { INIT_FUNCTIONS, initGain, OP_BY_NAME } from "./tables/index.js";
import { defaultsOf } from "./walk/call-templates.js";
import { computeSignature } from "./walk/fixpoint.js";
import { firstNonDocstring, rebuildOne, rewriteOf } from "./walk/source-text.js";
import type { Edit, Gen, LayoutDecision, TranslateContext, Val, WalkOptions } from "./walk/types.js";
import { iterElement, joinedList, joinedTensor, mergeVal, paramDefault, storesIntoContainer, tensorVal, withDef } from "./walk/values.js";
import { convert, meet, toLogical, toLogicalDeep, vetoFlat } from "./walk/layout-conversion.js";
import { call, TENSOR_ONLY_METHODS } from "./walk/calls.js";
import { expr } from "./walk/expressions.js";

export class FunctionWalker {
  readonly edits = new Map<string, Edit>();
  readonly inserts = new Map<string, { pos: number; text: string }>();
  returns: Val[] = [];
  newDecision = false;
  env = new Map<string, Val>();
  /** names bound to a dict of torch factory keywords (`dd = {"device": device, "dtype": dtype}`) → its keys */
  factoryDicts = new Map<string, string[]>();
  /** op calls standing as statements whose `out=` target the statement writes (passes/out-argument.ts) */
  writesOut = new Set<SyntaxNode>();
  stmt: SyntaxNode | undefined;
  transposeCount = 0;

  constructor(
    readonly ctx: TranslateContext,
    readonly fn: SyntaxNode | undefined,
    readonly cls: ClassIR | undefined,
    readonly decisions: Map<string, LayoutDecision>,
    readonly opts: WalkOptions,
  ) {}

  // ---------------------------------------------------------------- entry points

  /** Walks a whole function. */
  run(): void {
    const fn = this.fn!;
    const body = fn.childForFieldName("body")!;
    const firstStmt = firstNonDocstring(body);
    for (const p of namedChildren(fn.childForFieldName("parameters")!)) {
      const name = paramName(p);
      if (!name || name === "self") continue;
      const given = this.opts.params?.get(name);
      const def = `${name}@param`;
      const annotated = given ? undefined : annotatedModule(p, this.ctx.mod, (m) => collectClasses(m));
      const v: Val = given ?? (annotated ? { k: "module", m: annotated } : paramDefault(p));
      const decided = this.decisions.get(def);
      if (v.k === "tensor" && decided && !samePerm(decided.perm, v.t.perm)) {
        const rank = v.t.rank ?? decided.rank;
        const axes = transposeAxes(v.t.perm, decided.perm, rank);
        this.countTranspose();
        const line = `${name} = ${name}.transpose(${axes.join(", ")})`;
        this.inserts.set(`param:${name}`, insertBeforeStatement(this.ctx.mod.source, firstStmt ?? body, line));
        this.env.set(name, { k: "tensor", t: { kind: "tensor", rank, perm: decided.perm }, def });
      } else this.env.set(name, v.k === "tensor" ? withDef(v, def) : v);
    }
    // annotations and defaults in the signature (`x: torch.Tensor`, `dtype=torch.float32`) are expressions too
    for (const p of namedChildren(fn.childForFieldName("parameters")!)) {
      const ann = p.childForFieldName("type");
      if (ann) this.overwrite(ann, expr(this, ann).text);
      const dflt = p.type === "default_parameter" || p.type === "typed_default_parameter" ? p.childForFieldName("value") : null;
      if (dflt) this.overwrite(dflt, expr(this, dflt).text);
    }
    const ret = fn.childForFieldName("return_type");
    if (ret) this.overwrite(ret, expr(this, ret).text);
    this.block(body);
  }

  /** Walks statements outside any function (module level, class bodies). */
  runStatements(body: SyntaxNode): void {
    this.block(body);
  }

  // ---------------------------------------------------------------- statements

  block(body: SyntaxNode): void {
    for (const s of namedChildren(body)) this.statement(s);
  }

  statement(s: SyntaxNode): void {
    const rewrite = rewriteOf(this.ctx.rewrites, s);
    if (rewrite) {
      for (const h of rewrite.helpers ?? []) this.ctx.helpers.add(h);
      for (const i of rewrite.imports ?? []) this.ctx.imports.add(i);
      this.record("cookbook", rewrite.rule, s);
      // a statement a rule folded into another goes with its line, comment included (it described it)
      if (rewrite.text === "") this.removeLine(s);
      else this.replaceStatement(s, rewrite.text);
      return;
    }
    const saved = this.stmt;
    this.stmt = s;
    try {
      this.statementInner(s);
    } finally {
      this.stmt = saved;
    }
  }

  statementInner(s: SyntaxNode): void {
    switch (s.type) {
      case "expression_statement": {
        const e = namedChildren(s)[0];
        if (!e) return;
        if (e.type === "assignment") return this.assignment(s, e);
        if (e.type === "augmented_assignment") return this.augmented(e);
        if (e.type === "string") return; // docstring
        if (e.type === "call") return this.callStatement(s, e);
        const g = expr(this, e);
        this.overwrite(e, g.text);
        return;
      }
      case "return_statement": {
        const e = namedChildren(s)[0];
        if (!e) return;
        let g = expr(this, e);
        // a returned list holds its tensors in torch's layout, as every list crossing a boundary (list-boundaries.ts)
        if ((this.opts.boundary && this.ctx.layout === "torch") || this.opts.logicalReturns || g.v.k === "list") g = toLogicalDeep(this, g, e);
        this.returns.push(g.v);
        this.overwrite(e, g.text);
        return;
      }
      case "if_statement":
        return this.ifStatement(s);
      case "for_statement":
        return this.forStatement(s);
      case "while_statement": {
        const c = s.childForFieldName("condition")!;
        this.overwrite(c, expr(this, c).text);
        this.loopBody(s.childForFieldName("body")!);
        return;
      }
      case "with_statement": {
        for (const item of s.descendantsOfType("with_item")) {
          const v = item.childForFieldName("value");
          if (v) this.overwrite(v, expr(this, v).text);
        }
        return this.block(s.childForFieldName("body")!);
      }
      case "try_statement":
        for (const c of namedChildren(s)) {
          if (c.type === "block") this.block(c);
          else {
            const b = c.childForFieldName("body") ?? namedChildren(c).find((n) => n.type === "block");
            if (b) this.block(b);
          }
        }
        return;
      case "assert_statement":
      case "delete_statement":
      case "raise_statement":
        for (const c of namedChildren(s)) this.overwrite(c, expr(this, c).text);
        return;
      case "function_definition":
      case "decorated_definition":
      case "class_definition":
        return; // translated on their own
      default:
        return;
    }
  }

  assignment(stmt: SyntaxNode, a: SyntaxNode): void {
    const left = a.childForFieldName("left")!;
    const right = a.childForFieldName("right");
    const type = a.childForFieldName("type");
    if (type) this.overwrite(type, expr(this, type).text);
    if (!right) return;
    if (right.type === "assignment") {
      // chained `a = b = expr`
      this.assignment(stmt, right);
      const v = this.exprValueOf(right.childForFieldName("left")!);
      this.bind(left, v, stmt);
      return;
    }
    let g = expr(this, right);
    // a tensor stored into a dict or list (`result["out"] = x`) leaves the layouts c2m tracks: it goes in torch's
    // layout, as a read of the container takes it (a value of unknown layout, presumed torch's)
    if (left.type === "subscript" && g.v.k === "tensor" && storesIntoContainer(this.exprValueOf(left.childForFieldName("value")!))) g = toLogical(this, g, right);
    // a value computed on import from a placeholder (`os.path.join(Untranslated(...), "x")`) would raise on
    // import: the whole value becomes the placeholder, so only a use of the name raises
    // (or from a name bound to one on import)
    if (evaluatedOnImport(stmt)) {
      const names = (this.ctx.placeholderNames ??= placeholderImportNames(this.ctx.mod));
      const computed = right.type !== "identifier" && readsPlaceholderName(right, names);
      if ((containsPlaceholder(g.text) && !isPlaceholder(g.text)) || computed) g = { v: { k: "other" }, text: untranslatedValue(compactSource(right.text), right) };
      if (left.type === "identifier") {
        if (isPlaceholder(g.text) || readsPlaceholderName(right, names)) names.add(left.text);
        else names.delete(left.text);
      }
    }
    if (left.type === "identifier" && g.text === left.text && right.text !== left.text && !type) {
      // the rewrite left `x = x` (a permute that became a relabelling): drop the statement, keep its comment
      this.dropStatement(stmt);
      this.bind(left, g.v, stmt, right);
      return;
    }
    this.overwrite(right, g.text);
    // `B, C, H, W = x.shape` on a channels-last x: name the physical axes instead
    if (g.v.k === "shape" && !isIdentity(g.v.t.perm) && (left.type === "pattern_list" || left.type === "tuple_pattern")) {
      const names = namedChildren(left);
      const perm = g.v.t.perm!;
      if (names.length === perm.length) {
        this.overwrite(left, perm.map((logical) => names[logical].text).join(", "));
        for (const n of names) if (n.type === "identifier") this.env.set(n.text, { k: "num" });
        return;
      }
    }
    if (left.type === "identifier") {
      const keys = factoryDictKeys(right);
      if (keys) this.factoryDicts.set(left.text, keys);
      else this.factoryDicts.delete(left.text);
    }
    if (left.type === "subscript" && this.maskAssignment(stmt, left, right, g)) return;
    if (left.type === "attribute" || left.type === "subscript") {
      // a target stays a target: `args.device = ...` must not read as the value `None` a tensor's device is
      const target = expr(this, left).text;
      if (/^[\w.]*\w(\[.*\])?$/s.test(target) && !/^(None|True|False)$/.test(target)) this.overwrite(left, target);
    }
    this.bind(left, g.v, stmt, right);
  }

  /**
   * `x[mask] = value` with a boolean tensor mask: MLX has no boolean-mask indexing. A scalar value becomes
   * `x = mx.where(mask, value, x)`; anything else is reported.
   */
  maskAssignment(stmt: SyntaxNode, left: SyntaxNode, right: SyntaxNode, value: Gen): boolean {
    const target = left.childForFieldName("value")!;
    const subs = left.childrenForFieldName("subscript");
    if (subs.length !== 1) return false;
    const t = expr(this, target);
    const mask = expr(this, subs[0]);
    const isMask = t.v.k === "tensor" && mask.v.k === "tensor" && (subs[0].type === "comparison_operator" || (subs[0].type === "unary_operator" && subs[0].child(0)?.text === "~"));
    if (!isMask) return false;
    if (value.v.k === "tensor") {
      this.diag("C2M-W010", stmt, "boolean-mask assignment of a tensor has no MLX form; use mx.where with a broadcastable value");
      return true;
    }
    // the mask and the target meet in one layout, and the target keeps it
    const [m2, t2] = meet(this, mask, subs[0], t, target);
    this.replaceStatement(stmt, `${target.text} = mx.where(${m2.text}, ${value.text}, ${t2.text})`);
    if (target.type === "identifier") this.env.set(target.text, t2.v);
    return true;
  }

  exprValueOf(node: SyntaxNode): Val {
    return node.type === "identifier" ? (this.env.get(node.text) ?? { k: "other" }) : { k: "other" };
  }

  /** Binds assignment targets; a tensor bound to a name gets a definition site for layout decisions. */
  bind(left: SyntaxNode, v: Val, stmt: SyntaxNode, right?: SyntaxNode): void {
    if (left.type === "identifier") {
      const name = left.text;
      if (v.k !== "tensor") {
        this.env.set(name, v);
        return;
      }
      // `y = x` aliases x: a decision about x's definition covers y too
      if (right?.type === "identifier" && v.def) {
        this.env.set(name, v);
        return;
      }
      const def = `${name}@${stmt.startIndex}`;
      const decided = this.decisions.get(def);
      if (decided && !samePerm(decided.perm, v.t.perm)) {
        const rank = v.t.rank ?? decided.rank;
        const axes = transposeAxes(v.t.perm, decided.perm, rank);
        this.countTranspose();
        this.inserts.set(`def:${def}`, insertAfterStatement(this.ctx.mod.source, stmt, `${name} = ${name}.transpose(${axes.join(", ")})`));
        this.env.set(name, { k: "tensor", t: { kind: "tensor", rank, perm: decided.perm }, def });
      } else this.env.set(name, withDef(v, def));
      return;
    }
    if (left.type === "pattern_list" || left.type === "tuple_pattern" || left.type === "list_pattern") {
      const targets = namedChildren(left);
      targets.forEach((t, i) => {
        const item =
          v.k === "list"
            ? v.items
              ? (v.items[i] ?? { k: "other" })
              : (v.elem ?? { k: "other" })
            : v.k === "shape"
              ? ({ k: "num" } as Val)
              : v.k === "tensor"
                ? tensorVal()
                : ({ k: "other" } as Val);
        this.bind(t, item, stmt);
      });
    }
  }

  augmented(a: SyntaxNode): void {
    const left = a.childForFieldName("left")!;
    const right = a.childForFieldName("right")!;
    const op = a.child(1)!.text;
    let l = expr(this, left);
    let r = expr(this, right);
    if (l.v.k === "tensor" && r.v.k === "tensor") {
      if (op === "@=") {
        l = toLogical(this, l, left);
        r = toLogical(this, r, right);
      } else [l, r] = meet(this, l, left, r, right);
      if (l.text !== left.text && left.type === "identifier") {
        // the target itself changes layout: `out = out.transpose(...) + y`
        this.replaceStatement(a.parent!, `${left.text} = ${l.text} ${op.slice(0, -1)} ${paren(r.text)}`);
        this.env.set(left.text, l.v);
        return;
      }
    }
    this.overwrite(right, r.text);
    if (left.type === "identifier" && l.v.k === "tensor") this.env.set(left.text, l.v);
  }

  callStatement(stmt: SyntaxNode, call: SyntaxNode): void {
    const fn = call.childForFieldName("function")!;
    const q = qualify(fn, this.ctx.mod.aliases);
    if (q && RUNTIME_STATEMENTS.has(q)) {
      this.record("table", q, call);
      this.dropStatement(stmt);
      return;
    }
    const out = outArgument(call);
    if (out && q && OP_BY_NAME.has(q)) {
      this.writesOut.add(call);
      this.replaceStatement(stmt, writeInto(out, expr(this, out).text, expr(this, call).text));
      return;
    }
    if (q === "torch._assert") {
      // torch._assert(cond, msg) is an assert TorchScript can trace
      const [cond, msg] = callArgs(call).positional;
      if (cond && cond.type !== "list_splat" && cond.type !== "dictionary_splat") {
        this.record("table", q, call);
        // an argument written over several lines needs the parentheses the call gave it
        const part = (n: SyntaxNode) => (n.startPosition.row === n.endPosition.row ? expr(this, n).text : `(${expr(this, n).text})`);
        this.replaceStatement(stmt, `assert ${part(cond)}${msg ? `, ${part(msg)}` : ""}`);
        return;
      }
    }
    if (q?.startsWith("torch.nn.init.")) {
      const translated = this.initCall(call, q.slice("torch.nn.init.".length));
      if (translated) {
        this.replaceStatement(stmt, translated);
        return;
      }
      this.replaceStatement(stmt, "pass");
      this.diag("C2M-W011", call, `weight initialisation ${q.slice("torch.nn.init.".length)} not translated`);
      return;
    }
    if (fn.type === "attribute") {
      const obj = fn.childForFieldName("object")!;
      const method = fn.childForFieldName("attribute")!.text;
      if (obj.text === "self" && this.cls && method === "apply") {
        this.replaceStatement(stmt, "pass");
        this.diag("C2M-W011", call, "self.apply(init_fn) not translated (MLX's Module.apply maps parameters)");
        return;
      }
      if (obj.text === "self" && method === "register_buffer") {
        const args = callArgs(call);
        const nameNode = args.positional[0];
        const valueNode = args.positional[1] ?? args.keyword.get("tensor");
        const name = nameNode?.type === "string" ? stringValue(nameNode) : undefined;
        const persistentNode = args.keyword.get("persistent") ?? args.positional[2];
        if (name && valueNode && persistentNode && persistentNode.type !== "true" && persistentNode.type !== "false") {
          // persistent or not only at run time: the helper decides (a non-persistent buffer is no MLX parameter)
          this.ctx.helpers.add("c2m_register_buffer");
          this.replaceStatement(stmt, `c2m_register_buffer(self, ${JSON.stringify(name)}, ${expr(this, valueNode).text}, ${expr(this, persistentNode).text})`);
          return;
        }
        if (name && valueNode) {
          const attr = this.cls?.privateBuffers.has(name) ? `_${name}` : name;
          // a persistent buffer is a parameter of the MLX module (it is in the state dict), but no trainable one
          const freeze = attr === name ? `\n${" ".repeat(stmt.startPosition.column)}self.freeze(keys=[${JSON.stringify(name)}], recurse=False)` : "";
          this.replaceStatement(stmt, `self.${attr} = ${expr(this, valueNode).text}${freeze}`);
          return;
        }
      }
      // in-place tensor methods used as statements: `x.add_(y)` → `x = x + y`
      const recv = expr(this, obj);
      // a name the file imports (`from ... import initialization as init; init.copy_(a, b)`) is a module's function, not a tensor method
      const imported = obj.type === "identifier" && recv.v.k !== "tensor" && this.ctx.mod.aliases.has(obj.text);
      const row = !imported && (recv.v.k === "tensor" || TENSOR_ONLY_METHODS.has(method)) ? OP_BY_NAME.get(`Tensor.${method}`) : undefined;
      if (row?.inplace && (obj.type === "identifier" || obj.type === "attribute" || obj.type === "subscript")) {
        const g = expr(this, call);
        // a parameter's array is the caller's too (timm's trunc_normal_(self.pos_embed)): written through, not rebound
        const target = obj.type === "subscript" ? obj.text : isParameterOf(stmt, obj) ? `${recv.text}[...]` : recv.text;
        this.replaceStatement(stmt, `${target} = ${g.text}`);
        this.diag("C2M-W004", call, `in-place ${method} rewritten as an assignment`);
        if (obj.type === "identifier") this.env.set(obj.text, g.v);
        return;
      }
      // `self.get_mask().fill_(0)`: nothing to assign the new array to, so the update would vanish
      if (row?.inplace) this.diag("C2M-W032", call, `in-place ${method} on a value c2m cannot assign back to: the update is lost`);
      // list.append on a local list of tensors: remember the element layout for a later torch.cat
      if (obj.type === "identifier" && method === "append") {
        const cur = this.env.get(obj.text);
        const arg = callArgs(call).positional[0];
        if (cur?.k === "list" && arg) {
          // the list's items share one layout (a later torch.cat reads them so): a tensor in another is converted
          const held = cur.items ? mergeVal(cur.items) : cur.elem;
          const given = expr(this, arg);
          const g = held?.k === "tensor" && given.v.k === "tensor" && !given.v.t.flatFrom ? convert(this, given, arg, held.t.perm) : given;
          this.overwrite(call, rebuildOne(call, arg, g.text));
          this.env.set(obj.text, { k: "list", items: null, elem: mergeVal(cur.items ? [...cur.items, g.v] : cur.elem ? [cur.elem, g.v] : [g.v]) });
          return;
        }
      }
    }
    const g = expr(this, call);
    this.overwrite(call, g.text);
  }

  /**
   * An in-place torch.nn.init call as an assignment of MLX's initializer to the same tensor. Only for a
   * target that can be assigned (an attribute or an item): rebinding a loop variable would change nothing.
   */
  initCall(call: SyntaxNode, name: string): string | undefined {
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
    for (const [k, n] of bound.byName) if (!Array.isArray(n)) given.set(k, expr(this, n).text);
    // kaiming's gain comes from its nonlinearity; xavier takes a gain argument as it is
    if (spec.mlx.includes("{gain}") && params.some((p) => p.name === "nonlinearity")) {
      const defaults = defaultsOf(params);
      const gain = initGain((given.get("nonlinearity") as string) ?? defaults.get("nonlinearity")!, (given.get("a") as string) ?? defaults.get("a")!);
      if (!gain) return undefined;
      if (gain.includes("math.")) this.ctx.imports.add("import math");
      given.set("gain", gain);
      if (!given.has("mode")) given.set("mode", "'fan_in'");
    }
    // a read the translation turned into a call (`c2m_layer_attr(m, "num_batches_tracked")`) cannot be assigned
    if ((given.get("tensor") as string).endsWith(")")) return undefined;
    const r = renderTemplate(spec.mlx, { given, defaults: defaultsOf(params) });
    if (!r.ok) return undefined;
    this.record("table", `torch.nn.init.${name}`, call);
    return `${given.get("tensor")} = ${r.text}`;
  }

  ifStatement(s: SyntaxNode): void {
    const cond = s.childForFieldName("condition")!;
    this.overwrite(cond, expr(this, cond).text);
    const before = new Map(this.env);
    const branches: Map<string, Val>[] = [];
    const exits: (BranchExit | undefined)[] = [];
    this.block(s.childForFieldName("consequence")!);
    branches.push(this.env);
    exits.push(blockExit(s.childForFieldName("consequence")));
    let hasElse = false;
    for (const alt of s.childrenForFieldName("alternative")) {
      this.env = new Map(before);
      const c = alt.childForFieldName("condition");
      if (c) this.overwrite(c, expr(this, c).text);
      else hasElse = true;
      const body = alt.childForFieldName("body") ?? alt.childForFieldName("consequence");
      if (body) this.block(body);
      branches.push(this.env);
      exits.push(blockExit(body));
    }
    if (!hasElse) branches.push(before);
    this.env = this.join(branches, exits, true);
  }

  /** Joins branch environments; a tensor whose layout differs between branches is converted at its definitions. */
  join(envs: Map<string, Val>[], branchExits: (BranchExit | undefined)[] = [], branchesOfIf = false, rebound?: ReadonlySet<string>): Map<string, Val> {
    const out = new Map(envs[0]);
    for (const [name, v0] of envs[0]) {
      // a loop's target is bound afresh each iteration: nothing of it is carried in or around
      const exits = rebound?.has(name) ? [] : branchExits;
      // most names hold the same value in every branch (the branches started from one environment)
      let same = true;
      for (let i = 1; i < envs.length && same; i++) same = envs[i].get(name) === v0;
      if (same) {
        if (v0.k === "tensor") out.set(name, joinedTensor(v0));
        continue;
      }
      const vs = envs.map((e) => e.get(name));
      if (vs.some((v) => v === undefined)) continue;
      // a tensor in some branches, a number in others (`out = 0`, then `out = conv(x)` under an if): a use cannot
      // transpose it (an int has no .transpose), so the tensors go to torch's layout where they are defined
      if (vs.some((v) => v!.k === "num") && vs.some((v) => v!.k === "tensor")) {
        for (const v of vs) if (v!.k === "tensor") this.inTorchLayoutAtDef(v!);
        out.set(name, { k: "tensor", t: { kind: "tensor" } });
        continue;
      }
      // a list parameter or a fresh one (`if children is None: children = []`): one list of what either holds
      if (vs.every((v) => v!.k === "list")) {
        out.set(name, joinedList(vs as Extract<Val, { k: "list" }>[]));
        continue;
      }
      if (v0.k === "tensor" && vs.every((v) => v!.k === "tensor")) {
        const tensors = vs as { k: "tensor"; t: TensorType; def?: string }[];
        if (tensors.some((t) => t.t.flatFrom?.key !== v0.t.flatFrom?.key)) for (const t of tensors) vetoFlat(this, { v: t, text: "" });
        if (tensors.every((t) => samePerm(t.t.perm, v0.t.perm))) {
          out.set(name, { k: "tensor", t: { ...v0.t, spatialOne: tensors.every((t) => t.t.spatialOne) }, def: v0.def });
          continue;
        }
        // branches that leave tensors of different ranks (`if self.flatten: x = x.flatten(2).transpose(1, 2)`) meet
        // in torch's layout: one rank's permutation means nothing to the other
        const ranks = new Set(tensors.map((t) => (isIdentity(t.t.perm) ? t.t.rank : t.t.perm!.length)).filter((r) => r !== undefined));
        // a branch whose tensor has no known rank (an op on a module's input: a LayerNorm of it) may hold any rank: the
        // others' permutation cannot be put on it (transformers' ConvNextLayerNorm with data_format chosen at run time).
        // A parameter itself can take it: its callers convert what they pass, and a tensor of another rank fails there.
        // (At a loop's back edge the value carried in is the one the loop converts: the loop's own result.) Only where
        // every permuted branch can go back to torch's layout: a value decided channels-last that no exit can convert
        // (a parameter carried past an if without else) keeps the others following it, as before.
        const movable = tensors.every((t, i) => isIdentity(t.t.perm) || (t.def && !this.decisions.has(t.def)) || exits[i]);
        const unknownBeside = branchesOfIf && movable && tensors.some((t) => unknownRank(t.t) && !t.def?.endsWith("@param"));
        if (ranks.size > 1 || unknownBeside) {
          tensors.forEach((t, i) => {
            if (isIdentity(t.t.perm)) return;
            if (t.def && !this.decisions.has(t.def)) {
              this.decisions.set(t.def, { perm: undefined, rank: t.t.perm!.length });
              this.newDecision = true;
            } else this.convertAtExit(exits[i], name, t.t.perm, undefined, t.t.perm!.length);
          });
          out.set(name, { k: "tensor", t: { kind: "tensor" } });
          continue;
        }
        // prefer the channels-last layout (a conv produced it); convert the others where they were defined
        const target = tensors.find((t) => !isIdentity(t.t.perm))!;
        tensors.forEach((t, i) => {
          if (samePerm(t.t.perm, target.t.perm)) return;
          if (t.def && !this.decisions.has(t.def)) {
            this.decisions.set(t.def, { perm: target.t.perm, rank: target.t.rank ?? target.t.perm!.length });
            this.newDecision = true;
          } else this.convertAtExit(exits[i], name, t.t.perm, target.t.perm, target.t.perm!.length);
        });
        out.set(name, target);
      }
    }
    return out;
  }

  /** A branch's value whose definition cannot move to the joined layout is converted where the branch leaves (passes/branch-exits.ts). */
  convertAtExit(exit: BranchExit | undefined, name: string, from: Perm | undefined, to: Perm | undefined, rank: number): void {
    if (!exit) return;
    const { key, insert } = conversionAtExit(this.ctx.mod.source, exit, name, from, to, rank);
    this.countTranspose();
    this.inserts.set(key, insert);
  }

  /** Decides torch's layout for a tensor where it is defined, unless it is there already or another layout was decided. */
  inTorchLayoutAtDef(v: Val): void {
    if (v.k !== "tensor" || isIdentity(v.t.perm) || !v.def || this.decisions.has(v.def)) return;
    this.decisions.set(v.def, { perm: undefined, rank: v.t.perm!.length });
    this.newDecision = true;
  }

  forStatement(s: SyntaxNode): void {
    const right = s.childForFieldName("right")!;
    const g = expr(this, right);
    const seq = g.v.k === "module" && isSequential(g.v.m) ? g.v.m : right.text === "self" ? selfSequential(this.cls) : undefined;
    this.overwrite(right, seq ? sequentialItems(g.text, seq) : g.text);
    const left = s.childForFieldName("left")!;
    for (const [name, v] of targetValues(left, iterElement(g.v, right))) this.env.set(name, v);
    this.bindLoopModules(left, right, s.childForFieldName("body")!);
    this.loopBody(s.childForFieldName("body")!);
  }

  /**
   * `for conv, norm in zip(self.convs, self.norms)`, `for i, layer in enumerate(self.features)`: each target holds
   * its container's element (passes/loop-targets.ts); a called target from an attribute c2m cannot type is C2M-W045.
   */
  bindLoopModules(left: SyntaxNode, right: SyntaxNode, body: SyntaxNode): void {
    const targets = this.cls && loopTargets(left, right);
    if (!targets) return;
    for (const { name, source } of targets) {
      if (!source) continue;
      const attr = selfAttributeName(source);
      const m = attr !== undefined ? selfAttribute(this.cls!, attr, this.ctx.mod.aliases) : undefined;
      const local = source.type === "identifier" ? this.env.get(source.text) : undefined;
      const container = m && m.k !== "param" && m.k !== "buffer" && m.k !== "value" ? m : local?.k === "module" ? local.m : undefined;
      // a plain `for m in xs` already took xs's element (iterElement); a zipped local gives its element as that loop would
      if (container && left.type !== "identifier") this.env.set(name, { k: "module", m: elementOf(container) });
      else if (local && left.type !== "identifier") this.env.set(name, iterElement(local, source));
      else if (!container && attr !== undefined && this.env.get(name)?.k === "other") {
        const call = firstCallOf(body, name);
        const text = `${name} comes from self.${attr}, which c2m cannot type: ${name}(…) gets torch's layout, which a module that takes channels-last (a conv) misreads`;
        // the marker goes on the call's own line, not at the end of the loop
        if (call) this.pending.push({ code: "C2M-W045", node: call, stmt: statementOf(call), message: text });
      }
    }
  }

  /** A loop body runs twice: the second time from the layouts the first left, so loop-carried values agree. */
  loopBody(body: SyntaxNode): void {
    const before = new Map(this.env);
    // a value the body leaves is converted after its last statement; one carried in, before the loop
    const exits = [blockExit(body), { before: body.parent! }];
    const targets = loopTargetNames(body.parent!);
    this.block(body);
    this.env = this.join([this.env, before], exits, false, targets);
    // the second walk decides the conversions again, from the layouts the first left
    dropConversionsWithin(this.inserts, body.parent!);
    this.block(body);
    this.env = this.join([this.env, before], exits, false, targets);
  }

  /** Sequentials being applied (nested), and whether their items disagree on layout (sequential-layouts.ts) */
  seqDepth = 0;
  mixedLayouts = false;

  /** this walk read a signature still being computed (recursion): a later walk may read the real one */
  readUnfinishedSignature = false;

  signatureOf(name: string): ForwardSignature {
    const known = this.ctx.signatures.get(name);
    if (known) return known;
    if (this.ctx.computing.has(name)) {
      this.readUnfinishedSignature = true;
      return { params: [] };
    }
    return computeSignature(this.ctx, name);
  }

  // ---------------------------------------------------------------- output

  countTranspose(): void {
    this.transposeCount++;
  }

  overwrite(node: SyntaxNode, text: string): void {
    const key = `${node.startIndex}:${node.endIndex}`;
    if (text === node.text) {
      this.edits.delete(key);
      return;
    }
    this.edits.set(key, { start: node.startIndex, end: node.endIndex, text });
  }

  qualify(node: SyntaxNode): string | undefined {
    return qualify(node, this.ctx.mod.aliases);
  }

  /** Removes a whole line (a decorator). */
  removeLine(node: SyntaxNode): void {
    const src = this.ctx.mod.source;
    const start = src.lastIndexOf("\n", node.startIndex - 1) + 1;
    const nl = src.indexOf("\n", node.endIndex);
    this.edits.set(`${start}:${nl + 1}`, { start, end: nl < 0 ? src.length : nl + 1, text: "" });
  }

  /** Removes a statement (`pass` where it was its block's only one); a comment after it on the same line stays, at the statement's indentation. */
  dropStatement(stmt: SyntaxNode): void {
    // the only statement of its block leaves `pass` (an empty block is a syntax error)
    if (stmt.parent?.type === "block" && namedChildren(stmt.parent).length === 1) {
      this.replaceStatementRange(stmt.startIndex, stmt.endIndex, "pass");
      return;
    }
    const src = this.ctx.mod.source;
    const lineEnd = src.indexOf("\n", stmt.endIndex);
    const rest = src.slice(stmt.endIndex, lineEnd < 0 ? src.length : lineEnd);
    const comment = /^\s*#/.test(rest);
    if (comment) this.replaceStatementRange(stmt.startIndex, stmt.endIndex + rest.indexOf("#"), "");
    else this.removeLine(stmt);
  }

  replaceStatementRange(start: number, end: number, text: string): void {
    for (const [k, ed] of this.edits) if (ed.start >= start && ed.end <= end) this.edits.delete(k);
    this.edits.set(`${start}:${end}`, { start, end, text });
  }

  replaceStatement(stmt: SyntaxNode, text: string): void {
    // drop edits inside the statement: the whole statement is replaced
    for (const [k, ed] of this.edits) if (ed.start >= stmt.startIndex && ed.end <= stmt.endIndex) this.edits.delete(k);
    this.edits.set(`${stmt.startIndex}:${stmt.endIndex}`, { start: stmt.startIndex, end: stmt.endIndex, text });
  }

  /** constructs this walk handled (only the final walk's are kept) */
  readonly records: ConstructRecord[] = [];

  /** kind, name and position of each record, to keep one per construct */
  readonly recorded = new Set<string>();

  record(kind: ConstructKind, name: string, node: SyntaxNode): void {
    // loop bodies are walked twice
    const key = `${kind}\0${name}\0${node.startIndex}`;
    if (this.recorded.has(key)) return;
    this.recorded.add(key);
    const at = node.startPosition;
    this.records.push({ kind, name, line: at.row + 1, col: at.column + 1 });
  }

  /** Linear layers this walk fed a channels-last flatten (only the final walk's count) */
  readonly linearNhwc = new Map<string, number>();

  /** Diagnostics wait in the walker: only the final walk of a function reports them. */
  readonly pending: { code: string; node: SyntaxNode; stmt: SyntaxNode; message: string }[] = [];

  diag(code: string, node: SyntaxNode, message: string): void {
    this.pending.push({ code, node, stmt: this.stmt ?? node, message });
  }

  /** Reports this walk's diagnostics and puts a marker comment at the end of each statement concerned. */
  flushDiagnostics(): void {
    for (const [k, c] of this.linearNhwc) this.ctx.linearNhwc.set(k, c);
    for (const p of this.pending) this.record("unsupported", p.code, p.node);
    this.ctx.constructs.push(...this.records.splice(0));
    const src = this.ctx.mod.source;
    for (const p of this.pending) {
      const d = this.ctx.diags.report(p.code, p.node.startPosition, p.message);
      let eol = src.indexOf("\n", p.stmt.endIndex);
      if (eol < 0) eol = src.length;
      const prev = this.ctx.markers.get(eol);
      const marker = `c2m: ${d.code} ${p.message}`;
      if (!prev?.includes(d.code)) this.ctx.markers.set(eol, prev ? `${prev}; ${marker}` : `  # ${marker}`);
    }
  }
}
