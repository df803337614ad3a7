/**
 * A module tested for truth. torch's Module defines neither __bool__ nor __len__, so `if self.act:` holds for any
 * module; MLX's Module is a dict of its parameters and children, so the same test fails for a module that holds
 * none (an activation, Identity, a pooling, a dropout), and `if self.act: x = self.act(x)` would skip the activation
 * without a word. A condition that reads an attribute holding one module (or None, the usual alternative) is
 * written `X is not None`, torch's answer for it. Containers (nn.Sequential, nn.ModuleList, nn.ModuleDict) define
 * __len__ in torch: their tests are left as written.
 */
import type { SyntaxNode } from "../../grammar/python.js";
import type { ModVal } from "../../ir/module.js";
import { rebuild } from "./source-text.js";
import type { Val } from "./types.js";
import { expr } from "./expressions.js";
import type { WalkState } from "./state.js";

/** The text of `c`, read for its truth (an `if`/`elif`/`while` condition, a conditional expression's test). */
export function conditionText(w: WalkState, c: SyntaxNode): string {
  if (c.type === "not_operator") {
    const arg = c.childForFieldName("argument")!;
    return rebuild(c, new Map([[arg, conditionText(w, arg)]]));
  }
  if (c.type === "boolean_operator" || c.type === "parenthesized_expression") {
    // `a and b` in a condition is read for its truth only: each operand is
    const parts = c.type === "boolean_operator" ? [c.childForFieldName("left")!, c.childForFieldName("right")!] : c.namedChildren.filter((n) => n.type !== "comment");
    if (parts.length && parts.every(Boolean)) return rebuild(c, new Map(parts.map((p) => [p, conditionText(w, p)])));
  }
  const g = expr(w, c);
  return heldModule(g.v) ? `${g.text} is not None` : g.text;
}

function heldModule(v: Val): boolean {
  return v.k === "module" && oneModuleOrNone(v.m) === "module";
}

/** "module" when `m` is one module, or one of several modules and plain values (None); "no" otherwise. */
function oneModuleOrNone(m: ModVal): "module" | "value" | "no" {
  switch (m.k) {
    case "layer":
    case "class":
    case "anyclass":
      return "module";
    case "value":
      return m.tensor ? "no" : "value";
    case "union": {
      const kinds = m.options.map(oneModuleOrNone);
      return kinds.includes("module") && !kinds.includes("no") ? "module" : "no";
    }
    default:
      return "no";
  }
}
