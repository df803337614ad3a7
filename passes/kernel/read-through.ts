/**
 * Read-through in-place buffers (BufferPlan.readThrough): a read-write buffer that threads read at indices
 * taken from memory (a graph's neighbours, pytorch_cluster's graclus `out[col[i]]`) while other threads write
 * those elements, with no atomic, barrier or fence ordering the two. The CUDA original races there: a read
 * sees the element's value from before the launch or one some thread stored, whichever the threads' timing
 * gives. c2m's other in-place schemes copy an element in from the caller's array at its first touch, which a
 * reader in another threadgroup could do after the owner's write, undoing it (so they are refused, C2M-K046).
 *
 * Here nothing is copied. The fresh output holds what threads store, and a uint32 flag per element says that
 * some thread stored it: a store writes the element, then a device-scope fence, then the flag (atomic); a
 * read loads the flag (atomic) and, where it is set, fences and reads the output, else the caller's array.
 * Metal 3.2's atomic_thread_fence makes this message passing: a reader that sees the flag sees a value some
 * thread stored (never the output's fresh contents), one that does not sees the caller's value, as a CUDA
 * thread sees the old value before the writer's store. Every outcome is one the original can give; which one
 * depends on the threads' order on both. The wrapper keeps the caller's value where no flag is set.
 *
 * It needs every access in sight: straight subscripts of the parameter (no row pointer, cast, address or
 * helper), each a read or a plain `=` store of one scalar element. Pure: reads the kernel analysis.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KernelAnalysis } from "./buffers.js";
import { field, subscriptIndices, unparen, walk } from "./cst.js";
import { accessPair } from "./ownership.js";

/** Whether `node` (an access) is the left side of a plain `=` assignment whose value is not used further. */
function plainStore(node: CudaNode): boolean {
  let up = node;
  while (up.parent?.type === "parenthesized_expression") up = up.parent;
  const p = up.parent;
  return p?.type === "assignment_expression" && field(p, "operator")?.text === "=" && field(p, "left")?.startIndex === up.startIndex && field(p, "left")?.endIndex === up.endIndex;
}

/** Whether `node` is read as a value: not assigned, incremented, or its address taken. */
function plainLoad(node: CudaNode): boolean {
  let up = node;
  while (up.parent?.type === "parenthesized_expression") up = up.parent;
  const p = up.parent;
  if (!p) return false;
  if (p.type === "assignment_expression" && field(p, "left")?.startIndex === up.startIndex) return false;
  if (p.type === "update_expression") return false;
  if (p.type === "pointer_expression" && field(p, "operator")?.text === "&") return false;
  if (p.type === "field_expression") return false;
  return true;
}

/** `for (init; v < E; v++)`-like: the update assigns a variable the condition tests, and the condition does not read `name`. */
function countedLoop(loop: CudaNode, name: string): boolean {
  if (loop.type !== "for_statement") return false;
  const cond = field(loop, "condition");
  const update = field(loop, "update");
  if (!cond || !update || new RegExp(`\\b${name}\\s*\\[`).test(cond.text)) return false;
  const stepped = new Set<string>();
  walk(update, (n) => {
    const target = n.type === "update_expression" ? field(n, "argument") : n.type === "assignment_expression" ? field(n, "left") : null;
    if (target?.type === "identifier") stepped.add(target.text);
  });
  return [...stepped].some((v) => new RegExp(`\\b${v}\\b`).test(cond.text));
}

/**
 * Whether the buffer's accesses let c2m translate it read-through (see above): undefined when they do, else why
 * not (the refusal then stays the gather race's, C2M-K046).
 */
export function readThroughGap(a: KernelAnalysis, name: string): string | undefined {
  const plan = a.buffers.find((b) => b.param === name);
  if (!plan || (plan.pointee.kind !== "scalar" && plan.pointee.kind !== "template")) return "its element is not a scalar";
  const sites = a.accesses.filter((s) => s.root.kind === "param" && s.root.name === name);
  for (const s of sites) {
    const n = unparen(s.node);
    const base = n.type === "subscript_expression" ? unparen(field(n, "argument")!) : undefined;
    if (s.atomic || s.via || s.indirect || s.span128 || s.hintAddress || base?.type !== "identifier" || base.text !== name || subscriptIndices(n)?.length !== 1)
      return `${accessPair(s.node)} is not a plain subscript of '${name}' (a row pointer, a cast, a helper, an atomic or a field), so c2m cannot route every access through the flags`;
    if (s.write && (s.read || !plainStore(n)))
      return `${accessPair(s.node)} updates the element in place (a compound assignment or an increment), which c2m translates only as a plain store`;
    if (!s.write && !plainLoad(n)) return `${accessPair(s.node)} takes the element's address or a field of it`;
  }
  // a thread that loops until another thread's store shows (a spin) has no forward progress on Metal: every loop
  // around a read must be a counted `for` (its update steps a variable its condition tests) whose condition does not
  // read the buffer, so the read cannot decide when the loop ends other than by a `break` out of a bounded walk
  for (const s of sites.filter((x) => x.read)) {
    for (let n: CudaNode | null = s.node.parent; n && n !== a.kernel.body; n = n.parent) {
      if (n.type !== "for_statement" && n.type !== "while_statement" && n.type !== "do_statement" && n.type !== "for_range_loop") continue;
      if (!countedLoop(n, name))
        return `${accessPair(s.node)} is read in a loop that is not a counted for loop (a while or do loop, a for loop whose condition reads '${name}' or whose update steps nothing it tests), so a thread may wait in it for another thread's store, and Metal gives no forward-progress guarantee between threads of different threadgroups (or SIMD-groups)`;
    }
  }
  const index = (s: (typeof sites)[number]) => subscriptIndices(unparen(s.node))![0]!;
  if (sites.some((s) => sites.some((t) => t !== s && index(s).startIndex <= t.node.startIndex && t.node.endIndex <= index(s).endIndex)))
    return "an index of the buffer reads the buffer itself";
  return undefined;
}

/** The warning's text (C2M-K053): what the translation does and when its result does not depend on the threads' order. */
export function readThroughWarning(kernel: string, name: string, race: string): string {
  return `buffer '${name}' of kernel '${kernel}' is read and written: ${race}. Translated as the original behaves: each store sets the element's flag after a device-scope fence, and each read takes the stored value where the flag is set, else the caller's (no copy-in, so no read can undo a write), so a read sees the element's value from before the launch or one some thread stored, as in CUDA; the result then depends on the order threads run in, exactly as the original's does, unless no element a thread reads at an index taken from memory is written by another thread in the same launch, or such writes never change what the reads decide (graclus on a symmetric graph: a node writes its own element only once every neighbour is matched, and matched neighbours read nothing)`;
}
