/**
 * The Metal printer's header: the macros, structs, file-scope constants and device functions a kernel
 * reaches, each device function given the thread attributes it needs as extra parameters.
 */
import type { PrintContext } from "./metal-context.js";
import { print, printDefault } from "./metal.js";
import { printType } from "./metal-names.js";
import { metalMacroText } from "./metal-macros.js";
import type { CudaNode } from "../grammar/cuda.js";
import type { KFunction, KernelUnit, KParam, KPrototype } from "../ir/kernel.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import { ATOMIC_FUNCTIONS, BUILTIN_VARIABLES, CONSTANTS, SCALAR_TYPES, WARP_FUNCTIONS } from "../passes/kernel/tables.js";
import { calleeName, callArgs, canonicalTypeName, field, fields, named, position, qualifierWords, walk } from "../passes/kernel/cst.js";
import { type Root, rootOf } from "../passes/kernel/buffers.js";
import { reachableDeclarations, templateBase } from "../passes/kernel/extract.js";
import { sharedViewTemplates } from "../passes/kernel/shared-view.js";
import { hoistedParam, hoistedShared } from "./metal-hoist.js";
import { volatileNames } from "./warp-sync.js";
import { METAL_HELPERS as HELPERS } from "./metal-helpers.js";
import { enumTemplateParamsAsInt, INTEGRAL_TEMPLATE_TYPE, pointeeTemplateParams, unscopedEnumOf } from "./metal-types.js";
import { coopFactoryAttributes } from "./coop.js";
import { inNamespaces } from "./namespaces.js";
import { nameTable } from "../ir/tables.js";

/** Metal thread attributes a function may need as extra parameters when it is a header function. */
const ATTRIBUTE_TYPES: Record<string, string> = nameTable({
  thread_position_in_threadgroup: "uint3",
  threadgroup_position_in_grid: "uint3",
  threads_per_threadgroup: "uint3",
  threadgroups_per_grid: "uint3",
  thread_index_in_simdgroup: "uint",
});

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
  const pieces: { at: number; text: string; node: CudaNode }[] = [];
  for (const m of unit.macros) if (used.has(m.name) && !CONSTANTS[m.name]) pieces.push({ at: m.node.startIndex, text: metalMacroText(m.text), node: m.node });
  const views = sharedViewTemplates(unit);
  for (const s of unit.structs)
    if (used.has(templateBase(s.name)) && !views.has(templateBase(s.name))) pieces.push({ at: s.node.startIndex, text: printStruct(s.node, kctx), node: s.node });
  for (const node of new Set(unit.constants.filter((c) => used.has(c.name)).map((c) => c.node))) pieces.push({ at: node.startIndex, text: printConstant(node, kctx), node });
  for (const e of unit.enums) if (e.names.some((n) => used.has(n))) pieces.push({ at: e.node.startIndex, text: printStruct(e.node, kctx), node: e.node });
  for (const p of unit.prototypes)
    if (used.has(p.name) && unit.deviceFunctions.some((f) => f.name === p.name && f.specialisation) && !constrainedFamily(unit, p.name))
      pieces.push({ at: p.node.startIndex, text: printPrototype(p, kctx), node: p.node });
  for (const name of new Set(unit.deviceFunctions.filter((f) => used.has(f.name)).map((f) => f.name))) {
    const intrinsic = intrinsicBeside(name);
    const first = unit.deviceFunctions.find((f) => f.name === name)!;
    if (intrinsic) pieces.push({ at: first.node.startIndex - 1, text: intrinsic, node: first.node });
  }
  const printedOverloads = new Map<string, Set<string>>();
  for (const f of unit.deviceFunctions) {
    if (!used.has(f.name)) continue;
    const fctx: PrintContext = {
      ...kctx,
      fn: f,
      analysis: undefined,
      isKernel: false,
      inoutAliases: new Map(),
      own: new Map(),
      callerBases: new Set(),
      takeOnAtomic: new Set(),
      volatiles: volatileNames(f),
      attributes: new Set(),
      before: new Map(),
      atomicRoots: atomicParameters(f, kernel, kctx),
      scope: { params: new Set(f.params.filter((p) => p.type.kind === "pointer").map((p) => p.name)), shared: new Set(), aliases: new Map() },
    };
    const before = kctx.bag.items.length;
    const own = printDeviceFunction(f, fctx);
    const text = deferredOverload(f, kernel, fctx, before) ?? own;
    // overloads that differ only in what the pointer template parameters hide (apex's `load_store(T*, volatile T*)`
    // beside `load_store(T*, T*)`, same body) print as one template twice, which Metal rejects as a redefinition:
    // the one definition serves every call
    const printed = printedOverloads.get(f.name) ?? new Set<string>();
    printedOverloads.set(f.name, printed);
    if (printed.has(text)) continue;
    printed.add(text);
    pieces.push({ at: f.node.startIndex, text, node: f.node });
  }
  pieces.sort((a, b) => a.at - b.at);
  const helperText = [...kctx.helpers]
    .sort()
    .map((h) => HELPERS[h])
    .filter(Boolean);
  const { texts: placed, usings } = inNamespaces(pieces, [kernel.node.text, ...pieces.map((p) => p.node.text)]);
  // lambdas carried as functions come last: they may use any struct or function above
  const texts = [...helperText, ...placed, ...(usings.length ? [usings.join("\n")] : []), ...kctx.lambdaFunctions];
  return texts.join("\n\n") + (texts.length ? "\n" : "");
}

/**
 * A file's own overload of a CUDA shuffle (pytorch_scatter's `__shfl_down_sync(unsigned, at::Half, unsigned)`)
 * would hide, in Metal, the intrinsic's overloads that CUDA keeps beside it: a float or int64 value shuffled
 * through the file's `half` overload loses its precision. The intrinsic comes back as a template over the
 * value's type, which C++ picks over the file's overload exactly where CUDA picks the built-in (an argument
 * of another type); its own type still calls the file's.
 */
function intrinsicBeside(name: string): string | undefined {
  const warp = WARP_FUNCTIONS[name];
  if (!warp || warp.widthArg !== 2 || !/^simd_shuffle/.test(warp.metal)) return undefined;
  const body = warp.metal.replace("{0}", "var").replace("{1}", "delta");
  return `// CUDA's own ${name} beside the file's overload of it\ntemplate <typename T> inline T ${name}(uint mask, T var, uint delta) {\n  return ${body};\n}`;
}

/**
 * An overload of a kernel template's helper that did not translate (pytorch_scatter's `atomAdd(at::Half*, at::Half)`
 * beside `atomAdd(float*, float)`): C++ reaches an overload only where a call resolves to it for the types the
 * kernel is instantiated with, and c2m prints the helper as a template (its pointers are template parameters,
 * the overload picked by what they point to), which Metal also instantiates only then. So its errors do not
 * refuse the kernel: they become one C2M-K047 warning, and the body a static_assert that stops, with the
 * diagnostic, exactly the instantiations that call it. A kernel that is no template, or an overload Metal
 * compiles whatever the call (no template parameter), keeps its errors.
 */
function deferredOverload(f: KFunction, kernel: KFunction, ctx: PrintContext, before: number): string | undefined {
  const errors = ctx.bag.items.slice(before).filter((d) => d.severity === "error" && insideNode(d, f.node));
  if (!errors.length || f.specialisation || !kernel.templateParams.some((t) => t.kind === "type")) return undefined;
  // an error in the signature (a template parameter Metal cannot take) is in whatever Metal declares: not deferred
  if (errors.some((d) => !insideNode(d, f.body))) return undefined;
  if (ctx.unit.deviceFunctions.filter((g) => g.name === f.name && !g.specialisation).length < 2) return undefined;
  const dependent = f.params.findIndex((p) => p.type.kind === "pointer");
  if (dependent < 0) return undefined;
  for (const d of errors) ctx.bag.items.splice(ctx.bag.items.indexOf(d), 1);
  const why = errors.map((d) => `${d.code} ${d.message} (line ${d.line})`).join("; ");
  const signature = f.node.text
    .slice(0, f.body.startIndex - f.node.startIndex)
    .replace(/\s+/g, " ")
    .trim();
  reportKernel(
    ctx.bag,
    "C2M-K047",
    position(f.node),
    `overload '${signature}' of '${f.name}' is not translated (${why}): kernel '${kernel.name}' is translated, and Metal stops, with this diagnostic, an instantiation whose call resolves to this overload`,
  );
  const printed = printDeviceFunctionHead(f, ctx);
  const message = `c2m: ${errors[0]!.code} ${errors[0]!.message}`.replace(/["\\\n]/g, "'");
  const ret = printType(f.returnType, ctx);
  ctx.helpers.add("c2m_never");
  return `${printed}{\n  static_assert(c2m_never<c2m_P${dependent}>::value, "${message}");${ret === "void" ? "" : `\n  return ${ret}();`}\n}`;
}

/** Whether a diagnostic (1-based line and column) lies inside a node of the text it was reported on. */
function insideNode(d: { line: number; col: number }, n: CudaNode): boolean {
  const row = d.line - 1;
  const col = d.col - 1;
  const { startPosition: s, endPosition: e } = n;
  return (row > s.row || (row === s.row && col >= s.column)) && (row < e.row || (row === e.row && col <= e.column));
}

/**
 * A helper's pointer parameters it applies atomics to (`atomicAdd(bin, 1)`, `atomicAdd(&bins[k], 1)`):
 * the kernel analysis makes whatever a kernel passes there atomic (a shared array declared
 * `threadgroup atomic<T>`, an atomic output), so inside the helper every access through them is atomic too.
 */
function atomicParameters(f: KFunction, kernel: KFunction, kctx: PrintContext): (r: Root | undefined) => boolean {
  const scope = { params: new Set(f.params.filter((p) => p.type.kind === "pointer").map((p) => p.name)), shared: new Set<string>(), aliases: new Map<string, Root>() };
  const atomic = new Set<string>();
  walk(f.body, (n) => {
    // a local pointer into a parameter (`int *address_as_i = (int *)address;`, pytorch_scatter's CAS loops): atomics through it are the parameter's
    if (n.type === "init_declarator" && field(n, "declarator")?.type === "pointer_declarator") {
      const r = rootOf(field(n, "value"), scope);
      const id = field(field(n, "declarator")!, "declarator");
      if (r && id?.type === "identifier") scope.aliases.set(id.text, r);
    }
    const name = n.type === "call_expression" ? calleeName(n) : undefined;
    const target = name && ATOMIC_FUNCTIONS[name] ? rootOf(callArgs(n)[0] ?? null, scope) : undefined;
    if (target?.kind === "param") atomic.add(target.name);
  });
  // a hand-over output the kernel passes down (threadFenceReduction's reduceBlocks storing its part): its elements
  // are atomic<T>, so the function's stores to it are atomic stores
  const handOver = new Set((kctx.analysis?.buffers ?? []).filter((b) => b.handOver).map((b) => b.param));
  if (handOver.size)
    walk(kernel.body, (n) => {
      if (n.type !== "call_expression" || calleeName(n) !== f.name) return;
      callArgs(n).forEach((arg, i) => {
        const r = rootOf(arg, kctx.scope);
        const p = f.params[i];
        if (r?.kind === "param" && handOver.has(r.name) && p?.type.kind === "pointer") atomic.add(p.name);
      });
    });
  return (r) => r?.kind === "param" && atomic.has(r.name);
}

/** A file-scope constant (`__constant__ float c[4] = {...};`, `static const int K = 3;`) → program-scope `constant` data. */
function printConstant(node: CudaNode, ctx: PrintContext): string {
  const type = field(node, "type");
  const constexpr = qualifierWords(node).includes("constexpr") || constScalar(node) ? "constexpr " : "";
  return `${constexpr}constant ${type ? print(type, ctx) : "auto"} ${fields(node, "declarator")
    .map((d) => print(d, ctx))
    .join(", ")};`;
}

/**
 * `int const threadsPerBlock = sizeof(unsigned long long) * 8;`: in C++ a const scalar with a constant initializer is a
 * constant expression (an array bound: nms's `__shared__ float block_boxes[threadsPerBlock * 4]`), and CUDA lets device
 * code read a file-scope const only when its initializer is one; Metal's `constant` alone does not make it one.
 */
function constScalar(node: CudaNode): boolean {
  if (!qualifierWords(node).includes("const") || !SCALAR_TYPES[canonicalTypeName(field(node, "type")?.text ?? "")]) return false;
  return fields(node, "declarator").every((d) => field(d, "declarator")?.type === "identifier");
}

function printStruct(node: CudaNode, ctx: PrintContext): string {
  return enumTemplateParamsAsInt(printStructAsWritten(node, ctx), ctx.unit);
}

function printStructAsWritten(node: CudaNode, ctx: PrintContext): string {
  // pointer members need an address space: device memory is the only place a struct can point to here; a member
  // declaration starts a line or follows `{` or `;`, so a product in a member function's body (`*val = *val * v;`) is not one
  const text = printDefault(node, ctx).replace(/(?<=^|[{;])(\s*)((?:(?:const|volatile|unsigned|signed|long|short)\s+)*)([A-Za-z_][\w:]*)\s*\*\s*(\w+)\s*;/gm, "$1$2device $3* $4;");
  return text.trimEnd().endsWith(";") ? text : `${text};`;
}

/** Extra parameters for the thread attributes a header function needs (shared by a template's prototype and its specialisations). */
function attributeParams(name: string, ctx: PrintContext): string[] {
  const hoisted = [...hoistedShared(ctx.unit).values()].flat();
  return (ctx.deviceAttrs.get(name) ?? []).map((a) => {
    const h = hoisted.find((x) => x.name === a);
    return h ? hoistedParam(h, (n) => print(n, ctx)) : `${ATTRIBUTE_TYPES[a] ?? "uint"} ${a}`;
  });
}

/** A value parameter as Metal spells it; undefined for a pointer, which a header function takes as a template parameter. */
function valueParam(p: KParam, ctx: PrintContext): string | undefined {
  return p.type.kind === "pointer" ? undefined : `${printType(p.type, ctx)} ${p.name}`;
}

/**
 * A function template defined only by explicit specialisations (llm.c's `cast_value<Td, Ts>`): its
 * declaration, then each specialisation as `template <> inline R f<A, B>(...)`, which MSL (C++14) has.
 * Pointer parameters stay refused (C2M-K048): c2m gives a header function's pointers their address space
 * through a template parameter, which a specialisation's fixed signature cannot take.
 */
function printPrototype(p: KPrototype, ctx: PrintContext): string {
  const tparams = p.templateParams.map((t) => (t.kind === "type" ? `typename ${t.name}` : `${t.type ?? t.kind} ${t.name}`));
  const params = p.params.map((q) => valueParam(q, ctx));
  return `template <${tparams.join(", ")}>\n${printType(p.returnType, ctx)} ${p.name}(${[...params, ...attributeParams(p.name, ctx)].join(", ")});`;
}

/**
 * A family whose specialisations take a pointer (mmcv's `load_bbox<float>(const float* bbox, ...)` beside its
 * template): c2m makes a helper's pointers template parameters (any address space), which an explicit
 * specialisation's fixed signature cannot take, so each specialisation becomes a template of the primary's
 * parameters enabled only for its arguments, and the primary one enabled for every other (SFINAE, C++14).
 */
function constrainedFamily(unit: KernelUnit, name: string): boolean {
  return unit.deviceFunctions.some((f) => f.name === name && f.specialisation && f.params.some((p) => p.type.kind === "pointer"));
}

/** The primary template's parameters of a family: its definition's, else its declaration's. */
function primaryParams(unit: KernelUnit, name: string): KFunction["templateParams"] | undefined {
  return (
    unit.deviceFunctions.find((f) => f.name === name && !f.specialisation && f.templateParams.length)?.templateParams ??
    unit.prototypes.find((p) => p.name === name)?.templateParams
  );
}

/** `c2m_same<T, float>::value && N == 4`: the primary's parameters equal a specialisation's arguments. */
function matchesSpecialisation(params: KFunction["templateParams"], spec: CudaNode, ctx: PrintContext): string | undefined {
  const args = named(spec).filter((c) => c.type !== "comment");
  if (args.length !== params.length) return undefined;
  return args.map((a, i) => (params[i]!.kind === "type" ? `c2m_same<${params[i]!.name}, ${print(a, ctx)}>::value` : `(${params[i]!.name} == ${print(a, ctx)})`)).join(" && ");
}

function printSpecialisation(f: KFunction, spec: CudaNode, ctx: PrintContext): string {
  if (constrainedFamily(ctx.unit, f.name)) {
    const primary = primaryParams(ctx.unit, f.name);
    const cond = primary ? matchesSpecialisation(primary, spec, ctx) : undefined;
    if (!primary || !cond) {
      reportKernel(ctx.bag, "C2M-K048", position(f.node), `'${f.name}${spec.text}' specialises a template whose parameters c2m cannot match with its arguments`);
      return "";
    }
    ctx.helpers.add("c2m_same_pointee");
    const own = primary.map((t) => (t.kind === "type" ? `typename ${t.name}` : `${t.type ?? t.kind} ${t.name}`));
    const params: string[] = [];
    f.params.forEach((p, i) => {
      if (p.type.kind === "pointer") {
        own.push(`typename c2m_P${i}`);
        params.push(`c2m_P${i} ${p.name}`);
      } else params.push(`${printType(p.type, ctx)} ${p.name}`);
    });
    own.push(`typename c2m_enable_if<${cond}>::type = 0`);
    return `template <${own.join(", ")}>\ninline ${printType(f.returnType, ctx)} ${f.name}(${[...params, ...attributeParams(f.name, ctx)].join(", ")}) ${printDefault(f.body, ctx)}`;
  }
  const params = f.params.map((q) => valueParam(q, ctx));
  const head = `template <>\ninline ${printType(f.returnType, ctx)} ${f.name}${print(spec, ctx)}(${[...params, ...attributeParams(f.name, ctx)].join(", ")}) `;
  return head + printDefault(f.body, ctx);
}

/** `std::initializer_list<size_t> ilist` → `size_t`, the element type; undefined for any other parameter. */
function initializerList(p: KParam): string | undefined {
  const text = p.type.kind === "unknown" ? p.type.text : p.type.kind === "struct" ? p.type.name : "";
  return /^(?:const\s+)?(?:std::)?initializer_list\s*<\s*([\w\s:]+?)\s*>$/.exec(text.trim())?.[1];
}

/** A (non-specialised) device function's template line and signature, as Metal declares it. */
function printDeviceFunctionHead(f: KFunction, ctx: PrintContext): string {
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
    } else if (initializerList(p)) {
      // `std::initializer_list<size_t> ilist` (Metal has none): an array reference, which a braced list at the call initialises
      tparams.push("int c2m_N");
      params.push(`const thread ${initializerList(p)} (&${p.name})[c2m_N]`);
    } else {
      params.push(`${printType(p.type, ctx)} ${p.name}`);
    }
  });
  params.push(...attributeParams(f.name, ctx));
  for (const t of f.templateParams) {
    if (t.kind === "type" || t.type === undefined || INTEGRAL_TEMPLATE_TYPE.test(t.type.trim()) || unscopedEnumOf(ctx.unit, t)) continue;
    reportKernel(
      ctx.bag,
      "C2M-K045",
      position(f.node),
      `template parameter '${t.name}' of '${f.name}' has type '${t.type}', a function pointer or other non-integral type that Metal cannot take`,
    );
  }
  // overloads that differ in what a pointer points to (`stochastic_rounding(float, __nv_bfloat16*, uint)`, `(float, float*,
  // uint)`): each pointer is a template parameter, so the element type is what tells them apart
  if (constrainedFamily(ctx.unit, f.name)) {
    const others = ctx.unit.deviceFunctions.filter((g) => g.name === f.name && g.specialisation).map((g) => matchesSpecialisation(f.templateParams, g.specialisation!, ctx));
    if (others.length && others.every((c) => c !== undefined)) {
      ctx.helpers.add("c2m_same_pointee");
      tparams.push(`typename c2m_enable_if<!(${others.map((c) => `(${c})`).join(" || ")})>::type = 0`);
    }
  }
  if (ctx.unit.deviceFunctions.filter((g) => g.name === f.name && !g.specialisation).length > 1) {
    f.params.forEach((p, i) => {
      if (p.type.kind !== "pointer" || (p.type.pointee.kind !== "scalar" && p.type.pointee.kind !== "vector")) return;
      ctx.helpers.add("c2m_pointee").add("c2m_same_pointee");
      tparams.push(`typename c2m_enable_if<c2m_same<c2m_element<c2m_P${i}>, ${printType(p.type.pointee, ctx)}>::value>::type = 0`);
    });
  }
  const pointeeOnly = pointeeTemplateParams(f, ctx.unit);
  if (pointeeOnly.size) {
    // `template <class T> Packed128<T> load128(const T* p)`: T is deduced from the pointer's template parameter, after it;
    // the value type its element holds, as CUDA's T is (an atomic output's `device atomic<float>*` gives float)
    ctx.helpers.add("c2m_pointee");
    const rest = tparams.filter((t) => !pointeeOnly.has(t.replace(/^typename /, "")));
    tparams.splice(0, tparams.length, ...rest, ...[...pointeeOnly].map(([t, i]) => `typename ${t} = c2m_element<c2m_P${i}>`));
  }
  const ret = printType(f.returnType, ctx);
  const constexpr = f.qualifiers.includes("constexpr") ? "constexpr " : "";
  return `${tparams.length ? `template <${tparams.join(", ")}>\n` : ""}inline ${constexpr}${ret} ${f.name}(${params.join(", ")}) `;
}

function printDeviceFunction(f: KFunction, ctx: PrintContext): string {
  if (f.specialisation) return printSpecialisation(f, f.specialisation, ctx);
  const head = printDeviceFunctionHead(f, ctx);
  return head + printDefault(f.body, ctx);
}
