/**
 * A part of the ownership proofs (ownership.ts, strided-owner.ts): an owner index that moves with a for-loop
 * counter started at the thread's own index. The proofs see one iteration: `for (i = threadIdx.x; i < n; i++)
 * y[i] += v` gives every thread its own element at each iteration, yet thread t at iteration k touches t + k,
 * the element thread t + 1 touched at iteration k - 1 (a copy-in at k then undoes t + 1's update, and threads
 * of different groups meet). Such a walk keeps the threads apart only when it steps by a multiple of the number
 * of threads it spreads over: a block-stride (`i += blockDim.x`), grid-stride (`i += blockDim.x * gridDim.x`),
 * warp-stride (`idx += gridDim.x * warp.meta_group_size()`, `j += warp.size()`) loop, or a lane's `j += 32` over
 * `threadIdx.x % 32`. Threadgroups likewise: a row counter started at blockIdx must step by a multiple of
 * gridDim. A counter started at a value every thread shares (`for (k = 0; k < TM; k++)`) walks the thread's
 * own row or digit, which the proofs judge as a local. Pure: reads the kernel's tree and texts.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { assignedIn, field, named } from "./cst.js";

const norm = (s: string) => s.replace(/\s+/g, "");

/** The unit the walk must keep apart: a block's threads, or a grid's threadgroups. */
export type WalkLevel = "thread" | "group";
const UNIT: Record<WalkLevel, { coord: RegExp; extent: RegExp; names: string }> = {
  thread: {
    coord: /threadIdx|thread_rank\s*\(|thread_position_in|thread_index_in|lane_id|laneid/,
    extent: /^(blockDim\.[xyz]|\w+\.meta_group_size\(\)|\w+\.size\(\)|\w+\.num_threads\(\)|warpSize|threads_per_threadgroup\.[xyz])$/,
    names: "blockDim (or a warp's or tile's size)",
  },
  group: { coord: /blockIdx|threadgroup_position_in_grid/, extent: /^(gridDim\.[xyz]|threadgroups_per_grid\.[xyz])$/, names: "gridDim" },
};

export interface Counter {
  name: string;
  start: string;
  /** the loop's condition, normalised */
  condition: string;
  step: string | undefined;
  update: string;
}

/**
 * Undefined when every for-loop counter that moves `text` (an access's owner or whole index) from the thread's
 * (or threadgroup's) own index steps over all of them, else why not. `defs` are the kernel's locals
 * (ownership.ts localDefinitions).
 */
export function walksApart(text: string, node: CudaNode, body: CudaNode, locals: Map<string, string>, level: WalkLevel, access: string): string | undefined {
  const defs = withIntegerMacros(locals, body);
  const counters = new Map<string, Counter>();
  collectCounters(text, node, body, defs, counters, 4);
  const { coord, extent, names } = UNIT[level];
  const who = level === "thread" ? "thread" : "threadgroup";
  for (const c of counters.values()) {
    const start = expandAll(c.start, defs);
    if (!coord.test(start)) continue;
    if (c.step !== undefined && spreads(expandAll(c.step, defs), bareAtoms(start), extent)) continue;
    return `${access} moves with the loop counter '${c.name}', which starts at the ${who}'s own index and steps by '${c.update}': a ${who} at a later iteration reaches an element another ${who} touched before, so the ${who}s do not keep to their own elements (only a step that is a multiple of ${names}, the ${who}s the walk spreads over, keeps them apart)`;
  }
  return undefined;
}

/**
 * The locals plus the file's object-like macros whose value is an integer literal (llm.c's `#define WARP_SIZE 32U`),
 * each as its plain number: a warp's index `threadIdx.x / WARP_SIZE` is then seen as `threadIdx.x / 32`. A local
 * of the same name hides the macro, as in the preprocessed source it could not (the macro would replace it).
 */
function withIntegerMacros(locals: Map<string, string>, body: CudaNode): Map<string, string> {
  const out = new Map(locals);
  for (const n of body.tree.rootNode.namedChildren) {
    if (n.type !== "preproc_def") continue;
    const name = field(n, "name")?.text;
    const value = /^\s*(\d+)[uUlL]*\s*$/.exec(field(n, "value")?.text ?? "")?.[1];
    if (name && value && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** Parentheses around one name or member (`(blockDim.x)/32`, left by expanding `BLOCK_SIZE = blockDim.x`) dropped. */
function bareAtoms(s: string): string {
  let t = s;
  for (let prev = ""; prev !== t; ) [prev, t] = [t, t.replace(/\(([A-Za-z_][\w.]*|\d+)\)/g, "$1")];
  return t;
}

/** A product with a factor that counts the walk's unit (an extent, or the literal a lane's remainder takes) and no subtraction. */
function spreads(step: string, start: string, extent: RegExp): boolean {
  const s = stripParens(bareAtoms(norm(step)));
  if (/-/.test(s) || topLevel(s, "+").length > 1) return false;
  const fs = topLevel(s, "*").map(stripParens);
  // a warp's index walks by the warps of a block (`blockDim.x / 32`), a lane's by the literal its remainder takes
  const warp = /\/(32|warpSize)\b|meta_group_rank\(\)/.test(start);
  return fs.some(
    (f) =>
      extent.test(f) || (warp && /^blockDim\.x\/(32|warpSize)$/.test(f)) || (/^\d+$/.test(f) && Number(f) > 1 && (start.includes(`%${f}`) || start.includes(`&${Number(f) - 1}`))),
  );
}

function expandAll(text: string, defs: Map<string, string>, depth = 4): string {
  if (depth === 0) return norm(text);
  // an object (`warp.size()`) or a function stays as named
  return norm(text).replace(/(?<![.\w])[A-Za-z_]\w*(?![\w.(])/g, (id) => (defs.get(id) ? `(${expandAll(defs.get(id)!, defs, depth - 1)})` : id));
}

/** The for-loop counters `text` names, directly or through the locals it is computed from. */
function collectCounters(text: string, node: CudaNode, body: CudaNode, defs: Map<string, string>, out: Map<string, Counter>, depth: number): void {
  for (const id of text.match(/(?<![.\w])[A-Za-z_]\w*/g) ?? []) {
    if (out.has(id)) continue;
    const c = counterOf(id, node, body);
    if (c) out.set(id, c);
    else if (depth > 0 && defs.get(id)) collectCounters(defs.get(id)!, node, body, defs, out, depth - 1);
  }
}

/** The for loop around `node` that declares `name` and steps it in its update: its start and step (`i++` → 1, `i += S`, `i = i + S`). */
export function counterOf(name: string, node: CudaNode, body: CudaNode): Counter | undefined {
  for (let n: CudaNode | null = node; n && n !== body; n = n.parent) {
    if (n.type !== "for_statement") continue;
    const init = field(n, "initializer");
    const decl = init?.type === "declaration" ? named(init).find((c) => c.type === "init_declarator" && field(c, "declarator")?.text === name) : undefined;
    const update = field(n, "update");
    if (!decl || !update || !assignedIn(update).has(name)) continue;
    const u = norm(update.text);
    const step =
      u === `++${name}` || u === `${name}++`
        ? "1"
        : (new RegExp(`^${name}\\+=(.+)$`).exec(u)?.[1] ?? new RegExp(`^${name}=${name}\\+(.+)$`).exec(u)?.[1] ?? new RegExp(`^${name}=(.+)\\+${name}$`).exec(u)?.[1]);
    return {
      name,
      start: norm(field(decl, "value")?.text ?? ""),
      condition: norm(field(n, "condition")?.text ?? ""),
      step: step !== undefined && /[-,=]|\+\+/.test(step) ? undefined : step,
      update: update.text,
    };
  }
  return undefined;
}

function stripParens(t: string): string {
  let s = t;
  while (/^\(.*\)$/.test(s) && closesLast(s)) s = s.slice(1, -1);
  return s;
}

/** `(a)(b)` is not one group: the parenthesis opened first closes last. */
function closesLast(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    depth += s[i] === "(" ? 1 : s[i] === ")" ? -1 : 0;
    if (depth === 0 && i < s.length - 1) return false;
  }
  return depth === 0;
}

function topLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "(") depth++;
    else if (s[i] === ")") depth--;
    else if (s[i] === sep && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}
