/**
 * Torch names with no MLX translation, where Python evaluates them on import: a module-level statement, a
 * class body, a base class, a decorator, a default argument. Left as written they make the whole emitted
 * module fail to import (`NameError: torch`), which sinks every model of a package that merely imports the
 * file (timm's `activations_me.py` defines `torch.autograd.Function` subclasses no model uses by default).
 * Such a name becomes `Untranslated("torch.x.y")` (cookbook/helpers/Untranslated.py): the module imports,
 * a use of the name raises, and the site carries an error diagnostic (C2M-E050), so nothing is silent.
 * Inside a function body the name is left as written: it runs only when called (the output checker
 * reports it there).
 */
import type { SyntaxNode } from "../grammar/python.js";

/** Whether Python evaluates `node` when the module is imported (not deferred to a call of a function or lambda). */
export function evaluatedOnImport(node: SyntaxNode): boolean {
  let child = node;
  for (let n = node.parent; n; child = n, n = n.parent) {
    if (n.type === "lambda") return false;
    if (n.type === "function_definition" && n.childForFieldName("body") === child) return false;
    // comprehensions at module level run on import too; generator expressions run when iterated, but a
    // placeholder there is harmless
  }
  return true;
}

/** Whether `node` is (inside) a type annotation (a parameter's, a return's, a variable's). */
export function inAnnotation(node: SyntaxNode): boolean {
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    if (n.type === "type") return true;
    if (n.type === "block" || n.type === "module" || n.type === "call" || n.type === "lambda") return false;
  }
  return false;
}

/** Whether `node` is (inside) a decorator's expression. */
function inDecorator(node: SyntaxNode): boolean {
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    if (n.type === "decorator") return true;
    if (n.type === "block" || n.type === "module") return false;
  }
  return false;
}

/** The output for an untranslatable torch name `q` evaluated on import. */
export function untranslatedValue(q: string, node: SyntaxNode): string {
  const text = `Untranslated(${JSON.stringify(q)})`;
  // a decorator applied on import must not raise: the decorated name becomes the placeholder
  const decorator = node.parent?.type === "decorator" || (inDecorator(node) && node.parent?.type === "call" && node.parent.parent?.type === "decorator");
  return decorator ? `${text}.as_decorator` : text;
}

export const UNTRANSLATED_HELPER = "Untranslated";

/**
 * `local = Untranslated("q")` with its marker: a name an import bound that has no translation (one line each,
 * after the helpers). `code` is the marker's code; one other than C2M-E050 (a name read only at run time,
 * ./runtime-placeholders.ts) is passed to the placeholder too, for the error it raises to name.
 */
export const placeholderBinding = (local: string, q: string, message: string, code = "C2M-E050"): string =>
  `${local} = Untranslated(${JSON.stringify(q)}${code === "C2M-E050" ? "" : `, ${JSON.stringify(code)}`})  # c2m: ${code} ${message}`;

export const untranslatedMessage = (q: string): string => `${q} has no MLX translation and is evaluated on import: bound to Untranslated(...), which raises when used`;

const PLACEHOLDER = /\bUntranslated\("/;

/** Whether translated text holds a placeholder somewhere. */
export const containsPlaceholder = (text: string): boolean => PLACEHOLDER.test(text);

/** Whether translated text is one placeholder and nothing else. */
export const isPlaceholder = (text: string): boolean => /^Untranslated\("(?:[^"\\]|\\.)*"\)(\.as_decorator)?$/.test(text);

/** An input expression as a one-line name for its placeholder. */
export function compactSource(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

/**
 * Whether `value` reads a name that is bound to a placeholder on import (`fp8_dtype = Untranslated(...)` then
 * `fp8_max = mx.finfo(fp8_dtype).max` in the same class body): computing it on import would raise.
 */
export function readsPlaceholderName(value: SyntaxNode, names: ReadonlySet<string>): boolean {
  if (!names.size) return false;
  return [value, ...value.descendantsOfType("identifier")].some((n) => {
    if (n.type !== "identifier" || !names.has(n.text)) return false;
    const p = n.parent;
    if (p?.type === "attribute" && p.childForFieldName("attribute") === n) return false;
    if (p?.type === "keyword_argument" && p.childForFieldName("name") === n) return false;
    // held, not used: an item of a list, tuple, set or dict built on import (`dict(frozen=FrozenBatchNorm2d)`)
    if (heldInContainer(n)) return false;
    return !inDeferredScope(n, value);
  });
}

/** Whether `node` sits in a lambda or comprehension-free deferred body below `top` (not run when `top` is evaluated). */
function inDeferredScope(node: SyntaxNode, top: SyntaxNode): boolean {
  for (let n = node.parent; n && n !== top; n = n.parent) if (n.type === "lambda") return true;
  return false;
}

/** Whether `name` is only an item of a container literal or of a dict(...) call: building the container does not use it. */
function heldInContainer(name: SyntaxNode): boolean {
  const p = name.parent;
  if (!p) return false;
  if (p.type === "list" || p.type === "tuple" || p.type === "set" || (p.type === "pair" && p.childForFieldName("value") === name)) return true;
  if (p.type !== "keyword_argument" || p.childForFieldName("value") !== name) return false;
  return p.parent?.parent?.type === "call" && p.parent.parent.childForFieldName("function")?.text === "dict";
}
