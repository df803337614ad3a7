/**
 * build-markers: the `# c2m: CODE text` marker for a diagnostic the module tree reports while it reads constructors
 * (C2M-W012, W014, W015, E031...). Translate marks what it reports itself; these come earlier, from passes that edit
 * nothing, so without this the output line they concern carries no marker (the zoo's attribution and a user reading
 * the output look for it there).
 *
 * Reads: the diagnostics the module tree reported for the file compiled. Writes: markers (end offset → comment), at
 * the end of the innermost simple statement holding the position, or of the line for a compound statement's header
 * (`class Net(Base):`).
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { Diagnostic } from "../ir/diagnostics.js";
import type { ModuleIR } from "../ir/module.js";

const noted = new WeakMap<ModuleIR, Diagnostic[]>();

/** Remembers diagnostics reported for `mod` before translation, to be marked in its output. */
export function noteBuildDiagnostics(mod: ModuleIR, diagnostics: Diagnostic[]): void {
  if (diagnostics.length) noted.set(mod, [...(noted.get(mod) ?? []), ...diagnostics]);
}

const COMPOUND = new Set([
  "if_statement",
  "for_statement",
  "while_statement",
  "try_statement",
  "with_statement",
  "function_definition",
  "class_definition",
  "decorated_definition",
  "match_statement",
]);
const isStatement = (n: SyntaxNode) => n.type.endsWith("_statement") || n.type === "function_definition" || n.type === "class_definition" || n.type === "decorated_definition";

/** Puts each noted diagnostic's marker into `markers` (one per code and line). */
export function placeBuildMarkers(mod: ModuleIR, markers: Map<number, string>): void {
  const src = mod.source;
  const lineStarts = [0];
  for (let i = src.indexOf("\n"); i >= 0; i = src.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  for (const d of noted.get(mod) ?? []) {
    if (d.line - 1 >= lineStarts.length) continue;
    const offset = lineStarts[d.line - 1] + d.col - 1;
    const stmt = innermostStatement(mod.root, offset);
    const end = stmt && !COMPOUND.has(stmt.type) ? stmt.endIndex : offset;
    let eol = src.indexOf("\n", end);
    if (eol < 0) eol = src.length;
    const prev = markers.get(eol);
    if (prev?.includes(d.code)) continue;
    const marker = `c2m: ${d.code} ${d.message}`;
    markers.set(eol, prev ? `${prev}; ${marker}` : `  # ${marker}`);
  }
  noted.delete(mod);
}

function innermostStatement(root: SyntaxNode, offset: number): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  let node: SyntaxNode | undefined = root;
  while (node) {
    if (isStatement(node)) found = node;
    node = node.namedChildren.find((c) => c.startIndex <= offset && offset < c.endIndex);
  }
  return found;
}
