/**
 * CUDA printer for `mx.fast.cuda_kernel`: the same kernel as the Metal one, with the same inputs,
 * outputs, grid and threadgroup, but its body is the CUDA original, so a translated module also runs on
 * MLX's CUDA backend.
 *
 * MLX generates the signature itself (`const T* <input>`, `T* <output>`; scalars arrive as one-element
 * arrays), so every parameter reaches the body under a `<name>_arg` buffer and a prologue re-declares it
 * exactly as the kernel declared it. The body after that is the original text; only the buffer plan's
 * edits are applied: an in-place buffer is copied in (and marked) just before the statement that updates
 * it, as the Metal body does, since MLX outputs start fresh. The header holds the original `__device__`
 * functions, structs and macros the kernel uses.
 */
import type { CudaNode } from "../grammar/cuda.js";
import type { KFunction, KernelUnit } from "../ir/kernel.js";
import type { KernelAnalysis } from "../passes/kernel/buffers.js";
import { callArgs, calleeName, canonicalTypeName, dedentBody, field, kids, named, resultUsed, subscriptIndices, unparen, walk } from "../passes/kernel/cst.js";
import { accessNode } from "../passes/kernel/buffers.js";
import { spanOffset, spanParts } from "../passes/kernel/inout-plans.js";
import { callerBase } from "../passes/kernel/caller-reads.js";
import { moveTwin, pointerMove } from "../passes/kernel/inout-moves.js";
import { reachableDeclarations, templateBase } from "../passes/kernel/extract.js";
import { coopInfo } from "./coop.js";
import { inNamespaces } from "./namespaces.js";
import { enumTemplateParamsAsInt } from "./metal-types.js";
import { offsetEdits, rewrittenWhole } from "./cuda-offset.js";
import { ATOMIC_ACCUMULATE, ATOMIC_FUNCTIONS, COOPERATIVE_GROUPS, SCALAR_TYPES, VECTOR_TYPES } from "../passes/kernel/tables.js";
import { isTraitArgument, traitArgumentFamily } from "../passes/kernel/half-family.js";
import { atenCompoundType } from "../passes/kernel/aten-compound.js";
import { nameTable } from "../ir/tables.js";

export interface CudaKernel {
  source: string;
  header: string;
  inputNames: string[];
  outputNames: string[];
}

const ARG = "_arg";

export function printCudaKernel(unit: KernelUnit, analysis: KernelAnalysis): CudaKernel {
  const k = analysis.kernel;
  const byParam = new Map(analysis.buffers.map((b) => [b.param, b]));
  const inputNames: string[] = [];
  const outputNames: string[] = [];
  const masks: string[] = [];
  const prologue: string[] = [];
  /** source offset → text inserted there (copy-ins before statements, twins after row-pointer declarations); `end`: replaces up to it */
  const inserts: Edit[] = [];
  const offsetHelpers: string[] = [];
  let own = false;
  let take = false;
  let readThrough = false;

  for (const p of k.params) {
    // without its default (`int* partial_sums = NULL`): the declaration is bound to the buffer MLX passes
    const decl = declarationText(unit, p.node, p.defaultValue);
    const plan = byParam.get(p.name);
    if (!plan) {
      inputNames.push(p.name + ARG);
      // a vector passed by value arrives as a 1-D array of its components (as in the Metal body)
      const t = p.type;
      // an enum parameter arrives as its int value (passes/kernel/enum-params.ts), which C++ converts only by a cast
      const init =
        t.kind === "vector"
          ? `{${Array.from({ length: t.width }, (_, i) => `${p.name}${ARG}[${i}]`).join(", ")}}`
          : p.enumType
            ? `static_cast<${p.enumType}>(${p.name}${ARG}[0])`
            : `${p.name}${ARG}[0]`;
      prologue.push(`${decl} = ${init};`);
      continue;
    }
    // decltype(x) is the parameter's own declared type: the name is in scope in its initializer
    const bind = (from: string) => `${decl} = (decltype(${p.name}))${from};`;
    switch (plan.role) {
      case "input":
      case "unused":
        inputNames.push(p.name + ARG);
        prologue.push(bind(p.name + ARG));
        break;
      case "output":
        outputNames.push(p.name + ARG);
        prologue.push(bind(p.name + ARG));
        break;
      case "atomic-accumulate":
        outputNames.push(p.name + ARG);
        prologue.push(bind(p.name + ARG));
        if (plan.foldsFetched) {
          // as the Metal body: a returned value gets the caller's element at the same offset folded in
          inputNames.push(`${p.name}_in${ARG}`);
          prologue.push(`auto ${p.name}_in = (decltype(${p.name}))${p.name}_in${ARG};`, `auto const ${p.name}_base = ${p.name};`);
          foldEdits(analysis, p.name, ATOMIC_ACCUMULATE[plan.atomicOp!]!.fold.cuda, inserts);
        }
        if (plan.offsetFromCaller) offsetHelpers.push(...offsetEdits(analysis, p.name, inserts));
        break;
      case "inout-copy": {
        inputNames.push(`${p.name}_in${ARG}`);
        outputNames.push(p.name + ARG);
        masks.push(`${p.name}_touched`);
        prologue.push(bind(p.name + ARG), `auto ${p.name}_in = (decltype(${p.name}))${p.name}_in${ARG};`);
        if (plan.readThrough) {
          readThrough = true;
          readThroughEdits(analysis, p.name, inserts);
          break;
        }
        if (plan.takeOnAtomic) {
          take = true;
          takeEdits(analysis, p.name, inserts);
          break;
        }
        if (plan.ownAccess) {
          own = true;
          ownEdits(analysis, p.name, plan.ownAccess, plan.pointee.kind === "vector" ? VECTOR_TYPES[plan.pointee.name]!.width : 1, inserts);
          break;
        }
        if (plan.copyBeforeCall) {
          const c = plan.copyBeforeCall;
          const indent = " ".repeat(c.statement.startPosition.column);
          const text = `${c.guard ? `if (${c.guard.text}) ` : ""}{ auto c2m_e = ${c.element.text}; ${p.name}[c2m_e] = ${p.name}_in[c2m_e]; ${p.name}_touched[c2m_e] = 1; }`;
          inserts.push(
            c.statement.parent?.type === "compound_statement"
              ? { at: c.statement.startIndex, text: `${text}\n${indent}` }
              : { at: c.statement.startIndex, text: `{ ${text} `, wrapEnd: c.statement.endIndex },
          );
          break;
        }
        const copy = plan.copyAt!;
        const st = copy.statements[0];
        if (!st) break;
        const idx = indexText(analysis, p.name);
        const at = copy.alias?.name ?? p.name;
        const text = `${at}[${idx}] = ${at}_in[${idx}]; ${at}_touched[${idx}] = 1;`;
        if (st.parent?.type === "compound_statement") {
          const indent = " ".repeat(st.startPosition.column);
          inserts.push({ at: st.startIndex, text: `${text.split("; ").join(`;\n${indent}`)}\n${indent}` });
        } else {
          inserts.push({ at: st.startIndex, text: `{ ${text} `, wrapEnd: st.endIndex });
        }
        if (copy.alias) {
          const off = copy.alias.difference ? ` + (${at} - ${p.name})` : copy.alias.offset ? ` + (${copy.alias.offset.text})` : "";
          inserts.push({ at: copy.alias.decl.endIndex, text: ` auto ${at}_in = ${p.name}_in${off}; auto ${at}_touched = ${p.name}_touched${off};` });
        }
        break;
      }
    }
  }
  // `C += row * N` on an in-place buffer (or a row pointer into one) moves its twins too
  const twinned = new Set(analysis.buffers.filter((b) => b.role === "inout-copy").flatMap((b) => [b.param, ...(b.copyAt?.alias ? [b.copyAt.alias.name] : [])]));
  walk(k.body, (n) => {
    const move = n.type === "expression_statement" ? pointerMove(named(n)[0] ?? n, twinned) : undefined;
    if (move) inserts.push({ at: n.endIndex, text: ` ${[`${move.name}_in`, `${move.name}_touched`].map((t) => `${moveTwin(move, t, move.right.text)};`).join(" ")}` });
  });
  outputNames.push(...masks);
  const uninstantiated = traitArgumentEdits(unit, k, inserts);
  const aten = atenCompoundEdits(unit, k, inserts);
  const body = bodyText(unit, k, inserts);
  const source = `// c2m: the kernel's parameters as CUDA declared them, bound to the buffers MLX passes\n${prologue.join("\n")}\n${body}`;
  const helpers = [
    ...(own ? [OWN_HELPER, OWN128_HELPER] : []),
    ...(take ? [TAKE_HELPER] : []),
    ...(readThrough ? [READ_THROUGH_HELPER] : []),
    ...new Set(offsetHelpers),
    ...(uninstantiated ? [UNINSTANTIATED_HELPER] : []),
    ...(aten ? [ATEN_OPERAND_HELPER] : []),
  ];
  return { source, header: helpers.map((h) => `${h}\n\n`).join("") + headerText(unit, k), inputNames, outputNames };
}

type Edit = { at: number; text: string; wrapEnd?: number; end?: number };

/**
 * A type trait's 16-bit float argument as MLX's CUDA backend instantiates the kernel (float16 as __half,
 * bfloat16 as __nv_bfloat16): the family the file instantiates with names MLX's type, the other a type equal
 * to none, so `std::is_same<scalar_t, at::Half>` keeps the original's answer (passes/kernel/half-family.ts;
 * the Metal printer does the same, and reports the ambiguous case). Whether any names the type equal to none.
 */
function traitArgumentEdits(unit: KernelUnit, k: KFunction, edits: Edit[]): boolean {
  let uninstantiated = false;
  walk(k.body, (n) => {
    if (!isTraitArgument(n)) return;
    const family = traitArgumentFamily(unit, n.text);
    if (!family) return;
    const mlx = SCALAR_TYPES[canonicalTypeName(n.text.replace(/\b(const|volatile)\b/g, ""))]?.mlx === "bfloat16" ? "__nv_bfloat16" : "__half";
    uninstantiated ||= family !== "instantiated";
    edits.push({ at: n.startIndex, end: n.endIndex, text: family === "instantiated" ? mlx : `c2m_uninstantiated<${mlx}>` });
    return false;
  });
  return uninstantiated;
}

/**
 * A compound assignment into an ATen 16-bit float takes its right side rounded to the left side's type first,
 * as c10::Half's does, where MLX instantiates __half (passes/kernel/aten-compound.ts). Whether any does.
 */
function atenCompoundEdits(unit: KernelUnit, k: KFunction, edits: Edit[]): boolean {
  let any = false;
  walk(k.body, (n) => {
    const type = atenCompoundType(n, unit, k);
    if (!type || (type.kind !== "template" && type.kind !== "scalar")) return;
    const right = field(n, "right")!;
    const t = type.kind === "template" ? type.name : SCALAR_TYPES[type.name]?.mlx === "bfloat16" ? "__nv_bfloat16" : "__half";
    edits.push({ at: right.startIndex, text: `c2m_aten_operand<${t}>(` }, { at: right.endIndex, text: ")" });
    any = true;
  });
  return any;
}

const ATEN_OPERAND_HELPER = `// ATen's Half and BFloat16 have compound assignments only with their own type: \`h += f\` rounds a float f to the
// 16-bit type first, then the sum; any other left side takes f as it is.
template <class T, class U, typename std::enable_if<std::is_same<T, __half>::value || std::is_same<T, __nv_bfloat16>::value, int>::type = 0>
__device__ __forceinline__ T c2m_aten_operand(U v) { return T(v); }
template <class T, class U, typename std::enable_if<!(std::is_same<T, __half>::value || std::is_same<T, __nv_bfloat16>::value), int>::type = 0>
__device__ __forceinline__ U c2m_aten_operand(U v) { return v; }`;

const UNINSTANTIATED_HELPER = `// a 16-bit float of the family no instantiation of this file uses: a type of its own, equal to none
template <class T> struct c2m_uninstantiated {};`;

/** The CUDA twin of the Metal header's c2m_own (see emit/metal.ts): copy in on first touch, use in place. */
const OWN_HELPER = `// In-place buffers: an element is copied in from the caller's array the first time it is touched (its
// flag in \`touched\` says so, and tells the wrapper which elements the kernel took over), then used in place.
template <class T, class Q, class M> __device__ __forceinline__ T& c2m_own(const T* y, Q y_in, M touched, size_t i, unsigned width) {
  T* w = const_cast<T*>(y);
  if (!touched[i * width]) {
    w[i] = y_in[i];
    for (unsigned k = 0; k < width; ++k) touched[i * width + k] = 1;
  }
  return w[i];
}`;

/** The CUDA twin of the Metal header's c2m_rt (emit/metal-helpers.ts): reads through the flags stores set. */
const READ_THROUGH_HELPER = `// Read-through in-place buffers (passes/kernel/read-through.ts): a store writes the element, fences, then sets
// its flag; a read takes the element where its flag is set, else the caller's. Nothing is copied in.
template <class T, class Q> __device__ __forceinline__ T c2m_rt_load(const T* y, Q y_in, unsigned* touched, size_t i) {
  if (atomicAdd(&touched[i], 0u)) {
    __threadfence();
    return y[i];
  }
  return T(y_in[i]);
}
template <class T, class V> __device__ __forceinline__ T c2m_rt_store(const T* y, unsigned* touched, size_t i, V v) {
  T t = T(v);
  const_cast<T*>(y)[i] = t;
  __threadfence();
  atomicExch(&touched[i], 1u);
  return t;
}`;

/** Every read of a read-through buffer → `c2m_rt_load(y, y_in, y_touched, E)`, every store `y[E] = v` → `c2m_rt_store(y, y_touched, E, v)`. */
function readThroughEdits(analysis: KernelAnalysis, param: string, edits: Edit[]): void {
  for (const s of analysis.accesses) {
    if (s.root.kind !== "param" || s.root.name !== param) continue;
    const acc = unparen(s.node);
    const idx = field(acc, "indices")!;
    if (!s.write) {
      edits.push(
        { at: acc.startIndex, end: idx.startIndex + 1, text: `c2m_rt_load(${param}, ${param}_in, ${param}_touched, ` },
        { at: idx.endIndex - 1, end: acc.endIndex, text: ")" },
      );
      continue;
    }
    let up = s.node;
    while (up.parent?.type === "parenthesized_expression") up = up.parent;
    const right = field(up.parent!, "right")!;
    edits.push(
      { at: up.parent!.startIndex, end: idx.startIndex + 1, text: `c2m_rt_store(${param}, ${param}_touched, ` },
      { at: idx.endIndex - 1, end: right.startIndex, text: ", " },
      { at: right.endIndex, text: ")" },
    );
  }
}

/** The CUDA twin of the Metal header's c2m_own128: a 128-bit helper's 16 bytes copied in on first touch. */
const OWN128_HELPER = `template <class T, class Q, class M> __device__ __forceinline__ T* c2m_own128(const T* y, Q y_in, M touched, size_t i, unsigned width) {
  T* w = const_cast<T*>(y);
  for (size_t k = i; k < i + 16 / sizeof(T); ++k) {
    if (!touched[k * width]) {
      w[k] = y_in[k];
      for (unsigned j = 0; j < width; ++j) touched[k * width + j] = 1;
    }
  }
  return w + i;
}`;

/** Every access `y[E]` / `*r` of an in-place buffer (and its row pointers) → `c2m_own(y, y_in, y_touched, E, width)`. */
function ownEdits(analysis: KernelAnalysis, param: string, own: NonNullable<KernelAnalysis["buffers"][number]["ownAccess"]>, width: number, edits: Edit[]): void {
  const aliases = own.aliases;
  for (const s of analysis.accesses) {
    if (s.root.kind !== "param" || s.root.name !== param) continue;
    if (own.callerReads?.includes(s.node)) {
      // a read that sees only the caller's values reads the caller's array (passes/kernel/caller-reads.ts)
      const b = callerBase(s.node);
      if (b) edits.push({ at: b.startIndex, end: b.endIndex, text: `${b.text}_in` });
      continue;
    }
    const span = s.span128 || s.hintAddress ? spanParts(s.node) : undefined;
    if (span) {
      const b = span.base.text;
      const off = spanOffset(span, (t) => t.text);
      if (s.hintAddress) {
        edits.push({ at: s.node.startIndex, end: s.node.endIndex, text: `&c2m_own(${b}, ${b}_in, ${b}_touched, ${off}, ${width})` });
        continue;
      }
      edits.push({ at: s.node.startIndex, end: s.node.endIndex, text: `c2m_own128(${b}, ${b}_in, ${b}_touched, ${off}, ${width})` });
      continue;
    }
    const acc = accessNode(s.node)!;
    const base = unparen(field(acc, "argument")!);
    const head = `c2m_own(${base.text}, ${base.text}_in, ${base.text}_touched, `;
    if (acc.type === "subscript_expression") {
      const idx = field(acc, "indices")!;
      edits.push({ at: acc.startIndex, end: idx.startIndex + 1, text: head }, { at: idx.endIndex - 1, end: acc.endIndex, text: `, ${width})` });
    } else edits.push({ at: acc.startIndex, end: acc.endIndex, text: `${head}0, ${width})` });
  }
  for (const al of aliases) {
    const off = al.elsewhere ? "" : al.difference ? ` + (${al.name} - ${param})` : al.offset ? ` + (${al.offset.text})` : "";
    edits.push({ at: al.decl.endIndex, text: ` auto ${al.name}_in = ${param}_in${off}; auto ${al.name}_touched = ${param}_touched${off};` });
    // `x = out + idx * C;` re-points the row pointer into the buffer: its twins follow
    for (const m of al.moves ?? []) {
      const o = m.terms ? ` + (${m.terms.map((t) => t.text).join(" + ")})` : m.offset ? ` + (${m.offset.text})` : "";
      edits.push({ at: m.node.parent!.endIndex, text: ` ${al.name}_in = ${m.param}_in${o}; ${al.name}_touched = ${m.param}_touched${o};` });
    }
  }
}

/** `const float* __restrict__ x` as written, whitespace collapsed. */
function declarationText(unit: KernelUnit, node: CudaNode, defaultValue?: CudaNode): string {
  const end = defaultValue ? unit.source.lastIndexOf("=", defaultValue.startIndex) : node.endIndex;
  return unit.source.slice(node.startIndex, end).replace(/\s+/g, " ").trim();
}

/** The index of the buffer's direct accesses, as CUDA text (`i`, `row * cols + c`). */
function indexText(analysis: KernelAnalysis, param: string): string {
  const site = analysis.accesses.find((s) => s.root.kind === "param" && s.root.name === param && s.directIndex !== undefined);
  const indices = site && subscriptIndices(site.node);
  return indices ? indices.map((c) => c.text).join(", ") : "0";
}

/** Each atomic on `param` whose value the body uses, wrapped in `fold` with the caller's element (BufferPlan.foldsFetched). */
/** The CUDA twin of the Metal header's c2m_atomic_take (emit/metal-helpers.ts): an element taken over before its first atomic. */
const TAKE_HELPER = `template <class A, class B, class T> __device__ __forceinline__ A c2m_atomic_take(A p, B* base, unsigned* touched, const T* caller) {
  ptrdiff_t i = ((const char*)p - (const char*)base) / (ptrdiff_t)sizeof(B);
  unsigned state = atomicAdd(&touched[i], 0u);
  while (state != 2u) {
    if (state == 0u && atomicCAS(&touched[i], 0u, 1u) == 0u) {
      atomicExch((B*)&base[i], (B)caller[i]);
      __threadfence();
      atomicExch(&touched[i], 2u);
      state = 2u;
    } else state = atomicAdd(&touched[i], 0u);
  }
  __threadfence();
  return p;
}
template <class A, class B, class T> __device__ __forceinline__ A c2m_atomic_take128(A p, B* base, unsigned* touched, const T* caller) {
  for (int k = 0; k < (int)(16 / sizeof(B)); ++k) c2m_atomic_take(p + k, base, touched, caller);
  return p;
}`;

/** Every atomic on an in-place buffer updated only by atomics takes its element over first (BufferPlan.takeOnAtomic). */
function takeEdits(analysis: KernelAnalysis, param: string, inserts: Edit[]): void {
  const args = `, ${param}, (unsigned*)${param}_touched, ${param}_in)`;
  for (const x of analysis.accesses) {
    const call = x.atomic?.call;
    if (x.root.kind !== "param" || x.root.name !== param) continue;
    // a plain access (a threadgroup's own part stored, the last threadgroup's reads) takes its element over too:
    // a 128-bit helper's address each element of its 16 bytes, an element access through its address
    if (!call && x.span128) inserts.push({ at: x.node.startIndex, text: "c2m_atomic_take128(" }, { at: x.node.endIndex, text: args });
    else if (!call && !x.hintAddress && accessNode(x.node) === x.node && (x.read || x.write))
      inserts.push({ at: x.node.startIndex, text: "(*c2m_atomic_take(&" }, { at: x.node.endIndex, text: `${args})` });
    if (!call) continue;
    // a helper's atomics: the address handed to it is taken over at the call (passes/kernel/helper-take.ts)
    const arg = ATOMIC_FUNCTIONS[calleeName(call) ?? ""] ? callArgs(call)[0]! : x.node;
    inserts.push({ at: arg.startIndex, text: "c2m_atomic_take(" }, { at: arg.endIndex, text: args });
  }
}

function foldEdits(analysis: KernelAnalysis, param: string, fold: string, inserts: Edit[]): void {
  const [before, after] = fold.split("{fetched}") as [string, string];
  for (const x of analysis.accesses) {
    const call = x.atomic?.call;
    if (x.root.kind !== "param" || x.root.name !== param || !call || !ATOMIC_FUNCTIONS[calleeName(call) ?? ""] || !resultUsed(call)) continue;
    // an offset counter's inc/dec is rewritten whole, returning the element itself (cuda-offset.ts)
    if (analysis.buffers.some((b) => b.param === param && b.offsetFromCaller) && rewrittenWhole(call)) continue;
    const caller = `${param}_in[(${callArgs(call)[0]!.text}) - ${param}_base]`;
    inserts.push({ at: call.startIndex, text: before.replace("{caller}", caller) }, { at: call.endIndex, text: after });
  }
}

/** The kernel body without its braces, dedented, with the inserts applied. */
function bodyText(unit: KernelUnit, k: KFunction, inserts: Edit[]): string {
  const inner = kids(k.body).slice(1, -1);
  if (inner.length === 0) return "";
  const start = inner[0]!.startIndex;
  const end = inner[inner.length - 1]!.endIndex;
  const edits: Edit[] = inserts
    .flatMap((e) => (e.wrapEnd === undefined ? [e] : [e, { at: e.wrapEnd, text: " }" }]))
    .sort((a, b) => b.at - a.at || (b.end ?? b.at) - (a.end ?? a.at)); // at one offset: a replacement before an insertion
  let text = unit.source.slice(start, end);
  for (const e of edits) text = text.slice(0, e.at - start) + e.text + text.slice((e.end ?? e.at) - start);
  return dedentBody(text, inner[0]!.startPosition.column);
}

/** The `__device__` functions, structs, enums, macros and file-scope constants the kernel reaches, in file order, as written. */
function headerText(unit: KernelUnit, kernel: KFunction): string {
  const used = reachableDeclarations(unit, kernel);
  const pieces: { at: number; text: string; node?: CudaNode }[] = [];
  for (const m of unit.macros) if (used.has(m.name)) pieces.push({ at: m.node.startIndex, text: m.text, node: m.node });
  for (const s of unit.structs) {
    if (!used.has(templateBase(s.name))) continue;
    const t = enumTemplateParamsAsInt(unit.source.slice(s.node.startIndex, s.node.endIndex), unit);
    pieces.push({ at: s.node.startIndex, text: t.trimEnd().endsWith(";") ? t : `${t};`, node: s.node });
  }
  for (const f of unit.deviceFunctions)
    if (used.has(f.name)) pieces.push({ at: f.node.startIndex, text: enumTemplateParamsAsInt(unit.source.slice(f.node.startIndex, f.node.endIndex), unit), node: f.node });
  for (const e of unit.enums) {
    if (!e.names.some((n) => used.has(n))) continue;
    const t = unit.source.slice(e.node.startIndex, e.node.endIndex);
    pieces.push({ at: e.node.startIndex, text: t.trimEnd().endsWith(";") ? t : `${t};`, node: e.node });
  }
  for (const p of unit.prototypes) if (used.has(p.name)) pieces.push({ at: p.node.startIndex, text: unit.source.slice(p.node.startIndex, p.node.endIndex), node: p.node });
  for (const node of new Set(unit.constants.filter((c) => used.has(c.name)).map((c) => c.node)))
    pieces.push({ at: node.startIndex, text: unit.source.slice(node.startIndex, node.endIndex), node });
  pieces.sort((a, b) => a.at - b.at);
  // declarations of a namespace the kernel names qualified go back in it (emit/namespaces.ts)
  const carried = pieces.filter((p): p is typeof p & { node: CudaNode } => !!p.node);
  const { texts, usings } = inNamespaces(carried, [kernel.node.text, ...carried.map((p) => p.node.text)]);
  carried.forEach((p, i) => (p.text = texts[i]!));
  if (usings.length) pieces.push({ at: Number.MAX_SAFE_INTEGER, text: usings.join("\n") });
  const coop = coopPreamble(unit, [kernel.node, ...unit.deviceFunctions.filter((f) => used.has(f.name)).map((f) => f.node)]);
  if (coop) pieces.unshift({ at: -1, text: coop });
  // header-only C++ libraries the kernel names (GLM, which the preprocessor follows gsplat's `vec3` into; CUB,
  // which the CUDA toolkit ships): their headers, found where MLX's CUDA JIT is given their include folder
  const reached = [kernel.node, ...unit.deviceFunctions.filter((f) => used.has(f.name)).map((f) => f.node)];
  for (const [namespace, includes] of Object.entries(LIBRARY_INCLUDES))
    if (reached.some((n) => new RegExp(`\\b${namespace}::`).test(n.text))) pieces.unshift({ at: -2, text: includes.join("\n") });
  // C libraries the toolkit ships whose device API the kernel calls (cuRAND's curand_init, curandState)
  for (const { names, includes } of DEVICE_LIBRARY_INCLUDES) if (reached.some((n) => names.test(n.text))) pieces.unshift({ at: -2, text: includes.join("\n") });
  return pieces.map((p) => p.text.trimEnd()).join("\n\n") + (pieces.length ? "\n" : "");
}

/** The headers a CUDA kernel naming a header-only library's namespace needs. */
const LIBRARY_INCLUDES: Record<string, string[]> = nameTable({
  glm: ["#include <glm/glm.hpp>", "#include <glm/gtc/type_ptr.hpp>"],
  cub: ["#include <cub/cub.cuh>"],
});

/** The headers a CUDA kernel calling a device library of the toolkit by its names' prefix needs. */
const DEVICE_LIBRARY_INCLUDES: { names: RegExp; includes: string[] }[] = [{ names: /\bcurand\w*/, includes: ["#include <curand_kernel.h>"] }];

/**
 * The file's cooperative-groups includes, namespace alias and using-directive, when the kernel or a helper
 * it reaches uses cooperative groups (NVRTC ships the headers).
 */
function coopPreamble(unit: KernelUnit, nodes: CudaNode[]): string | undefined {
  const info = coopInfo(unit);
  const qualified = new RegExp(`\\b(${[...info.namespaces].join("|")})::`);
  const bare = new RegExp(`\\b(${Object.keys(COOPERATIVE_GROUPS).join("|")})\\b`);
  if (!nodes.some((n) => qualified.test(n.text) || (info.usingNamespace && bare.test(n.text)))) return undefined;
  // at file scope or inside the file's namespaces (gsplat's `namespace cg = cooperative_groups;` sits in `namespace gsplat`)
  const lines: string[] = [];
  walk(unit.root, (n) => {
    if (n.type === "function_definition" || n.type === "struct_specifier" || n.type === "class_specifier") return false;
    if ((n.type === "preproc_include" || n.type === "namespace_alias_definition" || n.type === "using_declaration") && /cooperative_groups/.test(n.text)) lines.push(n.text.trim());
  });
  return lines.length ? lines.join("\n") : undefined;
}
