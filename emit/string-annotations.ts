/**
 * String annotations (`model: "torch.nn.Module | None"`, `-> "torch.dtype"`) are forward references: Python
 * does not evaluate them on import, but pyflakes and `typing.get_type_hints` read the names in them. The
 * translator rewrites real annotations; this rewrites the torch names inside string ones by the same table
 * (passes/tables TORCH_NAMES: `torch.Tensor` → `mx.array`; a layer, `torch.nn.Conv1d` → `nn.Conv1d`), so that the
 * output's annotations name MLX.
 * A torch name the table lacks stays as written (the verifier reports it).
 */
import type MagicString from "magic-string";
import type { SyntaxNode } from "../grammar/python.js";
import { LAYER_BY_NAME, TORCH_NAMES } from "../passes/tables/index.js";

/** typing's generic names: a string inside their subscript (`Union[np.ndarray, "torch.Tensor"]`) is a type, as pyflakes reads it */
const GENERICS = /(?:^|\.)(Union|Optional|List|Tuple|Dict|Type|Sequence|Iterable|Iterator|Mapping|Callable|Set|FrozenSet|Annotated|list|tuple|dict|type|set)$/;

/** Whether a string is a type written as a string: inside an annotation, or inside a typing generic's subscript. */
export function isTypeString(str: SyntaxNode): boolean {
  for (let n = str.parent; n; n = n.parent) {
    if (n.type === "type") return true;
    if (n.type === "subscript") return GENERICS.test(n.childForFieldName("value")?.text ?? "");
    if (!["binary_operator", "parenthesized_expression", "list", "tuple", "expression_list", "subscript"].includes(n.type)) return false;
  }
  return false;
}

/** A torch layer class whose MLX row builds an `mlx.nn` class of its own (`torch.nn.Conv1d` → `nn.Conv1d`), not a helper. */
function mlxLayerClass(q: string): string | undefined {
  const row = LAYER_BY_NAME.get(q);
  return row ? /^nn\.\w+(?=\()/.exec(row.mlx)?.[0] : undefined;
}

/** Rewrites the torch names of every string annotation of `root`; `aliases` maps a local name to its full torch name. */
export function translateStringAnnotations(s: MagicString, root: SyntaxNode, aliases: ReadonlyMap<string, string>): void {
  for (const str of root.descendantsOfType("string")) {
    if (!isTypeString(str)) continue;
    const parts = str.namedChildren;
    const content = parts.find((c) => c.type === "string_content");
    // a plain string: no interpolation, one content piece
    if (!content || parts.some((c) => c.type === "interpolation") || parts.filter((c) => c.type === "string_content").length !== 1) continue;
    const text = content.text.replace(/(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/g, (name) => {
      const dot = name.indexOf(".");
      const head = aliases.get(dot < 0 ? name : name.slice(0, dot));
      const full = head && (head === "torch" || head.startsWith("torch.")) ? head + (dot < 0 ? "" : name.slice(dot)) : undefined;
      return (full && (TORCH_NAMES[full] ?? mlxLayerClass(full))) || name;
    });
    if (text === content.text) continue;
    try {
      s.overwrite(content.startIndex, content.endIndex, text);
    } catch {
      // inside an edit of the translator's: leave it
    }
  }
}
