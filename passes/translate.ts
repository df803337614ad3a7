/**
 * translate: the function-body pass. An abstract interpreter walks every function of the file, tracking
 * what each name holds (tensor with its physical layout, module, shape, number...), and produces the MLX
 * text of every expression it rewrites. The layout pass (passes/layout-nhwc.ts) runs it to a fixpoint of
 * layout decisions; the final run's edits are what the emitter applies.
 */
import { functionReference, isParameterOf } from "./function-values.js";
import {
  compactSource,
  containsPlaceholder,
  evaluatedOnImport,
  inAnnotation,
  isPlaceholder,
  readsPlaceholderName,
  UNTRANSLATED_HELPER,
  untranslatedMessage,
  untranslatedValue,
} from "./untranslated.js";
import { placeholderImportNames } from "./torch-library-imports.js";
import { callArgs, intLiteral, intTuple, namedChildren, nodeKey, type SyntaxNode } from "../grammar/python.js";
import type { ClassIR, ForeignClass, ForwardSignature, ModVal, ModuleIR } from "../ir/module.js";
import type { LayerMapping, OpMapping } from "../ir/tables.js";
import { channelsLast, dropAxes, isIdentity, unknownRank, physicalAxis, samePerm, transposeAxes, type Perm, type TensorType } from "../ir/tensor.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import type { ConstructKind, ConstructRecord, Rewrite } from "../ir/pipeline.js";
import { bindArgs, minimalCall, paren, parseSig, renderTemplate, type SigParam } from "./template-render.js";
import { collectClasses, elementOf, identifiers, paramName, SEQUENTIAL_ITEMS, stringValue, union } from "./module-tree.js";
import { isNamedSequential } from "./named-sequential.js";
import { enumerated, targetValues, zipped } from "./loop-values.js";
import { callsPositionally, classesAmong, isChannelsLast, layoutDeclaration, restoreDecisions, valueAsDecided } from "./sequential-layouts.js";
import { foreignSequentialItems, foreignTakesTorchLayout } from "./package-classes.js";
import { isTorch, qualify } from "./resolve-imports.js";
import { appendArgument, factoryDictKeys, replaceSplat, FACTORY_KEYWORDS, splatted, splitDictSplats, unboundListSplat } from "./call-splats.js";
import { AUTOCAST_CONTEXTS, helpersFor, importsFor, RUNTIME_CALLS, RUNTIME_STATEMENTS, TORCH_NAME_CAVEATS, TORCH_STRING_NAMES } from "./tables/torch-runtime.js";
import { probeFunction, PROBE_HELPER } from "./package-probes.js";
import { templateFor, type LayerRow } from "./tables/layers.js";
import { layerValueClass } from "./layer-values.js";
import { pythonTypeDtypes } from "./python-type-dtypes.js";
import { outArgument, outArgumentMessage, OUT_ARGUMENT_CODE, writeInto } from "./out-argument.js";
import { registeredOp } from "./registered-ops.js";
import { returnsAgree } from "./return-layouts.js";
import { torchWeightView } from "./layer-weight-views.js";
import { dtypeAttributeText, readsDtypeAttribute } from "./dtype-attrs.js";
import { deviceOfText, DEVICE_OF_HELPER, isAssignmentTarget, readsUnknownDevice } from "./device-attr.js";
import { listConcatenation } from "./list-boundaries.js";
import { isSequential, selfSequential, SEQUENCE_BUILTINS, sequentialIndex, sequentialItems } from "./sequential-access.js";
import { anyChildOf, CHILD_ITERATORS, childOf } from "./module-children.js";
import { annotatedModule } from "./annotated-classes.js";
import { isConfigValue } from "./config-values.js";
import { RUNTIME_MODULE_MESSAGE, runtimeModuleArgs } from "./runtime-modules.js";
import { logicalResultRank } from "./logical-ranks.js";
import { unknownArgumentIsTorchTensor } from "./unknown-arguments.js";
import { rankFromUnpack } from "./shape-unpack.js";
import { selfAttribute } from "./unnamed-attrs.js";
import { firstCallOf, loopTargets, selfAttributeName, statementOf } from "./loop-targets.js";
import { isNarrowedLayerParameter, LAYER_ATTR_CAVEATS, LAYER_ATTR_HELPER, layerAttrText, readsLayerAttr, type LayerAttrReceiver } from "./layer-attrs.js";
import { insertAfterStatement, insertBeforeStatement } from "./statement-inserts.js";
import { containsText, CONTAINS_HELPER } from "./tensor-contains.js";
import { blockExit, conversionAtExit, dropConversionsWithin, loopTargetNames, type BranchExit } from "./branch-exits.js";
import { INIT_FUNCTIONS, initGain, LAYER_BY_NAME, mlxConstructorParams, MODULE_METHODS, OP_BY_NAME, SEQUENTIAL_METHODS, TORCH_NAMES } from "./tables/index.js";

/** How a function is walked: at the model boundary (torch layout in and out), with its parameters' layouts, returning in torch layout. */
export interface WalkOptions {
  boundary: boolean;
  params?: Map<string, Val>;
  logicalReturns?: boolean;
}

export type Val =
  /** `assumed`: a parameter or loop variable taken for a tensor without evidence (no annotation, no torch op made it) */
  | { k: "tensor"; t: TensorType; def?: string; assumed?: boolean }
  | { k: "module"; m: ModVal }
  | { k: "shape"; t: TensorType }
  | { k: "list"; items: Val[] | null; elem?: Val }
  | { k: "num" }
  | { k: "none" }
  | { k: "other" };

export interface Gen {
  v: Val;
  text: string;
}

export interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface LayoutDecision {
  perm: Perm | undefined;
  rank: number;
}

/** State shared by all functions of one file. */
export interface TranslateContext {
  mod: ModuleIR;
  diags: DiagnosticBag;
  /** layout at the model boundary */
  layout: "torch" | "nhwc";
  topLevel: Set<string>;
  /** a folder compile: a class of another file of the package keeps torch's layout at its forward (layout-nhwc.ts topLevelClasses) */
  packageBoundaries?: boolean;
  helpers: Set<string>;
  signatures: Map<string, ForwardSignature>;
  /** signatures being computed (recursion guard) */
  computing: Set<string>;
  /** per-line diagnostic markers: insert position → marker text */
  markers: Map<number, string>;
  /** transposes emitted, per class (ResNet-18's budget is checked in tests) */
  transposes: Map<string, number>;
  /** Linear layers (constructor call) fed by a channels-last flatten: their weight columns are permuted (C given) */
  linearNhwc: Map<string, number>;
  /** import lines the translated code needs beyond mlx.core and mlx.nn */
  imports: Set<string>;
  /** expression rewrites from cookbook rules and plugin passes (nodeKey → replacement) */
  rewrites: Map<string, Rewrite>;
  /** how each construct was handled (final walks only), for `c2m analyze` */
  constructs: ConstructRecord[];
  /** rank-dependent layers (constructor call) that get inputs of unknown rank: emitted as torch-layout helpers */
  torchLayoutLayers: Set<string>;
  /** classes of this file that are items of a Sequential run by layout: they declare `c2m_layout` (sequential-layouts.ts) */
  layoutDeclarations: Set<string>;
  /** Flatten layers (their constructor call) that receive a channels-last value and must flatten in torch's order */
  chwFlatten: Set<string>;
  /** classes standing for torch layers passed as values (passes/layer-values.ts): name → source */
  layerValues: Map<string, string>;
  /** names bound to an Untranslated placeholder on import (module level, class bodies): a value computed from one on import is one too */
  placeholderNames?: Set<string>;
}

const TENSOR_ONLY_METHODS = new Set([
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

/** Layers whose input rank decides their layout, with a helper that works in torch's layout at any rank. */
const TORCH_LAYOUT_HELPERS: Record<string, string> = { "torch.nn.BatchNorm1d": "BatchNorm1d" };

const BUILTINS_KEEP_LAYOUT = new Set(["len", "isinstance", "print", "id", "type", "hasattr", "getattr", "super"]);

const TUPLE_RESULT_OPS = new Set(["split", "chunk", "unbind", "topk", "sort", "max", "min", "meshgrid", "tensor_split"]);

/** Ops whose keyword `dim` (when given) makes the result a (values, indices) pair. */
const PAIR_WITH_DIM = new Set(["max", "min", "median", "mode", "topk", "sort"]);

export class FunctionWalker {
  readonly edits = new Map<string, Edit>();
  readonly inserts = new Map<string, { pos: number; text: string }>();
  returns: Val[] = [];
  newDecision = false;
  private env = new Map<string, Val>();
  /** names bound to a dict of torch factory keywords (`dd = {"device": device, "dtype": dtype}`) → its keys */
  private factoryDicts = new Map<string, string[]>();
  /** op calls standing as statements whose `out=` target the statement writes (passes/out-argument.ts) */
  private writesOut = new Set<SyntaxNode>();
  private stmt: SyntaxNode | undefined;
  transposeCount = 0;

  constructor(
    private ctx: TranslateContext,
    readonly fn: SyntaxNode | undefined,
    private cls: ClassIR | undefined,
    readonly decisions: Map<string, LayoutDecision>,
    private opts: WalkOptions,
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
      if (ann) this.overwrite(ann, this.expr(ann).text);
      const dflt = p.type === "default_parameter" || p.type === "typed_default_parameter" ? p.childForFieldName("value") : null;
      if (dflt) this.overwrite(dflt, this.expr(dflt).text);
    }
    const ret = fn.childForFieldName("return_type");
    if (ret) this.overwrite(ret, this.expr(ret).text);
    this.block(body);
  }

  /** Walks statements outside any function (module level, class bodies). */
  runStatements(body: SyntaxNode): void {
    this.block(body);
  }

  // ---------------------------------------------------------------- statements

  private block(body: SyntaxNode): void {
    for (const s of namedChildren(body)) this.statement(s);
  }

  private statement(s: SyntaxNode): void {
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

  private statementInner(s: SyntaxNode): void {
    switch (s.type) {
      case "expression_statement": {
        const e = namedChildren(s)[0];
        if (!e) return;
        if (e.type === "assignment") return this.assignment(s, e);
        if (e.type === "augmented_assignment") return this.augmented(e);
        if (e.type === "string") return; // docstring
        if (e.type === "call") return this.callStatement(s, e);
        const g = this.expr(e);
        this.overwrite(e, g.text);
        return;
      }
      case "return_statement": {
        const e = namedChildren(s)[0];
        if (!e) return;
        let g = this.expr(e);
        // a returned list holds its tensors in torch's layout, as every list crossing a boundary (list-boundaries.ts)
        if ((this.opts.boundary && this.ctx.layout === "torch") || this.opts.logicalReturns || g.v.k === "list") g = this.toLogicalDeep(g, e);
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
        this.overwrite(c, this.expr(c).text);
        this.loopBody(s.childForFieldName("body")!);
        return;
      }
      case "with_statement": {
        for (const item of s.descendantsOfType("with_item")) {
          const v = item.childForFieldName("value");
          if (v) this.overwrite(v, this.expr(v).text);
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
        for (const c of namedChildren(s)) this.overwrite(c, this.expr(c).text);
        return;
      case "function_definition":
      case "decorated_definition":
      case "class_definition":
        return; // translated on their own
      default:
        return;
    }
  }

  private assignment(stmt: SyntaxNode, a: SyntaxNode): void {
    const left = a.childForFieldName("left")!;
    const right = a.childForFieldName("right");
    const type = a.childForFieldName("type");
    if (type) this.overwrite(type, this.expr(type).text);
    if (!right) return;
    if (right.type === "assignment") {
      // chained `a = b = expr`
      this.assignment(stmt, right);
      const v = this.exprValueOf(right.childForFieldName("left")!);
      this.bind(left, v, stmt);
      return;
    }
    let g = this.expr(right);
    // a tensor stored into a dict or list (`result["out"] = x`) leaves the layouts c2m tracks: it goes in torch's
    // layout, as a read of the container takes it (a value of unknown layout, presumed torch's)
    if (left.type === "subscript" && g.v.k === "tensor" && storesIntoContainer(this.exprValueOf(left.childForFieldName("value")!))) g = this.toLogical(g, right);
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
    // `a, b, c = x.shape`: x's rank, where the walker did not know it (shape-unpack.ts)
    const unpacked = rankFromUnpack(left, right);
    const held = unpacked && this.env.get(unpacked.name);
    if (unpacked && held?.k === "tensor" && held.t.rank === undefined && (!held.t.perm || held.t.perm.length === unpacked.rank))
      this.env.set(unpacked.name, { ...held, t: { ...held.t, rank: unpacked.rank } });
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
      const target = this.expr(left).text;
      if (/^[\w.]*\w(\[.*\])?$/s.test(target) && !/^(None|True|False)$/.test(target)) this.overwrite(left, target);
    }
    this.bind(left, g.v, stmt, right);
  }

  /**
   * `x[mask] = value` with a boolean tensor mask: MLX has no boolean-mask indexing. A scalar value becomes
   * `x = mx.where(mask, value, x)`; anything else is reported.
   */
  private maskAssignment(stmt: SyntaxNode, left: SyntaxNode, right: SyntaxNode, value: Gen): boolean {
    const target = left.childForFieldName("value")!;
    const subs = left.childrenForFieldName("subscript");
    if (subs.length !== 1) return false;
    const t = this.expr(target);
    const mask = this.expr(subs[0]);
    const isMask = t.v.k === "tensor" && mask.v.k === "tensor" && (subs[0].type === "comparison_operator" || (subs[0].type === "unary_operator" && subs[0].child(0)?.text === "~"));
    if (!isMask) return false;
    if (value.v.k === "tensor") {
      this.diag("C2M-W010", stmt, "boolean-mask assignment of a tensor has no MLX form; use mx.where with a broadcastable value");
      return true;
    }
    // the mask and the target meet in one layout, and the target keeps it
    const [m2, t2] = this.meet(mask, subs[0], t, target);
    this.replaceStatement(stmt, `${target.text} = mx.where(${m2.text}, ${value.text}, ${t2.text})`);
    if (target.type === "identifier") this.env.set(target.text, t2.v);
    return true;
  }

  private exprValueOf(node: SyntaxNode): Val {
    return node.type === "identifier" ? (this.env.get(node.text) ?? { k: "other" }) : { k: "other" };
  }

  /** Binds assignment targets; a tensor bound to a name gets a definition site for layout decisions. */
  private bind(left: SyntaxNode, v: Val, stmt: SyntaxNode, right?: SyntaxNode): void {
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

  private augmented(a: SyntaxNode): void {
    const left = a.childForFieldName("left")!;
    const right = a.childForFieldName("right")!;
    const op = a.child(1)!.text;
    let l = this.expr(left);
    let r = this.expr(right);
    if (l.v.k === "tensor" && r.v.k === "tensor") {
      if (op === "@=") {
        l = this.toLogical(l, left);
        r = this.toLogical(r, right);
      } else [l, r] = this.meet(l, left, r, right);
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

  private callStatement(stmt: SyntaxNode, call: SyntaxNode): void {
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
      this.replaceStatement(stmt, writeInto(out, this.expr(out).text, this.expr(call).text));
      return;
    }
    if (q === "torch._assert") {
      // torch._assert(cond, msg) is an assert TorchScript can trace
      const [cond, msg] = callArgs(call).positional;
      if (cond && cond.type !== "list_splat" && cond.type !== "dictionary_splat") {
        this.record("table", q, call);
        // an argument written over several lines needs the parentheses the call gave it
        const part = (n: SyntaxNode) => (n.startPosition.row === n.endPosition.row ? this.expr(n).text : `(${this.expr(n).text})`);
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
          this.replaceStatement(stmt, `c2m_register_buffer(self, ${JSON.stringify(name)}, ${this.expr(valueNode).text}, ${this.expr(persistentNode).text})`);
          return;
        }
        if (name && valueNode) {
          const attr = this.cls?.privateBuffers.has(name) ? `_${name}` : name;
          // a persistent buffer is a parameter of the MLX module (it is in the state dict), but no trainable one
          const freeze = attr === name ? `\n${" ".repeat(stmt.startPosition.column)}self.freeze(keys=[${JSON.stringify(name)}], recurse=False)` : "";
          this.replaceStatement(stmt, `self.${attr} = ${this.expr(valueNode).text}${freeze}`);
          return;
        }
      }
      // in-place tensor methods used as statements: `x.add_(y)` → `x = x + y`
      const recv = this.expr(obj);
      // a name the file imports (`from ... import initialization as init; init.copy_(a, b)`) is a module's function, not a tensor method
      const imported = obj.type === "identifier" && recv.v.k !== "tensor" && this.ctx.mod.aliases.has(obj.text);
      const row = !imported && (recv.v.k === "tensor" || TENSOR_ONLY_METHODS.has(method)) ? OP_BY_NAME.get(`Tensor.${method}`) : undefined;
      if (row?.inplace && (obj.type === "identifier" || obj.type === "attribute" || obj.type === "subscript")) {
        const g = this.expr(call);
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
          const given = this.expr(arg);
          const g = held?.k === "tensor" && given.v.k === "tensor" && !given.v.t.flatFrom ? this.convert(given, arg, held.t.perm) : given;
          this.overwrite(call, rebuildOne(call, arg, g.text));
          this.env.set(obj.text, { k: "list", items: null, elem: mergeVal(cur.items ? [...cur.items, g.v] : cur.elem ? [cur.elem, g.v] : [g.v]) });
          return;
        }
      }
    }
    const g = this.expr(call);
    this.overwrite(call, g.text);
  }

  /**
   * An in-place torch.nn.init call as an assignment of MLX's initializer to the same tensor. Only for a
   * target that can be assigned (an attribute or an item): rebinding a loop variable would change nothing.
   */
  private initCall(call: SyntaxNode, name: string): string | undefined {
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
    for (const [k, n] of bound.byName) if (!Array.isArray(n)) given.set(k, this.expr(n).text);
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

  private ifStatement(s: SyntaxNode): void {
    const cond = s.childForFieldName("condition")!;
    this.overwrite(cond, this.expr(cond).text);
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
      if (c) this.overwrite(c, this.expr(c).text);
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
  private join(envs: Map<string, Val>[], branchExits: (BranchExit | undefined)[] = [], branchesOfIf = false, rebound?: ReadonlySet<string>): Map<string, Val> {
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
        if (tensors.some((t) => t.t.flatFrom?.key !== v0.t.flatFrom?.key)) for (const t of tensors) this.vetoFlat({ v: t, text: "" });
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
  private convertAtExit(exit: BranchExit | undefined, name: string, from: Perm | undefined, to: Perm | undefined, rank: number): void {
    if (!exit) return;
    const { key, insert } = conversionAtExit(this.ctx.mod.source, exit, name, from, to, rank);
    this.countTranspose();
    this.inserts.set(key, insert);
  }

  /** Decides torch's layout for a tensor where it is defined, unless it is there already or another layout was decided. */
  private inTorchLayoutAtDef(v: Val): void {
    if (v.k !== "tensor" || isIdentity(v.t.perm) || !v.def || this.decisions.has(v.def)) return;
    this.decisions.set(v.def, { perm: undefined, rank: v.t.perm!.length });
    this.newDecision = true;
  }

  private forStatement(s: SyntaxNode): void {
    const right = s.childForFieldName("right")!;
    const g = this.expr(right);
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
  private bindLoopModules(left: SyntaxNode, right: SyntaxNode, body: SyntaxNode): void {
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
  private loopBody(body: SyntaxNode): void {
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

  // ---------------------------------------------------------------- expressions

  /** Whether a local, an import or a definition of the file takes the name (a builtin's name included). */
  private binds(name: string): boolean {
    const mod = this.ctx.mod;
    return this.env.has(name) || mod.aliases.has(name) || mod.functions.has(name) || mod.classes.has(name) || mod.otherClasses.has(name);
  }

  expr(e: SyntaxNode): Gen {
    const rewrite = rewriteOf(this.ctx.rewrites, e);
    if (rewrite) {
      for (const h of rewrite.helpers ?? []) this.ctx.helpers.add(h);
      for (const i of rewrite.imports ?? []) this.ctx.imports.add(i);
      this.record("cookbook", rewrite.rule, e);
      const bound = new Map(Object.entries(rewrite.bindings ?? {}).map(([k, n]) => [k, this.toLogical(this.expr(n), n).text] as const));
      // longest names first, so `$xq` is not read as `$x` followed by `q`
      const names = [...bound.keys()].sort((a, b) => b.length - a.length);
      const text = names.length ? rewrite.text.replace(new RegExp(`\\$(${names.join("|")})\\b`, "g"), (_, n: string) => paren(bound.get(n)!)) : rewrite.text;
      return { v: rewrite.value === "other" ? { k: "other" } : tensorVal(), text };
    }
    switch (e.type) {
      case "identifier": {
        const v = this.env.get(e.text);
        if (v) return { v, text: e.text };
        // a name imported from torch (`from torch import Tensor`): its import line goes, so the name must too
        const q = this.ctx.mod.aliases.get(e.text);
        if (q && q !== e.text && TORCH_NAMES[q]) return this.torchName(q, e);
        const layer = q && q !== e.text ? LAYER_BY_NAME.get(q) : undefined;
        if (layer) return this.layerValue(layer, e);
        if (q && q !== e.text && (q === "torch" || q.startsWith("torch.")) && evaluatedOnImport(e)) return this.untranslated(q, e);
        return { v: { k: "other" }, text: e.text };
      }
      case "integer":
      case "float":
        return { v: { k: "num" }, text: e.text };
      case "none":
        return { v: { k: "none" }, text: e.text };
      case "true":
      case "false":
      case "string":
      case "concatenated_string":
        return { v: { k: "other" }, text: e.text };
      case "attribute":
        return this.attribute(e);
      case "call":
        return this.call(e);
      case "subscript":
        return this.subscript(e);
      case "binary_operator":
        return this.binary(e);
      case "comparison_operator":
        return this.comparison(e);
      case "unary_operator": {
        const inner = namedChildren(e)[0];
        const g = this.expr(inner);
        return { v: g.v, text: rebuildOne(e, inner, g.text) };
      }
      case "parenthesized_expression": {
        const inner = namedChildren(e)[0];
        if (!inner) return { v: { k: "other" }, text: e.text };
        const g = this.expr(inner);
        return { v: g.v, text: rebuildOne(e, inner, g.text) };
      }
      case "list":
      case "tuple":
      case "expression_list": {
        const items = namedChildren(e).map((c) => [c, this.expr(c)] as const);
        return { v: { k: "list", items: items.map(([, g]) => g.v) }, text: rebuild(e, new Map(items.map(([c, g]) => [c, g.text]))) };
      }
      case "conditional_expression": {
        const [a, c, b] = namedChildren(e);
        const ga = this.expr(a);
        const gc = this.expr(c);
        let gb = this.expr(b);
        let ga2 = ga;
        if (ga.v.k === "tensor" && gb.v.k === "tensor") gb = this.convert(gb, b, ga.v.t.perm, ga.v.t.rank);
        // `q if cond else None`: a conversion of the whole would run on None; the tensor branch is brought to torch's layout
        else if (ga.v.k === "tensor" && gb.v.k === "none") ga2 = this.toLogical(ga, a);
        else if (gb.v.k === "tensor" && ga.v.k === "none") gb = this.toLogical(gb, b);
        return {
          v: ga2.v.k === "none" ? gb.v : ga2.v,
          text: rebuild(
            e,
            new Map([
              [a, ga2.text],
              [c, gc.text],
              [b, gb.text],
            ]),
          ),
        };
      }
      case "list_comprehension":
      case "generator_expression":
      case "set_comprehension":
      case "dictionary_comprehension": {
        const saved = new Map(this.env);
        const replaced = new Map<SyntaxNode, string>();
        for (const clause of namedChildren(e)) {
          if (clause.type === "for_in_clause") {
            const right = clause.childForFieldName("right")!;
            const g = this.expr(right);
            replaced.set(right, g.text);
            const left = clause.childForFieldName("left")!;
            const elem = iterElement(g.v, right);
            if (left.type === "identifier") this.env.set(left.text, elem);
            else for (const id of identifiers(left)) this.env.set(id, { k: "other" });
            // `[t(x) for i, t in enumerate(self.transition1)]`: what the targets hold, as a for statement's (hrnet)
            for (const [name, v] of targetValues(left, elem)) this.env.set(name, v);
            this.bindLoopModules(left, right, e);
          }
        }
        let v: Val = { k: "other" };
        for (const c of namedChildren(e)) {
          if (c.type === "for_in_clause") continue;
          const g = this.expr(c);
          replaced.set(c, g.text);
          if (c === e.childForFieldName("body")) v = { k: "list", items: null, elem: g.v };
        }
        this.env = saved;
        return { v, text: rebuild(e, replaced) };
      }
      default: {
        const replaced = new Map<SyntaxNode, string>();
        for (const c of namedChildren(e)) replaced.set(c, this.expr(c).text);
        return { v: { k: "other" }, text: rebuild(e, replaced) };
      }
    }
  }

  private attribute(e: SyntaxNode): Gen {
    const obj = e.childForFieldName("object")!;
    const attr = e.childForFieldName("attribute")!.text;
    const q = qualify(e, this.ctx.mod.aliases);
    if (readsDtypeAttribute(e, this.fn, this.ctx.mod.aliases)) return { v: { k: "other" }, text: dtypeAttributeText(e, this.expr(obj).text) };
    if (q && isTorch(q)) {
      if (TORCH_NAMES[q]) return this.torchName(q, e);
      const registered = registeredOp(q, this.ctx.mod);
      if (registered) return { v: { k: "other" }, text: registered };
      const layer = LAYER_BY_NAME.get(q);
      if (layer) return this.layerValue(layer, e);
      const op = OP_BY_NAME.get(q);
      const ref = op ? functionReference(op) : undefined;
      if (ref) {
        for (const h of op!.helpers ?? []) this.ctx.helpers.add(h);
        return { v: { k: "other" }, text: ref };
      }
      if (evaluatedOnImport(e)) return this.untranslated(q, e);
      if (q.startsWith("torch.nn.")) {
        this.diag("C2M-W001", e, `torch name ${q} has no MLX mapping`);
        return { v: { k: "other" }, text: e.text };
      }
      this.diag("C2M-W002", e, `torch name ${q} has no MLX mapping`);
      return { v: { k: "other" }, text: e.text };
    }
    if (obj.type === "identifier" && obj.text === "self" && this.cls) {
      const m = selfAttribute(this.cls, attr, this.ctx.mod.aliases);
      const text = this.cls.privateBuffers.has(attr) ? `self._${attr}` : e.text;
      const view = isAssignmentTarget(e) ? undefined : torchWeightView(this.cls, this.fn, attr, text);
      if (view) return { v: { k: "tensor", t: { kind: "tensor" } }, text: view };
      if (!m) return { v: { k: "other" }, text };
      if (m.k === "param" || m.k === "buffer") return { v: { k: "tensor", t: { kind: "tensor" } }, text };
      // a config object's attributes (config-values.ts) are an object's, not a module's
      if (m.k === "value" || isConfigValue(m)) return { v: { k: "other" }, text };
      return { v: { k: "module", m }, text };
    }
    const o = this.expr(obj);
    if (readsUnknownDevice(attr, obj.text, o.v.k === "tensor" || o.v.k === "module" ? o.v.k : "other") && !isAssignmentTarget(e)) {
      this.ctx.helpers.add(DEVICE_OF_HELPER);
      return { v: { k: "other" }, text: deviceOfText(o.text) };
    }
    if (readsLayerAttr(e, this.ctx.mod.aliases, this.layerAttrReceiver(o.v, attr))) {
      this.ctx.helpers.add(LAYER_ATTR_HELPER);
      const caveat = LAYER_ATTR_CAVEATS[attr];
      if (caveat) this.diag(caveat.code, e, caveat.message);
      return { v: { k: "other" }, text: layerAttrText(o.text, attr) };
    }
    const text = rebuildOne(e, obj, o.text);
    // `m.weight` of a layer an isinstance test narrowed: its array (`m.weight.data.normal_(...)` is then an assignment)
    if ((o.v.k !== "tensor" || o.v.assumed) && isNarrowedLayerParameter(e, this.ctx.mod.aliases)) return { v: { k: "tensor", t: { kind: "tensor" } }, text };
    if (o.v.k === "tensor") {
      if (attr === "shape") return { v: { k: "shape", t: o.v.t }, text };
      if (attr === "ndim") return { v: { k: "num" }, text };
      if (attr === "T" || attr === "mT") {
        const c = this.toLogical(o, obj);
        return { v: { k: "tensor", t: { kind: "tensor", rank: o.v.t.rank } }, text: `${paren(c.text)}.${attr === "T" ? "T" : "swapaxes(-1, -2)"}` };
      }
      // torch's autograd-free view of a tensor: an MLX array is already only its values
      if (attr === "data") return { v: o.v, text: o.text };
      // the array's device is MLX's default one (code reads its .type: DeviceType.cpu/gpu, never a torch backend name)
      if (attr === "device") return { v: { k: "other" }, text: "mx.default_device()" };
      if (attr === "is_cuda") return { v: { k: "other" }, text: "False" };
      return { v: { k: "other" }, text };
    }
    if (o.v.k === "module") {
      const m = o.v.m;
      // ModuleDict and nested submodules: `self.transformer.wte`
      if (m.k === "dict" && m.entries?.has(attr)) return { v: { k: "module", m: m.entries.get(attr)! }, text };
      if (m.k === "dict" && m.elem) return { v: { k: "module", m: m.elem }, text };
      if (m.k === "class") {
        const sub = (m.ext?.cls ?? this.ctx.mod.classes.get(m.name))?.attrs.get(attr);
        if (sub && (sub.k === "param" || sub.k === "buffer")) return { v: { k: "tensor", t: { kind: "tensor" } }, text };
        if (sub && sub.k !== "value") return { v: { k: "module", m: sub }, text };
      }
      if (m.k === "layer" && (attr === "weight" || attr === "bias")) return { v: { k: "tensor", t: { kind: "tensor" } }, text };
    }
    return { v: { k: "other" }, text };
  }

  /** What a layer-attribute read's receiver is known to be (passes/layer-attrs.ts). */
  private layerAttrReceiver(v: Val, attr: string): LayerAttrReceiver {
    if (v.k === "tensor") return v.assumed ? "other" : "no-layer";
    if (v.k === "shape" || v.k === "num" || v.k === "list" || v.k === "none") return "no-layer";
    if (v.k === "module" && v.m.k === "class" && (v.m.ext?.cls ?? this.ctx.mod.classes.get(v.m.name))?.attrs.has(attr)) return "own";
    return "other";
  }

  /**
   * A torch layer class as a value. In a type test (`isinstance(m, nn.Conv2d)`) it is MLX's class; anywhere
   * else it may be built later with torch's arguments (`act_layer(inplace=True)`): a class taking them.
   */
  private layerValue(row: LayerMapping, e: SyntaxNode): Gen {
    const standIn = isTypeTest(e) ? undefined : layerValueClass(row);
    if (!standIn) return { v: { k: "other" }, text: layerClassName(row, this.ctx) };
    this.ctx.layerValues.set(standIn.name, standIn.source);
    for (const h of standIn.helpers) this.ctx.helpers.add(h);
    this.record("table", row.torch, e);
    return { v: { k: "other" }, text: standIn.name };
  }

  /** A torch value name (a dtype, the tensor type) as MLX's, with the import that name needs. */
  /** A torch name with no translation that runs on import: a placeholder that raises when used (passes/untranslated.ts). */
  private untranslated(q: string, e: SyntaxNode): Gen {
    this.ctx.helpers.add(UNTRANSLATED_HELPER);
    // an annotation is never called: the placeholder there changes nothing a program does
    if (inAnnotation(e)) this.diag("C2M-W002", e, `torch name ${q} has no MLX mapping (the annotation is Untranslated(...))`);
    else this.diag("C2M-E050", e, untranslatedMessage(q));
    return { v: { k: "other" }, text: untranslatedValue(q, e) };
  }

  private torchName(q: string, e: SyntaxNode): Gen {
    const text = TORCH_NAMES[q];
    const caveat = TORCH_NAME_CAVEATS[q];
    if (caveat) this.diag(caveat.code, e, caveat.message);
    for (const i of importsFor(text)) this.ctx.imports.add(i);
    for (const h of helpersFor(text)) this.ctx.helpers.add(h);
    this.record("table", q, e);
    return { v: { k: "other" }, text };
  }

  private subscript(e: SyntaxNode): Gen {
    const value = e.childForFieldName("value")!;
    const subs = e.childrenForFieldName("subscript");
    const o = this.expr(value);
    if (o.v.k === "shape" && subs.length === 1) {
      const i = intLiteral(subs[0]);
      const perm = o.v.t.perm;
      if (perm && !isIdentity(perm) && i !== undefined) {
        return { v: { k: "num" }, text: `${o.text}[${physicalAxis(perm, i)}]` };
      }
      const axes = perm && !isIdentity(perm) ? shapeSliceAxes(subs[0], perm.length) : undefined;
      if (axes) {
        // `x.shape[-2:]` of a channels-last x: torch's axes picked one by one from where they are held
        const picked = axes.map((a) => `${o.text}[${physicalAxis(perm!, a)}]`);
        return { v: { k: "other" }, text: `(${picked.join(", ")}${picked.length === 1 ? "," : ""})` };
      }
      if (perm && !isIdentity(perm)) {
        this.diag("C2M-W006", e, "shape of a channels-last tensor indexed by a computed axis; result is in NHWC order");
      }
      return { v: { k: subs[0].type === "slice" ? "other" : "num" }, text: rebuildOne(e, value, o.text) };
    }
    if (o.v.k === "module") {
      const m = o.v.m;
      const replaced = new Map<SyntaxNode, string>([[value, o.text]]);
      for (const s of subs) replaced.set(s, this.expr(s).text);
      const key = subs[0]?.type === "string" ? stringValue(subs[0]) : undefined;
      if (m.k === "dict" && key && m.entries?.has(key)) return { v: { k: "module", m: m.entries.get(key)! }, text: rebuild(e, replaced) };
      const isSlice = subs[0]?.type === "slice";
      if (isSequential(m) && subs.length === 1) {
        const text = sequentialIndex(o.text, m, replaced.get(subs[0])!, isSlice);
        return { v: { k: "module", m: isSlice ? { k: "seq", items: null, elem: elementOf(m) } : elementOf(m) }, text };
      }
      // a slice of a ModuleList is MLX's list sliced: a list still (a Sequential's `.layers` is no attribute of it)
      if ((m.k === "list" || m.k === "seq") && isSlice) return { v: { k: "module", m: { k: m.k, items: null, elem: elementOf(m) } }, text: rebuild(e, replaced) };
      return { v: { k: "module", m: elementOf(m) }, text: rebuild(e, replaced) };
    }
    if (o.v.k === "list") {
      const replaced = new Map<SyntaxNode, string>([[value, o.text]]);
      for (const s of subs) replaced.set(s, this.expr(s).text);
      const i = subs.length === 1 ? intLiteral(subs[0]) : undefined;
      const item = o.v.items && i !== undefined ? o.v.items.at(i) : undefined;
      const elem = item ?? (o.v.items ? mergeVal(o.v.items) : (o.v.elem ?? { k: "other" }));
      // a slice of a tuple or list is one still (`res_samples = down_block_res_samples[-n:]`), of the same elements
      if (subs.length === 1 && subs[0].type === "slice") return { v: { k: "list", items: null, elem }, text: rebuild(e, replaced) };
      return { v: elem, text: rebuild(e, replaced) };
    }
    if (o.v.k === "tensor") {
      // indexing follows torch's axis order: convert a channels-last tensor first
      const c = this.toLogical(o, value);
      const replaced = new Map<SyntaxNode, string>([[value, c.text]]);
      for (const s of subs) replaced.set(s, this.expr(s).text);
      return { v: { k: "tensor", t: { kind: "tensor" } }, text: rebuild(e, replaced) };
    }
    const replaced = new Map<SyntaxNode, string>([[value, o.text]]);
    for (const s of subs) replaced.set(s, this.expr(s).text);
    return { v: { k: "other" }, text: rebuild(e, replaced) };
  }

  private binary(e: SyntaxNode): Gen {
    const left = e.childForFieldName("left")!;
    const right = e.childForFieldName("right")!;
    const op = e.childForFieldName("operator")!.text;
    let l = this.expr(left);
    let r = this.expr(right);
    if (op === "@") {
      if (l.v.k === "tensor") l = this.toLogical(l, left);
      if (r.v.k === "tensor") r = this.toLogical(r, right);
      return {
        v: { k: "tensor", t: { kind: "tensor" } },
        text: rebuild(
          e,
          new Map([
            [left, l.text],
            [right, r.text],
          ]),
        ),
      };
    }
    [l, r] = this.meet(l, left, r, right);
    const v: Val = l.v.k === "tensor" ? l.v : r.v.k === "tensor" ? r.v : l.v.k === "num" && r.v.k === "num" ? { k: "num" } : l.v.k === "list" ? l.v : { k: "other" };
    return {
      v: v.k === "tensor" ? { k: "tensor", t: v.t } : v,
      text: rebuild(
        e,
        new Map([
          [left, l.text],
          [right, r.text],
        ]),
      ),
    };
  }

  private comparison(e: SyntaxNode): Gen {
    const ops = namedChildren(e);
    // `m.bias is not None` on a module: MLX layers built with bias=False have no `bias` at all
    const opText = e.children
      .filter((c) => !c.isNamed)
      .map((c) => c.text)
      .join(" ");
    if (
      ops.length === 2 &&
      ops[1].type === "none" &&
      (opText === "is" || opText === "is not") &&
      ops[0].type === "attribute" &&
      ops[0].childForFieldName("attribute")!.text === "bias"
    ) {
      const obj = ops[0].childForFieldName("object")!;
      const o = this.expr(obj);
      // a parameter merely assumed a tensor (`def _init_weights(module)`) has no bias attribute as a tensor: a layer
      if ((o.v.k !== "tensor" || o.v.assumed) && !(obj.text === "self" && this.cls?.attrs.get("bias")?.k === "param")) {
        return { v: { k: "other" }, text: `"bias" ${opText === "is" ? "not in" : "in"} ${o.text}` };
      }
    }
    const gens = ops.map((c) => this.expr(c));
    // `value in t` on a tensor: torch's element test, which an mx.array does not answer (passes/tensor-contains.ts);
    // a parameter merely assumed a tensor goes through it too (the helper asks at run time), a string is no element
    const contains = ops.length === 2 && gens[1].v.k === "tensor" && ops[0].type !== "string" ? containsText(opText, gens[0].text, gens[1].text) : undefined;
    if (contains) {
      this.ctx.helpers.add(CONTAINS_HELPER);
      return { v: { k: "other" }, text: contains };
    }
    const isIdentityCheck = e.children.some((c) => c.type === "is" || c.type === "in" || c.text === "is" || c.text === "in" || c.text === "not in" || c.text === "is not");
    if (!isIdentityCheck && gens.length === 2) [gens[0], gens[1]] = this.meet(gens[0], ops[0], gens[1], ops[1]);
    const t = gens.find((g) => g.v.k === "tensor");
    return { v: t && !isIdentityCheck ? { k: "tensor", t: (t.v as { t: TensorType }).t } : { k: "other" }, text: rebuild(e, new Map(ops.map((c, i) => [c, gens[i].text]))) };
  }

  // ---------------------------------------------------------------- calls

  private call(e: SyntaxNode): Gen {
    const fn = e.childForFieldName("function")!;
    const q = qualify(fn, this.ctx.mod.aliases);
    // a Parameter or a Buffer (torch ≥ 2.5) is its array in MLX; module-tree decides whether a buffer is private
    if (q === "torch.nn.Parameter" || q === "torch.nn.parameter.Parameter" || q === "torch.nn.Buffer" || q === "torch.nn.parameter.Buffer") {
      const a = callArgs(e).positional[0] ?? callArgs(e).keyword.get("data");
      if (a) {
        const g = this.expr(a);
        return { v: g.v.k === "tensor" ? g.v : { k: "tensor", t: { kind: "tensor" } }, text: g.text };
      }
    }
    if (q === "torch.nn.Sequential") return this.containerCall(e, "nn.Sequential");
    if (q === "torch.nn.ModuleList") return this.moduleList(e);
    if (q === "torch.nn.ModuleDict") {
      this.ctx.helpers.add("ModuleDict");
      return this.containerCall(e, "ModuleDict");
    }
    if (q && isTorch(q)) {
      const disabled = AUTOCAST_CONTEXTS.has(q) && callArgs(e).keyword.get("enabled")?.text === "False";
      const runtime = disabled ? RUNTIME_CALLS["torch.no_grad"] : RUNTIME_CALLS[q];
      if (runtime) {
        for (const i of runtime.imports ?? []) this.ctx.imports.add(i);
        this.record("table", q, e);
        return { v: { k: "other" }, text: runtime.mlx };
      }
      const layer = LAYER_BY_NAME.get(q);
      if (layer) return this.layerConstruction(e, layer);
      const op = OP_BY_NAME.get(q);
      if (op) return this.opCall(e, op, callArgs(e).positional, callArgs(e).keyword, undefined);
      const registered = registeredOp(q, this.ctx.mod);
      if (registered) return this.opaqueCall(e);
      // a torch name whose MLX form is a helper function with torch's signature, called
      if (TORCH_NAMES[q] && helpersFor(TORCH_NAMES[q]).length) return this.opaqueCall(e, new Map([[fn, this.torchName(q, fn).text]]), false);
      const owner = fn.type === "attribute" ? fn.childForFieldName("object")! : undefined;
      const ownerName = owner ? qualify(owner, this.ctx.mod.aliases) : undefined;
      if (owner && ownerName && TORCH_STRING_NAMES.has(ownerName)) {
        return this.opaqueCall(e, new Map([[fn, `${this.torchName(ownerName, owner).text}.${fn.childForFieldName("attribute")!.text}`]]), false);
      }
      if (evaluatedOnImport(e)) return this.untranslated(`${q}(...)`, e);
      this.diag(q.startsWith("torch.nn.") && /^[A-Z]/.test(q.split(".").pop()!) ? "C2M-W001" : "C2M-W002", e, `${q} has no MLX mapping`);
      return this.opaqueCall(e, new Map([[fn, fn.text]]));
    }
    const probe = probeFunction(fn, this.ctx.mod.root);
    if (probe) {
      this.ctx.helpers.add(PROBE_HELPER);
      return this.opaqueCall(e, new Map([[fn, probe]]), false);
    }
    if (fn.type === "attribute") {
      const obj = fn.childForFieldName("object")!;
      const method = fn.childForFieldName("attribute")!.text;
      if (obj.text === "self" && this.cls) {
        const m = selfAttribute(this.cls, method, this.ctx.mod.aliases);
        if (m && m.k !== "value" && m.k !== "param" && m.k !== "buffer") return this.moduleCall(e, m, fn.text);
        if (this.cls.methods.has(method) || method === "forward") return this.userCall(e, fn.text === "self.forward" ? "self" : fn.text);
        const mm = MODULE_METHODS[method];
        if (mm && !m) return this.moduleMethod(e, "self", mm);
        const child = CHILD_ITERATORS[method] && !m && !callArgs(e).positional.length ? anyChildOf({ k: "class", name: this.cls.name }, this.ctx.mod) : undefined;
        if (child) return { v: childIteration(child, CHILD_ITERATORS[method]), text: fn.text + "()" };
      }
      // `self.relu(out)` in a module whose relu this file does not show (a subclass sets it): self is a
      // module, never a tensor whose .relu() method this could be
      const selfIsModule = obj.type === "identifier" && obj.text === "self" && !!this.cls && !this.env.has("self");
      const o = this.expr(obj);
      const isModuleName =
        selfIsModule ||
        (obj.type === "identifier" &&
          !this.env.has(obj.text) &&
          (this.ctx.mod.aliases.has(obj.text) || this.ctx.mod.classes.has(obj.text) || this.ctx.mod.otherClasses.has(obj.text)));
      const knownTensor = o.v.k === "tensor" && !o.v.assumed;
      const likelyTensor = (o.v.k === "tensor" || (o.v.k === "other" && TENSOR_ONLY_METHODS.has(method))) && !AMBIGUOUS_METHODS.has(method);
      // a method only modules have: the receiver is a module whatever c2m took it for (a helper's `module` parameter)
      if (o.v.k !== "module" && MODULE_METHODS[method]?.moduleOnly) return this.moduleMethod(e, o.text, MODULE_METHODS[method]);
      if (knownTensor || (likelyTensor && obj.type !== "string" && !isModuleName)) {
        return this.tensorMethod(e, o, obj, method);
      }
      if (o.v.k === "module") {
        const m = o.v.m;
        if (method === "forward" || method === "__call__") return this.moduleCall(e, m, `${o.text}`);
        // `attn.group_norm(x)`: a module a known class holds, called
        const owner = m.k === "class" ? (m.ext?.cls ?? this.ctx.mod.classes.get(m.name)) : undefined;
        const held = owner && !owner.methods.has(method) ? selfAttribute(owner, method, (m.k === "class" && m.ext?.mod.aliases) || this.ctx.mod.aliases) : undefined;
        if (held && held.k !== "value" && held.k !== "param" && held.k !== "buffer" && held.k !== "unknown") return this.moduleCall(e, held, `${o.text}.${method}`);
        if (MODULE_METHODS[method]) return this.moduleMethod(e, o.text, MODULE_METHODS[method]);
        if (m.k === "seq" && SEQUENTIAL_METHODS[method]) return this.moduleMethod(e, o.text, SEQUENTIAL_METHODS[method]);
        const child = CHILD_ITERATORS[method] && !callArgs(e).positional.length ? anyChildOf(m, this.ctx.mod) : undefined;
        if (child) return { v: childIteration(child, CHILD_ITERATORS[method]), text: `${o.text}.${method}()` };
        return this.opaqueCall(e, new Map([[obj, o.text]]));
      }
      if (o.v.k === "shape" && method === "numel") return this.opaqueCall(e);
      return this.opaqueCall(e, new Map([[obj, o.text]]));
    }
    if (fn.type === "identifier") {
      if (fn.text === "self" && this.cls?.methods.has("forward")) return this.moduleCall(e, { k: "class", name: this.cls.name }, "self");
      const local = this.env.get(fn.text);
      if (local?.k === "module") return this.moduleCall(e, local.m, fn.text);
      if (fn.text === "hasattr") {
        // feature probes such as hasattr(torch.nn.functional, "scaled_dot_product_attention")
        const [obj, name] = callArgs(e).positional;
        const q = obj ? qualify(obj, this.ctx.mod.aliases) : undefined;
        if (q && isTorch(q) && name?.type === "string") return { v: { k: "other" }, text: OP_BY_NAME.has(`${q}.${stringValue(name)}`) ? "True" : "False" };
      }
      if (fn.text === "getattr") {
        const probe = this.torchFeatureProbe(e);
        if (probe) return probe;
      }
      if ((fn.text === "zip" || fn.text === "enumerate") && !this.binds(fn.text)) return this.iterationCall(e, fn.text);
      if (BUILTINS_KEEP_LAYOUT.has(fn.text)) return this.opaqueCall(e, undefined, false);
      if (this.ctx.mod.functions.has(fn.text)) return this.userCall(e, fn.text);
      if (this.ctx.mod.classes.has(fn.text)) return this.opaqueCall(e, undefined, false);
      return this.opaqueCall(e);
    }
    const f = this.expr(fn);
    if (f.v.k === "module") return this.moduleCall(e, f.v.m, f.text);
    return this.opaqueCall(e, new Map([[fn, f.text]]));
  }

  /**
   * `getattr(torch, "compiler", None)`, `getattr(F, "scaled_dot_product_attention", None)`: a probe for a
   * torch feature is the feature's MLX form where the tables have one, else the default (MLX lacks it).
   */
  private torchFeatureProbe(e: SyntaxNode): Gen | undefined {
    const [obj, name, dflt] = callArgs(e).positional;
    const q = obj ? qualify(obj, this.ctx.mod.aliases) : undefined;
    if (!(q && isTorch(q)) || name?.type !== "string" || callArgs(e).keyword.size) return undefined;
    const full = `${q}.${stringValue(name)}`;
    if (TORCH_NAMES[full]) return this.torchName(full, e);
    const layer = LAYER_BY_NAME.get(full);
    if (layer) return this.layerValue(layer, e);
    const op = OP_BY_NAME.get(full);
    const ref = op ? functionReference(op) : undefined;
    if (ref) {
      for (const h of op!.helpers ?? []) this.ctx.helpers.add(h);
      return { v: { k: "other" }, text: ref };
    }
    // an op the tables map only as a call: not absent, so not the default
    if (op || !dflt) return undefined;
    this.record("table", `getattr(${q})`, e);
    return { v: { k: "other" }, text: this.expr(dflt).text };
  }

  private moduleMethod(e: SyntaxNode, self: string, mm: { mlx: string; imports?: string[]; helpers?: string[] }): Gen {
    this.record("table", `Module.${e.childForFieldName("function")!.childForFieldName("attribute")?.text ?? "?"}`, e);
    for (const i of mm.imports ?? []) this.ctx.imports.add(i);
    for (const h of mm.helpers ?? []) this.ctx.helpers.add(h);
    const argsNode = e.childForFieldName("arguments");
    const args = mm.mlx.includes("{args}") && argsNode ? this.translatedArgs(argsNode) : "";
    return { v: { k: "other" }, text: mm.mlx.replace("{self}", self).replace("{args}", args) };
  }

  /** The text between a call's parentheses, each argument translated (tensors in torch's layout). */
  private translatedArgs(argsNode: SyntaxNode): string {
    const replaced = new Map<SyntaxNode, string>();
    for (const a of namedChildren(argsNode)) {
      const valueNode = a.type === "keyword_argument" ? a.childForFieldName("value")! : a.type === "list_splat" || a.type === "dictionary_splat" ? namedChildren(a)[0] : a;
      let g = this.expr(valueNode);
      if (g.v.k === "tensor") g = this.toLogical(g, valueNode);
      replaced.set(valueNode, g.text);
    }
    return rebuild(argsNode, replaced).slice(1, -1);
  }

  /** A call c2m does not model: its arguments are translated and, when `logical`, converted to torch layout. */
  private opaqueCall(e: SyntaxNode, replaced = new Map<SyntaxNode, string>(), logical = true): Gen {
    const args = e.childForFieldName("arguments");
    const callee = e.childForFieldName("function")!;
    const readsSequence = callee.type === "identifier" && SEQUENCE_BUILTINS.has(callee.text) && !this.binds(callee.text);
    let anyTensor = false;
    for (const a of args ? namedChildren(args) : []) {
      const valueNode = a.type === "keyword_argument" ? a.childForFieldName("value")! : a;
      let g = this.expr(valueNode);
      if (readsSequence) g = this.asSequential(g);
      if (readsSequence && g.v.k === "module" && isSequential(g.v.m)) g = { v: { k: "other" }, text: sequentialItems(g.text, g.v.m) };
      if (g.v.k === "tensor") {
        anyTensor = true;
        if (logical) g = this.toLogical(g, valueNode);
      }
      replaced.set(valueNode, g.text);
    }
    const fn = e.childForFieldName("function")!;
    // nodes are one object each (grammar/syntax-tree.ts), so the map is keyed by identity
    if (!replaced.has(fn)) {
      const f = this.expr(fn);
      if (f.text !== fn.text) replaced.set(fn, f.text);
    }
    return { v: anyTensor ? { k: "tensor", t: { kind: "tensor" } } : { k: "other" }, text: rebuild(e, replaced) };
  }

  /** `zip(…)`, `enumerate(…)`: what iterating them gives, element by element (loop-values.ts); tensors go in torch's layout. */
  private iterationCall(e: SyntaxNode, fn: "zip" | "enumerate"): Gen {
    const args = callArgs(e);
    if (args.keyword.size || args.positional.some((a) => a.type === "list_splat") || (fn === "enumerate" && args.positional.length !== 1)) return this.opaqueCall(e);
    const replaced = new Map<SyntaxNode, string>();
    const elements = args.positional.map((a) => {
      let g = this.expr(a);
      if (g.v.k === "tensor") g = this.toLogical(g, a);
      // a Sequential is iterated as its list of submodules (sequential-access.ts)
      g = this.asSequential(g);
      if (g.v.k === "module" && isSequential(g.v.m)) g = { v: g.v, text: sequentialItems(g.text, g.v.m) };
      replaced.set(a, g.text);
      // a parameter merely presumed a tensor (`arch_def`) zipped with others is most often a list of plain values
      return fn === "zip" && g.v.k === "tensor" && g.v.assumed ? ({ k: "other" } as Val) : iterElement(g.v, a);
    });
    return { v: fn === "zip" ? zipped(elements) : enumerated(elements[0]), text: rebuild(e, replaced) };
  }

  /** An instance of a Sequential subclass (timm's SequentialAppendList iterating `self`) read as a sequence: its items. */
  private asSequential(g: Gen): Gen {
    const items = g.text === "self" && !this.env.has("self") ? selfSequential(this.cls) : undefined;
    return items ? { v: { k: "module", m: items }, text: g.text } : g;
  }

  /** Calls of functions and methods defined in this file: their bodies are translated separately, in torch layout. */
  private userCall(e: SyntaxNode, calleeText: string): Gen {
    const g = this.opaqueCall(e);
    const fnNode = e.childForFieldName("function")!;
    if (calleeText !== fnNode.text) g.text = calleeText + g.text.slice(fnNode.text.length);
    return g;
  }

  private containerCall(e: SyntaxNode, mlxName: string): Gen {
    const fn = e.childForFieldName("function")!;
    const args = e.childForFieldName("arguments")!;
    const replaced = new Map<SyntaxNode, string>([[fn, mlxName]]);
    // Sequential(OrderedDict(…)): children named by the dict's keys (passes/named-sequential.ts)
    if (mlxName === "nn.Sequential" && isNamedSequential(e, this.ctx.mod)) {
      this.ctx.helpers.add("NamedSequential");
      replaced.set(fn, "NamedSequential");
    }
    for (const a of namedChildren(args)) replaced.set(a, this.expr(a).text);
    return { v: { k: "other" }, text: rebuild(e, replaced) };
  }

  /** nn.ModuleList(xs) → a plain list: MLX walks lists of modules with the same keys (`layers.0.weight`). */
  private moduleList(e: SyntaxNode): Gen {
    const a = callArgs(e).positional[0];
    if (!a) return { v: { k: "other" }, text: "[]" };
    const g = this.expr(a);
    return { v: { k: "other" }, text: a.type === "list" || a.type === "list_comprehension" ? g.text : `list(${g.text})` };
  }

  private layerConstruction(e: SyntaxNode, tableRow: LayerMapping): Gen {
    const { positional, dictSplats } = splitDictSplats(callArgs(e).positional);
    const args = { positional, keyword: callArgs(e).keyword };
    const params = parseSig(tableRow.sig);
    const texts = new Map<SyntaxNode, string>();
    for (const a of [...args.positional, ...args.keyword.values()]) texts.set(a, this.expr(a).text);
    const bound = bindArgs(params, args.positional, args.keyword);
    // ceil_mode=True, padding='same' ...: the row's general template (a helper) where MLX's layer cannot
    const chosen = templateFor(tableRow, (p) => {
      const n = bound.byName.get(p);
      return n && !Array.isArray(n) ? n.text : undefined;
    });
    const row = chosen.mlx === tableRow.mlx ? tableRow : { ...tableRow, mlx: chosen.mlx, allowed: chosen.allowed };
    const mlxCallee = /^([\w.]+)\(/.exec(row.mlx)?.[1];
    const listSplat = unboundListSplat(positional, bound.byName);
    if (listSplat) {
      this.diag("C2M-W030", listSplat, `${listSplat.text} cannot be matched to ${row.torch.split(".").pop()}'s parameters; MLX's may differ`);
      return this.opaqueCall(e, new Map([[e.childForFieldName("function")!, mlxCallee ?? layerClassName(row, this.ctx)]]));
    }
    const layer = this.layerCall(e, row, args, params, texts, bound);
    return dictSplats.length ? this.withLayerKwargs(layer, dictSplats, row) : layer;
  }

  /**
   * `**kw` splats of a layer construction: a dict of torch factory keywords means nothing to an MLX layer
   * and goes; any other dict is passed on without those keywords, and reported (its keys are not checked).
   */
  private withLayerKwargs(layer: Gen, splats: SyntaxNode[], row: LayerMapping): Gen {
    let text = layer.text;
    for (const s of splats) {
      const dict = splatted(s);
      if (dict.type === "identifier" && this.factoryDicts.has(dict.text)) continue;
      const keys = factoryDictKeys(dict);
      if (keys) continue;
      this.diag("C2M-W031", s, `keyword arguments in ${s.text} reach MLX's ${row.torch.split(".").pop()} unchecked (torch's device and dtype are dropped)`);
      const appended = replaceSplat(text, dict.text, `c2m_layer_kwargs(${this.expr(dict).text})`);
      if (!appended) continue;
      this.ctx.helpers.add("c2m_layer_kwargs");
      text = appended;
    }
    return { v: layer.v, text };
  }

  private layerCall(
    e: SyntaxNode,
    row: LayerMapping,
    args: { positional: SyntaxNode[]; keyword: Map<string, SyntaxNode> },
    params: SigParam[],
    texts: Map<SyntaxNode, string>,
    bound: ReturnType<typeof bindArgs<SyntaxNode>>,
  ): Gen {
    // torch's factory keywords mean nothing to an MLX layer: no device, and the dtype comes with the loaded weights
    for (const k of bound.unknown) if (!FACTORY_KEYWORDS.has(k)) this.diag("C2M-W003", e, `${row.torch.split(".").pop()} has no argument ${k}`);
    for (const [param, allowed] of Object.entries(row.allowed ?? {})) {
      const given = bound.byName.get(param);
      if (given && !Array.isArray(given) && !allowed.includes(given.text)) {
        this.diag("C2M-W003", given, `${row.torch.split(".").pop()}(${param}=${given.text}) is not supported by MLX`);
      }
    }
    const chw = this.ctx.chwFlatten.has(nodeKey(e));
    const template = chw ? "FlattenCHW({start_dim=1}, {end_dim=-1})" : row.mlx;
    if (chw) this.ctx.helpers.add("FlattenCHW");
    // prefer the call as written, when MLX takes its arguments the same way
    const keptArgs = minimalCall(
      template,
      params,
      args.positional.map((n) => ({ text: texts.get(n)! })),
      new Map([...args.keyword].map(([k, n]) => [k, { text: texts.get(n)! }])),
      mlxConstructorParams(/^([\w.]+)\(/.exec(template)?.[1] ?? ""),
    );
    this.record(row.helpers?.length || /^\{@/.test(row.mlx) ? "helper" : "table", row.torch, e);
    if (this.ctx.torchLayoutLayers.has(nodeKey(e))) {
      const helper = TORCH_LAYOUT_HELPERS[row.torch];
      this.ctx.helpers.add(helper);
      const mlxCallee = /^([\w.]+)\(/.exec(template)?.[1];
      if (keptArgs && mlxCallee) return { v: { k: "other" }, text: `${helper}(${keptArgs.args.join(", ")})` };
    }
    if (keptArgs && !(row as { scalarize?: string[] }).scalarize?.length) {
      for (const h of [...keptArgs.helpers, ...(row.helpers ?? [])]) this.ctx.helpers.add(h);
      return { v: { k: "other" }, text: `${keptArgs.callee}(${keptArgs.args.join(", ")})` };
    }
    const r = renderTemplate(template, { given: textsOf(bound.byName, texts), defaults: defaultsOf(params) });
    if (!r.ok) {
      this.diag("C2M-W003", e, `${row.torch} needs argument ${r.missing}`);
      return { v: { k: "other" }, text: e.text };
    }
    for (const h of [...r.helpers, ...(row.helpers ?? [])]) this.ctx.helpers.add(h);
    return { v: { k: "other" }, text: r.text };
  }

  // ---------------------------------------------------------------- module calls and layouts

  private moduleCall(e: SyntaxNode, m: ModVal, calleeText: string): Gen {
    const argNodes = callArgs(e).positional;
    const gens = argNodes.map((a) => this.expr(a));
    const kw = callArgs(e).keyword;
    const kwGens = new Map([...kw].map(([k, v]) => [k, this.expr(v)] as const));
    const result = this.applyModule(m, gens, argNodes, e);
    const replaced = new Map<SyntaxNode, string>();
    argNodes.forEach((a, i) => replaced.set(a, result.args[i]));
    for (const [k, v] of kw) {
      let g = kwGens.get(k)!;
      if (g.v.k === "tensor") g = this.toLogical(g, v);
      replaced.set(v, g.text);
    }
    const fn = e.childForFieldName("function")!;
    const callee = calleeText !== fn.text ? calleeText : this.expr(fn).text;
    if ("runtime" in result && result.runtime) return { v: result.v, text: `c2m_sequential(${callee}, ${result.args[0]})` };
    replaced.set(fn, callee);
    return { v: result.v, text: rebuild(e, replaced) };
  }

  /** What calling module `m` on `args` does to layouts; returns the argument texts after any conversion. */
  private applyModule(m: ModVal, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): { v: Val; args: string[]; runtime?: boolean } {
    const texts = args.map((a) => a.text);
    switch (m.k) {
      case "layer": {
        const row = m.row;
        if (!args.length) return { v: { k: "other" }, args: texts };
        const torchLayoutHelper = TORCH_LAYOUT_HELPERS[row.torch];
        const a0v = args[0].v;
        if (torchLayoutHelper && a0v.k === "tensor") {
          // (N, C) or (N, C, L)? A rank c2m cannot tell is left to the helper, which asks at run time
          const key = nodeKey(m.call);
          if (isIdentity(a0v.t.perm) && a0v.t.rank === undefined && !this.ctx.torchLayoutLayers.has(key)) {
            this.ctx.torchLayoutLayers.add(key);
            this.newDecision = true;
          }
          if (this.ctx.torchLayoutLayers.has(key)) {
            const c = this.toLogical(args[0], nodes[0]);
            return { v: tensorVal(), args: [c.text, ...texts.slice(1)] };
          }
          if (isIdentity(a0v.t.perm) && a0v.t.rank === 2) return { v: { k: "tensor", t: a0v.t }, args: texts };
        }
        if (row.layout === "channels_last") {
          // a layer of several ranks (GroupNorm on (N, C, L)) takes the rank of its input where c2m knows it
          const a0 = args[0].v.k === "tensor" ? args[0].v.t : undefined;
          const given0 = a0 ? (a0.rank ?? a0.perm?.length) : undefined;
          const rank = given0 !== undefined && (row as LayerRow).ranks?.includes(given0) ? given0 : (row.rank ?? 4);
          // a value c2m did not see to be a tensor (a user function's result from a list) is one here, in torch's layout
          const given: Gen = args[0].v.k === "other" ? { v: { k: "tensor", t: { kind: "tensor" }, assumed: true }, text: args[0].text } : args[0];
          const c = this.convert(given, nodes[0], channelsLast(rank), rank);
          const channels = layerChannels(m) ?? (args[0].v.k === "tensor" ? args[0].v.t.channels : undefined);
          return { v: { k: "tensor", t: { kind: "tensor", rank, perm: channelsLast(rank), spatialOne: isUnitAdaptivePool(m), channels } }, args: [c.text, ...texts.slice(1)] };
        }
        if (row.torch === "torch.nn.Linear" && args[0].v.k === "tensor" && args[0].v.t.flatFrom) {
          this.linearNhwc.set(nodeKey(m.call), args[0].v.t.flatFrom.channels);
          return { v: tensorVal(), args: texts };
        }
        if (row.layout === "elementwise") {
          const a0 = args[0];
          if (/Flatten$/.test(row.torch) && a0.v.k === "tensor" && !isIdentity(a0.v.t.perm) && !a0.v.t.spatialOne) {
            const c = this.toLogical(a0, nodes[0]);
            return { v: { k: "tensor", t: { kind: "tensor" } }, args: [c.text, ...texts.slice(1)] };
          }
          if (/Flatten$/.test(row.torch)) return { v: { k: "tensor", t: { kind: "tensor" } }, args: texts };
          return { v: a0.v.k === "tensor" ? { k: "tensor", t: a0.v.t } : a0.v, args: texts };
        }
        const conv = args.map((a, i) => (a.v.k === "tensor" ? this.toLogical(a, nodes[i]).text : a.text));
        if (row.returns === "tuple") return { v: { k: "list", items: [tensorVal(), { k: "other" }] }, args: conv };
        return { v: tensorVal(), args: conv };
      }
      case "class": {
        if (m.ext) return this.foreignModuleCall(m.ext, args, nodes, call);
        const seqItems = this.ctx.mod.classes.get(m.name)?.attrs.get(SEQUENTIAL_ITEMS);
        if (seqItems && !this.ctx.mod.classes.get(m.name)!.methods.has("forward")) return this.applyModule(seqItems, args, nodes, call);
        const sig = this.signatureOf(m.name);
        const conv = args.map((a, i) => {
          const want = sig.params[i];
          // a value not typed, where the callee wants a tensor channels-last: one in torch's layout (unknown-arguments.ts)
          if (unknownArgumentIsTorchTensor(a.v.k, want?.perm))
            return this.convert({ v: { k: "tensor", t: { kind: "tensor" }, assumed: true }, text: a.text }, nodes[i], want?.perm, want?.rank).text;
          // a list of tensors goes in torch's layout: the callee reads its items so (list-boundaries.ts)
          if (a.v.k !== "tensor") return this.listArgument(a, nodes[i]);
          return this.convert(a, nodes[i], want?.perm, want?.rank ?? a.v.t.rank).text;
        });
        const r = sig.result;
        const v: Val = Array.isArray(r) ? { k: "list", items: r.map((t) => ({ k: "tensor", t }) as Val) } : r ? { k: "tensor", t: r } : { k: "other" };
        return { v, args: conv };
      }
      case "seq": {
        if (!args.length) return { v: { k: "other" }, args: texts };
        const items = m.items ?? (m.elem ? [m.elem, m.elem] : []);
        // the Sequential's input may need converting for its first layout-sensitive member
        let cur: Gen = args[0];
        let first = true;
        let outText = texts[0];
        if (this.seqDepth++ === 0) this.mixedLayouts = false;
        try {
          for (const item of items) {
            const r = this.applyModule(item, [cur], [nodes[0]], call);
            if (first) outText = r.args[0];
            else if (r.args[0] !== cur.text) this.markSequenceFlatten(item);
            first = false;
            cur = { v: r.v, text: cur.text };
          }
        } finally {
          this.seqDepth--;
        }
        if (this.seqDepth === 0 && this.mixedLayouts) return this.itemsByLayout(m, args, nodes, call);
        return { v: cur.v, args: [outText, ...texts.slice(1)] };
      }
      case "union": {
        const before = new Map(this.decisions);
        const results = m.options.map((o) => this.applyModule(o, args, nodes, call));
        if (optionsAgree(results) || this.optionsAgreeAsDecided(m.options, args, nodes, call, before)) return results[0];
        restoreDecisions(this.decisions, before);
        // an item of a Sequential: the Sequential runs its items by layout (sequential-layouts.ts)
        if (this.seqDepth > 0) this.mixedLayouts = true;
        // outside a Sequential, one of several modules (timm's Mlp: a 1x1 conv or a Linear, chosen at run time) may
        // take a value of any rank: the module held at run time says what it takes (c2m_sequential, as a Sequential of one)
        if (this.seqDepth === 0 && args[0]?.v.k === "tensor" && callsPositionally(call)) return this.itemsByLayout(m, args, nodes, call);
        if (this.seqDepth === 0 && args.some((a) => a.v.k === "tensor"))
          this.diag("C2M-W022", call, "the modules this call may reach take different layouts; c2m passes torch's layout");
        const conv = args.map((a, i) => (a.v.k === "tensor" ? this.toLogical(a, nodes[i]).text : this.listArgument(a, nodes[i])));
        return { v: tensorVal(), args: conv };
      }
      case "list":
      case "dict":
        return this.applyModule(elementOf(m), args, nodes, call);
      default: {
        // a module whose class c2m cannot tell: the class it has at run time says what layout it takes (runtime-modules.ts)
        if (m.k === "unknown" && args[0]?.v.k === "tensor" && callsPositionally(call)) {
          this.diag("C2M-W007", call, RUNTIME_MODULE_MESSAGE);
          this.ctx.helpers.add("c2m_sequential");
          const conv = args.map((a, i) => (a.v.k === "tensor" ? this.toLogical(a, nodes[i]).text : a.text));
          return { v: tensorVal(), args: [runtimeModuleArgs(conv)], runtime: true };
        }
        this.diag("C2M-W007", call, "callee not known to c2m; its tensor arguments are passed in torch layout");
        const conv = args.map((a, i) => (a.v.k === "tensor" ? this.toLogical(a, nodes[i]).text : this.listArgument(a, nodes[i])));
        return { v: tensorVal(), args: conv };
      }
    }
  }

  /**
   * A module class of another file: its forward is translated with that file, where a class no class of
   * its own file uses keeps torch's layout at its boundary; its tensor arguments go in torch's layout.
   */
  private foreignModuleCall(ext: ForeignClass, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): { v: Val; args: string[] } {
    const seqItems = foreignSequentialItems(ext.cls, ext.cls.attrs.get(SEQUENTIAL_ITEMS));
    if (seqItems) return this.applyModule(seqItems, args, nodes, call);
    const inPackage = this.ctx.packageBoundaries && ext.mod.semantic?.file.origin === "user";
    if (!(inPackage || foreignTakesTorchLayout(ext)) || this.ctx.layout === "nhwc") {
      this.diag("C2M-W013", call, `${ext.cls.name} (${ext.mod.file}) may not take torch's layout at its forward; c2m passes torch's layout`);
    }
    const conv = args.map((a, i) => (a.v.k === "tensor" ? this.toLogical(a, nodes[i]).text : this.listArgument(a, nodes[i])));
    return { v: tensorVal(), args: conv };
  }

  /** An argument that is no tensor, to a module that reads a list's items in torch's layout (list-boundaries.ts). */
  private listArgument(a: Gen, node: SyntaxNode): string {
    return a.v.k === "list" ? this.toLogicalDeep(a, node).text : a.text;
  }

  /**
   * Options of a union that disagreed on a value's layout may agree once it arrives as they asked (every item of a
   * Sequential of convs and norms takes channels-last): tried again on the values as decided, saying nothing.
   */
  private optionsAgreeAsDecided(options: ModVal[], args: Gen[], nodes: SyntaxNode[], call: SyntaxNode, before: Map<string, LayoutDecision>): boolean {
    const decided = args.map((a) => valueAsDecided(a, this.decisions, before));
    if (decided.every((a, i) => a === args[i])) return false;
    const pending = this.pending.length;
    const mixed = this.mixedLayouts;
    const again = options.map((o) => this.applyModule(o, decided, nodes, call));
    this.pending.length = pending;
    this.mixedLayouts = mixed;
    return optionsAgree(again);
  }

  /** A Flatten inside a Sequential that receives a channels-last value flattens in torch's (C, H, W) order. */
  private markSequenceFlatten(item: ModVal): void {
    if (item.k === "layer" && /Flatten$/.test(item.row.torch)) {
      if (!this.ctx.chwFlatten.has(nodeKey(item.call))) {
        this.ctx.chwFlatten.add(nodeKey(item.call));
        this.newDecision = true;
      }
    } else this.mixedLayouts = true;
  }

  /** Sequentials being applied (nested), and whether their items disagree on layout (sequential-layouts.ts) */
  private seqDepth = 0;
  private mixedLayouts = false;

  /**
   * A module (a Sequential, or one of several) whose items disagree on layout: called through `c2m_sequential`,
   * which converts before each item that needs it; this file's classes among the items declare their layouts.
   * Where a class's layouts cannot be declared, torch's layout is passed and C2M-W022 says so.
   */
  private itemsByLayout(m: ModVal, args: Gen[], nodes: SyntaxNode[], call: SyntaxNode): { v: Val; args: string[]; runtime?: boolean } {
    // a class with no forward of its own is a container (a Sequential subclass): the helper walks its items
    const classes = this.ctx.mod.classes;
    const own = classesAmong(m, (name) => (classes.get(name)?.methods.has("forward") ? undefined : classes.get(name)?.attrs.get(SEQUENTIAL_ITEMS))).filter((name) =>
      classes.get(name)?.methods.has("forward"),
    );
    const a = args[0].v.k === "tensor" ? args[0] : undefined;
    const start = a ? isChannelsLast((a.v as { t: TensorType }).t) : false;
    // the helper hands arguments after x over in torch's layout: a class of this file must take them so
    const restInTorchLayout = (name: string) =>
      this.signatureOf(name)
        .params.slice(1, args.length)
        .every((p) => !p || isIdentity(p.perm));
    if (own.some((name) => !layoutDeclaration(this.signatureOf(name)) || !restInTorchLayout(name)) || start === undefined) {
      this.diag("C2M-W022", call, "the modules this call may reach take different layouts; c2m passes torch's layout");
      return { v: tensorVal(), args: args.map((g, i) => (g.v.k === "tensor" ? this.toLogical(g, nodes[i]).text : g.text)) };
    }
    for (const name of own) this.ctx.layoutDeclarations.add(name);
    this.ctx.helpers.add("c2m_sequential");
    // arguments after x go in torch's layout (the module held at run time takes them as torch's does)
    const rest = args.slice(1).map((g, i) => (g.v.k === "tensor" ? this.toLogical(g, nodes[i + 1]).text : g.text));
    return { v: tensorVal(), args: [[args[0].text, start ? "True" : "False", "False", ...rest].join(", ")], runtime: true };
  }

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

  // ---------------------------------------------------------------- tensor ops

  private tensorMethod(e: SyntaxNode, recv: Gen, recvNode: SyntaxNode, method: string): Gen {
    const args = callArgs(e);
    if (method === "size" || method === "dim" || method === "numel") return this.sizeCall(e, recv, method, args.positional[0]);
    const row = OP_BY_NAME.get(`Tensor.${method}`);
    if (!row) {
      if (recv.v.k === "tensor" && !recv.v.assumed) this.diag("C2M-W002", e, `tensor method .${method}() has no MLX mapping`);
      return this.opaqueCall(e, new Map([[recvNode, recv.text]]));
    }
    return this.opCall(e, row, [recvNode, ...args.positional], args.keyword, recv);
  }

  private sizeCall(e: SyntaxNode, recv: Gen, method: string, axisNode: SyntaxNode | undefined): Gen {
    const t = recv.v.k === "tensor" ? recv.v.t : { kind: "tensor" as const };
    if (method === "dim") return { v: { k: "num" }, text: `${paren(recv.text)}.ndim` };
    if (method === "numel") return { v: { k: "num" }, text: `${paren(recv.text)}.size` };
    if (!axisNode) return { v: { k: "shape", t }, text: `${paren(recv.text)}.shape` };
    const i = intLiteral(axisNode);
    if (t.perm && !isIdentity(t.perm)) {
      if (i !== undefined) return { v: { k: "num" }, text: `${paren(recv.text)}.shape[${physicalAxis(t.perm, i)}]` };
      const c = this.toLogical(recv, e);
      return { v: { k: "num" }, text: `${paren(c.text)}.shape[${this.expr(axisNode).text}]` };
    }
    return { v: { k: "num" }, text: `${paren(recv.text)}.shape[${this.expr(axisNode).text}]` };
  }

  private opCall(e: SyntaxNode, row: OpMapping, allPositional: SyntaxNode[], keyword: Map<string, SyntaxNode>, recv: Gen | undefined): Gen {
    this.record(row.helpers?.length || row.mlx.includes("{@") ? "helper" : "table", row.torch[0], e);
    const params = parseSig(row.sig);
    const { positional, dictSplats } = splitDictSplats(allPositional);
    const bound = bindArgs(params, positional, keyword);
    const name = row.torch[0];
    const listSplat = unboundListSplat(positional, bound.byName);
    if (listSplat) {
      this.diag("C2M-W030", listSplat, `${listSplat.text} cannot be matched to ${name}'s parameters`);
      return this.opaqueCall(e);
    }
    for (const k of bound.unknown) {
      if (k === "out" && outArgument(e) && !this.writesOut.has(e)) this.diag(OUT_ARGUMENT_CODE, e, outArgumentMessage(e.childForFieldName("function")?.text ?? name));
      if (k === "inplace" || k === "out" || k === "device" || k === "requires_grad" || k === "memory_format" || k === "non_blocking") continue;
      this.diag("C2M-W003", e, `${name} has no argument ${k} in c2m's mapping`);
    }
    for (const [param, allowed] of Object.entries(row.allowed ?? {})) {
      const given = bound.byName.get(param);
      if (given && !Array.isArray(given) && !allowed.includes(given.text)) {
        // `x = F.relu(x, inplace=True)`: the result goes back where the input was, as in place
        if (param === "inplace" && given.text === "True" && this.assignsBack(e, bound.byName.get(params[0]?.name ?? ""))) continue;
        this.diag("C2M-W003", given, `${name.replace(/^torch\.nn\.functional\./, "F.")}(${param}=${given.text}) is not supported`);
      }
    }
    // translate every argument
    const gens = new Map<SyntaxNode, Gen>();
    for (const n of [...positional, ...keyword.values()]) gens.set(n, n === positional[0] && recv ? recv : this.expr(n));
    const subjectName = row.subject ?? params[0]?.name;
    const subjectNode = subjectName ? bound.byName.get(subjectName) : undefined;
    const subjectSingle = subjectNode && !Array.isArray(subjectNode) ? subjectNode : undefined;
    let subject = subjectSingle ? gens.get(subjectSingle) : undefined;
    const layoutAware = subject && subjectSingle ? this.channelsLastForm(row, bound, subject, subjectSingle, gens) : undefined;
    if (layoutAware) return layoutAware;
    if (row.torch[0] === "Tensor.expand_as" && subject && subjectSingle) {
      const otherNode = bound.byName.get("other");
      const other = otherNode && !Array.isArray(otherNode) ? gens.get(otherNode) : undefined;
      if (other?.v.k === "tensor" && !isIdentity(other.v.t.perm) && subject.v.k === "tensor" && subject.v.t.rank === other.v.t.rank) {
        // broadcast in the layout the other tensor is held in
        const c = this.convert(subject, subjectSingle, other.v.t.perm, other.v.t.rank);
        return { v: { k: "tensor", t: { kind: "tensor", rank: other.v.t.rank, perm: other.v.t.perm } }, text: `mx.broadcast_to(${c.text}, ${paren(other.text)}.shape)` };
      }
    }
    // every argument's text so far, and the tensor arguments
    const texts = new Map<SyntaxNode, string>();
    const tensorArgs: [SyntaxNode, Gen][] = [];
    for (const [n, g] of gens) {
      texts.set(n, g.text);
      if (g.v.k === "tensor") tensorArgs.push([n, g]);
    }
    if (!(row.layout === "elementwise" && tensorArgs.length === 1)) for (const g of gens.values()) this.vetoFlat(g);
    const axisParams = row.axes ?? [];
    /** defaulted axis parameters of a channels-last subject, written out in physical order */
    const defaultAxes = new Map<string, string>();
    let resultVal: Val = tensorVal();

    const allLogical = () => {
      for (const [n, g] of tensorArgs) texts.set(n, this.toLogical(g, n).text);
      // lists of tensors (torch.cat(xs)) in an op that needs torch order
      for (const [n, g] of gens) if (g.v.k === "list") texts.set(n, this.listToLogical(n, g));
    };

    switch (row.layout) {
      case "source":
        resultVal = tensorVal();
        allLogical();
        break;
      case "logical": {
        allLogical();
        const subjectRank = subject?.v.k === "tensor" ? (subject.v.t.rank ?? subject.v.t.perm?.length) : undefined;
        const rank = logicalResultRank(name, bound.byName.get("shape"), subjectRank);
        resultVal = rank === undefined ? tensorVal() : { k: "tensor", t: { kind: "tensor", rank } };
        break;
      }
      case "channels_last": {
        const rank = /3d$/.test(name) ? 5 : /1d$/.test(name) ? 3 : 4;
        if (subject && subjectSingle) {
          const c = this.convert(subject, subjectSingle, channelsLast(rank), rank);
          texts.set(subjectSingle, c.text);
        }
        const size = bound.byName.get("output_size");
        const unit = /adaptive_(avg|max)_pool/.test(name) && !!size && !Array.isArray(size) && (intTuple(size)?.every((v) => v === 1) ?? false);
        resultVal = { k: "tensor", t: { kind: "tensor", rank, perm: channelsLast(rank), spatialOne: unit } };
        break;
      }
      case "elementwise": {
        let baseEntry = tensorArgs.find(([, g]) => g === subject) ?? tensorArgs[0];
        for (const [n, g] of tensorArgs) {
          if (!baseEntry || n === baseEntry[0]) continue;
          const [b2, g2] = this.meet(baseEntry[1], baseEntry[0], g, n);
          texts.set(baseEntry[0], b2.text);
          texts.set(n, g2.text);
          baseEntry = [baseEntry[0], b2];
        }
        const base = baseEntry?.[1];
        resultVal = base?.v.k === "tensor" ? { k: "tensor", t: { ...base.v.t, spatialOne: base.v.t.spatialOne } } : tensorVal();
        break;
      }
      case "axis":
      case "reduce": {
        // the subject may be a list of tensors (cat): harmonise them and use their layout
        let perm: Perm | undefined;
        let rank: number | undefined;
        if (subject?.v.k === "tensor") {
          perm = subject.v.t.perm;
          rank = subject.v.t.rank;
        } else if (subject?.v.k === "list" && subjectSingle) {
          const h = this.harmonizeList(subjectSingle, subject);
          texts.set(subjectSingle, h.text);
          perm = h.perm;
          rank = perm?.length;
        }
        let remapped = true;
        const axisTexts = new Map<string, string>();
        let droppedLogical: number[] | undefined;
        if (perm && !isIdentity(perm)) {
          for (const a of axisParams) {
            const n = bound.byName.get(a);
            if (!n) {
              // an axis the call leaves to its default still counts in torch's order
              const dflt = params.find((p) => p.name === a)?.default;
              if (dflt === undefined || dflt === "None") {
                if ((row as { axisNoneFlattens?: boolean }).axisNoneFlattens) remapped = false;
                continue;
              }
              const vals = dflt
                .replace(/[()\[\]\s]/g, "")
                .split(",")
                .filter(Boolean)
                .map(Number);
              if (vals.some((v) => !Number.isInteger(v))) {
                remapped = false;
                break;
              }
              const phys = vals.map((x) => physicalAxis(perm!, x));
              defaultAxes.set(a, /^[(\[]/.test(dflt) ? `(${phys.join(", ")}${phys.length === 1 ? "," : ""})` : String(phys[0]));
              droppedLogical = vals;
              continue;
            }
            if (Array.isArray(n)) continue;
            const vals = intTuple(n);
            if (!vals) {
              remapped = false;
              break;
            }
            const phys = vals.map((x) => physicalAxis(perm!, x));
            axisTexts.set(a, n.type === "tuple" || n.type === "list" ? `(${phys.join(", ")}${phys.length === 1 ? "," : ""})` : String(phys[0]));
            droppedLogical = vals;
          }
          if (!remapped) {
            defaultAxes.clear();
            if (subject && subjectSingle && subject.v.k === "tensor") texts.set(subjectSingle, this.toLogical(subject, subjectSingle).text);
            else if (subjectSingle && subject?.v.k === "list") texts.set(subjectSingle, this.listToLogical(subjectSingle, subject));
            perm = undefined;
          } else {
            for (const [a, t] of axisTexts) texts.set(bound.byName.get(a) as SyntaxNode, t);
          }
        }
        // other tensor arguments follow the subject's layout
        for (const [n, g] of tensorArgs) if (g !== subject && subject?.v.k === "tensor") texts.set(n, this.convert(g, n, perm, rank).text);
        if (row.layout === "reduce") {
          const keep = bound.byName.get("keepdim");
          const keepTrue = keep && !Array.isArray(keep) && keep.text === "True";
          const hasAxis = axisParams.some((a) => bound.byName.has(a));
          if (!hasAxis) resultVal = { k: "tensor", t: { kind: "tensor", rank: 0 } };
          else if (keepTrue || !perm || isIdentity(perm)) resultVal = { k: "tensor", t: { kind: "tensor", rank: keepTrue ? rank : undefined, perm: keepTrue ? perm : undefined } };
          else {
            const kept = dropAxes(perm, droppedLogical ?? []);
            resultVal = { k: "tensor", t: { kind: "tensor", rank: kept.length, perm: isIdentity(kept) ? undefined : kept } };
          }
        } else resultVal = { k: "tensor", t: { kind: "tensor", rank, perm } };
        break;
      }
    }
    const short = name.slice(name.lastIndexOf(".") + 1);
    if (TUPLE_RESULT_OPS.has(short) && (short !== "max" && short !== "min" ? true : bound.byName.has("dim"))) {
      const elem = resultVal.k === "tensor" ? resultVal : tensorVal();
      resultVal = PAIR_WITH_DIM.has(short) ? { k: "list", items: [elem, tensorVal()] } : { k: "list", items: null, elem };
    }
    if (/\.(float|half|long|int|bool|type_as|to|double|contiguous|detach|clone|cpu|cuda)$/.test(name) && subject?.v.k === "tensor") {
      resultVal = { k: "tensor", t: subject.v.t };
    }
    if (row.torch[0] === "Tensor.view" && resultVal.k === "tensor") {
      const shape = bound.byName.get("shape");
      const dims = Array.isArray(shape)
        ? shape.length === 1
          ? (intTuple(shape[0])?.length ?? (shape[0].type === "tuple" ? namedChildren(shape[0]).length : undefined))
          : shape.length
        : undefined;
      if (dims !== undefined) resultVal = { k: "tensor", t: { kind: "tensor", rank: dims } };
    }
    const given = new Map<string, string | string[]>();
    for (const [k, n] of bound.byName) given.set(k, Array.isArray(n) ? n.map((x) => texts.get(x) ?? x.text) : (texts.get(n) ?? n.text));
    for (const [k, t] of defaultAxes) given.set(k, t);
    for (const [k, t] of this.splatKeywords(dictSplats, params, name)) if (!given.has(k)) given.set(k, t);
    for (const [k, t] of pythonTypeDtypes(bound.byName, (n) => this.binds(n))) given.set(k, t);
    const sequences = new Set(params.filter((p) => p.varargs && isListArgument(bound.byName.get(p.name), gens)).map((p) => p.name));
    const r = renderTemplate(row.mlx, { given, defaults: defaultsOf(params), sequences });
    if (!r.ok) {
      this.diag("C2M-W002", e, `${name} needs argument ${r.missing}`);
      return this.opaqueCall(e);
    }
    for (const h of [...r.helpers, ...(row.helpers ?? [])]) this.ctx.helpers.add(h);
    for (const i of row.imports ?? []) this.ctx.imports.add(i);
    return { v: resultVal, text: r.text };
  }

  /** `call` is the whole right side of `target = call` and `target` is the text `input` was written as. */
  private assignsBack(call: SyntaxNode, input: SyntaxNode | SyntaxNode[] | undefined): boolean {
    const a = call.parent;
    return !!input && !Array.isArray(input) && a?.type === "assignment" && a.childForFieldName("right") === call && a.childForFieldName("left")?.text === input.text;
  }

  /**
   * What `**kw` splats of an op call give its parameters: a dict of factory keywords gives `dtype` as
   * `kw["dtype"]` (the other keywords mean nothing to MLX); any other dict cannot be read and is reported.
   */
  private splatKeywords(splats: SyntaxNode[], params: SigParam[], name: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const s of splats) {
      const dict = splatted(s);
      const keys = dict.type === "identifier" ? this.factoryDicts.get(dict.text) : factoryDictKeys(dict);
      if (!keys) {
        this.diag("C2M-W031", s, `keyword arguments in ${s.text} are not passed to ${name.replace(/^torch\.nn\.functional\./, "F.")}'s MLX form`);
        continue;
      }
      const text = this.expr(dict).text;
      for (const k of keys) if (k === "dtype" && params.some((p) => p.name === k)) out.set(k, dict.type === "identifier" ? `${text}["${k}"]` : `${paren(text)}["${k}"]`);
    }
    return out;
  }

  /**
   * Ops on a channels-last tensor that need no data movement: permutes and transposes relabel axes,
   * flatten of the spatial axes is a reshape, flatten of 1×1 spatial extents is order-free, and a constant
   * pad pads the physical axes. Undefined when the generic path applies.
   */
  private channelsLastForm(row: OpMapping, bound: ReturnType<typeof bindArgs<SyntaxNode>>, subject: Gen, subjectNode: SyntaxNode, gens: Map<SyntaxNode, Gen>): Gen | undefined {
    if (subject.v.k !== "tensor") return undefined;
    if (isIdentity(subject.v.t.perm)) return this.permuteToChannelsLast(row, bound, subject);
    const t = subject.v.t;
    const perm = t.perm!;
    const rank = perm.length;
    const op = row.torch[0];
    const arg = (name: string) => {
      const n = bound.byName.get(name);
      return n && !Array.isArray(n) ? n : undefined;
    };
    const relabel = (next: number[]): Gen => {
      const p = next.every((a, i) => a === i) ? undefined : next;
      return { v: { k: "tensor", t: { kind: "tensor", rank, perm: p } }, text: subject.text };
    };
    const norm = (a: number) => (a < 0 ? a + rank : a);
    if (op === "Tensor.transpose") {
      const a = intLiteral(arg("dim0"));
      const b = intLiteral(arg("dim1"));
      if (a === undefined || b === undefined) return undefined;
      const [x, y] = [norm(a), norm(b)];
      return relabel(perm.map((l) => (l === x ? y : l === y ? x : l)));
    }
    if (op === "Tensor.permute") {
      const dimsNode = bound.byName.get("dims");
      const nodes = Array.isArray(dimsNode) ? dimsNode : dimsNode ? [dimsNode] : [];
      const dims = nodes.length === 1 ? intTuple(nodes[0]) : nodes.map(intLiteral);
      if (!dims || dims.length !== rank || dims.some((d) => d === undefined)) return undefined;
      const d = (dims as number[]).map(norm);
      return relabel(perm.map((l) => d.indexOf(l)));
    }
    if (op === "torch.flatten" || op === "Tensor.view" || op === "torch.reshape") {
      const start = op === "torch.flatten" ? (intLiteral(arg("start_dim")) ?? 0) : undefined;
      const end = op === "torch.flatten" ? (intLiteral(arg("end_dim")) ?? -1) : undefined;
      const isCL = perm.every((a, i) => a === channelsLast(rank)[i]);
      // (N, 1, 1, C) and (N, C, 1, 1) hold the same numbers in the same order: any reshape of one is a
      // reshape of the other, and so is flatten(1)
      const shape = bound.byName.get("shape");
      const viewFlat = op === "Tensor.view" && Array.isArray(shape) && shape.length === 2 && shape[1].text === "-1";
      if (t.spatialOne && isCL && op === "Tensor.view" && Array.isArray(shape)) {
        const g = gens.get(subjectNode)!;
        const dims = shape.map((n) => this.expr(n).text);
        return {
          v: { k: "tensor", t: { kind: "tensor", rank: shape.length === 1 ? intTuple(shape[0])?.length : shape.length } },
          text: `${paren(g.text)}.reshape(${dims.join(", ")})`,
        };
      }
      if (t.spatialOne && isCL && ((start === 1 && norm(end!) === rank - 1) || viewFlat)) {
        const g = gens.get(subjectNode)!;
        const rendered =
          op === "Tensor.view" ? `${paren(g.text)}.reshape(${(shape as SyntaxNode[]).map((n) => this.expr(n).text).join(", ")})` : `mx.flatten(${g.text}, start_axis=1)`;
        return { v: { k: "tensor", t: { kind: "tensor", rank: 2 } }, text: rendered };
      }
      // torch.flatten(x, 1) of a channels-last conv output feeding a Linear: flatten in MLX's order and
      // permute the Linear's weight columns at conversion instead of transposing at run time
      const flatKey = `flat@${subjectNode.startIndex}`;
      if (isCL && t.channels && !this.decisions.has(flatKey) && ((start === 1 && norm(end!) === rank - 1) || viewFlat)) {
        const g = gens.get(subjectNode)!;
        const rendered =
          op === "Tensor.view" ? `${paren(g.text)}.reshape(${(shape as SyntaxNode[]).map((n) => this.expr(n).text).join(", ")})` : `mx.flatten(${g.text}, start_axis=1)`;
        return { v: { k: "tensor", t: { kind: "tensor", rank: 2, flatFrom: { channels: t.channels, key: flatKey } } }, text: rendered };
      }
      // (N, C, H, W).flatten(2) held as (N, H, W, C): a reshape to (N, H*W, C), itself channels-last
      if (op === "torch.flatten" && isCL && rank >= 4 && start === 2 && norm(end!) === rank - 1) {
        return { v: { k: "tensor", t: { kind: "tensor", rank: 3, perm: channelsLast(3) } }, text: `mx.flatten(${subject.text}, 1, -2)` };
      }
      return undefined;
    }
    if (op === "torch.nn.functional.pad") {
      const mode = arg("mode");
      if (mode && !/^["']constant["']$/.test(mode.text)) return undefined;
      const padNode = arg("pad");
      if (!padNode || (padNode.type !== "list" && padNode.type !== "tuple")) return undefined;
      const items = namedChildren(padNode);
      if (items.length % 2 !== 0 || items.length / 2 > rank - 2) return undefined;
      // torch pads the last logical axes first: (left, right) of axis -1, then axis -2, ...
      const widths: string[] = Array.from({ length: rank }, () => "(0, 0)");
      for (let i = 0; i < items.length / 2; i++) {
        const logical = rank - 1 - i;
        widths[perm.indexOf(logical)] = `(${this.expr(items[2 * i]).text}, ${this.expr(items[2 * i + 1]).text})`;
      }
      const value = arg("value");
      return { v: { k: "tensor", t }, text: `mx.pad(${subject.text}, [${widths.join(", ")}]${value ? `, constant_values=${this.expr(value).text}` : ""})` };
    }
    return undefined;
  }

  /**
   * `x.permute(0, 3, 1, 2)` of a torch-order tensor (ConvNeXt's NHWC → NCHW) is what MLX already holds as
   * channels-last: relabel the axes instead of moving data. Other permutes translate as written.
   */
  private permuteToChannelsLast(row: OpMapping, bound: ReturnType<typeof bindArgs<SyntaxNode>>, subject: Gen): Gen | undefined {
    if (row.torch[0] !== "Tensor.permute" || subject.v.k !== "tensor" || subject.v.t.flatFrom) return undefined;
    const dimsNode = bound.byName.get("dims");
    const nodes = Array.isArray(dimsNode) ? dimsNode : dimsNode ? [dimsNode] : [];
    const dims = nodes.length === 1 ? intTuple(nodes[0]) : nodes.map(intLiteral);
    if (!dims || dims.length < 3 || dims.some((d) => d === undefined)) return undefined;
    const rank = dims.length;
    const d = (dims as number[]).map((a) => (a < 0 ? a + rank : a));
    const next = [...Array(rank).keys()].map((j) => d.indexOf(j));
    if (!samePerm(next, channelsLast(rank))) return undefined;
    return { v: { k: "tensor", t: { kind: "tensor", rank, perm: next } }, text: subject.text };
  }

  // ---------------------------------------------------------------- layout conversions

  /** A flattened channels-last value reached a consumer other than a Linear: flatten in torch's order instead. */
  private vetoFlat(g: Gen): void {
    if (g.v.k === "tensor" && g.v.t.flatFrom && !this.decisions.has(g.v.t.flatFrom.key)) {
      this.decisions.set(g.v.t.flatFrom.key, { perm: undefined, rank: 0 });
      this.newDecision = true;
    }
  }

  /** Brings `g` to layout `want`: by deciding to convert the variable where it is defined, or in place. */
  convert(g: Gen, node: SyntaxNode, want: Perm | undefined, rankHint?: number): Gen {
    if (g.v.k !== "tensor") return g;
    if (g.v.t.flatFrom) {
      this.vetoFlat(g);
      return g;
    }
    const cur = g.v.t.perm;
    if (samePerm(cur, want)) return g;
    const rank = g.v.t.rank ?? cur?.length ?? want?.length ?? rankHint;
    if (rank === undefined) return g;
    if (!isIdentity(want) && isIdentity(cur) && g.v.def) {
      const taken = this.decisions.get(g.v.def);
      if (!taken) {
        this.decisions.set(g.v.def, { perm: want, rank });
        this.newDecision = true;
      }
      // converted where it is defined (from the next round on)
      if (!taken || samePerm(taken.perm, want)) return { v: { k: "tensor", t: { ...g.v.t, rank, perm: want }, def: g.v.def }, text: g.text };
    }
    this.countTranspose();
    const axes = transposeAxes(cur, want, rank);
    return { v: { k: "tensor", t: { kind: "tensor", rank, perm: isIdentity(want) ? undefined : want } }, text: `${paren(g.text)}.transpose(${axes.join(", ")})` };
  }

  toLogical(g: Gen, node: SyntaxNode): Gen {
    if (g.v.k === "tensor" && g.v.t.flatFrom) return this.convert(g, node, undefined);
    if (g.v.k !== "tensor" || isIdentity(g.v.t.perm)) return g;
    return this.convert(g, node, undefined);
  }

  /** Output of a top-level model: tensors, and tensors inside returned tuples, go back to torch layout. */
  private toLogicalDeep(g: Gen, node: SyntaxNode): Gen {
    if (g.v.k === "tensor") return this.toLogical(g, node);
    if (g.v.k === "list" && (node.type === "tuple" || node.type === "expression_list" || node.type === "list")) {
      const items = namedChildren(node);
      const replaced = new Map<SyntaxNode, string>();
      const vals: Val[] = [];
      for (const it of items) {
        const c = this.toLogicalDeep(this.expr(it), it);
        replaced.set(it, c.text);
        vals.push(c.v);
      }
      return { v: { k: "list", items: vals }, text: rebuild(node, replaced) };
    }
    // `[x2, x1] + children`: each operand (list-boundaries.ts)
    const joined = listConcatenation(
      g,
      node,
      (v, n) => this.toLogicalDeep(v, n),
      (n) => this.expr(n),
    );
    if (joined) return joined;
    // a name holding a list of channels-last tensors (`outputs = [b1, b2]; return outputs`): each item converted
    const items = g.v.k === "list" && node.type === "identifier" ? (g.v.items ?? (g.v.elem ? [g.v.elem] : null)) : undefined;
    const first = items?.[0];
    if (first?.k === "tensor" && !isIdentity(first.t.perm) && items!.every((i) => i.k === "tensor" && samePerm(i.t.perm, first.t.perm) && !i.t.flatFrom)) {
      const each = this.toLogical({ v: first, text: "c2m_item" }, node);
      return { v: { k: "list", items: items!.map(() => each.v) }, text: `type(${g.text})(${each.text} for c2m_item in ${g.text})` };
    }
    // items in different layouts (a pooled branch beside a module's result): each converted by its position
    if (items?.some((i) => i.k === "tensor" && !isIdentity(i.t.perm))) {
      const each = items.map((v, i) => this.toLogical({ v, text: `${g.text}[${i}]` }, node));
      return { v: { k: "list", items: each.map((c) => c.v) }, text: `type(${g.text})([${each.map((c) => c.text).join(", ")}])` };
    }
    return g;
  }

  /**
   * Brings two tensors of an elementwise op to one layout, converting whichever side must move: a
   * channels-last tensor meets one of the same rank in its layout, and one of unknown rank (which may
   * broadcast in torch's axis order) in torch's layout.
   */
  private meet(a: Gen, aNode: SyntaxNode, b: Gen, bNode: SyntaxNode): [Gen, Gen] {
    if (a.v.k !== "tensor" || b.v.k !== "tensor") return [a, b];
    if (a.v.t.flatFrom || b.v.t.flatFrom) {
      this.vetoFlat(a);
      this.vetoFlat(b);
      return [a, b];
    }
    if (samePerm(a.v.t.perm, b.v.t.perm)) return [a, b];
    const [cl, other, clFirst] = !isIdentity(a.v.t.perm) ? [a, b, true] : [b, a, false];
    const clT = (cl.v as { t: TensorType }).t;
    const oT = (other.v as { t: TensorType }).t;
    let r: [Gen, Gen];
    if (isIdentity(oT.perm) && oT.rank !== undefined && oT.rank === clT.rank) {
      r = [cl, this.convert(other, clFirst ? bNode : aNode, clT.perm, clT.rank)];
    } else {
      r = [this.toLogical(cl, clFirst ? aNode : bNode), isIdentity(oT.perm) ? other : this.toLogical(other, clFirst ? bNode : aNode)];
    }
    return clFirst ? r : [r[1], r[0]];
  }

  private harmonizeList(node: SyntaxNode, g: Gen): { text: string; perm: Perm | undefined } {
    if (g.v.k !== "list") return { text: g.text, perm: undefined };
    if (node.type === "list" || node.type === "tuple") {
      const items = namedChildren(node);
      const gens = items.map((it) => this.expr(it));
      const first = gens.find((x) => x.v.k === "tensor" && !isIdentity(x.v.t.perm)) ?? gens[0];
      const perm = first?.v.k === "tensor" ? first.v.t.perm : undefined;
      const rank = first?.v.k === "tensor" ? first.v.t.rank : undefined;
      const replaced = new Map<SyntaxNode, string>();
      items.forEach((it, i) => replaced.set(it, this.convert(gens[i], it, perm, rank).text));
      return { text: rebuild(node, replaced), perm };
    }
    const elem = g.v.items ? mergeVal(g.v.items) : g.v.elem;
    if (elem?.k === "tensor") return { text: g.text, perm: elem.t.perm };
    return { text: g.text, perm: undefined };
  }

  private listToLogical(node: SyntaxNode, g: Gen): string {
    if (g.v.k !== "list") return g.text;
    if (node.type === "list" || node.type === "tuple") {
      const items = namedChildren(node);
      const replaced = new Map<SyntaxNode, string>();
      for (const it of items) replaced.set(it, this.toLogical(this.expr(it), it).text);
      return rebuild(node, replaced);
    }
    const elem = g.v.items ? mergeVal(g.v.items) : g.v.elem;
    if (elem?.k === "tensor" && !isIdentity(elem.t.perm)) {
      const axes = transposeAxes(elem.t.perm, undefined, elem.t.perm!.length);
      this.countTranspose();
      return `[t.transpose(${axes.join(", ")}) for t in ${g.text}]`;
    }
    return g.text;
  }

  // ---------------------------------------------------------------- output

  private countTranspose(): void {
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
  private dropStatement(stmt: SyntaxNode): void {
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

  private replaceStatementRange(start: number, end: number, text: string): void {
    for (const [k, ed] of this.edits) if (ed.start >= start && ed.end <= end) this.edits.delete(k);
    this.edits.set(`${start}:${end}`, { start, end, text });
  }

  private replaceStatement(stmt: SyntaxNode, text: string): void {
    // drop edits inside the statement: the whole statement is replaced
    for (const [k, ed] of this.edits) if (ed.start >= stmt.startIndex && ed.end <= stmt.endIndex) this.edits.delete(k);
    this.edits.set(`${stmt.startIndex}:${stmt.endIndex}`, { start: stmt.startIndex, end: stmt.endIndex, text });
  }

  /** constructs this walk handled (only the final walk's are kept) */
  private readonly records: ConstructRecord[] = [];

  /** kind, name and position of each record, to keep one per construct */
  private readonly recorded = new Set<string>();

  private record(kind: ConstructKind, name: string, node: SyntaxNode): void {
    // loop bodies are walked twice
    const key = `${kind}\0${name}\0${node.startIndex}`;
    if (this.recorded.has(key)) return;
    this.recorded.add(key);
    const at = node.startPosition;
    this.records.push({ kind, name, line: at.row + 1, col: at.column + 1 });
  }

  /** Linear layers this walk fed a channels-last flatten (only the final walk's count) */
  private readonly linearNhwc = new Map<string, number>();

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

// ---------------------------------------------------------------- signatures

/**
 * A module class's forward signature: the layouts its tensor parameters are preferred in (the layouts the
 * layout pass decided for them when the class was analysed on its own) and the layout of its result.
 */
export function computeSignature(ctx: TranslateContext, name: string): ForwardSignature {
  const cls = ctx.mod.classes.get(name)!;
  const fwd = cls.methods.get("forward");
  if (!fwd) {
    const sig = { params: [] };
    ctx.signatures.set(name, sig);
    return sig;
  }
  ctx.computing.add(name);
  try {
    const boundary = ctx.topLevel.has(name);
    const prefer = runToFixpoint(ctx, fwd, cls, { boundary: false });
    const names = forwardParamNames(fwd);
    const params: (TensorType | undefined)[] = names.map((n) => {
      const d = prefer.decisions.get(`${n}@param`);
      return d && !(boundary && ctx.layout === "torch") ? { kind: "tensor", rank: d.rank, perm: d.perm } : undefined;
    });
    const paramVals = new Map<string, Val>();
    names.forEach((n, i) => {
      if (params[i]) paramVals.set(n, { k: "tensor", t: params[i]! });
    });
    let final = runToFixpoint(ctx, fwd, cls, { boundary, params: paramVals });
    // returns that disagree on their layout all go back to torch's (passes/return-layouts.ts)
    const logicalReturns = !returnsAgree(final.returns);
    if (logicalReturns) final = runToFixpoint(ctx, fwd, cls, { boundary, params: paramVals, logicalReturns });
    const result = resultType(final.returns);
    const sig: ForwardSignature = { params, result, ...(logicalReturns ? { logicalReturns } : {}) };
    ctx.signatures.set(name, sig);
    return sig;
  } finally {
    ctx.computing.delete(name);
  }
}

export function runToFixpoint(ctx: TranslateContext, fn: SyntaxNode, cls: ClassIR | undefined, opts: WalkOptions): FunctionWalker {
  const key = walkKey(ctx, cls, opts);
  const before = sharedStateStamp(ctx);
  const cached = walkCache
    .get(ctx)
    ?.get(fn)
    ?.find((e) => e.key === key && e.stamp === before)?.walker;
  if (cached) return cached;
  let decisions = new Map<string, LayoutDecision>();
  let w: FunctionWalker;
  let round = 0;
  do {
    w = new FunctionWalker(ctx, fn, cls, new Map(decisions), opts);
    w.run();
    decisions = w.decisions;
  } while (w.newDecision && ++round < 12);
  if (!w.readUnfinishedSignature && sharedStateStamp(ctx) === before) rememberWalk(ctx, fn, key, before, w);
  return w;
}

/**
 * Walks already made, per function. A forward is walked to a fixpoint for its signature (twice: the layouts it
 * prefers, then with them) and once more for the output; most of these walks have the same inputs. A walk is
 * a function of the function, its class, the walk's options and the shared state it reads: signatures (fixed
 * once computed), and the layers the walks marked for a torch-layout helper or a CHW flatten (sets that only
 * grow). A walk is reused only if that shared state did not change during it or since, and it read no
 * signature still being computed. The walker is reused as it is: its edits and diagnostics are reported once,
 * by the layout pass, for the walk it keeps.
 */
const walkCache = new WeakMap<TranslateContext, Map<SyntaxNode, { key: string; stamp: string; walker: FunctionWalker }[]>>();

function walkKey(ctx: TranslateContext, cls: ClassIR | undefined, opts: WalkOptions): string {
  // the boundary only changes a walk in torch layout (returns converted back); no params and none given read the same
  const boundary = opts.boundary && ctx.layout === "torch";
  return JSON.stringify([cls?.name ?? null, boundary, [...(opts.params ?? [])], !!opts.logicalReturns]);
}

function sharedStateStamp(ctx: TranslateContext): string {
  return `${ctx.chwFlatten.size}:${ctx.torchLayoutLayers.size}`;
}

function rememberWalk(ctx: TranslateContext, fn: SyntaxNode, key: string, stamp: string, walker: FunctionWalker): void {
  let byFn = walkCache.get(ctx);
  if (!byFn) walkCache.set(ctx, (byFn = new Map()));
  let entries = byFn.get(fn);
  if (!entries) byFn.set(fn, (entries = []));
  entries.push({ key, stamp, walker });
}

function resultType(returns: Val[]): TensorType | TensorType[] | undefined {
  const r = returns[0];
  if (!r) return undefined;
  if (r.k === "tensor") return r.t;
  if (r.k === "list" && r.items) return r.items.map((i) => (i.k === "tensor" ? i.t : { kind: "tensor" as const }));
  return undefined;
}

export function forwardParamNames(fn: SyntaxNode): string[] {
  return namedChildren(fn.childForFieldName("parameters")!)
    .filter((p) => p.type !== "list_splat_pattern" && p.type !== "dictionary_splat_pattern")
    .map(paramName)
    .filter((n): n is string => !!n && n !== "self");
}

// ---------------------------------------------------------------- small helpers

/**
 * Where the rewrites of a map start (undefined: a key not made by nodeKey, so every node is looked up), for
 * the map size it was read at. The walk asks about every statement and expression, and nearly none has a
 * rewrite: checking the start offset first spares making a nodeKey string for each of them.
 */
const rewriteStarts = new WeakMap<Map<string, Rewrite>, { size: number; starts: Set<number> | undefined }>();

/** The rewrite a cookbook rule or plugin pass left for a node, if any. */
function rewriteOf(rewrites: Map<string, Rewrite>, node: SyntaxNode): Rewrite | undefined {
  if (!rewrites.size) return undefined;
  let index = rewriteStarts.get(rewrites);
  if (!index || index.size !== rewrites.size) {
    let starts: Set<number> | undefined = new Set<number>();
    for (const key of rewrites.keys()) {
      const start = /^\d+(?=:)/.exec(key);
      if (!start) {
        starts = undefined;
        break;
      }
      starts.add(Number(start[0]));
    }
    rewriteStarts.set(rewrites, (index = { size: rewrites.size, starts }));
  }
  if (index.starts && !index.starts.has(node.startIndex)) return undefined;
  return rewrites.get(nodeKey(node));
}

function tensorVal(): Val {
  return { k: "tensor", t: { kind: "tensor" } };
}

/**
 * `attn: Attention` with Attention a module class of this file (diffusers' attention processors take the module
 * they serve): the parameter is that module, so a call of one of its layers (`attn.group_norm(x)`) gets the
 * layer's layout instead of passing torch's to a layer that reads channels-last.
 */
function paramDefault(p: SyntaxNode): Val {
  const ann = p.childForFieldName("type")?.text ?? "";
  if (/^(int|float|bool|str)\b/.test(ann)) return { k: "num" };
  const dflt = p.childForFieldName("value");
  if (dflt && (dflt.type === "integer" || dflt.type === "float" || dflt.type === "true" || dflt.type === "false" || dflt.type === "string")) return { k: "num" };
  // `xs: List[torch.Tensor]`: a list whose items a module reads in torch's layout (list-boundaries.ts)
  if (/^(Optional\[)?(typing\.)?(List|list|Sequence|Tuple|tuple)\[/.test(ann) && /Tensor/.test(ann)) return { k: "list", items: null, elem: tensorVal() };
  // `x: torch.Tensor` is evidence; a bare parameter is only presumed to be a tensor
  return /Tensor/.test(ann) ? tensorVal() : { k: "tensor", t: { kind: "tensor" }, assumed: true };
}

/**
 * `{ ...v, def }`, written out: these are the walk's busiest allocation sites, and a spread of values of
 * several shapes takes V8's generic path. `assumed` stays present or absent as it is in `v`.
 */
function withDef(v: Extract<Val, { k: "tensor" }>, def: string): Val {
  const out: Extract<Val, { k: "tensor" }> = { k: "tensor", t: v.t, def };
  if ("assumed" in v) out.assumed = v.assumed;
  return out;
}

/**
 * What join() makes of a tensor every branch holds unchanged: the same value with `spatialOne` a boolean, and
 * still `assumed` when it was (a parameter merely presumed a tensor stays so after an `if` that left it alone:
 * an init function's `m` is still maybe a layer). Values are never mutated, so one already in that form is
 * kept, and the others are made once.
 */
const joinedTensors = new WeakMap<Val, Val>();
function joinedTensor(v: Extract<Val, { k: "tensor" }>): Val {
  // a tensor value has k, t and optionally def and assumed: the joined form has def (maybe undefined), and assumed only when true
  if (!("assumed" in v && !v.assumed) && "def" in v && typeof v.t.spatialOne === "boolean") return v;
  let j = joinedTensors.get(v);
  if (!j) {
    const joined: Extract<Val, { k: "tensor" }> = { k: "tensor", t: { ...v.t, spatialOne: !!v.t.spatialOne }, def: v.def };
    if (v.assumed) joined.assumed = true;
    joinedTensors.set(v, (j = joined));
  }
  return j;
}

/** Lists from several branches: their items' value when any holds one (an empty list holds none), of unknown length. */
function joinedList(lists: Extract<Val, { k: "list" }>[]): Val {
  const held = lists.flatMap((l) => [...(l.items ?? []), ...(l.elem ? [l.elem] : [])]);
  return held.length ? { k: "list", items: null, elem: mergeVal(held) } : { k: "list", items: [] };
}

function mergeVal(vals: Val[]): Val {
  const t = vals.find((v) => v.k === "tensor");
  return t ?? vals[0] ?? { k: "other" };
}

/** Whether the options of a union, applied to the same values, took them as given and gave the same layout. */
function optionsAgree(results: { v: Val; args: string[] }[]): boolean {
  return results.every((r) => sameLayout(r.v, results[0].v) && r.args[0] === results[0].args[0]);
}

function sameLayout(a: Val, b: Val): boolean {
  if (a.k === "tensor" && b.k === "tensor") return samePerm(a.t.perm, b.t.perm);
  return a.k === b.k;
}

/** The axes `shape[start:stop]` of a rank-`rank` shape names, when start and stop are integer literals or absent (no step). */
function shapeSliceAxes(sub: SyntaxNode, rank: number): number[] | undefined {
  if (sub.type !== "slice") return undefined;
  const parts: (SyntaxNode | undefined)[] = [undefined, undefined];
  let at = 0;
  for (const c of sub.children) {
    if (c.type === ":") at++;
    else if (at > 1)
      return undefined; // a step
    else parts[at] = c;
  }
  const bound = (n: SyntaxNode | undefined) => (n === undefined ? undefined : intLiteral(n));
  const [start, stop] = parts.map(bound);
  if ((parts[0] && start === undefined) || (parts[1] && stop === undefined)) return undefined;
  return [...Array(rank).keys()].slice(start, stop);
}

/** What `.items()` / `.values()` of a container whose children are `child` gives: a list of pairs, or of children. */
/** Whether an item assignment's target holds a container (a dict, a list: no tensor, whose item assignment keeps its layout). */
function storesIntoContainer(v: Val): boolean {
  return v.k === "other" || v.k === "list";
}

function childIteration(child: ModVal, kind: "pairs" | "children"): Val {
  const m: Val = { k: "module", m: child };
  return { k: "list", items: null, elem: kind === "pairs" ? { k: "list", items: [{ k: "other" }, m] } : m };
}

function iterElement(v: Val, node: SyntaxNode): Val {
  if (v.k === "module") return { k: "module", m: elementOf(v.m) };
  if (v.k === "list") return v.items ? mergeVal(v.items) : (v.elem ?? { k: "other" });
  if (node.type === "call" && node.childForFieldName("function")?.text === "range") return { k: "num" };
  if (v.k === "tensor") return { k: "tensor", t: { kind: "tensor" }, assumed: true };
  return { k: "other" };
}

/** The channel count a layer's constructor states with an integer literal (out_channels, num_features...). */
function layerChannels(m: ModVal): number | undefined {
  if (m.k !== "layer") return undefined;
  const params = parseSig(m.row.sig);
  const args = callArgs(m.call);
  const bound = bindArgs(params, args.positional, args.keyword);
  for (const name of ["out_channels", "num_features", "num_channels"]) {
    const n = bound.byName.get(name);
    const v = n && !Array.isArray(n) ? intLiteral(n) : undefined;
    if (v !== undefined) return v;
  }
  return undefined;
}

function isUnitAdaptivePool(m: ModVal): boolean {
  if (m.k !== "layer" || !/AdaptiveAvgPool|AdaptiveMaxPool/.test(m.row.torch)) return false;
  const a = callArgs(m.call).positional[0] ?? callArgs(m.call).keyword.get("output_size");
  const vals = intTuple(a);
  return !!vals && vals.every((v) => v === 1);
}

function firstNonDocstring(body: SyntaxNode): SyntaxNode | undefined {
  const stmts = namedChildren(body);
  const first = stmts[0];
  if (first?.type === "expression_statement" && namedChildren(first)[0]?.type === "string") return stmts[1] ?? undefined;
  return first;
}

function textsOf(byName: Map<string, SyntaxNode | SyntaxNode[]>, texts: Map<SyntaxNode, string>): Map<string, string | string[]> {
  const out = new Map<string, string | string[]>();
  for (const [k, n] of byName) out.set(k, Array.isArray(n) ? n.map((x) => texts.get(x) ?? x.text) : (texts.get(n) ?? n.text));
  return out;
}

/** Default values by parameter name (cached per parsed signature, which parseSig keeps for the process). */
const sigDefaults = new WeakMap<SigParam[], Map<string, string>>();
function defaultsOf(params: SigParam[]): Map<string, string> {
  let d = sigDefaults.get(params);
  if (!d) sigDefaults.set(params, (d = new Map(params.filter((p) => p.default !== undefined).map((p) => [p.name, p.default!]))));
  return d;
}

/** `nn.Conv2d` for `isinstance(m, nn.Conv2d)` and `norm_layer = nn.BatchNorm2d`: the callee of the row's template. */
/**
 * `e` is a class an instance or class is tested against (`isinstance(m, (nn.Conv2d, nn.Linear))`): MLX's
 * class, which the stand-ins derive from. A comparison (`act_layer is nn.GELU`) meets the stand-in that was
 * passed, so it is no type test; nor is a base class (`class LayerNorm2d(nn.LayerNorm)`): its
 * `super().__init__(...)` and whoever builds it pass torch's constructor arguments, which the stand-in takes.
 */
function isTypeTest(e: SyntaxNode): boolean {
  let n = e;
  while (n.parent && (n.parent.type === "tuple" || n.parent.type === "parenthesized_expression")) n = n.parent;
  const p = n.parent;
  if (p?.type !== "argument_list") return false;
  const callee = p.parent?.childForFieldName("function")?.text;
  return callee === "isinstance" || callee === "issubclass";
}

function layerClassName(row: LayerMapping, ctx: TranslateContext): string {
  const helper = /^\{@(\w+)\}/.exec(row.mlx);
  if (helper) {
    ctx.helpers.add(helper[1]);
    return helper[1];
  }
  const m = /^([\w.]+)\(/.exec(row.mlx);
  return m ? m[1] : row.mlx;
}

/** rebuild() with one node replaced (the common case), without a map to make. */
export function rebuildOne(node: SyntaxNode, replaced: SyntaxNode, text: string): string {
  if (text === replaced.text || replaced.startIndex < node.startIndex) return node.text;
  const src = node.tree.source;
  return src.slice(node.startIndex, replaced.startIndex) + text + src.slice(replaced.endIndex, node.endIndex);
}

/** The node's source with some descendant nodes' text replaced; everything else (comments, spacing) as written. */
export function rebuild(node: SyntaxNode, replaced: Map<SyntaxNode, string>): string {
  if (replaced.size === 0) return node.text;
  let spans: { start: number; end: number; text: string }[] | undefined;
  let sorted = true;
  for (const [n, t] of replaced) {
    if (t === n.text) continue;
    const span = { start: n.startIndex, end: n.endIndex, text: t };
    if (!spans) spans = [span];
    else {
      if (span.start < spans[spans.length - 1].start) sorted = false;
      spans.push(span);
    }
  }
  if (!spans) return node.text;
  // a stable sort, as before: equal starts keep their insertion order
  if (!sorted) spans.sort((a, b) => a.start - b.start);
  const src = node.tree.source;
  let out = "";
  let pos = node.startIndex;
  for (const s of spans) {
    if (s.start < pos) continue;
    out += src.slice(pos, s.start) + s.text;
    pos = s.end;
  }
  return out + src.slice(pos, node.endIndex);
}

export { union };

/** Whether a varargs parameter got one argument the walk typed as a list or tuple. */
function isListArgument(arg: SyntaxNode | SyntaxNode[] | undefined, gens: Map<SyntaxNode, Gen>): boolean {
  return Array.isArray(arg) && arg.length === 1 && gens.get(arg[0])?.v.k === "list";
}
