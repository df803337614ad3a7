/**
 * torch-library-imports: a top-level import of a library built on torch that is installed outside the
 * program being compiled (`from torchvision.ops.misc import FrozenBatchNorm2d` in timm's create_norm.py).
 * The port cannot import it (it would need torch), and left as written it makes the whole emitted module
 * fail to import, sinking every model that merely imports the file. The statement goes, like a torch import,
 * and each name it binds becomes a placeholder, `Untranslated("torchvision.ops.misc.FrozenBatchNorm2d")`
 * (passes/untranslated.ts), placed after the helpers: the module imports, a use of the name raises, and each
 * name carries an error diagnostic (C2M-E050), so nothing is silent. (Imports below the top level are
 * passes/torch-imports.ts's.)
 *
 * Reads: the file's top-level imports and the program (a module of the package being compiled is its own;
 * a library that is not installed stays as written, for the output checker to report). Writes:
 * `placeholders` on the ImportIR, diagnostics.
 */
import { dottedName, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import type { ImportIR, ModuleIR } from "../ir/module.js";
import { isTorch } from "./resolve-imports.js";
import { needsTorch } from "./torch-imports.js";
import { placeholderBinding, untranslatedMessage } from "./untranslated.js";
import { IDENTITY_DECORATOR_CODE, identityBinding, identityDecoratorMessage, isIdentityDecorator } from "./identity-decorators.js";

export function placeholdTorchLibraryImports(mod: ModuleIR, diags: DiagnosticBag): void {
  for (const imp of mod.imports) {
    if (imp.torch) continue;
    const bound = torchLibraryBindings(imp.node, mod);
    if (!bound) continue;
    imp.placeholders = bound.map((b) => ({ local: b.local, name: b.name, ...(isIdentityDecorator(mod, b.local) ? { identity: true } : {}) }));
    for (const p of imp.placeholders) {
      const at = bound.find((b) => b.local === p.local)!.at.startPosition;
      if (p.identity) diags.report(IDENTITY_DECORATOR_CODE, at, identityDecoratorMessage(p.name));
      else diags.report("C2M-E050", at, untranslatedMessage(p.name));
    }
  }
}

interface Binding {
  local: string;
  /** the qualified name the placeholder stands for */
  name: string;
  at: SyntaxNode;
}

/** What the statement binds, when every module it imports is an installed torch library outside the program; else undefined. */
function torchLibraryBindings(stmt: SyntaxNode, mod: ModuleIR): Binding[] | undefined {
  if (stmt.type === "import_statement") {
    const out: Binding[] = [];
    for (const n of namedChildren(stmt)) {
      const nameNode = n.type === "aliased_import" ? n.childForFieldName("name")! : n;
      const module = dottedName(nameNode) ?? nameNode.text;
      if (!installedTorchLibrary(module, mod)) return undefined;
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
  if (!installedTorchLibrary(module, mod)) return undefined;
  const out: Binding[] = [];
  for (const n of stmt.childrenForFieldName("name")) {
    const name = n.type === "aliased_import" ? n.childForFieldName("name")!.text : n.text;
    const local = n.type === "aliased_import" ? n.childForFieldName("alias")!.text : n.text;
    out.push({ local, name: `${module}.${name}`, at: n });
  }
  return out.length ? out : undefined;
}

/** A library built on torch (torch itself is the tables' to translate) found on the library search path, not the user's own code. */
function installedTorchLibrary(module: string, mod: ModuleIR): boolean {
  if (isTorch(module) || !needsTorch(module)) return false;
  const sem = mod.semantic;
  if (!sem) return false;
  const ref = sem.program.resolveModule(sem.file, module, 0);
  if (ref.kind === "file") return ref.file.origin === "library";
  if (ref.kind === "namespace") return ref.origin === "library";
  return false;
}

/** The names' placeholders, one line each with its marker (the emitter places them after the helpers). */
export function placeholderLines(imp: ImportIR): string {
  return (imp.placeholders ?? []).map((p) => (p.identity ? identityBinding(p.local, p.name) : placeholderBinding(p.local, p.name, untranslatedMessage(p.name)))).join("\n");
}

/** The names top-level imports of torch libraries bind to placeholders (a value computed from one on import is one too). */
export function placeholderImportNames(mod: ModuleIR): Set<string> {
  return new Set(mod.imports.flatMap((imp) => (imp.placeholders ?? []).filter((p) => !p.identity).map((p) => p.local)));
}
