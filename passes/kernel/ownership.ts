/**
 * The ownership proof for a read-modify-write buffer (pass `kernel-buffers`, planBuffers): each element
 * is read and written only by the thread whose index computes it, so translating the buffer as an
 * in-place output (copy-in at first touch, c2m_own) cannot change what any thread reads.
 *
 * Every access's element index is split as `owner * stride + local`: a row pointer `r = y + i * C` gives
 * owner `i`, stride `C` and the subscript as local; `y[2 * i + 1]` gives owner `i`, stride 2, local 1;
 * `y[i]` gives owner `i`, stride 1, no local. The proof holds when all accesses share one owner and
 * stride, the index depends on the thread (a thread index or thread rank feeds it), the owner's
 * variables are not reassigned except as the update of the loop that declares them, and either
 *   - every access has the same local (the same literal, the same loop, or none): each thread touches
 *     its own element, or its own elements in the same order (a row, a block- or warp-stride loop); or
 *   - the owner is per thread and every local lies in [0, stride): a literal below a literal stride
 *     (`[2*i]`, `[2*i+1]`), or a loop variable counting up from a non-negative start while `< stride`
 *     (`for (int j = 0; j < C; j++) row[j]`), so rows of different threads do not overlap.
 * Where the owners differ, the proof still holds when every access updates its element within its
 * statement at a thread-dependent index (updatedInItsStatement: a permutation such as llm.c's
 * permute_kernel_backward). Anything else is refused, naming two accesses that could meet.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { field, named, unparen, walk } from "./cst.js";
import { mixedRadixOwner } from "./mixed-radix.js";
import { walksApart } from "./walk-apart.js";
import { updatedInItsStatement } from "./statement-update.js";
import { rowBound, type RowBound } from "./row-bound.js";
import { balanced, splitTopLevel, stripParens } from "./expr-text.js";
import { definitionsAt, localDefinitions } from "./scoped-defs.js";

export { localDefinitions };

export interface OwnedSite {
  /** the access node (`y[E]`, `r[E]`, `*r`) */
  node: CudaNode;
  /** the index inside the brackets (absent for `*r`) */
  index?: CudaNode;
  /** the row pointer's offset when the access goes through one (the added terms of `y + a + b`) */
  offset?: CudaNode | CudaNode[];
}

type Local =
  | { kind: "none" }
  | { kind: "literal"; value: number }
  | { kind: "loop"; variable: string; start: string; bound: string; signature: string; upTo?: string }
  | { kind: "opaque"; text: string };

interface Split {
  owner: string;
  stride: string;
  local: Local;
}

/**
 * Why a gather reaching other threads' elements is a limit, not a gap: nothing in CUDA orders a thread's access to
 * an element another thread of any threadgroup writes within the launch (no barrier spans threadgroups), so the
 * original itself races there; Metal has no grid-wide order to give it one either. buffer-plans.ts keeps the race where it
can (read-through.ts, a C2M-K053 warning), else codes it C2M-K046.
 */
export const GATHER_RACE =
  "with nothing ordering them: where the index meets an element another thread writes, the CUDA original has a data race (what a thread reads depends on which threads ran before it, an order CUDA does not define within a launch), and Metal cannot order threads of different threadgroups within a dispatch either (no grid-wide barrier, no forward-progress guarantee between threadgroups)";

export const THREAD_SOURCE = /threadIdx|thread_rank\s*\(|thread_position_in|thread_index_in|lane_id|laneid/;
const norm = (s: string) => s.replace(/\s+/g, "");

/** Returns undefined when the buffer is proven thread-owned, else why not. */
export function ownershipProof(body: CudaNode, sites: OwnedSite[]): string | undefined {
  const defs = definitionsAt(body, sites);
  const splits = splitsOf(body, sites);
  const first = splits[0];
  if (!first) return undefined;
  const keyOf = (x: Split) => `${x.owner} * ${x.stride}`;
  const keys = new Set(splits.map(keyOf));
  const full = (x: Split) => `${x.owner} ${x.local.kind === "loop" ? x.local.signature : x.local.kind === "opaque" ? x.local.text : ""}`;
  if (keys.size > 1 && splits.every((x) => THREAD_SOURCE.test(expand(full(x), defs))) && sites.every((x) => updatedInItsStatement(x.node))) return undefined;
  if (keys.size > 1) {
    // an index read from a buffer (`v = col[i]`, a graph's neighbour) reaching the elements the threads own
    const own = splits.find((x) => isPerThread(expand(x.owner, defs)));
    const gather = own && splits.find((x) => /[A-Za-z_]\w*\s*\[/.test(expand(x.owner, defs)) && !THREAD_SOURCE.test(x.owner));
    if (own && gather)
      return `${accessPair(gather.node)} is at an index read from memory ('${gather.owner}' = ${norm(defs.get(gather.owner) || gather.owner)}), which reaches elements other threads own as ${accessPair(own.node)}: threads of any threadgroup read and write each other's elements ${GATHER_RACE}, so a copy-in of an element from the caller's array can land after another thread's write and undo it`;
    const other = splits.find((x) => keyOf(x) !== keyOf(first))!;
    return `${accessPair(first.node, other.node)} have different owner indices (${[...keys].map((k) => k.replace(/ \* 1$/, "")).join(", ")}), so c2m cannot show that one thread alone touches each element`;
  }
  if (!splits.some((x) => THREAD_SOURCE.test(expand(full(x), defs))) && !ledByOneThread(splits, body, defs))
    // a name several declarations give (`for (int i = ...)` in several loops): which one the access sees is not followed
    return defs.get(first.owner) === ""
      ? `its index '${first.owner}' (${accessPair(first.node)}) is declared more than once in the kernel (several loops or blocks declare it), and c2m does not follow which declaration the access sees, so it cannot show which thread owns each element`
      : /blockIdx|threadgroup_position/.test(expand(full(first), defs))
        ? `its index '${first.owner}' (${accessPair(first.node)}) does not depend on the thread within its block (only on the block), so c2m cannot tell which of the block's threads owns each element`
        : `its index '${first.owner}' (${accessPair(first.node)}) does not depend on the thread, so every thread of the grid updates the same elements`;
  const reassigned = ownerReassigned(first.owner, body, defs);
  if (reassigned) return `its owner index '${first.owner}' changes ('${reassigned}' is reassigned), so a thread may move onto another thread's element (${accessPair(first.node)})`;
  const localKey = (l: Local) => (l.kind === "none" ? "" : l.kind === "literal" ? `#${l.value}` : l.kind === "loop" ? l.signature : l.text);
  // one owner per thread: its index itself, or its digits in a mixed radix recombined (mixed-radix.ts)
  const perThread = isPerThread(expand(first.owner, defs)) || mixedRadixOwner(first.owner, defs, (b) => isPerThread(expand(b, defs)) && !/[/%]/.test(expand(b, defs)));
  const inside = (l: Local) =>
    l.kind === "none" ||
    // element 0 of a row: inside any non-empty row (an empty row holds nothing to share)
    (l.kind === "literal" && (l.value === 0 || (/^\d+$/.test(first.stride) && l.value > 0 && l.value < Number(first.stride)))) ||
    (l.kind === "loop" && (norm(l.bound) === norm(first.stride) || (l.upTo !== undefined && belowStride(l.upTo, first.stride, defs))) && /^\d+$|^0[uU]?$/.test(l.start));
  // an owner or index that moves with a loop counter must keep the threads apart (walk-apart.ts); a walk inside a per-thread row cannot leave it
  for (const x of splits) {
    const whole = perThread && inside(x.local) ? x.owner : wholeIndex(x);
    const moving = walksApart(whole, x.node, body, defs, "thread", accessPair(x.node));
    if (moving) return moving;
  }
  if (new Set(splits.map((x) => localKey(x.local))).size === 1) return undefined;
  const splitOf = (n: CudaNode) => splits.find((x) => x.node === n)!;
  const outside = splits.find((x) => !inside(x.local));
  if (!perThread || outside) {
    const shown = (outside ?? splits.find((x) => x.local.kind !== "none") ?? first).node;
    const other = splits.find((x) => localKey(x.local) !== localKey(splitOf(shown).local))?.node;
    return `${accessPair(shown, other)} are different indices of the same owner that c2m cannot show stay inside the thread's own elements, so a thread may read an element another thread writes`;
  }
  return undefined;
}

/** The element index a split stands for, `owner * stride + local`, as text. */
function wholeIndex(x: Split): string {
  const at = x.stride === "1" ? x.owner : `(${x.owner})*(${x.stride})`;
  const l = x.local;
  return l.kind === "none" ? at : `${at}+${l.kind === "literal" ? l.value : l.kind === "loop" ? l.variable : `(${l.text})`}`;
}

/** Every access split as `owner * stride + local`; a row's stride is the bound of the loops walking it (`row[0]` then splits like `row[j]` does). */
function splitsOf(body: CudaNode, sites: OwnedSite[]): (Split & { node: CudaNode })[] {
  const bounds = [...new Set(sites.map((s) => splitSite(s, body, []).local).flatMap((l) => (l.kind === "loop" ? [norm(l.bound)] : [])))];
  return sites.map((s) => ({ ...splitSite(s, body, bounds), node: s.node }));
}

/**
 * The threadgroup-level proof, tried where the thread-level one fails: every element the buffer's accesses
 * reach belongs to one threadgroup. All accesses share one owner and stride, the owner is computed from the
 * threadgroup's index (blockIdx, with every division undone by a remainder, as isPerThread asks of a thread's
 * index; a warp or tile of the group may own it too), its variables are not reassigned, and every local lies
 * in [0, stride): a literal below the stride, a loop counting up from a non-negative start while `< stride`
 * (or `<= t` with `t < stride` shown by a remainder or an early return), `min(stride - 1, E)`, or `E` under
 * an `if (E < stride)`, E non-negative. Threads of one group may then share an element: c2m_own copies it in
 * at its first touch, and a barrier orders that copy as it orders CUDA's accesses (an unordered write and
 * read of one element race in CUDA too). Returns undefined when proven, else the accesses that may reach
 * another threadgroup's elements, or null where the owner is not a group's index (the thread-level proof's
 * refusal then says why).
 */
export function groupOwnershipProof(body: CudaNode, sites: OwnedSite[], bounds?: { scalars: Set<string>; assumed: RowBound[] }): string | undefined | null {
  const defs = definitionsAt(body, sites);
  // inside the row, or inside it when a size parameter is at most the stride (row-bound.ts), which the wrapper checks
  const inRowOf = (x: Split & { node: CudaNode }, stride: string) =>
    localInRow(x.local, x.node, stride, body, defs) || (!!bounds && rowBound(x.local, x.node, stride, body, defs, bounds.scalars) !== undefined);
  // a row pointer's stride: a factor of every term of its offset under which every local stays (`y = out + idx * C`: C)
  const inEveryTerm = (terms: CudaNode[]) => new Set(factors(terms[0]!).filter((f) => terms.every((t) => factors(t).includes(f))));
  const offsetFactors = sites.map((s) => (s.offset ? inEveryTerm(Array.isArray(s.offset) ? s.offset.flatMap(sumTerms) : sumTerms(s.offset)) : new Set<string>()));
  // or, for an access at `y[row * P + i]` on the parameter itself, a factor of a term of its index
  const indexFactors = sites.map((s, i) => (s.offset || !s.index ? offsetFactors[i]! : new Set(sumTerms(s.index).flatMap(factors))));
  const common = [...new Set([...(offsetFactors[0] ?? []), ...(indexFactors[0] ?? [])])].filter(
    (f) => /^[A-Za-z_]\w*$/.test(f) && sites.every((_, i) => offsetFactors[i]!.has(f) || indexFactors[i]!.has(f)),
  );
  // an accessor's row (accessors.ts lowers `acc[b][p]` to `((b) * acc_size[1] + (p))`): its size along the last subscript
  const rows = [...new Set(sites.flatMap((s) => [...(s.index?.text ?? "").matchAll(/\b\w+_size\[[1-9]\d*\]/g)].map((m) => norm(m[0]))))];
  const tries = [...[...common, ...rows].map((c) => sites.map((s) => ({ ...splitSite(s, body, [c]), node: s.node }))), splitsOf(body, sites)];
  // the stride under which the most accesses stay in their row (all of them, when one fits)
  const inRow = (xs: (Split & { node: CudaNode })[]) => xs.filter((x) => x.stride === xs[0]!.stride && x.owner === xs[0]!.owner && inRowOf(x, x.stride)).length;
  // on a tie, the split whose owner is the threadgroup's index (`idx * P` with `idx` from blockIdx: owner idx, not P)
  const groupOwned = (xs: (Split & { node: CudaNode })[]) => (xs[0] && /blockIdx|threadgroup_position_in_grid/.test(expand(xs[0].owner, defs)) ? 1 : 0);
  const score = (xs: (Split & { node: CudaNode })[]) => inRow(xs) * 2 + groupOwned(xs);
  const splits = tries.reduce((best, t) => (score(t) > score(best) ? t : best));
  const first = splits[0];
  if (!first) return undefined;
  const keys = new Set(splits.map((x) => `${x.owner} * ${x.stride}`));
  const owner = expand(first.owner, defs);
  const byGroup = /blockIdx|threadgroup_position_in_grid/.test(owner) && isPerGroupIndex(owner);
  // not one owner computed from the group's index (and no finer): the thread-level refusal says why
  if (keys.size > 1 || !byGroup || THREAD_SOURCE.test(owner.replace(GROUP_WITHIN_BLOCK, ""))) return null;
  const reassigned = ownerReassigned(first.owner, body, defs);
  if (reassigned)
    return `its owner index '${first.owner}' changes ('${reassigned}' is reassigned), so a thread may move onto another threadgroup's element (${accessPair(first.node)})`;
  // a row that moves with a loop counter must step over the other threadgroups' rows (walk-apart.ts)
  const moving = walksApart(first.owner, first.node, body, defs, "group", accessPair(first.node));
  if (moving) return moving;
  const outside = splits.find((x) => !inRowOf(x, first.stride));
  if (outside)
    return `${accessPair(outside.node)} is not shown to stay inside its row of ${first.stride} elements (owner '${first.owner}'), so it may reach an element of another threadgroup's row`;
  for (const x of splits.filter((y) => !localInRow(y.local, y.node, first.stride, body, defs))) {
    const b = rowBound(x.local, x.node, first.stride, body, defs, bounds!.scalars)!;
    if (!bounds!.assumed.some((y) => y.bound === b.bound && y.stride === b.stride)) bounds!.assumed.push(b);
  }
  return undefined;
}

/**
 * Every threadgroup touches the same elements: no access's index depends on the threadgroup, and each write is
 * at an index of the thread's own (a thread index feeds it) or made by the block's leader (`if (threadIdx.x ==
 * 0)`), so the threads of one group do not race on it. A launch of one threadgroup then owns the whole buffer
 * (llm.c's global_norm_aggregate_kernel: every thread reads out[threadIdx.x], thread 0 writes out[0]).
 */
export function sharedByEveryGroup(body: CudaNode, sites: (OwnedSite & { write: boolean })[]): boolean {
  const defs = definitionsAt(body, sites);
  const text = (s: OwnedSite) => expand([s.index, ...(s.offset === undefined ? [] : Array.isArray(s.offset) ? s.offset : [s.offset])].map((x) => x?.text ?? "").join(" "), defs);
  if (!sites.length || sites.some((s) => /blockIdx|threadgroup_position|gridDim|threadgroups_per_grid/.test(text(s)))) return false;
  return sites.every((s) => !s.write || THREAD_SOURCE.test(text(s)) || leaderLevel(s.node, body, defs) === "block");
}

/** A group's index within its threadgroup: a tile's rank, a warp's number, a row of a 2-d block. */
const GROUP_WITHIN_BLOCK = /\w+\.meta_group_rank\(\)|\w+\.meta_group_size\(\)|(?<![-+*/%\w.]\s*\(?\s*)\(?threadIdx\.x\)?\s*\/\s*\(?(32|warpSize)\)?|threadIdx\.[yz]/g;

/** An index of a group of threads: a threadgroup's, or a warp's within it (no shift; every division `/ d` undone by a `% d`). */
export function isPerGroupIndex(expanded: string): boolean {
  if (/>>/.test(expanded)) return false;
  const divisors = [...expanded.matchAll(/\/\s*(\(?[\w.]+\)?)/g)].map((m) => norm(m[1]!));
  const moduli = new Set([...expanded.matchAll(/%\s*(\(?[\w.]+\)?)/g)].map((m) => norm(m[1]!)));
  // a warp number within the group (threadIdx.x / 32) is a group index too
  return divisors.every((d) => moduli.has(d) || /^\(?(32|warpSize)\)?$/.test(d));
}

/** Whether a local index lies in [0, stride) (see groupOwnershipProof). */
function localInRow(l: Local, node: CudaNode, stride: string, body: CudaNode, defs: Map<string, string>): boolean {
  const s = norm(stride);
  if (l.kind === "none") return true;
  // the last subscript of an accessor lies along its own dimension: any access inside the tensor keeps it below that size
  if (accessorSize(s, node)) return true;
  if (l.kind === "literal") return l.value === 0 || (/^\d+$/.test(s) && l.value > 0 && l.value < Number(s));
  if (l.kind === "loop")
    return (
      nonNegative(l.start, node, body, defs) &&
      (norm(l.bound) === s ||
        (l.upTo !== undefined && (belowStride(l.upTo, stride, defs) || returnsUnlessBelow(l.upTo, stride, node, body) || belowByDifference(l.upTo, stride, node, body, defs))))
    );
  if (l.kind !== "opaque") return false;
  const m = /^(?:metal::)?min\((.+)\)$/.exec(l.text);
  if (m && balanced(m[1]!)) {
    const args = splitTopLevel(m[1]!, ",");
    const last = `${s}-1`;
    const [a, b] = args;
    if (args.length === 2 && ((a === last && nonNegative(b!, node, body, defs)) || (b === last && nonNegative(a!, node, body, defs)))) return true;
  }
  // `E % stride` with E not negative
  if (belowStride(l.text, stride, defs) && nonNegative(l.text, node, body, defs)) return true;
  return nonNegative(l.text, node, body, defs) && guardedBelow(l.text, s, node, body);
}

/** `acc_size[d]` (d ≥ 1) of the accessor `acc` the access subscripts (accessors.ts names a lowered accessor's sizes so). */
function accessorSize(stride: string, node: CudaNode): boolean {
  const m = /^(\w+)_size\[[1-9]\d*\]$/.exec(stride);
  return !!m && node.type === "subscript_expression" && unparen(field(node, "argument")!).text === m[1];
}

/**
 * An expression with no subtraction, no negative literal and no cast, whose loop counters start at such an
 * expression and only count up: thread and group indices, sizes and counters are then all it adds and multiplies.
 */
export function nonNegative(text: string, node: CudaNode, body: CudaNode, defs: Map<string, string>, depth = 3): boolean {
  const t = norm(text);
  // `a & b` is not negative when either operand is not (llm.c's `V & ~(x128::size - 1)`: its sign bit is theirs, anded)
  const ands = t.includes("&&") ? [] : splitTopLevel(stripParens(t), "&");
  if (ands.length > 1 && depth > 0 && ands.every((x) => x !== "" && !/[-+*/%<>=!|^~(,]$/.test(x))) return ands.some((x) => nonNegative(x, node, body, defs, depth - 1));
  if (/-|~|\(\s*(int|long|short|char)\s*\)/.test(t) || depth === 0) return false;
  for (const id of t.match(/(?<![.\w])[A-Za-z_]\w*(?!\s*\()/g) ?? []) {
    const loop = loopDeclaring(id, node, body);
    if (loop && loop.kind === "loop") {
      if (!nonNegative(loop.start, node, body, defs, depth - 1) || /-/.test(loop.signature)) return false;
    } else if (defs.get(id) && !nonNegative(defs.get(id)!, node, body, defs, depth - 1)) return false;
  }
  return true;
}

/** `E` inside `if (... E < S ...)` (a conjunct of the condition), the access in its consequence. */
function guardedBelow(e: string, s: string, node: CudaNode, body: CudaNode): boolean {
  for (let n: CudaNode | null = node; n && n.parent && n !== body; n = n.parent) {
    const p = n.parent;
    if (p.type !== "if_statement" || field(p, "consequence")?.startIndex !== n.startIndex) continue;
    const conds = stripParens(norm(field(p, "condition")?.text ?? ""))
      .split("&&")
      .map(stripParens);
    if (conds.some((c) => c === `${e}<${s}` || c === `(${e})<${s}` || c === `${s}>${e}` || c === `${e}<=${s}-1`)) return true;
  }
  return false;
}

/** `if (x >= S) return;` (or `x > S - 1`) among the body's own statements before the access: x < S after it. */
function returnsUnlessBelow(x: string, s: string, node: CudaNode, body: CudaNode): boolean {
  const v = norm(x);
  const st = norm(s);
  return named(body).some((st0) => {
    if (st0.type !== "if_statement" || st0.endIndex > node.startIndex || field(st0, "alternative")) return false;
    const cons = field(st0, "consequence");
    if (!cons || !/^(\{)?return;(\})?$/.test(norm(cons.text))) return false;
    const c = stripParens(norm(field(st0, "condition")?.text ?? ""));
    return c === `${v}>=${st}` || c === `${v}>${st}-1` || c === `${st}<=${v}`;
  });
}

/** `'y[i]' (line 3) and 'y[i + n]' (line 4)`: the accesses a refusal names, as written. */
export function accessPair(a: CudaNode, b?: CudaNode): string {
  const one = (n: CudaNode) => `'${n.text.replace(/\s+/g, " ").slice(0, 50)}' (line ${n.startPosition.row + 1})`;
  return b && b !== a ? `${one(a)} and ${one(b)}` : one(a);
}

/**
 * Every access is made by one leader thread of its group (inside `if (threadIdx.x == 0)`, `if
 * (block.thread_rank() == 0)`: one per block; `if (warp.thread_rank() == 0)`, `if (lane == 0)` with
 * lane = threadIdx.x % 32: one per tile), and the index is computed from that group's own index
 * (blockIdx for a block leader; the tile's meta_group_rank or a warp number for a tile leader).
 */
function ledByOneThread(splits: (Split & { node: CudaNode })[], body: CudaNode, defs: Map<string, string>): boolean {
  const owner = expand(splits[0]!.owner, defs);
  return splits.every((x) => {
    const level = leaderLevel(x.node, body, defs);
    if (level === "block") return /blockIdx/.test(owner);
    if (level === "tile") return /meta_group_rank|threadIdx\.x\)*\s*\/\s*\(*(32|warpSize)\b/.test(owner);
    return false;
  });
}

function leaderLevel(node: CudaNode, body: CudaNode, defs: Map<string, string>): "block" | "tile" | undefined {
  let best: "block" | "tile" | undefined;
  for (let n: CudaNode | null = node; n && n.parent && n !== body; n = n.parent) {
    const p = n.parent;
    if (p.type !== "if_statement" || field(p, "consequence")?.startIndex !== n.startIndex) continue;
    for (const conj of norm(field(p, "condition")?.text ?? "")
      .replace(/^\((.*)\)$/, "$1")
      .split("&&")) {
      const m = /^(.+)==0$/.exec(conj) ?? /^0==(.+)$/.exec(conj);
      if (!m) continue;
      const x0 = stripParens(m[1]!);
      const obj = /^(\w+)\.thread_rank\(\)$/.exec(x0)?.[1];
      const x = stripParens(norm(expand(x0, defs)));
      if (obj) {
        const decl = defs.get(obj) ?? "";
        if (/tiled_partition/.test(decl)) best ??= "tile";
        else if (/this_thread_block/.test(decl)) best = "block";
      } else if (/^threadIdx\.x$/.test(x)) best = "block";
      else if (/^\(?threadIdx\.x\)?%(32|warpSize)$|^\(?threadIdx\.x\)?&31$/.test(x)) best ??= "tile";
    }
  }
  return best;
}

/**
 * An owner computed from the thread's own index, not from a group of threads: no shift, no rank of a
 * tile, and every division `/ d` undone by a `% d` of the same divisor (`b = i / T; t = i % T; b * T + t`).
 */
export function isPerThread(expanded: string): boolean {
  if (!THREAD_SOURCE.test(expanded) || />>|meta_group_rank/.test(expanded)) return false;
  const divisors = [...expanded.matchAll(/\/\s*(\(?[\w.]+\)?)/g)].map((m) => norm(m[1]!));
  const moduli = new Set([...expanded.matchAll(/%\s*(\(?[\w.]+\)?)/g)].map((m) => norm(m[1]!)));
  return divisors.every((d) => moduli.has(d));
}

/** `owner * stride + local` for one access. */
function splitSite(site: OwnedSite, body: CudaNode, strides: string[]): Split {
  const index = site.index ? unparen(site.index) : undefined;
  if (site.offset) {
    const local = index ? localOf(index, body) : ({ kind: "literal", value: 0 } as Local);
    return { ...ownerStride(Array.isArray(site.offset) ? site.offset.flatMap(sumTerms) : sumTerms(site.offset), local, strides), local };
  }
  if (!index) return { owner: "0", stride: "1", local: { kind: "none" } };
  if (index.type === "binary_expression" && /^[+-]$/.test(field(index, "operator")?.text ?? "")) {
    const op = field(index, "operator")!.text;
    const left = unparen(field(index, "left")!);
    const right = unparen(field(index, "right")!);
    for (const [p, l] of op === "+"
      ? [
          [left, right],
          [right, left],
        ]
      : [[left, right]]) {
      const local = localOf(l!, body);
      if (local.kind === "opaque") continue;
      const signed: Local = op === "-" && local.kind === "literal" ? { kind: "literal", value: -local.value } : local;
      if (op === "-" && local.kind !== "literal") continue;
      return { ...ownerStride(sumTerms(p!), signed, strides), local: signed };
    }
  }
  return { ...ownerStride(sumTerms(index), { kind: "none" }, strides), local: { kind: "none" } };
}

export function sumTerms(e: CudaNode): CudaNode[] {
  const u = unparen(e);
  if (u.type === "binary_expression" && field(u, "operator")?.text === "+") return [...sumTerms(field(u, "left")!), ...sumTerms(field(u, "right")!)];
  return [u];
}

export function factors(e: CudaNode): string[] {
  const u = unparen(e);
  if (u.type === "binary_expression" && field(u, "operator")?.text === "*") return [...factors(field(u, "left")!), ...factors(field(u, "right")!)];
  return [norm(u.text)];
}

/**
 * `i * C` (or `b * T * C + t * C`) with a local bounded by C, or a literal factor common to every term →
 * owner `i` (`b * T + t`), stride C; else the whole sum with stride 1.
 */
function ownerStride(terms: CudaNode[], local: Local, strides: string[]): { owner: string; stride: string } {
  const fs = terms.map(factors);
  const bound = local.kind === "loop" ? norm(local.bound) : undefined;
  const candidates = [...(bound ? [bound] : []), ...strides, ...fs[0]!.filter((f) => /^\d+$/.test(f) && Number(f) > 1)];
  for (const c of candidates) {
    if (!fs.every((f) => f.includes(c))) continue;
    const owner = fs.map((f) => {
      const rest = [...f];
      rest.splice(rest.indexOf(c), 1);
      return rest.length ? rest.join("*") : "1";
    });
    return { owner: owner.join("+"), stride: c };
  }
  return { owner: terms.map((t) => norm(t.text)).join("+"), stride: "1" };
}

/** A literal, a for-loop variable (its loop's start, bound and signature), or an opaque expression. */
function localOf(e: CudaNode, body: CudaNode): Local {
  if (e.type === "number_literal" && /^\d+[uUlL]*$/.test(e.text)) return { kind: "literal", value: parseInt(e.text, 10) };
  if (e.type === "identifier") {
    const loop = loopOf(e, body);
    if (loop) return loop;
  }
  return { kind: "opaque", text: norm(e.text) };
}

/** The for-loop around `v` that declares it (`for (int j = S; j < B; <update>)`), with j not assigned in its body. */
function loopOf(v: CudaNode, body: CudaNode): Local | undefined {
  return loopDeclaring(v.text, v.parent, body);
}

/** The for-loop around `from` that declares `name`, as loopOf describes it. */
export function loopDeclaring(name: string, from: CudaNode | null, body: CudaNode): Local | undefined {
  const v = { text: name };
  for (let n: CudaNode | null = from; n && n !== body; n = n.parent) {
    if (n.type !== "for_statement") continue;
    const init = field(n, "initializer");
    const decl = init?.type === "declaration" ? named(init).find((c) => c.type === "init_declarator") : undefined;
    if (!decl || field(decl, "declarator")?.text !== v.text) continue;
    const cond = field(n, "condition");
    const update = field(n, "update");
    // `j < B`, or `j <= X` (its last value X: llm.c's causal `for (int t2 = 0; t2 <= t; t2++)`)
    const m = cond ? new RegExp(`^${v.text}(<=?)(.+)$`).exec(norm(cond.text)) : null;
    if (!m || !update || !/^(\+\+\w+|\w+\+\+|\w+\+=.+)$/.test(norm(update.text))) return undefined;
    let assigned = false;
    walk(field(n, "body")!, (c) => {
      if ((c.type === "assignment_expression" && unparen(field(c, "left")!).text === v.text) || (c.type === "update_expression" && unparen(field(c, "argument")!).text === v.text))
        assigned = true;
    });
    if (assigned) return undefined;
    const start = norm(field(decl, "value")?.text ?? "");
    return {
      kind: "loop",
      variable: v.text,
      start,
      bound: m[1] === "<" ? m[2]! : `(${m[2]!})+1`,
      signature: `for(${start};${m[1]}${m[2]};${norm(update.text).replace(new RegExp(`\\b${v.text}\\b`, "g"), "_")})`,
      ...(m[1] === "<=" ? { upTo: m[2]! } : {}),
    };
  }
  return undefined;
}

/**
 * Whether `x` is below `stride`: x is a remainder `E % stride` of an E with no subtraction in it (so E is not
 * negative, and neither is the remainder): llm.c's `t = (idx / NH) % T` bounding a loop `t2 <= t` over a row of T.
 */
function belowStride(x: string, stride: string, defs: Map<string, string>): boolean {
  const e = stripParens(norm(expand(x, defs)));
  const m = new RegExp(`^(\\(.*\\)|[\\w.]+)%\\(?${stride.replace(/[()]/g, "")}\\)?$`).exec(e);
  return !!m && !e.includes("-") && (!m[1]!.startsWith("(") || balanced(m[1]!.slice(1, -1)));
}

/**
 * Whether `x` is below `stride` as a difference: expanded, x is `stride - c - n1 - n2 ...` with c a positive literal
 * and every n not negative (nonNegative): llm.c's softmax_autoregressive_backward_inplace_kernel walks a row
 * `t2 <= t` with `t = t0 - to`, `t0 = T - 1 - T_per_block * blockIdx.x`, `to` counting up from 0.
 */
function belowByDifference(x: string, stride: string, node: CudaNode, body: CudaNode, defs: Map<string, string>): boolean {
  // an unsigned x would wrap past the row where the difference goes below 0
  if (!declaredSigned(x, body)) return false;
  const terms = signedTerms(norm(expand(x, defs)));
  if (!terms) return false;
  const plus = terms.filter((t) => t.sign > 0);
  const minus = terms.filter((t) => t.sign < 0);
  const literal = minus.find((t) => /^\d+$/.test(t.text) && Number(t.text) > 0);
  return (
    plus.length === 1 &&
    stripParens(plus[0]!.text) === stripParens(norm(stride)) &&
    !!literal &&
    minus.every((t) => t === literal || (/^\d+$/.test(t.text) ? Number(t.text) >= 0 : nonNegative(t.text, node, body, defs)))
  );
}

/** `x` is a local declared (once) with a signed integer type: `int t = ...;`, `long t = ...;`. */
function declaredSigned(x: string, body: CudaNode): boolean {
  const types: string[] = [];
  walk(body, (n) => {
    if (n.type === "init_declarator" && field(n, "declarator")?.text === x && n.parent?.type === "declaration") types.push(field(n.parent, "type")?.text ?? "");
  });
  return types.length === 1 && /^(?:signed\s+)?(?:int|long|long\s+long|short|int(?:8|16|32|64)_t|ptrdiff_t)$/.test(types[0]!.trim());
}

/** A sum's terms with their signs, parentheses around a sum added (not subtracted) opened; undefined when it does not parse. */
function signedTerms(text: string, sign = 1): { sign: number; text: string }[] | undefined {
  const t = stripParens(text);
  const out: { sign: number; text: string }[] = [];
  let depth = 0;
  let start = 0;
  let cur = sign;
  const push = (end: number) => {
    const piece = t.slice(start, end);
    if (!piece) return end === 0;
    const inner = stripParens(piece);
    // `(a - b)` added: its own terms; subtracted, it stays one term (nonNegative judges it whole)
    if (cur > 0 && inner !== piece && /[-+]/.test(inner)) {
      const sub = signedTerms(inner, cur);
      if (!sub) return false;
      out.push(...sub);
    } else out.push({ sign: cur, text: piece });
    return true;
  };
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    depth += c === "(" ? 1 : c === ")" ? -1 : 0;
    if (depth === 0 && (c === "+" || c === "-") && i > 0 && !/[*/%(]/.test(t[i - 1]!)) {
      if (!push(i)) return undefined;
      cur = c === "+" ? sign : -sign;
      start = i + 1;
    }
  }
  return push(t.length) ? out : undefined;
}

/**
 * The grid dimensions along which threadgroups reach the same elements: the kernel names `blockIdx.d` or
 * `gridDim.d` (it is meant to run several threadgroups along d), yet no access's index (its offset and row
 * pointer included, locals expanded) depends on `blockIdx.d` and no condition does (a guard such as
 * `if (blockIdx.y == 0)` may single one row out). The thread-ownership proof sees one threadgroup: it holds
 * for the grid only when the launch has one threadgroup along each such d (llm.c's matmul_backward_bias_kernel9
 * `<false>`: every row of blocks along y sums its share into the same dbias elements in place, and its
 * launcher runs it with one row), which the wrapper then insists on.
 */
export function sharedAcrossBlocks(body: CudaNode, sites: OwnedSite[]): ("x" | "y" | "z")[] {
  const defs = definitionsAt(body, sites);
  const texts = sites.map((s) => expand([s.index?.text ?? "", ...[s.offset ?? []].flat().map((o) => o.text)].join(" + "), defs));
  const conditions: string[] = [];
  walk(body, (n) => {
    if (n.type === "if_statement" || n.type === "conditional_expression" || n.type === "while_statement") {
      const c = field(n, "condition");
      if (c) conditions.push(expand(c.text, defs));
    }
  });
  return (["x", "y", "z"] as const).filter((d) => {
    const block = new RegExp(`\\bblockIdx\\s*\\.\\s*${d}\\b`);
    if (!new RegExp(`\\b(blockIdx|gridDim)\\s*\\.\\s*${d}\\b`).test(body.text)) return false;
    return !texts.some((t) => block.test(t)) && !conditions.some((c) => block.test(c));
  });
}

export function expand(text: string, defs: Map<string, string>, depth = 4): string {
  if (depth === 0) return text;
  return text.replace(/[A-Za-z_]\w*/g, (id) => (defs.get(id) ? `(${expand(defs.get(id)!, defs, depth - 1)})` : id));
}

/** A variable of the owner (or one it is computed from) that is assigned other than as its own loop's update. */
export function ownerReassigned(owner: string, body: CudaNode, defs: Map<string, string>): string | undefined {
  // the owner's own names and the locals it is computed from (not member names like the .x of threadIdx.x)
  const vars = new Set([...(owner.match(/(?<![.\w])[A-Za-z_]\w*/g) ?? []), ...(expand(owner, defs).match(/[A-Za-z_]\w*/g) ?? []).filter((v) => defs.has(v))]);
  let found: string | undefined;
  walk(body, (n) => {
    if (found) return false;
    const target = n.type === "assignment_expression" ? field(n, "left") : n.type === "update_expression" ? field(n, "argument") : null;
    const t = target ? unparen(target) : null;
    if (!t || t.type !== "identifier" || !vars.has(t.text)) return;
    const isUpdate = (f: CudaNode | null | undefined, x: CudaNode | null) => !!f && !!x && f.type === "for_statement" && field(f, "update")?.startIndex === x.startIndex;
    const loop = isUpdate(n.parent, n) ? n.parent : isUpdate(n.parent?.parent, n.parent) ? n.parent!.parent : undefined;
    const declaresIt =
      loop &&
      /^(int|unsigned|size_t|long|uint|auto)?\s*/.test(field(loop, "initializer")?.text ?? "") &&
      new RegExp(`\\b${t.text}\\s*=`).test(field(loop, "initializer")?.text ?? "");
    if (!declaresIt) found = t.text;
  });
  return found;
}
