/**
 * Pass `kernel-cas-add`: a compare-exchange loop that only adds a packed pair of 16-bit floats, as the atomic add it
 * is. llm.c's layernorm_backward_kernel4 adds a `__nv_bfloat162` into a bf16 buffer by hand:
 *
 *     __nv_bfloat162 cur = __ldcg(&vec2[i]);  __nv_bfloat162 next = add + cur;
 *     unsigned int cur32 = *reinterpret_cast<unsigned int*>(&cur), next32 = ...(&next);
 *     unsigned int old32 = atomicCAS((unsigned int*)&vec2[i], cur32, next32);
 *     while (old32 != cur32) { cur32 = old32; next = *reinterpret_cast<__nv_bfloat162*>(&cur32) + add;
 *                              next32 = *reinterpret_cast<unsigned int*>(&next); old32 = atomicCAS(..., cur32, next32); }
 *
 * Each exchange stores f(guess) = guess + add only where the word still holds the guess, and the loop ends at the
 * first exchange that does: whatever the first guess, the word ends up `old + add`, atomically. That is
 * `atomicAdd(&vec2[i], add)` on the pair, which c2m translates as an atomic output of 32-bit words added by
 * compare-exchange (emit/metal-atomic16.ts), the caller's values added after the launch as for any atomicAdd. Seen
 * as written, the plain first guess and the exchange computing from the element's current value would need the
 * caller's value in the fresh output before any threadgroup's atomic (refused, C2M-K046).
 *
 * Recognised: the exchange's desired value is its expected value reinterpreted (`*reinterpret_cast<T*>(&v)`,
 * `*(T*)&v`), plus one addend no statement of the loop changes, reinterpreted back; the loop is `while (old !=
 * expected)` after a first exchange of the same form (or `do { ... } while (expected != old)`), and holds only
 * these assignments; the sum's type is a pair of 16-bit floats (no 32-bit element there for c2m's take-over of
 * an element, BufferPlan.takeOnAtomic, which serves 32-bit compare-exchange loops), and the target, without its
 * cast, points to that type. The loop becomes the atomicAdd; the statements that only fed it (the first guess, the
 * reinterpreted words), each free of side effects, become blanks. Every line stays where it was. Pure: text in,
 * text out. --verify runs the original loop on the CUDA emulator against this.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { assignedIn, calleeName, callArgs, field, named, unparen, walk } from "./cst.js";

/** Packed pairs of 16-bit floats, the sum types this pass lowers. */
const PAIRS = new Set(["__nv_bfloat162", "nv_bfloat162", "__half2", "half2"]);
/** Calls a removed first-guess statement may make: bit casts and cache-hinted loads. */
const PURE_CALL = /^(reinterpret_cast|static_cast|__ld(?:g|cg|cs|ca|cv|lu))$/;

interface Term {
  /** the variable the value is a bit pattern of */
  root: string;
  /** what is added to it (one addend at most) */
  addend?: CudaNode;
  /** the variable the sum is stored in */
  sumVar?: string;
}

type Env = Map<string, CudaNode>;

/** `*reinterpret_cast<T*>(&v)` or `*(T*)&v`: the local `v` whose bits are read as another type. */
function reinterpreted(n: CudaNode): CudaNode | undefined {
  if (n.type !== "pointer_expression" || field(n, "operator")?.text !== "*") return undefined;
  const arg = unparen(field(n, "argument")!);
  const inner =
    arg.type === "cast_expression"
      ? field(arg, "value")
      : arg.type === "call_expression" && calleeName(arg) === "reinterpret_cast" && callArgs(arg).length === 1
        ? callArgs(arg)[0]
        : undefined;
  const addr = inner ? unparen(inner) : undefined;
  if (addr?.type !== "pointer_expression" || field(addr, "operator")?.text !== "&") return undefined;
  const v = unparen(field(addr, "argument")!);
  return v.type === "identifier" ? v : undefined;
}

/**
 * The value of `n` as a bit pattern of one variable plus at most one addend, following the assignments in `env`; a
 * variable whose value is no such term is its own root. `fixed`: names an addend may not mention (the loop's
 * own); `want`: the root a sum is read from, where both of its sides could be one.
 */
function evalTerm(n0: CudaNode, env: Env, fixed: ReadonlySet<string>, want: string, depth = 8): Term | undefined {
  if (depth === 0) return undefined;
  const n = unparen(n0);
  if (n.type === "identifier") {
    const def = env.get(n.text);
    const t = def ? evalTerm(def, env, fixed, want, depth - 1) : undefined;
    if (!t) return { root: n.text };
    return t.addend && !t.sumVar && unparen(def!).type === "binary_expression" ? { ...t, sumVar: n.text } : t;
  }
  const bits = reinterpreted(n);
  if (bits) return evalTerm(bits, env, fixed, want, depth - 1);
  if (n.type === "binary_expression" && field(n, "operator")?.text === "+") {
    const [l, r] = [field(n, "left")!, field(n, "right")!];
    for (const [a, b] of [
      [l, r],
      [r, l],
    ] as const) {
      const t = evalTerm(a, env, fixed, want, depth - 1);
      if (t && !t.addend && t.root === want && freeAddend(b, fixed)) return { root: t.root, addend: b };
    }
  }
  return undefined;
}

/** An addend free of calls and assignments that mentions none of the `fixed` names. */
function freeAddend(n: CudaNode, fixed: ReadonlySet<string>): boolean {
  let ok = true;
  walk(n, (c) => {
    if (c.type === "call_expression" || c.type === "assignment_expression" || c.type === "update_expression") ok = false;
    if (c.type === "identifier" && fixed.has(c.text)) ok = false;
    return ok;
  });
  return ok;
}

/** `x = e;` or `T x = e;` as a (name, value) pair. */
function assignment(stmt: CudaNode): [string, CudaNode][] {
  if (stmt.type === "declaration")
    return named(stmt)
      .filter((d) => d.type === "init_declarator" && field(d, "declarator")?.type === "identifier" && field(d, "value"))
      .map((d) => [field(d, "declarator")!.text, field(d, "value")!]);
  const e = stmt.type === "expression_statement" ? named(stmt)[0] : undefined;
  if (e?.type === "assignment_expression" && field(e, "operator")?.text === "=" && unparen(field(e, "left")!).type === "identifier")
    return [[unparen(field(e, "left")!).text, field(e, "right")!]];
  return [];
}

/** `old = atomicCAS(P, E, D)` (a statement or a declaration): old, the call. */
function casStatement(stmt: CudaNode): { old: string; call: CudaNode } | undefined {
  const a = assignment(stmt);
  if (a.length !== 1) return undefined;
  const call = unparen(a[0]![1]);
  return call.type === "call_expression" && calleeName(call) === "atomicCAS" && callArgs(call).length === 3 ? { old: a[0]![0], call } : undefined;
}

/** The declared type text of a local or parameter `name` of the function, when declared once. */
function declaredType(fn: CudaNode, name: string): { type: string; pointer: boolean } | undefined {
  const found: { type: string; pointer: boolean }[] = [];
  walk(fn, (n) => {
    if (n.type !== "declaration" && n.type !== "parameter_declaration") return;
    const type = field(n, "type")?.text;
    for (const d of n.type === "declaration" ? named(n).filter((c) => c !== field(n, "type")) : [field(n, "declarator")]) {
      let x = d && d.type === "init_declarator" ? field(d, "declarator") : d;
      let pointer = false;
      while (x?.type === "pointer_declarator") {
        pointer = true;
        x = field(x, "declarator");
      }
      if (x?.type === "identifier" && x.text === name && type) found.push({ type, pointer });
    }
  });
  return found.length === 1 ? found[0] : undefined;
}

/** The exchange's target without its cast (`(unsigned int*)&vec2[i]` → `&vec2[i]`), and the variable it indexes. */
function pairTarget(p0: CudaNode): { text: string; base: string } | undefined {
  let p = unparen(p0);
  if (p.type === "cast_expression") p = unparen(field(p, "value")!);
  else if (p.type === "call_expression" && calleeName(p) === "reinterpret_cast" && callArgs(p).length === 1) p = unparen(callArgs(p)[0]!);
  let b: CudaNode | null = p;
  if (b.type === "pointer_expression" && field(b, "operator")?.text === "&") b = unparen(field(b, "argument")!);
  if (b.type === "subscript_expression") b = unparen(field(b, "argument")!);
  else if (b.type === "binary_expression" && field(b, "operator")?.text === "+" && p.type === "binary_expression") b = unparen(field(b, "left")!);
  return b.type === "identifier" ? { text: p.text, base: b.text } : undefined;
}

function sameTerm(a: Term | undefined, b: Term | undefined): boolean {
  return !!a && !!b && a.root === b.root && a.addend?.text.replace(/\s+/g, "") === b.addend?.text.replace(/\s+/g, "");
}

/** Names a statement's text mentions as identifiers. */
function mentions(n: CudaNode, names: Set<string>): boolean {
  let hit = false;
  walk(n, (c) => {
    if (c.type === "identifier" && names.has(c.text)) hit = true;
    return !hit;
  });
  return hit;
}

/** The names a declaration declares (`T a = e, *p, b;`: a, p, b), or none where a declarator is not a plain name. */
function declaredNames(stmt: CudaNode): string[] {
  const out: string[] = [];
  for (const d of named(stmt).filter((c) => c !== field(stmt, "type"))) {
    let x: CudaNode | null = d.type === "init_declarator" ? field(d, "declarator") : d;
    while (x?.type === "pointer_declarator") x = field(x, "declarator");
    if (x?.type !== "identifier") return [];
    out.push(x.text);
  }
  return out;
}

/** Whether a declaration's initializers are free of side effects (bit casts, loads, arithmetic). */
function pureDeclaration(stmt: CudaNode): boolean {
  if (stmt.type !== "declaration") return false;
  let ok = true;
  walk(stmt, (c) => {
    if (c.type === "assignment_expression" || c.type === "update_expression") ok = false;
    if (c.type === "call_expression" && !PURE_CALL.test(calleeName(c) ?? "")) ok = false;
    return ok;
  });
  return ok;
}

interface Lowering {
  /** statements that become blanks */
  remove: CudaNode[];
  /** the loop, which becomes the atomicAdd */
  loop: CudaNode;
  call: string;
}

/** The lowering of one loop, or undefined where it is not a compare-exchange loop that only adds a 16-bit pair. */
function lowerLoop(loop: CudaNode, fn: CudaNode): Lowering | undefined {
  const block = loop.parent;
  const body = field(loop, "body");
  const cond = unparen(field(loop, "condition") ?? loop);
  const inner = cond.type === "condition_clause" ? unparen(named(cond)[0]!) : cond;
  if (!block || block.type !== "compound_statement" || body?.type !== "compound_statement" || inner.type !== "binary_expression") return undefined;
  if (field(inner, "operator")?.text !== "!=") return undefined;
  const stmts = named(body).filter((s) => s.type !== "comment");
  const last = stmts.length ? casStatement(stmts[stmts.length - 1]!) : undefined;
  if (!last) return undefined;
  const [target, expectedArg, desiredArg] = callArgs(last.call).map(unparen) as [CudaNode, CudaNode, CudaNode];
  const sides = [unparen(field(inner, "left")!).text, unparen(field(inner, "right")!).text];
  const expected = expectedArg.type === "identifier" ? expectedArg.text : undefined;
  if (!expected || !sides.includes(last.old) || !sides.includes(expected) || expected === last.old) return undefined;
  // `expected = old;` first, then plain assignments of locals, then the exchange
  const first = assignment(stmts[0]!);
  if (first.length !== 1 || first[0]![0] !== expected || unparen(first[0]![1]).text !== last.old) return undefined;
  const env: Env = new Map();
  for (const s of stmts.slice(1, -1)) {
    const a = assignment(s);
    if (a.length !== 1 || s.type === "declaration") return undefined;
    env.set(a[0]![0], a[0]![1]);
  }
  const loopVars = new Set([expected, last.old, ...env.keys()]);
  const f = evalTerm(desiredArg, env, loopVars, expected);
  if (!f || f.root !== expected || !f.addend || !f.sumVar) return undefined;
  const sumType = declaredType(fn, f.sumVar);
  const pair = pairTarget(target);
  const pointee = pair ? declaredType(fn, pair.base) : undefined;
  if (!sumType || !PAIRS.has(sumType.type) || sumType.pointer || !pair || !pointee?.pointer || pointee.type !== sumType.type) return undefined;
  const siblings = named(block);
  const at = siblings.indexOf(loop);
  const remove: CudaNode[] = [];
  let guessFrom = at;
  if (loop.type === "while_statement") {
    // the first exchange, of the same form, earlier in the block; what lies between touches neither the pair nor the loop's names
    let i = at - 1;
    while (i >= 0 && casStatement(siblings[i]!)?.old !== last.old) i--;
    const cas0 = i >= 0 ? casStatement(siblings[i]!) : undefined;
    if (!cas0) return undefined;
    const [t0, e0, d0] = callArgs(cas0.call).map(unparen) as [CudaNode, CudaNode, CudaNode];
    if (t0.text.replace(/\s+/g, "") !== target.text.replace(/\s+/g, "") || e0.text !== expected) return undefined;
    const between = siblings.slice(i + 1, at);
    if (between.some((s) => mentions(s, new Set([pair.base, ...loopVars])))) return undefined;
    const pre: Env = new Map();
    for (const s of siblings.slice(0, i)) for (const [name, value] of assignment(s)) pre.set(name, value);
    const g = evalTerm(e0, pre, loopVars, expected);
    const d = g ? evalTerm(d0, pre, new Set(), g.root) : undefined;
    if (!g || g.addend || !sameTerm(d, { root: g.root, addend: f.addend })) return undefined;
    remove.push(siblings[i]!);
    guessFrom = i;
  } else if (loop.type !== "do_statement") return undefined;
  // the addend keeps its value from the first exchange to the last
  const addendNames = new Set<string>();
  walk(f.addend, (c) => void (c.type === "identifier" && addendNames.add(c.text)));
  if ([...loopVars].some((v) => addendNames.has(v))) return undefined;
  for (const s of siblings.slice(guessFrom, at)) if ([...assignedIn(s)].some((n) => addendNames.has(n))) return undefined;
  // the statements before that only fed the loop (first guess, reinterpreted words): removed while nothing else reads them
  const removed = new Set<CudaNode>([loop, ...remove]);
  const inRemoved = (n: CudaNode) => [...removed].some((r) => r.startIndex <= n.startIndex && n.endIndex <= r.endIndex);
  const readElsewhere = (name: string, own: CudaNode) => {
    let hit = false;
    walk(fn, (c) => {
      if (c.type === "identifier" && c.text === name && !inRemoved(c) && !(own.startIndex <= c.startIndex && c.endIndex <= own.endIndex)) hit = true;
      return !hit;
    });
    return hit;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of siblings.slice(0, at)) {
      if (removed.has(s) || !pureDeclaration(s)) continue;
      const names = declaredNames(s);
      if (names.length && names.every((n) => !readElsewhere(n, s))) {
        removed.add(s);
        changed = true;
      }
    }
  }
  // every name of the loop is gone with it (a later use of the old value would lose it)
  if ([...loopVars].some((v) => readElsewhere(v, loop))) return undefined;
  return { remove: [...removed].filter((s) => s !== loop), loop, call: `atomicAdd(${pair.text}, ${f.addend.text});` };
}

/** The text with each compare-exchange loop that only adds a 16-bit pair lowered to atomicAdd; lines unchanged. */
export function lowerCasAddLoops(text: string): string {
  if (!/\batomicCAS\b/.test(text) || ![...PAIRS].some((p) => text.includes(p))) return text;
  const tree = parseCuda(text);
  const edits: { from: number; to: number; text: string }[] = [];
  walk(tree.rootNode, (fn) => {
    if (fn.type !== "function_definition") return;
    walk(fn, (loop) => {
      if (loop.type !== "while_statement" && loop.type !== "do_statement") return;
      const l = lowerLoop(loop, fn);
      if (!l) return;
      const blank = (n: CudaNode) => n.text.replace(/[^\n]/g, " ");
      for (const s of l.remove) edits.push({ from: s.startIndex, to: s.endIndex, text: blank(s) });
      const rest = blank(loop);
      const firstLine = rest.indexOf("\n");
      edits.push({ from: loop.startIndex, to: loop.endIndex, text: firstLine < 0 ? l.call : l.call + rest.slice(firstLine) });
      return false;
    });
    return false;
  });
  if (!edits.length) return text;
  let out = text;
  for (const e of edits.sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}
