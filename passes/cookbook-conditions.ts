/**
 * cookbook-conditions: a rule's `where` clauses (`$x is int`, `$k in [1, 3]`, `$p == 0`) checked against the
 * bindings of a match; literals are read from the CST, nothing is evaluated.
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { Condition, Literal } from "../grammar/rule-patterns.js";
import { stripParens, type Binding, type Env } from "./cookbook-matcher.js";

function literalValue(n: SyntaxNode): Literal | undefined {
  n = stripParens(n);
  switch (n.type) {
    case "integer":
    case "float":
      return Number(n.text.replace(/_/g, ""));
    case "unary_operator": {
      // one sign on a number literal (deeper chains are not literals a rule needs)
      const inner = stripParens(n.namedChildren[0]);
      if (inner.type !== "integer" && inner.type !== "float") return undefined;
      const v = Number(inner.text.replace(/_/g, ""));
      const op = n.child(0)?.text;
      return op === "-" ? -v : op === "+" ? v : undefined;
    }
    case "string": {
      const m = /^[rRbBuU]*("""|'''|"|')([\s\S]*)\1$/.exec(n.text);
      return m ? m[2] : undefined;
    }
    case "true":
      return true;
    case "false":
      return false;
    case "none":
      return null;
    default:
      return undefined;
  }
}

const ARITHMETIC = new Set([
  "identifier",
  "attribute",
  "integer",
  "float",
  "binary_operator",
  "unary_operator",
  "comparison_operator",
  "parenthesized_expression",
  "boolean_operator",
  "not_operator",
  "true",
  "false",
  "none",
]);

/** Only names, attributes, numbers and operators: text that means the same in MLX as in torch. */
function isArithmetic(root: SyntaxNode): boolean {
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === "comment") continue;
    if (!ARITHMETIC.has(n.type)) return false;
    stack.push(...n.namedChildren);
  }
  return true;
}

function hasType(b: Binding, type: string): boolean {
  if (Array.isArray(b)) return false;
  const n = stripParens(b);
  const v = literalValue(n);
  switch (type) {
    case "int":
      return typeof v === "number" && /^-?\+?\d[\d_]*$/.test(n.text.replace(/\s/g, ""));
    case "float":
      return typeof v === "number" && !/^-?\+?\d[\d_]*$/.test(n.text.replace(/\s/g, ""));
    case "number":
      return typeof v === "number";
    case "string":
      return n.type === "string" || n.type === "concatenated_string";
    case "bool":
      return typeof v === "boolean";
    case "none":
      return v === null;
    case "literal":
      return v !== undefined;
    case "name":
      return n.type === "identifier";
    case "attribute":
      return n.type === "attribute";
    case "call":
      return n.type === "call";
    case "arithmetic":
      return isArithmetic(n);
    default:
      return false;
  }
}

export function holds(c: Condition, env: Env): boolean {
  const b = env.get(c.metavar);
  if (b === undefined) return false;
  if (c.kind === "is") return hasType(b, c.type) !== c.negate;
  const v = Array.isArray(b) ? undefined : literalValue(b);
  if (v === undefined) return false;
  if (c.kind === "in") return c.values.some((x) => x === v) !== c.negate;
  switch (c.op) {
    case "==":
      return v === c.value;
    case "!=":
      return v !== c.value;
    default: {
      if (typeof v !== "number" || typeof c.value !== "number") return false;
      return c.op === "<" ? v < c.value : c.op === "<=" ? v <= c.value : c.op === ">" ? v > c.value : v >= c.value;
    }
  }
}
