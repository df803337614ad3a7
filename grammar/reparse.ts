/**
 * Parsing a text again after a few edits, without parsing all of it: the emitter reads its output, edits it
 * a little (a dead store dropped, the imports it needs placed, placeholders bound) and reads it again, and
 * the verifier reads the final text. Tree-sitter's own incremental parse still has every node copied into
 * a plain tree (grammar/syntax-tree.ts) afterwards; here the top-level statements before and after the one
 * stretch the edits touch are moved over from the old plain tree, and only the statements in that stretch
 * are parsed and copied.
 *
 * Why the result is the tree a whole parse gives: a statement that starts a line at column 0 outside any
 * bracket is where Python's tokenizer holds no state (indentation stack at zero, no open bracket), so the
 * statements before it parse the same whatever follows, as long as something at column 0 that is not a
 * comment follows (a comment or an indented line could still belong to the last block); and the statements
 * from it on parse the same whatever precedes. The stretch is cut at such statements, on both sides of the
 * edits, and is parsed alone followed by a `pass` at column 0, which stands for the statement after it.
 * test/reparse.test.ts compares the result with a whole parse.
 */
import { parsePython, plainTreeOf } from "./python.js";
import { SyntaxNode, Tree } from "./syntax-tree.js";

/** stands for the statement after the stretch: something at column 0 that is not a comment */
const NEXT_STATEMENT = "pass\n";

/**
 * The plain tree of `text`, from `old`: the plain tree (without syntax errors) of a text that differs from
 * `text` in one stretch. `old`'s nodes move to the new tree: `old` must not be read again. Undefined where
 * the stretch does not parse alone without errors, or where `old` has errors: the caller parses the whole
 * text.
 */
export function reparseEdited(old: Tree, text: string): Tree | undefined {
  const before = old.source;
  const root = old.rootNode;
  if (root.hasError) return undefined;
  const shorter = Math.min(before.length, text.length);
  let prefix = 0;
  while (prefix < shorter && before.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && before.charCodeAt(before.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)) suffix++;
  const kids = root.children;
  const cut = (k: SyntaxNode) => k.type !== "comment" && (k.startIndex === 0 || before.charCodeAt(k.startIndex - 1) === NEWLINE);
  // the stretch starts at the last cut whose first character the edits left (kept: the statements before it)
  let first = 0;
  for (let i = kids.length - 1; i > 0; i--)
    if (kids[i].startIndex < prefix && cut(kids[i])) {
      first = i;
      break;
    }
  // ... and ends before the first cut after the edits whose preceding newline they left too
  const unchangedFrom = before.length - suffix;
  let next = kids.length;
  for (let i = first + 1; i < kids.length; i++)
    if (kids[i].startIndex > unchangedFrom && cut(kids[i])) {
      next = i;
      break;
    }
  const delta = text.length - before.length;
  const start = first === 0 ? 0 : kids[first].startIndex;
  const end = next === kids.length ? text.length : kids[next].startIndex + delta;
  const closing = next === kids.length ? "" : NEXT_STATEMENT;
  const stretchText = text.slice(start, end) + closing;
  const native = parsePython(stretchText);
  if (native.rootNode.hasError) return undefined;
  const stretch = plainTreeOf(native, stretchText).rootNode;
  const parsed = stretch.children.slice();
  if (closing) {
    const stand = parsed.pop();
    // the stand-in must be a statement of its own, not a continuation of the stretch's last line
    if (stand?.type !== "pass_statement" || stand.startIndex !== end - start) return undefined;
  }
  return new Tree(text, (tree) => {
    const rootStart = first === 0 ? stretch.startIndex + start : root.startIndex;
    const rootEnd = next === kids.length ? stretch.endIndex + start : root.endIndex + delta;
    const out = SyntaxNode.create(tree, root.type, true, false, rootStart, rootEnd);
    const head = kids.slice(0, first);
    const tail = kids.slice(next);
    for (const k of head) SyntaxNode.move(k, tree, 0);
    for (const k of parsed) SyntaxNode.move(k, tree, start);
    for (const k of tail) SyntaxNode.move(k, tree, delta);
    SyntaxNode.link(out, [...head, ...parsed, ...tail]);
    return out;
  });
}

const NEWLINE = 10;
