/**
 * library-imports: imports of installed torch libraries that c2m translated with the program (src/libraries.ts
 * writes the library's translated modules under a private folder of the output, `OUT/_c2m_lib/timm/...`). Each
 * import of such a library, in the user's files and in the library's own, is pointed there:
 *
 *   from timm.layers import DropPath      →  from _c2m_lib.timm.layers import DropPath
 *   import timm.layers as L               →  import _c2m_lib.timm.layers as L
 *   import timm                           →  from _c2m_lib import timm
 *   import timm.layers                    →  from _c2m_lib import timm; import _c2m_lib.timm.layers  # noqa: F401
 *
 * Relative imports inside a library stay as written (its folder keeps the installed layout). An import of a
 * library c2m could not translate stays for passes/torch-library-imports.ts (its names become placeholders)
 * and carries C2M-E043 with the reason; one whose library was translated with errors carries C2M-W048.
 *
 * Reads: every import statement of the file (nested ones included). Writes: edits on the module names,
 * diagnostics.
 */
import { dottedName, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";

export interface TranslatedLibraries {
  /** the dotted package the translated libraries live under in the output (`_c2m_lib`, `mypkg._c2m_lib`) */
  prefix: string;
  /** top-level names of the libraries translated with the program (`timm`, `torchvision`) */
  translated: ReadonlySet<string>;
  /** top-level name → why it could not be translated (reported at this file's imports of it) */
  failed?: ReadonlyMap<string, string>;
  /** top-level name → what its translation left to do (reported at this file's imports of it) */
  withErrors?: ReadonlyMap<string, string>;
}

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

const topOf = (module: string) => module.split(".")[0];

/** The edits that point this file's imports of translated libraries into the output's private folder, and the diagnostics at its imports. */
export function libraryImportEdits(root: SyntaxNode, libs: TranslatedLibraries, diags?: DiagnosticBag): TextEdit[] {
  const edits: TextEdit[] = [];
  const source = root.text;
  const visit = (n: SyntaxNode): void => {
    if (n.type === "import_statement") importStatement(n, source, libs, edits, diags);
    else if (n.type === "import_from_statement") fromImport(n, libs, edits, diags);
    else for (const c of namedChildren(n)) visit(c);
  };
  visit(root);
  return edits;
}

function report(module: string, at: SyntaxNode, libs: TranslatedLibraries, diags: DiagnosticBag | undefined): void {
  const failed = libs.failed?.get(topOf(module));
  if (failed !== undefined) diags?.report("C2M-E043", at.startPosition, `${module} is an installed library built on torch that c2m could not translate: ${failed}`);
  const errors = libs.withErrors?.get(topOf(module));
  if (errors !== undefined)
    diags?.report("C2M-W048", at.startPosition, `${module} is translated from its installed source into ${libs.prefix}.${topOf(module)}, with errors left: ${errors}`);
}

function fromImport(stmt: SyntaxNode, libs: TranslatedLibraries, edits: TextEdit[], diags: DiagnosticBag | undefined): void {
  const moduleNode = stmt.childForFieldName("module_name");
  if (!moduleNode || moduleNode.type === "relative_import") return;
  const module = moduleNode.text.replace(/\s+/g, "");
  report(module, stmt, libs, diags);
  if (libs.translated.has(topOf(module))) edits.push({ start: moduleNode.startIndex, end: moduleNode.endIndex, text: `${libs.prefix}.${module}` });
}

function importStatement(stmt: SyntaxNode, source: string, libs: TranslatedLibraries, edits: TextEdit[], diags: DiagnosticBag | undefined): void {
  const parts = namedChildren(stmt).filter((c) => c.type === "dotted_name" || c.type === "aliased_import");
  const moduleOf = (c: SyntaxNode) => {
    const nameNode = c.type === "aliased_import" ? c.childForFieldName("name")! : c;
    return dottedName(nameNode) ?? nameNode.text.replace(/\s+/g, "");
  };
  for (const c of parts) report(moduleOf(c), c, libs, diags);
  if (!parts.some((c) => libs.translated.has(topOf(moduleOf(c))))) return;
  // each imported module as a statement of its own, joined on one line (the statement may sit in a block)
  const statements = parts.map((c) => {
    const module = moduleOf(c);
    if (!libs.translated.has(topOf(module))) return `import ${c.text}`;
    if (c.type === "aliased_import") return `import ${libs.prefix}.${module} as ${c.childForFieldName("alias")!.text}`;
    // `import a.b` binds `a` (with `a.b` loaded): the package itself, bound under its own name
    const bindTop = `from ${libs.prefix} import ${topOf(module)}`;
    return module.includes(".") ? `${bindTop}; import ${libs.prefix}.${module}` : bindTop;
  });
  // `import a.b` loads a.b for its effect and binds `a`, which the second statement now does: the first binds
  // `_c2m_lib`, which nothing reads (pyflakes' F401, and the input's own `# noqa: F401` may have gone with a torch
  // import's rewrite), so it says so where nothing else follows on its line
  const loadsOnly = parts.length === 1 && moduleOf(parts[0]!).includes(".") && parts[0]!.type !== "aliased_import" && libs.translated.has(topOf(moduleOf(parts[0]!)));
  const restOfLine = /^[^\n]*/.exec(source.slice(stmt.endIndex))?.[0] ?? "";
  const noqa = loadsOnly && /^\s*(#.*)?$/.test(restOfLine) ? "  # noqa: F401" : "";
  edits.push({ start: stmt.startIndex, end: stmt.endIndex, text: statements.join("; ") + noqa });
}
