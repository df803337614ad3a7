/**
 * Warp-synchronous code on `volatile` memory in the Metal printer. CUDA's classic reductions finish with
 * `if (tid < 32) { v[tid] += v[tid + 32]; v[tid] += v[tid + 16]; ... }` on a `volatile` pointer and no
 * barrier: they rely on a warp executing each instruction for all its lanes at once, so that every lane
 * reads before any lane writes. Metal promises no such lockstep for threadgroup memory, and `volatile`
 * alone orders nothing between lanes, so each such store becomes two SIMD-group steps: compute the value
 * (every lane reads), a simdgroup_barrier, store it, another simdgroup_barrier (the next step reads what
 * this one wrote). The SIMD-group must be converged there, as the CUDA warp had to be.
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { KFunction } from "../ir/kernel.js";
import { declaratorName, field, fields, named, qualifierWords, unparen, walk } from "../passes/kernel/cst.js";

const STEP_BARRIER = "simdgroup_barrier(mem_flags::mem_threadgroup)";

/**
 * Pointers and arrays a function declares `volatile` (parameters and locals) and stores through at least
 * twice: a warp-synchronous sequence. A single volatile store (a flag another block polls) is left as
 * written, since a SIMD-group barrier in the divergent code around it could hang.
 */
export function volatileNames(fn: KFunction): Set<string> {
  const out = new Set<string>();
  for (const p of fn.params) if (/\bvolatile\b/.test(p.node.text)) out.add(p.name);
  walk(fn.body, (n) => {
    if (n.type !== "declaration" || !qualifierWords(n).includes("volatile")) return;
    for (const d of fields(n, "declarator")) {
      const name = declaratorName(d);
      if (name) out.add(name);
    }
  });
  let stores = 0;
  walk(fn.body, (n) => {
    if (n.type === "expression_statement" && storeTarget(n, out)) stores++;
  });
  return stores >= 2 ? out : new Set();
}

/** The volatile name an expression statement `v[i] op= e;` stores through, if any. */
function storeTarget(statement: CudaNode, names: Set<string>): string | undefined {
  const e = named(statement)[0];
  if (!e || e.type !== "assignment_expression") return undefined;
  const left = unparen(field(e, "left")!);
  const target =
    left.type === "subscript_expression" || (left.type === "pointer_expression" && field(left, "operator")?.text === "*") ? unparen(field(left, "argument")!) : undefined;
  return target?.type === "identifier" && names.has(target.text) ? target.text : undefined;
}

/**
 * `v[i] op= e;` / `v[i] = e;` on a volatile name, printed as one lockstep step; undefined for any other
 * statement. `print` prints a sub-node as the Metal printer does.
 */
export function volatileStep(statement: CudaNode, names: Set<string>, print: (n: CudaNode) => string): string | undefined {
  if (!names.size || !storeTarget(statement, names) || storesRegisterThenSyncs(statement, names)) return undefined;
  const e = named(statement)[0]!;
  const left = unparen(field(e, "left")!);
  const op = field(e, "operator")?.text ?? "=";
  const lhs = print(left);
  const rhs = print(field(e, "right")!);
  const value = op === "=" ? rhs : `${lhs} ${op.slice(0, -1)} (${rhs})`;
  return `{ auto c2m_step = ${value}; ${STEP_BARRIER}; ${lhs} = c2m_step; ${STEP_BARRIER}; }  // c2m: one warp-synchronous step`;
}

/** `__syncwarp()`, `tile.sync()`, `cg::sync(tile)`, `__syncthreads()`: an explicit barrier statement. */
const EXPLICIT_SYNC = /^(__syncwarp\s*\(.*\)|__syncthreads\s*\(\s*\)|(\w+::)?sync\s*\(\s*\w+\s*\)|\w+\.sync\s*\(\s*\))\s*;$/s;
const LOOPS = new Set(["for_statement", "while_statement", "do_statement", "for_range_loop"]);

/**
 * Volta-era code (`if (lane < i) { t = v[tid + i]; s += t; v[tid] = s; } tile32.sync();`): the store
 * `v[i] = e` reads no volatile memory (so no other lane's element in the same statement), and an explicit
 * warp or block barrier comes before the next volatile store. The author ordered the lanes; no lockstep
 * step is added, whose SIMD-group barriers would also hang in the divergent code around such a store.
 */
function storesRegisterThenSyncs(statement: CudaNode, names: Set<string>): boolean {
  const e = named(statement)[0]!;
  if (field(e, "operator")?.text !== "=") return false;
  let readsVolatile = false;
  walk(field(e, "right")!, (n) => {
    if (n.type === "identifier" && names.has(n.text)) readsVolatile = true;
  });
  if (readsVolatile) return false;
  let storesVolatile = false;
  for (let n: CudaNode = statement; n.parent; n = n.parent) {
    if (LOOPS.has(n.parent.type) || n.parent.type === "function_definition") return false;
    if (n.parent.type !== "compound_statement") continue;
    for (let next = n.nextNamedSibling; next; next = next.nextNamedSibling) {
      if (next.type === "expression_statement" && EXPLICIT_SYNC.test(next.text.trim())) return true;
      walk(next, (x) => {
        if (x.type === "expression_statement" && storeTarget(x, names)) storesVolatile = true;
      });
      if (storesVolatile) return false;
    }
  }
  return false;
}
