/**
 * Grid-level hand-over between threadgroups, told apart from waiting between them.
 * - The last-arriver hand-over (cuda-samples' threadFenceReduction, llm.c's layernorm_backward scratchpads):
 *   every threadgroup writes its part, fences (`__threadfence()`), takes a ticket from an atomic counter,
 *   and only the threadgroup whose ticket is the last one (`ticket == gridDim.x - 1`) goes on to read what
 *   the others wrote. No threadgroup waits for another: Metal expresses it with device-scope atomics and
 *   atomic_thread_fence (MSL 3.2), whatever order the threadgroups run in.
 * - A spin-wait (decoupled look-back, a hand-rolled grid barrier): a loop whose condition reads an element
 *   that other threads write and whose body does not write it. It ends only if another threadgroup runs
 *   meanwhile, which Metal does not promise (C2M-K046).
 * Pure: reads the kernel's tree and the access sites planBuffers found.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { AccessSite } from "./buffers.js";
import { accessPair } from "./ownership.js";
import { calleeName, field, named, resultUsed, subscriptIndices, walk } from "./cst.js";
import type { KernelUnit } from "../../ir/kernel.js";
import { readAcrossGroups } from "./cross-group.js";

/** Atomics that hand out tickets: the value they return counts the threadgroups that arrived. */
const TICKET = /^atomic(?:Add|Inc)(?:_system|_block)?$/;
const GRID_SIZE = /\bgridDim\b|\bthreadgroups_per_grid\b/;

export interface HandOver {
  /** the `if` whose consequence only the last threadgroup to take a ticket runs */
  guard: CudaNode;
  /** the atomic call that hands out the tickets */
  ticket: CudaNode;
  /** the counter is a word of a buffer seen as another type (`(unsigned int*)(scratch + 2 * C)`), directly or through a local pointer */
  punned: boolean;
}

const CAST = /\(\s*(?:const\s+)?[\w:]+(?:\s+int)?\s*\*\s*\)|reinterpret_cast\s*</;

/** Whether the ticket's counter is reached through a pointer cast (in the argument, or in the local pointer's initializer). */
function punnedCounter(call: CudaNode, body: CudaNode): boolean {
  const arg = field(call, "arguments")?.namedChildren[0];
  if (!arg) return false;
  if (CAST.test(arg.text)) return true;
  const id = /^&?\s*\(?\s*([A-Za-z_]\w*)/.exec(arg.text)?.[1];
  let cast = false;
  walk(body, (n) => {
    if (n.type === "init_declarator" && id && field(n, "declarator")?.text.replace(/[\s*]/g, "") === id && CAST.test(field(n, "value")?.text ?? "")) cast = true;
  });
  return cast;
}

const norm = (s: string) => s.replace(/\s+/g, "");

/**
 * What the atomic's returned value is stored into: a local (`ticket`), a dereference (`*tmp_flag`), a shared flag
 * (`amLast = atomicInc(...) == gridDim.x - 1`), with whether it was compared with the grid's size on the way.
 */
function resultHolder(call: CudaNode): { name: string; grid: boolean } | undefined {
  let n: CudaNode = call;
  let grid = false;
  while (n.parent && ["parenthesized_expression", "cast_expression", "binary_expression"].includes(n.parent.type)) {
    n = n.parent;
    if (n.type === "binary_expression" && GRID_SIZE.test(n.text)) grid = true;
  }
  const p = n.parent;
  if (p?.type === "init_declarator") {
    const name = field(p, "declarator")?.text;
    return name ? { name, grid } : undefined;
  }
  if (p?.type === "assignment_expression" && field(p, "right")?.startIndex === n.startIndex) return { name: norm(field(p, "left")?.text ?? ""), grid };
  return undefined;
}

/** Whether `text` mentions `name` (an identifier, or a dereference such as `*tmp_flag`) as a whole. */
function mentions(text: string, name: string): boolean {
  if (/^[A-Za-z_]\w*$/.test(name)) return new RegExp(`(?<![\\w.])${name}(?!\\w)`).test(text);
  return norm(text).includes(name);
}

/**
 * The last-arriver guards of a kernel body: an atomic ticket (atomicAdd/atomicInc whose value is kept) and
 * an `if` whose condition compares that value, or a flag computed from it, with the grid's size.
 */
export function lastArriverGuards(body: CudaNode): HandOver[] {
  const out: HandOver[] = [];
  walk(body, (call) => {
    if (call.type !== "call_expression" || !TICKET.test(calleeName(call) ?? "")) return;
    const holder = resultHolder(call);
    if (!holder) return;
    // the names the ticket flows into, with whether a comparison with the grid's size has been seen on the way
    const names = new Map<string, boolean>([[holder.name, holder.grid]]);
    walk(body, (n) => {
      const left = n.type === "init_declarator" ? field(n, "declarator") : n.type === "assignment_expression" ? field(n, "left") : null;
      const right = field(n, "value") ?? field(n, "right");
      if (!left || !right || (left.startIndex <= call.startIndex && call.endIndex <= right.endIndex)) return;
      for (const [name, grid] of [...names]) if (mentions(right.text, name)) names.set(norm(left.text), grid || GRID_SIZE.test(right.text));
    });
    walk(body, (n) => {
      if (n.type !== "if_statement" || n.startIndex < call.endIndex) return;
      const cond = field(n, "condition")?.text ?? "";
      const hit = [...names].some(([name, grid]) => mentions(cond, name) && (grid || GRID_SIZE.test(cond)));
      if (hit) out.push({ guard: n, ticket: call, punned: punnedCounter(call, body) });
    });
  });
  return out;
}

/** Whether `node` runs only in the last threadgroup to arrive (inside a guard's consequence). */
export function inHandOver(node: CudaNode, guards: HandOver[]): boolean {
  return guards.some((g) => {
    const then = field(g.guard, "consequence");
    return !!then && then.startIndex <= node.startIndex && node.endIndex <= then.endIndex;
  });
}

const GROUP_INDEX = /\bblockIdx\b|\bthreadgroup_position_in_grid\b/;

/**
 * A buffer the hand-over passes on: every read is the last threadgroup's (inside a guard, none across threadgroups
 * outside one), and every write before the hand-over is a plain store at an index naming the threadgroup (each
 * threadgroup writes its own part: `part[blockIdx.x]`, `scratch[i + C * blockIdx.x]`), so what the last one reads
 * was written in this launch rather than left from the caller.
 */
export function handsOver(sites: AccessSite[], body: CudaNode, handedOver: (n: CudaNode) => boolean, unit?: KernelUnit): true | string | undefined {
  if (!sites.every((x) => !x.read || handedOver(x.node)) || readAcrossGroups(sites, body, handedOver)) return undefined;
  const other = sites.find((x) => x.write && !handedOver(x.node) && (x.directIndex === undefined || !GROUP_INDEX.test(x.directIndex)) && !(unit && helperWritesOwnPart(x, unit)));
  if (!other) return true;
  // the hand-over is Metal's; not seeing that each threadgroup writes its own part is c2m's (a C2M-K007 gap)
  return `its elements pass to the last threadgroup to take a ticket, a hand-over Metal expresses with device-scope atomics and atomic_thread_fence, but c2m does not see that each threadgroup writes its own part before it (${accessPair(other.node)} is not a store at an index naming the threadgroup on the buffer itself: a write in a device function, through a pointer, or at another index), so the last threadgroup could read elements the launch never wrote, which the fresh output would not hold as the caller's`;
}

/**
 * What becomes of a plain read-write buffer read across threadgroups: passed on to the last threadgroup to take a
 * ticket (true), a gap of c2m's (its text), or undefined where no ticket guards the reads (cross-group.ts refuses).
 */
export function passOn(sites: AccessSite[], body: CudaNode, guards: HandOver[], unit?: KernelUnit): true | string | undefined {
  if (!guards.length || !readAcrossGroups(sites, body)) return undefined;
  const passed = handsOver(sites, body, (n) => inHandOver(n, guards), unit);
  const punned = guards.find((g) => g.punned);
  // the counter's caller value and its returned tickets are folded in by the buffer's own element type
  return passed === true && punned ? punnedTicketGap(punned) : passed;
}

/**
 * A call handing the buffer to a device function that only stores to it, each store plain and at an index naming the
 * threadgroup (threadFenceReduction's reduceBlocks: `if (tid == 0) g_odata[blockIdx.x] = sdata[0];`): the call writes
 * the threadgroup's own part, as a store in the kernel at such an index does.
 */
export function helperWritesOwnPart(site: AccessSite, unit: KernelUnit): boolean {
  if (!site.indirect || !site.write || site.read || site.atomic || site.span128 || site.hintAddress || site.node.type !== "identifier") return false;
  const call = site.node.parent?.parent;
  if (call?.type !== "call_expression") return false;
  const index = named(field(call, "arguments")!).findIndex((a) => a.startIndex === site.node.startIndex);
  const fns = unit.deviceFunctions.filter((f) => f.name === calleeName(call));
  const param = fns.length === 1 ? fns[0]!.params[index] : undefined;
  if (!param || param.type.kind !== "pointer") return false;
  let stores = 0;
  let other = false;
  walk(fns[0]!.body, (n) => {
    if (n.type !== "identifier" || n.text !== param.name) return;
    const sub = n.parent;
    const assign = sub?.parent;
    const idx = sub?.type === "subscript_expression" && field(sub, "argument")?.startIndex === n.startIndex ? subscriptIndices(sub) : undefined;
    const store = assign?.type === "assignment_expression" && field(assign, "operator")?.text === "=" && field(assign, "left")?.startIndex === sub!.startIndex && idx?.length === 1;
    if (store && GROUP_INDEX.test(idx![0]!.text)) stores++;
    else other = true;
  });
  return stores > 0 && !other;
}

const LOOPS = new Set(["while_statement", "do_statement", "for_statement"]);
const RETRY = /^atomic(?:CAS|Exch)(?:_system|_block)?$/;

/**
 * A loop that waits for other threads: its condition reads an element of a buffer the kernel writes (plainly or
 * with atomics) somewhere else, and its body writes no element of that buffer itself nor retries an update of
 * its own (a compare-exchange loop progresses whatever the others do; an atomic whose value is kept, such as
 * `atomicOr(&flag, 0)`, is a load); the read or the writes atomic or volatile, or the loop doing nothing else.
 * The refusal's text, or undefined.
 */
export function spinWait(sites: AccessSite[], body: CudaNode): { loop: CudaNode; why: string } | undefined {
  let found: { loop: CudaNode; why: string } | undefined;
  walk(body, (loop) => {
    if (found || !LOOPS.has(loop.type)) return !found;
    const cond = field(loop, "condition");
    const inner = field(loop, "body");
    if (!cond || !inner) return;
    let retries = false;
    walk(inner, (c) => {
      if (c.type === "call_expression" && RETRY.test(calleeName(c) ?? "")) retries = true;
    });
    if (retries) return;
    const within = (s: AccessSite, n: CudaNode) => n.startIndex <= s.node.startIndex && s.node.endIndex <= n.endIndex;
    // an element the condition reads, directly or through a local the body assigns from one
    const assigned = new Set<string>();
    walk(inner, (n) => {
      const left = n.type === "assignment_expression" ? field(n, "left") : null;
      const right = field(n, "right");
      if (left?.type === "identifier" && right && sites.some((s) => (s.read || !!s.atomic) && within(s, right))) assigned.add(left.text);
    });
    const watched = sites.find(
      (s) => (s.read || !!s.atomic) && (within(s, cond) || (loop.type === "do_statement" && within(s, inner) && [...assigned].some((v) => mentions(cond.text, v)))),
    );
    if (!watched) return;
    const same = (s: AccessSite) => s.root.kind === watched.root.kind && s.root.name === watched.root.name;
    const writtenElsewhere = sites.find((s) => same(s) && (s.write || s.atomic) && !within(s, loop));
    const writtenHere = sites.some((s) => same(s) && (s.atomic ? !resultUsed(s.atomic.call) : s.write) && within(s, inner) && !within(s, cond));
    if (!writtenElsewhere || writtenHere) return;
    // a loop that does work while it reads (a linked list walked, a count written earlier by the same thread) is not a
    // wait: the read must be an atomic or volatile one, the writes atomics, or the loop's body empty
    const empty = inner.type === "expression_statement" ? inner.text.trim() === ";" : inner.type === "compound_statement" && inner.namedChildren.every((c) => c.type === "comment");
    if (!watched.atomic && !writtenElsewhere.atomic && !/\bvolatile\b/.test(cond.text) && !empty) return;
    found = {
      loop,
      why: `the loop at line ${loop.startPosition.row + 1} waits until ${accessPair(watched.node)} changes, which other threads write (${accessPair(writtenElsewhere.node)}): threadgroups waiting on each other: Metal gives no forward-progress guarantee between threadgroups, so a threadgroup spinning for another one's write may wait forever (the other may not start until it ends); CUDA kernels that spin like this (decoupled look-back, hand-rolled grid barriers) rely on every block being resident, which Metal does not promise`,
    };
  });
  return found;
}

/** The hand-over is Metal's; its ticket counting in a word of a buffer seen as another type is what c2m lacks (a C2M-K007 gap). */
export function punnedTicketGap(g: HandOver): string {
  return `its elements pass to the last threadgroup to take a ticket, a hand-over Metal expresses with device-scope atomics and atomic_thread_fence, but the ticket counts in a word seen as another type (${accessPair(g.ticket)}), and c2m folds an atomic counter's caller value into its output by the buffer's own element type, not through a pointer cast`;
}

/**
 * A buffer with atomics whose plain reads are all the last threadgroup's, after the ticket: the hand-over itself is
 * Metal's (device-scope atomics, atomic_thread_fence), so what stops it is c2m's, said as such (a C2M-K007 gap).
 */
export function handOverAtomicsGap(guards: HandOver[], atomics: AccessSite[]): string {
  const ticket = guards[0]!.ticket;
  const pun = guards.find((g) => g.punned && atomics.some((x) => x.atomic!.call.startIndex === g.ticket.startIndex));
  const head = `its elements pass to the last threadgroup to take a ticket (${accessPair(ticket)}), a hand-over Metal expresses with device-scope atomics and atomic_thread_fence, but`;
  if (pun) return punnedTicketGap(pun);
  return `${head} the last threadgroup reads what the atomics of every threadgroup made (${accessPair(atomics[0]!.atomic!.call)}), and c2m's atomic output starts from the op's identity with the caller's values added only after the launch (MLX's init_value), so the read would miss them; c2m does not fold the caller's element into a plain read`;
}

/**
 * A counter whose atomic hands out a hand-over's tickets, which c2m cannot carry: the hand-over is Metal's (a
 * device-scope atomic counter, atomic_thread_fence), what stops it is how c2m starts an atomic output (a C2M-K007
 * gap, not Metal's missing grid order): from the op's identity, with the caller's value folded into each returned
 * ticket and into the output afterwards, which only an adding ticket allows. An atomicInc's wrap (threadFenceReduction,
 * llm.c's layernorm_backward_kernel8-10) computes from the element's current value, and a plain store (the last
 * threadgroup resetting the counter) would have the caller's value added to it. The text, or undefined where no
 * atomic of the buffer is a ticket.
 */
export function ticketCounterGap(guards: HandOver[], atomics: AccessSite[], plain?: AccessSite): string | undefined {
  const site = atomics.find((x) => guards.some((g) => g.ticket.startIndex === x.atomic!.call.startIndex));
  if (!site) return undefined;
  const op = site.atomic!.op;
  const adds = op === "add" || op === "sub";
  const why = [
    adds ? "" : `an atomic ${op} computes from the element's current value, which would have to be the caller's before any threadgroup's ticket`,
    plain
      ? `a ${plain.write ? "store" : "read"} without atomics (${accessPair(plain.node)}) would ${plain.write ? "have the caller's value added to what it stores" : "miss the caller's value"}`
      : "",
  ].filter(Boolean);
  return `it counts the tickets of a last-arriver hand-over (${accessPair(site.atomic!.call)}), which Metal expresses (a device-scope atomic counter after atomic_thread_fence), but c2m starts an atomic output from the op's identity and folds the caller's value into each returned ticket and into the output after the launch, which only a counter updated by atomicAdd alone allows: ${why.join(", and ")}`;
}

/**
 * A plain store into a buffer whose elements are taken over from the caller's array before their first access
 * (BufferPlan.takeOnAtomic with handedOverStores: llm.c's layernorm_backward_kernel5/9/10 and llmc's kernel10 scratch,
 * `scratch_dbias[i + C * blockIdx.x] = ...`, `store128(scratch_dbias + i + 2 * C * blockIdx.x, ...)` after
 * `scratch += 32`): the store takes its element over first (a 128-bit helper's address each element of its 16
 * bytes), so the copy of the caller's value comes before it and the wrapper keeps what it wrote. Sound where no
 * other threadgroup's access reaches the element meanwhile: the store is a `=` (not a read-modify-write) on an
 * element access or a 128-bit helper's address into the buffer (not a device function's store, not a cache hint),
 * and each threadgroup stores its own part (an index naming the threadgroup, as handsOver asks of a hand-over
 * output's stores) or it is the last threadgroup's, after the ticket.
 */
export function takingStore(x: AccessSite, handedOver: (n: CudaNode) => boolean): boolean {
  if (!x.write || x.read || x.atomic || x.hintAddress) return false;
  if (x.span128) return handedOver(x.node) || GROUP_INDEX.test(x.node.text);
  const parent = x.node.parent;
  const plainStore = parent?.type === "assignment_expression" && field(parent, "operator")?.text === "=" && field(parent, "left")?.startIndex === x.node.startIndex;
  if (!plainStore || x.directIndex === undefined) return false;
  return handedOver(x.node) || GROUP_INDEX.test(x.directIndex);
}

/**
 * A buffer whose ticket counts in a word of it seen as another type, read plainly only by the last threadgroup, but
 * also stored to in a way takingStore does not carry (a store at an index not naming the threadgroup, a compound
 * assignment, a store in a device function): c2m takes each element over from the caller's array at its first atomic
 * or plain access (kernel5-7, 9, 10), and cannot show such a store's element is not reached by another threadgroup
 * meanwhile (a C2M-K007 gap).
 */
export function takenWithStoresGap(g: HandOver, store: AccessSite): string {
  return `its elements pass to the last threadgroup to take a ticket (${accessPair(g.ticket)}), a hand-over Metal expresses with device-scope atomics and atomic_thread_fence, and the ticket counts in a word of it seen as another type, which c2m carries by having each atomic and plain access take its element over from the caller's array first; but it is also stored to (${accessPair(store.node)}) other than as a threadgroup's own part (a plain '=' store on an element, or a 128-bit helper's address, at an index naming the threadgroup) or by the last threadgroup after its ticket, so c2m cannot show that no other threadgroup's atomic or store reaches the element meanwhile`;
}
