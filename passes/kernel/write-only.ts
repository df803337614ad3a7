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

/**
 * Whether the fresh output is right for write-only buffer `name` (see above): undefined when proven, else why
 * not (the buffer then keeps the caller's values where the kernel does not write).
 */
export function freshOutputGap(a: KernelAnalysis, name: string): string | undefined {
  const body = a.kernel.body;
  const s = scopeOf(body);
  const sites = a.accesses.filter((x) => x.root.kind === "param" && x.root.name === name);
  let own = false;
  for (const site of sites) {
    const n = unparen(site.node);
    // a cache hint's address (`__stcg(m + i, v)`, `&m[i]`) is the one element there
    const hint = site.hintAddress ? spanParts(site.node) : undefined;
    const base = hint ? hint.base : n.type === "subscript_expression" ? unparen(field(n, "argument")!) : undefined;
    const idx = hint ? (hint.offset ? [hint.offset] : undefined) : n.type === "subscript_expression" ? subscriptIndices(n) : undefined;
    if (site.atomic || site.via || (site.indirect && !hint) || site.span128 || (site.hintAddress && !hint) || base?.text !== name || idx?.length !== 1)
      return "it is written through a row pointer, a helper, a cast or a field, so c2m cannot see which elements each thread writes";
    if (!independent(idx[0]!, s)) return `the index of ${n.text} is computed from memory`;
    if (!controlIndependent(n, s)) return `whether ${n.text} is stored depends on values in memory`;
    if (ownIndex(idx[0]!, s)) own = true;
  }
  if (!own) return "no store writes the thread's own element (blockIdx.x * blockDim.x + threadIdx.x)";
  let jump: CudaNode | undefined;
  walk(body, (n) => {
    if (jump) return false;
    if (n.type === "goto_statement" || n.type === "gnu_asm_expression" || (JUMPS.has(n.type) && !controlIndependent(n, s))) jump = n;
    return undefined;
  });
  if (jump) return `a thread may leave early depending on values in memory (${jump.text.slice(0, 40)})`;
  return undefined;
}
