/**
 * Helpers of the table rows' templates that op and layer calls render (passes/template-render.ts): the
 * arguments' texts by parameter, a signature's defaults, the MLX class a layer row names.
 */
import type { SyntaxNode } from "../../grammar/python.js";
import type { LayerMapping } from "../../ir/tables.js";
import type { SigParam } from "../template-render.js";
import type { Gen, TranslateContext } from "./types.js";

export function textsOf(byName: Map<string, SyntaxNode | SyntaxNode[]>, texts: Map<SyntaxNode, string>, keywordOf?: Map<SyntaxNode, string>): Map<string, string | string[]> {
  const out = new Map<string, string | string[]>();
  // an argument a `**name` parameter collected keeps its keyword
  const text = (x: SyntaxNode) => (keywordOf?.has(x) ? `${keywordOf.get(x)}=` : "") + (texts.get(x) ?? x.text);
  for (const [k, n] of byName) out.set(k, Array.isArray(n) ? n.map(text) : text(n));
  return out;
}

/** Default values by parameter name (cached per parsed signature, which parseSig keeps for the process). */
const sigDefaults = new WeakMap<SigParam[], Map<string, string>>();

export function defaultsOf(params: SigParam[]): Map<string, string> {
  let d = sigDefaults.get(params);
  if (!d) sigDefaults.set(params, (d = new Map(params.filter((p) => p.default !== undefined).map((p) => [p.name, p.default!]))));
  return d;
}

/** `nn.Conv2d` for `isinstance(m, nn.Conv2d)` and `norm_layer = nn.BatchNorm2d`: the callee of the row's template. */
export function layerClassName(row: LayerMapping, ctx: TranslateContext): string {
  const helper = /^\{@(\w+)\}/.exec(row.mlx);
  if (helper) {
    ctx.helpers.add(helper[1]);
    return helper[1];
  }
  const m = /^([\w.]+)\(/.exec(row.mlx);
  return m ? m[1] : row.mlx;
}

/** Whether a varargs parameter got one argument the walk typed as a list or tuple. */
export function isListArgument(arg: SyntaxNode | SyntaxNode[] | undefined, gens: Map<SyntaxNode, Gen>): boolean {
  return Array.isArray(arg) && arg.length === 1 && gens.get(arg[0])?.v.k === "list";
}
