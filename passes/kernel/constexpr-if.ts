/**
 * Pass `kernel-constexpr-if`: a `__global__` kernel template whose body branches with `if constexpr` on a
 * bool template parameter (llm.c's matmul_backward_bias_kernel8: `template<typename OutFloat, bool Atomic>`,
 * `if constexpr (!Atomic) { dbias[i] = a + dbias[i]; } else { atomicAdd(dbias + i, a); }`) is, as the compiler
 * instantiates it, one kernel per value, each holding only its branch: the two branches may need different
 * translations (an in-place buffer in one, an atomic output in the other), and MSL (C++14) has no
 * `if constexpr`. Each copy keeps the template's parameters (the bool still arrives as MLX's template value,
 * now unused) and is named `<kernel>__c2m_<P>_<value>`; the other branch's text becomes spaces, so every copy
 * keeps the template's lines. compileKernels (src/kernel/index.ts) gives the copies the kernel's name back,
 * and a launch picks its copy by its template arguments.
 *
 * Specialised only when every `if constexpr` condition of the kernel is made of its bool template parameters
 * (or local `constexpr bool` names of them), `!`, `&&`, `||`, parentheses, `true` and `false`. Reads the preprocessed text; writes a new text whose line
 * `i` came from line `lineOf[i]` of the input. Pure.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { field, named, walk } from "./cst.js";

export interface ConstexprSpecialised {
  text: string;
  /** per output line (0-based), the input line it came from */
  lineOf: number[];
  /** copy name → the kernel and the template values it holds */
  copies: Map<string, { kernel: string; when: Record<string, boolean> }>;
}

/** `<kernel>__c2m_<P>_<value>...`: the copy's name. */
export function copyName(kernel: string, when: Record<string, boolean>): string {
  return `${kernel}__c2m_${Object.entries(when)
    .map(([p, v]) => `${p}_${v}`)
    .join("_")}`;
}

export function specialiseConstexprIf(text: string): ConstexprSpecialised {
  const lines = text.split("\n");
  const identity: ConstexprSpecialised = { text, lineOf: lines.map((_, i) => i), copies: new Map() };
  if (!/\bif\s+constexpr\b/.test(text)) return identity;
  const tree = parseCuda(text);
  const jobs: { decl: CudaNode; name: CudaNode; params: string[]; ifs: CudaNode[]; aliases: Map<string, string> }[] = [];
  for (const decl of named(tree.rootNode)) {
    if (decl.type !== "template_declaration" || !/__global__/.test(decl.text)) continue;
    const fn = named(decl).find((c) => c.type === "function_definition");
    const body = fn ? field(fn, "body") : null;
    const name = fn ? functionName(fn) : undefined;
    if (!fn || !body || !name) continue;
    const bools = named(named(decl).find((c) => c.type === "template_parameter_list") ?? decl)
      .filter((p) => p.type === "parameter_declaration" && field(p, "type")?.text === "bool")
      .map((p) => field(p, "declarator")?.text ?? "")
      .filter(Boolean);
    const ifs: CudaNode[] = [];
    walk(body, (n) => {
      if (n.type === "if_statement" && /^if\s+constexpr\b/.test(n.text)) ifs.push(n);
    });
    if (!ifs.length || !bools.length) continue;
    const aliases = boolAliases(body, bools);
    const names = (b: string) => [b, ...[...aliases].filter(([, p]) => p === b).map(([a]) => a)];
    const used = bools.filter((b) => ifs.some((i) => names(b).some((n) => new RegExp(`\\b${n}\\b`).test(conditionText(i)))));
    const allFalse = withAliases(Object.fromEntries(used.map((b) => [b, false])), aliases);
    if (!used.length || ifs.some((i) => evaluate(conditionText(i), allFalse) === undefined)) continue;
    jobs.push({ decl, name, params: used, ifs, aliases });
  }
  if (!jobs.length) return identity;
  const copies = new Map<string, { kernel: string; when: Record<string, boolean> }>();
  const out: string[] = [];
  const lineOf: number[] = [];
  let next = 0;
  for (const job of jobs) {
    const first = job.decl.startPosition.row;
    const last = job.decl.endPosition.row;
    for (let i = next; i < first; i++) {
      out.push(lines[i]!);
      lineOf.push(i);
    }
    // the declaration's own lines, whole: from the start of its first line to the end of its last
    const start = text.split("\n").slice(0, first).join("\n").length + (first ? 1 : 0);
    const end = start + lines.slice(first, last + 1).join("\n").length;
    for (const when of assignments(job.params)) {
      const name = copyName(job.name.text, when);
      copies.set(name, { kernel: job.name.text, when });
      const edits: { from: number; to: number; text?: string }[] = [{ from: job.name.startIndex, to: job.name.endIndex, text: name }];
      for (const i of job.ifs) {
        const keep = evaluate(conditionText(i), withAliases(when, job.aliases)) ? field(i, "consequence") : (named(i).find((c) => c.type === "else_clause") ?? null);
        const kept = keep?.type === "else_clause" ? named(keep)[0] : keep;
        if (kept) edits.push({ from: i.startIndex, to: kept.startIndex }, { from: kept.endIndex, to: i.endIndex });
        else edits.push({ from: i.startIndex, to: i.endIndex });
      }
      edits.sort((a, b) => b.from - a.from);
      let copy = text.slice(start, end);
      for (const e of edits) {
        const gone = copy.slice(e.from - start, e.to - start);
        copy = copy.slice(0, e.from - start) + (e.text ?? gone.replace(/[^\n]/g, " ")) + copy.slice(e.to - start);
      }
      copy.split("\n").forEach((l, j) => {
        out.push(l);
        lineOf.push(first + j);
      });
    }
    next = last + 1;
  }
  for (let i = next; i < lines.length; i++) {
    out.push(lines[i]!);
    lineOf.push(i);
  }
  return { text: out.join("\n"), lineOf, copies };
}

function functionName(fn: CudaNode): CudaNode | undefined {
  let d: CudaNode | null = field(fn, "declarator");
  while (d && d.type !== "function_declarator") d = field(d, "declarator");
  const id = d ? field(d, "declarator") : null;
  return id?.type === "identifier" ? id : undefined;
}

/**
 * `static constexpr bool kIsVecLoad = Ktraits::kIsVecLoad;` at the top of the body, which the traits pass makes
 * `= (kIsVecLoad_);` (causal-conv1d): a local name for a bool template parameter, branched on in its place.
 */
function boolAliases(body: CudaNode, bools: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of named(body)) {
    const m = d.type === "declaration" ? /^(?:static\s+)?constexpr\s+(?:const\s+)?bool\s+(\w+)\s*=\s*\(*\s*(\w+)\s*\)*\s*;$/.exec(d.text.trim()) : null;
    if (m && bools.includes(m[2]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

function withAliases(values: Record<string, boolean>, aliases: Map<string, string>): Record<string, boolean> {
  const out = { ...values };
  for (const [a, p] of aliases) if (p in values) out[a] = values[p]!;
  return out;
}

function conditionText(i: CudaNode): string {
  return (field(i, "condition")?.text ?? "").replace(/^\(|\)$/g, "");
}

/** Every combination of values of the parameters, false first. */
function assignments(params: string[]): Record<string, boolean>[] {
  return params.reduce<Record<string, boolean>[]>(
    (acc, p) =>
      acc.flatMap((a) => [
        { ...a, [p]: false },
        { ...a, [p]: true },
      ]),
    [{}],
  );
}

/** A condition of bool parameters, `!`, `&&`, `||`, parentheses, `true` and `false`; undefined for anything else. */
export function evaluate(cond: string, values: Record<string, boolean>): boolean | undefined {
  const tokens = cond.match(/&&|\|\||!|\(|\)|[A-Za-z_]\w*|\S/g) ?? [];
  let pos = 0;
  const atom = (): boolean | undefined => {
    const t = tokens[pos++];
    if (t === "!") {
      const v = atom();
      return v === undefined ? undefined : !v;
    }
    if (t === "(") {
      const v = or();
      return tokens[pos++] === ")" ? v : undefined;
    }
    if (t === "true" || t === "false") return t === "true";
    return t !== undefined && Object.hasOwn(values, t) ? values[t] : undefined;
  };
  const and = (): boolean | undefined => {
    let v = atom();
    while (tokens[pos] === "&&") {
      pos++;
      const w = atom();
      v = v === undefined || w === undefined ? undefined : v && w;
    }
    return v;
  };
  const or = (): boolean | undefined => {
    let v = and();
    while (tokens[pos] === "||") {
      pos++;
      const w = and();
      v = v === undefined || w === undefined ? undefined : v || w;
    }
    return v;
  };
  const v = or();
  return pos === tokens.length ? v : undefined;
}
