/**
 * Metal printer: prints a kernel's body (the `source` of `mx.fast.metal_kernel`) and the `header` (the
 * `__device__` functions, structs and macros it uses) from the CUDA tree and the kernel analysis.
 *
 * The printer reproduces the CUDA text node by node, keeping whitespace and comments, and rewrites only
 * what differs in Metal: built-in index variables, `__shared__`, barriers, warp functions, atomics,
 * intrinsics, type names, pointer address spaces. Anything with no Metal equivalent is reported with a
 * located diagnostic (never dropped).
 */
import { checkThreadgroupMemory } from "./metal-limits.js";
import type { PrintContext } from "./metal-context.js";
import { isLoopPragma, loopFollows, packedVector, printCall, warpReductionIdiom } from "./metal-calls.js";
import { deviceAttributeNeeds, printHeader } from "./metal-header.js";
import type { CudaNode } from "../grammar/cuda.js";
import type { BufferPlan, KernelUnit, TemplateParam } from "../ir/kernel.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import { VECTOR_TYPES } from "../passes/kernel/tables.js";
import { BLOCK_VOTE_DECLARATION } from "./metal-block-votes.js";
import { declaratorType, baseType, dedentBody, field, fields, kids, position, qualifierWords, subscriptIndices } from "../passes/kernel/cst.js";
import { autoPointer, type KernelAnalysis, type Root, rootOf } from "../passes/kernel/buffers.js";
import { printOwnSpan } from "./metal-own-span.js";
import { callerBase } from "../passes/kernel/caller-reads.js";
import { reachableDeclarations } from "../passes/kernel/extract.js";
import { trapGuards } from "../passes/kernel/uniform-guard.js";
import { isSharedViewObject, sharedViewCall, sharedViewTemplates } from "../passes/kernel/shared-view.js";
import { earlyLambdaReturn, functionLambdas, printHoistedCall, printHoistedLambda, printInlinedCall } from "./metal-lambda.js";
import { deduceHoistedType, dynamicViews, hoistedDeclaration, hoistedLocal, hoistedShared } from "./metal-hoist.js";
import { volatileNames, volatileStep } from "./warp-sync.js";
import { reconvergenceBarriers } from "./metal-simd-sync.js";
import { DEVICE_FUNCTION_QUALIFIERS, memberStorage, metalName, printReferenceMethod } from "./metal-structs.js";
import { bufferVectorType, metalTemplateParams } from "./metal-types.js";
import { reportWideTileCollectivesApart } from "./coop-wide.js";
import { coopDirectiveComment, coopInfo } from "./coop.js";
import { constexprIf, isTypeTestBranch } from "./metal-type-test.js";
import { printAccess, printAssignment, printCast, printUpdate } from "./metal-access.js";
import { printField, printRawBitsStore, printIdentifier, printQualified, printType, printTypeName } from "./metal-names.js";

/**
 * The dtype of an in-place buffer's mask of the elements the kernel took over: uint8, or uint32 where the
 * kernel has atomic outputs (MLX then declares every output `atomic<T>`, and Metal has no 8-bit atomics) or the
 * buffer is read through its flags (BufferPlan.readThrough: atomic words).
 */
export function inPlaceMaskDtype(atomicOutputs: boolean, readThrough = false): "uint8" | "uint32" {
  return atomicOutputs || readThrough ? "uint32" : "uint8";
}

/** The dynamic shared memory size, in bytes, passed as an MLX template argument. */
export const SHARED_BYTES_TEMPLATE = "C2M_SHARED_BYTES";

export interface MetalKernel {
  name: string;
  source: string;
  header: string;
  inputNames: string[];
  outputNames: string[];
  atomicOutputs: boolean;
  /** MLX template parameters in order: the kernel's own, then C2M_SHARED_BYTES when dynamic shared memory is used */
  templateParams: TemplateParam[];
  /** launch guards the Python wrapper checks before the launch (passes/kernel/uniform-guard.ts): a Python condition, the ValueError's text */
  launchChecks: { python: string; message: string; multiples?: Record<string, number> }[];
}

export function printKernel(unit: KernelUnit, analysis: KernelAnalysis, bag: DiagnosticBag): MetalKernel {
  const k = analysis.kernel;
  const helpers = new Set<string>();
  const deviceAttrs = deviceAttributeNeeds(unit);
  checkThreadgroupMemory(unit, k, analysis.shared, bag);
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
    callerBases: new Set(),
    takeOnAtomic: new Set(),
    volatiles: volatileNames(k),
    lambdaFunctions: [],
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
      const spelled = metalName(p.name);
      // a vector passed by value (flownet2's `const long4 input1_size`) arrives as a 1-D array of its components
      const byValueVector = p.type.kind === "vector" ? p.type : undefined;
      inputNames.push(assigned || byValueVector ? `${spelled}_arg` : spelled);
      if (byValueVector) {
        const parts = Array.from({ length: byValueVector.width }, (_, i) => `${spelled}_arg[${i}]`).join(", ");
        prologue.push(`${printType(p.type, ctx)} ${spelled} = ${printType(p.type, ctx)}(${parts});`);
      } else if (assigned) prologue.push(`${printType(p.type, ctx)} ${spelled} = ${spelled}_arg;`);
      if (p.type.kind === "scalar" && p.type.name === "double") reportKernel(bag, "C2M-K011", position(p.node), `parameter '${p.name}' is double; Metal computes it as float`);
      continue;
    }
    const vector = plan.pointee.kind === "vector";
    const bufferName = vector ? `${p.name}_elems` : p.name;
    // CUDA's 3-vectors are 12 bytes in memory, Metal's float3 16: a buffer of them is read as packed_float3
    const elemType = vector ? bufferVectorType(VECTOR_TYPES[(plan.pointee as { name: string }).name]!) : "";
    if (vector) {
      helpers.add("c2m_cast");
      prologue.push(`auto ${p.name} = c2m_cast<${elemType}>(${bufferName});`);
    }
    // 16-bit floats as 32-bit words: MLX passes the buffer as words, the kernel sees a view of them (emit/metal-atomic16.ts)
    const wordsView = () => {
      helpers.add("c2m_atomic16");
      outputNames.push(`${bufferName}_words`);
      prologue.push(`auto ${bufferName} = c2m_atomic_view<${printType(plan.pointee, ctx)}>(${bufferName}_words);`);
    };
    switch (plan.role) {
      case "input":
      case "unused":
        inputNames.push(bufferName);
        break;
      case "output":
        if (plan.words16) wordsView();
        else outputNames.push(bufferName);
        break;
      case "atomic-accumulate":
        if (plan.words16) wordsView();
        else outputNames.push(bufferName);
        // the caller's array, and the output's first element: a returned value folds in the caller's element at the same offset
        if (plan.foldsFetched) {
          inputNames.push(`${bufferName}_in`);
          prologue.push(`auto const ${p.name}_base = ${p.name};`);
        }
        break;
      case "inout-copy":
        inputNames.push(`${bufferName}_in`);
        if (plan.words16) wordsView();
        else outputNames.push(bufferName);
        if (vector) prologue.push(`auto ${p.name}_in = c2m_cast<${elemType}>(${bufferName}_in);`);
        if (plan.readThrough) {
          // reads through the flags its stores set, nothing copied in (passes/kernel/read-through.ts)
          helpers.add("c2m_rt");
          (ctx.readThrough ??= new Set()).add(p.name);
          masks.push(`${bufferName}_touched`);
        }
        if (plan.ownAccess) {
          // every access copies its element in on first touch (passes/kernel/buffers.ts ownAccess)
          if (!analysis.atomicOutputs) helpers.add("c2m_own");
          const width = vector ? VECTOR_TYPES[(plan.pointee as { name: string }).name].width : 1;
          ctx.own.set(p.name, width);
          for (const n of plan.ownAccess.callerReads ?? []) {
            const b = callerBase(n);
            if (b) ctx.callerBases.add(b.startIndex);
          }
          for (const al of plan.ownAccess.aliases) {
            ctx.inoutAliases.set(al.name, { param: p.name, offset: al.offset, difference: al.difference, moves: al.moves, elsewhere: al.elsewhere });
            ctx.own.set(al.name, width);
          }
          if (vector) prologue.push(`auto ${p.name}_touched = ${bufferName}_touched;`);
          masks.push(`${bufferName}_touched`);
        }
        if (plan.takeOnAtomic) {
          // each atomic takes its element over first (emit/metal-calls.ts): the flags are the mask
          ctx.takeOnAtomic.add(p.name);
          const why = `each atomic on it first takes its element over from the caller's array, and a device-scope fence orders the copy before the other threads' atomics${plan.pointee.kind === "template" ? ` (Metal stores atomically only 32-bit int, uint and float: the wrapper raises for another ${plan.pointee.name})` : ""}`;
          reportKernel(bag, "C2M-K016", position(p.node), `buffer '${p.name}': ${why}: atomic_thread_fence (Metal 3.2, macOS 15 and later)`);
          masks.push(`${bufferName}_touched`);
        }
        for (const [i, st] of (plan.copyAt?.statements ?? []).entries()) {
          if (i > 0) break;
          const idxText = printIndexOf(analysis, p.name, ctx);
          const at = plan.copyAt!.alias?.name ?? p.name;
          // the mask records which elements the kernel took over; the wrapper keeps the caller's value elsewhere
          // with atomic outputs the element and its flag are atomic<T>: stored atomically (this thread alone touches them)
          ctx.before.set(
            st,
            analysis.atomicOutputs
              ? `atomic_store_explicit(&${at}[${idxText}], ${at}_in[${idxText}], memory_order_relaxed); atomic_store_explicit(&${at}_touched[${idxText}], 1u, memory_order_relaxed);`
              : `${at}[${idxText}] = ${at}_in[${idxText}]; ${at}_touched[${idxText}] = 1;`,
          );
          if (plan.copyAt!.alias) ctx.inoutAliases.set(plan.copyAt!.alias.name, { param: p.name, offset: plan.copyAt!.alias.offset, difference: plan.copyAt!.alias.difference });
          masks.push(`${p.name}_touched`);
        }
        if (plan.copyBeforeCall) {
          // the element a device function touches, copied in before its call (passes/kernel/helper-copy.ts)
          const c = plan.copyBeforeCall;
          const store = analysis.atomicOutputs
            ? `atomic_store_explicit(&${p.name}[c2m_e], ${p.name}_in[c2m_e], memory_order_relaxed); atomic_store_explicit(&${p.name}_touched[c2m_e], 1u, memory_order_relaxed);`
            : `${p.name}[c2m_e] = ${p.name}_in[c2m_e]; ${p.name}_touched[c2m_e] = 1;`;
          const copy = `${c.guard ? `if (${printSnippet(c.guard, ctx)}) ` : ""}{ auto c2m_e = ${printSnippet(c.element, ctx)}; ${store} }`;
          const pre = ctx.before.get(c.statement);
          ctx.before.set(c.statement, pre === undefined ? copy : `${pre} ${copy}`);
          masks.push(`${p.name}_touched`);
        }
        break;
    }
  }

  outputNames.push(...masks);
  // __shared__ arrays of the device functions it reaches, declared here (emit/metal-hoist.ts)
  const reached = reachableDeclarations(unit, k);
  const hoisted = [...hoistedShared(unit)].filter(([fn]) => reached.has(fn)).flatMap(([, hs]) => hs);
  const dynamic: { h: (typeof hoisted)[number]; type: string }[] = [];
  for (const h of hoisted) {
    const deduced = h.typeParam ? deduceHoistedType(unit, k, h) : undefined;
    if (deduced && "why" in deduced) {
      reportKernel(
        bag,
        "C2M-K002",
        position(h.node),
        `__shared__ memory declared in __device__ function '${h.fn}', of its template parameter type '${h.typeParam}': ${deduced.why}`,
      );
      continue;
    }
    if (h.dynamic) dynamic.push({ h, type: deduced?.type ?? print(h.type, ctx) });
    else prologue.push(hoistedDeclaration(h, (n) => print(n, ctx), SHARED_BYTES_TEMPLATE, deduced?.type));
  }
  // CUDA's extern __shared__ arrays all name the launch's dynamic shared memory: one array, the others pointing to it
  const views = dynamicViews(dynamic, SHARED_BYTES_TEMPLATE);
  prologue.push(...views.lines);
  ctx.dynamicStorage = views.storage;
  for (const h of views.apart)
    reportKernel(
      bag,
      "C2M-K002",
      position(h.node),
      `__shared__ memory declared in __device__ function '${h.fn}': its extern __shared__ array aliases the kernel's other dynamic shared array '${views.storage!.name}' of another element type, whose alignment c2m cannot give it`,
    );
  reconvergenceBarriers(k.body, ctx.before);
  // a guard on the launch's scalars that only prints and traps: checked by the Python wrapper before the launch
  const guards = trapGuards(unit, k);
  for (const g of guards) {
    ctx.replaced ??= new Map();
    ctx.replaced.set(
      g.node.startIndex,
      `// c2m: C2M-K057 checked by the Python wrapper before the launch (it raises ValueError): ${g.node.text.split("\n")[0]!.trim().replace(/\*\//g, "* /")}`,
    );
    reportKernel(
      bag,
      "C2M-K057",
      position(g.node),
      `the kernel's guard prints and traps when a condition of its scalar arguments holds ('${field(g.node, "condition")!.text.replace(/\s+/g, " ")}'); Metal can neither print nor trap, and the condition is the same for every thread of the launch, so the Python wrapper checks it before the launch and raises ValueError("${g.message}"), and the guard is left out of the Metal`,
    );
  }
  let body = printBody(k.body, ctx);
  reportWideTileCollectivesApart(k.body, unit.macros, bag);
  if (helpers.has("c2m_block_count")) prologue.unshift(BLOCK_VOTE_DECLARATION);
  if (prologue.length) body = `${prologue.join("\n")}\n${body}`;
  const templateParams = metalTemplateParams(unit, k, bag);
  if (analysis.dynamicShared || hoisted.some((h) => h.dynamic)) templateParams.push({ name: SHARED_BYTES_TEMPLATE, kind: "int" });

  const header = printHeader(unit, k, ctx);
  return {
    name: k.name,
    source: body,
    header,
    inputNames,
    outputNames,
    atomicOutputs: analysis.atomicOutputs,
    templateParams,
    launchChecks: guards.map((g) => ({ python: g.python, message: g.message, ...(g.multiples ? { multiples: g.multiples } : {}) })),
  };
}

/** An expression c2m parsed on its own (passes/kernel/helper-copy.ts), printed against its own text. */
function printSnippet(node: CudaNode, ctx: PrintContext): string {
  let root = node;
  while (root.parent) root = root.parent;
  return print(node, { ...ctx, unit: { ...ctx.unit, source: root.text } });
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
export function printDefault(node: CudaNode, ctx: PrintContext): string {
  const cs = kids(node);
  if (cs.length === 0) return node.text;
  return printRange(node, node.startIndex, node.endIndex, cs, ctx);
}

export function print(node: CudaNode, ctx: PrintContext): string {
  // a read that sees only the caller's values reads the caller's array (passes/kernel/caller-reads.ts)
  if (node.type === "identifier" && ctx.callerBases.has(node.startIndex)) return `${node.text}_in`;
  const replaced = ctx.replaced?.get(node.startIndex);
  if (replaced !== undefined && ctx.isKernel) return replaced;
  const pre = ctx.before.size ? ctx.before.get(node) : undefined;
  const text = (ctx.own.size ? printOwnSpan(node, ctx, (n) => print(n, ctx)) : undefined) ?? printNode(node, ctx);
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
    case "call_expression": {
      const hoisted = functionLambdas(ctx.fn.body).hoistedCalls.get(node.startIndex);
      return hoisted ? printHoistedCall(node, hoisted, (n) => print(n, ctx)) : printCall(node, ctx);
    }
    case "declaration":
      return printDeclaration(node, ctx);
    case "assignment_expression":
      return printRawBitsStore(node, ctx) ?? printAssignment(node, ctx);
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
    case "return_statement":
      return earlyLambdaReturn(node, ctx.fn.body) ? "break;" : printDefault(node, ctx);
    case "number_literal":
      return node.text.replace(/(\d)(ll|LL|ull|ULL)$/, "$1l");
    case "expression_statement": {
      const lambda = functionLambdas(ctx.fn.body).calls.get(node.startIndex);
      if (lambda) return printInlinedCall(node, lambda, (n) => print(n, ctx));
      return volatileStep(node, ctx.volatiles, (n) => print(n, ctx)) ?? printDefault(node, ctx);
    }
    case "if_statement":
      return isTypeTestBranch(node) ? constexprIf(printDefault(node, ctx)) : printDefault(node, ctx);
    case "for_statement": {
      const idiom = warpReductionIdiom(node, ctx);
      return idiom ?? printDefault(node, ctx);
    }
    case "static_assert_declaration": {
      // MSL is C++14, where static_assert takes a message
      const printed = printDefault(node, ctx);
      const cond = field(node, "condition");
      if (field(node, "message") || !cond) return printed;
      return printed.replace(/\)\s*;\s*$/, ', "");');
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

function printDeclaration(node: CudaNode, ctx: PrintContext): string {
  const lambda = functionLambdas(ctx.fn.body).inlined.get(node.startIndex);
  if (lambda) return `// c2m: lambda '${lambda.name}' is inlined at its calls (MSL has no lambda expressions)`;
  const asFunction = functionLambdas(ctx.fn.body).hoisted.get(node.startIndex);
  if (asFunction) {
    ctx.lambdaFunctions.push(printHoistedLambda(asFunction, ctx.fn.name, (n) => print(n, ctx)));
    return `// c2m: lambda '${asFunction.name}' is the header's function ${asFunction.helper} (MSL has no lambda expressions)`;
  }
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
          const storage = ctx.isKernel ? ctx.dynamicStorage : undefined;
          if (storage && storage.type === typeText && !info?.atomic) return `threadgroup ${volatile}${elem}* ${name} = ${storage.name};`;
          if (storage)
            reportKernel(
              ctx.bag,
              "C2M-K002",
              position(node),
              `extern __shared__ array '${name}' aliases the dynamic shared array '${storage.name}' of a device function, of another element type${info?.atomic ? " or atomic" : ""}, whose alignment c2m cannot give it`,
            );
          return `threadgroup ${volatile}${elem} ${name}[(${SHARED_BYTES_TEMPLATE} + sizeof(${typeText}) - 1) / sizeof(${typeText})];`;
        }
        return `threadgroup ${volatile}${elem} ${name}${arrayDims.map((x) => `[${print(x, ctx)}]`).join("")};`;
      })
      .join(" ");
  }
  // pointer locals: Metal pointers carry an address space; take it from what the pointer is set to
  // `auto p = out + i;` is a pointer local too (passes/kernel/buffers.ts autoPointer)
  const isPointer = (d: CudaNode) => declaratorType(base, d, leadingConst).type.kind === "pointer" || autoPointer(node, d, ctx.scope);
  const anyPointer = decls.some(isPointer);
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
    if (!isPointer(d)) {
      parts.push(`${typeText} ${print(d, ctx)};`);
      continue;
    }
    // declared without a value: it points where the kernel later sets it (buffers.ts follows the assignment)
    const r = rootOf(init, ctx.scope) ?? (!init && name ? ctx.analysis?.aliases.get(name) : undefined);
    if (r && name) ctx.scope.aliases.set(name, r);
    const space = addressSpaceOf(r, ctx);
    const vol = quals.includes("volatile") ? "volatile " : "";
    const constQ = type.kind === "pointer" && type.isConst ? "const " : "";
    // a pointer to 3-vectors cast from other memory (gsplat's vec3 arrays carved out of shared memory) keeps CUDA's 12-byte layout
    const cast = !!init && /^(reinterpret_cast|static_cast)\s*</.test(init.text.trim());
    const pointee = type.kind !== "pointer" || type.pointee.kind === "pointer" ? undefined : cast ? packedVector(printType(type.pointee)) : printType(type.pointee);
    const twin = name ? ctx.inoutAliases.get(name) : undefined;
    if (twin?.elsewhere && name) {
      // it points into a read-only buffer until a statement re-points it into the in-place one (printAssignment)
      parts.push(`auto ${name}${initText !== undefined ? ` = ${initText}` : ""}; auto ${name}_in = ${twin.param}_in; auto ${name}_touched = ${twin.param}_touched;`);
      continue;
    }
    if (twin && name) {
      const off = twin.difference ? ` + (${name} - ${twin.param})` : twin.offset ? ` + (${print(twin.offset, ctx)})` : "";
      const nl = `\n${" ".repeat(node.startPosition.column)}`;
      // into an atomic<T> output (the kernel has atomic outputs): auto carries the element type
      const decl = ctx.atomicRoots(r) || pointee === undefined ? "auto" : `${vol}${constQ}device ${pointee}*`;
      parts.push(
        `${decl} ${name}${initText !== undefined ? ` = ${initText}` : ""};${nl}auto ${name}_in = ${twin.param}_in${off};${nl}auto ${name}_touched = ${twin.param}_touched${off};`,
      );
      continue;
    }
    // declared without a value, pointed into a parameter later: the parameter's own type (its address space, atomic<T>
    // for an atomic output, `constant` for a small input), when it points to the same element type
    const param = !init && r?.kind === "param" ? ctx.fn.params.find((p) => p.name === r.name) : undefined;
    if (param?.type.kind === "pointer" && pointee !== undefined && printType(param.type.pointee) === pointee) {
      parts.push(`decltype(${metalName(r!.name)}) ${name};`);
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
