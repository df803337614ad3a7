/**
 * Whether every store to a write-only buffer is one the element takeover marks (passes/kernel/write-only.ts):
 * the takeover (BufferPlan.writeOnly) rewrites each access c2m knows — `y[E]`, `r[E]` on a row pointer declared
 * once into it, a 128-bit helper's span, a cache hint's address — to `c2m_own(...)`, which sets the element's flag,
 * and the wrapper keeps the caller's value wherever no flag is set. A store c2m does not rewrite (a vector cast
 * `*(float4*)(&y[i]) = v`, a helper given `y + off`, a pointer moved inside a loop `y++`) would write the output
 * without its flag, and the wrapper would then hand back the caller's value there: a mixed state, silently wrong.
 * So the takeover applies only where every use of the buffer's name (and of its row pointers) lies in an access
 * the takeover rewrites, a row pointer's declaration or re-pointing, a move of the parameter at the top of the
 * body (`y += off;`, which the printers apply to the twins too), or a test against null; else the buffer stays a
 * fresh output (C2M-K058). Pure.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KernelAnalysis } from "./buffers.js";
import { field, unparen, walk } from "./cst.js";
import { parameterMoves } from "./inout-moves.js";

const within = (n: CudaNode, outer: CudaNode) => n.startIndex >= outer.startIndex && n.endIndex <= outer.endIndex;

/** A comparison of the pointer with null (`if (bias != NULL)`, `y ? … : …` aside): reads no element. */
function nullTest(n: CudaNode): boolean {
  let up = n;
  while (up.parent?.type === "parenthesized_expression") up = up.parent;
  const p = up.parent;
  if (!p) return false;
  if (p.type === "binary_expression" && /^(==|!=)$/.test(field(p, "operator")?.text ?? "")) {
    const other = field(p, "left")?.startIndex === up.startIndex ? field(p, "right") : field(p, "left");
    return !!other && /^(NULL|nullptr|0)$/.test(unparen(other).text);
  }
  // `if (y)`, `!y`
  if (p.type === "unary_expression" && field(p, "operator")?.text === "!") return true;
  return p.type === "condition_clause" || (["if_statement", "while_statement"].includes(p.type) && field(p, "condition")?.startIndex === up.startIndex);
}

/**
 * Undefined when every use of write-only buffer `name` is one the takeover marks (given the access nodes it
 * rewrites), else the first other use, as the reason the buffer stays a fresh output.
 */
export function unmarkedUse(a: KernelAnalysis, name: string): string | undefined {
  const body = a.kernel.body;
  const moves = parameterMoves(body, name);
  if (typeof moves === "string") return moves;
  const sites = a.accesses.filter((s) => s.root.kind === "param" && s.root.name === name).map((s) => s.node);
  const rows = [...a.aliasDefs].filter(([, d]) => d.param === name || (d.moves ?? []).some((m) => m.param === name));
  const names = new Set([name, ...rows.map(([n]) => n)]);
  const allowed: CudaNode[] = [...sites];
  for (const [, d] of rows) {
    if (d.decl) allowed.push(d.decl);
    for (const m of d.moves ?? []) allowed.push(m.node);
  }
  // the parameter's own moves at the top of the body (parameterMoves checked where they are)
  walk(body, (n) => {
    if (n.type === "assignment_expression" && unparen(field(n, "left")!).text === name) allowed.push(n);
  });
  let why: string | undefined;
  walk(body, (n) => {
    if (why) return false;
    if (n.type !== "identifier" || !names.has(n.text)) return undefined;
    if (allowed.some((x) => within(n, x)) || nullTest(n)) return undefined;
    const stmt = n.parent?.parent ?? n.parent ?? n;
    why = `'${n.text}' is used where c2m does not mark the element it stores (${stmt.text.replace(/\s+/g, " ").slice(0, 60)})`;
    return false;
  });
  return why;
}
