/**
 * The plans for a read-write buffer (passes/kernel/buffers.ts decides the roles): one copy site before
 * the run of statements that touch the element (ownerCopy), else every access through `c2m_own`
 * (ownAccess) once the ownership proof (ownership.ts) holds; else the refusal (C2M-K007) saying why.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { same, type KernelAnalysis } from "./buffers.js";
import type { DiagnosticBag } from "../../ir/diagnostics.js";
import type { BufferPlan } from "../../ir/kernel.js";
import { reportKernel } from "../../ir/kernel-diagnostics.js";
import { stridedOwnershipProof } from "./strided-owner.js";
import { inHandOver, lastArriverGuards } from "./hand-over.js";
import { groupRangeProof } from "./group-range.js";
import { accessPair, groupOwnershipProof, ownershipProof, sharedAcrossBlocks, sharedByEveryGroup, type OwnedSite } from "./ownership.js";
import { type AliasMove, aliasAt, parameterMoves } from "./inout-moves.js";
import { assignedIn, field, loopCounter, named, position, subscriptIndices, unparen, walk } from "./cst.js";
import { callerReads } from "./caller-reads.js";
import type { RowBound } from "./row-bound.js";

/**
 * Why an element that threads may share cannot be updated in place: the tail of every K007 whose
 * accesses c2m cannot give one owning thread. Within a threadgroup a barrier would order the copy-in;
 * across threadgroups nothing can.
 */
export const SHARED_IN_PLACE =
  "mx.fast.metal_kernel outputs are fresh arrays (an input cannot be aliased as an output), so an in-place update needs each element copied in by its one owner before any other thread touches it, and ordering that across threadgroups needs a grid-wide barrier, which Metal does not have";

export function refuse(a: KernelAnalysis, bag: DiagnosticBag, param: string, why: string, shared = true, code = "C2M-K007"): void {
  const p = a.kernel.params.find((x) => x.name === param)!;
  reportKernel(bag, code, position(p.node), `buffer '${param}' of kernel '${a.kernel.name}' is read and written: ${why}${shared ? `; ${SHARED_IN_PLACE}` : ""}`);
  a.ok = false;
}

const STATEMENT_TYPES = new Set(["expression_statement", "declaration", "return_statement"]);
const LOOP_TYPES = new Set(["for_statement", "while_statement", "do_statement", "for_range_loop"]);

/**
 * The element-ownership check for a read-write buffer. Each thread must touch the buffer at one index
 * expression E (the same text everywhere), in one run of sibling statements, with E's variables not
 * changed inside that run, and — when the run sits in a loop — E must change from one iteration to the
 * next. Then copying `y[E] = y_in[E]` just before the run gives every read the caller's value, exactly
 * as CUDA's in-place update would (threads touching the same element without atomics race in CUDA too).
 * Returns the copy site, or why not.
 */
export function ownerCopy(a: KernelAnalysis, name: string): NonNullable<BufferPlan["copyAt"]> | string {
  const sites = a.accesses.filter((s) => s.root.kind === "param" && s.root.name === name);
  const vias = new Set(sites.map((s) => s.via));
  const via = [...vias][0];
  const def = via ? a.aliasDefs.get(via) : undefined;
  const aliasOk = vias.size === 1 && (via === undefined || (def !== undefined && def.writes === 1 && def.param === name));
  if (!aliasOk || sites.some((s) => s.directIndex === undefined || (s.indirect && !s.via)))
    return "it is accessed through a cast, a helper function, several pointers or a pointer that is reassigned, so c2m cannot see which elements each thread owns";
  const indices = new Set(sites.map((s) => s.directIndex));
  if (indices.size !== 1) return `it is accessed at different indices (${[...indices].map((i) => `[${i}]`).join(", ")}), so a thread may read an element another thread writes`;
  const index = [...indices][0]!;
  const anchors: CudaNode[] = [];
  for (const s of sites) {
    let n: CudaNode | null = s.node;
    let guarded = false;
    while (n && !STATEMENT_TYPES.has(n.type)) {
      const p: CudaNode | null = n.parent;
      if (p?.type === "conditional_expression" && !same(field(p, "condition"), n)) guarded = true;
      if (p?.type === "binary_expression" && /^(&&|\|\|)$/.test(field(p, "operator")?.text ?? "") && same(field(p, "right"), n)) guarded = true;
      n = p;
    }
    if (!n) return "an access is not inside a statement c2m can anchor a copy to";
    if (guarded) return "an access sits behind a ?: or &&/|| guard inside its statement, so an unguarded copy could read out of bounds";
    if (!anchors.some((x) => same(x, n))) anchors.push(n);
  }
  const parent = anchors[0].parent!;
  if (anchors.some((x) => !same(x.parent, parent))) return "its accesses are spread over different blocks of statements";
  if (parent.type !== "compound_statement" && anchors.length > 1) return "its accesses are spread over several statements outside a block";
  const siblings = parent.type === "compound_statement" ? named(parent) : anchors;
  const idx = (x: CudaNode) => siblings.findIndex((s) => same(s, x));
  anchors.sort((x, y) => idx(x) - idx(y));
  const run = siblings.slice(idx(anchors[0]), idx(anchors[anchors.length - 1]) + 1);
  const vars = new Set((index.match(/[A-Za-z_]\w*/g) ?? []).filter((v) => !/^(threadIdx|blockIdx|blockDim|gridDim|x|y|z|size_t|int|long|unsigned)$/.test(v)));
  for (const st of run) {
    for (const v of assignedIn(st)) if (vars.has(v)) return `its index '${index}' changes ('${v}' is assigned) between the statements that touch it`;
  }
  // inside a loop, the element must change each iteration, or the copy would undo earlier updates: a
  // variable assigned in the loop is not enough (`ix = inp[i]` repeats), so the index must step with the
  // loop's own counter; else the general copy on first touch (ownAccess) takes over
  for (let n: CudaNode | null = parent; n && !same(n, a.kernel.body); n = n.parent) {
    if (!LOOP_TYPES.has(n.type)) continue;
    const counter = loopCounter(n);
    // or the row pointer is declared in this loop from its counter (llm.c's `for (idx...) { b = idx / T; t = idx % T;
    // dinp_bt = dinp + b * T * C + t * C; ... }`): its rows differ per iteration as they differ per thread, which
    // the ownership proof (planBuffers' next step) shows of the owner the counter feeds
    const rowMoves = !!counter && !!def?.decl && def.decl.startIndex >= n.startIndex && def.decl.endIndex <= n.endIndex && computedFrom(def.decl.text, counter, n);
    if (!counter || !(steppedBy(index, counter) || rowMoves)) return `it is updated in a loop at index '${index}', which c2m cannot show to change from one iteration to the next`;
  }
  // a row pointer `y + a + b` (several terms: llm.c's `dinp + b * T * C + t * C`) places its twins at its difference from y
  return {
    statements: anchors,
    index,
    ...(via ? { alias: { name: via, decl: def!.decl!, ...(def?.offset ? { offset: def.offset } : {}), ...(def?.terms ? { difference: true } : {}) } } : {}),
  };
}

/**
 * The general in-place translation: every access to the buffer is rewritten to `c2m_own(...)`, which
 * copies the element in from the caller's array the first time any thread touches it (the `_touched`
 * mask says whether it has been) and returns it as an lvalue. The output then holds exactly what CUDA's
 * memory would hold at every point, for any program without a data race (in CUDA too, a thread reading
 * an element another writes needs a barrier between them, and the mask's write is ordered with the
 * element's by the same barrier). What c2m needs to see is every access: directly on the parameter or
 * through row pointers `T* r = y + offset` declared once; a cast, a helper receiving the pointer, pointer
 * arithmetic under `*`, a reassigned pointer or an element whose address is taken stay refused.
 */
export function ownAccess(
  a: KernelAnalysis,
  name: string,
  writeOnly = false,
): { aliases: OwnAlias[]; oneThreadgroup?: boolean; callerReads?: CudaNode[]; rowBounds?: RowBound[] } | string {
  // reads before any thread of the group writes the buffer see the caller's array (caller-reads.ts): no copy-in
  const early = writeOnly ? [] : callerReads(a, name);
  const sites = a.accesses.filter((s) => s.root.kind === "param" && s.root.name === name && !early.includes(s));
  const fromCaller = early.length ? { callerReads: early.map((s) => s.node) } : {};
  const aliases = new Map<string, OwnAlias>();
  const nodes: CudaNode[] = [];
  for (const s of sites) {
    const span = s.span128 || s.hintAddress ? spanParts(s.node) : undefined;
    const acc = span ? s.node : accessNode(s.node);
    const base = span ? span.base : acc ? unparen(field(acc, "argument")!) : undefined;
    if (!acc || !base || base.type !== "identifier" || (acc.type === "subscript_expression" && subscriptCount(acc) !== 1))
      return `it is accessed through a cast, a helper function or pointer arithmetic (${s.node.text.slice(0, 60)}), so c2m cannot give each access the caller's value`;
    if (base.text !== name) {
      const def = a.aliasDefs.get(base.text);
      const at = def ? aliasAt(def, s.node) : undefined;
      // a re-pointed alias may also point into buffers that are only read, never into another written one
      const others = def ? [def.param, ...(def.moves ?? []).map((m) => m.param)].filter((x) => x !== name) : [];
      if (!def || def.writes !== 1 || at?.param !== name || !def.decl || others.some((x) => a.uses.get(x)?.write || !a.uses.get(x)))
        return `it is accessed through '${base.text}', a pointer that is reassigned or does not point into '${name}' alone`;
      if (def.moves?.length && def.terms) return `it is accessed through '${base.text}', a pointer that is re-pointed after a declaration c2m cannot follow`;
      const moves = (def.moves ?? []).filter((m) => m.param === name);
      aliases.set(base.text, {
        name: base.text,
        decl: def.decl,
        ...(def.param === name && def.offset ? { offset: def.offset } : {}),
        ...(def.terms ? { difference: true } : {}),
        ...(moves.length ? { moves } : {}),
        ...(def.param !== name ? { elsewhere: true } : {}),
      });
    }
    let up = s.node;
    while (up.parent?.type === "parenthesized_expression") up = up.parent;
    if (up.parent?.type === "pointer_expression" && field(up.parent, "operator")?.text === "&")
      return `the address of an element is taken (${up.parent.text.slice(0, 40)}), so accesses through that address cannot be followed`;
    nodes.push(acc);
  }
  if (nodes.some((x) => nodes.some((y) => x !== y && y.startIndex >= x.startIndex && y.endIndex <= x.endIndex))) return "an index of the buffer reads the buffer itself";
  // a buffer no thread reads needs no owner: whatever threads copy in, each one's last store to an element is its write
  if (writeOnly) return { aliases: [...aliases.values()] };
  // c2m_own copies an element in at its first touch by any thread, so threads of one threadgroup may share it
  const assumed: RowBound[] = [];
  const why = proveOwnership(a, name) && proveOwnership(a, name, "group", assumed);
  if (why && proveOwnership(a, name, "one-group") === undefined) return { aliases: [...aliases.values()], oneThreadgroup: true, ...fromCaller };
  if (why) return why;
  return { aliases: [...aliases.values()], ...fromCaller, ...(assumed.length ? { rowBounds: assumed } : {}) };
}

/**
 * The ownership proof (passes/kernel/ownership.ts) over the buffer's accesses: undefined when proven, else why
 * not. `thread`: each element is touched by one thread; `group`: by threads of one threadgroup.
 */
export function proveOwnership(a: KernelAnalysis, name: string, level: "thread" | "group" | "one-group" = "thread", assumed?: RowBound[]): string | undefined {
  const sites = ownedSites(a, name);
  if (typeof sites === "string") return sites;
  // the thread-level proofs compare where accesses start, which says nothing of 16-byte spans mixed with other widths;
  // a threadgroup's row holds a span whole when it holds its start (see ownedSites), so the group-level proof may
  const mixed = mixedSpans(a, name, sites);
  const perThread = () => mixed ?? ownershipProof(a.kernel.body, sites);
  // a strided view whose shared coordinates tell the threads apart is owned element by element at either level
  const orStrided = (why: string | undefined) => (why !== undefined && !mixed && stridedOwnershipProof(a.kernel.body, sites, scalarParams(a)) === undefined ? undefined : why);
  if (level === "thread") return orStrided(perThread());
  if (level === "one-group") {
    const writes = new Set(a.accesses.filter((s) => s.root.kind === "param" && s.root.name === name && s.write).map((s) => accessNode(s.node)?.startIndex));
    return sharedByEveryGroup(
      a.kernel.body,
      sites.map((s) => ({ ...s, write: writes.has(s.node.startIndex) })),
    )
      ? undefined
      : "not every threadgroup's";
  }
  // a row walked up to a size parameter below its stride, when the caller collects what the wrapper must check (row-bound.ts)
  const group = groupOwnershipProof(a.kernel.body, sites, assumed ? { scalars: fixedScalars(a), assumed } : undefined);
  // or each threadgroup's range of a CSR pointer array (group-range.ts)
  const readOnly = (n: string) => a.kernel.params.some((p) => p.name === n && p.type.kind === "pointer") && !a.uses.get(n)?.write && !a.uses.get(n)?.atomics.size;
  if (group !== undefined && groupRangeProof(a.kernel.body, sites, readOnly)) return undefined;
  return orStrided(group === null ? perThread() : group);
}

/** The kernel's integer scalar parameters the body never assigns: what the wrapper sees as the kernel does. */
function fixedScalars(a: KernelAnalysis): Set<string> {
  return new Set([...scalarParams(a)].filter((n) => !a.assignedScalars.has(n)));
}

/** The kernel's integer scalar parameters: what a strided view's strides are. */
function scalarParams(a: KernelAnalysis): Set<string> {
  return new Set(a.kernel.params.filter((p) => p.type.kind === "scalar" && !/float|double|half|bool/.test(p.type.name)).map((p) => p.name));
}

/** The grid dimensions along which threadgroups share the buffer's elements (ownership.ts sharedAcrossBlocks); none when c2m cannot follow its accesses. */
export function blocksSharing(a: KernelAnalysis, name: string): ("x" | "y" | "z")[] {
  const sites = ownedSites(a, name);
  if (typeof sites === "string") return [];
  // every access inside a last-arriver guard (hand-over.ts): only the last threadgroup to take the ticket runs them
  // (the tickets are distinct, so one threadgroup at most), and no other threadgroup touches the buffer
  const guards = lastArriverGuards(a.kernel.body);
  if (guards.length && sites.every((x) => inHandOver(x.node, guards))) return [];
  return sharedAcrossBlocks(a.kernel.body, sites);
}

/** The buffer's accesses as the ownership proofs take them, or why c2m cannot follow one. */
function ownedSites(a: KernelAnalysis, name: string): OwnedSite[] | string {
  const sites: OwnedSite[] = [];
  const moves = parameterMoves(a.kernel.body, name);
  if (typeof moves === "string") return moves;
  const early = callerReads(a, name);
  for (const s of a.accesses) {
    if (s.root.kind !== "param" || s.root.name !== name || early.includes(s)) continue;
    const span = s.span128 || s.hintAddress ? spanParts(s.node) : undefined;
    const n = span ? s.node : accessNode(s.node);
    const base = span ? span.base : n ? unparen(field(n, "argument")!) : undefined;
    if (!n || base?.type !== "identifier") return "c2m cannot follow one of its accesses";
    // a 128-bit helper's span starts at its offset (a 16-byte access is defined only at a 16-byte aligned
    // address, so the span lies in a row of a multiple of its width whenever its start does)
    const index = span ? span.offset : n.type === "subscript_expression" ? subscriptIndices(n)?.[0] : undefined;
    const aliasDef = base.text !== name ? a.aliasDefs.get(base.text) : undefined;
    const def = aliasDef ? aliasAt(aliasDef, n) : undefined;
    const own = def?.terms ?? def?.offset;
    // a move of the parameter itself (`residual += C * idx;`) is part of every access's offset
    const rowOwn = span?.lead ? [...(own === undefined ? [] : Array.isArray(own) ? own : [own]), ...span.lead] : own;
    const offset = moves.length ? [...moves, ...(rowOwn === undefined ? [] : Array.isArray(rowOwn) ? rowOwn : [rowOwn])] : rowOwn;
    if (moves.length && aliasDef?.decl && aliasDef.decl.startIndex < moves[0]!.startIndex) return `it is accessed through '${base.text}', declared before '${name}' is moved`;
    sites.push({ node: n, ...(index ? { index } : {}), ...(offset ? { offset } : {}) });
  }
  const first = Math.min(...sites.map((x) => x.node.startIndex));
  if (moves.some((m) => m.startIndex > first)) return `'${name}' is moved after it is first accessed, so its accesses do not all have one offset`;
  return sites;
}

/** A 16-byte span is not one element: the thread-level proofs compare starts, which says nothing of spans that start apart. */
function mixedSpans(a: KernelAnalysis, name: string, sites: OwnedSite[]): string | undefined {
  const spans = a.accesses.filter((s) => s.root.kind === "param" && s.root.name === name && s.span128 && sites.some((x) => x.node === s.node));
  if (spans.length && new Set(sites.map((x) => (x.index ? x.index.text.replace(/\s+/g, "") : "") + (spans.some((sp) => sp.node === x.node) ? "#128" : ""))).size > 1)
    return `it is accessed through a 128-bit helper (${accessPair(spans[0]!.node)}) and at other offsets or element by element, so c2m cannot show the 16-byte spans of different threads stay apart`;
  return undefined;
}

/** An in-place buffer's row pointer whose accesses go through c2m_own: the printers give it `_in`/`_touched` twins. */
export interface OwnAlias {
  name: string;
  decl: CudaNode;
  offset?: CudaNode;
  difference?: boolean;
  /** re-pointings into the buffer (`x = out + idx * C;`): the twins are re-pointed with it */
  moves?: AliasMove[];
  /** declared pointing into another (read-only) buffer: the twins start at the buffer's base */
  elsewhere?: boolean;
}

/**
 * A 128-bit access's address (AccessSite.span128): `p`, `p + offset` or `&p[offset]`, p a parameter or a row pointer;
 * or `p + a + b` (llm.c's `store128cs(logits + idx * P + i * x128::size, v)`), whose leading terms are `lead` (a row
 * pointer's offset, as `r = p + a` then `r + b` would have it) and its last the offset.
 */
export function spanParts(arg: CudaNode): { base: CudaNode; offset?: CudaNode; lead?: CudaNode[] } | undefined {
  const e = unparen(arg);
  if (e.type === "identifier") return { base: e };
  if (e.type === "pointer_expression" && field(e, "operator")?.text === "&") {
    const sub = unparen(field(e, "argument")!);
    const base = sub.type === "subscript_expression" ? unparen(field(sub, "argument")!) : undefined;
    const index = sub.type === "subscript_expression" ? subscriptIndices(sub)?.[0] : undefined;
    return base?.type === "identifier" && index ? { base, offset: index } : undefined;
  }
  if (e.type !== "binary_expression" || field(e, "operator")?.text !== "+") return undefined;
  const lead: CudaNode[] = [];
  let left = unparen(field(e, "left")!);
  // `(p + a) + b`: the sum's leftmost term is the pointer, every other term an integer offset
  while (left.type === "binary_expression" && field(left, "operator")?.text === "+") {
    lead.unshift(field(left, "right")!);
    left = unparen(field(left, "left")!);
  }
  if (left.type !== "identifier") return undefined;
  return { base: left, offset: field(e, "right")!, ...(lead.length ? { lead } : {}) };
}

/** A span's whole offset as text, its terms printed by `print` (`0` when it has none). */
export function spanOffset(parts: { offset?: CudaNode; lead?: CudaNode[] }, print: (n: CudaNode) => string): string {
  const terms = [...(parts.lead ?? []), ...(parts.offset ? [parts.offset] : [])];
  return terms.length ? terms.map((t) => (terms.length > 1 ? `(${print(t)})` : print(t))).join(" + ") : "0";
}

/** The subscript or `*p` inside an lvalue like `y[i].x` or `(y[i])`. */
export function accessNode(lv: CudaNode): CudaNode | undefined {
  let n: CudaNode | null = unparen(lv);
  while (n && n.type === "field_expression") n = unparen(field(n, "argument")!);
  if (n && (n.type === "subscript_expression" || (n.type === "pointer_expression" && field(n, "operator")?.text === "*"))) return n;
  return undefined;
}

function subscriptCount(n: CudaNode): number {
  const idx = field(n, "indices");
  return idx ? named(idx).filter((c) => c.type !== "comment").length : 1;
}

/** Whether the index text has the counter as a term or a factor of one (`i`, `i * C + c`), not only inside a subscript or a call (`inp[i]`). */
function steppedBy(index: string, counter: string): boolean {
  const outside = index.replace(/\w+\s*[[(][^\])]*[\])]/g, " ");
  return new RegExp(`\\b${counter}\\b`).test(outside) && !new RegExp(`[%/&|^<>]\\s*\\(?\\s*${counter}\\b|\\b${counter}\\s*[%/&|^<>]`).test(outside);
}

/** Whether `text` uses `name`, directly or through locals declared in `scope` from it (`int b = idx / T;`). */
function computedFrom(text: string, name: string, scope: CudaNode, depth = 3): boolean {
  if (new RegExp(`\\b${name}\\b`).test(text)) return true;
  if (depth === 0) return false;
  const defs = new Map<string, string>();
  walk(scope, (n) => {
    const id = n.type === "init_declarator" ? field(n, "declarator")?.text : undefined;
    if (id) defs.set(id, `${defs.get(id) ?? ""} ${field(n, "value")?.text ?? ""}`);
  });
  return (text.match(/[A-Za-z_]\w*/g) ?? []).some((id) => defs.has(id) && defs.get(id) !== text && computedFrom(defs.get(id)!, name, scope, depth - 1));
}
