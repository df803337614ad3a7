/**
 * What a synthesised launch (synth-spec.ts) learns from the kernel's own code about the values its inputs
 * must take for the launch to do real work, read from the CUDA body the harness compiles:
 *  - a float buffer whose elements the kernel turns into integers, alone or scaled (`int64_t(rand[i] * n)`, a
 *    fraction picking one of n), is an index (mmcv's RoI kernels:
 *    `int roi_batch_ind = offset_rois[0];` picks the batch): random values in [-2, 2) make negative
 *    indices and wild pointers, so it is drawn from [0, 1): index 0, in range whatever the sizes (index 1 of
 *    a batch of S * S * S elements already lands past a buffer of the first size, further than the
 *    emulator's guard pages reach, where a read finds another buffer's data instead of a fault);
 *  - an int parameter the kernel only compares with literals (`pool_mode == 0`, `switch (mode)`) is a
 *    mode: S matches no branch and the launch writes nothing, so it takes the first literal compared;
 *  - an int parameter that bounds a loop over the global thread index (`CUDA_1D_KERNEL_LOOP(index,
 *    nthreads)`) counts work items that the other int parameters split into axes (`index / w / h`): when
 *    a launch with every int S writes nothing, it is retried with S^3 of them;
 *  - a thread coordinate switched on (`extreme_idx = threadIdx.y; switch (extreme_idx)`) with N cases and no
 *    default takes N values: a larger block leaves the others' variables unset, so the block is N wide there
 *    (along y or z);
 *  - an int buffer whose elements place a thread's writes (`const int index = rays_alive[n]; rays_t += index;
 *    rays_t[0] = t;`, torch-ngp's composite_rays) holds distinct ids: random ids repeat, two threads then
 *    write one element and the result depends on thread order, which no real caller's ids do;
 *  - an int buffer read at both `p[e]` and `p[e + 1]` (a CSR pointer array, pytorch_cluster's `rowptr`: node n's
 *    edges are [rowptr[n], rowptr[n + 1])) ascends: random values make negative extents, and a loop over them reads
 *    before its buffer (`col[rowptr[n] + rnd]` at index -21).
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { canonicalTypeName, field, named, unparen, walk } from "../../passes/kernel/cst.js";
import { SCALAR_TYPES } from "../../passes/kernel/tables.js";
import type { CompiledKernel } from "./index.js";

/** The floats an index buffer is drawn from: truncated, 0. */
export const INDEX_FLOAT_DOMAIN: [number, number] = [0, 1];

export interface SynthDomain {
  /** float buffers whose elements the kernel converts to integers */
  indexFloats: Set<string>;
  /** int parameters compared only with literals: the first literal */
  modes: Map<string, number>;
  /** int parameters bounding a loop over the global thread index */
  workCounts: Set<string>;
  /** a block extent a switch on a thread coordinate implies */
  switchedBlock: Partial<Record<"x" | "y" | "z", number>>;
  /** int buffers whose elements place the writes of a thread: distinct values */
  writeIds: Set<string>;
  /** int buffers read at `p[e]` and `p[e + 1]`: CSR pointers, ascending */
  csrPointers: Set<string>;
}

const isInteger = (type: string): boolean => !!SCALAR_TYPES[canonicalTypeName(type.replace(/\b(const|volatile|static|register)\b/g, ""))]?.integer;
const isFloatDtype = (d: string): boolean => !/^(u?int|bool)/.test(d);

export function synthDomain(k: CompiledKernel): SynthDomain {
  const root = parseCuda(`__global__ void c2m_synth_body() {\n${k.cuda.source}\n}\n`).rootNode;
  const floatBuffers = new Set(k.params.filter((p) => p.kind === "buffer" && isFloatDtype(String(p.dtype))).map((p) => p.name));
  const intScalars = new Set(k.params.filter((p) => p.kind === "scalar" && /^u?int/.test(String(p.dtype))).map((p) => p.name));
  const intBuffers = new Set(k.params.filter((p) => p.kind === "buffer" && !isFloatDtype(String(p.dtype))).map((p) => p.name));
  const written = new Set(k.params.filter((p) => p.kind === "buffer" && p.role !== "input" && p.role !== "unused").map((p) => p.name));
  return {
    indexFloats: indexFloats(root, floatBuffers),
    modes: modes(root, intScalars),
    workCounts: workCounts(root, intScalars),
    switchedBlock: switchedBlock(root),
    writeIds: writeIds(root, intBuffers, written),
    csrPointers: csrPointers(root, intBuffers),
  };
}

/** The buffer a pointer expression points into (`rois + n * 5`, `offset_rois`), through local aliases. */
function pointerRoot(n: CudaNode | null, aliases: Map<string, string>): string | undefined {
  if (!n) return undefined;
  const e = unparen(n);
  if (e.type === "identifier") return aliases.get(e.text);
  if (e.type === "binary_expression" && /^[+-]$/.test(field(e, "operator")?.text ?? "")) return pointerRoot(field(e, "left"), aliases) ?? pointerRoot(field(e, "right"), aliases);
  if (e.type === "cast_expression") return pointerRoot(field(e, "value"), aliases);
  return undefined;
}

/** The buffer an element read (`p[i]`, `*p`, `*(p + 1)`) reads, or undefined. */
function elementRoot(n: CudaNode | null, aliases: Map<string, string>): string | undefined {
  if (!n) return undefined;
  const e = unparen(n);
  if (e.type === "subscript_expression") return pointerRoot(field(e, "argument"), aliases);
  if (e.type === "pointer_expression" && field(e, "operator")?.text === "*") return pointerRoot(field(e, "argument"), aliases);
  return undefined;
}

function indexFloats(root: CudaNode, floatBuffers: Set<string>): Set<string> {
  // every pointer starts as its own root; a local pointer initialised or assigned from one joins its root
  const aliases = new Map([...floatBuffers].map((b) => [b, b]));
  const out = new Set<string>();
  // the element itself, or an element scaled (`int64_t(rand[i] * (row_end - row_start))`: a fraction picking one of n)
  const converted = (value: CudaNode | null) => {
    const e = value ? unparen(value) : null;
    const scaled = e?.type === "binary_expression" && field(e, "operator")?.text === "*" ? [field(e, "left"), field(e, "right")] : [e];
    for (const v of scaled) {
      const r = elementRoot(v, aliases);
      if (r) out.add(r);
    }
  };
  walk(root, (n) => {
    if (n.type === "declaration") {
      const type = field(n, "type")?.text ?? "";
      for (const d of named(n).filter((c) => c.fieldName === "declarator" && c.type === "init_declarator")) {
        const target = field(d, "declarator");
        const value = field(d, "value");
        if (target?.type === "pointer_declarator") {
          const name = named(target).find((c) => c.type === "identifier")?.text;
          const r = pointerRoot(value, aliases);
          if (name && r) aliases.set(name, r);
        } else if (target?.type === "identifier" && isInteger(type)) converted(value);
      }
    } else if (n.type === "assignment_expression" && field(n, "left")?.type === "identifier") {
      const r = pointerRoot(field(n, "right"), aliases);
      if (r && field(n, "operator")?.text === "=") aliases.set(field(n, "left")!.text, r);
    } else if (n.type === "cast_expression" && isInteger(field(n, "type")?.text ?? "")) {
      converted(field(n, "value"));
    } else if (n.type === "call_expression" && field(n, "function")?.type === "primitive_type" && isInteger(field(n, "function")!.text)) {
      // a functional cast, `int64_t(x)`
      converted(named(field(n, "arguments") ?? n)[0] ?? null);
    } else if (n.type === "call_expression" && /^static_cast<\s*[\w\s]+>$/.test(field(n, "function")?.text ?? "")) {
      const t = /^static_cast<\s*([\w\s]+)>$/.exec(field(n, "function")!.text)![1]!;
      if (isInteger(t)) converted(named(field(n, "arguments") ?? n)[0] ?? null);
    }
  });
  return out;
}

function modes(root: CudaNode, ints: Set<string>): Map<string, number> {
  const literals = new Map<string, number[]>();
  const other = new Set<string>();
  walk(root, (n) => {
    if (n.type !== "identifier" || !ints.has(n.text)) return;
    const p = n.parent;
    // `const int mode = mode_arg[0];`: the binding of the parameter, not a use
    if (p?.type === "init_declarator" && n.fieldName === "declarator") return;
    const q = p?.type === "parenthesized_expression" ? p.parent : p;
    if (p?.type === "binary_expression" && /^[!=]=$/.test(field(p, "operator")?.text ?? "")) {
      const lit = [field(p, "left"), field(p, "right")].find((s) => s !== n && s?.type === "number_literal");
      if (lit && /^\d+$/.test(lit.text)) return void literals.set(n.text, [...(literals.get(n.text) ?? []), Number(lit.text)]);
    } else if (q?.type === "condition_clause" && q.parent?.type === "switch_statement") {
      const cases: number[] = [];
      walk(q.parent, (c) => {
        if (c.type === "case_statement" && field(c, "value")?.type === "number_literal") cases.push(Number(field(c, "value")!.text));
        return c === q.parent || c.type !== "switch_statement";
      });
      if (cases.length) return void literals.set(n.text, [...(literals.get(n.text) ?? []), ...cases]);
    }
    other.add(n.text);
  });
  return new Map([...literals].filter(([name]) => !other.has(name)).map(([name, v]) => [name, v[0]!]));
}

function workCounts(root: CudaNode, ints: Set<string>): Set<string> {
  const out = new Set<string>();
  walk(root, (n) => {
    if (n.type !== "for_statement") return;
    const init = field(n, "initializer")?.text ?? "";
    const cond = field(n, "condition");
    if (!/\bblockIdx\b/.test(init) || !/\bthreadIdx\b/.test(init) || cond?.type !== "binary_expression" || !/^<=?$/.test(field(cond, "operator")?.text ?? "")) return;
    const bound = unparen(field(cond, "right")!);
    if (bound.type === "identifier" && ints.has(bound.text)) out.add(bound.text);
  });
  return out;
}

function switchedBlock(root: CudaNode): Partial<Record<"x" | "y" | "z", number>> {
  const coordOf = new Map<string, "x" | "y" | "z">();
  walk(root, (n) => {
    // `extreme_idx = threadIdx.y;` or `int lane = threadIdx.y;`
    const [target, value] =
      n.type === "assignment_expression" ? [field(n, "left"), field(n, "right")] : n.type === "init_declarator" ? [field(n, "declarator"), field(n, "value")] : [null, null];
    const m = value ? /^threadIdx\s*\.\s*([xyz])$/.exec(unparen(value).text) : null;
    if (target?.type === "identifier" && m) coordOf.set(target.text, m[1] as "x" | "y" | "z");
  });
  const out: Partial<Record<"x" | "y" | "z", number>> = {};
  walk(root, (n) => {
    if (n.type !== "switch_statement") return;
    const subject = unparen(named(field(n, "condition") ?? n)[0] ?? n).text;
    const axis = coordOf.get(subject) ?? (/^threadIdx\s*\.\s*([xyz])$/.exec(subject)?.[1] as "x" | "y" | "z" | undefined);
    // along x a switch is a few lanes' special case (`case 0:` the leader) more often than the block's extent
    if (!axis || axis === "x") return;
    let cases = 0;
    let fallback = false;
    walk(field(n, "body") ?? n, (c) => {
      if (c.type === "case_statement") field(c, "value") ? cases++ : (fallback = true);
      return c.type !== "switch_statement" || c === field(n, "body");
    });
    if (cases && !fallback) out[axis] = cases;
  });
  return out;
}

/**
 * The int buffers whose elements offset a written buffer: `P += id` / `P[id] = v` with `id` a local read
 * from the int buffer (`const int index = ids[n];`) or the element read itself (`P[ids[n]] = v`).
 */
function writeIds(root: CudaNode, intBuffers: Set<string>, written: Set<string>): Set<string> {
  const self = new Map([...intBuffers].map((b) => [b, b]));
  const ids = new Map<string, string>();
  walk(root, (n) => {
    if (n.type !== "init_declarator" || field(n, "declarator")?.type !== "identifier") return;
    const value = field(n, "value");
    // an owned element (an in-place buffer's read, passes/kernel: `c2m_own(ids, ids_in, touched, n, 1)`) reads its first argument
    const owned = value?.type === "call_expression" && field(value, "function")?.text === "c2m_own" ? named(field(value, "arguments") ?? value)[0]?.text : undefined;
    const r = owned && intBuffers.has(owned) ? owned : elementRoot(value, self);
    if (r) ids.set(field(n, "declarator")!.text, r);
  });
  const out = new Set<string>();
  const idsIn = (e: CudaNode | null) =>
    e &&
    walk(e, (c) => {
      if (c.type === "identifier" && ids.has(c.text)) out.add(ids.get(c.text)!);
      const r = c.type === "subscript_expression" ? elementRoot(c, self) : undefined;
      if (r) out.add(r);
    });
  walk(root, (n) => {
    if (n.type !== "assignment_expression") return;
    const left = unparen(field(n, "left")!);
    const op = field(n, "operator")?.text ?? "";
    if (left.type === "identifier" && written.has(left.text) && /^[+-]=$/.test(op)) idsIn(field(n, "right"));
    else if (left.type === "subscript_expression" && written.has(unparen(field(left, "argument")!).text))
      idsIn(named(left).find((c) => c.fieldName === "indices" || c.type === "subscript_argument_list") ?? null);
    else if (left.type === "call_expression" && field(left, "function")?.text === "c2m_own") {
      // a store taking its element over (a write-only or in-place buffer: `c2m_own(out, out_in, out_touched, E, 1) = v`)
      const args = named(field(left, "arguments") ?? left);
      if (args[0] && written.has(args[0].text)) idsIn(args[3] ?? null);
    }
  });
  return out;
}

/** The int buffers read at both `p[e]` and `p[e + 1]` (the same `e`, as written): the bounds of a CSR row. */
function csrPointers(root: CudaNode, intBuffers: Set<string>): Set<string> {
  const indices = new Map<string, Set<string>>();
  walk(root, (n) => {
    if (n.type !== "subscript_expression") return;
    const base = unparen(field(n, "argument")!);
    if (base.type !== "identifier" || !intBuffers.has(base.text)) return;
    const index = named(n).find((c) => c.fieldName === "indices" || c.type === "subscript_argument_list") ?? field(n, "index");
    const e = index?.type === "subscript_argument_list" ? named(index)[0] : index;
    // `rays[n * 3]`, `rays[n * 3 + 1]`: the fields of a record, not the bounds of a row
    if (!e || (unparen(e).type === "binary_expression" && /^(\*|<<)$/.test(field(unparen(e), "operator")?.text ?? ""))) return;
    indices.set(base.text, (indices.get(base.text) ?? new Set()).add(e.text.replace(/\s+/g, "")));
  });
  const out = new Set<string>();
  for (const [b, seen] of indices) if ([...seen].some((e) => seen.has(`${e}+1`) || seen.has(`(${e})+1`))) out.add(b);
  return out;
}
