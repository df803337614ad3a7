/**
 * binder: one walk over a file's module-level statements (into `if`, `try`, `with` bodies, where
 * conditional imports and fallbacks live; never into functions or classes), recording a declaration per
 * bound name. It reads no other file and computes no types: imports stay aliases until resolved.
 */
import { dottedName, namedChildren, type SyntaxNode } from "../../grammar/python.js";
import type { Declaration, FileScope } from "./symbol.js";

const scopes = new WeakMap<SyntaxNode, FileScope>();

/** The module scope of a parsed file (computed once per tree root). */
export function bindFile(root: SyntaxNode): FileScope {
  let scope = scopes.get(root);
  if (!scope) {
    scope = { symbols: new Map(), stars: [], classes: [] };
    bindBlock(root, scope, false);
    scopes.set(root, scope);
  }
  return scope;
}

function declare(scope: FileScope, name: string, d: Declaration): void {
  const list = scope.symbols.get(name);
  if (list) list.push(d);
  else scope.symbols.set(name, [d]);
}

function bindBlock(block: SyntaxNode, scope: FileScope, conditional: boolean): void {
  for (const stmt of namedChildren(block)) bindStatement(stmt, scope, conditional);
}

function bindStatement(stmt: SyntaxNode, scope: FileScope, conditional: boolean): void {
  switch (stmt.type) {
    case "decorated_definition": {
      const def = stmt.childForFieldName("definition");
      if (def) bindStatement(def, scope, conditional);
      return;
    }
    case "class_definition":
      scope.classes.push(stmt);
      declare(scope, stmt.childForFieldName("name")!.text, { kind: "class", node: stmt, conditional });
      return;
    case "function_definition":
      declare(scope, stmt.childForFieldName("name")!.text, { kind: "function", node: stmt, conditional });
      return;
    case "import_statement":
      for (const n of namedChildren(stmt)) {
        if (n.type === "dotted_name") declare(scope, n.text.split(".")[0], { kind: "module", node: stmt, module: n.text.split(".")[0], conditional });
        else if (n.type === "aliased_import") {
          const module = dottedName(n.childForFieldName("name")) ?? n.childForFieldName("name")!.text;
          declare(scope, n.childForFieldName("alias")!.text, { kind: "module", node: stmt, module, conditional });
        }
      }
      return;
    case "import_from_statement": {
      const { module, level } = fromModule(stmt.childForFieldName("module_name")!);
      if (namedChildren(stmt).some((c) => c.type === "wildcard_import")) {
        scope.stars.push({ node: stmt, module, level });
        return;
      }
      for (const n of stmt.childrenForFieldName("name")) {
        if (n.type === "dotted_name") declare(scope, n.text, { kind: "from", node: stmt, module, level, name: n.text, conditional });
        else if (n.type === "aliased_import") {
          declare(scope, n.childForFieldName("alias")!.text, { kind: "from", node: stmt, module, level, name: n.childForFieldName("name")!.text, conditional });
        }
      }
      return;
    }
    case "expression_statement": {
      const e = namedChildren(stmt)[0];
      if (e?.type === "assignment") bindAssignment(e, scope, conditional);
      return;
    }
    case "if_statement":
      bindBlock(stmt.childForFieldName("consequence")!, scope, true);
      for (const alt of stmt.childrenForFieldName("alternative")) {
        const body = alt.childForFieldName("body") ?? alt.childForFieldName("consequence");
        if (body) bindBlock(body, scope, true);
      }
      return;
    case "try_statement":
      for (const part of namedChildren(stmt)) {
        if (part.type === "block") bindBlock(part, scope, true);
        else {
          const body = namedChildren(part).find((c) => c.type === "block");
          if (body) bindBlock(body, scope, true);
        }
      }
      return;
    case "with_statement":
      bindBlock(stmt.childForFieldName("body")!, scope, conditional);
      return;
    default:
      return;
  }
}

function bindAssignment(a: SyntaxNode, scope: FileScope, conditional: boolean): void {
  const left = a.childForFieldName("left")!;
  const right = a.childForFieldName("right") ?? undefined;
  // `a = b = X`: the right side is itself an assignment
  const value = right?.type === "assignment" ? undefined : right;
  if (right?.type === "assignment") bindAssignment(right, scope, conditional);
  if (left.type === "identifier") declare(scope, left.text, { kind: "variable", node: a, value, conditional });
  else if (left.type === "pattern_list" || left.type === "tuple_pattern") {
    for (const id of namedChildren(left)) if (id.type === "identifier") declare(scope, id.text, { kind: "variable", node: a, conditional });
  }
}

/** `..models.x` → module "models.x", level 2; `torch.nn` → level 0. */
export function fromModule(node: SyntaxNode): { module: string; level: number } {
  if (node.type !== "relative_import") return { module: node.text, level: 0 };
  const prefix = namedChildren(node).find((c) => c.type === "import_prefix");
  const name = namedChildren(node).find((c) => c.type === "dotted_name");
  return { module: name?.text ?? "", level: prefix ? prefix.text.length : 0 };
}
