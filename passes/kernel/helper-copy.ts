/**
 * An in-place buffer the kernel reaches only through one call of a device function (llm.c's adamw_kernel3
 * hands `params_memory + blockIdx.y * w_stride` to adamw_update, which reads and writes `params_memory[idx]`
 * with `idx = blockIdx.x * blockDim.x + threadIdx.x` behind `if (idx >= num_parameters) return;`). The
 * helper's index expression and its early-return guards are inlined into the caller symbolically: its
 * locals by their (cast) values, its scalar parameters by the call's (cast) arguments. When the ownership
 * proof (ownership.ts) holds for that element, the kernel copies it in just before the call, under the
 * inlined guards: `if (!(G)) { y[off + E] = y_in[off + E]; y_touched[off + E] = 1; }`.
 *
 * What the helper must do for that to be exact: use its pointer only as `q[E]` (one E), `&q[E]` handed to a
 * device function that touches only `*r` or `r[0]`, or in a null test (an MLX buffer is never null); return
 * only from `if (C) return;` statements before its first use of q; reach no barrier (so threads sharing an
 * element race in CUDA as well); and access q[E] unconditionally in some top-level statement after those
 * guards (so the copied element is one the original reads or writes: in bounds). E and each C may use only
 * thread and block indices, literals, casts, arithmetic, the helper's scalar parameters and its top-level
 * locals declared once and never assigned. The call is a statement outside any loop, its argument `y`,
 * `y + off` or `y ? y + off : NULL`. Else the reason, which the refusal (C2M-K007) gives. Pure.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import type { KernelUnit, KFunction } from "../../ir/kernel.js";
import type { KernelAnalysis } from "./buffers.js";
import { ownershipProof, sharedAcrossBlocks } from "./ownership.js";
import { parameterMoves } from "./inout-moves.js";
import { callArgs, calleeName, field, named, unparen, walk } from "./cst.js";

export interface HelperCopy {
  /** the kernel's statement calling the helper: the copy goes just before it */
  statement: CudaNode;
  /** the element the helper touches, in the kernel's terms (`(blockIdx.y * w_stride) + ((int)(...))`) */
  element: CudaNode;
  /** when the helper reaches its accesses (its guards negated), in the kernel's terms */
  guard?: CudaNode;
  /** grid dimensions along which threadgroups reach the same elements (ownership.ts sharedAcrossBlocks) */
  singleBlockAlong: ("x" | "y" | "z")[];
}

const NULL_TEXT = /^(NULL|nullptr|0|\(\s*\w+\s*\*\s*\)\s*(NULL|nullptr|0))$/;
const BUILTINS = new Set(["threadIdx", "blockIdx", "blockDim", "gridDim"]);
const LOOPS = new Set(["for_statement", "for_range_loop", "while_statement", "do_statement"]);
const BARRIER = /\b(__syncthreads\w*|__syncwarp|sync|barrier_wait|grid_sync)\s*\(/;
/** Declared types whose value a C cast reproduces exactly when the local is inlined. */
const SCALAR_TYPE = /^(?:const\s+)?(?:(?:unsigned|signed)\s+)?(?:int|long|long\s+long|short|char|unsigned|size_t|ptrdiff_t|uint|u?int(?:8|16|32|64)_t|float|double|bool)$/;

const norm = (s: string) => s.replace(/\s+/g, "");
const within = (n: CudaNode, outer: CudaNode) => n.startIndex >= outer.startIndex && n.endIndex <= outer.endIndex;

/**
 * The plan for in-place buffer `name` of the analysed kernel when its only access is one argument of a device
 * function's call; undefined when it is not (another plan applies); else why it cannot be copied in there.
 */
export function helperCopy(a: KernelAnalysis, unit: KernelUnit, name: string): HelperCopy | string | undefined {
  const sites = a.accesses.filter((s) => s.root.kind === "param" && s.root.name === name);
  if (sites.length !== 1 || sites[0]!.span128) return undefined;
  const arg = sites[0]!.node;
  const call = arg.parent?.type === "argument_list" ? arg.parent.parent : null;
  if (!call || call.type !== "call_expression") return undefined;
  const fname = calleeName(call) ?? "";
  const overloads = unit.deviceFunctions.filter((f) => f.name === fname);
  if (overloads.length !== 1) return undefined;
  const f = overloads[0]!;
  const args = callArgs(call);
  const i = args.findIndex((x) => x.startIndex === arg.startIndex && x.endIndex === arg.endIndex);
  const q = f.params[i];
  if (i < 0 || !q || q.type.kind !== "pointer") return undefined;
  const where = `its helper '${fname}' (called at line ${call.startPosition.row + 1})`;
  const statement = call.parent;
  if (statement?.type !== "expression_statement") return `${where} is called inside an expression, so c2m has no statement to copy its element in before`;
  for (let n: CudaNode | null = statement; n && n !== a.kernel.body; n = n.parent)
    if (LOOPS.has(n.type) || n.type === "lambda_expression") return `${where} is called in a loop, where a copy before each call would undo the updates of the calls before`;
  // the copy indexes the buffer and its caller's twin alike: a parameter moved in the kernel (`y += off;`) would part them
  const moves = parameterMoves(a.kernel.body, name);
  if (typeof moves === "string" || moves.length) return `'${name}' is moved in the kernel before ${where}, so its copy-in cannot index the buffer and the caller's array alike`;
  const parts = argumentParts(arg, name);
  if (!parts) return `it is handed to ${where} as '${arg.text.slice(0, 50)}', not as '${name}' or '${name} + offset'`;
  if (parts.offset && !pure(parts.offset)) return `the offset '${parts.offset.text}' handed to ${where} has side effects`;
  const body = helperFacts(f, q.name, unit);
  if (typeof body === "string") return `in ${where}: ${body}`;
  const inl = inliner(f, args);
  const element = inl(body.index);
  if (element === undefined) return `${where} indexes '${q.name}' at '${body.index.text}', which c2m cannot restate in the caller's terms`;
  const guards = body.guards.map((g) => inl(g));
  if (guards.some((g) => g === undefined)) return `${where} returns early under a condition c2m cannot restate in the caller's terms`;
  const elementText = parts.offset ? `(${parts.offset.text}) + ${element}` : element;
  const guardText = guards.length ? guards.map((g) => `!${g}`).join(" && ") : undefined;
  const elementNode = snippet(elementText);
  const indexNode = snippet(element);
  const guardNode = guardText ? snippet(guardText) : undefined;
  if (!elementNode || !indexNode || (guardText && !guardNode)) return `${where}'s index does not restate as an expression c2m can parse`;
  const site = { node: arg, index: indexNode, ...(parts.offset ? { offset: parts.offset } : {}) };
  const why = ownershipProof(a.kernel.body, [site]);
  if (why) return `in ${where}: ${why}`;
  return { statement, element: elementNode, ...(guardNode ? { guard: guardNode } : {}), singleBlockAlong: sharedAcrossBlocks(a.kernel.body, [site]) };
}

/** `y`, `y + off`, or `y ? y + off : NULL` (a null test of y itself) → the offset. */
function argumentParts(arg: CudaNode, name: string): { offset?: CudaNode } | undefined {
  let e = unparen(arg);
  if (e.type === "conditional_expression") {
    const cond = unparen(field(e, "condition")!);
    const alt = field(e, "alternative");
    if (!alt || !NULL_TEXT.test(norm(unparen(alt).text)) || !nullTest(cond, name)) return undefined;
    e = unparen(field(e, "consequence")!);
  }
  if (e.type === "identifier") return e.text === name ? {} : undefined;
  if (e.type !== "binary_expression" || field(e, "operator")?.text !== "+") return undefined;
  const left = unparen(field(e, "left")!);
  return left.type === "identifier" && left.text === name ? { offset: field(e, "right")! } : undefined;
}

/** `y`, `y != NULL`, `NULL != y`, `!y`... : the test of y's null-ness (true for every MLX buffer). */
function nullTest(cond: CudaNode, name: string): boolean {
  const c = unparen(cond);
  if (c.type === "identifier") return c.text === name;
  if (c.type === "binary_expression" && /^[!=]=$/.test(field(c, "operator")?.text ?? "")) {
    const [l, r] = [unparen(field(c, "left")!), unparen(field(c, "right")!)];
    return (l.text === name && NULL_TEXT.test(norm(r.text))) || (r.text === name && NULL_TEXT.test(norm(l.text)));
  }
  return c.type === "unary_expression" && field(c, "operator")?.text === "!" && unparen(field(c, "argument")!).text === name;
}

/** No assignment, increment or call (a cast is fine). */
function pure(n: CudaNode): boolean {
  let ok = true;
  walk(n, (c) => {
    if (c.type === "assignment_expression" || c.type === "update_expression" || (c.type === "call_expression" && !/_cast$/.test(calleeName(c) ?? ""))) ok = false;
    return ok;
  });
  return ok;
}

/** The helper's one index of q and its guards, or why q's uses do not fit (see the file's comment). */
function helperFacts(f: KFunction, q: string, unit: KernelUnit): { index: CudaNode; guards: CudaNode[] } | string {
  if (BARRIER.test(f.body.text) || reachesBarrier(f, unit, new Set())) return "it reaches a barrier, so threads may pass elements between them";
  const indices: CudaNode[] = [];
  let why: string | undefined;
  walk(f.body, (n) => {
    if (why) return false;
    if (n.type === "init_declarator" && field(n, "declarator")?.text === q) why = `it declares another '${q}'`;
    if (n.type !== "identifier" || n.text !== q) return;
    let u: CudaNode = n;
    while (u.parent?.type === "parenthesized_expression") u = u.parent;
    const p = u.parent;
    if (p?.type === "subscript_expression" && field(p, "argument")?.startIndex === u.startIndex) {
      const idx = named(field(p, "indices") ?? p).filter((c) => c.type !== "comment");
      if (idx.length !== 1) return void (why = `it indexes '${q}' with ${idx.length} subscripts`);
      let lv: CudaNode = p;
      while (lv.parent?.type === "parenthesized_expression") lv = lv.parent;
      const amp = lv.parent?.type === "pointer_expression" && field(lv.parent, "operator")?.text === "&" ? lv.parent : undefined;
      if (amp && !firstElementOnly(amp, unit)) return void (why = `it hands the address '${amp.text}' to code that may reach past that element`);
      indices.push(idx[0]!);
      return false;
    }
    if (p && isNullTestUse(u, p, q)) return;
    why = `it uses '${q}' other than as '${q}[E]' or a null test ('${(p ?? u).text.slice(0, 50)}')`;
  });
  if (why) return why;
  if (!indices.length) return `it does not index '${q}'`;
  const texts = new Set(indices.map((x) => norm(x.text)));
  if (texts.size > 1) return `it indexes '${q}' at different indices (${[...texts].map((t) => `[${t}]`).join(", ")})`;
  const top = named(f.body).filter((s) => s.type !== "comment");
  const first = top.findIndex((s) => indices.some((x) => within(x, s)));
  const guards: CudaNode[] = [];
  const guardStatements = new Set<CudaNode>();
  top.slice(0, first).forEach((s) => {
    const g = guardOf(s);
    if (g) {
      guards.push(g);
      guardStatements.add(s);
    }
  });
  let stray: CudaNode | undefined;
  walk(f.body, (n) => {
    if (n.type === "return_statement" && ![...guardStatements].some((g) => within(n, g))) stray = n;
    return !stray;
  });
  if (stray) return `it returns at line ${stray.startPosition.row + 1}, other than from an \`if (...) return;\` before its first use of '${q}'`;
  const unconditional = indices.some((x) => {
    const stmt = top.find((s) => within(x, s));
    return !!stmt && top.indexOf(stmt) >= first && reachedWhenever(x, stmt, q);
  });
  if (!unconditional) return `it reaches '${q}[${[...texts][0]}]' only under conditions, so c2m cannot tell the element is in bounds whenever its guards pass`;
  return { index: indices[0]!, guards };
}

function reachesBarrier(f: KFunction, unit: KernelUnit, seen: Set<string>): boolean {
  seen.add(f.name);
  let found = false;
  walk(f.body, (n) => {
    if (found || n.type !== "call_expression") return !found;
    for (const g of unit.deviceFunctions.filter((d) => d.name === calleeName(n) && !seen.has(d.name))) if (BARRIER.test(g.body.text) || reachesBarrier(g, unit, seen)) found = true;
  });
  return found;
}

/** `&q[E]` handed to device functions (every overload of that name) that use the pointer only as `*r` or `r[0]`. */
function firstElementOnly(amp: CudaNode, unit: KernelUnit): boolean {
  let a: CudaNode = amp;
  while (a.parent?.type === "parenthesized_expression") a = a.parent;
  const call = a.parent?.type === "argument_list" ? a.parent.parent : null;
  if (!call || call.type !== "call_expression") return false;
  const j = callArgs(call).findIndex((x) => x.startIndex === a.startIndex);
  const fs = unit.deviceFunctions.filter((d) => d.name === calleeName(call));
  return (
    fs.length > 0 &&
    fs.every((g) => {
      const r = g.params[j];
      if (!r || r.type.kind !== "pointer") return false;
      let ok = true;
      walk(g.body, (n) => {
        if (!ok || n.type !== "identifier" || n.text !== r.name) return ok;
        let u: CudaNode = n;
        while (u.parent?.type === "parenthesized_expression") u = u.parent;
        const p = u.parent;
        const deref = p?.type === "pointer_expression" && field(p, "operator")?.text === "*";
        const zero = p?.type === "subscript_expression" && field(p, "argument")?.startIndex === u.startIndex && /^\[\s*0\s*\]$/.test(field(p, "indices")?.text ?? "");
        if (!deref && !zero) ok = false;
        return ok;
      });
      return ok;
    })
  );
}

function isNullTestUse(u: CudaNode, p: CudaNode, q: string): boolean {
  if (p.type === "binary_expression" && nullTest(p, q)) return true;
  if (p.type === "unary_expression" && nullTest(p, q)) return true;
  if (p.type === "condition_clause") return true;
  return p.type === "conditional_expression" && field(p, "condition")?.startIndex === u.startIndex;
}

/** `if (C) return;` (no else) → C. */
function guardOf(s: CudaNode): CudaNode | undefined {
  if (s.type !== "if_statement" || field(s, "alternative")) return undefined;
  const cons = field(s, "consequence");
  const only = cons?.type === "compound_statement" ? named(cons).filter((c) => c.type !== "comment") : cons ? [cons] : [];
  if (only.length !== 1 || only[0]!.type !== "return_statement" || named(only[0]!).length) return undefined;
  const cond = field(s, "condition");
  return cond ? (named(cond).find((c) => c.type !== "comment") ?? cond) : undefined;
}

/** Whether `x` runs whenever its top-level statement does: no branch, loop or short-circuit around it but a null test of q. */
function reachedWhenever(x: CudaNode, stmt: CudaNode, q: string): boolean {
  for (let n: CudaNode = x; n !== stmt && n.parent; n = n.parent) {
    const p = n.parent;
    if (LOOPS.has(p.type) || p.type === "switch_statement" || p.type === "lambda_expression") return false;
    if (p.type === "if_statement" || p.type === "conditional_expression") {
      const cond = field(p, "condition");
      if (cond && within(n, cond)) continue;
      const alt = field(p, "alternative");
      if (!cond || (alt && within(n, alt)) || !nullTest(named(cond).find((c) => c.type !== "comment") ?? cond, q)) return false;
    }
    if (p.type === "binary_expression" && /^(&&|\|\|)$/.test(field(p, "operator")?.text ?? "") && field(p, "right")?.startIndex === n.startIndex) return false;
  }
  return true;
}

/**
 * The helper's expression in the caller's terms, parenthesised: its top-level locals (declared once with a
 * value of a scalar type, never assigned) as `((T)(value))`, its scalar parameters as `((T)(argument))`, the
 * thread and block indices as they are; undefined for anything else (a call, a template value, a global).
 */
function inliner(f: KFunction, args: CudaNode[]): (e: CudaNode) => string | undefined {
  const assigned = new Set<string>();
  walk(f.body, (n) => {
    const t = n.type === "assignment_expression" ? field(n, "left") : n.type === "update_expression" ? field(n, "argument") : null;
    if (t && unparen(t).type === "identifier") assigned.add(unparen(t).text);
  });
  const locals = new Map<string, { type: string; value: CudaNode } | null>();
  for (const s of named(f.body)) {
    if (s.type !== "declaration") continue;
    const type = field(s, "type")?.text ?? "";
    for (const d of named(s).filter((c) => c.fieldName === "declarator")) {
      const id = d.type === "init_declarator" ? field(d, "declarator") : d;
      if (id?.type !== "identifier") continue;
      const value = d.type === "init_declarator" ? field(d, "value") : null;
      locals.set(id.text, locals.has(id.text) || !value || !SCALAR_TYPE.test(type.trim()) ? null : { type: type.trim(), value });
    }
  }
  const inline = (e: CudaNode, depth: number): string | undefined => {
    if (depth > 6 || !pure(e)) return undefined;
    const edits: { start: number; end: number; text: string }[] = [];
    let bad = false;
    walk(e, (n) => {
      if (bad) return false;
      if (n.type !== "identifier") return;
      const name = n.text;
      if (BUILTINS.has(name) || name === "NULL" || name === "true" || name === "false") return;
      if (n.parent?.type === "call_expression" && field(n.parent, "function")?.startIndex === n.startIndex) return; // a cast's name
      const pi = f.params.findIndex((p) => p.name === name);
      const p = f.params[pi];
      const local = locals.get(name);
      let text: string | undefined;
      const ptype = p ? p.node.text.replace(/\s*\b\w+\s*$/, "").trim() : "";
      if (p && SCALAR_TYPE.test(ptype) && args[pi] && !assigned.has(name) && pure(args[pi]!)) text = `((${ptype.replace(/^const\s+/, "")})(${args[pi]!.text}))`;
      else if (local && !assigned.has(name)) {
        const v = inline(local.value, depth + 1);
        text = v === undefined ? undefined : `((${local.type.replace(/^const\s+/, "")})${v})`;
      }
      if (text === undefined) bad = true;
      else edits.push({ start: n.startIndex, end: n.endIndex, text });
    });
    if (bad) return undefined;
    let out = e.text;
    for (const ed of edits.sort((x, y) => y.start - x.start)) out = out.slice(0, ed.start - e.startIndex) + ed.text + out.slice(ed.end - e.startIndex);
    return `(${out})`;
  };
  return (e) => inline(e, 0);
}

/** A parsed expression of c2m's own making (the printers print it as they print the kernel's). */
function snippet(text: string): CudaNode | undefined {
  const root = parseCuda(`void c2m_snippet() { c2m_value = ${text}; }`).rootNode;
  let found: CudaNode | undefined;
  let error = false;
  walk(root, (n) => {
    if (n.type === "ERROR" || n.isMissing) error = true;
    if (!found && n.type === "assignment_expression") found = field(n, "right") ?? undefined;
    return !error;
  });
  return error ? undefined : found;
}
