/**
 * Block barriers that only part of a threadgroup reaches (C2M-K002): a `__syncthreads()` (or a call of a
 * device function that reaches one) inside a branch of an `if`, `switch` or `?:` whose condition depends
 * on the thread (threadIdx, a lane or thread rank, or a local computed from them). Metal's
 * threadgroup_barrier must be reached by every thread of the threadgroup, and CUDA's __syncthreads in
 * such a branch is undefined too (SGEMM_CUDA's sgemmDoubleBuffering splits its block in two halves that
 * wait at different barriers). Only branches are judged: a thread-dependent loop bound or an early
 * `return` before a barrier diverges only for some launches (a partial last block), so c2m keeps those.
 * Cooperative groups' block barriers count as `__syncthreads()`: `block.sync()`, `cg::sync(block)`,
 * `this_thread_block().sync()`, where `block` is a local or parameter of type thread_block (or initialised
 * from this_thread_block()); a tile's `sync()` is a SIMD-group barrier and is not judged here.
 * Pure: reads the unit, reports diagnostics.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KernelUnit, KFunction } from "../../ir/kernel.js";
import type { DiagnosticBag } from "../../ir/diagnostics.js";
import { reportKernel } from "../../ir/kernel-diagnostics.js";
import { callArgs, calleeName, field, position, walk } from "./cst.js";

const BARRIER = /^__syncthreads(?:_count|_and|_or)?$/;
/** What makes a value differ between the threads of one threadgroup. */
const PER_THREAD = /\bthreadIdx\b|\bthread_rank\s*\(|\bthread_index\s*\(|\blaneid\b|__lane_id\s*\(/;
const BRANCHING = new Set(["if_statement", "switch_statement", "conditional_expression"]);
/** A thread_block's declared type (not thread_block_tile), and the factory that makes one. */
const BLOCK_TYPE = /(?:^|[\s:])thread_block(?![\w])/;
const BLOCK_FACTORY = /\bthis_thread_block\s*\(/;

/** The names that hold a thread_block in `f`: parameters and locals of that type or initialised from this_thread_block(). */
function blockGroups(f: KFunction): Set<string> {
  const out = new Set<string>();
  for (const p of f.params) if (BLOCK_TYPE.test(p.node.text.replace(/\s*\b\w+\s*$/, ""))) out.add(p.name);
  walk(f.body, (n) => {
    if (n.type !== "declaration") return;
    const typeText = field(n, "type")?.text ?? "";
    for (const d of n.namedChildren) {
      const name = d.type === "identifier" ? d.text : d.type === "init_declarator" ? field(d, "declarator")?.text : undefined;
      const init = d.type === "init_declarator" ? (field(d, "value")?.text ?? "") : "";
      if (name && (BLOCK_TYPE.test(` ${typeText}`) || BLOCK_FACTORY.test(init))) out.add(name);
    }
  });
  return out;
}

/** The barrier a call is, as the diagnostic names it (`__syncthreads()`, `block.sync()`, `cg::sync(block)`), or undefined. */
function barrierCall(n: CudaNode, blocks: Set<string>): string | undefined {
  const name = calleeName(n) ?? "";
  if (BARRIER.test(name)) return `${name}()`;
  const fn = field(n, "function");
  const isBlock = (t: CudaNode | null | undefined) => !!t && ((t.type === "identifier" && blocks.has(t.text)) || BLOCK_FACTORY.test(t.text));
  if (fn?.type === "field_expression" && field(fn, "field")?.text === "sync" && isBlock(field(fn, "argument"))) return n.text.replace(/\s+/g, "");
  if (/^(?:(?:cooperative_groups|cg)::)?sync$/.test(name) && isBlock(callArgs(n)[0])) return n.text.replace(/\s+/g, "");
  return undefined;
}

/** Reports each barrier of the kernel (or of a device function it calls) that sits in a thread-dependent branch; returns whether there was one. */
export function reportDivergentBarriers(unit: KernelUnit, kernel: KFunction, bag: DiagnosticBag): boolean {
  const devices = new Map(unit.deviceFunctions.map((f) => [f.name, f]));
  const barrierIn = new Map<string, boolean>();
  // whether a device function reaches a barrier (recursion counts as none: the printer reports recursion)
  const reaches = (f: KFunction, stack: string[] = []): boolean => {
    if (barrierIn.has(f.name)) return barrierIn.get(f.name)!;
    barrierIn.set(f.name, false);
    let found = false;
    const blocks = blockGroups(f);
    walk(f.body, (n) => {
      if (found || n.type !== "call_expression") return !found;
      const name = calleeName(n) ?? "";
      const callee = devices.get(name);
      if (barrierCall(n, blocks) || (callee && !stack.includes(name) && reaches(callee, [...stack, f.name]))) found = true;
    });
    barrierIn.set(f.name, found);
    return found;
  };
  const checked = new Set<string>();
  // one report per arm of a branch: its first barrier
  const seen = new Set<string>();
  let reported = false;
  const check = (f: KFunction, site: (n: CudaNode) => CudaNode, via: string) => {
    if (checked.has(f.name)) return;
    checked.add(f.name);
    const defs = definitions(f);
    const blocks = blockGroups(f);
    walk(f.body, (n) => {
      if (n.type !== "call_expression") return;
      const name = calleeName(n) ?? "";
      const callee = devices.get(name);
      const own = barrierCall(n, blocks);
      if (!own && !(callee && reaches(callee))) return;
      const branch = threadBranch(n, f.body, defs);
      const key = branch ? `${branch.at.startIndex}:${branch.arm}` : "";
      if (branch && seen.has(key)) return;
      if (branch) {
        seen.add(key);
        reported = true;
        const barrier = own ?? `the barrier in '${name}'`;
        reportKernel(
          bag,
          "C2M-K002",
          position(site(n)),
          `${barrier}${via} (${own ? "" : "called at "}line ${n.startPosition.row + 1}) is reached only by the threads for which '${branch.condition}' (line ${branch.at.startPosition.row + 1}) ${branch.arm}, a condition that depends on the thread: Metal's threadgroup_barrier must be reached by every thread of the threadgroup or by none (CUDA's __syncthreads likewise), so the threads that skip it leave the others waiting at a barrier that is not theirs; move the barrier out of the branch, where every thread reaches it`,
        );
      } else if (callee && !own) check(callee, () => site(n), `${via} in '${name}'`);
    });
  };
  check(kernel, (n) => n, "");
  return reported;
}

/** The thread-dependent branch around `node` within `body`, innermost first. */
function threadBranch(node: CudaNode, body: CudaNode, defs: Map<string, string>): { at: CudaNode; condition: string; arm: string } | undefined {
  for (let n: CudaNode = node; n.parent && n !== body; n = n.parent) {
    const p = n.parent;
    if (!BRANCHING.has(p.type)) continue;
    const cond = field(p, "condition");
    if (!cond || (n.startIndex >= cond.startIndex && n.endIndex <= cond.endIndex)) continue;
    if (!PER_THREAD.test(expand(cond.text, defs))) continue;
    const text = cond.text.replace(/\s+/g, " ").replace(/^\((.*)\)$/, "$1");
    const alt = field(p, "alternative");
    const arm = p.type === "switch_statement" ? "selects its case" : alt && n.startIndex >= alt.startIndex && n.endIndex <= alt.endIndex ? "is false" : "holds";
    return { at: p, condition: text, arm };
  }
  return undefined;
}

/** The function's locals declared with a value: name → the values it is given (to see what a condition is computed from). */
function definitions(f: KFunction): Map<string, string> {
  const out = new Map<string, string>();
  walk(f.body, (n) => {
    if (n.type === "init_declarator") {
      const name = field(n, "declarator")?.text;
      const value = field(n, "value")?.text;
      if (name && value) out.set(name, `${out.get(name) ?? ""} ${value}`);
    } else if (n.type === "assignment_expression") {
      const left = field(n, "left");
      if (left?.type === "identifier") out.set(left.text, `${out.get(left.text) ?? ""} ${field(n, "right")?.text ?? ""}`);
    }
  });
  return out;
}

function expand(text: string, defs: Map<string, string>, depth = 4): string {
  if (depth === 0) return text;
  return text.replace(/(?<![.\w])[A-Za-z_]\w*/g, (id) => (defs.get(id) ? `(${expand(defs.get(id)!, defs, depth - 1)})` : id));
}
