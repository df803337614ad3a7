/**
 * Block barriers that only part of a threadgroup reaches (C2M-K002): a `__syncthreads()` (or a call of a
 * device function that reaches one) inside a branch of an `if`, `switch` or `?:` whose condition depends
 * on the thread (threadIdx, a lane or thread rank, or a local computed from them). Metal's
 * threadgroup_barrier must be reached by every thread of the threadgroup, and CUDA's __syncthreads in
 * such a branch is undefined too, except that sm_70 and later pair the barriers of two arms by order: a
 * branch whose arms wait at as many barriers (SGEMM_CUDA's sgemmDoubleBuffering, its block split in two halves)
 * is cut into segments before this check (barrier-segments.ts), and the message of one it could not cut says
 * why. Only branches are judged here: a thread-dependent loop bound diverges only for some launches (a partial
 * last block), so c2m keeps those. A thread-dependent `return` before a barrier is rewritten before this check
 * (returned-threads.ts keeps the thread idle up to the barriers); one it could not rewrite is refused with C2M-K059
 * and the pass's reason.
 * Cooperative groups' block barriers count as `__syncthreads()`: `block.sync()`, `cg::sync(block)`,
 * `this_thread_block().sync()`, where `block` is a local or parameter of type thread_block (or initialised
 * from this_thread_block()); a tile's `sync()` is a SIMD-group barrier and is not judged here.
 * Pure: reads the unit, reports diagnostics.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KernelUnit, KFunction } from "../../ir/kernel.js";
import type { DiagnosticBag } from "../../ir/diagnostics.js";
import { reportKernel } from "../../ir/kernel-diagnostics.js";
import { calleeName, field, position, walk } from "./cst.js";
import { barrierCall, blockGroups, definitions, threadDependent } from "./barrier-sites.js";
import { segmentRefusal, type BarrierSites } from "./barrier-segments.js";
import { divergentReturns, planReturnedThreads } from "./returned-threads.js";

const BRANCHING = new Set(["if_statement", "switch_statement", "conditional_expression"]);

/** Reports each barrier of the kernel (or of a device function it calls) that sits in a thread-dependent branch; returns whether there was one. */
export function reportDivergentBarriers(unit: KernelUnit, kernel: KFunction, bag: DiagnosticBag): boolean {
  const devices = new Map(unit.deviceFunctions.map((f) => [f.name, f]));
  const barrierIn = new Map<string, boolean>();
  // whether a device function reaches a barrier (recursion counts as none: the printer reports recursion)
  const reaches = (f: KFunction, stack: string[] = []): boolean => {
    if (barrierIn.has(f.name)) return barrierIn.get(f.name)!;
    barrierIn.set(f.name, false);
    let found = false;
    const blocks = blockGroups(f.params, f.body);
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
    const defs = definitions(f.body);
    const blocks = blockGroups(f.params, f.body);
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
        const sites: BarrierSites = { own: (c) => barrierCall(c, blocks), reaches: (c) => !!devices.get(calleeName(c) ?? "") && reaches(devices.get(calleeName(c) ?? "")!) };
        const paired = bothArmsWait(branch.at, sites) ? segmentRefusal(branch.at, sites) : undefined;
        const head = `${barrier}${via} (${own ? "" : "called at "}line ${n.startPosition.row + 1}) is reached only by the threads for which '${branch.condition}' (line ${branch.at.startPosition.row + 1}) ${branch.arm}, a condition that depends on the thread: Metal's threadgroup_barrier must be reached by every thread of the threadgroup or by none`;
        reportKernel(
          bag,
          "C2M-K002",
          position(site(n)),
          paired
            ? `${head}. Both arms wait at barriers, which CUDA pairs by their order (each thread's k-th barrier meets the others' k-th); c2m does the same by cutting the branch into segments between barriers, but not here: ${paired}. Make both arms wait at as many barriers, each a statement of the arm itself, outside loops`
            : `${head} (CUDA's __syncthreads likewise), so the threads that skip it leave the others waiting at a barrier that is not theirs; move the barrier out of the branch, where every thread reaches it`,
        );
      } else if (callee && !own) check(callee, () => site(n), `${via} in '${name}'`);
    });
  };
  check(kernel, (n) => n, "");
  if (!reported) {
    // a thread-dependent `return` before a barrier that returned-threads.ts could not rewrite (it rewrites the rest)
    const blocks = blockGroups(kernel.params, kernel.body);
    const sites: BarrierSites = { own: (c) => barrierCall(c, blocks), reaches: (c) => !!devices.get(calleeName(c) ?? "") && reaches(devices.get(calleeName(c) ?? "")!) };
    const left = planReturnedThreads(kernel.body, sites);
    if (left && "why" in left) {
      const first = `line ${(divergentReturns(kernel.body, sites)[0] ?? left.at).startPosition.row + 1}`;
      reportKernel(
        bag,
        "C2M-K059",
        position(left.at),
        `a thread of '${kernel.name}' returns (${first}) before a barrier the other threads of its threadgroup still wait at; CUDA counts a returned thread as arrived, Metal's threadgroup_barrier needs every thread, and c2m keeps a returned thread idle up to the barriers only where it can prove it reaches the same ones, not here: ${left.why}`,
      );
      reported = true;
    }
  }
  return reported;
}

/** Whether both arms of an `if` reach a barrier (then CUDA pairs them by order, and barrier-segments.ts may cut it). */
function bothArmsWait(branch: CudaNode, sites: BarrierSites): boolean {
  if (branch.type !== "if_statement") return false;
  const waits = (arm: CudaNode | null) => {
    let found = false;
    if (arm)
      walk(arm, (c) => {
        if (c.type === "call_expression" && (sites.own(c) || sites.reaches(c))) found = true;
        return !found;
      });
    return found;
  };
  return waits(field(branch, "consequence")) && waits(field(branch, "alternative"));
}

/** The thread-dependent branch around `node` within `body`, innermost first. */
function threadBranch(node: CudaNode, body: CudaNode, defs: Map<string, string>): { at: CudaNode; condition: string; arm: string } | undefined {
  for (let n: CudaNode = node; n.parent && n !== body; n = n.parent) {
    const p = n.parent;
    if (!BRANCHING.has(p.type)) continue;
    const cond = field(p, "condition");
    if (!cond || (n.startIndex >= cond.startIndex && n.endIndex <= cond.endIndex)) continue;
    if (!threadDependent(cond, defs)) continue;
    const text = cond.text.replace(/\s+/g, " ").replace(/^\((.*)\)$/, "$1");
    const alt = field(p, "alternative");
    const arm = p.type === "switch_statement" ? "selects its case" : alt && n.startIndex >= alt.startIndex && n.endIndex <= alt.endIndex ? "is false" : "holds";
    return { at: p, condition: text, arm };
  }
  return undefined;
}
