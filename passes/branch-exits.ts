/**
 * Where branches meet (after an if/elif/else, at a loop's back edge), a name may hold tensors of different
 * physical layouts. The layout pass converts a branch's tensor where it was defined; a definition whose layout
 * is already decided otherwise (a consumer asked for channels-last) cannot move, and the branch's value must be
 * converted where the branch leaves instead: after the branch's last statement, or, for the value a branch-less
 * path carries in (an if without else, a loop's first entry), before the compound statement. Without that, the
 * walk goes on believing one layout while the other reaches the next statement at run time (transformers'
 * ConvNextStage: a loop over [ConvNextLayerNorm, Conv2d] whose result a channels-last consumer decided).
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import { transposeAxes, type Perm } from "../ir/tensor.js";
import { insertAfterStatement, insertBeforeStatement, type StatementInsert } from "./statement-inserts.js";

/** Where one branch's values leave towards the join: after `after` (its last statement), or before `before`. */
export type BranchExit = { after: SyntaxNode } | { before: SyntaxNode };

/** Statements after which nothing flows on to the join: a conversion placed after them would never run. */
const NO_FALL_THROUGH = new Set(["return_statement", "raise_statement", "continue_statement", "break_statement"]);

/** The exit of a block that runs to its end: after its last statement (undefined when the block never falls through). */
export function blockExit(block: SyntaxNode | null | undefined): BranchExit | undefined {
  const stmts = block ? namedChildren(block).filter((s) => s.type !== "comment") : [];
  const last = stmts[stmts.length - 1];
  if (!last || NO_FALL_THROUGH.has(last.type)) return undefined;
  return { after: last };
}

/** `name = name.transpose(...)` at a branch's exit, moving the value from layout `from` to layout `to`. */
export function conversionAtExit(
  src: string,
  exit: BranchExit,
  name: string,
  from: Perm | undefined,
  to: Perm | undefined,
  rank: number,
): { key: string; insert: StatementInsert } {
  const line = `${name} = ${name}.transpose(${transposeAxes(from, to, rank).join(", ")})`;
  // keyed by where the statement starts too: an if whose block ends it ends where its last statement does, and the two
  // exits (the branch's, then the loop's back edge after the if) are different conversions, inner first
  if ("after" in exit) return { key: `exit:${name}@${exit.after.startIndex}:${exit.after.endIndex}`, insert: insertAfterStatement(src, exit.after, line) };
  return { key: `entry:${name}@${exit.before.startIndex}`, insert: insertBeforeStatement(src, exit.before, line) };
}

/** Forgets the exit conversions placed in or just before `stmt` (a loop walked again decides them anew). */
export function dropConversionsWithin(inserts: Map<string, unknown>, stmt: SyntaxNode): void {
  for (const key of inserts.keys()) {
    const m = /^(?:exit|entry):.*@(?:\d+:)?(\d+)$/.exec(key);
    if (m && +m[1] >= stmt.startIndex && +m[1] <= stmt.endIndex) inserts.delete(key);
  }
}

/** The names a for statement binds each iteration (`for i, (a, b) in …`): none for a while loop. */
export function loopTargetNames(loop: SyntaxNode): Set<string> {
  const names = new Set<string>();
  const visit = (n: SyntaxNode): void => {
    if (n.type === "identifier") names.add(n.text);
    else for (const c of namedChildren(n)) visit(c);
  };
  const left = loop.type === "for_statement" ? loop.childForFieldName("left") : null;
  if (left) visit(left);
  return names;
}
