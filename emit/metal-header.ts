/**
 * The Metal printer's header: the macros, structs, file-scope constants and device functions a kernel
 * reaches, each device function given the thread attributes it needs as extra parameters.
 */
import type { PrintContext } from "./metal-context.js";
import { print, printDefault, printType } from "./metal.js";
import { metalMacroText } from "./metal-macros.js";
import type { CudaNode } from "../grammar/cuda.js";
import type { KFunction, KernelUnit } from "../ir/kernel.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import { ATOMIC_FUNCTIONS, BUILTIN_VARIABLES, CONSTANTS, WARP_FUNCTIONS } from "../passes/kernel/tables.js";
import { calleeName, callArgs, field, fields, position, qualifierWords, walk } from "../passes/kernel/cst.js";
import { type Root, rootOf } from "../passes/kernel/buffers.js";
import { reachableDeclarations } from "../passes/kernel/extract.js";
import { sharedViewTemplates } from "../passes/kernel/shared-view.js";
import { hoistedParam, hoistedShared } from "./metal-hoist.js";
import { volatileNames } from "./warp-sync.js";
import { METAL_HELPERS as HELPERS } from "./metal-helpers.js";
import { INTEGRAL_TEMPLATE_TYPE, pointeeTemplateParams } from "./metal-types.js";
import { coopFactoryAttributes } from "./coop.js";

/** Metal thread attributes a function may need as extra parameters when it is a header function. */
const ATTRIBUTE_TYPES: Record<string, string> = {
  thread_position_in_threadgroup: "uint3",
  threadgroup_position_in_grid: "uint3",
  threads_per_threadgroup: "uint3",
  threadgroups_per_grid: "uint3",
  thread_index_in_simdgroup: "uint",
};

/** Which Metal thread attributes each device function needs (directly or through calls). */
export function deviceAttributeNeeds(unit: KernelUnit): Map<string, string[]> {
  const direct = new Map<string, Set<string>>();
  const calls = new Map<string, Set<string>>();
  const names = new Set(unit.deviceFunctions.map((f) => f.name));
  for (const f of unit.deviceFunctions) {
    const need = new Set<string>();
    const callees = new Set<string>();
    walk(f.body, (n) => {
      if (n.type === "identifier" && BUILTIN_VARIABLES[n.text]) need.add(BUILTIN_VARIABLES[n.text].metal);
      if (n.type === "call_expression") {
        const c = calleeName(n);
        if (c && names.has(c)) callees.add(c);
        if (c && WARP_FUNCTIONS[c]) {
          const w = callArgs(n)[1 + (WARP_FUNCTIONS[c].widthArg ?? 99)];
          if (w && !/^(32|warpSize)$/.test(w.text.trim())) need.add("thread_index_in_simdgroup");
        }
        if (c === "__lanemask_lt") need.add("thread_index_in_simdgroup");
        for (const a of coopFactoryAttributes(c?.replace(/^.*::/, "") ?? "")) need.add(a);
      }
    });
    for (const h of hoistedShared(unit).get(f.name) ?? []) need.add(h.name);
    // overloads share a name (llm.c's two blockReduce): each takes what any of them needs
    direct.set(f.name, new Set([...(direct.get(f.name) ?? []), ...need]));
    calls.set(f.name, new Set([...(calls.get(f.name) ?? []), ...callees]));
  }
  const out = new Map<string, string[]>();
  const resolve = (name: string, seen: Set<string>): Set<string> => {
    const acc = new Set(direct.get(name) ?? []);
    for (const c of calls.get(name) ?? []) if (!seen.has(c)) for (const a of resolve(c, new Set([...seen, c]))) acc.add(a);
    return acc;
  };
  for (const f of unit.deviceFunctions) out.set(f.name, [...resolve(f.name, new Set([f.name]))].sort());
  return out;
}

/** The header: macros, structs and device functions the kernel uses (transitively), then helpers. */
export function printHeader(unit: KernelUnit, kernel: KFunction, kctx: PrintContext): string {
  const used = reachableDeclarations(unit, kernel);
  const pieces: { at: number; text: string }[] = [];
  for (const m of unit.macros) if (used.has(m.name) && !CONSTANTS[m.name]) pieces.push({ at: m.node.startIndex, text: metalMacroText(m.text) });
  const views = sharedViewTemplates(unit);
  for (const s of unit.structs) if (used.has(s.name) && !views.has(s.name)) pieces.push({ at: s.node.startIndex, text: printStruct(s.node, kctx) });
  for (const node of new Set(unit.constants.filter((c) => used.has(c.name)).map((c) => c.node))) pieces.push({ at: node.startIndex, text: printConstant(node, kctx) });
  for (const f of unit.deviceFunctions) {
    if (!used.has(f.name)) continue;
    const fctx: PrintContext = {
      ...kctx,
      fn: f,
      analysis: undefined,
      isKernel: false,
      inoutAliases: new Map(),
      own: new Map(),
      volatiles: volatileNames(f),
      attributes: new Set(),
      before: new Map(),
      atomicRoots: atomicParameters(f),
      scope: { params: new Set(f.params.filter((p) => p.type.kind === "pointer").map((p) => p.name)), shared: new Set(), aliases: new Map() },
    };
    pieces.push({ at: f.node.startIndex, text: printDeviceFunction(f, fctx) });
  }
  pieces.sort((a, b) => a.at - b.at);
  const helperText = [...kctx.helpers]
    .sort()
    .map((h) => HELPERS[h])
    .filter(Boolean);
  // lambdas carried as functions come last: they may use any struct or function above
  const texts = [...helperText, ...pieces.map((p) => p.text), ...kctx.lambdaFunctions];
  return texts.join("\n\n") + (texts.length ? "\n" : "");
}

/**
 * A helper's pointer parameters it applies atomics to (`atomicAdd(bin, 1)`, `atomicAdd(&bins[k], 1)`):
 * the kernel analysis makes whatever a kernel passes there atomic (a shared array declared
 * `threadgroup atomic<T>`, an atomic output), so inside the helper every access through them is atomic too.
 */
function atomicParameters(f: KFunction): (r: Root | undefined) => boolean {
  const scope = { params: new Set(f.params.filter((p) => p.type.kind === "pointer").map((p) => p.name)), shared: new Set<string>(), aliases: new Map<string, Root>() };
  const atomic = new Set<string>();
  walk(f.body, (n) => {
    const name = n.type === "call_expression" ? calleeName(n) : undefined;
    const target = name && ATOMIC_FUNCTIONS[name] ? rootOf(callArgs(n)[0] ?? null, scope) : undefined;
    if (target?.kind === "param") atomic.add(target.name);
  });
  return (r) => r?.kind === "param" && atomic.has(r.name);
}

const INTEGRAL_TYPE = /^(?:(?:unsigned|signed) )?(?:int|uint|unsigned|short|long|long long|char|bool|size_t|u?int(?:8|16|32|64)_t)$/;

/** A file-scope constant (`__constant__ float c[4] = {...};`, `static const int K = 3;`) → program-scope `constant` data. */
function printConstant(node: CudaNode, ctx: PrintContext): string {
  const type = field(node, "type");
  const quals = qualifierWords(node);
  // C++ reads a const integer with its value as a constant expression (`const int WARPSIZE = 32;` sizing SGEMM_CUDA's
  // `constexpr uint WMITER = .../(WARPSIZE * ...)`); Metal's `constant` says only where it lives, so constexpr says that
  const integral = INTEGRAL_TYPE.test((type?.text ?? "").replace(/\s+/g, " ").trim()) && fields(node, "declarator").every((d) => field(d, "declarator")?.type === "identifier");
  const constexpr = quals.includes("constexpr") || (quals.includes("const") && !quals.includes("__constant__") && integral) ? "constexpr " : "";
  return `${constexpr}constant ${type ? print(type, ctx) : "auto"} ${fields(node, "declarator")
    .map((d) => print(d, ctx))
    .join(", ")};`;
}

function printStruct(node: CudaNode, ctx: PrintContext): string {
  // pointer members need an address space: device memory is the only place a struct can point to here
  const text = printDefault(node, ctx).replace(/(\b[A-Za-z_][\w:]*)\s*\*\s*(\w+)\s*;/g, "device $1* $2;");
  return text.trimEnd().endsWith(";") ? text : `${text};`;
}

function printDeviceFunction(f: KFunction, ctx: PrintContext): string {
  // pointer parameters become template parameters so one helper serves device, constant and threadgroup pointers
  const tparams = f.templateParams.map((t) => `${t.kind === "type" ? `typename ${t.name}` : `${t.kind} ${t.name}`}${t.default ? ` = ${t.default}` : ""}`);
  const params: string[] = [];
  f.params.forEach((p, i) => {
    if (p.type.kind === "pointer") {
      const tn = `c2m_P${i}`;
      tparams.push(`typename ${tn}`);
      params.push(`${tn} ${p.name}`);
    } else if (p.type.kind === "reference") {
      // a reference to an array (`const Point<T> (&pts)[4]`, detectron2's box_iou_rotated_utils.h) keeps its extent
      const extent = /^\(\s*&\s*\w+\s*\)\s*((?:\[[^\]]*\]\s*)+)$/.exec(field(p.node, "declarator")?.text ?? "")?.[1];
      if (extent) params.push(`${printType(p.type, ctx).replace(/&$/, "")} (&${p.name})${extent.replace(/\s+/g, "")}`);
      else params.push(`${printType(p.type, ctx)} ${p.name}`);
    } else {
      params.push(`${printType(p.type, ctx)} ${p.name}`);
    }
  });
  const hoisted = [...hoistedShared(ctx.unit).values()].flat();
  for (const a of ctx.deviceAttrs.get(f.name) ?? []) {
    const h = hoisted.find((x) => x.name === a);
    params.push(h ? hoistedParam(h, (n) => print(n, ctx)) : `${ATTRIBUTE_TYPES[a] ?? "uint"} ${a}`);
  }
  for (const t of f.templateParams) {
    if (t.kind === "type" || t.type === undefined || INTEGRAL_TEMPLATE_TYPE.test(t.type.trim())) continue;
    reportKernel(
      ctx.bag,
      "C2M-K045",
      position(f.node),
      `template parameter '${t.name}' of '${f.name}' has type '${t.type}', a function pointer or other non-integral type that Metal cannot take`,
    );
  }
  // overloads that differ in what a pointer points to (`stochastic_rounding(float, __nv_bfloat16*, uint)`, `(float, float*,
  // uint)`): each pointer is a template parameter, so the element type is what tells them apart
  if (ctx.unit.deviceFunctions.filter((g) => g.name === f.name).length > 1) {
    f.params.forEach((p, i) => {
      if (p.type.kind !== "pointer" || (p.type.pointee.kind !== "scalar" && p.type.pointee.kind !== "vector")) return;
      ctx.helpers.add("c2m_pointee").add("c2m_same_pointee");
      tparams.push(`typename c2m_enable_if<c2m_same<c2m_pointee<c2m_P${i}>, ${printType(p.type.pointee, ctx)}>::value>::type = 0`);
    });
  }
  const pointeeOnly = pointeeTemplateParams(f, ctx.unit);
  if (pointeeOnly.size) {
    // `template <class T> Packed128<T> load128(const T* p)`: T is deduced from the pointer's template parameter, after it
    ctx.helpers.add("c2m_pointee");
    const rest = tparams.filter((t) => !pointeeOnly.has(t.replace(/^typename /, "")));
    tparams.splice(0, tparams.length, ...rest, ...[...pointeeOnly].map(([t, i]) => `typename ${t} = c2m_pointee<c2m_P${i}>`));
  }
  const body = printDefault(f.body, ctx);
  const ret = printType(f.returnType, ctx);
  const head = `${tparams.length ? `template <${tparams.join(", ")}>\n` : ""}inline ${ret} ${f.name}(${params.join(", ")}) `;
  return head + body;
}
