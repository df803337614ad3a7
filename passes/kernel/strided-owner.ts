/**
 * The ownership proof for a strided view (ownership.ts has the others): every access of the read-modify-write
 * buffer is at `Σ coordinate_k * stride_k`, each stride a scalar parameter of the kernel (a tensor's strides,
 * `conv_state[b * batch_stride + c * c_stride + l * l_stride]`, causal-conv1d's update kernel). The
 * coordinates every access shares are the owner (b, c); the others are the thread's walk inside its own slice
 * (l). Strides that describe a tensor place different coordinate tuples at different elements (a
 * non-overlapping layout, with each coordinate inside its extent, as every in-bounds access of the tensor
 * is), so when the owner tuple tells the grid's threads apart, each element is read and written by one thread:
 * the tuple depends on the thread (a thread index feeds it), names every thread and group coordinate the
 * kernel reads (no two threads differ only in one the owner ignores), each of its coordinates is an index
 * (every division undone by a remainder, no shift), and its variables are not reassigned. A coordinate read
 * from a buffer at the group's index (`indices[blockIdx.x]`, a gather of batch rows) counts as the group's:
 * two groups given one row would update it unordered, which races in CUDA itself.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { walksApart } from "./walk-apart.js";
import { accessPair, expand, factors, isPerGroupIndex, isPerThread, localDefinitions, ownerReassigned, sumTerms, THREAD_SOURCE, type OwnedSite } from "./ownership.js";

const COORDINATES = ["blockIdx.x", "blockIdx.y", "blockIdx.z", "threadIdx.x", "threadIdx.y", "threadIdx.z"];
const norm = (s: string) => s.replace(/\s+/g, "");

/** Undefined when proven; a reason when the accesses are strided but not shown owned; null when they are not all strided views. */
export function stridedOwnershipProof(body: CudaNode, sites: OwnedSite[], strides: ReadonlySet<string>): string | undefined | null {
  if (!sites.length || !strides.size || stridesAssigned(body, strides)) return null;
  const views: Map<string, string>[] = [];
  for (const s of sites) {
    const terms = [...(s.offset === undefined ? [] : (Array.isArray(s.offset) ? s.offset : [s.offset]).flatMap(sumTerms)), ...(s.index ? sumTerms(s.index) : [])];
    const dims = new Map<string, string>();
    for (const t of terms) {
      const fs = factors(t);
      const at = fs.filter((f) => strides.has(f));
      if (at.length !== 1) return null;
      const coefficient = fs.filter((f) => f !== at[0]).join("*") || "1";
      dims.set(at[0]!, dims.has(at[0]!) ? `${dims.get(at[0]!)}+${coefficient}` : coefficient);
    }
    views.push(dims);
  }
  const first = views[0]!;
  const owner = [...first.keys()].filter((d) => views.every((v) => v.has(d) && norm(v.get(d)!) === norm(first.get(d)!)));
  if (!owner.length) return null;
  const defs = localDefinitions(body);
  const coords = owner.map((d) => first.get(d)!);
  const expanded = coords.map((c) => expand(c, defs));
  const shown = `${accessPair(sites[0]!.node)} (owner ${owner.map((d, i) => `${coords[i]} along ${d}`).join(", ")})`;
  if (!expanded.some((e) => THREAD_SOURCE.test(e))) return `the coordinates its accesses share do not depend on the thread: ${shown}`;
  const missing = COORDINATES.filter((c) => new RegExp(`\\b${c.replace(".", "\\s*\\.\\s*")}\\b`).test(body.text) && !expanded.some((e) => e.includes(c)));
  if (missing.length) return `two threads that differ only in ${missing.join(", ")} share the coordinates of ${shown}`;
  const notIndex = expanded.findIndex((e) => !(THREAD_SOURCE.test(e) ? isPerThread(e) : isPerGroupIndex(e)));
  if (notIndex >= 0) return `its coordinate '${coords[notIndex]}' is not an index c2m can follow (a division not undone by a remainder, or a shift): ${shown}`;
  const reassigned = ownerReassigned(coords.join(" + "), body, defs);
  if (reassigned) return `its owner coordinates change ('${reassigned}' is reassigned): ${shown}`;
  // a coordinate that moves with a loop counter must keep the threads (or threadgroups) apart (walk-apart.ts)
  for (const [i, c] of coords.entries()) {
    const moving = walksApart(c, sites[0]!.node, body, defs, THREAD_SOURCE.test(expanded[i]!) ? "thread" : "group", accessPair(sites[0]!.node));
    if (moving) return moving;
  }
  return undefined;
}

/** A stride the kernel assigns is not the tensor's any more. */
function stridesAssigned(body: CudaNode, strides: ReadonlySet<string>): boolean {
  return [...strides].some((s) => new RegExp(`\\b${s}\\s*(?:[-+*/%&|^]?=(?!=)|\\+\\+|--)|(?:\\+\\+|--)\\s*${s}\\b`).test(body.text));
}
