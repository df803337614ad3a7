/**
 * The Python printer: applies the translator's edits to the original text with magic-string, so that
 * every line nobody had to change stays byte-identical, and a source map comes for free.
 */
import { addRuntimeWeightLoaders, runtimeRules, RUNTIME_WEIGHTS_HELPER } from "./runtime-weights.js";
import { layoutDeclarationEdits } from "../passes/sequential-layouts.js";
import MagicString from "magic-string";
import { namedChildren, parseModule, parsePython, plainTreeOf, type NativeTree, type SyntaxNode, type Tree } from "../grammar/python.js";
import { reparseEdited } from "../grammar/reparse.js";
import { plainTreeEdited } from "../grammar/incremental.js";
import { editsOf } from "./magic-edits.js";
import { phase } from "../ir/phases.js";
import type { ImportIR, ModuleIR } from "../ir/module.js";
import { placeholderLines } from "../passes/torch-library-imports.js";
import { runtimePlaceholders } from "../passes/runtime-placeholders.js";
import { containsPlaceholder, evaluatedOnImport, UNTRANSLATED_HELPER } from "../passes/untranslated.js";
import type { WeightMaps } from "../ir/weights.js";
import type { LayoutResult } from "../passes/layout-nhwc.js";
import { weightMapsLiteral } from "../passes/weights.js";
import { helperSource, orderHelpers, splitImports } from "./helpers.js";
import { aliasShadowedHelpers } from "./helper-names.js";
import { dropDeadStores, dropImportsMadeUnused, importBindings, lineBindings, lineEnd, neededImportLines, usageOf, type Usage } from "./prune.js";
import { aliasPrivateBuffers } from "./buffer-aliases.js";
import { nameForwardMethods } from "./forward-name.js";
import { MODULE_MIXIN_HELPER, mixTorchModuleSemantics } from "./module-mixins.js";
import { declarePrivateParameters, PRIVATE_PARAMETERS_HELPER } from "./private-parameters.js";
import { hiresSourceMap } from "./sourcemap.js";
import { translateStringAnnotations } from "./string-annotations.js";

export interface EmitResult {
  code: string;
  map: ReturnType<MagicString["generateMap"]>;
  /** names bound to a placeholder only because functions read them (../passes/runtime-placeholders.ts): local → what it stood for */
  placeholders: Map<string, string>;
  /** the parse of `code` the emitter made to read it (absent when it did not parse cleanly): the verifier reads it instead of parsing again */
  tree?: Tree;
}

const MLX_IMPORTS = ["import mlx.core as mx", "import mlx.nn as nn"];
/** module-level statements that run no code of the file's own: helpers may go after them */
const IMPORT_LIKE = new Set(["import_statement", "import_from_statement", "future_import_statement", "comment"]);

export function emitPython(mod: ModuleIR, layout: LayoutResult, maps: WeightMaps, filename: string): EmitResult {
  const s = new MagicString(mod.source);
  // a marker whose line end an edit replaced (a whole line rewritten, its newline included) goes into that edit's text
  const markers: [number, string][] = [];
  const edits = layout.edits.map((e) => ({ ...e }));
  for (const [pos, marker] of layout.ctx.markers) {
    const e = edits.find((x) => x.start < pos && pos < x.end);
    if (!e) markers.push([pos, marker]);
    else e.text = e.text.endsWith("\n") ? `${e.text.slice(0, -1)}${marker}\n` : `${e.text}${marker}`;
  }
  const folded = foldInsertsIntoRemovedLines(mod.source, edits, layout.inserts);
  // a helper the file defines again under its name is called by a second name (emit/helper-names.ts)
  const shadowWritten = [...edits, ...folded.map((i) => ({ start: i.pos, end: i.pos, text: i.text }))];
  const helperAliases = aliasShadowedHelpers(
    mod.root,
    mod.source,
    orderHelpers(layout.ctx.helpers).map((h) => splitImports(helperSource(h)).body),
    shadowWritten,
  );
  const inserts = folded.map((ins, i) => ({ ...ins, text: shadowWritten[edits.length + i].text }));
  for (const e of edits) s.overwrite(e.start, e.end, e.text, { contentOnly: true });

  // forward → __call__ in every module class (emit/forward-name.ts)
  nameForwardMethods(s, mod);
  // torch's Module behaviours for a module class that also derives from Python classes (emit/module-mixins.ts)
  const mixed = mixTorchModuleSemantics(s, mod);
  // non-persistent buffers read by torch's name outside their class (emit/buffer-aliases.ts)
  aliasPrivateBuffers(s, mod);
  // weights torch keeps under `_` names, which MLX's Module leaves out of its parameters (emit/private-parameters.ts)
  const privateParameters = declarePrivateParameters(s, mod);

  // torch names inside string annotations, by the translator's table
  translateStringAnnotations(s, mod.root, mod.aliases);

  // markers first: at the same position, what is appended first comes first (a marker on the last line of a
  // class belongs before the sanitize() added after it)
  for (const [pos, marker] of markers) s.appendLeft(pos, marker);

  // the layouts a class declares for c2m_sequential (passes/sequential-layouts.ts)
  for (const [pos, text] of layoutDeclarationEdits(mod, layout.ctx.layoutDeclarations, layout.ctx.signatures)) s.appendLeft(pos, text);

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
      `\n\n${indent}def sanitize(self, weights):\n${indent}    """Convert a torch state_dict (as MLX arrays) to this module's parameters."""\n${indent}    return c2m_apply_weight_map(weights, ${runtimeRules(maps[name]) ? "c2m_runtime_renames(" : ""}C2M_WEIGHT_MAPS[${JSON.stringify(name)}]${runtimeRules(maps[name]) ? ")" : ""})`,
    );
  }
  // load_weights() on the classes whose maps leave keys to the modules built at run time
  const runtimeLoaders = addRuntimeWeightLoaders(s, mod, maps);
  const helpers = new Set(layout.ctx.helpers);
  if (runtimeLoaders) helpers.add(RUNTIME_WEIGHTS_HELPER).add("weight_map");
  if (mixed) helpers.add(MODULE_MIXIN_HELPER);
  if (privateParameters) helpers.add(PRIVATE_PARAMETERS_HELPER);
  if (needsSanitize.length) helpers.add("weight_map");
  // imports of torch libraries outside the program go like torch's; their names are placeholders after the helpers
  const placeholdered = mod.imports.filter((i) => i.placeholders?.length);
  if (placeholdered.length) helpers.add(UNTRANSLATED_HELPER);
  const removed = (i: ImportIR) => i.torch || !!i.placeholders?.length;

  const helperImports: string[] = [];
  const helperBodies: string[] = [];
  for (const h of orderHelpers(helpers)) {
    const { imports, body } = splitImports(helperSource(h));
    helperImports.push(...imports);
    // helpers may use math (cookbook/helpers/registry.ts) without importing it: the file must
    if (/\bmath\./.test(body)) helperImports.push("import math");
    helperBodies.push(body);
  }
  const existing = new Set(mod.imports.filter((i) => !removed(i)).map((i) => i.node.text.trim()));
  const torchImports = mod.imports.filter(removed);
  const candidates = [...new Set([...MLX_IMPORTS, ...layout.ctx.imports, ...helperImports])].filter((l) => !existing.has(l));
  // two blank lines after the helpers: as many as the source has after its imports, plus what is missing
  const lastImportEnd = mod.imports.length ? Math.max(...mod.imports.map((i) => i.node.endIndex)) : 0;
  const blankAfter = (/^\n*/.exec(mod.source.slice(lastImportEnd))?.[0].length ?? 1) - 1;
  // classes standing for torch layers passed as values derive from MLX layers and helpers: after them
  helperBodies.push(...[...layout.ctx.layerValues.keys()].sort().map((name) => layout.ctx.layerValues.get(name)!));
  if (helperAliases.length) helperBodies.push(helperAliases.join("\n"));
  // names the removed torch imports bound that have no translation: placeholders, after the Untranslated helper
  const placeholders = [...layout.placeholders, ...placeholdered.map(placeholderLines)];
  const block = (bodies: string[], lines: string[]) => {
    const all = lines.length ? [...bodies, lines.join("\n")] : bodies;
    return all.length ? `\n\n\n${all.join("\n\n\n")}${"\n".repeat(Math.max(0, 2 - blankAfter))}` : "";
  };
  let helperBlock = block(helperBodies, placeholders);
  // helpers go after the last import that stays (a removed torch import cannot carry them)
  const kept = mod.imports.filter((i) => !removed(i) && i.node.parent === mod.root);
  // ... and before the first module-level statement that runs code: an `if` between imports may call a helper
  // (an Untranslated placeholder) on import, and a helper defined below it is a NameError
  const firstCode = namedChildren(mod.root).find((n) => !IMPORT_LIKE.has(n.type) && !(n.type === "expression_statement" && n.namedChildren[0]?.type === "string"));
  const keptBeforeCode = kept.filter((i) => !firstCode || i.node.startIndex < firstCode.startIndex);
  const lastKept = keptBeforeCode[keptBeforeCode.length - 1];
  const [firstTorch, ...otherTorch] = torchImports;
  // a placeholder that runs on import (a nested import's, a module-level value's) needs the helpers above it
  const firstPlaceholder = firstImportTimePlaceholder(mod, layout);
  const helpersAfterKept =
    lastKept &&
    (!firstTorch || lastKept.node.startIndex > firstTorch.node.startIndex) &&
    !(firstTorch && firstTorch.node.startIndex < firstPlaceholder && lastKept.node.endIndex > firstPlaceholder);
  const top = namedChildren(mod.root).filter((n) => n.type !== "comment");
  const isDocstring = (n: SyntaxNode) => n === top[0] && n.type === "expression_statement" && n.namedChildren[0]?.type === "string";
  const leading = top.filter((n, i) => top.slice(0, i + 1).every((m) => isDocstring(m) || m.type === "future_import_statement")).pop();
  for (const r of otherTorch) s.remove(r.node.startIndex, lineEnd(mod.source, r.node.endIndex));
  // imports: the first torch import becomes MLX's, the other torch imports go; then the inserted statements
  const placeImports = (target: MagicString, lines: string[]): void => {
    const importBlock = lines.join("\n");
    if (firstTorch) {
      // a torch import alone in a block (`try: import torch`) leaves `pass` when the output needs no import
      const text = importBlock + (helpersAfterKept ? "" : helperBlock);
      target.overwrite(firstTorch.node.startIndex, firstTorch.node.endIndex, text || (firstTorch.node.parent === mod.root ? "" : "pass"));
    } else if (importBlock || (helperBlock && !helpersAfterKept)) {
      // torch names that came through a star import: MLX's imports go before the file's first import (after a
      // docstring and `from __future__`, which must come first), else after the docstring, else at the top
      const anchor = kept.find((i) => !/^from\s+__future__\b/.test(i.node.text));
      const text = `${importBlock ? `${importBlock}\n` : ""}${helpersAfterKept ? "" : helperBlock.trimStart() + "\n\n"}`;
      if (anchor) target.appendLeft(anchor.node.startIndex, text);
      else if (leading) target.appendLeft(leading.endIndex, `\n${text.replace(/\n$/, "")}`);
      else target.prepend(text);
    }
    if (helpersAfterKept) target.appendLeft(lastKept.node.endIndex, helperBlock);
    for (const ins of inserts) target.appendLeft(ins.pos, ins.text);
  };
  // c2m adds no pyflakes finding (./prune.ts): the output is read with every candidate import in place, then
  // locals and imports the translation made unused go, then the imports it needs are placed
  // the weight maps go at the end (they read no name): in the probe too, so that the probe's text is the
  // output's whenever pruning changes nothing more, and the verifier reads the probe's tree
  const mapsText = Object.keys(maps).length
    ? `\n\n# c2m: torch state_dict keys and layouts -> MLX parameters (read by \`c2m weights --map\` and sanitize())\n${topLevel.length === 1 ? `C2M_TOP_LEVEL = ${JSON.stringify(topLevel[0])}\n` : ""}${weightMapsLiteral(maps)}\n`
    : "";
  let probed: Tree | undefined;
  const readOutput = (): Usage => {
    const probe = s.clone();
    placeImports(probe, candidates);
    if (mapsText) probe.append(mapsText);
    const text = probe.toString();
    // a read after a dead store went parses only the statements that changed (../grammar/reparse.ts)
    const again = probed && phase("emit: reparse", () => reparseEdited(probed!, text));
    if (again) probed = again;
    else {
      const native = phase("emit: parse output", () => parsePython(text));
      probed = native.rootNode.hasError ? undefined : phase("emit: plain tree copy", () => copyOutput(native, probe, text));
      if (!probed) return phase("emit: names read", () => usageOf(plainTreeOf(native, text).rootNode));
    }
    return phase("emit: names read", () => usageOf(probed!.rootNode));
  };
  // the output is the input with the probe's edits: the input's subtrees over text no edit touched are copied from its plain tree (../grammar/incremental.ts)
  const copyOutput = (native: NativeTree, probe: MagicString, text: string): Tree => {
    const edits = editsOf(probe, text);
    return edits ? plainTreeEdited(native, text, mod.root.tree, edits) : plainTreeOf(native, text);
  };
  const input = phase("emit: names read", () => usageOf(mod.root));
  let output = readOutput();
  // a store dropped may leave the one that fed it unread (`backends = str(...)` once `device = ... backends ...` goes): one more round
  for (let round = 0; round < 2 && phase("emit: dead stores", () => dropDeadStores(s, mod.root, input, output)); round++) output = readOutput();
  // names of removed imports the output still reads in function bodies: one placeholder each (../passes/runtime-placeholders.ts)
  const runtime = runtimePlaceholders(layout.removed, output.unresolved, layout.ctx.diags);
  if (runtime.lines.length) {
    // the Untranslated helper imports nothing, and the bindings read nothing else: the usage read above stands
    const bodies = helpers.has(UNTRANSLATED_HELPER) ? helperBodies : [splitImports(helperSource(UNTRANSLATED_HELPER)).body, ...helperBodies];
    helperBlock = block(bodies, [...placeholders, ...runtime.lines]);
  }
  dropImportsMadeUnused(
    s,
    mod.root,
    kept.map((i) => i.node),
    input,
    output,
  );
  const own = new Set(kept.flatMap((i) => importBindings(i.node).map((b) => b.name)));
  placeImports(s, neededImportLines(candidates, output.moduleReads, own));

  if (mapsText) s.append(mapsText);
  const code = s.toString();
  // the verifier reads the final text: the last read's tree, or, where imports or placeholders changed since, that
  // tree with the statements that changed parsed again
  const tree = probed && (probed.source === code ? probed : phase("emit: reparse", () => reparseEdited(probed!, code)));
  return { code, map: phase("source map", () => hiresSourceMap(s, filename)), placeholders: runtime.names, tree };
}

/**
 * A statement inserted beside one the translation removed whole (`x = x.transpose(...)` after a dropped
 * `x = x.contiguous()` or a cancelled permute) would land after the removed line's newline, glued to the next
 * line (a syntax error): it takes the removed line's place instead, at its indentation. Returns the other inserts.
 */
function foldInsertsIntoRemovedLines(
  source: string,
  edits: { start: number; end: number; text: string }[],
  inserts: { pos: number; text: string }[],
): { pos: number; text: string }[] {
  const removedLines = edits.filter((e) => e.text === "" && source[e.end - 1] === "\n" && (e.start === 0 || source[e.start - 1] === "\n"));
  return [...inserts]
    .sort((a, b) => a.pos - b.pos)
    .filter((ins) => {
      const e = removedLines.find((r) => r.start < ins.pos && ins.pos < r.end);
      if (!e || ins.text.trim().includes("\n")) return true;
      e.text += `${/^[ \t]*/.exec(source.slice(e.start))![0]}${ins.text.trim()}\n`;
      return false;
    });
}

/** Where the first edit that writes a placeholder Python runs on import starts (not in a function body); Infinity when none. */
function firstImportTimePlaceholder(mod: ModuleIR, layout: LayoutResult): number {
  let first = Infinity;
  for (const e of layout.edits) {
    if (e.start >= first || !containsPlaceholder(e.text)) continue;
    // the same test the translator used to write a placeholder there (../passes/untranslated.ts)
    if (evaluatedOnImport(deepestAt(mod.root, e.start))) first = e.start;
  }
  return first;
}

/** The innermost node whose span holds `index`. */
function deepestAt(root: SyntaxNode, index: number): SyntaxNode {
  let n = root;
  for (;;) {
    const inner = n.children.find((c) => c.startIndex <= index && index < c.endIndex);
    if (!inner) return n;
    n = inner;
  }
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
  // an import whose uses the edits replaced (`importlib.metadata.version(...)` → the helper) goes (./prune.ts); the
  // helpers' own import lines bind what they read
  const read = usageOf(parseModule(s.toString()).rootNode);
  for (const name of imports.flatMap(lineBindings)) read.moduleReads.add(name);
  dropImportsMadeUnused(s, root, topImports, usageOf(root), read);
  const kept = topImports.filter((n) => {
    try {
      return s.slice(n.startIndex, n.endIndex) === n.text;
    } catch {
      return false;
    }
  });
  // after the last import kept that precedes the first edit: the helpers are defined before any code calls them
  const firstEdit = Math.min(...edits.map((e) => e.start));
  const last = kept.filter((n) => n.endIndex <= firstEdit).pop();
  if (last) s.appendLeft(last.endIndex, `\n${text.trimEnd()}`);
  else s.prepend(`${text.trimStart()}\n\n`);
  return { code: s.toString(), map: hiresSourceMap(s, filename), placeholders: new Map() };
}
