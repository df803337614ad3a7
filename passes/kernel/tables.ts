/**
 * CUDA → Metal mapping tables (data). The kernel translator reads these; nothing else decides a name.
 */
import type { AtomicOp, MlxDtype } from "../../ir/kernel.js";
import { nameTable } from "../../ir/tables.js";

export interface ScalarTypeInfo {
  /** spelling in Metal (as MLX's custom-kernel prelude defines it) */
  metal: string;
  mlx: MlxDtype;
  /** C++ spelling used when the value is an integer type in host expressions */
  integer: boolean;
  signed: boolean;
  bits: number;
}

/** CUDA scalar types (canonical spelling: sized specifiers joined by one space). */
export const SCALAR_TYPES: Record<string, ScalarTypeInfo> = nameTable({
  float: { metal: "float", mlx: "float32", integer: false, signed: true, bits: 32 },
  half: { metal: "half", mlx: "float16", integer: false, signed: true, bits: 16 },
  __half: { metal: "half", mlx: "float16", integer: false, signed: true, bits: 16 },
  __nv_bfloat16: { metal: "bfloat16_t", mlx: "bfloat16", integer: false, signed: true, bits: 16 },
  nv_bfloat16: { metal: "bfloat16_t", mlx: "bfloat16", integer: false, signed: true, bits: 16 },
  "at::Half": { metal: "half", mlx: "float16", integer: false, signed: true, bits: 16 },
  "at::BFloat16": { metal: "bfloat16_t", mlx: "bfloat16", integer: false, signed: true, bits: 16 },
  "c10::Half": { metal: "half", mlx: "float16", integer: false, signed: true, bits: 16 },
  "c10::BFloat16": { metal: "bfloat16_t", mlx: "bfloat16", integer: false, signed: true, bits: 16 },
  bool: { metal: "bool", mlx: "bool_", integer: true, signed: false, bits: 8 },
  char: { metal: "char", mlx: "int8", integer: true, signed: true, bits: 8 },
  "signed char": { metal: "char", mlx: "int8", integer: true, signed: true, bits: 8 },
  int8_t: { metal: "char", mlx: "int8", integer: true, signed: true, bits: 8 },
  "unsigned char": { metal: "uchar", mlx: "uint8", integer: true, signed: false, bits: 8 },
  uint8_t: { metal: "uchar", mlx: "uint8", integer: true, signed: false, bits: 8 },
  short: { metal: "short", mlx: "int16", integer: true, signed: true, bits: 16 },
  int16_t: { metal: "short", mlx: "int16", integer: true, signed: true, bits: 16 },
  "unsigned short": { metal: "ushort", mlx: "uint16", integer: true, signed: false, bits: 16 },
  uint16_t: { metal: "ushort", mlx: "uint16", integer: true, signed: false, bits: 16 },
  int: { metal: "int", mlx: "int32", integer: true, signed: true, bits: 32 },
  signed: { metal: "int", mlx: "int32", integer: true, signed: true, bits: 32 },
  int32_t: { metal: "int", mlx: "int32", integer: true, signed: true, bits: 32 },
  unsigned: { metal: "uint", mlx: "uint32", integer: true, signed: false, bits: 32 },
  "unsigned int": { metal: "uint", mlx: "uint32", integer: true, signed: false, bits: 32 },
  uint32_t: { metal: "uint", mlx: "uint32", integer: true, signed: false, bits: 32 },
  uint: { metal: "uint", mlx: "uint32", integer: true, signed: false, bits: 32 },
  long: { metal: "long", mlx: "int64", integer: true, signed: true, bits: 64 },
  "long int": { metal: "long", mlx: "int64", integer: true, signed: true, bits: 64 },
  "long long": { metal: "long", mlx: "int64", integer: true, signed: true, bits: 64 },
  "long long int": { metal: "long", mlx: "int64", integer: true, signed: true, bits: 64 },
  int64_t: { metal: "long", mlx: "int64", integer: true, signed: true, bits: 64 },
  // a typedef of long (glibc): a timer buffer is an ordinary int64 array; what Metal lacks is clock() itself (UNSUPPORTED_CALLS)
  clock_t: { metal: "long", mlx: "int64", integer: true, signed: true, bits: 64 },
  "unsigned long": { metal: "ulong", mlx: "uint64", integer: true, signed: false, bits: 64 },
  "unsigned long long": { metal: "ulong", mlx: "uint64", integer: true, signed: false, bits: 64 },
  uint64_t: { metal: "ulong", mlx: "uint64", integer: true, signed: false, bits: 64 },
  size_t: { metal: "size_t", mlx: "uint64", integer: true, signed: false, bits: 64 },
  // the difference of two pointers (llm.c's llmc strides: `ptrdiff_t w_stride`), a signed 64-bit integer on every CUDA target
  ptrdiff_t: { metal: "long", mlx: "int64", integer: true, signed: true, bits: 64 },
  /** Metal has no double: it is demoted to float with a warning (C2M-K011) */
  double: { metal: "float", mlx: "float32", integer: false, signed: true, bits: 64 },
});

/** CUDA vector types: float4 → Metal float4 (same member names .x .y .z .w). */
export const VECTOR_TYPES: Record<string, { elem: string; width: number; metal: string }> = nameTable(
  (() => {
    const out: Record<string, { elem: string; width: number; metal: string }> = {};
    const elems: [string, string, string][] = [
      ["float", "float", "float"],
      ["int", "int", "int"],
      ["uint", "unsigned int", "uint"],
      ["short", "short", "short"],
      ["ushort", "unsigned short", "ushort"],
      ["char", "char", "char"],
      ["uchar", "unsigned char", "uchar"],
      ["long", "long", "long"],
      ["ulong", "unsigned long", "ulong"],
    ];
    for (const [prefix, elem, metal] of elems) for (const w of [2, 3, 4]) out[`${prefix}${w}`] = { elem, width: w, metal: `${metal}${w}` };
    out.half2 = { elem: "half", width: 2, metal: "half2" };
    out.__half2 = { elem: "half", width: 2, metal: "half2" };
    out.__nv_bfloat162 = { elem: "__nv_bfloat16", width: 2, metal: "vec<bfloat16_t, 2>" };
    // GLM's float vectors (passes/kernel/glm.ts): Metal's float vectors, components and memory alike
    for (const w of [2, 3, 4]) out[`glm::vec${w}`] = { elem: "float", width: w, metal: `float${w}` };
    return out;
  })(),
);

/** `make_float4(a, b, c, d)` → `float4(a, b, c, d)` */
export const VECTOR_CONSTRUCTORS: Record<string, string> = nameTable(
  Object.fromEntries(
    Object.entries(VECTOR_TYPES)
      .filter(([name]) => !name.includes("::"))
      .map(([name, v]) => [`make_${name.replace(/^__/, "")}`, v.metal]),
  ),
);

/**
 * Function-call rewrites. `{0}`, `{1}`… are the printed arguments. A plain string is a rename
 * keeping the arguments.
 */
export const MATH_FUNCTIONS: Record<string, string> = nameTable({
  // exponentials and logs: the precise Metal forms (the fast __ intrinsics are within 1e-5 of them)
  expf: "metal::exp",
  __expf: "metal::exp",
  exp: "metal::exp",
  exp2f: "metal::exp2",
  exp10f: "metal::exp10",
  logf: "metal::log",
  __logf: "metal::log",
  log: "metal::log",
  log2f: "metal::log2",
  __log2f: "metal::log2",
  log10f: "metal::log10",
  __log10f: "metal::log10",
  powf: "metal::pow",
  __powf: "metal::pow",
  pow: "metal::pow",
  sqrtf: "metal::sqrt",
  sqrt: "metal::sqrt",
  __fsqrt_rn: "metal::sqrt",
  rsqrtf: "metal::rsqrt",
  rsqrt: "metal::rsqrt",
  sinf: "metal::sin",
  __sinf: "metal::sin",
  cosf: "metal::cos",
  __cosf: "metal::cos",
  tanf: "metal::tan",
  __tanf: "metal::tan",
  asinf: "metal::asin",
  acosf: "metal::acos",
  atanf: "metal::atan",
  atan2f: "metal::atan2",
  sinhf: "metal::sinh",
  coshf: "metal::cosh",
  tanhf: "metal::tanh",
  tanh: "metal::tanh",
  fabsf: "metal::abs",
  fabs: "metal::abs",
  abs: "metal::abs",
  fmaxf: "metal::fmax",
  fminf: "metal::fmin",
  fmax: "metal::fmax",
  fmin: "metal::fmin",
  max: "metal::max",
  min: "metal::min",
  floorf: "metal::floor",
  ceilf: "metal::ceil",
  roundf: "metal::round",
  truncf: "metal::trunc",
  rintf: "metal::rint",
  fmaf: "metal::fma",
  __fmaf_rn: "metal::fma",
  fma: "metal::fma",
  fmodf: "metal::fmod",
  copysignf: "metal::copysign",
  __saturatef: "metal::saturate",
  isnan: "metal::isnan",
  isinf: "metal::isinf",
  isfinite: "metal::isfinite",
  // CUDA fixes these argument and result types (int __popc(unsigned), int __clz(int), unsigned __brev(unsigned));
  // Metal's are generic in the argument, so without the casts `__popc(u) - 5` would be unsigned
  __popc: "int(metal::popcount(uint({0})))",
  __popcll: "int(metal::popcount(ulong({0})))",
  __clz: "int(metal::clz(int({0})))",
  __brev: "metal::reverse_bits(uint({0}))",
  // a constant expression in CUDA code (gsplat: `constexpr uint32_t TILE_SHIFT = __builtin_ctz(TILE_SIZE);`), and Metal's ctz is not constexpr
  __builtin_ctz: "c2m_ctz(uint({0}))",
  // C's exponent functions: Metal's take the exponent by reference (`frexp(x, thread int& e)`), CUDA's by pointer
  frexpf: "metal::frexp({0}, *({1}))",
  frexp: "metal::frexp({0}, *({1}))",
  modff: "metal::modf({0}, *({1}))",
  ldexpf: "metal::ldexp",
  ldexp: "metal::ldexp",
  scalbnf: "metal::ldexp",
  ilogbf: "metal::ilogb",
  fdimf: "metal::fdim",
  sinpif: "metal::sinpi",
  cospif: "metal::cospi",
  erff: "c2m_erf",
  erf: "c2m_erf",
  log1pf: "c2m_log1p",
  expm1f: "c2m_expm1",
  __fdividef: "({0} / {1})",
  __frcp_rn: "(1.0f / {0})",
  __fmul_rn: "({0} * {1})",
  __fadd_rn: "({0} + {1})",
  __int_as_float: "as_type<float>({0})",
  __float_as_int: "as_type<int>({0})",
  __uint_as_float: "as_type<float>({0})",
  __float_as_uint: "as_type<uint>({0})",
  // half / bfloat16 conversions and arithmetic
  __float2half: "half({0})",
  __float2half_rn: "half({0})",
  __half2float: "float({0})",
  __int2half_rn: "half({0})",
  __float2bfloat16: "bfloat16_t({0})",
  __bfloat162float: "float({0})",
  __float2bfloat16_rn: "bfloat16_t({0})",
  __hadd: "({0} + {1})",
  __hsub: "({0} - {1})",
  __hmul: "({0} * {1})",
  __hdiv: "({0} / {1})",
  __hneg: "(-{0})",
  __hfma: "metal::fma({0}, {1}, {2})",
  __hmax: "metal::max({0}, {1})",
  __hmin: "metal::min({0}, {1})",
  __hgt: "({0} > {1})",
  __hlt: "({0} < {1})",
  __hge: "({0} >= {1})",
  __hle: "({0} <= {1})",
  __heq: "({0} == {1})",
  __hadd2: "({0} + {1})",
  __hsub2: "({0} - {1})",
  __hmul2: "({0} * {1})",
  __h2div: "({0} / {1})",
  __hneg2: "(-{0})",
  __hfma2: "metal::fma({0}, {1}, {2})",
  __hmax2: "metal::max({0}, {1})",
  __hmin2: "metal::min({0}, {1})",
  __floats2half2_rn: "half2({0}, {1})",
  __float22half2_rn: "half2({0})",
  __half22float2: "float2({0})",
  __low2float: "float(({0}).x)",
  __high2float: "float(({0}).y)",
  __low2half: "({0}).x",
  __high2half: "({0}).y",
  __half2half2: "half2({0})",
  __float2half2_rn: "half2(half({0}))",
  __halves2half2: "half2({0}, {1})",
  __ushort_as_half: "as_type<half>(ushort({0}))",
  __half_as_ushort: "as_type<ushort>(half({0}))",
  // bfloat16 pairs: Metal's bfloat (Apple GPUs, MSL 3.1) has 2-vectors like half's
  __halves2bfloat162: "vec<bfloat16_t, 2>({0}, {1})",
  __bfloat162bfloat162: "vec<bfloat16_t, 2>({0})",
  __float2bfloat162_rn: "vec<bfloat16_t, 2>(bfloat16_t({0}))",
  __floats2bfloat162_rn: "vec<bfloat16_t, 2>(bfloat16_t({0}), bfloat16_t({1}))",
  __float22bfloat162_rn: "vec<bfloat16_t, 2>({0})",
  __bfloat1622float2: "float2({0})",
  __low2bfloat16: "({0}).x",
  __high2bfloat16: "({0}).y",
  __lows2bfloat162: "vec<bfloat16_t, 2>(({0}).x, ({1}).x)",
  __highs2bfloat162: "vec<bfloat16_t, 2>(({0}).y, ({1}).y)",
  __low2bfloat162: "vec<bfloat16_t, 2>(({0}).x)",
  __high2bfloat162: "vec<bfloat16_t, 2>(({0}).y)",
  __lowhigh2highlow: "({0}).yx",
  __ushort_as_bfloat16: "as_type<bfloat16_t>(ushort({0}))",
  __bfloat16_as_ushort: "as_type<ushort>(bfloat16_t({0}))",
  hexp: "metal::exp",
  hlog: "metal::log",
  hsqrt: "metal::sqrt",
  hrsqrt: "metal::rsqrt",
  __float2int_rn: "int(metal::rint({0}))",
  __float2int_rz: "int({0})",
  __float2int_rd: "int(metal::floor({0}))",
  __float2int_ru: "int(metal::ceil({0}))",
  __int2float_rn: "float({0})",
  __mul24: "({0} * {1})",
  // CUDA's unsigned min/max convert both arguments to unsigned int
  umin: "metal::min(uint({0}), uint({1}))",
  umax: "metal::max(uint({0}), uint({1}))",
  __umul24: "({0} * {1})",
  __mulhi: "metal::mulhi({0}, {1})",
  // ATen's ceiling division (detectron2's nms_rotated: `at::cuda::ATenCeilDiv(n_boxes, threadsPerBlock)`), integer arithmetic
  "at::cuda::ATenCeilDiv": "((({0}) + ({1}) - 1) / ({1}))",
  __umulhi: "metal::mulhi({0}, {1})",
});

/**
 * Cache-hint loads and stores (streaming, cache-global, last-use, write-back…): plain memory accesses
 * in Metal, which has no per-access cache policy. `__ldcs(p)` → `*p`, `__stcs(p, v)` → `*p = v`.
 */
export const CACHE_HINTS: Record<string, "load" | "store"> = nameTable({
  __ldg: "load",
  __ldcs: "load",
  __ldcg: "load",
  __ldca: "load",
  __ldlu: "load",
  __ldcv: "load",
  __stcs: "store",
  __stcg: "store",
  __stwb: "store",
  __stwt: "store",
});

/** Barriers and fences. */
export const BARRIERS: Record<string, string> = nameTable({
  __syncthreads: "threadgroup_barrier(mem_flags::mem_threadgroup)",
  __syncwarp: "simdgroup_barrier(mem_flags::mem_threadgroup)",
});

/**
 * Memory fences are not barriers (a barrier in divergent code would hang): they map to Metal's
 * atomic_thread_fence, which needs Metal 3.2 (reported as C2M-K016).
 */
export const FENCES: Record<string, string> = nameTable({
  __threadfence_block: "atomic_thread_fence(mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_threadgroup)",
  __threadfence: "atomic_thread_fence(mem_flags::mem_device, memory_order_seq_cst, thread_scope_device)",
  __threadfence_system: "atomic_thread_fence(mem_flags::mem_device, memory_order_seq_cst, thread_scope_device)",
});

/** Warp-level functions. Arguments after the mask are `{0}`, `{1}`…; `{lane}` is the SIMD lane index. */
export const WARP_FUNCTIONS: Record<string, { metal: string; widthArg?: number; minArgs: number }> = nameTable({
  __shfl_sync: { metal: "simd_shuffle({0}, ushort(({1}) & 31))", widthArg: 2, minArgs: 2 },
  __shfl_down_sync: { metal: "simd_shuffle_down({0}, ushort({1}))", widthArg: 2, minArgs: 2 },
  __shfl_up_sync: { metal: "simd_shuffle_up({0}, ushort({1}))", widthArg: 2, minArgs: 2 },
  __shfl_xor_sync: { metal: "simd_shuffle_xor({0}, ushort({1}))", widthArg: 2, minArgs: 2 },
  __ballot_sync: { metal: "uint(uint64_t(simd_ballot(bool({0}))))", minArgs: 1 },
  __any_sync: { metal: "int(simd_any(bool({0})))", minArgs: 1 },
  __all_sync: { metal: "int(simd_all(bool({0})))", minArgs: 1 },
  __reduce_add_sync: { metal: "simd_sum({0})", minArgs: 1 },
  __reduce_min_sync: { metal: "simd_min({0})", minArgs: 1 },
  __reduce_max_sync: { metal: "simd_max({0})", minArgs: 1 },
  __reduce_and_sync: { metal: "simd_and({0})", minArgs: 1 },
  __reduce_or_sync: { metal: "simd_or({0})", minArgs: 1 },
  __reduce_xor_sync: { metal: "simd_xor({0})", minArgs: 1 },
});

/** Segmented (width < 32) shuffles go through header helpers that keep lanes inside their segment. */
export const SEGMENTED_SHUFFLES: Record<string, string> = nameTable({
  __shfl_sync: "c2m_shfl_idx",
  __shfl_down_sync: "c2m_shfl_down",
  __shfl_up_sync: "c2m_shfl_up",
  __shfl_xor_sync: "c2m_shfl_xor",
});

export const ATOMIC_FUNCTIONS: Record<string, AtomicOp> = nameTable({
  atomicAdd: "add",
  atomicSub: "sub",
  atomicMax: "max",
  atomicMin: "min",
  atomicExch: "exch",
  atomicCAS: "cas",
  atomicAnd: "and",
  atomicOr: "or",
  atomicXor: "xor",
  atomicInc: "inc",
  atomicDec: "dec",
  atomicAdd_block: "add",
  atomicAdd_system: "add",
  atomicMax_block: "max",
  atomicMin_block: "min",
});

/** Metal's explicit atomic function for an op ({obj}, {val}); cas, inc and dec go through header helpers. */
export const METAL_ATOMICS: Record<AtomicOp, string> = {
  add: "atomic_fetch_add_explicit({obj}, {val}, memory_order_relaxed)",
  sub: "atomic_fetch_sub_explicit({obj}, {val}, memory_order_relaxed)",
  max: "atomic_fetch_max_explicit({obj}, {val}, memory_order_relaxed)",
  min: "atomic_fetch_min_explicit({obj}, {val}, memory_order_relaxed)",
  and: "atomic_fetch_and_explicit({obj}, {val}, memory_order_relaxed)",
  or: "atomic_fetch_or_explicit({obj}, {val}, memory_order_relaxed)",
  xor: "atomic_fetch_xor_explicit({obj}, {val}, memory_order_relaxed)",
  exch: "atomic_exchange_explicit({obj}, {val}, memory_order_relaxed)",
  cas: "c2m_atomic_cas({obj}, {val})",
  inc: "c2m_atomic_inc({obj}, {val})",
  dec: "c2m_atomic_dec({obj}, {val})",
};

/**
 * For an output updated only by one atomic op: the value MLX's `init_value` fills it with (the op's
 * identity), how the Python wrapper folds in the caller's array (`{old}`, `{new}`), and how a kernel that uses
 * the value the atomic returns folds the caller's element into it (`fold`: the element's true old value). Ops without an
 * identity that `init_value` (a float) can hold exactly are absent: those buffers are refused.
 */
export const ATOMIC_ACCUMULATE: Partial<
  Record<AtomicOp, { init: (signed: boolean, bits: number, float: boolean) => number | undefined; combine: string; fold: { metal: string; cuda: string } }>
> = nameTable({
  add: { init: () => 0, combine: "{old} + {new}", fold: { metal: "({caller} + {fetched})", cuda: "({caller} + {fetched})" } },
  sub: { init: () => 0, combine: "{old} + {new}", fold: { metal: "({caller} + {fetched})", cuda: "({caller} + {fetched})" } },
  or: { init: () => 0, combine: "{old} | {new}", fold: { metal: "({caller} | {fetched})", cuda: "({caller} | {fetched})" } },
  xor: { init: () => 0, combine: "{old} ^ {new}", fold: { metal: "({caller} ^ {fetched})", cuda: "({caller} ^ {fetched})" } },
  and: {
    init: (signed, bits, float) => (float ? undefined : signed ? -1 : undefined),
    combine: "{old} & {new}",
    fold: { metal: "({caller} & {fetched})", cuda: "({caller} & {fetched})" },
  },
  max: {
    init: (signed, bits, float) => (float ? undefined : signed ? -(2 ** (bits - 1)) : 0),
    combine: "mx.maximum({old}, {new})",
    fold: { metal: "metal::max({caller}, {fetched})", cuda: "max({caller}, {fetched})" },
  },
});

/** Metal thread-position attributes standing for CUDA's built-in index variables. */
export const BUILTIN_VARIABLES: Record<string, { metal: string; type: string }> = nameTable({
  threadIdx: { metal: "thread_position_in_threadgroup", type: "uint3" },
  blockIdx: { metal: "threadgroup_position_in_grid", type: "uint3" },
  blockDim: { metal: "threads_per_threadgroup", type: "uint3" },
  gridDim: { metal: "threadgroups_per_grid", type: "uint3" },
});

/** Constants and macros from CUDA headers. */
export const CONSTANTS: Record<string, string> = nameTable({
  warpSize: "32",
  CUDART_INF_F: "INFINITY",
  CUDART_NAN_F: "NAN",
  CUDART_PI_F: "M_PI_F",
  M_PI: "M_PI_F",
  FLT_MAX: "FLT_MAX",
  FLT_MIN: "FLT_MIN",
  INT_MAX: "INT_MAX",
  INT_MIN: "INT_MIN",
});

/**
 * Constructs with no Metal equivalent: callee name → why. Reported as C2M-K002 at the call.
 */
export const UNSUPPORTED_CALLS: Record<string, string> = nameTable({
  // MSL 3.2's os_log prints only from a library compiled with logging on, into a command queue's log state
  printf:
    "Metal kernels cannot print here: MSL's only printing, os_log (MSL 3.2), needs the library compiled with logging enabled (MTLCompileOptions.enableLogging) and a command queue with a log state, and mx.fast.metal_kernel sets up neither; remove the printf or write the values to an output buffer",
  malloc: "device-side heap allocation has no Metal equivalent",
  free: "device-side heap allocation has no Metal equivalent",
  tex1Dfetch: "texture objects are not translated; pass the data as a buffer",
  tex1D: "texture objects are not translated; pass the data as a buffer",
  tex2D: "texture objects are not translated; pass the data as a buffer",
  tex3D: "texture objects are not translated; pass the data as a buffer",
  surf2Dwrite: "surface objects are not translated; pass the data as a buffer",
  clock: "clock counters have no Metal equivalent (MSL has no cycle or time counter a kernel can read)",
  clock64: "clock counters have no Metal equivalent (MSL has no cycle or time counter a kernel can read)",
  __nanosleep: "__nanosleep has no Metal equivalent",
  cudaMalloc: "device memory allocation inside a kernel has no Metal equivalent",
  __trap: "__trap has no Metal equivalent",
  // C math functions Metal's standard library lacks and c2m has no exact helper for
  cbrtf: "cbrtf has no Metal equivalent (Metal's standard library has no cube root)",
  hypotf: "hypotf has no Metal equivalent (Metal's standard library has no hypot)",
  erfcf: "erfcf has no Metal equivalent (Metal's standard library has no erfc)",
  erfinvf: "erfinvf has no Metal equivalent",
  lgammaf: "lgammaf has no Metal equivalent (Metal's standard library has no gamma functions)",
  tgammaf: "tgammaf has no Metal equivalent (Metal's standard library has no gamma functions)",
  remainderf: "remainderf has no Metal equivalent",
  normcdff: "normcdff has no Metal equivalent",
  norm3df: "norm3df has no Metal equivalent",
  rnorm3df: "rnorm3df has no Metal equivalent",
});

/**
 * CUDA device libraries with no Metal counterpart, by name prefix: a call of any of their functions is reported
 * as C2M-K002 at the call or at the use of one of their types.
 */
export const UNSUPPORTED_LIBRARIES: { prefix: string; why: string }[] = [
  {
    prefix: "curand",
    why: "c2m translates cuRAND's default XORWOW generator (a local curandState started with curand_init(seed, subsequence, 0, &state), drawn with curand and curand_uniform, emit/metal-curand.ts), none of cuRAND's other generators (Philox, MRG32k3a, Sobol) or distributions (normal, log-normal, Poisson, doubles): Metal has no random-number library, and a different generator would draw different numbers; draw them on the host and pass them in as a buffer",
  },
];

/** The unsupported library a function or type name belongs to (UNSUPPORTED_LIBRARIES), if any. */
export function unsupportedLibrary(name: string): string | undefined {
  return UNSUPPORTED_LIBRARIES.find((l) => name.startsWith(l.prefix))?.why;
}

/**
 * Compiler hints that return their pointer argument unchanged (`__builtin_assume_aligned(p, 16)` is p, with a
 * promise about its alignment that Metal has no way to state and no need for): the call is the argument.
 */
export const POINTER_HINTS = new Set(["__builtin_assume_aligned"]);

/** Types whose appearance in a kernel means a construct Metal kernels cannot express. */
export const UNSUPPORTED_TYPES: Record<string, string> = nameTable({
  cudaTextureObject_t: "texture objects are not translated; pass the data as a buffer",
  cudaSurfaceObject_t: "surface objects are not translated; pass the data as a buffer",
  texture: "texture references are not translated; pass the data as a buffer",
});

/** Host-side CUDA runtime calls: dropped with a comment when harmless, otherwise the launcher is not translated. */
export const HOST_IGNORED_CALLS = new Set([
  "TORCH_CHECK",
  "AT_ASSERTM",
  "CHECK_INPUT",
  "CHECK_CUDA",
  "CHECK_CONTIGUOUS",
  "C10_CUDA_KERNEL_LAUNCH_CHECK",
  "cudaDeviceSynchronize",
  "cudaGetLastError",
  "cudaPeekAtLastError",
  "assert",
  "static_assert",
  "CUDA_CHECK",
  "AT_CUDA_CHECK",
  "cudaStreamSynchronize",
  "TORCH_INTERNAL_ASSERT",
]);

export const HOST_UNSUPPORTED_CALLS: Record<string, string> = nameTable({
  cudaMalloc: "host-side cudaMalloc: MLX allocates kernel outputs itself; the launcher is not translated",
  cudaMallocManaged: "host-side cudaMallocManaged: MLX allocates kernel outputs itself; the launcher is not translated",
  cudaMemcpy: "host-side cudaMemcpy: MLX arrays live in unified memory; the launcher is not translated",
  cudaMemcpyAsync: "host-side cudaMemcpyAsync: MLX arrays live in unified memory; the launcher is not translated",
  cudaFree: "host-side cudaFree: MLX manages memory; the launcher is not translated",
  cudaMemset: "host-side cudaMemset: initialise the array in Python (mx.zeros) instead; the launcher is not translated",
  cudaLaunchCooperativeKernel: "cooperative launches (grid-wide sync) have no Metal equivalent",
  cudaStreamCreate: "CUDA streams are not translated; the launcher is not translated",
});

/**
 * CUDA cooperative groups c2m translates: each name of `cooperative_groups::` (`cg::`) becomes the same
 * name in `c2m_cg::`, a small implementation over threadgroup barriers and SIMD-group functions that the
 * Metal header carries (emit/coop.ts). `attributes`: the Metal thread attributes a factory function is
 * given, since Metal passes thread positions to the kernel instead of exposing them as globals.
 * Anything else from the namespace is refused (C2M-K035); a grid group's sync() is grid-wide
 * synchronisation (C2M-K005).
 */
export const COOPERATIVE_GROUPS: Record<string, { attributes?: string[] }> = nameTable({
  thread_block: {},
  thread_block_tile: {},
  grid_group: {},
  this_thread_block: { attributes: ["thread_position_in_threadgroup", "threads_per_threadgroup", "threadgroup_position_in_grid"] },
  this_grid: { attributes: ["thread_position_in_threadgroup", "threads_per_threadgroup", "threadgroup_position_in_grid", "threadgroups_per_grid"] },
  tiled_partition: {},
  // the scratch of tiles wider than a SIMD-group: threadgroup memory their reduce goes through (emit/coop-wide.ts)
  block_tile_memory: {},
  sync: {},
  reduce: {},
  plus: {},
  less: {},
  greater: {},
  bit_and: {},
  bit_or: {},
  bit_xor: {},
});

/**
 * MLX's list of Metal thread attributes, in its order, with their types (mlx/fast.cpp): `mx.fast.metal_kernel`
 * adds each one whose name the body mentions to the kernel's signature, so a CUDA name spelled like one (llm.c's
 * `size_t grid_size` parameter) would be declared twice.
 */
export const MLX_METAL_ATTRIBUTES: [string, string][] = [
  ["dispatch_quadgroups_per_threadgroup", "uint"],
  ["dispatch_simdgroups_per_threadgroup", "uint"],
  ["dispatch_threads_per_threadgroup", "uint3"],
  ["grid_origin", "uint3"],
  ["grid_size", "uint3"],
  ["quadgroup_index_in_threadgroup", "uint"],
  ["quadgroups_per_threadgroup", "uint"],
  ["simdgroup_index_in_threadgroup", "uint"],
  ["simdgroups_per_threadgroup", "uint"],
  ["thread_execution_width", "uint"],
  ["thread_index_in_quadgroup", "uint"],
  ["thread_index_in_simdgroup", "uint"],
  ["thread_index_in_threadgroup", "uint"],
  ["thread_position_in_grid", "uint3"],
  ["thread_position_in_threadgroup", "uint3"],
  ["threadgroup_position_in_grid", "uint3"],
  ["threadgroups_per_grid", "uint3"],
  ["threads_per_grid", "uint3"],
  ["threads_per_simdgroup", "uint"],
  ["threads_per_threadgroup", "uint3"],
];
