/**
 * `*args` and `**kwargs` in calls of torch ops and layers. torch layers and timm pass their factory
 * keywords around as a dict (`dd = {"device": device, "dtype": dtype}`, `factory_kwargs`) and splat it
 * into every constructor and factory (`nn.Linear(a, b, **dd)`, `torch.zeros(n, **dd)`). A splat is never
 * an argument in a parameter's place: this module separates the splats so the translator can bind the
 * rest, and says what each splat means for the MLX call.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { OpMapping } from "../ir/tables.js";
import { stringValue } from "./module-tree.js";

/** torch's tensor-factory keywords: only `dtype` means anything to MLX (unified memory, no autograd flags). */
export const FACTORY_KEYWORDS: ReadonlySet<string> = new Set(["device", "dtype", "layout", "requires_grad", "pin_memory", "memory_format"]);

/**
 * The keys of `{"device": device, "dtype": dtype}` or `dict(device=device, dtype=dtype)` when every key
 * is a factory keyword; undefined for any other value.
 */
export function factoryDictKeys(node: SyntaxNode): string[] | undefined {
  let keys: (string | undefined)[];
  if (node.type === "dictionary") {
    const pairs = namedChildren(node);
    if (pairs.some((p) => p.type !== "pair")) return undefined;
    keys = pairs.map((p) => {
      const k = p.childForFieldName("key");
      return k?.type === "string" ? stringValue(k) : undefined;
    });
  } else if (node.type === "call" && node.childForFieldName("function")?.text === "dict") {
    const args = namedChildren(node.childForFieldName("arguments")!);
    if (args.some((a) => a.type !== "keyword_argument")) return undefined;
    keys = args.map((a) => a.childForFieldName("name")!.text);
  } else return undefined;
  if (!keys.length || keys.some((k) => k === undefined || !FACTORY_KEYWORDS.has(k))) return undefined;
  return keys as string[];
}

export interface SplitCall {
  /** positional arguments, `*xs` splats kept in their place (they bind to a varargs parameter or nowhere) */
  positional: SyntaxNode[];
  /** `**kw` splats, in order */
  dictSplats: SyntaxNode[];
}

export function splitDictSplats(positional: SyntaxNode[]): SplitCall {
  return { positional: positional.filter((a) => a.type !== "dictionary_splat"), dictSplats: positional.filter((a) => a.type === "dictionary_splat") };
}

/** The expression a splat unpacks (`**dd` → `dd`). */
export function splatted(splat: SyntaxNode): SyntaxNode {
  return namedChildren(splat)[0];
}

/** A `*xs` splat that binds to no varargs parameter: no torch parameter can be named for it. */
export function unboundListSplat(positional: SyntaxNode[], byName: Map<string, SyntaxNode | SyntaxNode[]>): SyntaxNode | undefined {
  const inVarargs = new Set([...byName.values()].filter(Array.isArray).flat());
  return positional.find((a) => a.type === "list_splat" && !inVarargs.has(a));
}

/** `nn.Conv2d(a, b)` + `**kw` → `nn.Conv2d(a, b, **kw)`; undefined when the text is not one call. */
export function appendArgument(callText: string, arg: string): string | undefined {
  if (!/^[\w.]+\(.*\)$/s.test(callText) || closingParen(callText, callText.indexOf("(")) !== callText.length - 1) return undefined;
  const open = callText.indexOf("(");
  const empty = callText.slice(open + 1, -1).trim() === "";
  return `${callText.slice(0, -1)}${empty ? "" : ", "}${arg})`;
}

/** Index of the parenthesis closing the one at `open` (strings are not looked into: arguments are code). */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return i;
  }
  return -1;
}

/**
 * `call(…, **kw)` with `**kw` replaced by `**wrapped`: where the call's text still holds the splat as written
 * (a layer call kept with its arguments), it is replaced in place, else appended (Python takes one `**kw` of a
 * name once: appending beside the original passes each key twice).
 */
export function replaceSplat(callText: string, splat: string, wrapped: string): string | undefined {
  const at = new RegExp(`\\*\\*\\s*${splat.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=\\s*[,)])`).exec(callText);
  if (at) return `${callText.slice(0, at.index)}**${wrapped}${callText.slice(at.index + at[0].length)}`;
  return appendArgument(callText, `**${wrapped}`);
}

/**
 * `x.transpose(*self.dims)` (PatchTST's Transpose module): a `*xs` splat, last of the positional arguments, that stands
 * for every parameter left, all of them required, written side by side in the row's template: the row with those
 * parameters as one varargs parameter, the template passing the splat on as it is (`{x}.swapaxes(*self.dims)`).
 * Undefined when that is not the case (a defaulted parameter the splat may or may not fill, parameters used apart), or
 * when they are axes of an op that renumbers them for a channels-last input (only a "logical" op takes torch's order).
 */
export function spreadRow(row: OpMapping, positional: SyntaxNode[], keywords: ReadonlySet<string>, splat: SyntaxNode): OpMapping | undefined {
  const at = positional.indexOf(splat);
  if (at !== positional.length - 1) return undefined;
  const sig = row.sig.filter((p) => !keywords.has(p.replace(/=.*$/, "")));
  if (sig.length <= at || sig.slice(0, at).some((p) => p.startsWith("*"))) return undefined;
  const rest = sig.slice(at);
  if (rest.some((p) => p.includes("=") || p.startsWith("*"))) return undefined;
  if (row.layout !== "logical" && rest.some((p) => row.axes?.includes(p))) return undefined;
  const run = rest.map((p) => `{${p}}`).join(", ");
  if (!row.mlx.includes(run)) return undefined;
  const given = row.sig.filter((p) => keywords.has(p.replace(/=.*$/, "")));
  return { ...row, sig: [...sig.slice(0, at), `*${rest[0]}`, ...given], mlx: row.mlx.replace(run, `{*${rest[0]}}`), axes: row.axes?.filter((a) => !rest.includes(a)) };
}
