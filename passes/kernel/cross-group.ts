/**
 * Read-write buffers whose elements pass from one threadgroup to another within one launch: the limit of
 * `mx.fast.metal_kernel` behind a C2M-K007, said with the accesses and the threads that make it. Two shapes:
 * - the last threadgroup to finish reads what every other one wrote (cuda-samples' threadFenceReduction,
 *   llm.c's layernorm_backward scratchpads): a read whose index walks a variable up to gridDim (`for (int j
 *   = 0; j < gridDim.x; j++) s += scratch[i + j * C]`, `while (i < gridDim.x) sum += g_odata[i]`) and a
 *   write of the same buffer elsewhere;
 * - an element updated with atomics by threads of every threadgroup (its index does not depend on the
 *   threadgroup) and also read or written plainly.
 * Pure: reads the kernel's tree and the access sites planBuffers found.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { AccessSite } from "./buffers.js";
import { accessPair } from "./ownership.js";
import { field, walk } from "./cst.js";

const norm = (s: string) => s.replace(/\s+/g, "");
const GROUP_INDEX = /blockIdx|threadgroup_position_in_grid/;

/**
 * Why Metal cannot pass an element between threadgroups within one dispatch here: the tail of these refusals
 * (C2M-K046). The one hand-over Metal does express, the last threadgroup to take an atomic ticket reading
 * what the others wrote, is translated (hand-over.ts); these accesses have no such ticket before them.
 */
export const NO_GRID_ORDER =
  "Metal has no grid-wide barrier and gives no forward-progress guarantee between threadgroups, so within a dispatch no threadgroup can wait for another: one threadgroup's writes reach another's reads only when the reader is the last threadgroup to take an atomic ticket (atomicAdd/atomicInc compared with gridDim) after a device-scope fence, with the buffer's accesses device-scope atomics and the fence atomic_thread_fence(mem_flags::mem_device, memory_order_seq_cst, thread_scope_device) (MSL 3.2), which c2m translates; no such ticket orders these accesses";

/** The loop variable bounded by gridDim (`j < gridDim.x`) that the access's index uses, with its loop. */
function gridWalker(access: CudaNode, body: CudaNode): { variable: string; loop: CudaNode } | undefined {
  // the names the index uses, and those they are computed from (`int offset = i + 2*C*read_block_idx;`)
  const defs = new Map<string, string>();
  walk(body, (n) => {
    const name = n.type === "init_declarator" ? field(n, "declarator")?.text : undefined;
    if (name) defs.set(name, `${defs.get(name) ?? ""} ${field(n, "value")?.text ?? ""}`);
  });
  const ids = new Set<string>();
  const add = (text: string, depth: number) => {
    for (const id of text.match(/[A-Za-z_]\w*/g) ?? []) {
      if (ids.has(id)) continue;
      ids.add(id);
      if (depth > 0 && defs.has(id)) add(defs.get(id)!, depth - 1);
    }
  };
  add(access.text, 3);
  for (let n: CudaNode | null = access.parent; n && n !== body; n = n.parent) {
    if (n.type !== "for_statement" && n.type !== "while_statement") continue;
    const cond = norm(field(n, "condition")?.text ?? "").replace(/^\((.*)\)$/, "$1");
    const m = /^([A-Za-z_]\w*)<(.*)$/.exec(cond);
    if (m && /gridDim|threadgroups_per_grid/.test(m[2]!) && ids.has(m[1]!)) return { variable: m[1]!, loop: n };
  }
  return undefined;
}

/**
 * An element read in one threadgroup after other threadgroups wrote it in the same launch (the first shape
 * above): the refusal's text, or undefined.
 */
export function readAcrossGroups(sites: AccessSite[], body: CudaNode, skip?: (n: CudaNode) => boolean): string | undefined {
  for (const r of sites) {
    if (!r.read || r.atomic || skip?.(r.node)) continue;
    const walker = gridWalker(r.node, body);
    if (!walker) continue;
    const w = sites.find((s) => s.write && !s.atomic && !(s.node.startIndex >= walker.loop.startIndex && s.node.endIndex <= walker.loop.endIndex));
    const wrote = w ?? sites.find((s) => s.write && s !== r);
    if (!wrote) continue;
    return `${accessPair(r.node)} reads, in one threadgroup, the elements of every threadgroup of the grid (its index walks '${walker.variable}' up to gridDim), which threads of the other threadgroups write (${accessPair(wrote.node)}) in the same launch; CUDA orders the two with __threadfence() and an atomic ticket (the last threadgroup to finish reads), but ${NO_GRID_ORDER}`;
  }
  return undefined;
}

/** Whether an atomic's target index does not depend on the threadgroup: threads of every threadgroup then update its elements. */
export function everyGroupUpdates(atomic: AccessSite, body: CudaNode): boolean {
  // every value each local is declared with (a loop counter declared in several loops has several)
  const defs = new Map<string, string[]>();
  walk(body, (n) => {
    if (n.type !== "init_declarator") return;
    const name = field(n, "declarator")?.text;
    const value = field(n, "value")?.text;
    if (name && value) defs.set(name, [...(defs.get(name) ?? []), value]);
  });
  walk(body, (n) => {
    const left = n.type === "assignment_expression" ? field(n, "left") : null;
    if (left?.type === "identifier") defs.set(left.text, [...(defs.get(left.text) ?? []), field(n, "right")?.text ?? "?"]);
  });
  const seen = new Set<string>();
  const mentionsGroup = (text: string): boolean => {
    if (GROUP_INDEX.test(text)) return true;
    return (text.match(/[A-Za-z_]\w*/g) ?? []).some((id) => {
      if (seen.has(id) || !defs.has(id)) return false;
      seen.add(id);
      return defs.get(id)!.some(mentionsGroup);
    });
  };
  return !mentionsGroup(atomic.node.text);
}
