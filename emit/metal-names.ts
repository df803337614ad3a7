/** How emit/metal.ts prints names: identifiers, qualified names (cooperative groups, CUDA-only libraries), type names, fields and the lvalues that live in atomic arrays. */
import { print, printDefault } from "./metal.js";
import { printRawBitsRead, printRawBitsStore as printRawBitsStoreWith } from "./metal-raw-bits.js";
import type { PrintContext } from "./metal-context.js";
import type { CudaNode } from "../grammar/cuda.js";
import type { KType } from "../ir/kernel.js";
import { reportKernel } from "../ir/kernel-diagnostics.js";
import { printCurandType } from "./metal-curand.js";
import { BUILTIN_VARIABLES, CONSTANTS, SCALAR_TYPES, UNSUPPORTED_TYPES, VECTOR_TYPES, unsupportedLibrary } from "../passes/kernel/tables.js";
import { GLM_TYPES, glmFunction } from "../passes/kernel/glm.js";
import { CUB_NAMESPACE, cubName } from "./metal-cub.js";
import { calleeName, canonicalTypeName, field, fields, kids, named, position, unparen } from "../passes/kernel/cst.js";
import { rootOf, same } from "../passes/kernel/buffers.js";
import { metalName, uncarriedTemplate } from "./metal-structs.js";
import { checkCoopName, COOP_NAMESPACE, coopQualified, coopTypeText, coopUnqualified } from "./coop.js";
import { printTypeTrait } from "./metal-type-traits.js";
import { nameTable } from "../ir/tables.js";

/** `cg::reduce`, `cooperative_groups::thread_block_tile<32>` → the c2m_cg names the header defines. */
/** The standard library's functions Metal lacks or has only as non-constexpr functions: c2m's constexpr twins. */
const STD_FUNCTIONS: Record<string, { name: string; helper: string }> = {
  "std::min": { name: "c2m_cmin", helper: "c2m_cminmax" },
  "std::max": { name: "c2m_cmax", helper: "c2m_cminmax" },
};

export function printQualified(node: CudaNode, ctx: PrintContext): string {
  const std = STD_FUNCTIONS[node.text.replace(/\s+/g, "").replace(/^::/, "")];
  if (std && node.parent?.type === "call_expression") {
    ctx.helpers.add(std.helper);
    return std.name;
  }
  // `std::is_same<A, B>::value`, `cuda::std::is_floating_point_v<T>`: Metal's traits, answering as C++ does
  const trait = printTypeTrait(node, ctx);
  if (trait !== undefined) return trait;
  const glm = GLM_TYPES[canonicalTypeName(node.text)] ?? glmFunction(canonicalTypeName(node.text), -1);
  if (glm) {
    if (glm.startsWith("c2m_")) ctx.helpers.add("c2m_glm");
    return glm;
  }
  // ATen's scalar types in device code (torch-ngp's `std::is_same<scalar_t, at::Half>::value`): Metal's
  const scalar = /::/.test(node.text) ? SCALAR_TYPES[canonicalTypeName(node.text)] : undefined;
  if (scalar) return scalar.metal;
  if (cubName(node)) {
    ctx.helpers.add("c2m_cub");
    return `${CUB_NAMESPACE}::${print(field(node, "name")!, ctx)}`;
  }
  const q = coopQualified(node, ctx.coop);
  const library = CUDA_ONLY_LIBRARIES[field(node, "scope")?.text ?? ""];
  // the outermost name only: `cub::KeyValuePair<...>` inside `cub::BlockReduce<...>` is the same use
  if (!q && library && !hasQualifiedAncestor(node)) reportKernel(ctx.bag, "C2M-K042", position(node), `'${node.text.replace(/\s+/g, " ").slice(0, 60)}' is from ${library}`);
  if (!q) return printDefault(node, ctx);
  checkCoopName(q.name, node, ctx.bag, ctx.unit.macros);
  ctx.helpers.add("c2m_cg");
  return `${COOP_NAMESPACE}::${print(q.rest, ctx)}`;
}

/** Namespaces of CUDA C++ libraries that have no Metal build: what the emitted Metal would name undeclared (C2M-K042). */
const CUDA_ONLY_LIBRARIES: Record<string, string> = nameTable({
  cub: "CUB, NVIDIA's CUDA-only library of block and warp primitives: c2m maps its block and warp reductions (BlockReduce, WarpReduce, KeyValuePair, Sum/Max/Min/ArgMax/ArgMin) and block loads and stores (BlockLoad, BlockStore) (emit/metal-cub.ts), and this name is not among them",
  thrust: "Thrust, a CUDA C++ library: Metal has no Thrust",
  glm: "GLM, a C++ library of vectors and matrices: c2m maps its float vectors and matrices onto Metal's and the functions in passes/kernel/glm.ts (GLM_FUNCTIONS), and this name is not among them",
  cuda: "libcu++ (the cuda:: namespace), CUDA's C++ standard library: Metal has no libcu++",
});

function hasQualifiedAncestor(node: CudaNode): boolean {
  for (let n = node.parent; n; n = n.parent) if (n.type === "qualified_identifier" && CUDA_ONLY_LIBRARIES[field(n, "scope")?.text ?? ""] && !cubName(n)) return true;
  return false;
}

/** An unqualified cooperative-groups name under `using namespace cooperative_groups`, prefixed; else undefined. */
function printCoopUnqualified(node: CudaNode, ctx: PrintContext): string | undefined {
  const name = coopUnqualified(node, ctx.coop, (n) => ctx.unit.deviceFunctions.some((f) => f.name === n) || ctx.unit.structs.some((s) => s.name === n));
  if (!name) return undefined;
  checkCoopName(name, node.parent?.type === "template_type" || node.parent?.type === "template_function" ? node.parent : node, ctx.bag, ctx.unit.macros);
  ctx.helpers.add("c2m_cg");
  return `${COOP_NAMESPACE}::${name}`;
}

export function printIdentifier(node: CudaNode, ctx: PrintContext): string {
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
  if (node.parent?.type === "template_function" && node.parent.parent?.type === "call_expression" && specialisedOnly(ctx.unit, name))
    reportKernel(
      ctx.bag,
      "C2M-K048",
      position(node),
      `'${name}' is a function template defined only by explicit specialisations (template <> ... ${name}<...>), which c2m does not carry into Metal`,
    );
  return metalName(name);
}

/** A function template no __device__ definition carries, whose specialisations the file defines (`template <> __device__ float cast_value<float, half>(...)`). */
function specialisedOnly(unit: PrintContext["unit"], name: string): boolean {
  if (unit.deviceFunctions.some((f) => f.name === name)) return false;
  return new RegExp(`template\\s*<\\s*>[^;{]*\\b${name}\\s*<`).test(unit.source);
}

function isDeclared(name: string, ctx: PrintContext): boolean {
  return ctx.fn.params.some((p) => p.name === name) || ctx.unit.macros.some((m) => m.name === name);
}

export function printTypeName(node: CudaNode, ctx: PrintContext): string {
  const name = canonicalTypeName(node.text);
  const coop = node.type === "type_identifier" ? printCoopUnqualified(node, ctx) : undefined;
  if (coop) return coop;
  if (UNSUPPORTED_TYPES[name]) reportKernel(ctx.bag, "C2M-K006", position(node), UNSUPPORTED_TYPES[name]);
  if (printCurandType(name, ctx)) return name;
  const library = unsupportedLibrary(name);
  if (library) reportKernel(ctx.bag, "C2M-K002", position(node), `${name}: ${library}`);
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
      if (GLM_TYPES[text]) return GLM_TYPES[text];
      return ctx ? coopTypeText(text, ctx.coop) : text;
    }
    case "pointer":
      return `${t.isConst ? "const " : ""}${printType(t.pointee, ctx)}*`;
    case "reference":
      return `thread ${t.isConst ? "const " : ""}${printType(t.target, ctx)}&`;
  }
}

export function printField(node: CudaNode, ctx: PrintContext): string {
  const arg = field(node, "argument");
  const f = field(node, "field");
  if (arg?.type === "identifier" && BUILTIN_VARIABLES[arg.text] && f) {
    const m = BUILTIN_VARIABLES[arg.text].metal;
    ctx.attributes.add(m);
    return `${m}.${f.text}`;
  }
  if (isAtomicLvalue(node, ctx) && !isLvalueContext(node)) return `atomic_load_explicit(&${printDefault(node, ctx)}, memory_order_relaxed)`;
  return printRawBitsRead(node, ctx, (n) => print(n, ctx)) ?? printDefault(node, ctx);
}

/** An lvalue (`a[i]`, `*p`) that lives in an atomic<T> array. */
export function isAtomicLvalue(node: CudaNode, ctx: PrintContext): boolean {
  if (node.type === "identifier") {
    // a `__shared__ int counter;` scalar some atomic targets
    const s = ctx.analysis?.shared.find((x) => x.name === node.text);
    return !!s && s.atomic && s.dims.length === 0 && !s.dynamic && ctx.scope.shared.has(node.text) && !ctx.scope.aliases.has(node.text);
  }
  if (node.type !== "subscript_expression" && !(node.type === "pointer_expression" && field(node, "operator")?.text === "*")) return false;
  const parent = node.parent;
  if (parent && parent.type === "subscript_expression" && same(field(parent, "argument"), node)) return false; // inner part of a[i][j]
  const r = rootOf(field(node, "argument"), ctx.scope);
  return ctx.atomicRoots(r) && !reinterpretsElements(field(node, "argument")!, r, ctx);
}

/**
 * `*reinterpret_cast<vec_t*>(dx + i) = v` (causal-conv1d's 16-byte stores) into a buffer that is atomic in Metal (MLX
 * makes every output atomic when one is): the access is of other elements than the buffer's (4 floats as one
 * uint4), which no atomic type holds, so it stays a plain store of those bytes; a cast to the buffer's own
 * element type changes nothing and stays atomic.
 */
function reinterpretsElements(base: CudaNode, r: ReturnType<typeof rootOf>, ctx: PrintContext): boolean {
  const b = unparen(base);
  if (b.type !== "call_expression" || calleeName(b) !== "reinterpret_cast" || r?.kind !== "param") return false;
  const fn = field(b, "function");
  const targ = fn?.type === "template_function" ? named(field(fn, "arguments")!)[0] : undefined;
  const decl = targ ? field(targ, "declarator") : null;
  const buffer = ctx.fn.params.find((q) => q.name === r.name)?.type;
  if (!targ || decl?.type !== "abstract_pointer_declarator" || buffer?.kind !== "pointer") return false;
  const elem = kids(targ)
    .filter((c) => c !== decl && c.type !== "type_qualifier")
    .map((c) => print(c, ctx))
    .join(" ");
  return elem !== printType(buffer.pointee, ctx);
}

/** The lvalue is the target of an assignment, ++/--, or has its address taken (those print it themselves). */
export function isLvalueContext(node: CudaNode): boolean {
  let n = node;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const p = n.parent;
  if (!p) return false;
  if (p.type === "assignment_expression" && same(field(p, "left"), n)) return true;
  if (p.type === "update_expression") return true;
  if (p.type === "pointer_expression" && field(p, "operator")?.text === "&") return true;
  return false;
}

/** `h.x = v` on a c10 Half or BFloat16 (emit/metal-raw-bits.ts), for the printer's assignments; undefined otherwise. */
export function printRawBitsStore(node: CudaNode, ctx: PrintContext): string | undefined {
  return printRawBitsStoreWith(node, ctx, (n) => print(n, ctx));
}
