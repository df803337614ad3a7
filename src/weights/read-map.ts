/**
 * Reads the `C2M_WEIGHT_MAPS = {...}` literal from an emitted MLX module without running Python: the
 * file is parsed with tree-sitter and only literals (strings, None, ints, tuples, lists, dicts) are
 * evaluated; anything else in the literal is an error.
 */
import { readSource } from "../io.js";
import { basename } from "node:path";
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import type { WeightMaps, WeightOp, WeightRule } from "../../ir/weights.js";
import { nameTable } from "../../ir/tables.js";

export class WeightMapFileError extends Error {}

export interface WeightMapFile {
  maps: WeightMaps;
  /** the `C2M_TOP_LEVEL = "Net"` string, when the file has one */
  topLevel?: string;
}

/** How many numeric arguments each op takes after the op name. */
const OP_ARITY: Readonly<Record<WeightOp, number>> = nameTable({
  identity: 0,
  drop: 0,
  conv: 0,
  conv_transpose: 0,
  linear_nhwc: 2,
  split: 1,
  sum: 0,
  runtime: 0,
});

type Literal = string | number | null | Literal[] | LiteralDict | LiteralTuple;
class LiteralTuple {
  constructor(readonly items: Literal[]) {}
}
class LiteralDict {
  constructor(readonly entries: [Literal, Literal][]) {}
}

let parser: Parser | undefined;
function parse(source: string): Parser.Tree {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(Python as unknown as Parser.Language);
  }
  return parser.parse(source, undefined, { bufferSize: Math.max(32 * 1024, source.length * 4 + 1024) });
}

export function readWeightMapFile(pyPath: string): WeightMapFile {
  let source: string;
  try {
    source = readSource(pyPath);
  } catch (err) {
    throw new WeightMapFileError(`cannot read the map file ${err instanceof Error ? err.message : pyPath}`);
  }
  return parseWeightMapSource(source, basename(pyPath));
}

export function readWeightMaps(pyPath: string): WeightMaps {
  return readWeightMapFile(pyPath).maps;
}

/** Parses the module text; `file` names it in messages. */
export function parseWeightMapSource(source: string, file: string): WeightMapFile {
  const root = parse(source).rootNode;
  const where = (node: Parser.SyntaxNode) => `${file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
  const fail = (node: Parser.SyntaxNode, message: string): never => {
    throw new WeightMapFileError(`${where(node)}: ${message}`);
  };

  // module-level `NAME = value` assignments; the last one wins, as in Python
  const assigned = new Map<string, Parser.SyntaxNode>();
  for (const stmt of root.namedChildren) {
    if (stmt.type !== "expression_statement") continue;
    const assignment = stmt.namedChildren[0];
    if (assignment?.type !== "assignment") continue;
    const left = assignment.childForFieldName("left");
    const right = assignment.childForFieldName("right");
    if (left?.type === "identifier" && right) assigned.set(left.text, right);
  }

  const mapsNode = assigned.get("C2M_WEIGHT_MAPS");
  if (!mapsNode) throw new WeightMapFileError(`${file} has no module-level C2M_WEIGHT_MAPS = {...} (is it a module c2m emitted?)`);
  if (mapsNode.hasError) fail(mapsNode, "C2M_WEIGHT_MAPS has a syntax error");

  const evaluate = (node: Parser.SyntaxNode): Literal => {
    switch (node.type) {
      case "string":
        return stringValue(node, fail);
      case "concatenated_string":
        return node.namedChildren
          .filter((c) => c.type === "string")
          .map((c) => stringValue(c, fail))
          .join("");
      case "none":
        return null;
      case "integer":
        return integerValue(node, fail);
      case "unary_operator": {
        const operand = node.childForFieldName("argument");
        const op = node.child(0)?.type;
        if (operand?.type === "integer" && (op === "-" || op === "+")) return (op === "-" ? -1 : 1) * integerValue(operand, fail);
        return fail(node, `C2M_WEIGHT_MAPS may hold only literals; '${node.text}' is not one`);
      }
      case "parenthesized_expression":
        return evaluate(named(node)[0]);
      case "tuple":
        return new LiteralTuple(named(node).map(evaluate));
      case "list":
        return named(node).map(evaluate);
      case "dictionary":
        return new LiteralDict(
          named(node).map((pair) => {
            if (pair.type !== "pair") return fail(pair, `C2M_WEIGHT_MAPS may hold only literals; '${pair.text}' is not a key: value pair`);
            return [evaluate(pair.childForFieldName("key")!), evaluate(pair.childForFieldName("value")!)] as [Literal, Literal];
          }),
        );
      default:
        return fail(node, `C2M_WEIGHT_MAPS may hold only literals (strings, None, ints, tuples, lists, dicts); '${shorten(node.text)}' is not one`);
    }
  };

  const value = evaluate(mapsNode);
  if (!(value instanceof LiteralDict)) fail(mapsNode, "C2M_WEIGHT_MAPS must be a dict of class name → list of rules");
  const maps: WeightMaps = nameTable({});
  const ruleNodes = named(mapsNode);
  (value as LiteralDict).entries.forEach(([cls, rules], i) => {
    const pairNode = ruleNodes[i];
    if (typeof cls !== "string") fail(pairNode, "C2M_WEIGHT_MAPS keys must be class names (strings)");
    if (!Array.isArray(rules)) fail(pairNode, `C2M_WEIGHT_MAPS["${String(cls)}"] must be a list of rules`);
    const valueNode = pairNode.childForFieldName("value")!;
    const itemNodes = named(valueNode);
    maps[cls as string] = (rules as Literal[]).map((r, j) => toRule(r, itemNodes[j] ?? valueNode, String(cls), fail));
  });

  const topNode = assigned.get("C2M_TOP_LEVEL");
  let topLevel: string | undefined;
  if (topNode) {
    const top = evaluate(topNode);
    if (typeof top !== "string") fail(topNode, "C2M_TOP_LEVEL must be a string (the top-level class name)");
    topLevel = top as string;
  }
  return { maps, topLevel };
}

function toRule(value: Literal, node: Parser.SyntaxNode, cls: string, fail: (n: Parser.SyntaxNode, m: string) => never): WeightRule {
  const bad = (why: string) => fail(node, `rule in C2M_WEIGHT_MAPS["${cls}"]: ${why}`);
  if (!(value instanceof LiteralTuple)) return bad("expected a tuple (torch pattern(s), mlx pattern(s) or None, op, *args)");
  const [torch, mlx, op, ...args] = value.items;
  const patterns = (v: Literal, what: string): string | string[] => {
    if (typeof v === "string") return v;
    const items = v instanceof LiteralTuple ? v.items : Array.isArray(v) ? v : null;
    if (items && items.length > 0 && items.every((s) => typeof s === "string")) return items as string[];
    return bad(`the ${what} must be a string or a tuple of strings`);
  };
  if (typeof op !== "string" || !(op in OP_ARITY)) return bad(`unknown op ${JSON.stringify(op ?? null)} (known: ${Object.keys(OP_ARITY).join(", ")})`);
  const weightOp = op as WeightOp;
  const arityOk = args.length === OP_ARITY[weightOp] || (weightOp === "linear_nhwc" && args.length === 1);
  if (!arityOk || !args.every((a) => typeof a === "number")) {
    return bad(`'${op}' takes ${OP_ARITY[weightOp]} integer argument(s), got ${args.length}`);
  }
  const rule: WeightRule = {
    torch: patterns(torch, "torch pattern"),
    mlx: mlx === null ? null : patterns(mlx, "MLX pattern"),
    op: weightOp,
  };
  if (rule.mlx === null && weightOp !== "drop" && weightOp !== "runtime") bad(`only 'drop' and 'runtime' may have None as their MLX key`);
  if (weightOp === "split" && !Array.isArray(rule.mlx)) bad("'split' needs a tuple of MLX keys");
  if (weightOp === "sum" && !Array.isArray(rule.torch)) bad("'sum' needs a tuple of torch keys");
  if (args.length > 0) rule.args = args as number[];
  return rule;
}

function named(node: Parser.SyntaxNode): Parser.SyntaxNode[] {
  return node.namedChildren.filter((c) => c.type !== "comment");
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function integerValue(node: Parser.SyntaxNode, fail: (n: Parser.SyntaxNode, m: string) => never): number {
  const text = node.text.replace(/_/g, "").toLowerCase();
  const value = /^0[xob]/.test(text) ? Number(text) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) fail(node, `'${node.text}' is not an integer c2m can read`);
  return value;
}

const SIMPLE_ESCAPES: Record<string, string> = { "\\": "\\", "'": "'", '"': '"', n: "\n", t: "\t", r: "\r", "0": "\0" };

function stringValue(node: Parser.SyntaxNode, fail: (n: Parser.SyntaxNode, m: string) => never): string {
  const start = node.namedChildren.find((c) => c.type === "string_start")?.text ?? node.text.slice(0, 1);
  const prefix = start.replace(/['"]/g, "").toLowerCase();
  if (prefix.includes("f") || prefix.includes("b")) fail(node, `C2M_WEIGHT_MAPS strings must be plain strings, not ${prefix}-strings`);
  const raw = prefix.includes("r");
  let out = "";
  for (const part of node.namedChildren) {
    if (part.type === "interpolation") fail(part, "C2M_WEIGHT_MAPS strings cannot interpolate");
    if (part.type !== "string_content") continue;
    // escape sequences sit inside the content; decode them unless the string is raw
    out += raw ? part.text : part.text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[\s\S]|$)/g, (whole, ch: string) => decodeEscape(whole, ch, part, fail));
  }
  return out;
}

function decodeEscape(whole: string, ch: string, node: Parser.SyntaxNode, fail: (n: Parser.SyntaxNode, m: string) => never): string {
  if (ch in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[ch];
  if (/^[xu][0-9a-fA-F]+$/.test(ch)) return String.fromCharCode(parseInt(ch.slice(1), 16));
  return fail(node, `unsupported escape '${whole}' in a C2M_WEIGHT_MAPS string`);
}

/**
 * The class whose rules to use: the one asked for, else the file's C2M_TOP_LEVEL, else the only one.
 */
export function pickDefaultClass(maps: WeightMaps, requested?: string, topLevel?: string): string {
  const names = Object.keys(maps);
  if (requested !== undefined) {
    if (names.includes(requested)) return requested;
    throw new WeightMapFileError(`the map file has no weight map for class '${requested}' (it has: ${names.join(", ") || "none"})`);
  }
  if (topLevel !== undefined && names.includes(topLevel)) return topLevel;
  if (names.length === 1) return names[0];
  if (names.length === 0) throw new WeightMapFileError("the map file's C2M_WEIGHT_MAPS is empty: no class to convert weights for");
  throw new WeightMapFileError(`the map file has weight maps for several classes (${names.join(", ")}); choose one with --class`);
}
