/** What an output check found: a diagnostic code, where in the *output* it is, and what is wrong. */
import type { Point, SyntaxNode } from "../../grammar/python.js";

export interface Finding {
  code: string;
  /** the output node at fault (its start is the position mapped back to the input) */
  at: Point;
  /** the output node at fault (the marker goes at the end of its statement or clause header) */
  node?: SyntaxNode;
  message: string;
}

export function finding(code: string, node: SyntaxNode, message: string): Finding {
  return { code, at: node.startPosition, node, message };
}
