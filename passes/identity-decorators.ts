/**
 * identity-decorators: a library function that returns the function it is given, unchanged, after noting it
 * somewhere (timm's `register_model` adds a model function to timm's registry; many repositories decorate their
 * model functions with it). Used as a decorator it runs on import, so a placeholder that raises
 * (torch-library-imports.ts) made the whole emitted module fail to import. Read from the library's source (never
 * run): when every `return` of the function gives back its first parameter, the port binds the name to a function
 * that does the same (the registration, a torch library's, is what the port leaves out), with C2M-W025.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ModuleIR } from "../ir/module.js";

export const IDENTITY_DECORATOR_CODE = "C2M-W025";

/** Whether `local`, a name the file imports from a library, is a function returning its first argument as given. */
export function isIdentityDecorator(mod: ModuleIR, local: string): boolean {
  const r = mod.semantic?.resolveName(local);
  if (r?.kind !== "function") return false;
  // a library file is bound from its outline (function bodies left out): the body is read from the whole tree
  const def = namedChildren(r.file.tree?.rootNode ?? r.node)
    .map((n) => (n.type === "decorated_definition" ? n.childForFieldName("definition")! : n))
    .find((n) => n.type === "function_definition" && n.childForFieldName("name")?.text === r.name);
  return !!def && returnsFirstParameter(def);
}

function returnsFirstParameter(fn: SyntaxNode): boolean {
  const def = fn.type === "decorated_definition" ? fn.childForFieldName("definition")! : fn;
  if (def.type !== "function_definition") return false;
  const first = namedChildren(def.childForFieldName("parameters")!)[0];
  const name = first?.type === "identifier" ? first.text : first?.type === "typed_parameter" ? namedChildren(first)[0]?.text : undefined;
  if (!name) return false;
  const returns = ownReturns(def.childForFieldName("body")!);
  return returns.length > 0 && returns.every((r) => namedChildren(r)[0]?.text === name);
}

/** The function's own return statements (not those of functions or classes defined inside it). */
function ownReturns(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const c of namedChildren(node)) {
    if (c.type === "function_definition" || c.type === "class_definition" || c.type === "decorated_definition" || c.type === "lambda") continue;
    if (c.type === "return_statement") out.push(c);
    else out.push(...ownReturns(c));
  }
  return out;
}

export const identityDecoratorMessage = (q: string): string =>
  `${q} returns the function it is given (a registration with the library, left out of the port): bound to a function that returns its argument`;

/** The placeholder line: the name returns what it is given, marked. */
export const identityBinding = (local: string, q: string): string => `${local} = lambda fn, *args, **kwargs: fn  # c2m: ${IDENTITY_DECORATOR_CODE} ${identityDecoratorMessage(q)}`;
