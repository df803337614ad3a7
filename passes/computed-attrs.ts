/**
 * computed-attrs: a module attribute read in forward by a name computed at run time — `getattr(self, f"layer{i}")`,
 * `self.__getattr__('level_%d' % i)` — the constructor having stored it with setattr under a name of the same form
 * (pytorch-cifar's DLA, torchvision-style `layer{i}` stages). What the read may give is every attribute of the class
 * whose name fits the name's constant parts, and what the class stores under names c2m could not compute
 * (UNNAMED_ATTR): their union is the callee, so the call is a module call with the callee's layouts. It was an
 * unknown callee given torch's layout, while the stored module (a conv) takes channels-last: silently wrong.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ClassIR, ModVal } from "../ir/module.js";
import { UNNAMED_ATTR } from "./module-attrs.js";
import { union } from "./module-values.js";

/** What stores no module: such attributes are never the callee. */
const NOT_MODULES = new Set(["value", "const", "param", "buffer", "unknown"]);

/** The module a `getattr(self, name)` / `self.__getattr__(name)` call reads, when the class holds modules that fit. */
export function computedSelfAttribute(call: SyntaxNode, cls: ClassIR | undefined): ModVal | undefined {
  if (!cls || call.type !== "call") return undefined;
  const fn = call.childForFieldName("function")!;
  const args = namedChildren(call.childForFieldName("arguments")!);
  let name: SyntaxNode | undefined;
  if (fn.type === "identifier" && fn.text === "getattr" && args.length === 2 && args[0].text === "self") name = args[1];
  else if (fn.type === "attribute" && fn.childForFieldName("object")?.text === "self" && fn.childForFieldName("attribute")?.text === "__getattr__" && args.length === 1)
    name = args[0];
  const pattern = name && namePattern(name);
  if (!pattern) return undefined;
  const found: ModVal[] = [];
  for (const [attr, v] of cls.attrs) if (!NOT_MODULES.has(v.k) && (attr === UNNAMED_ATTR || pattern.test(attr))) found.push(v);
  return found.length ? union(found) : undefined;
}

/** The names an expression may evaluate to, as a pattern: its constant text with `.+` for what is computed. */
function namePattern(e: SyntaxNode): RegExp | undefined {
  const parts = pieces(e);
  if (!parts || !parts.some((p) => p !== undefined)) return undefined;
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${parts.map((p) => (p === undefined ? ".+" : escape(p))).join("")}$`);
}

/** Constant text (a string) and computed pieces (undefined) of a name: f-strings, `'x_%d' % i`, `'x' + str(i)`. */
function pieces(e: SyntaxNode): (string | undefined)[] | undefined {
  if (e.type === "parenthesized_expression") return pieces(namedChildren(e)[0]);
  if (e.type === "string") {
    const out: (string | undefined)[] = [];
    for (const part of namedChildren(e)) {
      if (part.type === "string_content") out.push(part.text);
      else if (part.type === "interpolation") out.push(undefined);
    }
    return out.length ? out : [""];
  }
  if (e.type === "binary_operator") {
    const op = e.childForFieldName("operator")!.text;
    const [left, right] = [e.childForFieldName("left")!, e.childForFieldName("right")!];
    if (op === "%" && left.type === "string")
      return pieces(left)?.flatMap((p) => (p === undefined ? [undefined] : p.split(/%[-+ #0]*\d*(?:\.\d+)?[sdirfx]/).flatMap((s, i) => (i ? [undefined, s] : [s]))));
    if (op === "+") {
      const [l, r] = [pieces(left) ?? [undefined], pieces(right) ?? [undefined]];
      return [...l, ...r];
    }
  }
  return undefined;
}
