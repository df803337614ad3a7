/**
 * Expressions in the function-body walk: `expr` gives an expression's abstract value and its MLX text. A
 * cookbook rule's or plugin's rewrite wins; otherwise the node's type picks its visitor from EXPRESSION_VISITORS
 * (names, literals, operators, containers, conditionals, comprehensions), and any other node is its children
 * translated in place.
 */
import { evaluatedOnImport } from "../untranslated.js";
import { namedChildren, type SyntaxNode } from "../../grammar/python.js";
import { paren } from "../template-render.js";
import { isIdentity } from "../../ir/tensor.js";
import { identifiers } from "../module-tree.js";
import { targetValues } from "../loop-values.js";
import { LAYER_BY_NAME, OP_BY_NAME, TORCH_NAMES } from "../tables/index.js";
import { functionReference } from "../function-values.js";
import { isTabled, isTorch } from "../resolve-imports.js";
import { rebuild, rebuildOne, rewriteOf } from "./source-text.js";
import type { Gen, Val } from "./types.js";
import { tensorVal } from "./values.js";
import { itemOf } from "./list-growth.js";
import { convert, logicalShape, toLogical } from "./layout-conversion.js";
import { call } from "./calls.js";
import type { WalkState } from "./state.js";
import { attribute, layerValue, torchName, untranslated } from "./attributes.js";
import { binary, comparison, subscript } from "./operators.js";
import { bindLoopModules } from "./control-flow.js";
import { conditionText } from "./truth-tests.js";

/** Whether a local, an import or a definition of the file takes the name (a builtin's name included). */
export function binds(w: WalkState, name: string): boolean {
  const mod = w.ctx.mod;
  return w.env.has(name) || mod.aliases.has(name) || mod.functions.has(name) || mod.classes.has(name) || mod.otherClasses.has(name);
}

export function expr(w: WalkState, e: SyntaxNode): Gen {
  const rewrite = rewriteOf(w.ctx.rewrites, e);
  if (rewrite) {
    for (const h of rewrite.helpers ?? []) w.ctx.helpers.add(h);
    for (const i of rewrite.imports ?? []) w.ctx.imports.add(i);
    w.record("cookbook", rewrite.rule, e);
    const bound = new Map(Object.entries(rewrite.bindings ?? {}).map(([k, n]) => [k, toLogical(w, expr(w, n), n).text] as const));
    // longest names first, so `$xq` is not read as `$x` followed by `q`
    const names = [...bound.keys()].sort((a, b) => b.length - a.length);
    const text = names.length ? rewrite.text.replace(new RegExp(`\\$(${names.join("|")})\\b`, "g"), (_, n: string) => paren(bound.get(n)!)) : rewrite.text;
    return { v: rewrite.value === "other" ? { k: "other" } : tensorVal(), text };
  }
  const visit = EXPRESSION_VISITORS.get(e.type) ?? children;
  return visit(w, e);
}

/** How an expression of one node type is walked: its abstract value and its MLX text. */
type ExpressionVisitor = (w: WalkState, e: SyntaxNode) => Gen;

function name(w: WalkState, e: SyntaxNode): Gen {
  const v = w.env.get(e.text);
  if (v) return { v, text: e.text };
  // a name imported from torch (`from torch import Tensor`): its import line goes, so the name must too
  const q = w.ctx.mod.aliases.get(e.text);
  if (q && q !== e.text && TORCH_NAMES[q]) return torchName(w, q, e);
  const layer = q && q !== e.text ? LAYER_BY_NAME.get(q) : undefined;
  if (layer) return layerValue(w, layer, e);
  if (q && q !== e.text && (q === "torch" || q.startsWith("torch.")) && evaluatedOnImport(e)) return untranslated(w, q, e);
  // an op of another tabled library used as a value (`map(rearrange, …)`): its import went, so the name must too;
  // its helper has the library's signature (passes/tables/einops.ts), so the helper stands for it
  if (q && q !== e.text && !isTorch(q) && isTabled(q)) {
    const op = OP_BY_NAME.get(q);
    const ref = op ? (functionReference(op) ?? op.helpers?.[0]) : undefined;
    if (ref) {
      for (const h of op!.helpers ?? []) w.ctx.helpers.add(h);
      return { v: { k: "other" }, text: ref };
    }
    w.diag("C2M-E038", e, `${q} has no MLX translation`);
  }
  return { v: { k: "other" }, text: e.text };
}

function numberLiteral(_w: WalkState, e: SyntaxNode): Gen {
  return { v: { k: "num" }, text: e.text };
}

function noneLiteral(_w: WalkState, e: SyntaxNode): Gen {
  return { v: { k: "none" }, text: e.text };
}

/** booleans and strings: values the walk does not track */
function otherLiteral(_w: WalkState, e: SyntaxNode): Gen {
  return { v: { k: "other" }, text: e.text };
}

function unary(w: WalkState, e: SyntaxNode): Gen {
  const inner = namedChildren(e)[0];
  const g = expr(w, inner);
  return { v: g.v, text: rebuildOne(e, inner, g.text) };
}

function parenthesized(w: WalkState, e: SyntaxNode): Gen {
  const inner = namedChildren(e)[0];
  if (!inner) return { v: { k: "other" }, text: e.text };
  const g = expr(w, inner);
  return { v: g.v, text: rebuildOne(e, inner, g.text) };
}

/** A list, tuple or bare `a, b`: a list of its items' values. */
function sequence(w: WalkState, e: SyntaxNode): Gen {
  /** what each `*splat` item spreads (its list's value), walked once */
  const splatted = new Map<SyntaxNode, Val>();
  const items = namedChildren(e).map((c) => {
    const shape = splattedShape(w, c);
    if (shape) {
      splatted.set(c, shape.v);
      return [c, { v: { k: "other" }, text: `*${shape.text}` } as Gen] as const;
    }
    const inner = c.type === "list_splat" ? namedChildren(c)[0] : undefined;
    if (!inner) return [c, expr(w, c)] as const;
    const g = expr(w, inner);
    splatted.set(c, g.v);
    return [c, { v: { k: "other" }, text: rebuildOne(c, inner, g.text) } as Gen] as const;
  });
  const text = rebuild(e, new Map(items.map(([c, g]) => [c, g.text])));
  return { v: { k: "list", items: spreadForTargets(e, items, splatted) ?? items.map(([, g]) => g.v) }, text };
}

/**
 * `*fmap.shape` in a tuple (bottleneck-transformer's `heads, b, c, h, w = self.heads, *fmap.shape`), which tree-sitter reads
 * as `(*fmap).shape`: of a channels-last fmap it spreads torch's axis order, as the names it is unpacked into expect.
 */
function splattedShape(w: WalkState, c: SyntaxNode): Gen | undefined {
  const star = c.type === "attribute" && c.childForFieldName("attribute")?.text === "shape" ? c.childForFieldName("object") : undefined;
  const subject = star?.type === "list_splat" ? namedChildren(star)[0] : undefined;
  if (!subject) return undefined;
  const g = expr(w, subject);
  if (g.v.k !== "tensor" || isIdentity(g.v.t.perm)) return undefined;
  return logicalShape({ v: { k: "shape", t: g.v.t }, text: `${paren(g.text)}.shape` });
}

/**
 * `q, k, v = (self.to_q(x), *self.to_kv(x).chunk(2, dim=1))`: a tuple holding one `*splat` of a list whose elements
 * c2m knows but not their count, assigned to n targets, holds the splat's element in each place the splat fills,
 * so each target keeps its layout (vit-pytorch's CvT; the targets were values c2m could not type).
 */
function spreadForTargets(e: SyntaxNode, items: (readonly [SyntaxNode, Gen])[], splatted: Map<SyntaxNode, Val>): Val[] | undefined {
  if (splatted.size !== 1) return undefined;
  const at = e.parent?.type === "parenthesized_expression" ? e.parent : e;
  const assignment = at.parent?.type === "assignment" && at.parent.childForFieldName("right") === at ? at.parent : undefined;
  const left = assignment?.childForFieldName("left");
  const targets = left && (left.type === "pattern_list" || left.type === "tuple_pattern") ? namedChildren(left).length : undefined;
  const list = [...splatted.values()][0];
  if (targets === undefined || list.k !== "list" || list.items || !list.elem || targets < items.length - 1) return undefined;
  return items.flatMap(([c, g]) => (splatted.has(c) ? Array<Val>(targets - items.length + 1).fill(list.elem!) : [g.v]));
}

function conditional(w: WalkState, e: SyntaxNode): Gen {
  const [a, c, b] = namedChildren(e);
  const ga = expr(w, a);
  const gc = { text: conditionText(w, c) };
  let gb = expr(w, b);
  let ga2 = ga;
  if (ga.v.k === "tensor" && gb.v.k === "tensor") gb = convert(w, gb, b, ga.v.t.perm, ga.v.t.rank);
  // `q if cond else None`: a conversion of the whole would run on None; the tensor branch is brought to torch's layout
  else if (ga.v.k === "tensor" && gb.v.k === "none") ga2 = toLogical(w, ga, a);
  else if (gb.v.k === "tensor" && ga.v.k === "none") gb = toLogical(w, gb, b);
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

/** A comprehension binds its targets in a scope of its own: the environment is restored after it. */
function comprehension(w: WalkState, e: SyntaxNode): Gen {
  const saved = new Map(w.env);
  const replaced = new Map<SyntaxNode, string>();
  for (const clause of namedChildren(e)) {
    if (clause.type === "for_in_clause") {
      const right = clause.childForFieldName("right")!;
      const g = expr(w, right);
      replaced.set(right, g.text);
      const left = clause.childForFieldName("left")!;
      const elem = itemOf(w, g.v, right);
      if (left.type === "identifier") w.env.set(left.text, elem);
      else for (const id of identifiers(left)) w.env.set(id, { k: "other" });
      // `[t(x) for i, t in enumerate(self.transition1)]`: what the targets hold, as a for statement's (hrnet)
      for (const [name, v] of targetValues(left, elem)) w.env.set(name, v);
      bindLoopModules(w, left, right, e);
    }
  }
  let v: Val = { k: "other" };
  for (const c of namedChildren(e)) {
    if (c.type === "for_in_clause") continue;
    const g = expr(w, c);
    replaced.set(c, g.text);
    if (c === e.childForFieldName("body")) v = { k: "list", items: null, elem: g.v };
  }
  w.env = saved;
  return { v, text: rebuild(e, replaced) };
}

/**
 * `key: value` of a dict display or comprehension: the walk does not track a dict's items (it is an `other`, whose
 * items are read back as tensors of unknown layout, presumed torch's), so a tensor goes in in torch's layout.
 */
function pair(w: WalkState, e: SyntaxNode): Gen {
  const key = e.childForFieldName("key")!;
  const value = e.childForFieldName("value")!;
  const replaced = new Map([
    [key, expr(w, key).text],
    [value, toLogical(w, expr(w, value), value).text],
  ]);
  return { v: { k: "other" }, text: rebuild(e, replaced) };
}

/** Any other expression: its children translated in place (a whole shape in torch's order: an f-string prints it). */
function children(w: WalkState, e: SyntaxNode): Gen {
  const replaced = new Map<SyntaxNode, string>();
  for (const c of namedChildren(e)) replaced.set(c, logicalShape(expr(w, c)).text);
  return { v: { k: "other" }, text: rebuild(e, replaced) };
}

/** The visitor of each expression node type (tree-sitter-python's names); `children` for any other. */
const EXPRESSION_VISITORS = new Map<string, ExpressionVisitor>([
  ["identifier", name],
  ["integer", numberLiteral],
  ["float", numberLiteral],
  ["none", noneLiteral],
  ["true", otherLiteral],
  ["false", otherLiteral],
  ["string", otherLiteral],
  ["concatenated_string", otherLiteral],
  ["attribute", attribute],
  ["call", call],
  ["subscript", subscript],
  ["binary_operator", binary],
  ["comparison_operator", comparison],
  ["unary_operator", unary],
  ["parenthesized_expression", parenthesized],
  ["list", sequence],
  ["tuple", sequence],
  ["expression_list", sequence],
  ["conditional_expression", conditional],
  ["list_comprehension", comprehension],
  ["generator_expression", comprehension],
  ["set_comprehension", comprehension],
  ["dictionary_comprehension", comprehension],
  ["pair", pair],
]);
