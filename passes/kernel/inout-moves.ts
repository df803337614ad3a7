/**
 * Pointer arithmetic on an in-place buffer (`C += row * N`, `C = C + off`): the buffer is split into
 * a copy-in input and a touched mask (role inout-copy), so both printers move those twins with it.
 * This says which assignments move such a pointer, and where a row pointer into a buffer points (its
 * declaration, then each re-pointing statement of the kernel's body); pure.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { field, unparen, walk } from "./cst.js";

export interface PointerMove {
  /** the pointer moved (a parameter or a row pointer with twins) */
  name: string;
  op: string;
  right: CudaNode;
}

/** `p += e`, `p -= e` or `p = p ± e` for a pointer in `names`, with an offset that has no side effect to repeat. */
export function pointerMove(assign: CudaNode, names: ReadonlySet<string>): PointerMove | undefined {
  if (assign.type !== "assignment_expression") return undefined;
  const left = unparen(field(assign, "left")!);
  if (left.type !== "identifier" || !names.has(left.text)) return undefined;
  const op = field(assign, "operator")?.text ?? "=";
  const right = unparen(field(assign, "right")!);
  const offsetOnly =
    op === "+=" ||
    op === "-=" ||
    (op === "=" && right.type === "binary_expression" && /^[-+]$/.test(field(right, "operator")?.text ?? "") && unparen(field(right, "left")!).text === left.text);
  let pure = true;
  walk(right, (n) => {
    if (n.type === "assignment_expression" || n.type === "update_expression" || n.type === "call_expression") pure = false;
  });
  return offsetOnly && pure ? { name: left.text, op, right: field(assign, "right")! } : undefined;
}

/** The same move applied to a twin (`C_in += e`, `C_in = C_in + e`), given the offset as printed. */
export function moveTwin(move: PointerMove, twin: string, printedRight: string): string {
  return move.op === "=" ? `${twin} = ${printedRight.replace(new RegExp(`\\b${move.name}\\b`), twin)}` : `${twin} ${move.op} ${printedRight}`;
}

export type AliasDef = {
  param: string;
  offset?: CudaNode;
  terms?: CudaNode[];
  writes: number;
  decl?: CudaNode;
  /** `x = out + idx * C;` statements of the kernel's body itself that point the alias somewhere else, in order */
  moves?: AliasMove[];
};
/** A row pointer re-pointed into a parameter by a statement of the kernel's body. */
export type AliasMove = { node: CudaNode; param: string; offset?: CudaNode; terms?: CudaNode[] };

/** `param`, `param + off` or `param + a + b`: where a pointer expression points, when c2m can say. */
export function pointsInto(u: CudaNode | null, params: Set<string>): { param: string; offset?: CudaNode; terms?: CudaNode[] } | undefined {
  return u?.type === "identifier" && params.has(u.text)
    ? { param: u.text }
    : u?.type === "binary_expression" && field(u, "operator")?.text === "+" && unparen(field(u, "left")!).type === "identifier" && params.has(unparen(field(u, "left")!).text)
      ? { param: unparen(field(u, "left")!).text, offset: field(u, "right")! }
      : chainOffset(u, params);
}

export function chainOffset(u: CudaNode | null, params: Set<string>): { param: string; terms: CudaNode[] } | undefined {
  const terms: CudaNode[] = [];
  let e = u;
  while (e && e.type === "binary_expression" && field(e, "operator")?.text === "+") {
    terms.unshift(field(e, "right")!);
    e = unparen(field(e, "left")!);
  }
  return e?.type === "identifier" && params.has(e.text) && terms.length > 1 ? { param: e.text, terms } : undefined;
}

/** Where an alias points at a node: its last re-pointing before the node, else its declaration. */
export function aliasAt(def: AliasDef, node: CudaNode): { param: string; offset?: CudaNode; terms?: CudaNode[] } {
  const moves = (def.moves ?? []).filter((m) => m.node.endIndex <= node.startIndex);
  return moves.length ? moves[moves.length - 1]! : def;
}

/**
 * The offsets a read-write parameter is moved by before it is used (`residual += C * idx;`, `y = y + off;`),
 * each a statement of the kernel's body itself (not in a loop or branch): every access then adds them.
 * A move anywhere else (in a loop, under a condition, `-=`, `++`) is returned as the reason c2m cannot follow it.
 */
export function parameterMoves(body: CudaNode, name: string): CudaNode[] | string {
  const out: CudaNode[] = [];
  let why: string | undefined;
  walk(body, (n) => {
    if (why) return false;
    const target = n.type === "assignment_expression" ? field(n, "left") : n.type === "update_expression" ? field(n, "argument") : null;
    if (!target || unparen(target).text !== name) return;
    const move = n.type === "assignment_expression" ? pointerMove(n, new Set([name])) : undefined;
    const statement = n.parent?.type === "expression_statement" && n.parent.parent === body;
    if (!move || move.op === "-=" || !statement) {
      why = `'${name}' is moved other than by \`${name} += offset;\` at the top of the kernel (${n.text.slice(0, 40)}), so c2m cannot follow where its accesses land`;
      return false;
    }
    const right = unparen(move.right);
    out.push(move.op === "=" ? field(right, "right")! : move.right);
  });
  return why ?? out;
}
