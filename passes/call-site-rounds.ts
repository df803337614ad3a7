/**
 * call-site-rounds: when the module tree's rounds of interpretation may stop. What a caller passes reaches the class it
 * builds one round later, so a chain of constructions needs a round per link: timm's `resnetv2_18()` hands
 * `conv_layer=create_conv2d` to ResNetV2 (through `build_model_with_cfg`), which hands it to ResNetStage, which hands it
 * to each PreActBasic. The rounds go on until the values recorded at construction sites stop changing (or a cap), and
 * the last round, the one whose findings are reported, runs on settled values.
 */
import type { ModVal } from "../ir/module.js";

/** class name → __init__ parameter → values passed for it at construction sites seen so far */
export type CallSites = Map<string, Map<string, ModVal[]>>;

/** Rounds before the last may stop early (callers first, then the classes they build). */
export const MIN_ROUNDS = 3;
/** A chain deeper than this keeps what the last round saw. */
export const MAX_ROUNDS = 8;

/** A text that is equal for two rounds' call sites when they record the same values. */
export function callSitesKey(sites: CallSites): string {
  const parts: string[] = [];
  for (const [cls, params] of sites) for (const [p, vs] of params) parts.push(`${cls}.${p}=${vs.map((v) => valueKey(v, 0)).join("|")}`);
  return parts.sort().join(";");
}

function valueKey(v: ModVal, depth: number): string {
  if (depth > 6) return "...";
  const key = (o: ModVal) => valueKey(o, depth + 1);
  switch (v.k) {
    case "class":
    case "classref":
      return `${v.k}:${v.name}@${v.ext?.mod.file ?? ""}`;
    case "layer":
      return `layer:${v.row.torch}@${v.call.startIndex}`;
    case "layerref":
      return `layerref:${v.row.torch}`;
    case "union":
      return `U(${v.options.map(key).join(",")})`;
    case "seq":
    case "list":
      return `${v.k}[${(v.items ?? []).map(key).join(",")}|${v.elem ? key(v.elem) : ""}]`;
    case "dict":
      return `dict{${[...(v.entries ?? [])].map(([k, o]) => `${k}:${key(o)}`).join(",")}|${v.elem ? key(v.elem) : ""}}`;
    case "const":
      return `const:${v.text}`;
    case "fn":
      return `fn:${v.name}`;
    case "lambda":
      return `lambda@${v.mod.file}:${v.node.startIndex}`;
    case "value":
      return `value${v.callable ? "()" : ""}${v.def ? `@${v.def.mod.file}:${v.def.node.startIndex}` : ""}`;
    default:
      return v.k;
  }
}
