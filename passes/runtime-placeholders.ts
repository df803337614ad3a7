/**
 * Names of removed imports that the output still reads at run time. The output cannot import torch, so every
 * torch import goes (and so do imports of libraries built on torch); a use inside a function body that has no
 * translation (`torch._check(...)`, `F.grid_sample(...)`, a W040 optional import's name after its `raise
 * ImportError`) is left as written with its diagnostic (C2M-W002, C2M-W001, or the output checker's C2M-E023).
 * Left unbound, such a name is a NameError when that line runs and an undefined name to pyflakes (F821).
 *
 * Each such name is bound once per file, at the top with the import-time placeholders, to
 * `Untranslated("torch")` (passes/untranslated.ts, cookbook/helpers/Untranslated.py): the uses stay byte for
 * byte as the input wrote them, attribute access gives nested placeholders (`torch._check` is
 * `Untranslated("torch._check")`), and calling one raises NotImplementedError naming what to port. The binding
 * carries C2M-W041, a warning, at the import that bound the name: each use keeps its own diagnostic and
 * severity, and the output checker still reports an unmarked use as C2M-E023 (it resolves the name as if the
 * binding were absent), so a case failing on such a name is never judged silent for want of a diagnostic.
 *
 * Reads the module IR (torch aliases, top-level imports) and the nested torch imports; the emitter decides
 * which names are read (emit/prune.ts `Usage.unresolved`) and places the lines.
 */
import { importBindings, type SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import type { ModuleIR } from "../ir/module.js";
import type { NestedTorchImport } from "./torch-imports.js";
import { placeholderBinding } from "./untranslated.js";

export const RUNTIME_PLACEHOLDER_CODE = "C2M-W041";

export interface RemovedName {
  /** the qualified name the placeholder stands for (`torch`, `torch.nn.functional`, `torchcodec`) */
  q: string;
  /** the import statement that bound it in the input (where the diagnostic goes); absent for a star import's */
  at?: SyntaxNode;
}

/** local name → what it stood for, for every name a torch import (top level or nested) or a nested torch-library import bound. */
export function removedImportNames(mod: ModuleIR, nested: NestedTorchImport[]): Map<string, RemovedName> {
  const out = new Map<string, RemovedName>();
  const statementOf = new Map<string, SyntaxNode>();
  for (const i of mod.imports) if (i.torch) for (const { name: local } of importBindings(i.node)) if (!statementOf.has(local)) statementOf.set(local, i.node);
  for (const s of nested) for (const [local] of s.names) if (!statementOf.has(local)) statementOf.set(local, s.stmt);
  for (const [local, q] of mod.aliases) if (q === "torch" || q.startsWith("torch.")) out.set(local, { q, at: statementOf.get(local) });
  // a library's names, and torch names a try's except branch was to define (C2M-W052: not aliased)
  for (const s of nested) for (const [local, q] of s.names) if (!out.has(local)) out.set(local, { q, at: s.stmt });
  return out;
}

export const runtimePlaceholderMessage = (local: string, q: string): string =>
  `${local === q ? local : `${local} (${q})`} is read where c2m has no translation (each use is marked): a placeholder that raises when used`;

/**
 * One binding line per removed name the output reads and nothing in the output binds (`unresolved`), in the
 * order the names were imported, each reported (C2M-W041) at its import. Returns the lines and the names bound.
 */
export function runtimePlaceholders(removed: Map<string, RemovedName>, unresolved: ReadonlySet<string>, diags: DiagnosticBag): { lines: string[]; names: Map<string, string> } {
  const lines: string[] = [];
  const names = new Map<string, string>();
  for (const [local, { q, at }] of removed) {
    if (!unresolved.has(local)) continue;
    const message = runtimePlaceholderMessage(local, q);
    diags.report(RUNTIME_PLACEHOLDER_CODE, at?.startPosition ?? { row: 0, column: 0 }, message);
    lines.push(placeholderBinding(local, q, message, RUNTIME_PLACEHOLDER_CODE));
    names.set(local, q);
  }
  return { lines, names };
}
