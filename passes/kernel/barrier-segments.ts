/**
 * Pass `kernel-barrier-segments`: a thread-dependent `if` whose two arms each wait at the same number of
 * block barriers, in straight-line order (SGEMM_CUDA's sgemmDoubleBuffering: one half of the block loads
 * the next tile while the other computes, each half with its own `__syncthreads()`s), is cut at the
 * barriers into segments:
 *
 *     if (c) { A1 } else { B1 }  __syncthreads();  if (c) { A2 } else { B2 }  __syncthreads();  ...
 *
 * CUDA (sm_70 and later) counts every thread's arrival at *a* barrier of the block, so the k-th barrier of
 * one arm meets the k-th of the other: the segmented program runs the same steps in the same order. Metal's
 * threadgroup_barrier must be reached by every thread at the same barrier, which the segments do, and so does
 * the CUDA emulator's check (src/verify/cuda.ts runs the original through this pass too).
 *
 * Cut only when both arms are lists of statements whose barriers are statements of their own at the top of
 * the arm (none in a loop, a nested branch or a called function), no statement leaves the arm (`return`,
 * `goto`, a `break` or `continue` of a loop around the `if`), and every local an arm declares and a later
 * segment of that arm reads can be declared before the `if` (`T x = e;` becomes `T x;` there and `x = e;` in
 * place). The condition is written again in each segment when nothing the arms do can change it, else it is
 * computed once into a local. Anything else is left as written, and the divergent-barrier check
 * (divergent-barrier.ts) refuses it with `segmentRefusal`'s reason.
 *
 * Reads the text after preprocessing; writes a new text whose line `i` came from line `lineOf[i]` of the
 * input (a segment's `if` and `else` lines come from the original's). Pure.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { calleeName, field, named, unparen, walk } from "./cst.js";
import { definitions, threadDependent } from "./barrier-sites.js";
import { barrierFunctions } from "./barrier-functions.js";

export interface BarrierSegmented {
  text: string;
  /** per output line (0-based), the input line it came from */
  lineOf: number[];
}

/** What tells a barrier within one function. */
export interface BarrierSites {
  /** the barrier a call is (`__syncthreads()`, `block.sync()`), or undefined */
  own(call: CudaNode): string | undefined;
  /** whether a call is of a device function that reaches a barrier */
  reaches(call: CudaNode): boolean;
}

interface Arm {
  /** the arm's statements between barriers: one list more than barriers */
  segments: CudaNode[][];
  barriers: CudaNode[];
}

export interface Hoist {
  name: string;
  /** the declaration before the `if` */
  declaration: string;
  /** the declaration's replacement in place */
  node: CudaNode;
  replacement: string;
}

export interface SegmentPlan {
  arms: [Arm, Arm];
  hoists: Hoist[];
  /** the condition's text, and whether it is computed once into a local */
  condition: string;
  once: boolean;
}

const LOOPS = new Set(["for_statement", "while_statement", "do_statement", "for_range_loop"]);

/** The plan to cut `node` (an if_statement) at its barriers, or why it cannot be cut. */
export function planSegments(node: CudaNode, sites: BarrierSites): { plan: SegmentPlan } | { why: string } {
  const cond = field(field(node, "condition") ?? node, "value") ?? field(node, "condition");
  const consequence = field(node, "consequence");
  const alternative = named(field(node, "alternative") ?? node).find((c) => c.type !== "comment" && c !== cond && c !== consequence);
  if (!cond || !consequence) return { why: "its condition did not parse" };
  if (!alternative || !field(node, "alternative")) return { why: "it has no 'else' arm: the threads that skip the 'if' arm reach none of its barriers" };
  if (alternative.type === "if_statement") return { why: "its 'else' arm is another 'if' ('else if'): c2m cuts only a branch of two arms" };
  const arms: Arm[] = [];
  for (const [which, body] of [
    ["'if'", consequence],
    ["'else'", alternative],
  ] as const) {
    const arm = splitArm(body, sites);
    if ("why" in arm) return { why: `in its ${which} arm, ${arm.why}` };
    arms.push(arm);
  }
  const [a, b] = arms as [Arm, Arm];
  if (a.barriers.length !== b.barriers.length)
    return {
      why: `its 'if' arm waits at ${a.barriers.length} barrier${a.barriers.length === 1 ? "" : "s"} and its 'else' arm at ${b.barriers.length}: the k-th barrier of one arm has no partner in the other`,
    };
  const hoists: Hoist[] = [];
  for (const [i, arm] of [a, b].entries()) {
    const other = i === 0 ? b : a;
    const found = hoistsOf(arm, other, cond);
    if ("why" in found) return { why: `in its ${i === 0 ? "'if'" : "'else'"} arm, ${found.why}` };
    for (const h of found.hoists) {
      const twin = hoists.find((x) => x.name === h.name);
      if (twin && twin.declaration !== h.declaration) return { why: `both arms declare '${h.name}', with different types, and a later segment reads it` };
      if (!twin) hoists.push(h);
      else hoists.push({ ...h, declaration: "" });
    }
  }
  const text = cond.text.replace(/\s+/g, " ");
  return { plan: { arms: [a, b], hoists, condition: text, once: !stable(cond, [...a.segments.flat(), ...b.segments.flat()]) } };
}

/** The arm's statements cut at its barriers, or why it cannot be cut. */
function splitArm(body: CudaNode, sites: BarrierSites): Arm | { why: string } {
  const statements = body.type === "compound_statement" ? named(body) : [body];
  const arm: Arm = { segments: [[]], barriers: [] };
  for (const s of statements) {
    const call = s.type === "expression_statement" ? named(s)[0] : undefined;
    const own = call?.type === "call_expression" ? sites.own(call) : undefined;
    // __syncthreads_count/_and/_or combine a value across the block: the two arms' values would meet
    if (own && /^__syncthreads_/.test(own)) return { why: `${own} (line ${s.startPosition.row + 1}) combines a value across the block; c2m pairs only plain barriers` };
    if (own) {
      arm.barriers.push(s);
      arm.segments.push([]);
      continue;
    }
    const why = nestedProblem(s, sites);
    if (why) return { why };
    arm.segments.at(-1)!.push(s);
  }
  return arm;
}

/** Why a statement of an arm stops the cut: a barrier inside it, or a jump out of the arm. */
function nestedProblem(statement: CudaNode, sites: BarrierSites): string | undefined {
  let why: string | undefined;
  const line = (n: CudaNode) => `line ${n.startPosition.row + 1}`;
  const inside = (n: CudaNode, types: Set<string>) => {
    for (let p = n.parent; p && p !== statement.parent; p = p.parent) if (types.has(p.type)) return true;
    return false;
  };
  walk(statement, (n) => {
    if (why) return false;
    if (n.type === "call_expression") {
      const own = sites.own(n);
      if (own) why = `${own} (${line(n)}) is ${inside(n, LOOPS) ? "inside a loop, whose trip count may differ from the other arm's" : "inside a nested statement"}`;
      else if (sites.reaches(n)) why = `'${calleeName(n)}' (${line(n)}) waits at a barrier inside the function`;
    } else if (n.type === "return_statement" || n.type === "goto_statement") {
      why = `'${n.text.replace(/\s+/g, " ")}' (${line(n)}) leaves the arm before its later barriers`;
    } else if ((n.type === "break_statement" && !inside(n, new Set([...LOOPS, "switch_statement"]))) || (n.type === "continue_statement" && !inside(n, LOOPS))) {
      why = `'${n.text}' (${line(n)}) leaves the arm before its later barriers`;
    }
  });
  return why;
}

/** The locals an arm declares in one segment and reads in a later one, as declarations before the `if`. */
function hoistsOf(arm: Arm, other: Arm, cond: CudaNode): { hoists: Hoist[] } | { why: string } {
  const hoists: Hoist[] = [];
  const mentioned = (nodes: CudaNode[], name: string) => nodes.some((n) => identifiers(n).has(name));
  let why: string | undefined;
  arm.segments.forEach((segment, k) => {
    const later = arm.segments.slice(k + 1).flat();
    segment.forEach((s, j) => {
      if (s.type !== "declaration") return;
      const declarators = named(s).filter(
        (d) =>
          d !== field(s, "type") &&
          !["type_qualifier", "storage_class_specifier", "attribute_specifier", "comment"].includes(d.type) &&
          !/_type$|type_identifier|qualified_identifier|template_type/.test(d.type),
      );
      const names = declarators.map(declaredName);
      if (!names.some((n) => n && mentioned(later, n))) return;
      // a use before the declaration names an outer variable, which the moved declaration would hide
      const earlier = [...arm.segments.slice(0, k).flat(), ...segment.slice(0, j)];
      const hidden = names.find((n) => n && mentioned(earlier, n));
      if (hidden) why ??= `'${hidden}' is read before its declaration (line ${s.startPosition.row + 1}), as another variable, and after a barrier`;
      hoists.push(...hoistDeclaration(s, declarators));
    });
  });
  if (why) return { why };
  if (hoists.some((h) => h.name === ""))
    return {
      why: `a declaration c2m cannot move before the 'if' (line ${hoists.find((h) => h.name === "")!.node.startPosition.row + 1}: a reference, an array with an initializer, or 'auto') is read after a barrier`,
    };
  for (const h of hoists) {
    if (identifiers(cond).has(h.name)) return { why: `'${h.name}', declared in the arm and read after a barrier, is also a name the condition reads` };
    if (mentioned(other.segments.flat(), h.name) && !otherDeclares(other, h.name))
      return { why: `'${h.name}', declared in the arm and read after a barrier, names another variable in the other arm` };
  }
  return { hoists };
}

/** Whether the arm's first statement naming `name` declares it (its own variable, never the outer one the moved declaration would hide). */
function otherDeclares(arm: Arm, name: string): boolean {
  const first = arm.segments.flat().find((s) => identifiers(s).has(name));
  return first?.type === "declaration" && named(first).some((d) => declaredName(d) === name);
}

function declaredName(d: CudaNode): string | undefined {
  const inner = d.type === "init_declarator" ? field(d, "declarator") : d;
  if (!inner) return undefined;
  let n: CudaNode | null = inner;
  while (n && n.type !== "identifier") n = field(n, "declarator");
  return n?.text;
}

/** `const T x = e, y;` → `T x;`, `T y;` before the `if` and `x = e;` in place; "" names mark what cannot move. */
export function hoistDeclaration(s: CudaNode, declarators: CudaNode[]): Hoist[] {
  const first = declarators[0]!;
  const typeText = s.text.slice(0, first.startIndex - s.startIndex).trim();
  const isConstexpr = /\bconstexpr\b/.test(typeText);
  const out: Hoist[] = [];
  const assigns: string[] = [];
  for (const d of declarators) {
    const name = declaredName(d) ?? "";
    const inner = d.type === "init_declarator" ? field(d, "declarator")! : d;
    const value = d.type === "init_declarator" ? field(d, "value") : null;
    const bad =
      !name ||
      /\bauto\b/.test(typeText) ||
      inner.type === "reference_declarator" ||
      (inner.type === "array_declarator" && value) ||
      value?.type === "initializer_list" ||
      value?.type === "argument_list";
    if (bad) return [{ name: "", declaration: "", node: s, replacement: "" }];
    // a constexpr keeps its value; a plain local loses `const` (it is now assigned), a pointer keeps its pointee's
    if (isConstexpr || !value) out.push({ name, declaration: `${typeText} ${d.text};`, node: s, replacement: "" });
    else {
      const type = inner.type === "identifier" ? typeText.replace(/\bconst\b\s*/g, "").trim() : typeText;
      out.push({ name, declaration: `${type} ${inner.text};`, node: s, replacement: "" });
      assigns.push(`${name} = ${value.text};`);
    }
  }
  out[0]!.replacement = assigns.join(" ");
  return out;
}

function identifiers(node: CudaNode): Set<string> {
  const out = new Set<string>();
  walk(node, (n) => {
    if (n.type === "identifier") out.add(n.text);
  });
  return out;
}

/** Whether evaluating the condition again after the arms' statements gives the same value: no call, no memory read, no name they assign. */
function stable(cond: CudaNode, statements: CudaNode[]): boolean {
  let ok = true;
  walk(cond, (n) => {
    if (["call_expression", "subscript_expression", "pointer_expression", "assignment_expression", "update_expression"].includes(n.type)) ok = false;
    if (n.type === "field_expression" && /->/.test(n.text)) ok = false;
  });
  if (!ok) return false;
  const read = identifiers(cond);
  for (const s of statements)
    walk(s, (n) => {
      // a name the arms assign (also through a field or an element), or pass bare to a function (maybe by reference)
      if (n.type === "assignment_expression" || n.type === "update_expression") {
        const target = field(n, "left") ?? field(n, "argument");
        if (target && [...identifiers(target)].some((x) => read.has(x))) ok = false;
      }
      if (n.type === "call_expression") for (const a of named(field(n, "arguments") ?? n)) if (unparen(a).type === "identifier" && read.has(unparen(a).text)) ok = false;
      if (n.type === "pointer_expression" && n.text.startsWith("&") && identifiers(n).size && [...identifiers(n)].some((x) => read.has(x))) ok = false;
    });
  return ok;
}

/** Why a thread-dependent `if` with barriers in both arms is not cut into segments (divergent-barrier.ts's message), or undefined. */
export function segmentRefusal(node: CudaNode, sites: BarrierSites): string | undefined {
  const r = planSegments(node, sites);
  return "why" in r ? r.why : undefined;
}

/** Every function's thread-dependent `if`s with barriers in both arms, cut into segments where planSegments can. */
export function segmentBranchBarriers(text: string): BarrierSegmented {
  const identity = (): BarrierSegmented => ({ text, lineOf: text.split("\n").map((_, i) => i) });
  // no parse unless some `else` and some barrier could meet
  if (!/\belse\b/.test(text) || !/\b__syncthreads|\.sync\s*\(|\bsync\s*\(/.test(text)) return identity();
  const root = parseCuda(text).rootNode;
  const { functions, sites: sitesOf } = barrierFunctions(root);
  const plans: { node: CudaNode; plan: SegmentPlan }[] = [];
  for (const fn of functions.values()) {
    const body = field(fn, "body");
    if (!body) continue;
    const defs = definitions(body);
    const sites = sitesOf(fn);
    walk(body, (n) => {
      if (n.type !== "if_statement") return;
      const cond = field(n, "condition");
      if (!cond || !threadDependent(cond, defs) || !field(n, "alternative")) return;
      const r = planSegments(n, sites);
      if ("plan" in r && r.plan.arms[0].barriers.length) {
        plans.push({ node: n, plan: r.plan });
        return false;
      }
    });
  }
  if (!plans.length) return identity();
  return printSegments(text, plans);
}

/** One piece of the output: text from the input at `start` (or written by the pass, `start` its anchor). */
interface Piece {
  text: string;
  start: number;
  copied: boolean;
}

function printSegments(text: string, plans: { node: CudaNode; plan: SegmentPlan }[]): BarrierSegmented {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  const rowOf = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const pieces: Piece[] = [];
  let at = 0;
  for (const { node, plan } of plans.sort((x, y) => x.node.startIndex - y.node.startIndex)) {
    pieces.push({ text: text.slice(at, node.startIndex), start: at, copied: true });
    pieces.push(...segmentPieces(text, node, plan));
    at = node.endIndex;
  }
  pieces.push({ text: text.slice(at), start: at, copied: true });
  // each output line comes from the input line of its first character
  const out: string[] = [];
  const lineOf: number[] = [];
  let atLineStart = true;
  for (const p of pieces) {
    if (!p.text) continue;
    const parts = p.text.split("\n");
    let offset = p.start;
    parts.forEach((part, i) => {
      if (i > 0) {
        out.push("\n");
        atLineStart = true;
      }
      if (atLineStart && (part || i < parts.length - 1)) {
        lineOf.push(rowOf(p.copied ? offset : p.start));
        atLineStart = false;
      }
      out.push(part);
      offset += part.length + 1;
    });
  }
  if (atLineStart) lineOf.push(rowOf(text.length));
  return { text: out.join(""), lineOf };
}

/** The segments of one `if`: hoisted declarations, then per segment its `if`/`else` and the barrier after it. */
function segmentPieces(text: string, node: CudaNode, plan: SegmentPlan): Piece[] {
  const lineStart = text.lastIndexOf("\n", node.startIndex - 1) + 1;
  const lead = text.slice(lineStart, node.startIndex);
  const indent = /^\s*$/.test(lead) ? lead : (/^\s*/.exec(lead)?.[0] ?? "");
  const wrap = plan.hoists.length > 0 || plan.once || node.parent?.type !== "compound_statement";
  const inner = wrap ? `${indent}  ` : indent;
  const edits = new Map(plan.hoists.map((h) => [h.node.startIndex, h] as const));
  const pieces: Piece[] = [];
  const write = (s: string, anchor: number) => pieces.push({ text: s, start: anchor, copied: false });
  const copy = (from: number, to: number) => {
    // the input between `from` and `to`, with the hoisted declarations replaced
    let at = from;
    for (const [start, h] of [...edits].sort((x, y) => x[0] - y[0])) {
      if (start < from || start >= to) continue;
      pieces.push({ text: text.slice(at, start), start: at, copied: true });
      write(h.replacement, start);
      at = h.node.endIndex;
    }
    pieces.push({ text: text.slice(at, to), start: at, copied: true });
  };
  const condName = `c2m_branch_${node.startPosition.row + 1}`;
  const cond = plan.once ? condName : plan.condition;
  const first = node.startIndex;
  if (wrap) {
    write(`{`, first);
    for (const h of plan.hoists) if (h.declaration) write(`\n${inner}${h.declaration}`, first);
    if (plan.once) write(`\n${inner}const bool ${condName} = ${plan.condition};`, first);
    write(`\n${inner}`, first);
  }
  const [a, b] = plan.arms;
  const alternative = field(node, "alternative")!;
  const body = (statements: CudaNode[]) => {
    const s = statements[0]!;
    const sLead = text.slice(text.lastIndexOf("\n", s.startIndex - 1) + 1, s.startIndex);
    write(/^\s*$/.test(sLead) && sLead.length > inner.length ? sLead : `${inner}  `, s.startIndex);
    copy(s.startIndex, statements.at(-1)!.endIndex);
  };
  let firstLine = true;
  for (let k = 0; k < a.segments.length; k++) {
    const [sa, sb] = [a.segments[k]!, b.segments[k]!];
    const open = (s: string) => write(`${firstLine ? "" : `\n${inner}`}${s}`, firstLine ? first : (sa[0] ?? sb[0] ?? node).startIndex);
    if (sa.length || sb.length) {
      open(sa.length ? `if (${cond}) {\n` : `if (!(${cond})) {\n`);
      body(sa.length ? sa : sb);
      if (sa.length && sb.length) {
        write(`\n${inner}} else {\n`, alternative.startIndex);
        body(sb);
      }
      write(`\n${inner}}`, (sb.at(-1) ?? sa.at(-1)!).endIndex);
      firstLine = false;
    }
    const barrier = a.barriers[k];
    if (barrier) {
      write(firstLine ? "" : `\n${inner}`, barrier.startIndex);
      pieces.push({ text: barrier.text, start: barrier.startIndex, copied: true });
      firstLine = false;
    }
  }
  if (wrap) write(`\n${indent}}`, node.endIndex);
  return pieces;
}
