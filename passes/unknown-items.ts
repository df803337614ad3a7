/**
 * unknown-items: a container whose modules c2m cannot see. timm's EfficientNet builds its stages with
 * `nn.Sequential(*builder(stem_size, block_args))`, where `builder` is an EfficientNetBuilder decoding string
 * architecture definitions: the module tree cannot tell what the call returns, so no static rule can know the blocks'
 * keys, their nested Sequentials' `layers.` names or their conv layouts. The emitted program builds the same modules at
 * run time, and each knows its own layout: the container is marked `atRunTime`, the weight map gives everything under
 * it a `runtime` rule (passes/weights.ts), and the model's load_weights resolves those keys against the built modules
 * (cookbook/helpers/c2m_runtime_weights.py; a key whose module is no layer c2m knows is an error there).
 * C2M-W023 at the construction says so.
 *
 * Reads: the value the module tree computed for the container. Writes: the mark, and the diagnostics, reported once
 * the module tree has settled (a round that does not know a parameter's call sites yet must not report what a later
 * round knows).
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import type { ModVal, ModuleIR } from "../ir/module.js";
import { paramNames } from "./module-values.js";

/** Per file, the containers of the current round whose items are unknown, with their message. */
const pending = new WeakMap<ModuleIR, Map<SyntaxNode, string>>();

/** Whether a container's items are known to be nothing c2m can name: no item known, and its element a plain or unknown value. */
function itemsUnknown(v: ModVal): boolean {
  if (v.k !== "seq" && v.k !== "list") return false;
  return v.items === null && (v.elem === undefined || v.elem.k === "value" || v.elem.k === "unknown");
}

/**
 * Whether a container is given, item by item, modules some of which come from calls c2m cannot follow (perceiver's
 * `nn.ModuleList([get_cross_attn(**cache_args), get_cross_ff(**cache_args), self_attns])`, its blocks built by lambdas
 * memoised through a closure): no static rule knows those items' keys either.
 */
function someItemsFromUnknownCalls(v: ModVal, call: SyntaxNode): boolean {
  if ((v.k !== "seq" && v.k !== "list") || !v.items || (v.k === "seq" && (v.named || v.names))) return false;
  const args = call.childForFieldName("arguments");
  const given = args?.namedChildren.length === 1 && args.namedChildren[0].type === "list" ? args.namedChildren[0].namedChildren : args?.namedChildren;
  if (!given || given.length !== v.items.length) return false;
  // a plain value given to a container of modules is a module all the same, one c2m did not follow; a call of a parameter
  // (mlp-mixer's `dense(dim, hidden)`) is what its callers pass, which the module tree follows from their sites
  const params = new Set(enclosingParams(call));
  const opaque = (n: SyntaxNode) => n.type === "call" && !params.has(n.childForFieldName("function")!.text);
  return v.items.some((item, i) => (item.k === "unknown" || item.k === "value") && opaque(given[i]));
}

/** The parameter names of the function a node sits in. */
function enclosingParams(node: SyntaxNode): string[] {
  let fn: SyntaxNode | null = node.parent;
  while (fn && fn.type !== "function_definition") fn = fn.parent;
  return fn ? paramNames(fn) : [];
}

/** Marks `nn.Sequential(…)`/`nn.ModuleList(…)` at `call` built at run time when what it holds is unknown; notes it for the file compiled (`diags` set). */
export function noteUnknownItems(mod: ModuleIR, diags: DiagnosticBag | undefined, call: SyntaxNode, v: ModVal): ModVal {
  if (v.k !== "seq" && v.k !== "list") return v;
  if (!(itemsUnknown(v) && fromCall(call)) && !someItemsFromUnknownCalls(v, call)) return v;
  if (diags) {
    const round = pending.get(mod) ?? pending.set(mod, new Map()).get(mod)!;
    const text = call.text.length > 80 ? `${call.text.slice(0, 77)}...` : call.text;
    round.set(
      call,
      `${text.replace(/\s+/g, " ")}: c2m cannot tell what modules it holds (they come from a call it cannot follow); their torch weights are resolved against the built modules when the model loads them`,
    );
  }
  return { ...v, atRunTime: true };
}

/**
 * Whether the container is given a call's result as it stands (`nn.Sequential(*builder(…))`, `nn.ModuleList(f(…))`):
 * the construct c2m could not follow is that call. Items built one by one (`[block(c) for …]` with `block` a parameter
 * no call site fills) are diagnosed where they are built (C2M-W015).
 */
function fromCall(call: SyntaxNode): boolean {
  const args = call.childForFieldName("arguments");
  return !!args && args.namedChildren.some((a) => (a.type === "list_splat" ? a.namedChildren[0] : a)?.type === "call");
}

/** Starts a round of the module tree's interpretation: what an earlier round noted is forgotten. */
export function startRound(mod: ModuleIR): void {
  pending.get(mod)?.clear();
}

/** Reports what the last round noted. */
export function reportUnknownItems(mod: ModuleIR, diags: DiagnosticBag | undefined): void {
  for (const [call, message] of pending.get(mod) ?? []) diags?.report("C2M-W023", call.startPosition, message);
  pending.delete(mod);
}
