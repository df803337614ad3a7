/**
 * Parameters a library ties after construction: transformers' `_tied_weights_keys` class attribute
 * (`{"lm_head.weight": "transformer.wte.weight"}`, or a list of keys in older models) makes PreTrainedModel point
 * the head's weight at the embedding's, one tensor. The port's module tree holds each as its own array: the
 * outputs match after loading, but the trainable parameter count is torch's plus the tied copies, and training
 * moves them apart. Nothing in the class's code says so, so the class attribute carries the diagnostic
 * (C2M-E028), naming each tied key.
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import type { ModuleIR } from "../ir/module.js";

export const TIED_WEIGHTS_CODE = "C2M-E028";

const TIE_ATTRIBUTES = new Set(["_tied_weights_keys"]);

/** The tied keys a `_tied_weights_keys = ...` value names: `target ← source` pairs of a dict, the keys of a list. */
function tiedKeys(value: SyntaxNode): string[] {
  const text = (n: SyntaxNode | null | undefined) => (n?.type === "string" ? n.text.replace(/^[rbuf]*["']+|["']+$/gi, "") : undefined);
  if (value.type === "dictionary")
    return value.namedNonComment
      .filter((p) => p.type === "pair")
      .flatMap((p) => {
        const [k, v] = [text(p.childForFieldName("key")), text(p.childForFieldName("value"))];
        return k ? [v ? `${k} (tied to ${v})` : k] : [];
      });
  if (value.type === "list" || value.type === "tuple" || value.type === "set") return value.namedNonComment.flatMap((e) => text(e) ?? []);
  return [];
}

export function reportLibraryTies(mod: ModuleIR, diags: DiagnosticBag): void {
  for (const cls of mod.root.descendantsOfType("class_definition")) {
    for (const stmt of cls.childForFieldName("body")?.namedNonComment ?? []) {
      if (stmt.type !== "expression_statement") continue;
      const a = stmt.namedNonComment[0];
      if (a?.type !== "assignment") continue;
      const left = a.childForFieldName("left");
      const right = a.childForFieldName("right");
      if (left?.type !== "identifier" || !TIE_ATTRIBUTES.has(left.text) || !right) continue;
      const keys = tiedKeys(right);
      if (!keys.length) continue;
      const name = cls.childForFieldName("name")!.text;
      diags.report(
        TIED_WEIGHTS_CODE,
        stmt.startPosition,
        `${name}: ${keys.join(", ")} ${keys.length === 1 ? "is" : "are"} tied at run time (${left.text}); the port holds each as its own array`,
      );
    }
  }
}
