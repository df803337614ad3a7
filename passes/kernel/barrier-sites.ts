/**
 * Where a function waits at a block barrier, and whether a branch condition differs between the threads of
 * one threadgroup: shared by the check of barriers only part of a threadgroup reaches (divergent-barrier.ts)
 * and the pass that cuts a branch with barriers in both arms into segments (barrier-segments.ts). Pure.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { callArgs, calleeName, field, walk } from "./cst.js";

const BARRIER = /^__syncthreads(?:_count|_and|_or)?$/;
/** What makes a value differ between the threads of one threadgroup. */
const PER_THREAD = /\bthreadIdx\b|\bthread_rank\s*\(|\bthread_index\s*\(|\blaneid\b|__lane_id\s*\(/;
/** A thread_block's declared type (not thread_block_tile), and the factory that makes one. */
const BLOCK_TYPE = /(?:^|[\s:])thread_block(?![\w])/;
const BLOCK_FACTORY = /\bthis_thread_block\s*\(/;

/** The names that hold a thread_block in a function: parameters and locals of that type or initialised from this_thread_block(). */
export function blockGroups(params: readonly { name: string; node: CudaNode }[], body: CudaNode): Set<string> {
  const out = new Set<string>();
  for (const p of params) if (BLOCK_TYPE.test(p.node.text.replace(/\s*\b\w+\s*$/, ""))) out.add(p.name);
  walk(body, (n) => {
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
export function barrierCall(n: CudaNode, blocks: Set<string>): string | undefined {
  const name = calleeName(n) ?? "";
  if (BARRIER.test(name)) return `${name}()`;
  const fn = field(n, "function");
  const isBlock = (t: CudaNode | null | undefined) => !!t && ((t.type === "identifier" && blocks.has(t.text)) || BLOCK_FACTORY.test(t.text));
  if (fn?.type === "field_expression" && field(fn, "field")?.text === "sync" && isBlock(field(fn, "argument"))) return n.text.replace(/\s+/g, "");
  if (/^(?:(?:cooperative_groups|cg)::)?sync$/.test(name) && isBlock(callArgs(n)[0])) return n.text.replace(/\s+/g, "");
  return undefined;
}

/** The function's locals declared with a value: name → the values it is given (to see what a condition is computed from). */
export function definitions(body: CudaNode): Map<string, string> {
  const out = new Map<string, string>();
  walk(body, (n) => {
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

/** Whether a condition differs between the threads of one threadgroup: it reads threadIdx (or a lane or thread rank), maybe through locals. */
export function threadDependent(cond: CudaNode, defs: Map<string, string>): boolean {
  return PER_THREAD.test(expand(cond.text, defs));
}

function expand(text: string, defs: Map<string, string>, depth = 4): string {
  if (depth === 0) return text;
  return text.replace(/(?<![.\w])[A-Za-z_]\w*/g, (id) => (defs.get(id) ? `(${expand(defs.get(id)!, defs, depth - 1)})` : id));
}
