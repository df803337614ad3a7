/**
 * Pass `kernel-block-barrier`: libcu++'s block-scoped `cuda::barrier` with `cuda::memcpy_async` into it
 * (SGEMM_CUDA's 12_kernel_double_buffering) becomes a plain cooperative copy and a threadgroup barrier.
 * A barrier every thread of the block arrives at (`init(&bar, block.size())`) waited on with
 * `arrive_and_wait()` is `__syncthreads()`; `cuda::memcpy_async(&dst[i], &src[j], size, bar)` may complete
 * at any time before that wait, so copying at once is one of its executions: each becomes a loop of
 * element copies by the calling thread. The barrier objects, the pointers to them, their `init`s, and a
 * helper's barrier parameter (with its call sites' argument, and a template type parameter it alone
 * used) go. Anything else of the kind (a barrier of fewer threads than the block, `arrive()` and `wait()`
 * apart, a copy not of `&x[i]` form) leaves the text as it is, and C2M-K042 names the libcu++ use.
 *
 * Reads the text after preprocessing; writes a text of the same lines (edits stay within their lines
 * or blank whole ones). The CUDA original --verify runs keeps libcu++ (the emulator has a shim). Pure.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { callArgs, calleeName, field, fields, named, unparen, walk } from "./cst.js";

/** The thread counts that are the whole block. */
const WHOLE_BLOCK = /^(?:\w+\.size\(\)|(?:cooperative_groups|cg)::this_thread_block\(\)\.size\(\)|blockDim\.x\s*\*\s*blockDim\.y\s*\*\s*blockDim\.z)$/;

interface Edit {
  start: number;
  end: number;
  text: string;
}

export function lowerBlockBarriers(text: string): string {
  if (!/\bcuda::(?:barrier|memcpy_async)\b/.test(text)) return text;
  const root = parseCuda(text).rootNode;
  const edits: Edit[] = [];
  const blank = (n: CudaNode) => edits.push({ start: n.startIndex, end: n.endIndex, text: "" });
  const functions: CudaNode[] = [];
  walk(root, (n) => {
    if (n.type === "function_definition") functions.push(n);
    return n.type !== "function_definition";
  });
  // barriers (shared objects), pointers to them, and helper parameters bound to them
  const barriers = new Set<string>();
  const params = new Map<string, { fn: CudaNode; index: number; name: string }[]>();
  const names = (fn: CudaNode) => field(field(fn, "declarator") ?? fn, "declarator")?.text ?? "";
  const isBarrier = (n: CudaNode | undefined, local: Set<string>): boolean => {
    if (!n) return false;
    let e = unparen(n);
    if (e.type === "pointer_expression") e = unparen(field(e, "argument") ?? e);
    return e.type === "identifier" && local.has(e.text);
  };
  for (const fn of functions) {
    const local = new Set<string>();
    const body = field(fn, "body");
    if (!body) continue;
    // a parameter used as memcpy_async's barrier or waited on: the helper's barrier
    const plist = field(field(fn, "declarator") ?? fn, "parameters");
    const ps = plist ? named(plist).filter((p) => p.type === "parameter_declaration") : [];
    ps.forEach((p, index) => {
      const name = /(\w+)\s*$/.exec(field(p, "declarator")?.text ?? "")?.[1] ?? "";
      if (!/&/.test(field(p, "declarator")?.text ?? "")) return;
      const used = new RegExp(`\\bcuda::memcpy_async\\s*\\([^;]*,\\s*${name}\\s*\\)|\\b${name}\\s*\\.\\s*arrive_and_wait\\s*\\(`).test(body.text);
      if (used) {
        local.add(name);
        params.set(names(fn), [...(params.get(names(fn)) ?? []), { fn, index, name }]);
        edits.push(argRemoval(ps, index));
      }
    });
    let bad = false;
    walk(body, (n) => {
      if (n.type === "declaration") {
        const type = field(n, "type")?.text ?? "";
        const ds = fields(n, "declarator");
        if (/^cuda::barrier\s*</.test(type)) {
          for (const d of ds) local.add(d.text.trim());
          barriers.add(type);
          blank(n);
          return false;
        }
        // `auto p = &bar;`, `auto tmp = p;`
        const inits = ds.map((d) => (d.type === "init_declarator" ? field(d, "value") : null));
        if (ds.length === 1 && inits[0] && isBarrier(inits[0], local)) {
          local.add(declName(ds[0]!));
          blank(n);
          return false;
        }
      }
      if (n.type === "expression_statement") {
        const e = named(n)[0];
        // `p = q;` between barrier pointers
        if (e?.type === "assignment_expression" && isBarrier(field(e, "left") ?? undefined, local) && isBarrier(field(e, "right") ?? undefined, local)) {
          blank(n);
          return false;
        }
        if (e?.type === "call_expression") {
          const name = calleeName(e);
          const args = callArgs(e);
          if ((name === "init" || name === "cuda::init") && isBarrier(args[0], local)) {
            if (!WHOLE_BLOCK.test((args[1]?.text ?? "").replace(/\s+/g, ""))) bad = true;
            blank(n);
            return false;
          }
          if (name === "cuda::memcpy_async") {
            const copy = args.length === 4 && isBarrier(args[3], local) ? elementCopy(args[0]!, args[1]!, args[2]!) : undefined;
            if (!copy) bad = true;
            else edits.push({ start: n.startIndex, end: n.endIndex, text: copy });
            return false;
          }
        }
      }
      if (n.type === "call_expression") {
        const fnNode = field(n, "function");
        if (fnNode?.type === "field_expression" && field(fnNode, "field")?.text === "arrive_and_wait" && isBarrier(field(fnNode, "argument") ?? undefined, local)) {
          edits.push({ start: n.startIndex, end: n.endIndex, text: "__syncthreads()" });
          return false;
        }
        // a helper's barrier argument
        const helper = params.get(calleeName(n) ?? "");
        const args = callArgs(n);
        for (const p of helper ?? []) if (args[p.index] && isBarrier(args[p.index], local)) edits.push(argRemoval(args, p.index));
      }
      return true;
    });
    if (bad) return text;
  }
  // a template type parameter only the removed barrier parameter used (`typename T` of `T &barrier`)
  for (const list of params.values())
    for (const p of list) {
      const tdecl = p.fn.parent?.type === "template_declaration" ? p.fn.parent : undefined;
      const plist = field(field(p.fn, "declarator") ?? p.fn, "parameters");
      const decl = plist ? named(plist).filter((x) => x.type === "parameter_declaration")[p.index] : undefined;
      const t = decl ? field(decl, "type")?.text.trim() : undefined;
      const tps = tdecl ? named(field(tdecl, "parameters") ?? tdecl) : [];
      const ti = tps.findIndex((x) => x.type === "type_parameter_declaration" && x.text.replace(/^(typename|class)\s+/, "").trim() === t);
      const rest = p.fn.text.replace(decl?.text ?? "", "");
      if (ti < 0 || !t || new RegExp(`\\b${t}\\b`).test(rest)) continue;
      // its only parameter: no `template <>` left, which would be an explicit specialisation
      if (tps.length === 1) edits.push({ start: tdecl!.startIndex, end: field(tdecl!, "parameters")!.endIndex, text: "" });
      else edits.push(argRemoval(tps, ti));
    }
  return apply(text, edits);
}

function declName(d: CudaNode): string {
  return (d.type === "init_declarator" ? field(d, "declarator") : d)?.text.replace(/[*&\s]/g, "") ?? "";
}

/** `cuda::memcpy_async(&As[i], &A[j], cuda::aligned_size_t<16>(sizeof(float4)), bar);` → one loop of element copies. */
function elementCopy(dst: CudaNode, src: CudaNode, size: CudaNode): string | undefined {
  const at = (n: CudaNode) => {
    const e = unparen(n);
    if (e.type !== "pointer_expression" || field(e, "operator")?.text !== "&") return undefined;
    const s = unparen(field(e, "argument")!);
    if (s.type !== "subscript_expression") return undefined;
    const base = field(s, "argument")?.text;
    const index = field(s, "indices")?.text.replace(/^\[|\]$/g, "");
    return base && index ? { base, index } : undefined;
  };
  const d = at(dst);
  const s = at(src);
  if (!d || !s) return undefined;
  const aligned = /^cuda::aligned_size_t\s*<[^>]*>\s*\(([\s\S]*)\)$/.exec(size.text.trim());
  const bytes = (aligned ? aligned[1]! : size.text).replace(/\s+/g, " ");
  return `for (int c2m_k = 0; c2m_k < (int)((${bytes}) / sizeof(${d.base}[0])); ++c2m_k) ${d.base}[(${d.index}) + c2m_k] = ${s.base}[(${s.index}) + c2m_k];`;
}

/** The removal of item `i` of a comma-separated list, with one of its commas. */
function argRemoval(items: readonly CudaNode[], i: number): Edit {
  const item = items[i]!;
  if (i > 0) return { start: items[i - 1]!.endIndex, end: item.endIndex, text: "" };
  const next = items[i + 1];
  return { start: item.startIndex, end: next ? next.startIndex : item.endIndex, text: "" };
}

/** Applies edits, keeping every line break an edit removes so that the text keeps its lines. */
function apply(text: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos) continue;
    const removed = text.slice(e.start, e.end);
    const breaks = removed.split("\n").length - 1;
    const kept = e.text.split("\n").length - 1;
    out += text.slice(pos, e.start) + e.text + "\n".repeat(Math.max(0, breaks - kept));
    pos = e.end;
  }
  return out + text.slice(pos);
}
