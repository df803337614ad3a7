/**
 * A torch function used as a value (`F.relu` stored in a dict, `act_fn = F.hardsigmoid`): what MLX callable
 * stands for it. A row whose template calls one MLX function with the input alone gives that function; a
 * row whose template is an expression of the input alone (`nn.relu6({input} + 3) / 6`) gives a lambda
 * taking torch's parameters, when the only other parameter is `inplace` (whose value does not change the
 * result a caller gets back). Anything else has no stand-in: undefined.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { OpMapping } from "../ir/tables.js";
import { qualify } from "./resolve-imports.js";
import { LAYER_BY_NAME, OP_BY_NAME } from "./tables/index.js";

export function functionReference(op: OpMapping, calledHere = false): string | undefined {
  const direct = /^([\w.]+)\(\{(\w+)\}(?:\[[^\]]*\])*\)$/.exec(op.mlx);
  if (direct) return direct[1];
  // a helper written with torch's signature (`{@ops_gelu}({input}[, approximate={approximate}])`): the helper
  // itself stands for the function (`functools.partial(F.gelu, approximate="tanh")`)
  const helper = /^\{@(\w+)\}\(\{\w+\}((?:\[, \w+=\{\w+\}\])*)\)$/.exec(op.mlx);
  if (helper) return [...helper[2].matchAll(/\[, (\w+)=\{(\w+)\}\]/g)].every((p) => p[1] === p[2]) ? helper[1] : undefined;
  const [first, ...rest] = op.sig.map((p) => p.split("=")[0].replace(/^\*+/, ""));
  if (!first) return undefined;
  // called where it is named, the call's own translation failed (a diagnostic says why): no stand-in to call
  if (rest.some((p) => p !== "inplace")) return calledHere ? undefined : signatureLambda(op);
  // the template may name the input only, and has no optional parts
  if (/\[|\{@/.test(op.mlx) || [...op.mlx.matchAll(/\{([^}]*)\}/g)].some((m) => m[1] !== first)) return undefined;
  const params = [first, ...rest.map((p) => `${p}=False`)].join(", ");
  return `(lambda ${params}: ${op.mlx.replaceAll(`{${first}}`, first)})`;
}

/**
 * A row of several parameters whose template is one expression of them all (`mx.stack({tensors}, axis={dim=0})`,
 * encodec's `map(torch.stack, (losses, indices))`): a lambda with torch's signature, so a caller passing `dim`
 * by name or by position gets what torch's function gives. A placeholder's own default (`{dim=0}`) is the
 * lambda's, as the template renders it where the argument is absent. Undefined for templates with helpers,
 * varargs, optional parts other than a method or keyword on one argument, or a parameter the template drops
 * (other than `inplace` and torch's private `_` ones).
 */
function signatureLambda(op: OpMapping): string | undefined {
  if (/\{@/.test(op.mlx) || op.sig.some((p) => p.startsWith("*"))) return undefined;
  // optional pieces a lambda can decide at run time: a method applied where the argument is given
  // (`{input}[.astype({dtype})]`), a keyword passed where it is given (`[, axis={dim}]`)
  let body = op.mlx.replace(/\{(\w+)\}\[\.(\w+)\(\{(\w+)\}\)\]/g, (_, x: string, m: string, p: string) => `({${x}} if {${p}} is None else {${x}}.${m}({${p}}))`);
  body = body.replace(/\[, (\w+)=\{(\w+)\}\]/g, (_, k: string, p: string) => `, **({} if {${p}} is None else {"${k}": {${p}}})`);
  if (/\[[^\]]*\{/.test(body)) return undefined;
  const names = op.sig.map((p) => p.split("=")[0]);
  const placeholders = new Map([...body.matchAll(/\{(\w+)(?:=([^}]*))?\}/g)].map((m) => [m[1], m[2]] as const));
  if ([...placeholders.keys()].some((p) => !names.includes(p))) return undefined;
  // a parameter the template drops for calls is dropped here too, where it changes nothing (torch's `_stacklevel`)
  if (names.some((n) => !placeholders.has(n) && n !== "inplace" && !n.startsWith("_"))) return undefined;
  const params = op.sig.map((p, i) => {
    const own = placeholders.get(names[i]);
    return own !== undefined ? `${names[i]}=${own}` : names[i] === "inplace" ? "inplace=False" : p;
  });
  // a parameter without a default after one with a default is no Python signature
  if (params.some((p, i) => !p.includes("=") && params.slice(0, i).some((q) => q.includes("=")))) return undefined;
  return `(lambda ${params.join(", ")}: ${body.replace(/\{(\w+)(?:=[^}]*)?\}/g, (_, n: string) => n)})`;
}

/**
 * Whether identifier `name` (used in `stmt`) is a parameter of the function around `stmt` that the function
 * has not rebound before `stmt` (an in-place update of it is the caller's array too).
 */
export function isParameterOf(stmt: SyntaxNode, name: SyntaxNode): boolean {
  if (name.type !== "identifier") return false;
  let fn: SyntaxNode | null = stmt.parent;
  while (fn && fn.type !== "function_definition") fn = fn.parent;
  if (!fn) return false;
  const params = fn.childForFieldName("parameters");
  const declared = (params ? namedChildren(params) : []).some((p) => (p.type === "identifier" ? p : (p.childForFieldName("name") ?? namedChildren(p)[0]))?.text === name.text);
  if (!declared) return false;
  // rebound before this statement (`x = x.clone()`): the local is no longer the caller's array
  const body = fn.childForFieldName("body")!;
  const rebinds = (n: SyntaxNode): boolean => {
    if (n.startIndex >= stmt.startIndex) return false;
    if (n.type === "assignment" || n.type === "augmented_assignment") {
      const left = n.childForFieldName("left");
      if (left?.type === "identifier" && left.text === name.text) return true;
    }
    return namedChildren(n).some(rebinds);
  };
  return !rebinds(body);
}

/**
 * The attributes the class stores only torch functions under, never a module (DETR's `self.activation = F.relu`):
 * every assignment to `self.<name>` in the class's body names an op-table function. One scan of the class, which the
 * module tree records (`ClassIR.torchFunctionAttrs`) for the walk's calls of untyped self attributes.
 */
export function torchFunctionAttributes(cls: SyntaxNode, aliases: Map<string, string>): Set<string> {
  const verdicts = new Map<string, boolean>();
  for (const a of cls.descendantsOfType("assignment")) {
    const left = a.childForFieldName("left");
    if (left?.type !== "attribute" || left.childForFieldName("object")?.text !== "self") continue;
    const name = left.childForFieldName("attribute")!.text;
    const right = a.childForFieldName("right");
    verdicts.set(name, verdicts.get(name) !== false && !!right && isTorchFunction(right, aliases));
  }
  return new Set([...verdicts].filter(([, only]) => only).map(([name]) => name));
}

/** A name of a torch function the op table maps (not a layer class). */
function isTorchFunction(value: SyntaxNode, aliases: Map<string, string>): boolean {
  const q = value.type === "identifier" || value.type === "attribute" ? qualify(value, aliases) : undefined;
  return !!q && OP_BY_NAME.has(q) && !LAYER_BY_NAME.has(q);
}
