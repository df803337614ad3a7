/**
 * Layer construction in the function-body walk: `nn.Conv2d(...)` and the other torch layers with a row in the
 * layer table become MLX's layer (or a helper with torch's arguments), their arguments checked against the row.
 */
import { callArgs, nodeKey, type SyntaxNode } from "../../grammar/python.js";
import type { LayerMapping } from "../../ir/tables.js";
import { bindArgs, minimalCall, parseSig, renderTemplate, type SigParam } from "../template-render.js";
import { factoryDictKeys, replaceSplat, FACTORY_KEYWORDS, splatted, splitDictSplats, unboundListSplat } from "../call-splats.js";
import { allowedArgument, templateFor } from "../tables/layers.js";
import { mlxConstructorParams } from "../tables/index.js";
import { defaultsOf, layerClassName, textsOf } from "./call-templates.js";
import type { Gen } from "./types.js";
import type { WalkState } from "./state.js";
import { opaqueCall } from "./calls.js";
import { TORCH_LAYOUT_HELPERS } from "./module-calls.js";
import { expr } from "./expressions.js";

export function layerConstruction(w: WalkState, e: SyntaxNode, tableRow: LayerMapping): Gen {
  const { positional, dictSplats } = splitDictSplats(callArgs(e).positional);
  const args = { positional, keyword: callArgs(e).keyword };
  const params = parseSig(tableRow.sig);
  const texts = new Map<SyntaxNode, string>();
  for (const a of [...args.positional, ...args.keyword.values()]) texts.set(a, expr(w, a).text);
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
    w.diag("C2M-W030", listSplat, `${listSplat.text} cannot be matched to ${row.torch.split(".").pop()}'s parameters; MLX's may differ`);
    return opaqueCall(w, e, new Map([[e.childForFieldName("function")!, mlxCallee ?? layerClassName(row, w.ctx)]]));
  }
  const layer = layerCall(w, e, row, args, params, texts, bound);
  return dictSplats.length ? withLayerKwargs(w, layer, dictSplats, row) : layer;
}

/**
 * `**kw` splats of a layer construction: a dict of torch factory keywords means nothing to an MLX layer
 * and goes; any other dict is passed on without those keywords, and reported (its keys are not checked).
 */
function withLayerKwargs(w: WalkState, layer: Gen, splats: SyntaxNode[], row: LayerMapping): Gen {
  let text = layer.text;
  for (const s of splats) {
    const dict = splatted(s);
    if (dict.type === "identifier" && w.factoryDicts.has(dict.text)) continue;
    const keys = factoryDictKeys(dict);
    if (keys) continue;
    w.diag("C2M-W031", s, `keyword arguments in ${s.text} reach MLX's ${row.torch.split(".").pop()} unchecked (torch's device and dtype are dropped)`);
    const appended = replaceSplat(text, dict.text, `c2m_layer_kwargs(${expr(w, dict).text})`);
    if (!appended) continue;
    w.ctx.helpers.add("c2m_layer_kwargs");
    text = appended;
  }
  return { v: layer.v, text };
}

function layerCall(
  w: WalkState,
  e: SyntaxNode,
  row: LayerMapping,
  args: { positional: SyntaxNode[]; keyword: Map<string, SyntaxNode> },
  params: SigParam[],
  texts: Map<SyntaxNode, string>,
  bound: ReturnType<typeof bindArgs<SyntaxNode>>,
): Gen {
  // torch's factory keywords mean nothing to an MLX layer: no device, and the dtype comes with the loaded weights
  for (const k of bound.unknown) if (!FACTORY_KEYWORDS.has(k)) w.diag("C2M-W003", e, `${row.torch.split(".").pop()} has no argument ${k}`);
  for (const [param, allowed] of Object.entries(row.allowed ?? {})) {
    const given = bound.byName.get(param);
    if (given && !Array.isArray(given) && !allowedArgument(given.text, allowed)) {
      w.diag("C2M-W003", given, `${row.torch.split(".").pop()}(${param}=${given.text}) is not supported by MLX`);
    }
  }
  const chw = w.ctx.chwFlatten.has(nodeKey(e));
  const template = chw ? "FlattenCHW({start_dim=1}, {end_dim=-1})" : row.mlx;
  if (chw) w.ctx.helpers.add("FlattenCHW");
  // prefer the call as written, when MLX takes its arguments the same way
  const keptArgs = minimalCall(
    template,
    params,
    args.positional.map((n) => ({ text: texts.get(n)! })),
    new Map([...args.keyword].map(([k, n]) => [k, { text: texts.get(n)! }])),
    mlxConstructorParams(/^([\w.]+)\(/.exec(template)?.[1] ?? ""),
  );
  w.record(row.helpers?.length || /^\{@/.test(row.mlx) ? "helper" : "table", row.torch, e);
  if (w.ctx.torchLayoutLayers.has(nodeKey(e))) {
    const helper = TORCH_LAYOUT_HELPERS[row.torch];
    w.ctx.helpers.add(helper);
    const mlxCallee = /^([\w.]+)\(/.exec(template)?.[1];
    if (keptArgs && mlxCallee) return { v: { k: "other" }, text: `${helper}(${keptArgs.args.join(", ")})` };
  }
  if (keptArgs && !(row as { scalarize?: string[] }).scalarize?.length) {
    for (const h of [...keptArgs.helpers, ...(row.helpers ?? [])]) w.ctx.helpers.add(h);
    return { v: layerInstance(row, e), text: `${keptArgs.callee}(${keptArgs.args.join(", ")})` };
  }
  const r = renderTemplate(template, { given: textsOf(bound.byName, texts, bound.keywordOf), defaults: defaultsOf(params) });
  if (!r.ok) {
    w.diag("C2M-W003", e, `${row.torch} needs argument ${r.missing}`);
    return { v: { k: "other" }, text: e.text };
  }
  for (const h of [...r.helpers, ...(row.helpers ?? [])]) w.ctx.helpers.add(h);
  return { v: layerInstance(row, e), text: r.text };
}

/**
 * What a layer built in a function body is: a channels-last layer without weights (`pad = nn.ConstantPad1d(...)` in CANINE's forward)
 * is a module whose calls take and give channels-last values, as a layer of the module tree's; any other stays opaque.
 */
function layerInstance(row: LayerMapping, e: SyntaxNode): Gen["v"] {
  // (one holding weights keeps its arrays as MLX holds them where code reads them: `fan_in(conv.weight)`)
  return row.layout === "channels_last" && !row.weights?.length ? { k: "module", m: { k: "layer", row, call: e } } : { k: "other" };
}
