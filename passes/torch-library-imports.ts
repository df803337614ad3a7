/**
 * torch-library-imports: a module-level import of a library built on torch that is not part of the program
 * being compiled (`from torchvision.ops.misc import FrozenBatchNorm2d` in timm's create_norm.py). The port
 * cannot import it (it would need torch), and left as written it makes the whole emitted module fail to
 * import, sinking every model that merely imports the file. Each name it binds becomes a placeholder,
 * `Untranslated("torchvision.ops.misc.FrozenBatchNorm2d")` (passes/untranslated.ts): the module imports, a use
 * of the name raises, and each name carries an error diagnostic (C2M-E050), so nothing is silent.
 *
 * The same holds for an import of torch itself that runs on import inside a module-level block (timm's
 * `except ImportError: from torch.hub import _get_torch_home as get_dir`): the tables translate only the
 * root-level torch imports, so its names become placeholders in place.
 *
 * Reads: the file's module-level imports and the program (a module of the package being compiled is its own,
 * never a placeholder). Writes: `placeholders` on the ImportIR (the emitter replaces the statement), diagnostics.
 */
import { dottedName, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import type { ImportIR, ModuleIR } from "../ir/module.js";
import { isTorchLibraryModule } from "./tables/torch-libraries.js";
import { untranslatedMessage } from "./untranslated.js";

export function placeholdTorchLibraryImports(mod: ModuleIR, diags: DiagnosticBag): void {
  const mark = (imp: ImportIR, bound: Binding[]) => {
    imp.placeholders = bound.map((b) => ({ local: b.local, name: b.name }));
    for (const b of bound) diags.report("C2M-E050", b.at.startPosition, untranslatedMessage(b.name));
  };
  for (const imp of mod.imports) {
    if (imp.torch) continue;
    const bound = torchLibraryBindings(imp.node, mod, false);
    if (bound) mark(imp, bound);
  }
  // an import inside a module-level `if`/`try`/`with` (an `except ImportError:` fallback) runs on import too;
  // one in a `try` that catches a failed import is optional and stays (the port runs without it)
  const nested: ImportIR[] = [];
  for (const stmt of nestedModuleImports(mod.root)) {
    if (isGuarded(stmt)) continue;
    const bound = torchLibraryBindings(stmt, mod, true);
    if (!bound) continue;
    const imp: ImportIR = { node: stmt, torch: false };
    mark(imp, bound);
    nested.push(imp);
  }
  if (nested.length) mod.nestedImports = nested;
}

/** Import statements inside module-level compound statements (not in functions or classes). */
function nestedModuleImports(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode, depth: number) => {
    for (const c of namedChildren(n)) {
      if (c.type === "function_definition" || c.type === "class_definition" || c.type === "decorated_definition") continue;
      if (c.type === "import_statement" || c.type === "import_from_statement") {
        if (depth > 0) out.push(c);
        continue;
      }
      if (c.type === "expression_statement") continue;
      visit(c, depth + 1);
    }
  };
  visit(root, 0);
  return out;
}

/** Whether an import sits in a `try` whose handlers catch a failed import (ImportError, ModuleNotFoundError, Exception, bare). */
export function isGuarded(n: SyntaxNode): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === "function_definition" || p.type === "class_definition") return false;
    if (p.type !== "block" || p.parent?.type !== "try_statement" || p.parent.childForFieldName("body") !== p) continue;
    const handlers = p.parent.namedNonComment.filter((c) => c.type === "except_clause");
    if (
      handlers.some(
        (h) =>
          !h.namedNonComment.some((c) => c.type !== "block") ||
          /\b(ImportError|ModuleNotFoundError|Exception|BaseException)\b/.test(
            h.namedNonComment
              .filter((c) => c.type !== "block")
              .map((c) => c.text)
              .join(" "),
          ),
      )
    )
      return true;
  }
  return false;
}

interface Binding {
  local: string;
  /** the qualified name the placeholder stands for */
  name: string;
  at: SyntaxNode;
}

/** What the statement binds, when every module it imports is a torch library outside the program; else undefined. */
function torchLibraryBindings(stmt: SyntaxNode, mod: ModuleIR, torchToo: boolean): Binding[] | undefined {
  if (stmt.type === "import_statement") {
    const out: Binding[] = [];
    for (const n of namedChildren(stmt)) {
      const nameNode = n.type === "aliased_import" ? n.childForFieldName("name")! : n;
      const module = dottedName(nameNode) ?? nameNode.text;
      if (!foreignTorchLibrary(module, mod, torchToo)) return undefined;
      // `import a.b` binds `a`; `import a.b as x` binds x to a.b
      if (n.type === "aliased_import") out.push({ local: n.childForFieldName("alias")!.text, name: module, at: n });
      else out.push({ local: module.split(".")[0], name: module.split(".")[0], at: n });
    }
    return out.length ? out : undefined;
  }
  if (stmt.type !== "import_from_statement") return undefined;
  const moduleNode = stmt.childForFieldName("module_name")!;
  if (moduleNode.type === "relative_import" || namedChildren(stmt).some((c) => c.type === "wildcard_import")) return undefined;
  const module = moduleNode.text.replace(/\s+/g, "");
  if (!foreignTorchLibrary(module, mod, torchToo)) return undefined;
  const out: Binding[] = [];
  for (const n of stmt.childrenForFieldName("name")) {
    const name = n.type === "aliased_import" ? n.childForFieldName("name")!.text : n.text;
    const local = n.type === "aliased_import" ? n.childForFieldName("alias")!.text : n.text;
    out.push({ local, name: `${module}.${name}`, at: n });
  }
  return out.length ? out : undefined;
}

/**
 * A torch library installed on the library search path, which the program does not hold as the user's own
 * code (one that is not installed stays as written: the output checker reports it); torch itself only when
 * `torchToo` (a root-level torch import is the tables' to translate; a nested one would stay as written).
 */
function foreignTorchLibrary(module: string, mod: ModuleIR, torchToo: boolean): boolean {
  if (!isTorchLibraryModule(module)) return false;
  if (module === "torch" || module.startsWith("torch.")) return torchToo;
  const sem = mod.semantic;
  if (!sem) return false;
  const ref = sem.program.resolveModule(sem.file, module, 0);
  if (ref.kind === "file") return ref.file.origin === "library";
  if (ref.kind === "namespace") return ref.origin === "library";
  return false;
}

/** The statement's replacement: one placeholder per name, each with its marker. */
export function placeholderLines(imp: ImportIR): string {
  return (imp.placeholders ?? []).map((p) => `${p.local} = Untranslated(${JSON.stringify(p.name)})  # c2m: C2M-E050 ${untranslatedMessage(p.name)}`).join("\n");
}
