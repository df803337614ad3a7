/**
 * sequential-layouts: a Sequential whose items disagree on layout — a conv (channels-last) beside a module that
 * keeps torch's layout at its boundary (torchvision's SqueezeExcitation and Permute, another file's classes), often
 * built in a loop so that which item sits where is known only at run time. MLX's Sequential runs its items as
 * they are, so the call goes through the `c2m_sequential` helper (cookbook/helpers/c2m_sequential.py), which moves
 * the value between channels-last and torch's layout before each item that needs the other. Layers say what they
 * take by their class; a translated class of this file whose forward takes or returns channels-last says so with
 * a `c2m_layout` class attribute, emitted from its signature; any other module takes torch's layout.
 */
import { channelsLast, isIdentity, samePerm, type TensorType } from "../ir/tensor.js";
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ForwardSignature, ModuleIR, ModVal } from "../ir/module.js";
import type { LayoutDecision, Val } from "./walk/types.js";

/** Channels-last (true), torch's layout (false), or neither (a permuted value: undefined). */
export function isChannelsLast(t: TensorType | undefined): boolean | undefined {
  if (!t || isIdentity(t.perm)) return false;
  if (samePerm(t.perm, channelsLast(t.perm!.length))) return true;
  return undefined;
}

/** The `c2m_layout` a class declares for the helper: (takes channels-last, returns channels-last), if its signature says. */
export function layoutDeclaration(sig: ForwardSignature): string | undefined {
  const takes = isChannelsLast(sig.params[0]);
  const result = Array.isArray(sig.result) ? undefined : sig.result;
  const gives = isChannelsLast(result);
  if (takes === undefined || gives === undefined) return undefined;
  const py = (b: boolean) => (b ? "True" : "False");
  return `c2m_layout = (${py(takes)}, ${py(gives)})`;
}

/**
 * This file's module classes a module value may hold, through Sequentials, lists and unions, and into this file's
 * Sequential subclasses (`itemsOf`: a class's own items when it is one, with no forward), not into other classes.
 */
export function classesAmong(v: ModVal, itemsOf: (name: string) => ModVal | undefined, seen = new Set<string>()): string[] {
  const among = (vs: ModVal[]) => [...new Set(vs.flatMap((x) => classesAmong(x, itemsOf, seen)))];
  switch (v.k) {
    case "class": {
      if (v.ext || seen.has(v.name)) return [];
      seen.add(v.name);
      const items = itemsOf(v.name);
      return items ? among([items]) : [v.name];
    }
    case "seq":
    case "list":
      return among([...(v.items ?? []), ...(v.elem ? [v.elem] : [])]);
    case "dict":
      return among([...(v.entries?.values() ?? []), ...(v.elem ? [v.elem] : [])]);
    case "union":
      return among(v.options);
    default:
      return [];
  }
}

/** Where each declaring class gets its `c2m_layout` line (before its first statement after a docstring), and the text. */
export function layoutDeclarationEdits(mod: ModuleIR, names: Iterable<string>, signatures: Map<string, ForwardSignature>): [number, string][] {
  const edits: [number, string][] = [];
  for (const name of names) {
    const cls = mod.classes.get(name);
    const sig = signatures.get(name);
    const decl = sig && layoutDeclaration(sig);
    if (!cls || !decl) continue;
    const stmts = namedChildren(cls.node.childForFieldName("body")!).filter((n) => n.type !== "comment");
    const docstring = stmts[0]?.type === "expression_statement" && namedChildren(stmts[0])[0]?.type === "string";
    const at = stmts[docstring ? 1 : 0];
    if (at) edits.push([at.startIndex, `${decl}\n\n${" ".repeat(at.startPosition.column)}`]);
  }
  return edits;
}

/**
 * Layout decisions made while trying each option of a union (one of several modules, chosen at run time) are the
 * options' wishes: a conv option asks for its input channels-last where it is defined, which a Linear option
 * (timm's Mlp: `partial(nn.Conv2d, kernel_size=1) if use_conv else nn.Linear`) given rank-3 tokens cannot take.
 * Where the options disagree even on the value as decided, the walk goes back to the decisions it had before.
 */
export function restoreDecisions<T>(decisions: Map<string, T>, before: Map<string, T>): void {
  decisions.clear();
  for (const [k, v] of before) decisions.set(k, v);
}

/** A value as the next round gives it, where trying the options decided a new layout for its definition (else itself). */
export function valueAsDecided<G extends { v: Val; text: string }>(g: G, decisions: Map<string, LayoutDecision>, before: Map<string, LayoutDecision>): G {
  if (g.v.k !== "tensor" || !g.v.def || before.has(g.v.def)) return g;
  const d = decisions.get(g.v.def);
  if (!d) return g;
  return { ...g, v: { ...g.v, t: { ...g.v.t, rank: g.v.t.rank ?? d.rank, perm: d.perm } } };
}

/**
 * A call of one of several modules that disagree on layout runs through `c2m_sequential` (as a Sequential of one:
 * the helper asks the module held at run time what it takes) when the call passes x first and positionally, and no
 * `*args` splat: x, then any others in torch's layout (diffusers' `conv_norm_out(sample, latent_embeds)`), keywords
 * and a `**kwargs` splat passed on as written (CoAtNet's PreNorm: `self.fn(self.norm(x), **kwargs)`).
 */
export function callsPositionally(call: SyntaxNode): boolean {
  const args = namedChildren(call.childForFieldName("arguments")!);
  const positional = (a: SyntaxNode) => a.type !== "keyword_argument" && a.type !== "list_splat" && a.type !== "dictionary_splat";
  return args.length >= 1 && positional(args[0]) && args.every((a) => a.type !== "list_splat");
}
