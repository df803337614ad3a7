/**
 * Statements in the function-body walk: a function's parameters bound (and converted where a layout was
 * decided for them), then each statement of its body. A cookbook rule's rewrite wins; otherwise the
 * statement's type picks its visitor from STATEMENT_VISITORS. Assignments bind names to the values the walk
 * tracks (a tensor's definition site is where a layout decision converts it).
 */
import { compactSource, containsPlaceholder, evaluatedOnImport, isPlaceholder, readsPlaceholderName, untranslatedValue } from "../untranslated.js";
import { placeholderImportNames } from "../torch-library-imports.js";
import { namedChildren, type SyntaxNode } from "../../grammar/python.js";
import { isIdentity, samePerm, transposeAxes, unknownRank } from "../../ir/tensor.js";
import { paren } from "../template-render.js";
import { collectClasses, paramName } from "../module-tree.js";
import { factoryDictKeys } from "../call-splats.js";
import { annotatedModule } from "../annotated-classes.js";
import { insertAfterStatement, insertBeforeStatement } from "../statement-inserts.js";
import { CLASS_ARGUMENT_GUARDS } from "../user-class-arguments.js";
import { qualify } from "../resolve-imports.js";
import { rankFromUnpack } from "../shape-unpack.js";
import { tensorAttributeAssignment } from "./tensor-attributes.js";
import { plainTensorSlots } from "../plain-tensor-slots.js";
import { firstNonDocstring, rewriteOf } from "./source-text.js";
import type { Gen, Val } from "./types.js";
import { paramDefault, storesIntoContainer, tensorVal, withDef } from "./values.js";
import { convert, meet, toLogical, toLogicalDeep } from "./layout-conversion.js";
import { expr } from "./expressions.js";
import type { WalkState } from "./state.js";
import { callStatement } from "./call-statements.js";
import { growList, storeItem } from "./list-growth.js";
import { forStatement, ifStatement, loopBody } from "./control-flow.js";
import { conditionText } from "./truth-tests.js";

/** Walks a whole function. */
export function walkFunction(w: WalkState): void {
  const fn = w.fn!;
  const body = fn.childForFieldName("body")!;
  const firstStmt = firstNonDocstring(body);
  for (const p of namedChildren(fn.childForFieldName("parameters")!)) {
    const name = paramName(p);
    if (!name || name === "self") continue;
    const given = w.opts.params?.get(name);
    const def = `${name}@param`;
    const annotated = given ? undefined : annotatedModule(p, w.ctx.mod, (m) => collectClasses(m));
    const v: Val = given ?? (annotated ? { k: "module", m: annotated } : paramDefault(p));
    const decided = w.decisions.get(def);
    if (v.k === "tensor" && decided && !samePerm(decided.perm, v.t.perm)) {
      const rank = v.t.rank ?? decided.rank;
      const axes = transposeAxes(v.t.perm, decided.perm, rank);
      w.countTranspose();
      // a parameter that defaults to None (latent-diffusion's `context=None`) is converted only when given
      const optional = (p.type === "default_parameter" || p.type === "typed_default_parameter") && p.childForFieldName("value")?.text === "None";
      const line = `${name} = ${name}.transpose(${axes.join(", ")})${optional ? ` if ${name} is not None else None` : ""}`;
      w.inserts.set(`param:${name}`, insertBeforeStatement(w.ctx.mod.source, firstStmt ?? body, line));
      w.env.set(name, { k: "tensor", t: { kind: "tensor", rank, perm: decided.perm }, def });
    } else w.env.set(name, v.k === "tensor" ? withDef(v, def) : v);
  }
  // annotations and defaults in the signature (`x: torch.Tensor`, `dtype=torch.float32`) are expressions too
  for (const p of namedChildren(fn.childForFieldName("parameters")!)) {
    const ann = p.childForFieldName("type");
    if (ann) w.overwrite(ann, expr(w, ann).text);
    const dflt = p.type === "default_parameter" || p.type === "typed_default_parameter" ? p.childForFieldName("value") : null;
    if (dflt) w.overwrite(dflt, expr(w, dflt).text);
  }
  const ret = fn.childForFieldName("return_type");
  if (ret) w.overwrite(ret, expr(w, ret).text);
  refuseUntranslatedClasses(w, firstStmt ?? body);
  block(w, body);
}

/**
 * A root class's __init__ first refuses the classes of its file a class parameter was not translated for
 * (passes/user-class-arguments.ts): the port raises where it would give wrong numbers. The line carries C2M-W058's
 * marker (the module tree leaves it out of its own markers): a reader finds the diagnostic where the port raises.
 */
function refuseUntranslatedClasses(w: WalkState, first: SyntaxNode): void {
  const guards = w.cls && w.fn === w.cls.methods.get("__init__") ? CLASS_ARGUMENT_GUARDS.get(w.cls) : undefined;
  for (const g of guards ?? []) {
    // `Class.__init__` names the raise's place (the zoo ties a raise naming a dotted name and a code to that diagnostic)
    const where = JSON.stringify(`${w.cls!.name}.__init__'s ${g.param} is translated for ${g.translated.join(", ")}`);
    const refused = g.refused.length === 1 ? `(${g.refused[0]},)` : `(${g.refused.join(", ")})`;
    const line = `c2m_refuse_classes(${g.param}, ${refused}, ${where})`;
    const insert = insertBeforeStatement(w.ctx.mod.source, first, line);
    // a line of its own takes the marker; one joined to the body's statement (`def f(self): x = 1`) cannot end in a comment
    const marked = insert.text.endsWith("\n") ? { ...insert, text: insert.text.replace(/\n$/, `  # c2m: C2M-W058 ${g.message}\n`) } : insert;
    w.inserts.set(`refuse:${g.param}`, marked);
    w.ctx.helpers.add("c2m_refuse_classes");
  }
}

/** Walks statements outside any function (module level, class bodies). */
export function walkStatements(w: WalkState, body: SyntaxNode): void {
  block(w, body);
}

export function block(w: WalkState, body: SyntaxNode): void {
  for (const s of namedChildren(body)) statement(w, s);
}

function statement(w: WalkState, s: SyntaxNode): void {
  const rewrite = rewriteOf(w.ctx.rewrites, s);
  if (rewrite) {
    for (const h of rewrite.helpers ?? []) w.ctx.helpers.add(h);
    for (const i of rewrite.imports ?? []) w.ctx.imports.add(i);
    w.record("cookbook", rewrite.rule, s);
    // a statement a rule folded into another goes with its line, comment included (it described it)
    if (rewrite.text === "") w.removeLine(s);
    else w.replaceStatement(s, rewrite.text);
    return;
  }
  const saved = w.stmt;
  w.stmt = s;
  try {
    statementInner(w, s);
  } finally {
    w.stmt = saved;
  }
}

/** How a statement of one node type is walked. */
type StatementVisitor = (w: WalkState, s: SyntaxNode) => void;

function statementInner(w: WalkState, s: SyntaxNode): void {
  // definitions are translated on their own (passes/layout-nhwc.ts); other statements have nothing to translate
  STATEMENT_VISITORS.get(s.type)?.(w, s);
}

/** How an expression standing as a statement is walked, by the expression's node type (`e` is the expression). */
type ExpressionStatementVisitor = (w: WalkState, s: SyntaxNode, e: SyntaxNode) => void;

const EXPRESSION_STATEMENT_VISITORS = new Map<string, ExpressionStatementVisitor>([
  ["assignment", assignment],
  ["augmented_assignment", (w, _s, e) => augmented(w, e)],
  ["string", () => {}], // a docstring
  ["call", callStatement],
]);

function expressionStatement(w: WalkState, s: SyntaxNode): void {
  const e = namedChildren(s)[0];
  if (!e) return;
  const visit = EXPRESSION_STATEMENT_VISITORS.get(e.type);
  if (visit) return visit(w, s, e);
  const g = expr(w, e);
  w.overwrite(e, g.text);
}

function returnStatement(w: WalkState, s: SyntaxNode): void {
  const e = namedChildren(s)[0];
  if (!e) return;
  let g = expr(w, e);
  // a returned list holds its tensors in torch's layout, as every list crossing a boundary (list-boundaries.ts)
  if ((w.opts.boundary && w.ctx.layout === "torch") || w.opts.logicalReturns || g.v.k === "list") g = toLogicalDeep(w, g, e);
  // at the model boundary this value would have been converted (toLogicalDeep does nothing to any other)
  else if (g.v.k === "tensor" && (g.v.t.flatFrom || !isIdentity(g.v.t.perm))) w.boundaryMatters = true;
  w.returns.push(g.v);
  w.overwrite(e, g.text);
}

function whileStatement(w: WalkState, s: SyntaxNode): void {
  const c = s.childForFieldName("condition")!;
  w.overwrite(c, conditionText(w, c));
  loopBody(w, s.childForFieldName("body")!);
}

function withStatement(w: WalkState, s: SyntaxNode): void {
  for (const item of s.descendantsOfType("with_item")) {
    const v = item.childForFieldName("value");
    if (v) w.overwrite(v, expr(w, v).text);
  }
  block(w, s.childForFieldName("body")!);
}

function tryStatement(w: WalkState, s: SyntaxNode): void {
  for (const c of namedChildren(s)) {
    if (c.type === "block") block(w, c);
    else {
      const b = c.childForFieldName("body") ?? namedChildren(c).find((n) => n.type === "block");
      if (b) block(w, b);
    }
  }
}

/** `assert`, `del`, `raise`: each expression translated in place. */
function expressionsInPlace(w: WalkState, s: SyntaxNode): void {
  for (const c of namedChildren(s)) w.overwrite(c, expr(w, c).text);
}

/** The visitor of each statement node type (tree-sitter-python's names). */
const STATEMENT_VISITORS = new Map<string, StatementVisitor>([
  ["expression_statement", expressionStatement],
  ["return_statement", returnStatement],
  ["if_statement", ifStatement],
  ["for_statement", forStatement],
  ["while_statement", whileStatement],
  ["with_statement", withStatement],
  ["try_statement", tryStatement],
  ["assert_statement", expressionsInPlace],
  ["delete_statement", expressionsInPlace],
  ["raise_statement", expressionsInPlace],
]);

function assignment(w: WalkState, stmt: SyntaxNode, a: SyntaxNode): void {
  const left = a.childForFieldName("left")!;
  const right = a.childForFieldName("right");
  const type = a.childForFieldName("type");
  if (type) w.overwrite(type, expr(w, type).text);
  if (!right) return;
  if (right.type === "assignment") {
    // chained `a = b = expr`
    assignment(w, stmt, right);
    const v = exprValueOf(w, right.childForFieldName("left")!);
    bind(w, left, v, stmt);
    return;
  }
  if (left.type === "attribute" && trainingFlagAssignment(w, stmt, left, right)) return;
  if (left.type === "attribute" && tensorAttributeAssignment(w, stmt, left, right)) return;
  if (right.type === "none" && left.type === "attribute") freezePlainSlot(w, stmt, left);
  let g = expr(w, right);
  // a tensor stored into a local list whose items c2m tracks goes in the layout they are held in (list-growth.ts);
  // into another dict or list (`result["out"] = x`) it leaves the layouts c2m tracks: it goes in torch's layout, as a
  // read of the container takes it (a value of unknown layout, presumed torch's)
  const stored = left.type === "subscript" ? storeItem(w, left, g, right) : undefined;
  if (stored) g = stored;
  else if (left.type === "subscript" && g.v.k === "tensor" && storesIntoContainer(exprValueOf(w, left.childForFieldName("value")!))) g = toLogical(w, g, right);
  else if (left.type === "subscript" && g.v.k === "tensor") g = inTargetLayout(w, left, g, right);
  // so does one stored on an object (`self.corr_pyramid = [corr_volume]`): another method reads it back, and reads
  // of attributes take torch's layout
  if (left.type === "attribute") g = toLogicalDeep(w, g, right);
  // a value computed on import from a placeholder (`os.path.join(Untranslated(...), "x")`) would raise on
  // import: the whole value becomes the placeholder, so only a use of the name raises
  // (or from a name bound to one on import)
  if (evaluatedOnImport(stmt)) {
    const names = (w.ctx.placeholderNames ??= placeholderImportNames(w.ctx.mod));
    const computed = right.type !== "identifier" && readsPlaceholderName(right, names);
    if ((containsPlaceholder(g.text) && !isPlaceholder(g.text)) || computed) g = { v: { k: "other" }, text: untranslatedValue(compactSource(right.text), right) };
    if (left.type === "identifier") {
      if (isPlaceholder(g.text) || readsPlaceholderName(right, names)) names.add(left.text);
      else names.delete(left.text);
    }
  }
  if (left.type === "identifier" && g.text === left.text && right.text !== left.text && !type) {
    // the rewrite left `x = x` (a permute that became a relabelling): drop the statement, keep its comment
    w.dropStatement(stmt);
    bind(w, left, g.v, stmt, right);
    return;
  }
  w.overwrite(right, g.text);
  const buffer = persistentBuffer(w, left, right);
  // a persistent buffer is a parameter of the MLX module (it is in the state dict), but no trainable one, as for register_buffer
  if (buffer) w.inserts.set(`freeze:${stmt.startIndex}`, insertAfterStatement(w.ctx.mod.source, stmt, `self.freeze(keys=[${JSON.stringify(buffer)}], recurse=False)`));
  // `a, b, c = x.shape`: x's rank, where the walker did not know it (shape-unpack.ts)
  const unpacked = rankFromUnpack(left, right);
  const held = unpacked && w.env.get(unpacked.name);
  if (unpacked && held?.k === "tensor" && held.t.rank === undefined && (!held.t.perm || held.t.perm.length === unpacked.rank))
    w.env.set(unpacked.name, { ...held, t: { ...held.t, rank: unpacked.rank } });
  // `B, C, H, W = x.shape` on a channels-last x: name the physical axes instead
  if (g.v.k === "shape" && !isIdentity(g.v.t.perm) && (left.type === "pattern_list" || left.type === "tuple_pattern")) {
    const names = namedChildren(left);
    const perm = g.v.t.perm!;
    if (names.length === perm.length) {
      w.overwrite(left, perm.map((logical) => names[logical].text).join(", "));
      for (const n of names) if (n.type === "identifier") w.env.set(n.text, { k: "num" });
      return;
    }
  }
  if (left.type === "identifier") {
    const keys = factoryDictKeys(right);
    if (keys) w.factoryDicts.set(left.text, keys);
    else w.factoryDicts.delete(left.text);
  }
  if (left.type === "subscript" && maskAssignment(w, stmt, left, right, g)) return;
  if (left.type === "attribute" || left.type === "subscript") rewriteTarget(w, left, expr(w, left).text);
  bind(w, left, g.v, stmt, right);
}

/** `self.weight = None` in `__init__` for an attribute the code fills with plain tensors: frozen (plain-tensor-slots.ts) */
function freezePlainSlot(w: WalkState, stmt: SyntaxNode, left: SyntaxNode): void {
  // only a module has parameters (and a freeze): another class's None attribute is an attribute
  if (!w.cls || left.childForFieldName("object")!.text !== "self" || w.fn?.childForFieldName("name")?.text !== "__init__") return;
  const name = left.childForFieldName("attribute")!.text;
  if (!(w.ctx.plainTensorSlots ??= plainTensorSlots(w.ctx.mod.root)).has(name)) return;
  w.inserts.set(`slot:${stmt.startIndex}`, insertAfterStatement(w.ctx.mod.source, stmt, `self.freeze(keys=[${JSON.stringify(name)}], recurse=False)`));
}

/**
 * A tensor written into part of a tensor (`x[:, :c] = self.conv(x[:, :c])`, FasterNet's partial conv) goes in the
 * target's layout: torch's where the target holds it so; the target's own where the region keeps every axis (slices
 * only), so that the subscript's axes, remapped with the target, and the value's agree. Any other region keeps it as is.
 */
function inTargetLayout(w: WalkState, left: SyntaxNode, g: Gen, right: SyntaxNode): Gen {
  const target = expr(w, left.childForFieldName("value")!);
  if (target.v.k !== "tensor" || g.v.k !== "tensor") return g;
  if (isIdentity(target.v.t.perm)) return toLogical(w, g, right);
  const subs = left.childrenForFieldName("subscript");
  const wholeAxes = subs.every((n) => n.type === "slice" || n.type === "ellipsis");
  const rank = target.v.t.rank;
  if (wholeAxes && rank !== undefined && (g.v.t.rank ?? rank) === rank) return convert(w, g, right, target.v.t.perm, rank);
  return g;
}

/**
 * `module.training = mode`: MLX's `training` is a property with no setter. c2m_set_training sets the module's own flag
 * (torch's assignment touches no child), and the attribute of any other object.
 */
function trainingFlagAssignment(w: WalkState, stmt: SyntaxNode, left: SyntaxNode, right: SyntaxNode): boolean {
  if (left.childForFieldName("attribute")!.text !== "training") return false;
  w.ctx.helpers.add(TRAINING_HELPER);
  w.replaceStatement(stmt, `${TRAINING_HELPER}(${expr(w, left.childForFieldName("object")!).text}, ${expr(w, right).text})`);
  return true;
}

const TRAINING_HELPER = "c2m_set_training";

/**
 * An attribute or subscript target takes its translated text where that is still a target: `args.device = ...`
 * must not read as the value `None` a tensor's device is, while `w.data[i] = v` and `w.data *= s` lose torch's
 * `.data` (an MLX array has none). `self.net[0].bias` is `self.net.layers[0].bias` for a Sequential: attributes
 * and subscripts in any order.
 */
function rewriteTarget(w: WalkState, left: SyntaxNode, target: string): void {
  if (/^\w+(?:\.\w+|\[.*\])*$/s.test(target) && !/^(None|True|False)$/.test(target)) w.overwrite(left, target);
}

/** The attribute `self.name = nn.Buffer(t)` (torch ≥ 2.5) stores as a persistent buffer kept public (deepseek_v3's e_score_correction_bias). */
function persistentBuffer(w: WalkState, left: SyntaxNode, right: SyntaxNode): string | undefined {
  if (left.type !== "attribute" || left.childForFieldName("object")!.text !== "self" || right.type !== "call" || !w.cls) return undefined;
  const q = qualify(right.childForFieldName("function"), w.ctx.mod.aliases);
  if (q !== "torch.nn.Buffer" && q !== "torch.nn.parameter.Buffer") return undefined;
  const name = left.childForFieldName("attribute")!.text;
  const attr = w.cls.attrs.get(name);
  return attr?.k === "buffer" && attr.persistent && !w.cls.privateBuffers.has(name) ? name : undefined;
}

/**
 * `x[mask] = value` with a boolean tensor mask: MLX has no boolean-mask indexing. A scalar value becomes
 * `x = mx.where(mask, value, x)`; anything else is reported.
 */
function maskAssignment(w: WalkState, stmt: SyntaxNode, left: SyntaxNode, right: SyntaxNode, value: Gen): boolean {
  const target = left.childForFieldName("value")!;
  const subs = left.childrenForFieldName("subscript");
  if (subs.length !== 1) return false;
  const t = expr(w, target);
  const mask = expr(w, subs[0]);
  const isMask = t.v.k === "tensor" && mask.v.k === "tensor" && (subs[0].type === "comparison_operator" || (subs[0].type === "unary_operator" && subs[0].child(0)?.text === "~"));
  if (!isMask) return false;
  if (value.v.k === "tensor") {
    w.diag("C2M-W010", stmt, "boolean-mask assignment of a tensor has no MLX form; use mx.where with a broadcastable value");
    return true;
  }
  // the mask and the target meet in one layout, and the target keeps it
  const [m2, t2] = meet(w, mask, subs[0], t, target);
  w.replaceStatement(stmt, `${target.text} = mx.where(${m2.text}, ${value.text}, ${t2.text})`);
  if (target.type === "identifier") w.env.set(target.text, t2.v);
  return true;
}

function exprValueOf(w: WalkState, node: SyntaxNode): Val {
  return node.type === "identifier" ? (w.env.get(node.text) ?? { k: "other" }) : { k: "other" };
}

/** Binds assignment targets; a tensor bound to a name gets a definition site for layout decisions. */
function bind(w: WalkState, left: SyntaxNode, v: Val, stmt: SyntaxNode, right?: SyntaxNode): void {
  if (left.type === "identifier") {
    const name = left.text;
    if (v.k !== "tensor") {
      w.env.set(name, v);
      return;
    }
    // `y = x` aliases x: a decision about x's definition covers y too
    if (right?.type === "identifier" && v.def) {
      w.env.set(name, v);
      return;
    }
    const def = `${name}@${stmt.startIndex}`;
    const decided = w.decisions.get(def);
    if (decided && !samePerm(decided.perm, v.t.perm)) {
      const rank = v.t.rank ?? decided.rank;
      const axes = transposeAxes(v.t.perm, decided.perm, rank);
      w.countTranspose();
      w.inserts.set(`def:${def}`, insertAfterStatement(w.ctx.mod.source, stmt, `${name} = ${name}.transpose(${axes.join(", ")})`));
      w.env.set(name, { k: "tensor", t: { kind: "tensor", rank, perm: decided.perm }, def });
    } else {
      // a loop body's second walk, where the value already arrives as decided (`out = out + conv(x)` after `out = 0`,
      // torch's layout once out is carried in so): the first walk's conversion no longer applies
      w.inserts.delete(`def:${def}`);
      w.env.set(name, withDef(v, def));
    }
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
      bind(w, t, item, stmt);
    });
  }
}

function augmented(w: WalkState, a: SyntaxNode): void {
  const left = a.childForFieldName("left")!;
  const right = a.childForFieldName("right")!;
  const op = a.child(1)!.text;
  let l = expr(w, left);
  let r = expr(w, right);
  if (l.v.k === "tensor" && r.v.k === "tensor") {
    if (op === "@=") {
      l = toLogical(w, l, left);
      r = toLogical(w, r, right);
    } else [l, r] = meet(w, l, left, r, right);
    if (l.text !== left.text && left.type === "identifier") {
      // the target itself changes layout: `out = out.transpose(...) + y`
      w.replaceStatement(a.parent!, `${left.text} = ${l.text} ${op.slice(0, -1)} ${paren(r.text)}`);
      w.env.set(left.text, l.v);
      return;
    }
  }
  // a number accumulating tensors (`out = 0`, then `out += conv(x)` in a loop): from here a tensor, defined by this
  // statement as `out = out + conv(x)` would be, which the join with the number decides to hold in torch's layout
  if (left.type === "identifier" && l.v.k === "num" && r.v.k === "tensor" && op !== "@=") {
    const def = `${left.text}@${a.parent!.startIndex}`;
    const decided = w.decisions.get(def);
    if (decided && !samePerm(decided.perm, r.v.t.perm)) r = convert(w, r, right, decided.perm, r.v.t.rank ?? decided.rank);
    w.overwrite(right, r.text);
    w.env.set(left.text, withDef(r.v as Extract<Val, { k: "tensor" }>, def));
    return;
  }
  // a tuple or list grown in place: what is added takes the layout its items are held in
  // (an operand c2m does not see as a list, added to one, is one of tensors: a tensor of known rank is not)
  if (l.v.k === "list" && op === "+=" && (r.v.k === "list" || r.v.k === "other" || (r.v.k === "tensor" && unknownRank(r.v.t)))) {
    r = growList(w, l.v, r, right);
    if (left.type === "identifier") w.env.set(left.text, r.v);
  }
  w.overwrite(right, r.text);
  // (a target the meet converted is no longer one: its text is then kept as written)
  if (left.type === "attribute" || left.type === "subscript") rewriteTarget(w, left, l.text);
  if (left.type === "identifier" && l.v.k === "tensor") w.env.set(left.text, l.v);
}
