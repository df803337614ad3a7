/**
 * The Metal printer's calls: kernel launches and grid syncs refused, cooperative-groups factories,
 * barriers, warp functions and their masks, atomics, intrinsics, casts, the warp-reduction idiom.
 */
import type { PrintContext } from "./metal-context.js";
import { print, printDefault } from "./metal.js";
import type { CudaNode } from "../grammar/cuda.js";
import type { KFunction, KMacro } from "../ir/kernel.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import {
  ATOMIC_ACCUMULATE,
  ATOMIC_FUNCTIONS,
  BARRIERS,
  FENCES,
  MATH_FUNCTIONS,
  METAL_ATOMICS,
  SEGMENTED_SHUFFLES,
  CACHE_HINTS,
  POINTER_HINTS,
  SCALAR_TYPES,
  UNSUPPORTED_CALLS,
  unsupportedLibrary,
  VECTOR_CONSTRUCTORS,
  WARP_FUNCTIONS,
} from "../passes/kernel/tables.js";
import { BLOCK_VOTES } from "./metal-block-votes.js";
import { glmFunction } from "../passes/kernel/glm.js";
import { cubCollectiveIndex, cubCollectives } from "./metal-cub.js";
import { calleeName, callArgs, field, kids, named, position, resultUsed, unparen, walk } from "../passes/kernel/cst.js";
import { rootOf, same } from "../passes/kernel/buffers.js";
import { printCurandCall } from "./metal-curand.js";
import { elementType } from "../passes/kernel/aten-compound.js";
import { printType } from "./metal-names.js";
import { alwaysIntegerNames, integerNames } from "./metal-types.js";
import { coopFactoryAttributes, coopQualified, isGridSync, isTileOfTile } from "./coop.js";
import { nameTable } from "../ir/tables.js";

export function printCall(node: CudaNode, ctx: PrintContext): string {
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
  if (POINTER_HINTS.has(name) && args[0]) return `(${print(args[0], ctx)})`;
  const random = printCurandCall(node, name, args, ctx, (a) => print(a, ctx));
  if (random !== undefined) return random;
  const library = unsupportedLibrary(name);
  if (library) {
    reportKernel(ctx.bag, "C2M-K002", position(node), `${name}: ${library}`);
    return `/* c2m: ${name} not translated */ 0`;
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
    // a 16-bit float target is refused for what Metal's atomics hold (K044), not for where it points, unless it is an
    // add into a buffer taken as 32-bit words (emit/metal-atomic16.ts): an output of the kernel, or a helper's pointer
    const sixteen = sixteenBitAtomicTarget(args[0], ctx.fn);
    const words = sixteen && aop === "add" && target?.kind === "param" && (!ctx.isKernel || !!ctx.analysis?.buffers.find((b) => b.param === target.name)?.words16);
    if (words) ctx.helpers.add("c2m_atomic16");
    const narrow = words ? undefined : sixteen;
    // a buffer the kernel's analysis refused (C2M-K046/K007 say why) is not declared atomic either: no second error for it
    const refused = target?.kind === "param" && ctx.analysis?.ok === false;
    if (!narrow && !refused && !ctx.atomicRoots(target) && !(target === undefined && !ctx.isKernel)) {
      reportKernel(ctx.bag, "C2M-K002", position(node), `${name} on '${args[0]?.text}', which c2m cannot declare atomic`);
    }
    if (narrow)
      reportKernel(
        ctx.bag,
        "C2M-K044",
        position(node),
        `${name} on '${args[0]?.text}', a ${narrow}: Metal's atomic<T> holds only 32-bit int, uint and float (and 64-bit ulong for min/max), with no atomic on half, bfloat or their pairs; c2m adds into a 16-bit float output of the kernel by compare-exchange on the 32-bit word holding the element, ${aop !== "add" ? `but not a ${aop}` : target?.kind === "param" ? "and this buffer is not one (it is read or written without atomics too, or its element is not 16-bit)" : "and this address is not an element of a buffer the kernel or helper is given (it is computed through an integer, or points to shared memory)"}`,
      );
    // an element of an in-place buffer updated only by atomics takes the caller's value over first (BufferPlan.takeOnAtomic)
    const take = target?.kind === "param" && ctx.isKernel && ctx.takeOnAtomic.has(target.name);
    if (take) ctx.helpers.add("c2m_atomic_take");
    const obj = take ? `c2m_atomic_take(${p(0)}, ${target.name}, ${target.name}_touched, ${target.name}_in)` : p(0);
    if (aop === "cas") {
      ctx.helpers.add("c2m_atomic_cas");
      return `c2m_atomic_cas(${obj}, ${p(1)}, ${p(2)})`;
    }
    const offset = target?.kind === "param" && ctx.isKernel ? ctx.analysis?.buffers.find((b) => b.param === target.name && b.offsetFromCaller) : undefined;
    if ((aop === "inc" || aop === "dec") && offset) {
      // a ticket counter held as its offset from the caller's value (passes/kernel/ticket-counter.ts)
      ctx.helpers.add(`c2m_atomic_${aop}_from`);
      return `c2m_atomic_${aop}_from(${obj}, uint(${p(1)}), ${offset.param}_in[(${obj}) - ${offset.param}_base])`;
    }
    if (aop === "inc" || aop === "dec") {
      // a wrapping increment/decrement: a compare-exchange loop on the 32-bit word (emit/metal-helpers.ts)
      ctx.helpers.add(`c2m_atomic_${aop}`);
      return `c2m_atomic_${aop}(${obj}, uint(${p(1)}))`;
    }
    const fetched = METAL_ATOMICS[aop].replace("{obj}", obj).replace("{val}", p(1));
    return foldCaller(node, target, fetched, obj, ctx);
  }
  if (CACHE_HINTS[name] && args[0]) {
    const a = unparen(args[0]);
    const target = a.type === "pointer_expression" && field(a, "operator")?.text === "&" ? print(field(a, "argument")!, ctx) : `(*(${p(0)}))`;
    return CACHE_HINTS[name] === "store" ? `(${target} = ${p(1)})` : target;
  }
  const glm = name.startsWith("glm::") ? glmFunction(name, args.length) : undefined;
  if (glm) {
    if (glm.startsWith("c2m_")) ctx.helpers.add("c2m_glm");
    return `${glm}(${args.map((a) => print(a, ctx)).join(", ")})`;
  }
  if (VECTOR_CONSTRUCTORS[name]) return `${VECTOR_CONSTRUCTORS[name]}(${args.map((a) => print(a, ctx)).join(", ")})`;
  const math = MATH_FUNCTIONS[name];
  if ((math || DOUBLE_MATH.has(name)) && !ctx.unit.deviceFunctions.some((f) => f.name === name)) {
    if (math?.startsWith("c2m_")) ctx.helpers.add(/^\w+/.exec(math)![0]);
    // CUDA's float functions (sqrtf) convert an int argument, and a 16-bit one: Metal's overloads find an int
    // ambiguous, and take a half as half (a half-precision sqrt, a fmax(half, float) that does not compile)
    const ints = /f$/.test(name) && math?.startsWith("metal::") ? integerNames(ctx.fn) : undefined;
    const printed = args.map((a) => {
      const text = print(a, ctx);
      const u = unparen(a);
      // `floor(xf + 0.5)` is CUDA's double floor; Metal has no double, and its float and half overloads both take a double argument
      const double = DOUBLE_MATH.has(name) && hasDoubleLiteral(u);
      return double || (ints && (integerValued(u, ints, ctx.unit.constants) || maySixteenBit(u, ctx))) ? `float(${text})` : text;
    });
    if (!math) return `${name}(${printed.join(", ")})`;
    if (math.includes("{")) return fill(math, printed);
    if (mixesSignedness(name, args, ctx.fn, ctx.unit.macros)) return `${math}(${printed.map((t) => `uint(${t})`).join(", ")})`;
    return `${math}(${printed.join(", ")})`;
  }
  // a CUB collective's constructor (`BlockReduce(temp_storage)`): given the thread's linear index, which Metal passes as an attribute
  // `typename Ktraits::BlockLoadT(smem).Load(...)` after the traits are unfolded: `cub::BlockLoad<T, 128, 4>(smem)`
  const collectiveIndex =
    fnNode?.type === "identifier" ? cubCollectives([ctx.fn.body, ctx.unit.root]).get(name) : fnNode?.type === "qualified_identifier" ? cubCollectiveIndex(fnNode) : undefined;
  if (collectiveIndex) {
    ctx.attributes.add(collectiveIndex);
    const printed = printDefault(node, ctx);
    const close = printed.lastIndexOf(")");
    return `${printed.slice(0, close)}${args.length ? ", " : ""}${collectiveIndex}${printed.slice(close)}`;
  }
  const device = ctx.unit.deviceFunctions.find((f) => f.name === name);
  if (device) {
    const extra = ctx.deviceAttrs.get(name) ?? [];
    for (const a of extra) ctx.attributes.add(a);
    // an address into an in-place buffer whose atomics take their element over (BufferPlan.takeOnAtomic) handed to
    // the helper that applies them: taken over at the call, the helper touching only that element (helper-take.ts)
    const takes = args.map((a) => {
      const r = ctx.isKernel ? rootOf(a, ctx.scope) : undefined;
      return r?.kind === "param" && ctx.takeOnAtomic.has(r.name) ? r.name : undefined;
    });
    // a 128-bit helper's address (load128/store128, AccessSite.span128) takes over each element of its 16 bytes
    const span = (a: CudaNode) => !!ctx.analysis?.accesses.some((s) => s.span128 && same(s.node, a));
    if (takes.some(Boolean)) ctx.helpers.add("c2m_atomic_take");
    if (takes.some((t, i) => t && span(args[i]!))) ctx.helpers.add("c2m_atomic_take128");
    const printed = takes.some(Boolean)
      ? `${print(fnNode!, ctx)}(${args.map((a, i) => (takes[i] ? `c2m_atomic_take${span(a) ? "128" : ""}(${print(a, ctx)}, ${takes[i]}, ${takes[i]}_touched, ${takes[i]}_in)` : print(a, ctx))).join(", ")})`
      : printDefault(node, ctx);
    if (!extra.length) return printed;
    // the thread positions go after every declared parameter: arguments the call leaves to their defaults are
    // written out first (llm.c's blockReduce(val) of `blockReduce(float val, bool final_sync = false, ...)`)
    const defaults = device.params.slice(args.length).map((p) => (p.defaultValue ? print(p.defaultValue, ctx) : undefined));
    const all = [...(defaults.every((d) => d !== undefined) ? defaults : []), ...extra];
    const close = printed.lastIndexOf(")");
    const sep = args.length ? ", " : "";
    return `${printed.slice(0, close)}${sep}${all.join(", ")}${printed.slice(close)}`;
  }
  if (/^__[a-z]\w*$/.test(name) && !ctx.unit.macros.some((m) => m.name === name)) {
    // a CUDA intrinsic c2m has no mapping for: Metal would reject the name, so say which one
    reportKernel(ctx.bag, "C2M-K002", position(node), `CUDA intrinsic ${name} has no Metal mapping in c2m`);
    return printDefault(node, ctx);
  }
  if (/^(reinterpret_cast|static_cast|const_cast)$/.test(name) && fnNode?.type === "template_function") {
    const targ = named(field(fnNode, "arguments")!)[0];
    const viewed = name === "reinterpret_cast" && targ ? reinterpretedView(targ, ctx) : undefined;
    if (viewed) {
      ctx.helpers.add("c2m_cast");
      return viewed.reference ? `(*c2m_cast<${viewed.type}>(&(${p(0)})))` : `c2m_cast<${viewed.type}>(${p(0)})`;
    }
    const ptr = targ ? kids(targ).find((c) => c.type === "abstract_pointer_declarator") : undefined;
    if (targ && ptr) {
      const elem = kids(targ)
        .filter((c) => c !== ptr && c.type !== "type_qualifier")
        .map((c) => print(c, ctx))
        .join(" ");
      // `atomicAdd(&reinterpret_cast<float*>(dweight)[w], v)` into a float buffer that is atomic in Metal: the cast
      // changes nothing, and through c2m_cast it would drop the atomic type the target needs
      const r = rootOf(args[0] ?? null, ctx.scope);
      const buffer = r?.kind === "param" ? ctx.fn.params.find((q) => q.name === r.name)?.type : undefined;
      if (ctx.atomicRoots(r) && buffer?.kind === "pointer" && printType(buffer.pointee, ctx) === elem) return `(${p(0)})`;
      ctx.helpers.add("c2m_cast");
      // memory seen as 3-vectors has CUDA's layout (12 bytes for a float3): Metal's packed_float3, not its 16-byte float3
      return `c2m_cast<${packedVector(elem)}>(${p(0)})`;
    }
  }
  return printDefault(node, ctx);
}

/**
 * `reinterpret_cast<T&>(x)`, `reinterpret_cast<T (&)[N]>(x)` and `reinterpret_cast<T (*)[N]>(p)`: a view of the
 * same memory, which in Metal must keep its address space, so it goes through c2m_cast as a pointer cast does
 * (a reference as the pointer to it, dereferenced): `T` (`T[N]`) and whether the cast is to a reference.
 */
function reinterpretedView(targ: CudaNode, ctx: PrintContext): { type: string; reference: boolean } | undefined {
  const decl = field(targ, "declarator");
  const elem = () =>
    kids(targ)
      .filter((c) => c !== decl && c.type !== "type_qualifier")
      .map((c) => print(c, ctx))
      .join(" ");
  if (decl?.type === "abstract_reference_declarator" && !named(decl).length) return { type: elem(), reference: true };
  if (decl?.type !== "abstract_array_declarator") return undefined;
  const inner = field(decl, "declarator");
  const size = field(decl, "size");
  const what = inner?.type === "abstract_parenthesized_declarator" ? named(inner)[0] : undefined;
  if (!size || !what || named(what).length || !/^abstract_(pointer|reference)_declarator$/.test(what.type)) return undefined;
  return { type: `${elem()}[${print(size, ctx)}]`, reference: what.type === "abstract_reference_declarator" };
}

/**
 * An integer computed from integer names, file-scope integer constants and integer literals (`n - row * tpb`, mmcv's
 * nms: `fminf(n_boxes - row_start * threadsPerBlock, threadsPerBlock)`): CUDA's float function converts it, Metal's
 * overloads find it ambiguous.
 */
/** C's double math functions: an argument of type double (an unsuffixed floating literal in it) is computed as float in Metal. */
const DOUBLE_MATH = new Set(
  "floor ceil round trunc rint sin cos tan asin acos atan atan2 sinh cosh tanh exp exp2 log log2 log10 pow sqrt fabs fmod fmax fmin copysign fma".split(" "),
);

/** An unsuffixed floating literal (`0.5`, `1e-3`: a double in C++) anywhere in `e`, outside a call or cast that fixes its own type. */
function hasDoubleLiteral(e: CudaNode): boolean {
  if (e.type === "number_literal") return /^[\d.]+([eE][-+]?\d+)?$/.test(e.text) && /[.eE]/.test(e.text) && !/^0[xX]/.test(e.text);
  if (e.type === "call_expression" || e.type === "cast_expression" || e.type === "subscript_expression") return false;
  return named(e).some(hasDoubleLiteral);
}

function integerValued(e: CudaNode, ints: Set<string>, constants: { name: string; node: CudaNode }[]): boolean {
  const u = unparen(e);
  if (u.type === "number_literal") return /^\d+$/.test(u.text);
  if (u.type === "identifier") return ints.has(u.text) || constants.some((c) => c.name === u.text && /^\s*(static\s+)?(const\s+)?int\b|\bint\s+const\b/.test(c.node.text));
  if (u.type !== "binary_expression" || !/^[-+*/%]$/.test(field(u, "operator")?.text ?? "")) return false;
  return integerValued(field(u, "left")!, ints, constants) && integerValued(field(u, "right")!, ints, constants);
}

/** `float3` → `packed_float3` (CUDA's 12-byte layout), `const float3` → `const packed_float3`; other types as they are. */
export function packedVector(type: string): string {
  return type.replace(/^((?:const\s+)?)(float|half|int|uint|short|ushort|char|uchar)3$/, "$1packed_$23");
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

export function isLoopPragma(node: CudaNode): boolean {
  return /^#\s*pragma\s+(unroll|nounroll)\b/.test(node.text);
}

/** Whether the statement after a pragma is still a loop once printed (not collapsed by an idiom). */
export function loopFollows(pragma: CudaNode, ctx: PrintContext): boolean {
  let next = pragma.nextNamedSibling;
  while (next?.type === "comment") next = next.nextNamedSibling;
  if (!next || !["for_statement", "while_statement", "do_statement", "for_range_loop"].includes(next.type)) return false;
  return next.type !== "for_statement" || warpReductionIdiom(next, ctx) === undefined;
}

const REDUCE_BY_COMBINER: Record<string, string> = nameTable({
  "+": "simd_sum",
  fmaxf: "simd_max",
  fmax: "simd_max",
  max: "simd_max",
  fminf: "simd_min",
  fmin: "simd_min",
  min: "simd_min",
});

/**
 * The full-warp xor-butterfly reduction
 *   for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffff, v, o);   (or v = fmaxf(v, ...))
 * leaves every lane holding the reduction of all 32 lanes, which is exactly `v = simd_sum(v)` (simd_max,
 * simd_min). Partial masks, widths other than 32 and shfl_down forms (which leave partial results in
 * the upper lanes) are translated shuffle by shuffle instead.
 */
export function warpReductionIdiom(node: CudaNode, ctx: PrintContext): string | undefined {
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

const CUDA_INDEX = /\b(threadIdx|blockIdx|blockDim|gridDim)\b/;

/**
 * `min(C - 1, i + u * blockDim.x)`: CUDA's built-in indices are unsigned, so the second argument is, and CUDA's
 * `min(int, unsigned)` is its unsigned min; Metal finds `min(int, uint)` ambiguous. Both arguments are then
 * converted to uint, as CUDA does, when every name in them is an integer (no float can be meant) and no cast
 * says otherwise. An unsigned literal makes an argument unsigned too, also through a macro (llm.c's
 * `min(BLOCK_SIZE, bucket_size * WARP_SIZE)` with `#define WARP_SIZE 32U`, BLOCK_SIZE an int template parameter).
 */
function mixesSignedness(name: string, args: CudaNode[], f: KFunction, macros: KMacro[]): boolean {
  if (name !== "min" && name !== "max") return false;
  if (args.length !== 2) return false;
  const literal = (m: KMacro) => /^#\s*define\s+\w+\s+\(?\s*(\d+[uUlL]*)\s*\)?\s*$/.exec(m.text)?.[1];
  const values = new Map(macros.map((m) => [m.name, literal(m)] as const).filter((e): e is [string, string] => e[1] !== undefined));
  const texts = args.map((a) => a.text.replace(/[A-Za-z_]\w*/g, (id) => values.get(id) ?? id));
  const unsigned = (t: string) => CUDA_INDEX.test(t) || /\b\d+[lL]*[uU][lL]*\b/.test(t);
  if (!texts.some(unsigned) || texts.every(unsigned)) return false;
  const ints = new Set([...alwaysIntegerNames(f), ...f.templateParams.filter((t) => t.kind === "int").map((t) => t.name)]);
  return texts.every((t) => {
    if (/[.]\d|\d[.]|\d[eEfF]\b|\(\s*\w+\s*\)\s*[\w(]|_cast\b|\bint\(|\bsizeof\b/.test(t)) return false;
    const ids =
      t
        .replace(/\.\s*[xyz]\b/g, "")
        .replace(/\b\d+[uUlL]*\b/g, "0")
        .match(/[A-Za-z_]\w*/g) ?? [];
    return ids.every((id) => ints.has(id) || CUDA_INDEX.test(id));
  });
}

/** The 16-bit float types CUDA has atomics on (sm_60+ half2, sm_80+ bfloat162) and Metal has none for. */
const SIXTEEN_BIT_FLOATS = /^(?:__nv_bfloat162|nv_bfloat162|__half2|half2|__nv_bfloat16|nv_bfloat16|__half|half)$/;

/**
 * What an atomic's target points to when that is a 16-bit float or pair: `(__half2*)p`, `reinterpret_cast<__nv_bfloat162*>(x)`,
 * or a pointer the function declares as one (`__nv_bfloat162* ptr = ...`, a parameter `__half* addr`).
 */
function sixteenBitAtomicTarget(arg: CudaNode | undefined, f: KFunction): string | undefined {
  if (!arg) return undefined;
  const e = unparen(arg);
  const cast = /^\(\s*(?:const\s+)?(\w+)\s*\*\s*\)|^reinterpret_cast\s*<\s*(?:const\s+)?(\w+)\s*\*\s*>/.exec(e.text);
  const castType = cast?.[1] ?? cast?.[2];
  if (castType) return SIXTEEN_BIT_FLOATS.test(castType) ? castType : undefined;
  if (e.type !== "identifier") {
    // `&y[i]`, `y + i` into a parameter declared `__half* y`
    const root = rootOf(e, { params: new Set(f.params.filter((p) => p.type.kind === "pointer").map((p) => p.name)), shared: new Set(), aliases: new Map() });
    const param = root?.kind === "param" ? f.params.find((p) => p.name === root.name) : undefined;
    const pointee = param?.type.kind === "pointer" && param.type.pointee.kind === "scalar" ? param.type.pointee.name : undefined;
    const sixteen = pointee !== undefined && /^(float16|bfloat16)$/.test(SCALAR_TYPES[pointee]?.mlx ?? "");
    return sixteen && !/_cast\s*<|\(\s*(?:const\s+)?[\w:]+\s*\*\s*\)/.test(e.text) ? pointee : undefined;
  }
  const declared = new RegExp(`(?:^|[(,;{\\s])(?:const\\s+)?(\\w+)\\s*\\*\\s*(?:__restrict__\\s+)?${e.text}\\s*[=,;)]`).exec(f.node.text)?.[1];
  return declared && SIXTEEN_BIT_FLOATS.test(declared) ? declared : undefined;
}

/**
 * An atomic whose returned value the kernel uses, on a buffer that starts from the op's identity (BufferPlan.foldsFetched):
 * the element's true old value is the caller's element combined with what the atomic returns.
 */
function foldCaller(node: CudaNode, target: ReturnType<typeof rootOf>, fetched: string, obj: string, ctx: PrintContext): string {
  if (target?.kind !== "param" || !ctx.isKernel || !resultUsed(node)) return fetched;
  const plan = ctx.analysis?.buffers.find((b) => b.param === target.name && b.role === "atomic-accumulate" && b.foldsFetched);
  const fold = plan ? ATOMIC_ACCUMULATE[plan.atomicOp!]?.fold.metal : undefined;
  if (!plan || !fold) return fetched;
  return fold.replace("{caller}", `${plan.param}_in[(${obj}) - ${plan.param}_base]`).replace("{fetched}", fetched);
}

/** Whether `arg` reads a value of a template type parameter or a 16-bit float (a half instantiation's element) anywhere. */
function maySixteenBit(arg: CudaNode, ctx: PrintContext): boolean {
  let found = false;
  walk(arg, (n) => {
    if (found) return false;
    // `T(offset)`, `(T)x`: a value converted to the template type
    if ((n.type === "identifier" || n.type === "type_identifier") && ctx.fn.templateParams.some((p) => p.kind === "type" && p.name === n.text)) return void (found = true);
    if (n.type !== "identifier" && n.type !== "subscript_expression" && n.type !== "pointer_expression") return;
    const t = elementType(n, ctx.fn);
    if (t?.kind === "template") found = ctx.fn.templateParams.some((p) => p.kind === "type" && p.name === t.name);
    else found = t?.kind === "scalar" && SCALAR_TYPES[t.name]?.bits === 16 && !SCALAR_TYPES[t.name]!.integer;
  });
  return found;
}
