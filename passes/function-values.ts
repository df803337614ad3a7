/**
 * A torch function used as a value (`F.relu` stored in a dict, `act_fn = F.hardsigmoid`): what MLX callable
 * stands for it. A row whose template calls one MLX function with the input alone gives that function; a
 * row whose template is an expression of the input alone (`nn.relu6({input} + 3) / 6`) gives a lambda
 * taking torch's parameters, when the only other parameter is `inplace` (whose value does not change the
 * result a caller gets back). Anything else has no stand-in: undefined.
 */
import type { OpMapping } from "../ir/tables.js";

export function functionReference(op: OpMapping): string | undefined {
  const direct = /^([\w.]+)\(\{(\w+)\}(?:\[[^\]]*\])*\)$/.exec(op.mlx);
  if (direct) return direct[1];
  const [first, ...rest] = op.sig.map((p) => p.split("=")[0].replace(/^\*+/, ""));
  if (!first || rest.some((p) => p !== "inplace")) return undefined;
  // the template may name the input only, and has no optional parts
  if (/\[|\{@/.test(op.mlx) || [...op.mlx.matchAll(/\{([^}]*)\}/g)].some((m) => m[1] !== first)) return undefined;
  const params = [first, ...rest.map((p) => `${p}=False`)].join(", ");
  return `(lambda ${params}: ${op.mlx.replaceAll(`{${first}}`, first)})`;
}
