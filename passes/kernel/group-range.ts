/**
 * A part of the threadgroup-level ownership proof (inout-plans.ts proveOwnership): ranges of a read-write
 * buffer cut by a CSR pointer array, one per threadgroup. pytorch_cluster's fps_kernel gives batch
 * `b = blockIdx.x` the outputs [out_ptr[b], out_ptr[b + 1]): thread 0 writes out[out_ptr[b]], and a loop
 * `for (m = out_ptr[b] + 1; m < out_ptr[b + 1]; m++)` reads out[m - 1] and writes out[m]. Every access lies in
 * [A[g], A[g + 1]) for one read-only pointer array A and the group's index g:
 *   - at `A[g]` itself; or
 *   - at a for-loop counter m (or `m - d`) started at `A[g] + c` (c not negative, c ≥ d), counting up while
 *     `m < A[g + 1]`.
 * A CSR pointer array is non-decreasing, so the groups' ranges are disjoint; were it not, two threadgroups
 * would update one element unordered, which races in CUDA itself. Threads of one group share its range:
 * c2m_own copies an element in at its first touch and the group's barriers order that copy as they order
 * CUDA's accesses. Pure: reads the kernel's tree and the accesses' texts.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { unparen } from "./cst.js";
import { expand, localDefinitions, nonNegative, type OwnedSite } from "./ownership.js";
import { counterOf } from "./walk-apart.js";

const norm = (s: string) => s.replace(/\s+/g, "");
const GROUP = /^\(*(blockIdx\.x|threadgroup_position_in_grid\.x)\)*$/;

/** Whether every access lies in its threadgroup's range [A[g], A[g + 1]) of one read-only array A (`readOnly` says which arrays are). */
export function groupRangeProof(body: CudaNode, sites: OwnedSite[], readOnly: (name: string) => boolean): boolean {
  if (!sites.length) return false;
  const defs = localDefinitions(body);
  let array: string | undefined;
  const isGroup = (t: string) => GROUP.test(norm(expand(t, defs)));
  /** `A[g]` (through locals): A, else undefined */
  const rangeStart = (text: string): string | undefined => {
    const m = /^(\w+)\[(.+)\]$/.exec(stripParens(norm(text)));
    if (m && isGroup(m[2]!) && readOnly(m[1]!) && (array === undefined || array === m[1])) return (array = m[1]!);
    const d = defs.get(stripParens(norm(text)));
    return d ? rangeStart(d) : undefined;
  };
  for (const s of sites) {
    if (s.offset !== undefined || !s.index) return false;
    const index = norm(unparen(s.index).text);
    if (rangeStart(index)) continue;
    // `m` or `m - d`
    const m = /^([A-Za-z_]\w*)(?:-(\d+))?$/.exec(index);
    if (!m) return false;
    const counter = counterOf(m[1]!, s.node, body);
    if (!counter || counter.step === undefined || !nonNegative(counter.step, s.node, body, defs)) return false;
    // the start: `A[g]`, or `A[g] + c` with c ≥ d
    const d = Number(m[2] ?? 0);
    const parts = topLevelSum(counter.start);
    const at = parts.findIndex((p) => rangeStart(p));
    if (at < 0) return false;
    const rest = parts.filter((_, i) => i !== at);
    const c = rest.length === 1 && /^\d+$/.test(rest[0]!) ? Number(rest[0]) : rest.length ? undefined : 0;
    if (d > 0 ? c === undefined || c < d : !rest.every((r) => nonNegative(r, s.node, body, defs))) return false;
    // the bound: `m < A[g + 1]`
    const limit = new RegExp(`^${counter.name}<(.+)$`).exec(counter.condition)?.[1];
    const bound = limit ? /^(\w+)\[(.+)\]$/.exec(stripParens(defs.get(limit) ? norm(defs.get(limit)!) : limit)) : null;
    if (!bound || bound[1] !== array) return false;
    const next = bound[2]!.split("+");
    if (next.length !== 2 || !next.includes("1") || !isGroup(next.find((x) => x !== "1") ?? next[0]!)) return false;
  }
  return array !== undefined;
}

function topLevelSum(text: string): string[] {
  const s = stripParens(norm(text));
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    depth += s[i] === "(" || s[i] === "[" ? 1 : s[i] === ")" || s[i] === "]" ? -1 : 0;
    if (depth === 0 && s[i] === "+") {
      out.push(s.slice(start, i));
      start = i + 1;
    }
    // a subtraction at the top: not a sum c2m reads
    if (depth === 0 && s[i] === "-" && i > 0) return [s];
  }
  out.push(s.slice(start));
  return out;
}

function stripParens(t: string): string {
  let s = t;
  while (/^\(.*\)$/.test(s) && closesLast(s)) s = s.slice(1, -1);
  return s;
}

function closesLast(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    depth += s[i] === "(" ? 1 : s[i] === ")" ? -1 : 0;
    if (depth === 0 && i < s.length - 1) return false;
  }
  return depth === 0;
}
