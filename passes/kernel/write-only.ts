/**
 * Write-only buffers: a pointer parameter the kernel stores to and never reads. MLX hands a kernel fresh
 * outputs, so an element no thread writes comes back as init_value (0), where CUDA leaves the caller's value
 * (pytorch_cluster's radius: `row` pre-filled with -1, only found neighbours written, `row != -1` masked
 * after). So a write-only buffer keeps the caller's values (planned in-place: each store takes its element
 * over, the wrapper keeps the caller's value elsewhere), unless this file proves the fresh output right:
 *
 * every thread stores its own element, `out[i] = v` with i the thread's global index along x
 * (`blockIdx.x * blockDim.x + threadIdx.x`, or a grid-stride loop's counter starting there), and which
 * elements are written does not depend on memory: every store of the buffer, and every `return`, `break`,
 * `continue` in the kernel, sits only under conditions (if, loops, ?:, &&/||) computed from thread and block
 * indices, scalar parameters, constants and locals computed from those alone (`if (i < n)`), never from a
 * load. Then the elements a launch writes are those its threads reach within the kernel's own bounds, and
 * the rest — elements past the launch's threads or past a bounds test on scalars — are 0 (the docstring says
 * so), the one difference from CUDA, decided by the launch and its scalars, never by the data. Pure.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KernelAnalysis } from "./buffers.js";
import { callArgs, calleeName, field, subscriptIndices, unparen, walk } from "./cst.js";
import { spanParts } from "./inout-plans.js";

const BUILTINS = new Set(["threadIdx", "blockIdx", "blockDim", "gridDim", "warpSize"]);
/** Calls that compute from their arguments alone. */
const PURE_CALLS = new Set(["min", "max", "umin", "umax", "llmin", "llmax", "__mul24", "__umul24", "abs"]);
const JUMPS = new Set(["return_statement", "break_statement", "continue_statement"]);

interface Scope {
  body: CudaNode;
  /** locals of the kernel body: every node that assigns each (declarator values, assignments, updates) */
  locals: Map<string, CudaNode[]>;
  /** locals whose address is taken or that are passed to a call (a reference parameter may change them) */
  escaped: Set<string>;
  /** locals being checked */
  visiting: Set<string>;
}

function scopeOf(body: CudaNode): Scope {
  const locals = new Map<string, CudaNode[]>();
  const escaped = new Set<string>();
  const add = (name: string, n: CudaNode) => locals.set(name, [...(locals.get(name) ?? []), n]);
  walk(body, (n) => {
    if (n.type === "init_declarator") {
      const d = field(n, "declarator");
      if (d?.type === "identifier") add(d.text, n);
    } else if (n.type === "declaration") {
      for (const d of n.namedChildren) if (d?.type === "identifier") add(d.text, n);
    } else if (n.type === "assignment_expression") {
      const l = unparen(field(n, "left")!);
      if (l.type === "identifier") add(l.text, n);
    } else if (n.type === "update_expression") {
      const arg = unparen(field(n, "argument")!);
      if (arg.type === "identifier") add(arg.text, n);
    } else if (n.type === "pointer_expression" && field(n, "operator")?.text === "&") {
      const arg = unparen(field(n, "argument")!);
      if (arg.type === "identifier") escaped.add(arg.text);
    } else if (n.type === "call_expression" && !PURE_CALLS.has(calleeName(n) ?? "")) {
      for (const a of callArgs(n)) if (unparen(a).type === "identifier") escaped.add(unparen(a).text);
    }
  });
  return { body, locals, escaped, visiting: new Set() };
}

/** Whether the expression's value depends only on indices, scalar parameters, constants and such locals. */
function independent(expr: CudaNode | null, s: Scope): boolean {
  if (!expr) return true;
  let ok = true;
  walk(expr, (n) => {
    if (!ok) return false;
    if (n.type === "subscript_expression" || (n.type === "pointer_expression" && field(n, "operator")?.text === "*")) ok = false;
    else if (n.type === "call_expression") {
      if (!PURE_CALLS.has(calleeName(n) ?? "")) ok = false;
      else ok = callArgs(n).every((a) => independent(a, s));
      return false;
    } else if (n.type === "field_expression") {
      const base = unparen(field(n, "argument")!);
      if (base.type !== "identifier" || !BUILTINS.has(base.text)) ok = false;
      return false;
    } else if (n.type === "identifier") ok = localIndependent(n.text, s);
    return undefined;
  });
  return ok;
}

/** A local (or a name from outside the body: a parameter, a constant, a template argument) computed from no load. */
function localIndependent(name: string, s: Scope): boolean {
  const defs = s.locals.get(name);
  if (!defs) return true;
  if (s.escaped.has(name)) return false;
  // a cycle (a loop counter its loop's condition tests) adds no load: the other definitions decide
  if (s.visiting.has(name)) return true;
  s.visiting.add(name);
  const ok = defs.every((d) => {
    const value = d.type === "init_declarator" ? field(d, "value") : d.type === "assignment_expression" ? field(d, "right") : null;
    return independent(value, s) && controlIndependent(d, s);
  });
  s.visiting.delete(name);
  return ok;
}

/** Whether every condition deciding whether `node` runs is independent of memory. */
function controlIndependent(node: CudaNode, s: Scope): boolean {
  let child = node;
  for (let p = node.parent; p && p !== s.body && p.startIndex >= s.body.startIndex; child = p, p = p.parent) {
    const same = (x: CudaNode | null) => !!x && x.startIndex === child.startIndex && x.endIndex === child.endIndex;
    if (["if_statement", "while_statement", "do_statement", "switch_statement", "for_statement"].includes(p.type)) {
      if (same(field(p, "condition"))) continue;
      if (!independent(field(p, "condition"), s)) return false;
    } else if (p.type === "conditional_expression") {
      if (!same(field(p, "condition")) && !independent(field(p, "condition"), s)) return false;
    } else if (p.type === "binary_expression" && /^(&&|\|\|)$/.test(field(p, "operator")?.text ?? "")) {
      if (same(field(p, "right")) && !independent(field(p, "left"), s)) return false;
    } else if (p.type === "for_range_loop" || p.type === "lambda_expression") return false;
  }
  return true;
}

/** `blockIdx.x * blockDim.x + threadIdx.x`, in either order of terms and factors (casts and parentheses dropped). */
function globalIndexX(expr: CudaNode): boolean {
  const t = expr.text.replace(/\((?:const\s+)?(?:unsigned\s+)?(?:int|long|long\s+long|int64_t|size_t|uint32_t|int32_t|unsigned)\)|static_cast<[^>]*>/g, "").replace(/[\s()]/g, "");
  return /^(?:blockIdx\.x\*blockDim\.x|blockDim\.x\*blockIdx\.x)\+threadIdx\.x$|^threadIdx\.x\+(?:blockIdx\.x\*blockDim\.x|blockDim\.x\*blockIdx\.x)$/.test(t);
}

/** A store's index that is the thread's own global index along x, directly or through a local set once from it (or a grid-stride counter). */
function ownIndex(index: CudaNode, s: Scope): boolean {
  const e = unparen(index);
  if (globalIndexX(e)) return true;
  if (e.type !== "identifier") return false;
  const defs = s.locals.get(e.text) ?? [];
  const inits = defs.filter((d) => d.type === "init_declarator");
  if (inits.length !== 1 || !globalIndexX(unparen(field(inits[0]!, "value") ?? inits[0]!))) return false;
  // other assignments only as the update of a for loop whose init declares it: a grid-stride `i += blockDim.x * gridDim.x`
  const loop = inits[0]!.parent?.parent;
  return defs.every((d) => {
    if (d === inits[0]) return true;
    const stride = d.type === "assignment_expression" && field(d, "operator")?.text === "+=" ? field(d, "right")!.text.replace(/[\s()]/g, "") : "";
    return loop?.type === "for_statement" && field(loop, "update")?.startIndex === d.startIndex && /^(blockDim\.x\*gridDim\.x|gridDim\.x\*blockDim\.x)$/.test(stride);
  });
}

/** Text without casts, parentheses and spaces, as globalIndexX compares. */
function bare(expr: CudaNode): string {
  return expr.text.replace(/\((?:const\s+)?(?:unsigned\s+)?(?:int|long|long\s+long|int64_t|size_t|uint32_t|int32_t|unsigned)\)|static_cast<[^>]*>/g, "").replace(/[\s()]/g, "");
}

/** The expression under parentheses and casts (`(size_t)row`). */
function uncast(expr: CudaNode): CudaNode {
  let e = unparen(expr);
  while (e.type === "cast_expression" && field(e, "value")) e = unparen(field(e, "value")!);
  return e;
}

/** A local's one definition's value (a declarator's), when it has no other. */
function onlyValue(name: string, s: Scope): CudaNode | undefined {
  const defs = s.locals.get(name) ?? [];
  return defs.length === 1 && defs[0]!.type === "init_declarator" ? (field(defs[0]!, "value") ?? undefined) : undefined;
}

/** A thread's index in its block along x: `threadIdx.x`, or a local set once to it (`int tid = threadIdx.x;`). */
function threadX(expr: CudaNode, s: Scope): boolean {
  const e = uncast(expr);
  if (bare(e) === "threadIdx.x") return true;
  const v = e.type === "identifier" ? onlyValue(e.text, s) : undefined;
  return !!v && bare(v) === "threadIdx.x";
}

/** A row taken by a block (`blockIdx.x`), or by a row of its threads (`blockIdx.x * R + threadIdx.y`), directly or through a local set once. */
function blockRow(expr: CudaNode, s: Scope): boolean {
  const e = uncast(expr);
  const v = e.type === "identifier" ? onlyValue(e.text, s) : e;
  if (!v) return false;
  return /^(?:blockIdx\.x|(?:blockIdx\.x\*\w+|\w+\*blockIdx\.x|blockIdx\.x\*blockDim\.y|blockDim\.y\*blockIdx\.x)\+threadIdx\.y)$/.test(bare(v));
}

/**
 * A row walk's element (llm.c's softmax, layernorm: `for (int c = threadIdx.x; c < C; c += blockDim.x) y[row * C + c] = ...`,
 * or `yr[c]` with `yr = y + row * C` declared once): `row` is the block's row (blockRow), `c` the counter of the loop
 * around the store, starting at the thread's index along x, stepping by blockDim.x or a constant, bounded by the
 * row's stride `C`. Every element of a row the launch reaches is then stored, given threads enough to make the step.
 */
function rowWalk(row: CudaNode | undefined, index: CudaNode, s: Scope): boolean {
  let e = uncast(index);
  if (!row) {
    if (e.type !== "binary_expression" || field(e, "operator")?.text !== "+") return false;
    const [l, r] = [uncast(field(e, "left")!), uncast(field(e, "right")!)];
    const lMul = l.type === "binary_expression" && field(l, "operator")?.text === "*";
    [row, e] = lMul ? [l, r] : [r, l];
  }
  const offset = uncast(row);
  if (offset.type !== "binary_expression" || field(offset, "operator")?.text !== "*" || e.type !== "identifier") return false;
  // the loop around the store that declares the counter (locals are not scoped: other loops may reuse the name)
  let loop: CudaNode | null = e.parent;
  const declares = (l: CudaNode) =>
    field(l, "initializer")?.type === "declaration" &&
    field(field(l, "initializer")!, "declarator")?.type === "init_declarator" &&
    field(field(field(l, "initializer")!, "declarator")!, "declarator")?.text === e.text;
  while (loop && !(loop.type === "for_statement" && declares(loop))) loop = loop.parent;
  if (!loop) return false;
  const init = field(field(loop, "initializer")!, "declarator")!;
  const update = field(loop, "update");
  // inside the loop, the counter changes only by its update
  const within = (s.locals.get(e.text) ?? []).filter((d) => d.startIndex >= loop!.startIndex && d.endIndex <= loop!.endIndex);
  if (!update || !threadX(field(init, "value")!, s) || within.some((d) => d.startIndex !== init.startIndex && d.startIndex !== update.startIndex)) return false;
  const step =
    update.type === "assignment_expression" && field(update, "operator")?.text === "+=" && bare(unparen(field(update, "left")!)) === e.text ? bare(field(update, "right")!) : "";
  if (!/^(?:blockDim\.x|\d+)$/.test(step)) return false;
  const cond = unparen(field(loop, "condition")!);
  if (cond.type !== "binary_expression" || field(cond, "operator")?.text !== "<" || bare(field(cond, "left")!) !== e.text) return false;
  const stride = bare(field(cond, "right")!);
  const [a, b] = [uncast(field(offset, "left")!), uncast(field(offset, "right")!)];
  return (bare(b) === stride && blockRow(a, s)) || (bare(a) === stride && blockRow(b, s));
}

/**
 * Whether the fresh output is right for write-only buffer `name` (see above): undefined when proven, else why
 * not (the buffer then keeps the caller's values where the kernel does not write).
 */
export function freshOutputGap(a: KernelAnalysis, name: string): string | undefined {
  const body = a.kernel.body;
  const s = scopeOf(body);
  const sites = a.accesses.filter((x) => x.root.kind === "param" && x.root.name === name);
  // a moved parameter (`y += off;`) stores elsewhere than its indices say
  if ((s.locals.get(name) ?? []).length) return `'${name}' is moved, so c2m does not follow which elements its stores write`;
  let own = false;
  for (const site of sites) {
    const n = unparen(site.node);
    // a cache hint's address (`__stcg(m + i, v)`, `&m[i]`) is the one element there
    const hint = site.hintAddress ? spanParts(site.node) : undefined;
    const base = hint ? hint.base : n.type === "subscript_expression" ? unparen(field(n, "argument")!) : undefined;
    const idx = hint ? (hint.offset ? [hint.offset] : undefined) : n.type === "subscript_expression" ? subscriptIndices(n) : undefined;
    // a row pointer declared once, `yr = y + row * C`, never re-pointed: its offset is part of the index
    const def = site.via ? a.aliasDefs.get(site.via) : undefined;
    const row = def && def.writes === 1 && !def.moves?.length && !def.terms && def.param === name && def.decl && def.offset ? def.offset : undefined;
    if (
      site.atomic ||
      (site.via && !row) ||
      (site.indirect && !hint && !row) ||
      site.span128 ||
      (site.hintAddress && !hint) ||
      base?.text !== (row ? site.via : name) ||
      idx?.length !== 1
    )
      return "it is written through a row pointer, a helper, a cast or a field, so c2m cannot see which elements each thread writes";
    if (row && (!independent(row, s) || !controlIndependent(def!.decl!, s) || (s.locals.get(site.via!) ?? []).length)) return `the row pointer ${site.via} is computed from memory`;
    if (!independent(idx[0]!, s)) return `the index of ${n.text} is computed from memory`;
    if (!controlIndependent(n, s)) return `whether ${n.text} is stored depends on values in memory`;
    if ((!row && ownIndex(idx[0]!, s)) || rowWalk(row, idx[0]!, s)) own = true;
  }
  if (!own)
    return "no store writes the thread's own element (blockIdx.x * blockDim.x + threadIdx.x) or walks a block's row (for (c = threadIdx.x; c < C; c += blockDim.x) y[row * C + c])";
  let jump: CudaNode | undefined;
  walk(body, (n) => {
    if (jump) return false;
    if (n.type === "goto_statement" || n.type === "gnu_asm_expression" || (JUMPS.has(n.type) && !controlIndependent(n, s))) jump = n;
    return undefined;
  });
  if (jump) return `a thread may leave early depending on values in memory (${jump.text.slice(0, 40)})`;
  return undefined;
}
