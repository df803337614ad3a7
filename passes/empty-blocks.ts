/**
 * A block whose every statement the translation removed (a dropout, `.to(device)`, a permute that became
 * a relabelling) would leave `if self.drop_rate:` with nothing under it, which is not Python. The first
 * removed statement of such a block becomes `pass` (a comment that stayed on its line stays after it).
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { Edit } from "./walk/types.js";

/** `edits` (sorted, not nested) with `pass` left in every block they would empty. */
export function fillEmptyBlocks(root: SyntaxNode, source: string, edits: Edit[]): Edit[] {
  // the first edit (in `edits`' order, which is by start) that spans the statement: a binary search for the
  // last edit starting at or before it, then back while an earlier edit may still reach its end (not a scan
  // of every edit for every statement)
  const reach: number[] = [];
  for (let i = 0; i < edits.length; i++) reach.push(Math.max(edits[i].end, i ? reach[i - 1] : -Infinity));
  const sorted = edits.every((e, i) => i === 0 || edits[i - 1].start <= e.start);
  const removedBy = (stmt: SyntaxNode): Edit | undefined => {
    if (!sorted) return edits.find((e) => e.start <= stmt.startIndex && e.end >= stmt.endIndex);
    let lo = 0;
    let hi = edits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edits[mid].start <= stmt.startIndex) lo = mid + 1;
      else hi = mid;
    }
    let found: Edit | undefined;
    for (let i = lo - 1; i >= 0 && reach[i] >= stmt.endIndex; i--) if (edits[i].end >= stmt.endIndex) found = edits[i];
    return found;
  };
  const replaced = new Map<Edit, Edit>();
  for (const block of root.descendantsOfType("block")) {
    const stmts = block.namedNonComment;
    if (!stmts.length) continue;
    // every statement removed, each asked in turn (most blocks keep their first, and are done with one search)
    const removals: Edit[] = [];
    for (const st of stmts) {
      const e = removedBy(st);
      if (!e || e.text.trim() !== "") break;
      removals.push(e);
    }
    if (removals.length < stmts.length) continue;
    // the whole compound statement may be gone with its block (a rule replaced it): nothing to fill
    const owner = block.parent ?? block;
    if (edits.some((e) => e.start <= owner.startIndex && e.end >= owner.endIndex)) continue;
    const first = removals[0]!;
    const stmt = stmts[0];
    const lineStart = source.lastIndexOf("\n", stmt.startIndex - 1) + 1;
    const indent = source.slice(lineStart, stmt.startIndex);
    // a removal from the start of the line takes its newline too; one from the statement keeps the comment
    const text =
      first.start === stmt.startIndex ? `pass${source.slice(stmt.endIndex, first.end)}` : `${/^\s*$/.test(indent) ? indent : ""}pass${source[first.end - 1] === "\n" ? "\n" : ""}`;
    replaced.set(first, { ...first, text });
  }
  return replaced.size ? edits.map((e) => replaced.get(e) ?? e) : edits;
}
