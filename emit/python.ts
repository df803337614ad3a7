/**
 * The Python printer: applies the translator's edits to the original text with magic-string, so that
 * every line nobody had to change stays byte-identical, and a source map comes for free.
 */
import MagicString from "magic-string";
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ModuleIR } from "../ir/module.js";
import type { WeightMaps } from "../ir/weights.js";
import type { LayoutResult } from "../passes/layout-nhwc.js";
import { weightMapsLiteral } from "../passes/weights.js";
import { helperSource, orderHelpers, splitImports } from "./helpers.js";
import { hiresSourceMap } from "./sourcemap.js";

export interface EmitResult {
  code: string;
  map: ReturnType<MagicString["generateMap"]>;
}

const MLX_IMPORTS = ["import mlx.core as mx", "import mlx.nn as nn"];

export function emitPython(mod: ModuleIR, layout: LayoutResult, maps: WeightMaps, filename: string): EmitResult {
  const s = new MagicString(mod.source);
  for (const e of layout.edits) s.overwrite(e.start, e.end, e.text, { contentOnly: true });

  // forward → __call__ in every module class
  for (const cls of mod.classes.values()) {
    const fwd = cls.methods.get("forward");
    if (fwd) s.overwrite(fwd.childForFieldName("name")!.startIndex, fwd.childForFieldName("name")!.endIndex, "__call__");
  }

  // markers first: at the same position, what is appended first comes first (a marker on the last line of a
  // class belongs before the sanitize() added after it)
  for (const [pos, marker] of layout.ctx.markers) s.appendLeft(pos, marker);

  // sanitize() on the top-level classes, and the weight maps at the end of the file
  const topLevel = [...layout.ctx.topLevel];
  // a model whose torch keys and layouts load as they are needs no sanitize()
  const needsSanitize = topLevel.filter((n) => (maps[n] ?? []).length > 0);
  for (const name of needsSanitize) {
    const cls = mod.classes.get(name)!;
    const body = cls.node.childForFieldName("body")!;
    const indent = " ".repeat(namedChildren(body)[0]?.startPosition.column ?? 4);
    s.appendLeft(
      body.endIndex,
      `\n\n${indent}def sanitize(self, weights):\n${indent}    """Convert a torch state_dict (as MLX arrays) to this module's parameters."""\n${indent}    return c2m_apply_weight_map(weights, C2M_WEIGHT_MAPS[${JSON.stringify(name)}])`,
    );
  }
  const helpers = new Set(layout.ctx.helpers);
  if (needsSanitize.length) helpers.add("weight_map");

  // imports: the first torch import becomes MLX's, the other torch imports go
  const helperImports: string[] = [];
  const helperBodies: string[] = [];
  for (const h of orderHelpers(helpers)) {
    const { imports, body } = splitImports(helperSource(h));
    helperImports.push(...imports);
    // helpers may use math (cookbook/helpers/registry.ts) without importing it: the file must
    if (/\bmath\./.test(body)) helperImports.push("import math");
    helperBodies.push(body);
  }
  const existing = new Set(mod.imports.filter((i) => !i.torch).map((i) => i.node.text.trim()));
  const torchImports = mod.imports.filter((i) => i.torch);
  const importBlock = [...new Set([...MLX_IMPORTS, ...layout.ctx.imports, ...helperImports])].filter((l) => !existing.has(l)).join("\n");
  // two blank lines after the helpers: as many as the source has after its imports, plus what is missing
  const lastImportEnd = mod.imports.length ? Math.max(...mod.imports.map((i) => i.node.endIndex)) : 0;
  const blankAfter = (/^\n*/.exec(mod.source.slice(lastImportEnd))?.[0].length ?? 1) - 1;
  // classes standing for torch layers passed as values derive from MLX layers and helpers: after them
  helperBodies.push(...[...layout.ctx.layerValues.keys()].sort().map((name) => layout.ctx.layerValues.get(name)!));
  const helperBlock = helperBodies.length ? `\n\n\n${helperBodies.join("\n\n\n")}${"\n".repeat(Math.max(0, 2 - blankAfter))}` : "";
  // helpers go after the last import that stays (a removed torch import cannot carry them) of the imports that
  // open the file (an import further down may follow code that already uses a helper: `if is_torch_available(): ...`),
  // and before the first import that became a placeholder assignment (it calls the Untranslated helper)
  const firstCode = namedChildren(mod.root).find((n) => !OPENING_STATEMENTS.has(n.type) && !isDocstring(n))?.startIndex ?? Infinity;
  const limit = Math.min(firstCode, ...(mod.placeholderImports ?? []).map((n) => n.startIndex));
  const kept = mod.imports.filter((i) => !i.torch && i.node.parent === mod.root && i.node.startIndex < limit);
  const lastKept = kept[kept.length - 1];
  const [firstTorch, ...otherTorch] = torchImports;
  const torchFirst = firstTorch && firstTorch.node.startIndex < limit ? firstTorch : undefined;
  // the torch import comes after a placeholder (or there is none): the MLX imports go up with the helpers
  const early = !torchFirst && limit < Infinity;
  const helpersAfterKept = lastKept && (!torchFirst || lastKept.node.startIndex > torchFirst.node.startIndex);
  if (firstTorch && !early) {
    s.overwrite(firstTorch.node.startIndex, firstTorch.node.endIndex, importBlock + (helpersAfterKept ? "" : helperBlock));
    for (const r of otherTorch) s.remove(r.node.startIndex, lineEnd(mod.source, r.node.endIndex));
  } else if (early && lastKept) {
    for (const r of torchImports) s.remove(r.node.startIndex, lineEnd(mod.source, r.node.endIndex));
    s.appendLeft(lastKept.node.endIndex, `${importBlock ? `\n${importBlock}` : ""}${helperBlock}`);
  } else if (importBlock || (helperBlock && !helpersAfterKept)) {
    for (const r of torchImports) s.remove(r.node.startIndex, lineEnd(mod.source, r.node.endIndex));
    const text = `${importBlock ? `${importBlock}\n` : ""}${helpersAfterKept ? "" : helperBlock.trimStart() + "\n\n"}`;
    // a module docstring and `from __future__` imports must stay first
    const head = fileHeaderEnd(mod.root);
    if (head === undefined) s.prepend(text);
    else s.appendLeft(head, `\n${text.replace(/\n+$/, "")}`);
  }
  if (helpersAfterKept && !early) s.appendLeft(lastKept.node.endIndex, helperBlock);

  for (const ins of layout.inserts) s.appendLeft(ins.pos, ins.text);

  if (Object.keys(maps).length) {
    const top = topLevel.length === 1 ? `C2M_TOP_LEVEL = ${JSON.stringify(topLevel[0])}\n` : "";
    s.append(`\n\n# c2m: torch state_dict keys and layouts -> MLX parameters (read by \`c2m weights --map\` and sanitize())\n${top}${weightMapsLiteral(maps)}\n`);
  }
  return { code: s.toString(), map: hiresSourceMap(s, filename) };
}

/** Statements that may come before a module's code: its imports, and comments. */
const OPENING_STATEMENTS = new Set(["import_statement", "import_from_statement", "future_import_statement", "comment"]);

function isDocstring(stmt: SyntaxNode): boolean {
  return stmt.type === "expression_statement" && namedChildren(stmt)[0]?.type === "string";
}

/** The end of the statements that must open a module (its docstring, `from __future__` imports), or undefined where there are none. */
function fileHeaderEnd(root: SyntaxNode): number | undefined {
  let end: number | undefined;
  for (const stmt of namedChildren(root)) {
    if (stmt.type === "comment") continue;
    const docstring = end === undefined && isDocstring(stmt);
    if (!docstring && stmt.type !== "future_import_statement") break;
    end = stmt.endIndex;
  }
  return end;
}

/** Index just past the newline ending the line that contains `pos`. */
function lineEnd(src: string, pos: number): number {
  const nl = src.indexOf("\n", pos);
  return nl < 0 ? src.length : nl + 1;
}

/**
 * A file c2m does not translate (it imports no torch) with a few edits that still concern the port (package probes,
 * passes/package-probes.ts): the edits applied, the helpers they call pasted after the imports that precede them.
 */
export function emitEditsOnly(
  source: string,
  root: SyntaxNode,
  edits: readonly { start: number; end: number; text: string }[],
  helpers: Iterable<string>,
  filename: string,
): EmitResult {
  const s = new MagicString(source);
  for (const e of edits) s.overwrite(e.start, e.end, e.text, { contentOnly: true });
  const imports: string[] = [];
  const bodies: string[] = [];
  for (const h of orderHelpers(helpers)) {
    const { imports: own, body } = splitImports(helperSource(h));
    imports.push(...own);
    bodies.push(body);
  }
  const topImports = namedChildren(root).filter((n) => n.type === "import_statement" || n.type === "import_from_statement" || n.type === "future_import_statement");
  const existing = new Set(topImports.map((n) => n.text.trim()));
  const block = [...new Set(imports)].filter((l) => !existing.has(l)).join("\n");
  const text = `${block ? `${block}\n` : ""}\n\n${bodies.join("\n\n\n")}\n`;
  // after the last import that precedes the first edit: the helpers are defined before any code calls them
  const firstEdit = Math.min(...edits.map((e) => e.start));
  const last = topImports.filter((n) => n.endIndex <= firstEdit).pop();
  if (last) s.appendLeft(last.endIndex, `\n${text.trimEnd()}`);
  else s.prepend(`${text.trimStart()}\n\n`);
  return { code: s.toString(), map: hiresSourceMap(s, filename) };
}
