/**
 * Metal printer: prints a kernel's body (the `source` of `mx.fast.metal_kernel`) and the `header` (the
 * `__device__` functions, structs and macros it uses) from the CUDA tree and the kernel analysis.
 *
 * The printer reproduces the CUDA text node by node, keeping whitespace and comments, and rewrites only
 * what differs in Metal: built-in index variables, `__shared__`, barriers, warp functions, atomics,
 * intrinsics, type names, pointer address spaces. Anything with no Metal equivalent is reported with a
 * located diagnostic (never dropped).
 */
import { metalMacroText } from "./metal-macros.js";
import type { CudaNode } from "../grammar/cuda.js";
import type { BufferPlan, KFunction, KernelUnit, KType } from "../ir/kernel.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import {
  ATOMIC_FUNCTIONS,
  BARRIERS,
  BUILTIN_VARIABLES,
  FENCES,
  CONSTANTS,
  MATH_FUNCTIONS,
  METAL_ATOMICS,
  SCALAR_TYPES,
  SEGMENTED_SHUFFLES,
  CACHE_HINTS,
  UNSUPPORTED_CALLS,
  UNSUPPORTED_TYPES,
  VECTOR_CONSTRUCTORS,
  VECTOR_TYPES,
  WARP_FUNCTIONS,
} from "../passes/kernel/tables.js";
import { moveTwin, pointerMove } from "../passes/kernel/inout-moves.js";
import { BLOCK_VOTE_DECLARATION, BLOCK_VOTES } from "./metal-block-votes.js";
import {
  calleeName,
  callArgs,
  canonicalTypeName,
  declaratorType,
  baseType,
  dedentBody,
  field,
  fields,
  kids,
  named,
  position,
  qualifierWords,
  subscriptIndices,
  unparen,
  walk,
} from "../passes/kernel/cst.js";
import { accessNode, type KernelAnalysis, type Root, rootOf, same } from "../passes/kernel/buffers.js";
import { reachableDeclarations } from "../passes/kernel/extract.js";
import { isSharedViewObject, sharedViewCall, sharedViewTemplates } from "../passes/kernel/shared-view.js";
import { functionLambdas, printInlinedCall } from "./metal-lambda.js";
import { hoistedDeclaration, hoistedLocal, hoistedParam, hoistedShared } from "./metal-hoist.js";
import { volatileNames, volatileStep } from "./warp-sync.js";
import { DEVICE_FUNCTION_QUALIFIERS, memberStorage, metalName, printReferenceMethod, uncarriedTemplate } from "./metal-structs.js";
import { METAL_HELPERS as HELPERS } from "./metal-helpers.js";
import { INTEGRAL_TEMPLATE_TYPE, integerNames, pointeeTemplateParams } from "./metal-types.js";
import {
  checkCoopName,
  coopDirectiveComment,
  COOP_NAMESPACE,
  coopFactoryAttributes,
  coopInfo,
  coopQualified,
  coopTypeText,
  coopUnqualified,
  isGridSync,
  isTileOfTile,
  type CoopInfo,
} from "./coop.js";

/** The dynamic shared memory size, in bytes, passed as an MLX template argument. */
export const SHARED_BYTES_TEMPLATE = "C2M_SHARED_BYTES";

/** Metal thread attributes a function may need as extra parameters when it is a header function. */
const ATTRIBUTE_TYPES: Record<string, string> = {
  thread_position_in_threadgroup: "uint3",
  threadgroup_position_in_grid: "uint3",
  threads_per_threadgroup: "uint3",
  threadgroups_per_grid: "uint3",
  thread_index_in_simdgroup: "uint",
};

export interface MetalKernel {
  name: string;
  source: string;
  header: string;
  inputNames: string[];
  outputNames: string[];
  atomicOutputs: boolean;
  /** MLX template parameters in order: the kernel's own, then C2M_SHARED_BYTES when dynamic shared memory is used */
  templateParams: { name: string; kind: "type" | "int" | "bool" }[];
}

/** A row pointer into an in-place buffer, with the twins the printer declares and moves beside it. */
type InoutAlias = { param: string; offset?: CudaNode; difference?: boolean } & Pick<NonNullable<BufferPlan["ownAccess"]>["aliases"][number], "moves" | "elsewhere">;

interface PrintContext {
  unit: KernelUnit;
  fn: KFunction;
  analysis?: KernelAnalysis;
  bag: DiagnosticBag;
  helpers: Set<string>;
  attributes: Set<string>;
  /** roots whose elements are `atomic<T>`: atomic outputs and atomic shared arrays */
  atomicRoots: (r: Root | undefined) => boolean;
  scope: { params: Set<string>; shared: Set<string>; aliases: Map<string, Root> };
  /** statement node → text inserted before it (inout copy-in) */
  before: Map<CudaNode, string>;
  /** attribute parameters each device function needs */
  deviceAttrs: Map<string, string[]>;
  /** row pointers into in-place buffers: their `_in` and `_touched` twins are declared next to them */
  inoutAliases: Map<string, InoutAlias>;
  isKernel: boolean;
  /** cooperative-groups namespaces of the file (emit/coop.ts) */
  coop: CoopInfo;
  /** in-place buffers and their row pointers whose every access goes through c2m_own → element width */
  own: Map<string, number>;
  /** pointers and arrays the function declares volatile (emit/warp-sync.ts) */
  volatiles: Set<string>;
}

export function printKernel(unit: KernelUnit, analysis: KernelAnalysis, bag: DiagnosticBag): MetalKernel {
  const k = analysis.kernel;
  const helpers = new Set<string>();
  const deviceAttrs = deviceAttributeNeeds(unit);
  const byParam = new Map(analysis.buffers.map((b) => [b.param, b]));
  const atomicShared = new Set(analysis.shared.filter((s) => s.atomic).map((s) => s.name));
  const atomicRoots = (r: Root | undefined) =>
    !!r && ((r.kind === "shared" && atomicShared.has(r.name)) || (r.kind === "param" && analysis.atomicOutputs && isOutput(byParam.get(r.name))));
  const ctx: PrintContext = {
    unit,
    fn: k,
    analysis,
    bag,
    helpers,
    attributes: new Set(),
    atomicRoots,
    scope: { params: new Set(k.params.filter((p) => p.type.kind === "pointer").map((p) => p.name)), shared: new Set(analysis.shared.map((s) => s.name)), aliases: new Map() },
    before: new Map(),
    deviceAttrs,
    isKernel: true,
    inoutAliases: new Map(),
    coop: coopInfo(unit),
    own: new Map(),
    volatiles: volatileNames(k),
  };

  // inputs and outputs, in parameter order
  const inputNames: string[] = [];
  const outputNames: string[] = [];
  const prologue: string[] = [];
  const masks: string[] = [];
  for (const p of k.params) {
    const plan = byParam.get(p.name);
    if (!plan) {
      const assigned = analysis.assignedScalars.has(p.name);
      inputNames.push(assigned ? `${p.name}_arg` : p.name);
      if (assigned) prologue.push(`${printType(p.type, ctx)} ${p.name} = ${p.name}_arg;`);
      if (p.type.kind === "scalar" && p.type.name === "double") reportKernel(bag, "C2M-K011", position(p.node), `parameter '${p.name}' is double; Metal computes it as float`);
      continue;
    }
    const vector = plan.pointee.kind === "vector";
    const metalName = vector ? `${p.name}_elems` : p.name;
    if (vector) {
      helpers.add("c2m_cast");
      prologue.push(`auto ${p.name} = c2m_cast<${VECTOR_TYPES[(plan.pointee as { name: string }).name].metal}>(${metalName});`);
    }
    switch (plan.role) {
      case "input":
      case "unused":
        inputNames.push(metalName);
        break;
      case "output":
      case "atomic-accumulate":
        outputNames.push(metalName);
        break;
      case "inout-copy":
        inputNames.push(`${metalName}_in`);
        outputNames.push(metalName);
        if (vector) prologue.push(`auto ${p.name}_in = c2m_cast<${VECTOR_TYPES[(plan.pointee as { name: string }).name].metal}>(${metalName}_in);`);
        if (plan.ownAccess) {
          // every access copies its element in on first touch (passes/kernel/buffers.ts ownAccess)
          helpers.add("c2m_own");
          const width = vector ? VECTOR_TYPES[(plan.pointee as { name: string }).name].width : 1;
          ctx.own.set(p.name, width);
          for (const al of plan.ownAccess.aliases) {
            ctx.inoutAliases.set(al.name, { param: p.name, offset: al.offset, difference: al.difference, moves: al.moves, elsewhere: al.elsewhere });
            ctx.own.set(al.name, width);
          }
          if (vector) prologue.push(`auto ${p.name}_touched = ${metalName}_touched;`);
          masks.push(`${metalName}_touched`);
        }
        for (const [i, st] of (plan.copyAt?.statements ?? []).entries()) {
          if (i > 0) break;
          const idxText = printIndexOf(analysis, p.name, ctx);
          const at = plan.copyAt!.alias?.name ?? p.name;
          // the mask records which elements the kernel took over; the wrapper keeps the caller's value elsewhere
          ctx.before.set(st, `${at}[${idxText}] = ${at}_in[${idxText}]; ${at}_touched[${idxText}] = 1;`);
          if (plan.copyAt!.alias) ctx.inoutAliases.set(plan.copyAt!.alias.name, { param: p.name, offset: plan.copyAt!.alias.offset });
          masks.push(`${p.name}_touched`);
        }
        break;
    }
  }

  outputNames.push(...masks);
  // __shared__ arrays of the device functions it reaches, declared here (emit/metal-hoist.ts)
  const reached = reachableDeclarations(unit, k);
  const hoisted = [...hoistedShared(unit)].filter(([fn]) => reached.has(fn)).flatMap(([, hs]) => hs);
  const dynamicArrays = hoisted.filter((h) => h.dynamic).length + (analysis.shared.some((s) => s.dynamic) ? 1 : 0);
  for (const h of hoisted) {
    if (h.dynamic && dynamicArrays > 1) {
      const why = "its extern __shared__ array would alias another dynamic shared array of the kernel, which c2m declares apart";
      reportKernel(bag, "C2M-K002", position(h.node), `__shared__ memory declared in __device__ function '${h.fn}': ${why}`);
    }
    prologue.push(hoistedDeclaration(h, (n) => print(n, ctx), SHARED_BYTES_TEMPLATE));
  }
  let body = printBody(k.body, ctx);
  if (helpers.has("c2m_block_count")) prologue.unshift(BLOCK_VOTE_DECLARATION);
  if (prologue.length) body = `${prologue.join("\n")}\n${body}`;
  // MLX's template list takes dtypes, ints and bools: a function-pointer parameter (llm.c's
  // `template <matmul_fn_ptr matmul_tri> __global__ void trimul_global`) has nothing to pass
  for (const t of k.templateParams) {
    if (t.kind === "type" || t.type === undefined || INTEGRAL_TEMPLATE_TYPE.test(t.type.trim())) continue;
    reportKernel(
      bag,
      "C2M-K045",
      position(k.node),
      `template parameter '${t.name}' of kernel '${k.name}' has type '${t.type}', a function pointer or other non-integral type that Metal cannot take`,
    );
  }
  const templateParams = k.templateParams.map((t) => ({ ...t }));
  if (analysis.dynamicShared || hoisted.some((h) => h.dynamic)) templateParams.push({ name: SHARED_BYTES_TEMPLATE, kind: "int" });

  const header = printHeader(unit, k, ctx);
  return { name: k.name, source: body, header, inputNames, outputNames, atomicOutputs: analysis.atomicOutputs, templateParams };
}

function isOutput(b: BufferPlan | undefined): boolean {
  return !!b && (b.role === "output" || b.role === "atomic-accumulate" || b.role === "inout-copy");
}

function printIndexOf(analysis: KernelAnalysis, param: string, ctx: PrintContext): string {
  const site = analysis.accesses.find((s) => s.root.kind === "param" && s.root.name === param && s.directIndex !== undefined);
  const indices = site && subscriptIndices(site.node);
  return indices ? indices.map((c) => print(c, ctx)).join(", ") : "0";
}

/** The kernel body without its braces, dedented one level. */
function printBody(body: CudaNode, ctx: PrintContext): string {
  const inner = kids(body).slice(1, -1);
  if (inner.length === 0) return "";
  return dedentBody(printRange(body, inner[0].startIndex, inner[inner.length - 1].endIndex, inner, ctx), inner[0].startPosition.column);
}

function printRange(parent: CudaNode, start: number, end: number, children: readonly CudaNode[], ctx: PrintContext): string {
  const src = ctx.unit.source;
  let out = "";
  let pos = start;
  for (const c of children) {
    out += src.slice(pos, c.startIndex);
    const text = print(c, ctx);
    // a directive printed as nothing (a dropped pragma) takes its line's indentation with it
    if (text === "" && c.type === "preproc_call") out = out.replace(/[ \t]+$/, "");
    out += text;
    pos = c.endIndex;
    // a dropped `__device__` takes the blanks after it
    if (text === "" && DEVICE_FUNCTION_QUALIFIERS.has(c.type)) while (pos < end && /[ \t]/.test(src[pos]!)) pos++;
  }
  out += src.slice(pos, end);
  void parent;
  return out;
}

/** Default printing: the node's text with its children printed. */
function printDefault(node: CudaNode, ctx: PrintContext): string {
  const cs = kids(node);
  if (cs.length === 0) return node.text;
  return printRange(node, node.startIndex, node.endIndex, cs, ctx);
}

function print(node: CudaNode, ctx: PrintContext): string {
  const pre = ctx.before.size ? ctx.before.get(node) : undefined;
  const text = printNode(node, ctx);
  if (pre === undefined) return text;
  const indent = " ".repeat(node.startPosition.column);
  if (node.parent?.type === "compound_statement") return `${pre.split("; ").join(`;\n${indent}`)}\n${indent}${text}`;
  return `{ ${pre} ${text} }`;
}

function printNode(node: CudaNode, ctx: PrintContext): string {
  switch (node.type) {
    case "comment":
      return node.text;
    case "identifier":
      return printIdentifier(node, ctx);
    case "field_identifier":
      return metalName(node.text);
    case "storage_class_specifier":
      return memberStorage(node) ?? node.text;
    case "function_definition":
      return printReferenceMethod(node, ctx.unit.source, (c) => print(c, ctx)) ?? printDefault(node, ctx);
    case "primitive_type":
    case "sized_type_specifier":
    case "type_identifier":
      return printTypeName(node, ctx);
    case "type_qualifier": {
      const t = node.text;
      if (/restrict/.test(t)) return "";
      if (t === "__shared__") return "threadgroup";
      return t;
    }
    case "field_expression":
      return printField(node, ctx);
    case "call_expression":
      return printCall(node, ctx);
    case "declaration":
      return printDeclaration(node, ctx);
    case "assignment_expression":
      return printAssignment(node, ctx);
    case "update_expression":
      return printUpdate(node, ctx);
    case "subscript_expression":
    case "pointer_expression":
      return printAccess(node, ctx);
    case "cast_expression":
      return printCast(node, ctx);
    case "gnu_asm_expression":
    case "asm_statement":
      reportKernel(ctx.bag, "C2M-K004", position(node), "inline PTX assembly has no Metal equivalent");
      return `/* c2m: inline PTX not translated */`;
    case "lambda_expression": {
      const why = functionLambdas(ctx.fn.body).refused.get(node.startIndex);
      reportKernel(ctx.bag, "C2M-K002", position(node), `lambdas inside kernels are not translated: ${why ?? "MSL has no lambda expressions"}`);
      return node.text;
    }
    case "new_expression":
    case "delete_expression":
      reportKernel(ctx.bag, "C2M-K002", position(node), "device-side new/delete has no Metal equivalent");
      return node.text;
    case "qualified_identifier":
      return printQualified(node, ctx);
    case "namespace_alias_definition":
    case "using_declaration":
      return coopDirectiveComment(node) ?? printDefault(node, ctx);
    case "number_literal":
      return node.text.replace(/(\d)(ll|LL|ull|ULL)$/, "$1l");
    case "expression_statement": {
      const lambda = functionLambdas(ctx.fn.body).calls.get(node.startIndex);
      if (lambda) return printInlinedCall(node, lambda, (n) => print(n, ctx));
      return volatileStep(node, ctx.volatiles, (n) => print(n, ctx)) ?? printDefault(node, ctx);
    }
    case "for_statement": {
      const idiom = warpReductionIdiom(node, ctx);
      return idiom ?? printDefault(node, ctx);
    }
    case "preproc_call":
      // `#pragma unroll` must be followed by a loop; a loop collapsed into one statement (the warp
      // reduction idiom) takes its pragma with it, or Metal's compiler rejects the kernel
      return isLoopPragma(node) && !loopFollows(node, ctx) ? "" : printDefault(node, ctx);
    default:
      // a member function's `__device__` (printed with its struct): every Metal function is a device function
      return DEVICE_FUNCTION_QUALIFIERS.has(node.type) ? "" : printDefault(node, ctx);
  }
}

/** `cg::reduce`, `cooperative_groups::thread_block_tile<32>` → the c2m_cg names the header defines. */
function printQualified(node: CudaNode, ctx: PrintContext): string {
  const q = coopQualified(node, ctx.coop);
  if (!q) return printDefault(node, ctx);
  checkCoopName(q.name, node, ctx.bag, ctx.unit.macros);
  ctx.helpers.add("c2m_cg");
  return `${COOP_NAMESPACE}::${print(q.rest, ctx)}`;
}

/** An unqualified cooperative-groups name under `using namespace cooperative_groups`, prefixed; else undefined. */
function printCoopUnqualified(node: CudaNode, ctx: PrintContext): string | undefined {
  const name = coopUnqualified(node, ctx.coop, (n) => ctx.unit.deviceFunctions.some((f) => f.name === n) || ctx.unit.structs.some((s) => s.name === n));
  if (!name) return undefined;
  checkCoopName(name, node.parent?.type === "template_type" || node.parent?.type === "template_function" ? node.parent : node, ctx.bag, ctx.unit.macros);
  ctx.helpers.add("c2m_cg");
  return `${COOP_NAMESPACE}::${name}`;
}

function printIdentifier(node: CudaNode, ctx: PrintContext): string {
  const name = node.text;
  const coop = printCoopUnqualified(node, ctx);
  if (coop) return coop;
  if (isAtomicLvalue(node, ctx) && !isLvalueContext(node)) return `atomic_load_explicit(&${name}, memory_order_relaxed)`;
  if (CONSTANTS[name] !== undefined && !isDeclared(name, ctx)) return CONSTANTS[name];
  if (UNSUPPORTED_TYPES[name]) reportKernel(ctx.bag, "C2M-K006", position(node), UNSUPPORTED_TYPES[name]);
  if (BUILTIN_VARIABLES[name] && node.parent?.type !== "field_expression") {
    ctx.attributes.add(BUILTIN_VARIABLES[name].metal);
    return BUILTIN_VARIABLES[name].metal;
  }
  // a type name the parser took for a value: `(__nv_bfloat16)(x)` parses as a call of `(__nv_bfloat16)`
  if ((SCALAR_TYPES[name] || VECTOR_TYPES[name]) && !isDeclared(name, ctx) && !/^[a-z]+\d?$/.test(name)) return SCALAR_TYPES[name]?.metal ?? VECTOR_TYPES[name]!.metal;
  const uncarried = node.parent?.type === "template_function" ? uncarriedTemplate(ctx.unit, name) : undefined;
  if (uncarried) reportKernel(ctx.bag, "C2M-K027", position(node), uncarried);
  return metalName(name);
}

function isDeclared(name: string, ctx: PrintContext): boolean {
  return ctx.fn.params.some((p) => p.name === name) || ctx.unit.macros.some((m) => m.name === name);
}

function printTypeName(node: CudaNode, ctx: PrintContext): string {
  const name = canonicalTypeName(node.text);
  const coop = node.type === "type_identifier" ? printCoopUnqualified(node, ctx) : undefined;
  if (coop) return coop;
  if (UNSUPPORTED_TYPES[name]) reportKernel(ctx.bag, "C2M-K006", position(node), UNSUPPORTED_TYPES[name]);
  if (name === "double") {
    reportKernel(ctx.bag, "C2M-K011", position(node), "double has no Metal equivalent; computed as float");
    return "float";
  }
  if (SCALAR_TYPES[name]) return SCALAR_TYPES[name].metal;
  if (VECTOR_TYPES[name]) return VECTOR_TYPES[name].metal;
  const uncarried = uncarriedTemplate(ctx.unit, name.replace(/<.*$/s, ""));
  if (uncarried) reportKernel(ctx.bag, "C2M-K027", position(node), uncarried);
  return printDefault(node, ctx);
}

export function printType(t: KType, ctx?: PrintContext): string {
  switch (t.kind) {
    case "scalar":
      return SCALAR_TYPES[t.name]?.metal ?? t.name;
    case "vector":
      return VECTOR_TYPES[t.name]?.metal ?? t.name;
    case "template":
      return t.name;
    case "struct":
    case "unknown": {
      const text = t.kind === "struct" ? t.name : t.text;
      return ctx ? coopTypeText(text, ctx.coop) : text;
    }
    case "pointer":
      return `${t.isConst ? "const " : ""}${printType(t.pointee, ctx)}*`;
    case "reference":
      return `thread ${t.isConst ? "const " : ""}${printType(t.target, ctx)}&`;
  }
}

function printField(node: CudaNode, ctx: PrintContext): string {
  const arg = field(node, "argument");
  const f = field(node, "field");
  if (arg?.type === "identifier" && BUILTIN_VARIABLES[arg.text] && f) {
    const m = BUILTIN_VARIABLES[arg.text].metal;
    ctx.attributes.add(m);
    return `${m}.${f.text}`;
  }
  if (isAtomicLvalue(node, ctx) && !isLvalueContext(node)) return `atomic_load_explicit(&${printDefault(node, ctx)}, memory_order_relaxed)`;
  return printDefault(node, ctx);
}

/** An lvalue (`a[i]`, `*p`) that lives in an atomic<T> array. */
function isAtomicLvalue(node: CudaNode, ctx: PrintContext): boolean {
  if (node.type === "identifier") {
    // a `__shared__ int counter;` scalar some atomic targets
    const s = ctx.analysis?.shared.find((x) => x.name === node.text);
    return !!s && s.atomic && s.dims.length === 0 && !s.dynamic && ctx.scope.shared.has(node.text) && !ctx.scope.aliases.has(node.text);
  }
  if (node.type !== "subscript_expression" && !(node.type === "pointer_expression" && field(node, "operator")?.text === "*")) return false;
  const parent = node.parent;
  if (parent && parent.type === "subscript_expression" && same(field(parent, "argument"), node)) return false; // inner part of a[i][j]
  return ctx.atomicRoots(rootOf(field(node, "argument"), ctx.scope));
}

/** The lvalue is the target of an assignment, ++/--, or has its address taken (those print it themselves). */
function isLvalueContext(node: CudaNode): boolean {
  let n = node;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const p = n.parent;
  if (!p) return false;
  if (p.type === "assignment_expression" && same(field(p, "left"), n)) return true;
  if (p.type === "update_expression") return true;
  if (p.type === "pointer_expression" && field(p, "operator")?.text === "&") return true;
  return false;
}

function printAccess(node: CudaNode, ctx: PrintContext): string {
  if (isAtomicLvalue(node, ctx) && !isLvalueContext(node)) {
    return `atomic_load_explicit(&${printDefault(node, ctx)}, memory_order_relaxed)`;
  }
  const base = field(node, "argument") ? unparen(field(node, "argument")!) : undefined;
  let width = base?.type === "identifier" && (node.type === "subscript_expression" || field(node, "operator")?.text === "*") ? ctx.own.get(base.text) : undefined;
  const alias = base && width !== undefined ? ctx.inoutAliases.get(base.text) : undefined;
  // a re-pointed row pointer goes through c2m_own only where it points into the in-place buffer
  if (alias && (alias.elsewhere || alias.moves) && !ctx.analysis?.accesses.some((s) => s.root.kind === "param" && s.root.name === alias.param && same(accessNode(s.node), node)))
    width = undefined;
  if (base && width !== undefined) {
    const idx = node.type === "subscript_expression" ? (subscriptIndices(node) ?? []).map((c) => print(c, ctx)).join(", ") : "0";
    return `c2m_own(${base.text}, ${base.text}_in, ${base.text}_touched, ${idx}, ${width})`;
  }
  return printDefault(node, ctx);
}

const COMPOUND_ATOMIC: Record<string, string> = { "+=": "add", "-=": "sub", "&=": "and", "|=": "or", "^=": "xor" };

function printAssignment(node: CudaNode, ctx: PrintContext): string {
  const left = unparen(field(node, "left")!);
  const op = field(node, "operator")?.text ?? "=";
  const right = field(node, "right")!;
  if (isAtomicLvalue(left, ctx)) {
    const obj = `&${printDefault(left, ctx)}`;
    const val = print(right, ctx);
    if (op === "=") return `atomic_store_explicit(${obj}, ${val}, memory_order_relaxed)`;
    const aop = COMPOUND_ATOMIC[op];
    if (aop) return `atomic_fetch_${aop}_explicit(${obj}, ${val}, memory_order_relaxed)`;
    reportKernel(ctx.bag, "C2M-K002", position(node), `'${op}' on an atomic array element has no single Metal atomic operation`);
    return printDefault(node, ctx);
  }
  if (left.type === "identifier" && ctx.scope.aliases.has(left.text)) {
    const r = rootOf(right, ctx.scope);
    if (r) ctx.scope.aliases.set(left.text, r);
  }
  const repoint = left.type === "identifier" ? ctx.inoutAliases.get(left.text)?.moves?.find((m) => m.node.startIndex === node.startIndex) : undefined;
  if (repoint) {
    // `x = out + idx * C;` re-points a row pointer into an in-place buffer: its twins follow
    const off = repoint.terms ? repoint.terms.map((t) => print(t, ctx)).join(" + ") : repoint.offset ? print(repoint.offset, ctx) : undefined;
    const o = off ? ` + (${off})` : "";
    return `(${printDefault(node, ctx)}, ${left.text}_in = ${repoint.param}_in${o}, ${left.text}_touched = ${repoint.param}_touched${o})`;
  }
  const move = pointerMove(node, inoutPointers(ctx));
  if (move) {
    // `C += row * N` moves an in-place buffer: its copy-in and touched-mask twins move with it
    const rhs = print(move.right, ctx);
    return `(${[move.name, `${move.name}_in`, `${move.name}_touched`].map((t) => moveTwin(move, t, rhs)).join(", ")})`;
  }
  return printDefault(node, ctx);
}

/** In-place (inout-copy) buffer parameters and the row pointers into them: the pointers with `_in`/`_touched` twins. */
function inoutPointers(ctx: PrintContext): Set<string> {
  const params = (ctx.analysis?.buffers ?? []).filter((b) => b.role === "inout-copy" && ctx.fn.params.some((p) => p.name === b.param)).map((b) => b.param);
  return new Set([...params, ...ctx.inoutAliases.keys()]);
}

function printUpdate(node: CudaNode, ctx: PrintContext): string {
  const arg = unparen(field(node, "argument")!);
  if (isAtomicLvalue(arg, ctx)) {
    const op = field(node, "operator")?.text === "++" ? "add" : "sub";
    return `atomic_fetch_${op}_explicit(&${printDefault(arg, ctx)}, 1, memory_order_relaxed)`;
  }
  return printDefault(node, ctx);
}

function printCast(node: CudaNode, ctx: PrintContext): string {
  const td = field(node, "type");
  const value = field(node, "value")!;
  const ptr = td ? kids(td).find((c) => c.type === "abstract_pointer_declarator") : undefined;
  if (td && ptr) {
    const elem = kids(td)
      .filter((c) => c !== ptr && c.type !== "type_qualifier")
      .map((c) => print(c, ctx))
      .join(" ");
    ctx.helpers.add("c2m_cast");
    return `c2m_cast<${elem}>(${print(value, ctx)})`;
  }
  return printDefault(node, ctx);
}

function printCall(node: CudaNode, ctx: PrintContext): string {
  const name = calleeName(node);
  const args = callArgs(node);
  const fnNode = field(node, "function");
  if (kids(node).some((c) => c.type === "kernel_call_syntax")) {
    reportKernel(ctx.bag, "C2M-K003", position(node), `kernel launch inside a kernel (dynamic parallelism) of '${name}' has no Metal equivalent`);
    return `/* c2m: dynamic parallelism not translated */`;
  }
  if (isGridSync(node, ctx.fn.body)) {
    reportKernel(ctx.bag, "C2M-K005", position(node), "cooperative-groups grid synchronisation has no Metal equivalent (threadgroups cannot wait for each other)");
    return node.text;
  }
  if (isTileOfTile(node, ctx.fn.body)) {
    reportKernel(ctx.bag, "C2M-K035", position(node), "a tile partitioned from another tile is not translated; partition the thread block");
    return node.text;
  }
  const factory = coopFactoryAttributes(
    (fnNode?.type === "qualified_identifier" ? coopQualified(fnNode, ctx.coop)?.name : undefined) ??
      (ctx.coop.usingNamespace && fnNode?.type === "identifier" ? fnNode.text : "") ??
      "",
  );
  if (factory.length) {
    // Metal passes thread positions to the kernel: the group factory is given the ones it reads
    for (const a of factory) ctx.attributes.add(a);
    const printed = printDefault(node, ctx);
    const close = printed.lastIndexOf(")");
    return `${printed.slice(0, close)}${args.length ? ", " : ""}${factory.join(", ")}${printed.slice(close)}`;
  }
  if (!name) return printDefault(node, ctx);
  if (name === "memcpy" && args.length === 3) {
    ctx.helpers.add("c2m_memcpy");
    return `c2m_memcpy(${args.map((a) => print(a, ctx)).join(", ")})`;
  }
  if (name === "assert") {
    reportKernel(ctx.bag, "C2M-K025", position(node), `assert(${args.map((a) => a.text).join(", ")}) is not checked: Metal kernels cannot abort`);
    return "((void)0)";
  }
  if (BLOCK_VOTES[name] && args[0]) {
    if (!ctx.isKernel) {
      reportKernel(ctx.bag, "C2M-K002", position(node), `${name} in a __device__ function: its counter lives in threadgroup memory, which Metal declares only in the kernel`);
      return printDefault(node, ctx);
    }
    ctx.helpers.add("c2m_block_count");
    for (const a of ["thread_position_in_threadgroup", "threads_per_threadgroup"]) ctx.attributes.add(a);
    return BLOCK_VOTES[name](`bool(${print(args[0], ctx)})`);
  }
  if (UNSUPPORTED_CALLS[name]) {
    const code = /^(tex|surf)/.test(name) ? "C2M-K006" : "C2M-K002";
    reportKernel(ctx.bag, code, position(node), `${name}: ${UNSUPPORTED_CALLS[name]}`);
    return `/* c2m: ${name} not translated */ 0`;
  }
  const p = (i: number) => (args[i] ? print(args[i], ctx) : "");
  if (BARRIERS[name]) {
    if (name === "__syncthreads" && ctx.analysis?.accesses.some((a) => a.write && a.root.kind === "param")) {
      // CUDA's __syncthreads orders global memory within the block too
      return "threadgroup_barrier(mem_flags::mem_device | mem_flags::mem_threadgroup)";
    }
    return BARRIERS[name];
  }
  if (FENCES[name]) {
    reportKernel(
      ctx.bag,
      "C2M-K016",
      position(node),
      `${name} becomes atomic_thread_fence (Metal 3.2, macOS 15 and later); patterns where one threadgroup waits for another have no forward-progress guarantee on Apple GPUs`,
    );
    return FENCES[name];
  }
  const warp = WARP_FUNCTIONS[name];
  if (warp) {
    checkMask(args[0], name, ctx);
    const rest = args.slice(1);
    const width = warp.widthArg !== undefined ? rest[warp.widthArg] : undefined;
    if (width && /^\d+$/.test(width.text.trim()) && Number(width.text.trim()) > 32) {
      reportKernel(ctx.bag, "C2M-K015", position(width), `${name} with width ${width.text}: warps and Metal SIMD-groups are 32 lanes wide`);
      return fill(
        warp.metal,
        rest.map((a) => print(a, ctx)),
      );
    }
    if (width && !/^(32|warpSize)$/.test(width.text.trim())) {
      const helper = SEGMENTED_SHUFFLES[name];
      ctx.helpers.add("c2m_shfl");
      ctx.attributes.add("thread_index_in_simdgroup");
      return `${helper}(${print(rest[0], ctx)}, ${print(rest[1], ctx)}, ${print(width, ctx)}, thread_index_in_simdgroup)`;
    }
    return fill(
      warp.metal,
      rest.map((a) => print(a, ctx)),
    );
  }
  if (name === "__activemask") return "uint(uint64_t(simd_active_threads_mask()))";
  if (name === "__lanemask_lt") return "((1u << thread_index_in_simdgroup) - 1u)";
  const aop = ATOMIC_FUNCTIONS[name];
  if (aop) {
    const target = rootOf(args[0], ctx.scope);
    if (!ctx.atomicRoots(target) && !(target === undefined && !ctx.isKernel)) {
      reportKernel(ctx.bag, "C2M-K002", position(node), `${name} on '${args[0]?.text}', which c2m cannot declare atomic`);
    }
    const obj = p(0);
    if (aop === "cas") {
      ctx.helpers.add("c2m_atomic_cas");
      return `c2m_atomic_cas(${obj}, ${p(1)}, ${p(2)})`;
    }
    if (aop === "inc" || aop === "dec") {
      reportKernel(ctx.bag, "C2M-K002", position(node), `${name} (wrapping increment/decrement) has no Metal atomic`);
      return printDefault(node, ctx);
    }
    return METAL_ATOMICS[aop].replace("{obj}", obj).replace("{val}", p(1));
  }
  if (CACHE_HINTS[name] && args[0]) {
    const a = unparen(args[0]);
    const target = a.type === "pointer_expression" && field(a, "operator")?.text === "&" ? print(field(a, "argument")!, ctx) : `(*(${p(0)}))`;
    return CACHE_HINTS[name] === "store" ? `(${target} = ${p(1)})` : target;
  }
  if (VECTOR_CONSTRUCTORS[name]) return `${VECTOR_CONSTRUCTORS[name]}(${args.map((a) => print(a, ctx)).join(", ")})`;
  const math = MATH_FUNCTIONS[name];
  if (math && !ctx.unit.deviceFunctions.some((f) => f.name === name)) {
    if (math.startsWith("c2m_")) ctx.helpers.add(math);
    // CUDA's float functions (sqrtf) convert an int argument; Metal's overloads find it ambiguous
    const ints = /f$/.test(name) && math.startsWith("metal::") ? integerNames(ctx.fn) : undefined;
    const printed = args.map((a) => {
      const text = print(a, ctx);
      const u = unparen(a);
      return ints && ((u.type === "identifier" && ints.has(u.text)) || (u.type === "number_literal" && /^\d+$/.test(u.text))) ? `float(${text})` : text;
    });
    if (math.includes("{")) return fill(math, printed);
    return `${math}(${printed.join(", ")})`;
  }
  const device = ctx.unit.deviceFunctions.find((f) => f.name === name);
  if (device) {
    const extra = ctx.deviceAttrs.get(name) ?? [];
    for (const a of extra) ctx.attributes.add(a);
    const printed = printDefault(node, ctx);
    if (!extra.length) return printed;
    const close = printed.lastIndexOf(")");
    const sep = args.length ? ", " : "";
    return `${printed.slice(0, close)}${sep}${extra.join(", ")}${printed.slice(close)}`;
  }
  if (/^__[a-z]\w*$/.test(name) && !ctx.unit.macros.some((m) => m.name === name)) {
    // a CUDA intrinsic c2m has no mapping for: Metal would reject the name, so say which one
    reportKernel(ctx.bag, "C2M-K002", position(node), `CUDA intrinsic ${name} has no Metal mapping in c2m`);
    return printDefault(node, ctx);
  }
  if (/^(reinterpret_cast|static_cast|const_cast)$/.test(name) && fnNode?.type === "template_function") {
    const targ = named(field(fnNode, "arguments")!)[0];
    const ptr = targ ? kids(targ).find((c) => c.type === "abstract_pointer_declarator") : undefined;
    if (targ && ptr) {
      const elem = kids(targ)
        .filter((c) => c !== ptr && c.type !== "type_qualifier")
        .map((c) => print(c, ctx))
        .join(" ");
      ctx.helpers.add("c2m_cast");
      return `c2m_cast<${elem}>(${p(0)})`;
    }
  }
  return printDefault(node, ctx);
}

/** `f(a, g(b))` or `x[i]`: the bracket opened after the leading name closes at the very end. */
function closesAtEnd(a: string): boolean {
  const start = a.search(/[([]/);
  let depth = 0;
  for (let i = start; i < a.length; i++) {
    const c = a[i];
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") {
      depth--;
      if (depth === 0) {
        if (i === a.length - 1) return true;
        if (a[i + 1] !== "[" && a[i + 1] !== "(") return false;
      }
    }
  }
  return false;
}

function isLoopPragma(node: CudaNode): boolean {
  return /^#\s*pragma\s+(unroll|nounroll)\b/.test(node.text);
}

/** Whether the statement after a pragma is still a loop once printed (not collapsed by an idiom). */
function loopFollows(pragma: CudaNode, ctx: PrintContext): boolean {
  let next = pragma.nextNamedSibling;
  while (next?.type === "comment") next = next.nextNamedSibling;
  if (!next || !["for_statement", "while_statement", "do_statement", "for_range_loop"].includes(next.type)) return false;
  return next.type !== "for_statement" || warpReductionIdiom(next, ctx) === undefined;
}

const REDUCE_BY_COMBINER: Record<string, string> = {
  "+": "simd_sum",
  fmaxf: "simd_max",
  fmax: "simd_max",
  max: "simd_max",
  fminf: "simd_min",
  fmin: "simd_min",
  min: "simd_min",
};

/**
 * The full-warp xor-butterfly reduction
 *   for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffff, v, o);   (or v = fmaxf(v, ...))
 * leaves every lane holding the reduction of all 32 lanes, which is exactly `v = simd_sum(v)` (simd_max,
 * simd_min). Partial masks, widths other than 32 and shfl_down forms (which leave partial results in
 * the upper lanes) are translated shuffle by shuffle instead.
 */
function warpReductionIdiom(node: CudaNode, ctx: PrintContext): string | undefined {
  const init = field(node, "initializer");
  const cond = field(node, "condition");
  const update = field(node, "update");
  const body = field(node, "body");
  if (!init || !cond || !update || !body) return undefined;
  const m = /^(?:int|unsigned|unsigned int|uint)?\s*(\w+)\s*=\s*(16|warpSize\s*\/\s*2)\s*;?$/.exec(init.text.trim());
  if (!m) return undefined;
  const o = m[1];
  if (!new RegExp(`^${o}\\s*(>\\s*0|>=\\s*1)$`).test(cond.text.trim())) return undefined;
  if (!new RegExp(`^${o}\\s*(>>=\\s*1|/=\\s*2)$|^${o}\\s*=\\s*${o}\\s*(>>\\s*1|/\\s*2)$`).test(update.text.trim())) return undefined;
  const stmts = body.type === "compound_statement" ? named(body) : [body];
  if (stmts.length !== 1 || stmts[0].type !== "expression_statement") return undefined;
  const text = stmts[0].text.replace(/\s+/g, "");
  const shfl = `__shfl_xor_sync\\((0x[fF]{8}u?|-1|~0u?|__activemask\\(\\)),(\\w+),${o}(,(32|warpSize))?\\)`;
  let v: string | undefined;
  let fn: string | undefined;
  let r = new RegExp(`^(\\w+)\\+=${shfl};$`).exec(text);
  if (r && r[1] === r[3]) {
    v = r[1];
    fn = REDUCE_BY_COMBINER["+"];
  }
  r = r ? null : new RegExp(`^(\\w+)=(?:metal::|std::)?(\\w+)\\((\\w+),${shfl}\\);$`).exec(text);
  if (r && r[1] === r[3] && r[3] === r[5] && REDUCE_BY_COMBINER[r[2]]) {
    v = r[1];
    fn = REDUCE_BY_COMBINER[r[2]];
  }
  if (!v || !fn) return undefined;
  void ctx;
  return `${v} = ${fn}(${v});  // c2m: the xor-butterfly warp reduction over 32 lanes`;
}

/** Fills `{0}`, `{1}`… with arguments, parenthesised unless they are a single name, number or call. */
function fill(template: string, args: string[]): string {
  const simple = (a: string) => /^[\w.:]+$/.test(a) || (/^[\w.:]+(<[\w\s,:]*>)?[([]/.test(a) && closesAtEnd(a));
  return template.replace(/\{(\d+)\}/g, (_, i: string) => {
    const a = args[Number(i)] ?? "";
    return simple(a) ? a : `(${a})`;
  });
}

const FULL_MASKS = /^(0x[fF]{8}u?|0xFFFFFFFFu?|-1|~0u?|__activemask\(\)|FULL_MASK|FINAL_MASK|0xffffffffU)$/;

function checkMask(mask: CudaNode | undefined, name: string, ctx: PrintContext): void {
  if (!mask) return;
  const text = mask.text.replace(/\s+/g, "");
  const macro = ctx.unit.macros.find((m) => m.name === text);
  const value = macro ? macro.text.replace(/^#define\s+\w+\s*/, "").trim() : text;
  if (!FULL_MASKS.test(value) && !FULL_MASKS.test(text)) {
    reportKernel(ctx.bag, "C2M-K009", position(mask), `${name} with mask ${mask.text}: Metal SIMD-group functions take no mask; every active lane takes part`);
  }
}

function printDeclaration(node: CudaNode, ctx: PrintContext): string {
  const lambda = functionLambdas(ctx.fn.body).inlined.get(node.startIndex);
  if (lambda) return `// c2m: lambda '${lambda.name}' is inlined at its calls (MSL has no lambda expressions)`;
  // `SharedMemory<T> smem;`: only its `smem.getPointer()` is used, the view of dynamic shared memory (passes/kernel/shared-view.ts)
  if (ctx.isKernel && isSharedViewObject(node, ctx.unit)) return `// c2m: ${node.text.replace(/\s+/g, " ")} views the launch's dynamic shared memory`;
  const quals = qualifierWords(node);
  const isShared = quals.some((q) => q.includes("__shared__"));
  const typeNode = field(node, "type");
  const templateNames = new Set(ctx.fn.templateParams.filter((t) => t.kind === "type").map((t) => t.name));
  const structNames = new Set(ctx.unit.structs.map((s) => s.name));
  const leadingConst = quals.includes("const");
  const base = baseType(typeNode, templateNames, structNames);
  const decls = fields(node, "declarator");
  const typeText = typeNode ? print(typeNode, ctx) : "";
  const hoisted = isShared && !ctx.isKernel ? (hoistedShared(ctx.unit).get(ctx.fn.name) ?? []).filter((h) => h.node === node || h.node.startIndex === node.startIndex) : [];
  if (hoisted.length) return hoistedLocal(hoisted, (n) => print(n, ctx));
  if (isShared && !ctx.isKernel) {
    reportKernel(
      ctx.bag,
      "C2M-K002",
      position(node),
      `__shared__ memory declared in __device__ function '${ctx.fn.name}': Metal declares threadgroup memory only in the kernel; declare it in the kernel and pass a pointer`,
    );
  }
  if (isShared) {
    for (const d of decls) ctx.scope.shared.add(declaratorType(base, d, false).name ?? "");
    const sa = ctx.analysis?.shared;
    return decls
      .map((d) => {
        const { name, arrayDims } = declaratorType(base, d, false);
        const info = sa?.find((s) => s.name === name);
        const elem = info?.atomic ? `atomic<${typeText}>` : typeText;
        const volatile = quals.includes("volatile") ? "volatile " : "";
        if (info?.dynamic || (arrayDims.length === 0 && /\[\s*\]/.test(d.text))) {
          return `threadgroup ${volatile}${elem} ${name}[(${SHARED_BYTES_TEMPLATE} + sizeof(${typeText}) - 1) / sizeof(${typeText})];`;
        }
        return `threadgroup ${volatile}${elem} ${name}${arrayDims.map((x) => `[${print(x, ctx)}]`).join("")};`;
      })
      .join(" ");
  }
  // pointer locals: Metal pointers carry an address space; take it from what the pointer is set to
  const anyPointer = decls.some((d) => declaratorType(base, d, leadingConst).type.kind === "pointer");
  if (!anyPointer) {
    for (const d of decls) {
      const n = declaratorType(base, d, leadingConst).name;
      if (n) ctx.scope.aliases.delete(n);
    }
    return printDefault(node, ctx);
  }
  const parts: string[] = [];
  for (const d of decls) {
    const { type, name } = declaratorType(base, d, leadingConst);
    const init = d.type === "init_declarator" ? field(d, "value") : null;
    if (ctx.isKernel && name && type.kind === "pointer" && sharedViewCall(init, sharedViewTemplates(ctx.unit), ctx.unit)) {
      // `T *sdata = SharedMemory<T>();`: the launch's dynamic shared memory (passes/kernel/shared-view.ts)
      ctx.scope.shared.add(name);
      const elem = printType(type.pointee, ctx);
      parts.push(`threadgroup ${elem} ${name}[(${SHARED_BYTES_TEMPLATE} + sizeof(${elem}) - 1) / sizeof(${elem})];`);
      continue;
    }
    const initText = init ? print(init, ctx) : undefined;
    if (type.kind !== "pointer") {
      parts.push(`${typeText} ${print(d, ctx)};`);
      continue;
    }
    const r = rootOf(init, ctx.scope);
    if (r && name) ctx.scope.aliases.set(name, r);
    const space = addressSpaceOf(r, ctx);
    const vol = quals.includes("volatile") ? "volatile " : "";
    const constQ = type.isConst ? "const " : "";
    const pointee = type.pointee.kind === "pointer" ? undefined : printType(type.pointee);
    const twin = name ? ctx.inoutAliases.get(name) : undefined;
    if (twin?.elsewhere && name) {
      // it points into a read-only buffer until a statement re-points it into the in-place one (printAssignment)
      parts.push(`auto ${name}${initText !== undefined ? ` = ${initText}` : ""}; auto ${name}_in = ${twin.param}_in; auto ${name}_touched = ${twin.param}_touched;`);
      continue;
    }
    if (twin && name) {
      const off = twin.difference ? ` + (${name} - ${twin.param})` : twin.offset ? ` + (${print(twin.offset, ctx)})` : "";
      const nl = `\n${" ".repeat(node.startPosition.column)}`;
      parts.push(
        `${vol}${constQ}device ${pointee}* ${name}${initText !== undefined ? ` = ${initText}` : ""};${nl}auto ${name}_in = ${twin.param}_in${off};${nl}auto ${name}_touched = ${twin.param}_touched${off};`,
      );
      continue;
    }
    if (space === "input" && initText !== undefined) parts.push(`auto ${name} = ${initText};`);
    else if (space && pointee) parts.push(`${vol}${constQ}${space} ${pointee}* ${name}${initText !== undefined ? ` = ${initText}` : ""};`);
    else if (initText !== undefined) parts.push(`auto ${name} = ${initText};`);
    else parts.push(`thread ${constQ}${pointee ?? "void"}* ${name};`);
  }
  return parts.join(" ");
}

function addressSpaceOf(r: Root | undefined, ctx: PrintContext): string | undefined {
  if (!r) return undefined;
  // an atomic<T> array (shared or output): let auto carry the element type, `uint*` would not convert
  if (r.kind === "shared") return ctx.atomicRoots(r) ? undefined : "threadgroup";
  const plan = ctx.analysis?.buffers.find((b) => b.param === r.name);
  if (!plan) return undefined;
  if (plan.role === "input" || plan.role === "unused") return "input";
  if (ctx.atomicRoots(r)) return undefined;
  return "device";
}

/** Which Metal thread attributes each device function needs (directly or through calls). */
function deviceAttributeNeeds(unit: KernelUnit): Map<string, string[]> {
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
function printHeader(unit: KernelUnit, kernel: KFunction, kctx: PrintContext): string {
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
  return [...helperText, ...pieces.map((p) => p.text)].join("\n\n") + (pieces.length || helperText.length ? "\n" : "");
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

/** A file-scope constant (`__constant__ float c[4] = {...};`, `static const int K = 3;`) → program-scope `constant` data. */
function printConstant(node: CudaNode, ctx: PrintContext): string {
  const type = field(node, "type");
  const constexpr = qualifierWords(node).includes("constexpr") ? "constexpr " : "";
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
  const tparams = f.templateParams.map((t) => (t.kind === "type" ? `typename ${t.name}` : `${t.kind} ${t.name}`));
  const params: string[] = [];
  f.params.forEach((p, i) => {
    if (p.type.kind === "pointer") {
      const tn = `c2m_P${i}`;
      tparams.push(`typename ${tn}`);
      params.push(`${tn} ${p.name}`);
    } else if (p.type.kind === "reference") {
      params.push(`${printType(p.type, ctx)} ${p.name}`);
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
