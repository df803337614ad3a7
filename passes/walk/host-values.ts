/**
 * Host (numpy) values: torch's `t.detach().cpu().numpy()` is translated to `np.array(t)`, a numpy array, and torch
 * code goes on to use it beside tensors (TimesNet: `top_list = torch.topk(f, k)[1].cpu().numpy()`, then
 * `period = x.shape[1] // top_list` and `xf.mean(-1)[:, top_list]`). torch takes a numpy array or scalar anywhere a
 * tensor or an int goes; MLX does not: an mx.array indexed by a numpy array raises, `a.reshape(np.int64(2), -1)`
 * raises, and `numpy_array * mx_array` is computed by numpy (a numpy array, not an mx.array). The walk marks the
 * value `host` where .numpy() makes it; arithmetic with Python numbers and indexing keep the mark; where a host
 * value meets MLX (an op's argument, the index of an mx.array, an operand beside one) it goes through
 * c2m_from_numpy: a numpy array becomes an mx.array, a numpy scalar a Python one.
 *
 * Reads: the walk's values. Writes: the wrapped text, the helper.
 */
import type { WalkState } from "./state.js";
import type { Gen, TranslateContext, Val } from "./types.js";
import { runToFixpoint } from "./fixpoint.js";

export const FROM_NUMPY_HELPER = "c2m_from_numpy";

/** A numpy value (the port's form of torch's .numpy()), as the walk tracks it. */
export const isHost = (v: Val): boolean => v.k === "tensor" && v.host === true;

/** The value made an MLX one where it is a host value; unchanged otherwise. */
export function fromHost(w: WalkState, g: Gen): Gen {
  if (!isHost(g.v) || g.v.k !== "tensor") return g;
  w.ctx.helpers.add(FROM_NUMPY_HELPER);
  const { host: _host, ...t } = g.v;
  return { v: t, text: `${FROM_NUMPY_HELPER}(${g.text})` };
}

/** A host value of the same type as `v` (a numpy array's slice, item or arithmetic with Python numbers). */
export function hostVal(v: Val): Val {
  return v.k === "tensor" ? { ...v, host: true } : v;
}

/**
 * What a call of module-level function `name` gives where it returns numpy values: its returns, from a walk of it
 * as it is translated (taking and returning torch's layout; the walk cache reuses it), once per file.
 */
export function hostReturnOf(ctx: TranslateContext, name: string): Val | undefined {
  const memo = (ctx.hostReturns ??= new Map());
  if (memo.has(name)) return memo.get(name);
  const fn = ctx.mod.functions.get(name);
  if (!fn || fn.type !== "function_definition") return undefined;
  memo.set(name, undefined); // a recursive function reads no answer of its own
  const w = runToFixpoint(ctx, fn, undefined, { boundary: ctx.layout === "torch" });
  const host = hostReturn(w.returns);
  memo.set(name, host);
  return host;
}

/**
 * What a function's returns say about numpy values, for its callers (a call of a function of the file is otherwise
 * opaque): a host value, or a tuple whose host items are known (the others unknown); undefined where no return
 * holds one or the returns disagree.
 */
export function hostReturn(returns: Val[]): Val | undefined {
  const shapes = returns.map(hostShape);
  if (!shapes.length || shapes.some((s) => s !== shapes[0]) || !shapes[0].includes("h")) return undefined;
  const first = returns[0];
  if (first.k === "list" && first.items) return { k: "list", items: first.items.map((v) => (isHost(v) ? v : { k: "other" })) };
  return first;
}

const hostShape = (v: Val): string => (isHost(v) ? "h" : v.k === "list" && v.items ? `(${v.items.map((i) => (isHost(i) ? "h" : "-")).join("")})` : "-");
