/**
 * Where a statement the layout pass adds (a transpose before a function's first statement, or after the
 * statement that defines a value) goes in the original text.
 *
 * A statement standing on its own line gets a whole line of its own, anchored at a line start: before the
 * line of the statement it precedes, after the newline that ends the statement it follows. Anchored so, the
 * new line survives whatever happens to its neighbour (a neighbour's line that another edit removes, or
 * replaces by text of another length, does not take the new line's line break with it, nor glue the next
 * statement onto it). A statement that shares its line with something else (`if c: x = f(x)`, `a = 1; b = 2`)
 * is a simple statement (a compound one always starts its line), so the new one joins it on that line with `; `.
 */
import type { SyntaxNode } from "../grammar/python.js";

export interface StatementInsert {
  pos: number;
  text: string;
}

/** `line` (one statement, no indentation, no newline) as a new line after `stmt`. */
export function insertAfterStatement(src: string, stmt: SyntaxNode, line: string): StatementInsert {
  const indent = " ".repeat(stmt.startPosition.column);
  const nl = src.indexOf("\n", stmt.endIndex);
  if (standsAlone(src, stmt) && nl >= 0 && /^\s*(#.*)?$/.test(src.slice(stmt.endIndex, nl))) return { pos: nl + 1, text: `${indent}${line}\n` };
  return { pos: stmt.endIndex, text: `; ${line}` };
}

/** `line` (one statement, no indentation, no newline) as a new line before `stmt`. */
export function insertBeforeStatement(src: string, stmt: SyntaxNode, line: string): StatementInsert {
  if (standsAlone(src, stmt)) return { pos: lineStart(src, stmt.startIndex), text: `${" ".repeat(stmt.startPosition.column)}${line}\n` };
  return { pos: stmt.startIndex, text: `${line}; ` };
}

/** Nothing but indentation before the statement on its line. */
function standsAlone(src: string, stmt: SyntaxNode): boolean {
  return /^[ \t]*$/.test(src.slice(lineStart(src, stmt.startIndex), stmt.startIndex));
}

function lineStart(src: string, pos: number): number {
  return src.lastIndexOf("\n", pos - 1) + 1;
}
