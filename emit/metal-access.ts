/**
 * Metal printer, accesses: element reads and writes of the kernel's buffers as Metal needs them — atomic
 * elements through atomic_load/store/fetch (a counter held as its offset from the caller's value, an element
 * taken over from the caller's array first), in-place buffers through c2m_own, pointer casts into atomic
 * buffers as atomic views, and the copy-in twins of row pointers that move.
 */
import type { PrintContext } from "./metal-context.js";
import type { CudaNode } from "../grammar/cuda.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import { moveTwin, pointerMove } from "../passes/kernel/inout-moves.js";
import { field, kids, position, subscriptIndices, unparen } from "../passes/kernel/cst.js";
import { accessNode, rootOf, same } from "../passes/kernel/buffers.js";
import { printAtenCompound } from "./metal-aten-compound.js";
import { isAtomicLvalue, isLvalueContext } from "./metal-names.js";
import { print, printDefault } from "./metal.js";

export function printAccess(node: CudaNode, ctx: PrintContext): string {
  // a read-through buffer's read (passes/kernel/read-through.ts: its stores are printed by printAssignment)
  const rtBase = field(node, "argument") ? unparen(field(node, "argument")!) : undefined;
  if (node.type === "subscript_expression" && rtBase?.type === "identifier" && ctx.readThrough?.has(rtBase.text) && ctx.isKernel) {
    const idx = (subscriptIndices(node) ?? []).map((c) => print(c, ctx)).join(", ");
    return `c2m_rt_load(${rtBase.text}, ${rtBase.text}_in, ${rtBase.text}_touched, ${idx})`;
  }
  const owned = ownAtomicPointer(node, ctx);
  if (owned && !isLvalueContext(node)) return `atomic_load_explicit(${owned}, memory_order_relaxed)`;
  if (isAtomicLvalue(node, ctx) && !isLvalueContext(node)) {
    // a compare-exchange loop's first guess (passes/kernel/cas-guess.ts) reads the element taken over from the caller's array
    const r = takenRoot(node, ctx);
    if (r) {
      ctx.helpers.add("c2m_atomic_take");
      return `atomic_load_explicit(c2m_atomic_take(&${printDefault(node, ctx)}, ${r}, ${r}_touched, ${r}_in), memory_order_relaxed)`;
    }
    const from = offsetFrom(node, ctx);
    return from ? `(atomic_load_explicit(&${printDefault(node, ctx)}, memory_order_relaxed) + ${from})` : `atomic_load_explicit(&${printDefault(node, ctx)}, memory_order_relaxed)`;
  }
  const own = ownedElement(node, ctx);
  return own ? `c2m_own(${own})` : printDefault(node, ctx);
}

/** `y, y_in, y_touched, E, width` for an access of an in-place buffer copied in at first touch (c2m_own), else undefined. */
function ownedElement(node: CudaNode, ctx: PrintContext): string | undefined {
  const base = field(node, "argument") ? unparen(field(node, "argument")!) : undefined;
  let width = base?.type === "identifier" && (node.type === "subscript_expression" || field(node, "operator")?.text === "*") ? ctx.own.get(base.text) : undefined;
  const alias = base && width !== undefined ? ctx.inoutAliases.get(base.text) : undefined;
  // a re-pointed row pointer goes through c2m_own only where it points into the in-place buffer
  if (alias && (alias.elsewhere || alias.moves) && !ctx.analysis?.accesses.some((s) => s.root.kind === "param" && s.root.name === alias.param && same(accessNode(s.node), node)))
    width = undefined;
  if (!base || width === undefined || ctx.callerBases.has(base.startIndex)) return undefined;
  const idx = node.type === "subscript_expression" ? (subscriptIndices(node) ?? []).map((c) => print(c, ctx)).join(", ") : "0";
  return `${base.text}, ${base.text}_in, ${base.text}_touched, ${idx}, ${width}`;
}

/**
 * With atomic outputs (MLX declares every output and its touched mask atomic<T>), an in-place buffer's element
 * copied in at first touch: `c2m_own_atomic(...)`, a pointer to the atomic element that the caller loads from or
 * stores to with relaxed atomics; undefined for any other access.
 */
export function ownAtomicPointer(node: CudaNode, ctx: PrintContext): string | undefined {
  if (!ctx.isKernel || !ctx.analysis?.atomicOutputs) return undefined;
  const own = ownedElement(node, ctx);
  if (!own) return undefined;
  ctx.helpers.add("c2m_own_atomic");
  return `c2m_own_atomic(${own})`;
}

/** The in-place parameter whose elements are taken over before their first access (BufferPlan.takeOnAtomic) that `node` is an element of, or undefined. */
function takenRoot(node: CudaNode, ctx: PrintContext): string | undefined {
  const r = ctx.isKernel && field(node, "argument") ? rootOf(field(node, "argument"), ctx.scope) : undefined;
  return r?.kind === "param" && ctx.takeOnAtomic.has(r.name) ? r.name : undefined;
}

/** The caller's element of `p[i]` on a counter held as its offset from the caller's value (BufferPlan.offsetFromCaller), or undefined. */
function offsetFrom(node: CudaNode, ctx: PrintContext): string | undefined {
  const base = node.type === "subscript_expression" ? unparen(field(node, "argument")!) : undefined;
  if (!ctx.isKernel || base?.type !== "identifier" || !ctx.analysis?.buffers.some((b) => b.param === base.text && b.offsetFromCaller)) return undefined;
  return `${base.text}_in[${(subscriptIndices(node) ?? []).map((c) => print(c, ctx)).join(", ")}]`;
}

const COMPOUND_ATOMIC: Record<string, string> = { "+=": "add", "-=": "sub", "&=": "and", "|=": "or", "^=": "xor" };

export function printAssignment(node: CudaNode, ctx: PrintContext): string {
  const left = unparen(field(node, "left")!);
  const op = field(node, "operator")?.text ?? "=";
  const right = field(node, "right")!;
  const rtBase = left.type === "subscript_expression" ? unparen(field(left, "argument")!) : undefined;
  if (op === "=" && rtBase?.type === "identifier" && ctx.isKernel && ctx.readThrough?.has(rtBase.text)) {
    // a read-through buffer's store: the element, a fence, then its flag (passes/kernel/read-through.ts)
    const idx = (subscriptIndices(left) ?? []).map((c) => print(c, ctx)).join(", ");
    return `c2m_rt_store(${rtBase.text}, ${rtBase.text}_touched, ${idx}, ${print(right, ctx)})`;
  }
  const owned = ownAtomicPointer(left, ctx);
  if (owned || isAtomicLvalue(left, ctx)) {
    const obj = owned ?? `&${printDefault(left, ctx)}`;
    const val = print(right, ctx);
    const from = offsetFrom(left, ctx);
    // a plain store into a buffer whose elements are taken over from the caller's array (BufferPlan.takeOnAtomic):
    // the element is taken over first, so the wrapper keeps what the store wrote (hand-over.ts, plainStores)
    const take = op === "=" ? takenRoot(left, ctx) : undefined;
    if (take) {
      ctx.helpers.add("c2m_atomic_take");
      return `atomic_store_explicit(c2m_atomic_take(${obj}, ${take}, ${take}_touched, ${take}_in), ${val}, memory_order_relaxed)`;
    }
    if (op === "=") return `atomic_store_explicit(${obj}, ${from ? `(${val}) - ${from}` : val}, memory_order_relaxed)`;
    const aop = COMPOUND_ATOMIC[op];
    if (aop) return `atomic_fetch_${aop}_explicit(${obj}, ${val}, memory_order_relaxed)`;
    reportKernel(ctx.bag, "C2M-K002", position(node), `'${op}' on an atomic array element has no single Metal atomic operation`);
    return printDefault(node, ctx);
  }
  if (left.type === "identifier" && ctx.scope.aliases.has(left.text)) {
    const r = rootOf(right, ctx.scope);
    if (r) ctx.scope.aliases.set(left.text, r);
  }
  const repoint = left.type === "identifier" ? ctx.inoutAliases.get(left.text)?.moves?.find((m) => m.node.startIndex === node.startIndex) : undefined;
  if (repoint) {
    // `x = out + idx * C;` re-points a row pointer into an in-place buffer: its twins follow
    const off = repoint.terms ? repoint.terms.map((t) => print(t, ctx)).join(" + ") : repoint.offset ? print(repoint.offset, ctx) : undefined;
    const o = off ? ` + (${off})` : "";
    return `(${printDefault(node, ctx)}, ${left.text}_in = ${repoint.param}_in${o}, ${left.text}_touched = ${repoint.param}_touched${o})`;
  }
  const move = pointerMove(node, inoutPointers(ctx));
  if (move) {
    // `C += row * N` moves an in-place buffer: its copy-in and touched-mask twins move with it
    const rhs = print(move.right, ctx);
    return `(${[move.name, `${move.name}_in`, `${move.name}_touched`].map((t) => moveTwin(move, t, rhs)).join(", ")})`;
  }
  return printAtenCompound(node, ctx) ?? printDefault(node, ctx);
}

/** In-place (inout-copy) buffer parameters and the row pointers into them: the pointers with `_in`/`_touched` twins. */
function inoutPointers(ctx: PrintContext): Set<string> {
  const params = (ctx.analysis?.buffers ?? []).filter((b) => b.role === "inout-copy" && ctx.fn.params.some((p) => p.name === b.param)).map((b) => b.param);
  return new Set([...params, ...ctx.inoutAliases.keys()]);
}

export function printUpdate(node: CudaNode, ctx: PrintContext): string {
  const arg = unparen(field(node, "argument")!);
  const owned = ownAtomicPointer(arg, ctx);
  if (owned || isAtomicLvalue(arg, ctx)) {
    const op = field(node, "operator")?.text === "++" ? "add" : "sub";
    return `atomic_fetch_${op}_explicit(${owned ?? `&${printDefault(arg, ctx)}`}, 1, memory_order_relaxed)`;
  }
  return printDefault(node, ctx);
}

/** 32-bit element types (as printed) a pointer into an atomic buffer may be cast to: Metal's atomic<T> of each. */
const ATOMIC_VIEWS: Record<string, string> = { uint: "uint", "unsigned int": "uint", uint32_t: "uint", int: "int", int32_t: "int", float: "float" };

export function printCast(node: CudaNode, ctx: PrintContext): string {
  const td = field(node, "type");
  const value = field(node, "value")!;
  const ptr = td ? kids(td).find((c) => c.type === "abstract_pointer_declarator") : undefined;
  if (td && ptr) {
    const elem = kids(td)
      .filter((c) => c !== ptr && c.type !== "type_qualifier")
      .map((c) => print(c, ctx))
      .join(" ");
    ctx.helpers.add("c2m_cast");
    // `(unsigned int*)&counts[i]` into a buffer Metal declares atomic: the view is an atomic of the other 32-bit type
    const atomicView = ATOMIC_VIEWS[elem.replace(/\s+/g, " ")];
    if (atomicView && ctx.atomicRoots(rootOf(value, ctx.scope))) return `c2m_cast<atomic<${atomicView}>>(${print(value, ctx)})`;
    return `c2m_cast<${elem}>(${print(value, ctx)})`;
  }
  return printDefault(node, ctx);
}
