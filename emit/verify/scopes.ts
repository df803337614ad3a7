/**
 * Name resolution over the emitted module, the way CPython binds names: module, class, function, lambda and
 * comprehension scopes; parameters, assignment and loop targets, `with … as`, `except … as`, walrus, match
 * captures, imports, `def`/`class`, `global`/`nonlocal`. A class body's names are not seen from the
 * functions inside it. Binding is flow-insensitive (a name bound anywhere in its scope counts), so a name
 * this reports is bound nowhere it could come from: a NameError whenever that line runs. A star import
 * makes its module's unbound names unknowable; they are not reported.
 */
import type { SyntaxNode } from "../../grammar/python.js";

type ScopeKind = "module" | "class" | "function" | "comprehension";

export class Scope {
  readonly bindings = new Set<string>();
  readonly globals = new Set<string>();
  /** a `from x import *` in it */
  open = false;
  constructor(
    readonly kind: ScopeKind,
    readonly parent: Scope | undefined,
    readonly node: SyntaxNode,
  ) {}
}

export interface ScopeAnalysis {
  module: Scope;
  /** the scope each function, class, lambda and comprehension node opens */
  scopes: Map<SyntaxNode, Scope>;
  /** every identifier read, with the scope it is read in */
  loads: { node: SyntaxNode; scope: Scope }[];
  /** import statements, in order, with the scope they bind in */
  imports: { node: SyntaxNode; scope: Scope }[];
}

const COMPREHENSIONS = new Set(["list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"]);
const TARGET_GROUPS = new Set([
  "pattern_list",
  "tuple_pattern",
  "list_pattern",
  "tuple",
  "list",
  "parenthesized_expression",
  "expression_list",
  "list_splat_pattern",
  "list_splat",
  "as_pattern_target",
]);
/** names a module has without binding them */
export const MODULE_DUNDERS = new Set(["__file__", "__name__", "__doc__", "__path__", "__package__", "__spec__", "__loader__", "__builtins__", "__annotations__", "__dict__"]);

/** per module root: its analysis, made once (the emitter's read of its output and the verifier share one tree) */
const analyses = new WeakMap<SyntaxNode, ScopeAnalysis>();

/** The scopes of a module (made once per tree, shared: read it, never change it). */
export function analyzeScopes(root: SyntaxNode): ScopeAnalysis {
  let a = analyses.get(root);
  if (!a) analyses.set(root, (a = analyze(root)));
  return a;
}

function analyze(root: SyntaxNode): ScopeAnalysis {
  const module = new Scope("module", undefined, root);
  const a: ScopeAnalysis = { module, scopes: new Map([[root, module]]), loads: [], imports: [] };

  const bind = (scope: Scope, name: string) => {
    if (scope.globals.has(name)) module.bindings.add(name);
    else scope.bindings.add(name);
  };
  const bindTarget = (n: SyntaxNode, scope: Scope): void => {
    if (n.type === "identifier") bind(scope, n.text);
    else if (TARGET_GROUPS.has(n.type)) for (const c of n.namedNonComment) bindTarget(c, scope);
    else visit(n, scope);
  };
  /** where a walrus binds: the nearest scope that is not a comprehension */
  const walrusScope = (scope: Scope) => {
    let s = scope;
    while (s.kind === "comprehension" && s.parent) s = s.parent;
    return s;
  };
  const params = (list: SyntaxNode | null, outer: Scope, inner: Scope) => {
    for (const p of list?.namedNonComment ?? []) {
      switch (p.type) {
        case "identifier":
          bind(inner, p.text);
          break;
        case "default_parameter":
        case "typed_default_parameter": {
          bindTarget(p.childForFieldName("name")!, inner);
          const type = p.childForFieldName("type");
          if (type) visit(type, outer);
          visit(p.childForFieldName("value")!, outer);
          break;
        }
        case "typed_parameter": {
          for (const c of p.namedNonComment) {
            if (c.type === "type") visit(c, outer);
            else if (c.type === "identifier") bind(inner, c.text);
            else for (const id of c.namedNonComment) if (id.type === "identifier") bind(inner, id.text);
          }
          break;
        }
        case "list_splat_pattern":
        case "dictionary_splat_pattern":
          for (const id of p.namedNonComment) if (id.type === "identifier") bind(inner, id.text);
          break;
        case "tuple_pattern":
          bindTarget(p, inner);
          break;
      }
    }
  };

  const visit = (n: SyntaxNode, scope: Scope): void => {
    switch (n.type) {
      case "identifier":
        a.loads.push({ node: n, scope });
        return;
      case "comment":
      case "string_content":
      case "escape_sequence":
        return;
      case "attribute":
        visit(n.childForFieldName("object")!, scope);
        return;
      case "keyword_argument":
        visit(n.childForFieldName("value")!, scope);
        return;
      case "decorated_definition":
        for (const c of n.namedNonComment) visit(c, scope);
        return;
      case "function_definition": {
        bind(scope, n.childForFieldName("name")!.text);
        const inner = new Scope("function", scope, n);
        a.scopes.set(n, inner);
        params(n.childForFieldName("parameters"), scope, inner);
        const ret = n.childForFieldName("return_type");
        if (ret) visit(ret, scope);
        visit(n.childForFieldName("body")!, inner);
        return;
      }
      case "lambda": {
        const inner = new Scope("function", scope, n);
        a.scopes.set(n, inner);
        params(n.childForFieldName("parameters"), scope, inner);
        visit(n.childForFieldName("body")!, inner);
        return;
      }
      case "class_definition": {
        bind(scope, n.childForFieldName("name")!.text);
        const sup = n.childForFieldName("superclasses");
        if (sup) visit(sup, scope);
        const inner = new Scope("class", scope, n);
        a.scopes.set(n, inner);
        visit(n.childForFieldName("body")!, inner);
        return;
      }
      case "global_statement":
      case "nonlocal_statement":
        for (const id of n.namedNonComment) {
          if (id.type !== "identifier") continue;
          if (n.type === "global_statement") {
            scope.globals.add(id.text);
            module.bindings.add(id.text);
          } else scope.bindings.add(id.text);
        }
        return;
      case "import_statement":
      case "import_from_statement":
      case "future_import_statement":
        a.imports.push({ node: n, scope });
        bindImport(n, scope, bind);
        return;
      case "assignment": {
        bindTarget(n.childForFieldName("left")!, scope);
        const type = n.childForFieldName("type");
        if (type) visit(type, scope);
        const right = n.childForFieldName("right");
        if (right) visit(right, scope);
        return;
      }
      case "augmented_assignment":
        // `x += 1` reads x first; bound in this scope all the same
        bindTarget(n.childForFieldName("left")!, scope);
        visit(n.childForFieldName("left")!, scope);
        visit(n.childForFieldName("right")!, scope);
        return;
      case "for_statement":
        bindTarget(n.childForFieldName("left")!, scope);
        for (const c of n.namedNonComment) if (c !== n.childForFieldName("left")) visit(c, scope);
        return;
      case "named_expression":
        bind(walrusScope(scope), n.childForFieldName("name")!.text);
        visit(n.childForFieldName("value")!, scope);
        return;
      case "as_pattern": {
        // `with f() as x`, `except E as e`, `case P as x`
        for (const c of n.namedNonComment) {
          if (c.type === "as_pattern_target") bindTarget(c, scope);
          else if (c === n.childForFieldName("alias")) bindTarget(c, scope);
          else visit(c, scope);
        }
        return;
      }
      case "except_clause": {
        // tree-sitter 0.23: `except E as e` is an as_pattern, older grammars put the name after `as`
        const kids = n.children;
        for (let i = 0; i < kids.length; i++) {
          const c = kids[i];
          if (c.type === "identifier" && kids[i - 1]?.type === "as") bind(scope, c.text);
          else if (c.isNamed) visit(c, scope);
        }
        return;
      }
      case "case_pattern":
      case "dotted_name":
        // match captures bind; dotted value patterns read their first name
        if (n.type === "dotted_name" || n.parent?.type === "case_clause") {
          bindCapture(n, scope, bind, (x) => visit(x, scope));
          return;
        }
        break;
    }
    if (COMPREHENSIONS.has(n.type)) {
      const inner = new Scope("comprehension", scope, n);
      a.scopes.set(n, inner);
      // the first iterable is read outside; every clause's targets bind inside
      let first = true;
      for (const c of n.namedNonComment) {
        if (c.type === "for_in_clause") {
          bindTarget(c.childForFieldName("left")!, inner);
          visit(c.childForFieldName("right")!, first ? scope : inner);
          first = false;
        }
      }
      for (const c of n.namedNonComment) if (c.type !== "for_in_clause") visit(c, inner);
      return;
    }
    for (const c of n.namedNonComment) visit(c, scope);
  };
  for (const c of root.namedNonComment) visit(c, module);
  return a;
}

function bindImport(n: SyntaxNode, scope: Scope, bind: (s: Scope, name: string) => void): void {
  if (n.type === "import_statement") {
    for (const c of n.namedNonComment) {
      if (c.type === "aliased_import") bind(scope, c.childForFieldName("alias")!.text);
      else if (c.type === "dotted_name") bind(scope, c.namedNonComment[0].text);
    }
    return;
  }
  if (n.type === "future_import_statement") return;
  const moduleName = n.childForFieldName("module_name");
  for (const c of n.namedNonComment) {
    if (c === moduleName) continue;
    if (c.type === "wildcard_import") scope.open = true;
    else if (c.type === "aliased_import") bind(scope, c.childForFieldName("alias")!.text);
    else if (c.type === "dotted_name") bind(scope, c.namedNonComment[c.namedNonComment.length - 1].text);
  }
}

/** In a match pattern, a bare name captures (binds) and a dotted name reads its first part. */
function bindCapture(n: SyntaxNode, scope: Scope, bind: (s: Scope, name: string) => void, visit: (n: SyntaxNode) => void): void {
  if (n.type === "dotted_name") {
    const parts = n.namedNonComment;
    if (parts.length === 1 && n.parent?.type === "case_pattern") {
      if (parts[0].text !== "_") bind(scope, parts[0].text);
    } else if (parts[0]) visit(parts[0]);
    return;
  }
  for (const c of n.namedNonComment) {
    if (c.type === "dotted_name" || c.type === "case_pattern") bindCapture(c, scope, bind, visit);
    else if (c.type === "identifier") bind(scope, c.text);
    else visit(c);
  }
}

/**
 * Whether `name`, read in `scope`, is bound anywhere it could come from (builtins excluded). `unbound`: module
 * bindings to count as absent (the analysis is shared, so they are not deleted from it).
 */
export function resolves(scope: Scope, name: string, unbound?: { has(name: string): boolean }): boolean {
  let s: Scope | undefined = scope;
  let first = true;
  while (s) {
    if (s.kind === "module") return (s.bindings.has(name) && !unbound?.has(name)) || s.open || MODULE_DUNDERS.has(name);
    if (first && s.globals.has(name)) return s.parent ? resolves(rootOf(s), name, unbound) : false;
    // a class body's names are seen only from the class body itself
    if ((first || s.kind !== "class") && s.bindings.has(name)) return true;
    if (s.kind === "class" && first && (name === "__qualname__" || name === "__module__")) return true;
    if (s.kind === "function" && name === "__class__") return true;
    first = false;
    s = s.parent;
  }
  return false;
}

/** Whether a read of `name` in `scope` is looked up in the module (no function, lambda or comprehension around it binds it, nor the class body it is read in). */
export function readsModule(scope: Scope, name: string): boolean {
  let first = true;
  for (let s: Scope | undefined = scope; s && s.kind !== "module"; s = s.parent) {
    if (first && s.globals.has(name)) return true;
    if ((first || s.kind !== "class") && s.bindings.has(name)) return false;
    first = false;
  }
  return true;
}

function rootOf(s: Scope): Scope {
  let r = s;
  while (r.parent) r = r.parent;
  return r;
}
