/**
 * star-imports: torch names a file receives through `from .sibling import *`. Python's star import hands on
 * every public name of the sibling (its `__all__` when it declares one), the modules it imported included:
 * timm's `create_act.py` uses `torch`, `nn` and `F` with no torch import of its own, because
 * `from .activations import *` binds them. Such a file is torch code and is translated like one; each name
 * it uses that way joins its aliases (`F` → `torch.nn.functional`), exactly as if it had imported it.
 *
 * Reads: the file's tree and its binder view (ir/binder, following the star imports across the program).
 * Writes: nothing; returns the aliases found.
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { FileSemantics, Resolved } from "../ir/binder/semantics.js";
import { starExports } from "../ir/binder/resolve.js";
import type { SourceFile } from "../ir/program/source-file.js";

/**
 * local name → torch name, for each name `root` uses that it does not bind at module level and that a star
 * import of a file binds to a torch name. A star import of torch itself is a torch import already, and is not
 * followed here: it would claim every unbound name (a function's locals included).
 */
export function starTorchAliases(root: SyntaxNode, semantic: FileSemantics): Map<string, string> {
  const found = new Map<string, string>();
  const scope = semantic.file.scope;
  if (!scope?.stars.length) return found;
  for (const name of usedNames(root)) {
    if (scope.symbols.has(name)) continue;
    const r = starBinding(semantic, name, new Set());
    if (r?.kind === "torch") found.set(name, r.name);
  }
  return found;
}

/** What a star import of a file (the last one that binds it, as Python rebinds) makes of `name`, following chains of star imports. */
function starBinding(semantic: FileSemantics, name: string, seen: Set<SourceFile>): Resolved | undefined {
  if (seen.has(semantic.file)) return undefined;
  seen.add(semantic.file);
  const stars = semantic.file.scope?.stars ?? [];
  for (let i = stars.length - 1; i >= 0; i--) {
    const ref = semantic.program.resolveModule(semantic.file, stars[i].module, stars[i].level);
    if (ref.kind !== "file" || !starExports(ref.file, name)) continue;
    const target = semantic.of(ref.file);
    if (ref.file.scope?.symbols.has(name)) return target.resolveName(name);
    const deeper = starBinding(target, name, seen);
    if (deeper) return deeper;
  }
  return undefined;
}

/** The identifiers a tree reads (names in load position or not: a name the file binds is filtered by the caller). */
function usedNames(root: SyntaxNode): Set<string> {
  const names = new Set<string>();
  const stack: SyntaxNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === "identifier") {
      // `x.attr`: only the object is a name; keyword argument names are not reads
      const p = n.parent;
      if (p?.type === "attribute" && p.childForFieldName("attribute") === n) continue;
      if (p?.type === "keyword_argument" && p.childForFieldName("name") === n) continue;
      names.add(n.text);
      continue;
    }
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
  return names;
}
