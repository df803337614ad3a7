/**
 * The plain copy (grammar/syntax-tree.ts) of a text made by editing another, taking subtrees from the other's
 * plain tree: wherever the new native tree holds a node over text no edit touched, and the old tree holds a
 * node of the same type over the same text, that node is copied in JavaScript (shifted), not walked through
 * the native binding. The emitter reads its output, the input plus edits, this way (emit/python.ts).
 *
 * Why the old node's subtree is the new one's: both are tree-sitter's parse of the same characters as a node
 * of the same type that starts and ends at the same characters; the grammar's context reaches into a node
 * only through where it starts and ends (an indented block's first line is inside it). test/incremental-copy.test.ts
 * compares the result with a whole copy.
 */
import { plainTreeReusing, type NativeTree } from "./python.js";
import { SyntaxNode, type Tree } from "./syntax-tree.js";

/** A span `start`..`end` of the old text replaced by `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * The plain tree of `text`, parsed as `native` (without syntax errors), which is `old.source` with `edits`
 * applied (sorted, not overlapping).
 */
export function plainTreeEdited(native: NativeTree, text: string, old: Tree, edits: readonly TextEdit[]): Tree {
  // per edit, where its text starts and ends in the new text (everything after it moved by the difference)
  const newStart: number[] = [];
  const newEnd: number[] = [];
  let shift = 0;
  for (const e of edits) {
    newStart.push(e.start + shift);
    shift += e.text.length - (e.end - e.start);
    newEnd.push(e.end + shift);
  }
  const reuse = (tree: Tree, start: number, end: number, type: string): SyntaxNode | undefined => {
    // the edits that end at or before `start` (binary search): the span must end before the next one starts
    let lo = 0;
    let hi = edits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newEnd[mid] <= start) lo = mid + 1;
      else hi = mid;
    }
    if (lo < edits.length && newStart[lo] < end) return undefined;
    const delta = lo === 0 ? 0 : newEnd[lo - 1] - edits[lo - 1].end;
    const was = nodeAt(old.rootNode, start - delta, end - delta, type);
    return was && SyntaxNode.clone(was, tree, delta);
  };
  return plainTreeReusing(native, text, reuse);
}

/** The outermost node of `type` spanning exactly `start`..`end`, found down the nodes that hold the span. */
function nodeAt(root: SyntaxNode, start: number, end: number, type: string): SyntaxNode | undefined {
  let n = root;
  for (;;) {
    if (n.startIndex === start && n.endIndex === end && n.type === type) return n;
    const kids = n.children;
    // the last child starting at or before `start`
    let lo = 0;
    let hi = kids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kids[mid].startIndex <= start) lo = mid + 1;
      else hi = mid;
    }
    const k = kids[lo - 1];
    if (!k || k.endIndex < end) return undefined;
    n = k;
  }
}
