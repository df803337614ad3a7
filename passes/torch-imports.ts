/**
 * Import statements that are not the plain top-level `import torch` the emitter replaces:
 *
 * - a torch import nested in a block (`if is_torch_available(): import torch`, `if TYPE_CHECKING:`, a
 *   `try`, a function body) goes, as a top-level one does: the file's torch names are translated wherever
 *   they are used (resolve-imports records the aliases it binds), and a port must not import torch at all;
 * - an import of a library that itself needs torch (`from safetensors.torch import save_file`, `import
 *   accelerate`), where Python runs it on import, binds each imported name to `Untranslated("…")`
 *   (cookbook/helpers/Untranslated.py): the module still imports on a machine without torch, a use of the
 *   name raises, and the site carries C2M-E040. An import in `try … except ImportError` stays: the code
 *   already runs without the library (its fallback), and one in a function body runs only when called.
 *
 * Both are statement rewrites the translator applies (an emptied block gets `pass`, passes/empty-blocks.ts).
 */
import { namedChildren, nodeKey, type SyntaxNode } from "../grammar/python.js";
import type { ModuleIR } from "../ir/module.js";
import type { PassContext } from "../ir/pipeline.js";
import { needsTorch } from "./tables/torch-libraries.js";
import { evaluatedOnImport, UNTRANSLATED_HELPER } from "./untranslated.js";

const isTorch = (name: string) => name === "torch" || name.startsWith("torch.");

export const IMPORT_TYPES = new Set(["import_statement", "import_from_statement"]);

/** The module an import statement names (`a.b` of `import a.b` / `from a.b import c`; relative ones keep their dots). */
export function importedModules(stmt: SyntaxNode): string[] {
  if (stmt.type === "import_from_statement") return [stmt.childForFieldName("module_name")!.text.replace(/\s+/g, "")];
  return namedChildren(stmt)
    .filter((c) => c.type === "dotted_name" || c.type === "aliased_import")
    .map((c) => (c.type === "aliased_import" ? c.childForFieldName("name")! : c).text.replace(/\s+/g, ""));
}

/** Whether `stmt` sits directly in a module-level statement's block rather than at the top of the file. */
export function isNestedImport(stmt: SyntaxNode): boolean {
  return stmt.parent?.type !== "module";
}

/** Whether a node sits under `if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`): Python never runs it. */
export function underTypeChecking(node: SyntaxNode): boolean {
  for (let child = node, p = node.parent; p; child = p, p = p.parent) {
    if (p.type === "if_statement" && p.childForFieldName("consequence") === child && /^(typing\.)?TYPE_CHECKING$/.test(p.childForFieldName("condition")!.text.trim())) return true;
  }
  return false;
}

/** Whether an import sits in a `try` whose handlers catch a failed import (ImportError, ModuleNotFoundError, Exception, bare). */
export function isGuardedImport(n: SyntaxNode): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === "function_definition" || p.type === "class_definition") return false;
    if (p.type !== "block" || p.parent?.type !== "try_statement" || p.parent.childForFieldName("body") !== p) continue;
    const handlers = p.parent.namedNonComment.filter((c) => c.type === "except_clause");
    const catches = (h: SyntaxNode) => {
      const caught = h.namedNonComment.filter((c) => c.type !== "block");
      return !caught.length || /\b(ImportError|ModuleNotFoundError|Exception|BaseException)\b/.test(caught.map((c) => c.text).join(" "));
    };
    if (handlers.some(catches)) return true;
  }
  return false;
}

/** (local name, what it stands for) for each name an import statement binds; null for `from x import *`. */
function boundNames(stmt: SyntaxNode): [string, string][] | null {
  if (stmt.type === "import_statement") {
    return namedChildren(stmt).map((c) => {
      if (c.type === "aliased_import") return [c.childForFieldName("alias")!.text, c.childForFieldName("name")!.text.replace(/\s+/g, "")];
      const top = c.text.replace(/\s+/g, "").split(".")[0];
      return [top, top];
    });
  }
  const module = importedModules(stmt)[0];
  const names = stmt.childrenForFieldName("name");
  if (!names.length) return null;
  return names.map((c) => {
    const name = (c.type === "aliased_import" ? c.childForFieldName("name")! : c).text;
    const local = c.type === "aliased_import" ? c.childForFieldName("alias")!.text : name;
    return [local, `${module}.${name}`];
  });
}

/** Every import statement of the file (nested ones included), in source order. */
export function allImports(root: SyntaxNode): SyntaxNode[] {
  return root.descendantsOfType([...IMPORT_TYPES]).sort((a, b) => a.startIndex - b.startIndex);
}

/** The statement rewrites for nested torch imports and for imports of libraries that need torch (see the file comment). */
export function rewriteTorchImports(mod: ModuleIR, ctx: PassContext, ownPackages: ReadonlySet<string> = new Set()): void {
  for (const stmt of allImports(mod.root)) {
    const modules = importedModules(stmt);
    if (modules.every(isTorch)) {
      if (stmt.type === "import_from_statement" && isGuardedImport(stmt) && !underTypeChecking(stmt)) guardedTorchNames(stmt, ctx);
      else if (isNestedImport(stmt)) ctx.rewrites.set(nodeKey(stmt), { text: "", rule: "torch-import" });
      continue;
    }
    const library = modules.find((m) => !m.startsWith(".") && !isTorch(m) && !ownPackages.has(m.split(".")[0]) && needsTorch(m));
    if (!library || !evaluatedOnImport(stmt) || isGuardedImport(stmt) || underTypeChecking(stmt)) continue;
    const bound = boundNames(stmt);
    if (!bound) continue; // `from lib import *`: nothing to bind; the output checker reports the import
    const message = `'${library}' needs torch: ${bound.map(([local]) => local).join(", ")} bound to Untranslated(...), which raises when used`;
    ctx.diags.report("C2M-E040", stmt.startPosition, message);
    ctx.constructs.push({ kind: "unsupported", name: "C2M-E040", line: stmt.startPosition.row + 1, col: stmt.startPosition.column + 1 });
    const indent = " ".repeat(stmt.startPosition.column);
    const lines = bound.map(([local, full]) => `${local} = Untranslated(${JSON.stringify(full)})`);
    lines[0] += `  # c2m: C2M-E040 ${message}`;
    ctx.rewrites.set(nodeKey(stmt), { text: lines.join(`\n${indent}`), helpers: [UNTRANSLATED_HELPER], rule: "torch-library-import" });
    (mod.placeholderImports ??= []).push(stmt);
  }
}

/**
 * `from torch.x import name` in a try that catches ImportError: the code has its own fallback for a torch without
 * the name, and the port takes it (`raise ImportError`), so the name is what the fallback defines, for this file
 * and for the files that import it from here. (Dropping the import instead would leave the name undefined.) A
 * module import (`import torch`) in such a try still goes: its names translate where they are used.
 */
function guardedTorchNames(stmt: SyntaxNode, ctx: PassContext): void {
  const module = importedModules(stmt)[0];
  const message = `names from ${module} in a try that catches ImportError: the port runs its except branch`;
  const d = ctx.diags.report("C2M-W052", stmt.startPosition, message);
  ctx.constructs.push({ kind: "unsupported", name: d.code, line: d.line, col: d.col });
  ctx.rewrites.set(nodeKey(stmt), { text: `raise ImportError(${JSON.stringify(`${module} is torch's`)})  # c2m: C2M-W052 ${message}`, rule: "torch-import" });
}

/** Whether the file has imports this pass rewrites (a file with no top-level torch import is otherwise left as written). */
export function hasTorchImportsToRewrite(root: SyntaxNode, ownPackages: ReadonlySet<string> = new Set()): boolean {
  return allImports(root).some((stmt) => {
    const modules = importedModules(stmt);
    if (modules.every(isTorch)) return true;
    return (
      modules.some((m) => !m.startsWith(".") && !ownPackages.has(m.split(".")[0]) && needsTorch(m)) && evaluatedOnImport(stmt) && !isGuardedImport(stmt) && !underTypeChecking(stmt)
    );
  });
}

/** The names the rewritten imports bind to placeholders. */
export function placeholderImportNames(mod: ModuleIR): Set<string> {
  return new Set((mod.placeholderImports ?? []).flatMap((stmt) => (boundNames(stmt) ?? []).map(([local]) => local)));
}
