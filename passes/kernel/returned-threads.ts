/**
 * Pass `kernel-returned-threads`: a kernel thread that `return`s before a block barrier the others still
 * wait at (llm.c's wte_backward_kernel: warps 1 to 7 write shared memory and return, warp 0 waits at the
 * `__syncthreads()` and reads it). CUDA counts a thread that has exited as arrived at every later barrier;
 * Metal's threadgroup_barrier must be reached by every thread of the threadgroup, or the group hangs or
 * races. The pass keeps such a thread alive but idle: the kernel gets a flag,
 *
 *     bool c2m_alive = true;                 // at the top of the kernel's body
 *     if (c >= C) { c2m_alive = false; }     // was: return;  (`{ c2m_alive = false; break; }` in a loop or switch)
 *     if (c2m_alive) { ...statements... }    // every statement a returned thread could reach, barriers excepted
 *     __syncthreads();                       // reached by every thread, as CUDA's exited threads count as reached
 *
 * and a loop whose body may clear the flag leaves once it is cleared (`if (!c2m_alive) break;`). A returned
 * thread then runs only the barriers and the control around them, which is what CUDA's barrier counts: the
 * live threads compute as before, in the same barrier intervals. The CUDA emulator runs the original through
 * the same pass (src/verify/cuda.ts): its barriers, like Metal's, must be reached by the whole group.
 *
 * Rewritten only when it is sound, else the kernel is left as written and the divergent-barrier check
 * (divergent-barrier.ts) refuses it with C2M-K059 and `returnedThreadsRefusal`'s reason:
 *  - a returned thread may reach a barrier only as a statement of the kernel itself, or in a loop or `if`
 *    whose condition does not depend on the thread, reads no memory and no name the guarded code assigns
 *    (so an idle thread takes the same path to each barrier as the live ones);
 *  - no `return` in a loop that waits at a barrier, no `break`/`continue` beside a barrier an idle thread
 *    would skip, no call of a device function that waits at a barrier inside it, no __syncthreads_count/
 *    _and/_or (an idle thread would vote);
 *  - a local declared in guarded code and used after it is declared before the guard (`T x;`, then
 *    `x = e;` in place); one that cannot be (a reference, `auto`, an array with an initializer) stays in
 *    place unguarded if its initializer only computes (no call, no memory read, no division), else refuses.
 * Every edit is written on the line of the text it replaces, so lines are kept. Pure.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { calleeName, field, named, qualifierWords, walk } from "./cst.js";
import { barrierCall, blockGroups, definitions, threadDependent } from "./barrier-sites.js";
import { hoistDeclaration, type BarrierSites } from "./barrier-segments.js";
import { barrierFunctions } from "./barrier-functions.js";

export const ALIVE = "c2m_alive";

const LOOPS = new Set(["for_statement", "while_statement", "do_statement", "for_range_loop"]);
const BRANCHES = new Set(["if_statement", "switch_statement", "conditional_expression"]);

interface Edit {
  start: number;
  end: number;
  text: string;
  seq: number;
}

/** The kernel's rewrite, or why c2m cannot keep its returned threads at the barriers. */
export type ReturnedPlan = { edits: Edit[] } | { why: string; at: CudaNode } | undefined;

/** Whether a `return` of the kernel may leave threads of a group behind at a later barrier, and which returns those are. */
export function divergentReturns(body: CudaNode, sites: BarrierSites): CudaNode[] {
  const defs = definitions(body);
  const barriers: CudaNode[] = [];
  const returns: CudaNode[] = [];
  walk(body, (n) => {
    if (n.type === "lambda_expression") return false;
    if (n.type === "call_expression" && (sites.own(n) || sites.reaches(n))) barriers.push(n);
    if (n.type === "return_statement") returns.push(n);
  });
  if (!barriers.length) return [];
  const last = Math.max(...barriers.map((b) => b.startIndex));
  const before = (r: CudaNode) => r.startIndex < last || barriers.some((b) => loopAround(r, body, (l) => within(b, l)));
  if (!returns.some((r) => before(r) && divergesAt(r, body, defs))) return [];
  return returns.filter(before);
}

/** The kernel's rewrite (undefined when no thread-dependent return comes before a barrier), or why there is none. */
export function planReturnedThreads(body: CudaNode, sites: BarrierSites): ReturnedPlan {
  const returns = divergentReturns(body, sites);
  if (!returns.length) return undefined;
  if (returns.some((r) => named(r).some((c) => c.type !== "comment"))) {
    const r = returns.find((x) => named(x).some((c) => c.type !== "comment"))!;
    return { why: `'${r.text}' returns a value`, at: r };
  }
  const kills = new Set(returns.map((r) => r.startIndex));
  const p = new Planner(body, sites, kills);
  try {
    p.list(named(body), false, false);
  } catch (e) {
    if (e instanceof Refusal) return { why: e.message, at: e.at };
    throw e;
  }
  // before the first statement (edits at one place keep their order: this one goes first)
  const first = named(body).find((c) => c.type !== "comment") ?? body.children[0]!;
  const at = first === body.children[0] ? first.endIndex : first.startIndex;
  p.edits.unshift({ start: at, end: at, text: `bool ${ALIVE} = true; `, seq: -1 });
  return { edits: p.edits };
}

class Refusal extends Error {
  constructor(
    message: string,
    readonly at: CudaNode,
  ) {
    super(message);
  }
}

class Planner {
  edits: Edit[] = [];
  /** names guarded code declares or assigns: an idle thread's copy is not the live threads' */
  tainted = new Set<string>();
  constructor(
    readonly body: CudaNode,
    readonly sites: BarrierSites,
    readonly kills: Set<number>,
  ) {}

  edit(start: number, end: number, text: string): void {
    this.edits.push({ start, end, text, seq: this.edits.length });
  }

  hasBarrier(n: CudaNode): boolean {
    let found = false;
    walk(n, (c) => {
      if (found || c.type === "lambda_expression") return false;
      if (c.type === "call_expression" && (this.sites.own(c) || this.sites.reaches(c))) found = true;
    });
    return found;
  }

  hasKill(n: CudaNode): boolean {
    let found = false;
    walk(n, (c) => {
      if (found || c.type === "lambda_expression") return false;
      if (c.type === "return_statement" && this.kills.has(c.startIndex)) found = true;
    });
    return found;
  }

  /**
   * A list of statements; `dead`: threads may arrive with the flag cleared; `loopBody`: the list is a loop's
   * body (a statement that may clear the flag is followed by a `break` out of it). Returns whether a thread may
   * leave the list with the flag cleared.
   */
  list(stmts: readonly CudaNode[], dead: boolean, loopBody: boolean): boolean {
    let run: CudaNode[] = [];
    let cleared = dead;
    const flush = () => {
      if (run.length) this.guard(run, stmts);
      run = [];
    };
    for (const s of stmts) {
      if (s.type === "comment") continue;
      if (!this.hasBarrier(s)) {
        if (cleared) {
          if (this.keepsInPlace(s)) {
            flush();
            continue;
          }
          run.push(s);
          if (this.hasKill(s)) this.statement(s);
          continue;
        }
        if (this.hasKill(s)) {
          // what it assigns before a thread returns differs between the threads that go on and the ones that stop
          for (const n of assignedNames(s)) this.tainted.add(n);
          this.statement(s);
          if (loopBody) this.edit(s.endIndex, s.endIndex, ` if (!${ALIVE}) break;`);
          else cleared = true;
        }
        continue;
      }
      flush();
      if (this.barrierStatement(s, cleared)) cleared = true;
    }
    flush();
    return cleared;
  }

  /** A statement with no barrier that may clear the flag: its returns rewritten, the rest of each of its lists guarded. */
  statement(s: CudaNode): void {
    if (s.type === "return_statement") {
      const inLoop = enclosing(s, this.body, (p) => LOOPS.has(p.type));
      this.edit(s.startIndex, s.endIndex, inLoop ? `{ ${ALIVE} = false; break; }` : `{ ${ALIVE} = false; }`);
      return;
    }
    if (s.type === "compound_statement") {
      this.list(named(s), false, false);
      return;
    }
    if (LOOPS.has(s.type)) {
      const body = field(s, "body");
      if (body) this.list(body.type === "compound_statement" ? named(body) : [body], false, true);
      return;
    }
    if (s.type === "if_statement") {
      for (const arm of [field(s, "consequence"), field(s, "alternative")]) {
        if (!arm) continue;
        const inner = arm.type === "else_clause" ? (named(arm).find((c) => c.type !== "comment") ?? arm) : arm;
        this.statement(inner);
      }
      return;
    }
    if (s.type === "switch_statement") throw new Refusal(`c2m does not rewrite a 'return' inside a switch (its cases fall through)`, s);
    if (s.type === "labeled_statement") {
      for (const c of named(s)) if (c.type !== "statement_identifier") this.statement(c);
      return;
    }
    if (this.hasKill(s)) throw new Refusal(`c2m does not rewrite a 'return' inside a ${s.type.replace(/_/g, " ")}`, s);
  }

  /** A statement with a barrier; returns whether a thread may leave it with the flag cleared. */
  barrierStatement(s: CudaNode, dead: boolean): boolean {
    const call = s.type === "expression_statement" ? named(s)[0] : undefined;
    const own = call?.type === "call_expression" ? this.sites.own(call) : undefined;
    if (own) {
      if (dead && /^__syncthreads_/.test(own)) throw new Refusal(`${own} would count the vote of a thread that returned before it`, s);
      return dead;
    }
    // before any return, a barrier is no concern of this pass (divergent-barrier.ts judges branches)
    if (!dead && !this.hasKill(s)) return false;
    if (s.type === "compound_statement") return this.list(named(s), dead, false);
    if (s.type === "if_statement" || LOOPS.has(s.type)) {
      const defs = definitions(this.body);
      const heads = controlParts(s);
      for (const h of heads)
        if (threadDependent(h, defs))
          throw new Refusal(
            `the ${LOOPS.has(s.type) ? "loop" : "branch"} at line ${s.startPosition.row + 1} waits at a barrier under '${h.text.replace(/\s+/g, " ")}', which depends on the thread`,
            s,
          );
      if (dead)
        for (const h of heads) {
          const why = this.unsafe(h);
          if (why)
            throw new Refusal(
              `a thread that returned still runs the ${LOOPS.has(s.type) ? "loop" : "branch"} at line ${s.startPosition.row + 1} to its barriers, but its '${h.text.replace(/\s+/g, " ")}' ${why}`,
              s,
            );
        }
      if (LOOPS.has(s.type)) {
        if (this.hasKill(s))
          throw new Refusal(
            `a 'return' inside the loop at line ${s.startPosition.row + 1}, which waits at a barrier: the threads that stay would wait at it for the ones that left`,
            s,
          );
        if (dead) this.noJumps(s);
        const body = field(s, "body");
        if (body) this.list(body.type === "compound_statement" ? named(body) : [body], dead, false);
        // the guarded body may assign what the next iteration's condition reads
        for (const h of dead ? heads : []) {
          const why = this.unsafe(h);
          if (why)
            throw new Refusal(`a thread that returned still runs the loop at line ${s.startPosition.row + 1} to its barriers, but its '${h.text.replace(/\s+/g, " ")}' ${why}`, s);
        }
        return dead;
      }
      let cleared = dead;
      for (const arm of [field(s, "consequence"), field(s, "alternative")]) {
        if (!arm) continue;
        const inner = arm.type === "else_clause" ? (named(arm).find((c) => c.type !== "comment") ?? arm) : arm;
        if (dead && !this.hasBarrier(inner)) {
          // the arm without a barrier: idle threads skip it
          if (inner.type === "compound_statement") {
            const stmts = named(inner).filter((c) => c.type !== "comment");
            if (stmts.length) this.guard(stmts, named(inner));
          } else this.guard([inner], [inner], true);
          if (this.hasKill(inner)) this.statement(inner);
          continue;
        }
        if (this.hasBarrier(inner) ? this.barrierStatement(inner, dead) : this.hasKill(inner) && (this.statement(inner), true)) cleared = true;
      }
      return cleared;
    }
    let waits: CudaNode | undefined;
    walk(s, (c) => {
      if (waits || c.type === "lambda_expression") return false;
      if (c.type === "call_expression" && !this.sites.own(c) && this.sites.reaches(c)) waits = c;
    });
    throw new Refusal(
      waits
        ? `'${calleeName(waits)}' (line ${waits.startPosition.row + 1}) waits at a barrier inside the function, which a thread that returned before the call would have to reach without running the rest of it`
        : `a ${s.type.replace(/_/g, " ")} that waits at a barrier (line ${s.startPosition.row + 1}) after a thread may have returned`,
      s,
    );
  }

  /** No `break`/`continue` of the loop in code an idle thread skips: the live threads would leave barriers the idle ones wait at. */
  noJumps(loop: CudaNode): void {
    const visit = (c: CudaNode, inSwitch: boolean) => {
      if (c.type === "lambda_expression" || (c !== loop && LOOPS.has(c.type))) return;
      const jumps = c.type === "continue_statement" || (c.type === "break_statement" && !inSwitch);
      if (jumps) throw new Refusal(`'${c.text}' (line ${c.startPosition.row + 1}) in a loop that waits at a barrier, which a thread that returned would not take`, c);
      for (const k of c.children) visit(k, inSwitch || c.type === "switch_statement");
    };
    visit(field(loop, "body") ?? loop, false);
  }

  /** Why an idle thread cannot evaluate `h` as the live ones do, or undefined. */
  unsafe(h: CudaNode): string | undefined {
    if (!computesOnly(h, true)) return "reads memory or calls a function";
    const names = identifierNames(h);
    const t = [...names].find((x) => this.tainted.has(x));
    return t ? `reads '${t}', which may differ between the threads that returned and the others (code only some of them run assigns it)` : undefined;
  }

  /** A declaration an idle thread runs in place: __shared__/static/constexpr, or one whose initializer only computes. */
  keepsInPlace(s: CudaNode): boolean {
    if (s.type !== "declaration") return false;
    const words = qualifierWords(s).join(" ") + " " + s.text.slice(0, 40);
    if (/\b(__shared__|static|constexpr|extern)\b/.test(words)) return true;
    if (!computesOnly(s, false)) return false;
    for (const d of declaredNames(s)) if ([...identifierNames(s)].some((x) => x !== d && this.tainted.has(x))) this.tainted.add(d);
    return true;
  }

  /** Wraps `run` (consecutive statements of `siblings`) in `if (c2m_alive) { ... }`, declaring before it the locals used after it. */
  guard(run: CudaNode[], siblings: readonly CudaNode[], braces = false): void {
    const first = run[0]!;
    const last = run.at(-1)!;
    const after = siblings.filter((s) => s.startIndex >= last.endIndex);
    const laterNames = new Set(after.flatMap((s) => [...identifierNames(s)]));
    const before: string[] = [];
    run.forEach((s, i) => {
      for (const n of assignedNames(s)) this.tainted.add(n);
      if (s.type !== "declaration") return;
      const names = declaredNames(s);
      for (const n of names) this.tainted.add(n);
      if (!names.some((n) => laterNames.has(n))) return;
      const earlier = run.slice(0, i);
      const hidden = names.find((n) => earlier.some((e) => identifierNames(e).has(n)));
      if (hidden) throw new Refusal(`'${hidden}' names another variable before its declaration (line ${s.startPosition.row + 1}) in code c2m guards`, s);
      const declarators = declaratorsOf(s);
      const hoists = hoistDeclaration(s, declarators);
      if (hoists.some((h) => h.name === ""))
        throw new Refusal(
          `the declaration at line ${s.startPosition.row + 1} (a reference, an array with an initializer, or 'auto') is used after code c2m guards and cannot be declared before it`,
          s,
        );
      before.push(...hoists.map((h) => h.declaration).filter(Boolean));
      this.edit(s.startIndex, s.endIndex, hoists[0]!.replacement || ";");
    });
    // an arm of one statement keeps its braces: `if (u) if (c2m_alive) { s; } else` would give the `else` to the guard
    this.edit(first.startIndex, first.startIndex, `${braces ? "{ " : ""}${before.join(" ")}${before.length ? " " : ""}if (${ALIVE}) { `);
    this.edit(last.endIndex, last.endIndex, braces ? " } }" : " }");
  }
}

/** The condition, and a `for`'s initializer and update: what every thread evaluates to reach the statement's barriers. */
function controlParts(s: CudaNode): CudaNode[] {
  return ["condition", "initializer", "update", "right"].map((f) => field(s, f)).filter((x): x is CudaNode => !!x);
}

/** Whether the expression (or declaration) only computes: no call, no memory read through a pointer or subscript, no division by a variable; assignments too unless `declaration`. */
function computesOnly(n: CudaNode, allowAssign: boolean): boolean {
  let ok = true;
  walk(n, (c) => {
    if (!ok) return false;
    if (c.type === "call_expression" || c.type === "subscript_expression" || c.type === "new_expression" || c.type === "delete_expression" || c.type === "lambda_expression")
      ok = false;
    else if (c.type === "pointer_expression" && c.text.trim().startsWith("*")) ok = false;
    else if (c.type === "field_expression" && /->/.test(c.text)) ok = false;
    else if ((c.type === "assignment_expression" || c.type === "update_expression") && !allowAssign) ok = false;
    else if (c.type === "binary_expression" || c.type === "assignment_expression") {
      const op = c.children[1]?.type ?? "";
      const right = field(c, "right");
      if (/^[/%]=?$/.test(op) && right?.type !== "number_literal") ok = false;
    }
  });
  return ok;
}

function enclosing(n: CudaNode, body: CudaNode, test: (p: CudaNode) => boolean): boolean {
  for (let p = n.parent; p && p !== body; p = p.parent) if (test(p)) return true;
  return false;
}

function within(n: CudaNode, outer: CudaNode): boolean {
  return n.startIndex >= outer.startIndex && n.endIndex <= outer.endIndex;
}

function loopAround(n: CudaNode, body: CudaNode, test: (l: CudaNode) => boolean): boolean {
  for (let p = n.parent; p && p !== body; p = p.parent) if (LOOPS.has(p.type) && test(p)) return true;
  return false;
}

/** Whether a `return` is taken by some threads of a group and not others: a condition around it depends on the thread. */
function divergesAt(r: CudaNode, body: CudaNode, defs: Map<string, string>): boolean {
  for (let n: CudaNode = r; n.parent && n !== body; n = n.parent) {
    const p = n.parent;
    if (!BRANCHES.has(p.type) && !LOOPS.has(p.type)) continue;
    for (const h of controlParts(p)) if (!within(n, h) && threadDependent(h, defs)) return true;
  }
  return false;
}

function identifierNames(n: CudaNode): Set<string> {
  const out = new Set<string>();
  walk(n, (c) => {
    if (c.type === "identifier") out.add(c.text);
  });
  return out;
}

function declaratorsOf(s: CudaNode): CudaNode[] {
  return named(s).filter(
    (d) =>
      d !== field(s, "type") &&
      !["type_qualifier", "storage_class_specifier", "attribute_specifier", "comment"].includes(d.type) &&
      !/_type$|type_identifier|qualified_identifier|template_type/.test(d.type),
  );
}

function declaredNames(s: CudaNode): string[] {
  return declaratorsOf(s)
    .map((d) => {
      let n: CudaNode | null = d.type === "init_declarator" ? field(d, "declarator") : d;
      while (n && n.type !== "identifier") n = field(n, "declarator");
      return n?.text;
    })
    .filter((x): x is string => !!x);
}

/** Names a statement may change: assigned (plain, through a field or element, or by ++/--), its address taken, or passed bare to a function (maybe by reference). */
function assignedNames(s: CudaNode): string[] {
  const out: string[] = [];
  walk(s, (c) => {
    if (c.type === "assignment_expression" || c.type === "update_expression") {
      const target = field(c, "left") ?? field(c, "argument");
      if (target) out.push(...identifierNames(target));
    } else if (c.type === "pointer_expression" && field(c, "operator")?.text === "&") {
      out.push(...identifierNames(c));
    } else if (c.type === "call_expression") {
      for (const a of named(field(c, "arguments") ?? c)) if (a.type === "identifier") out.push(a.text);
    }
  });
  return out;
}

/** Every kernel's returned threads kept at its barriers, where planReturnedThreads can; lines are kept. */
export function keepReturnedThreads(text: string): string {
  if (!/\breturn\b/.test(text) || !/\b__syncthreads|\.sync\s*\(|\bsync\s*\(/.test(text)) return text;
  const root = parseCuda(text).rootNode;
  const fns = barrierFunctions(root);
  const edits: Edit[] = [];
  for (const fn of fns.functions.values()) {
    if (!qualifierWords(fn).includes("__global__") && !/^\s*(?:template\s*<[^>]*>\s*)?(?:static\s+)?__global__/.test(fn.text)) continue;
    const body = field(fn, "body");
    if (!body) continue;
    const plan = planReturnedThreads(body, fns.sites(fn));
    if (plan && "edits" in plan) edits.push(...plan.edits);
  }
  if (!edits.length) return text;
  // at one place, insertions before a replacement, each kind in the order planned
  edits.sort((a, b) => a.start - b.start || Number(a.end > a.start) - Number(b.end > b.start) || a.seq - b.seq);
  let out = "";
  let at = 0;
  for (const e of edits) {
    out += text.slice(at, e.start) + e.text;
    at = Math.max(at, e.end);
  }
  return out + text.slice(at);
}

/** Why the kernel's returned threads cannot be kept at its barriers (C2M-K059's message), or undefined. */
export function returnedThreadsRefusal(
  fnBody: CudaNode,
  params: readonly { name: string; node: CudaNode }[],
  reaches: (call: CudaNode) => boolean,
): { why: string; at: CudaNode } | undefined {
  const blocks = blockGroups(params, fnBody);
  const plan = planReturnedThreads(fnBody, { own: (c) => barrierCall(c, blocks), reaches });
  return plan && "why" in plan ? plan : undefined;
}
