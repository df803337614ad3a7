// c2m kernel proof harness: CUDA C++ device code compiled as host C++ and run on emu's fibers.
// threadIdx/blockIdx/..., __syncthreads, warp shuffles/votes, atomics, __half/__nv_bfloat16 and the
// CUDA math library have their CUDA meaning. __shared__ declarations and <<<...>>> launches are
// rewritten by the TypeScript driver (src/verify/rewrite.ts) before compilation.
#pragma once

#include "emu_sandbox.hpp"  // first: C headers read before this file's macros (device, constant...) exist
#include "emu_runtime.hpp"
#include "emu_types.hpp"

#include <cassert>  // device code may assert (CUDA's headers declare it); a failed assert ends the run as a crash
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#define __global__
#define __device__
#define __host__
#define __noinline__ __attribute__((noinline))
// not always_inline: g++ refuses it for a function passed by pointer (cg::reduce(warp, v, op)), which nvcc inlines anyway
#define __forceinline__ inline
#define __restrict__ __restrict
#define __constant__
#define __managed__
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
#ifndef __CUDACC__
#define __CUDACC__ 1
#endif
#define __CUDA_ARCH__ 900

struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct uint3 {
  unsigned x, y, z;
};
struct alignas(8) int2 {
  int x, y;
};
struct alignas(8) float2 {
  float x, y;
};
// CUDA's alignment (vector_types.h): a load or store through a misaligned address faults on the GPU ("misaligned
// address"), and the emulator's CUDA programs check alignment (native.ts) so that it faults here too
struct alignas(16) float4 {
  float x, y, z, w;
};
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline int2 make_int2(int x, int y) { return {x, y}; }
// the rest of CUDA's vector types that device code loads and stores through (llm.c's Packed128 is an int4),
// with CUDA's alignment for the 16-byte ones
struct alignas(8) uint2 {
  unsigned x, y;
};
struct int3 {
  int x, y, z;
};
struct float3 {
  float x, y, z;
};
struct alignas(16) int4 {
  int x, y, z, w;
};
struct alignas(16) uint4 {
  unsigned x, y, z, w;
};
inline uint2 make_uint2(unsigned x, unsigned y) { return {x, y}; }
inline int3 make_int3(int x, int y, int z) { return {x, y, z}; }
inline float3 make_float3(float x, float y, float z) { return {x, y, z}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }
// byte vectors (shfl_scan packs pixels as uchar4)
struct alignas(2) uchar2 {
  unsigned char x, y;
};
struct alignas(4) uchar4 {
  unsigned char x, y, z, w;
};
struct alignas(4) char4 {
  signed char x, y, z, w;
};
inline uchar2 make_uchar2(unsigned char x, unsigned char y) { return {x, y}; }
inline uchar4 make_uchar4(unsigned char x, unsigned char y, unsigned char z, unsigned char w) { return {x, y, z, w}; }
inline char4 make_char4(signed char x, signed char y, signed char z, signed char w) { return {x, y, z, w}; }
// the remaining vector types of CUDA's vector_types.h (flownet2's kernels take long4 sizes by value), with its
// alignment: a 2-vector of 2 * sizeof(T), a 4-vector of min(4 * sizeof(T), 16), a 3-vector of sizeof(T)
#define C2M_EMU_VEC(name, T, a2, a4)                                                           \
  struct alignas(a2) name##2 {                                                                  \
    T x, y;                                                                                     \
  };                                                                                            \
  struct name##3 {                                                                              \
    T x, y, z;                                                                                  \
  };                                                                                            \
  struct alignas(a4) name##4 {                                                                  \
    T x, y, z, w;                                                                               \
  };                                                                                            \
  inline name##2 make_##name##2(T x, T y) { return {x, y}; }                                    \
  inline name##3 make_##name##3(T x, T y, T z) { return {x, y, z}; }                            \
  inline name##4 make_##name##4(T x, T y, T z, T w) { return {x, y, z, w}; }
C2M_EMU_VEC(short, short, 4, 8)
C2M_EMU_VEC(ushort, unsigned short, 4, 8)
C2M_EMU_VEC(long, long, 16, 16)
C2M_EMU_VEC(ulong, unsigned long, 16, 16)
C2M_EMU_VEC(longlong, long long, 16, 16)
C2M_EMU_VEC(ulonglong, unsigned long long, 16, 16)
C2M_EMU_VEC(double, double, 16, 16)
#undef C2M_EMU_VEC
struct alignas(2) char2 {
  signed char x, y;
};
struct char3 {
  signed char x, y, z;
};
struct uchar3 {
  unsigned char x, y, z;
};
inline char2 make_char2(signed char x, signed char y) { return {x, y}; }
inline char3 make_char3(signed char x, signed char y, signed char z) { return {x, y, z}; }
inline uchar3 make_uchar3(unsigned char x, unsigned char y, unsigned char z) { return {x, y, z}; }

namespace emu::cuda {
struct Index {
  uint3 thread, block, block_dim, grid_dim;
};
inline Index& idx() {
  static Index i;
  return i;
}
inline const uint3& thread_idx() {
  Fiber& f = cur();
  static uint3 t;
  t = uint3{f.local.x, f.local.y, f.local.z};
  return t;
}
inline const uint3& block_idx() {
  static uint3 b;
  b = uint3{rt().gid.x, rt().gid.y, rt().gid.z};
  return b;
}
inline const dim3& block_dim() {
  static dim3 d;
  d = dim3(rt().nominal.x, rt().nominal.y, rt().nominal.z);
  return d;
}
inline const dim3& grid_dim() {
  static dim3 d;
  d = dim3(rt().groups.x, rt().groups.y, rt().groups.z);
  return d;
}
}  // namespace emu::cuda

#define threadIdx (::emu::cuda::thread_idx())
#define blockIdx (::emu::cuda::block_idx())
#define blockDim (::emu::cuda::block_dim())
#define gridDim (::emu::cuda::grid_dim())
#define warpSize 32

// ---- synchronisation ----
inline void __syncthreads_at(long occurrence) { emu::group_barrier_at(occurrence); }
// a macro, so that each __syncthreads() in the source is one barrier (see emu::group_barrier_at)
#define __syncthreads() __syncthreads_at(__COUNTER__)
// its four barriers are named (sites no __COUNTER__ reaches): return addresses differ where the compiler
// duplicates the inlined call, and threads would seem to wait at different barriers
inline int __syncthreads_count(int p) {
  static int count;
  constexpr long site = 1L << 40;
  emu::group_barrier_at(site);
  count = 0;
  emu::group_barrier_at(site + 1);
  if (p) ++count;
  emu::group_barrier_at(site + 2);
  int c = count;
  emu::group_barrier_at(site + 3);
  return c;
}
inline int __syncthreads_or(int p) { return __syncthreads_count(p) != 0; }
inline int __syncthreads_and(int p) { return __syncthreads_count(!p) == 0; }
inline void __syncwarp(unsigned mask = 0xFFFFFFFFu) { emu::simd_sync(mask), emu::simd_sync(mask); }
inline void __threadfence() {}
inline void __threadfence_block() {}

// ---- warp shuffles and votes (width semantics as in the CUDA programming guide) ----
template <class T>
T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
  auto g = emu::simd_gather(v, mask);
  int lane = (int)g.lane;
  int s = (lane & ~(width - 1)) + (src & (width - 1));
  return g.v[s & 31];
}
template <class T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
  auto g = emu::simd_gather(v, mask);
  int lane = (int)g.lane;
  int s = lane ^ lane_mask;
  if (s >= ((lane & ~(width - 1)) + width)) return v;
  return g.v[s & 31];
}
template <class T>
T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
  auto g = emu::simd_gather(v, mask);
  int lane = (int)g.lane;
  if ((lane & (width - 1)) + (int)delta >= width) return v;
  return g.v[(lane + delta) & 31];
}
template <class T>
T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
  auto g = emu::simd_gather(v, mask);
  int lane = (int)g.lane;
  if ((lane & (width - 1)) < (int)delta) return v;
  return g.v[(lane - delta) & 31];
}
inline unsigned __ballot_sync(unsigned mask, int p) {
  auto g = emu::simd_gather(p, mask);
  unsigned b = 0;
  for (unsigned l = 0; l < 32; ++l)
    if ((g.active >> l & 1u) && g.v[l]) b |= 1u << l;
  return b;
}
inline int __any_sync(unsigned mask, int p) { return __ballot_sync(mask, p) != 0; }
inline int __all_sync(unsigned mask, int p) {
  auto g = emu::simd_gather(p, mask);
  for (unsigned l = 0; l < 32; ++l)
    if ((g.active >> l & 1u) && !g.v[l]) return 0;
  return 1;
}
// sm_80 warp reductions over the lanes of `mask`
#define EMU_WARP_REDUCE(name, T, init, step)   \
  inline T name(unsigned mask, T v) {          \
    auto g = emu::simd_gather(v, mask);        \
    T acc = init;                              \
    for (unsigned l = 0; l < 32; ++l)          \
      if (g.active >> l & 1u) {                \
        T x = g.v[l];                          \
        acc = step;                            \
      }                                        \
    return acc;                                \
  }
EMU_WARP_REDUCE(__reduce_add_sync, int, 0, (int)((unsigned)acc + (unsigned)x))
EMU_WARP_REDUCE(__reduce_add_sync, unsigned, 0u, acc + x)
EMU_WARP_REDUCE(__reduce_min_sync, int, INT_MAX, x < acc ? x : acc)
EMU_WARP_REDUCE(__reduce_min_sync, unsigned, UINT_MAX, x < acc ? x : acc)
EMU_WARP_REDUCE(__reduce_max_sync, int, INT_MIN, x > acc ? x : acc)
EMU_WARP_REDUCE(__reduce_max_sync, unsigned, 0u, x > acc ? x : acc)
EMU_WARP_REDUCE(__reduce_and_sync, unsigned, ~0u, acc & x)
EMU_WARP_REDUCE(__reduce_or_sync, unsigned, 0u, acc | x)
EMU_WARP_REDUCE(__reduce_xor_sync, unsigned, 0u, acc ^ x)
#undef EMU_WARP_REDUCE
inline unsigned __activemask() { return emu::lanes_live(emu::simd_index(emu::cur().linear)); }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
inline unsigned __brev(unsigned x) {
  unsigned r = 0;
  for (int i = 0; i < 32; ++i) r |= ((x >> i) & 1u) << (31 - i);
  return r;
}

// ---- atomics: fibers never preempt each other, so a plain read-modify-write is atomic ----
template <class T, class U>
T atomicAdd(T* p, U v) {
  emu::AtomicScope atomic_scope;
  T old = *p;
  *p = (T)(old + (T)v);
  return old;
}
template <class T, class U>
T atomicSub(T* p, U v) {
  emu::AtomicScope atomic_scope;
  T old = *p;
  *p = (T)(old - (T)v);
  return old;
}
template <class T, class U>
T atomicMax(T* p, U v) {
  emu::AtomicScope atomic_scope;
  T old = *p;
  *p = old < (T)v ? (T)v : old;
  return old;
}
template <class T, class U>
T atomicMin(T* p, U v) {
  emu::AtomicScope atomic_scope;
  T old = *p;
  *p = (T)v < old ? (T)v : old;
  return old;
}
template <class T, class U>
T atomicExch(T* p, U v) {
  emu::AtomicScope atomic_scope;
  T old = *p;
  *p = (T)v;
  return old;
}
template <class T, class U, class V>
T atomicCAS(T* p, U compare, V v) {
  emu::AtomicScope atomic_scope;
  T old = *p;
  if (old == (T)compare) *p = (T)v;
  return old;
}
template <class T, class U>
T atomicAnd(T* p, U v) {
  emu::AtomicScope atomic_scope;
  T old = *p;
  *p = old & (T)v;
  return old;
}
template <class T, class U>
T atomicOr(T* p, U v) {
  emu::AtomicScope atomic_scope;
  T old = *p;
  *p = old | (T)v;
  return old;
}
template <class T, class U>
T atomicXor(T* p, U v) {
  emu::AtomicScope atomic_scope;
  T old = *p;
  *p = old ^ (T)v;
  return old;
}
inline unsigned atomicInc(unsigned* p, unsigned v) {
  emu::AtomicScope atomic_scope;
  unsigned old = *p;
  *p = old >= v ? 0 : old + 1;
  return old;
}
inline unsigned atomicDec(unsigned* p, unsigned v) {
  emu::AtomicScope atomic_scope;
  unsigned old = *p;
  *p = (old == 0 || old > v) ? v : old - 1;
  return old;
}

// ---- math: the C library supplies expf/erff/...; these are the CUDA-only names ----
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
// CUDA's C++ overload for float: a float argument stays in float, as on the GPU (not promoted to double)
inline float rsqrt(float x) { return 1.0f / std::sqrt(x); }
// Request flag 32 (RunOptions.jitterMath): each result 2 ulp off, up or down by a hash of the argument's bits (the
// same argument, the same result) — inside the error CUDA documents for every one of them ("2 + floor(|1.173x|)"
// ulp for __expf, 2 ulp for __fdividef, ...): an output that moves past its tolerance so is not decided by its inputs.
inline float fast_math_result(float r, float x) {
  if (!emu::rt().jitter_math || !std::isfinite(r) || r == 0.0f) return r;
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  u = (u ^ (u >> 16)) * 0x45d9f3bu;
  const float to = (u >> 16) & 1u ? INFINITY : -INFINITY;
  return std::nextafter(std::nextafter(r, to), to);
}
inline float __expf(float x) { return fast_math_result(std::exp(x), x); }
inline float __logf(float x) { return fast_math_result(std::log(x), x); }
inline float __sinf(float x) { return fast_math_result(std::sin(x), x); }
inline float __cosf(float x) { return fast_math_result(std::cos(x), x); }
inline float __tanf(float x) { return fast_math_result(std::tan(x), x); }
inline float __powf(float x, float y) { return fast_math_result(std::pow(x, y), x + y); }
inline float __fdividef(float x, float y) { return fast_math_result(x / y, x - y); }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fsqrt_rn(float x) { return std::sqrt(x); }
inline float __saturatef(float x) { return x < 0.f ? 0.f : (x > 1.f ? 1.f : x); }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __int_as_float(int x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
inline int __float_as_int(float x) {
  int i;
  std::memcpy(&i, &x, 4);
  return i;
}
inline unsigned __float_as_uint(float x) {
  unsigned i;
  std::memcpy(&i, &x, 4);
  return i;
}
inline float __uint_as_float(unsigned x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
inline double __longlong_as_double(long long x) {
  double d;
  std::memcpy(&d, &x, 8);
  return d;
}
inline long long __double_as_longlong(double x) {
  long long i;
  std::memcpy(&i, &x, 8);
  return i;
}
inline int __float2int_rn(float x) { return (int)std::nearbyint(x); }
inline int __float2int_rz(float x) { return (int)x; }
inline float __int2float_rn(int x) { return (float)x; }
inline float exp10f(float x) { return std::pow(10.0f, x); }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
// CUDA's overloads for long and unsigned long (int64_t, size_t on LP64)
inline long min(long a, long b) { return a < b ? a : b; }
inline long max(long a, long b) { return a > b ? a : b; }
inline unsigned long min(unsigned long a, unsigned long b) { return a < b ? a : b; }
inline unsigned long max(unsigned long a, unsigned long b) { return a > b ? a : b; }
inline unsigned long long min(unsigned long long a, unsigned long long b) { return a < b ? a : b; }
inline unsigned long long max(unsigned long long a, unsigned long long b) { return a > b ? a : b; }
inline float min(float a, float b) { return std::fmin(a, b); }
inline float max(float a, float b) { return std::fmax(a, b); }
inline double min(double a, double b) { return std::fmin(a, b); }
inline double max(double a, double b) { return std::fmax(a, b); }
// mixed signedness: CUDA's overloads convert to unsigned, as C's usual arithmetic conversions do
inline unsigned min(int a, unsigned b) { return min((unsigned)a, b); }
inline unsigned min(unsigned a, int b) { return min(a, (unsigned)b); }
inline unsigned max(int a, unsigned b) { return max((unsigned)a, b); }
inline unsigned max(unsigned a, int b) { return max(a, (unsigned)b); }
// a trap ends the run as a crash (the GPU reports an unspecified launch failure)
inline void __trap() { ::emu::fail("{\"kind\":\"crash\",\"message\":\"__trap() called\"}"); }
inline unsigned umin(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }
// 24-bit multiplies: the low 24 bits of each operand (sign-extended for __mul24), the low 32 bits of the product
inline int __mul24(int a, int b) { return (int)((long long)((int)((unsigned)a << 8) >> 8) * (long long)((int)((unsigned)b << 8) >> 8)); }
inline unsigned __umul24(unsigned a, unsigned b) { return (unsigned)((unsigned long long)(a & 0xFFFFFFu) * (b & 0xFFFFFFu)); }
inline int __mulhi(int a, int b) { return (int)(((long long)a * b) >> 32); }
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
template <class T>
T __ldg(const T* p) {
  return *p;
}
// the other cache-hint loads and stores: plain accesses on a CPU
template <class T> T __ldcs(const T* p) { return *p; }
template <class T> T __ldcg(const T* p) { return *p; }
template <class T> T __ldca(const T* p) { return *p; }
template <class T> T __ldlu(const T* p) { return *p; }
template <class T> T __ldcv(const T* p) { return *p; }
template <class T, class V> void __stcs(T* p, V v) { *p = v; }
template <class T, class V> void __stcg(T* p, V v) { *p = v; }
template <class T, class V> void __stwb(T* p, V v) { *p = v; }
template <class T, class V> void __stwt(T* p, V v) { *p = v; }

// ---- half / bfloat16 (cuda_fp16.h, cuda_bf16.h) ----
typedef _Float16 __half;
typedef _Float16 half;
typedef emu::bfloat16 __nv_bfloat16;
typedef emu::bfloat16 nv_bfloat16;
// CUDA's alignment (cuda_fp16.h, cuda_bf16.h: __align__(4)): a pair load at an odd element faults on the GPU
struct alignas(4) __half2 {
  __half x, y;
  __half2() = default;
  __half2(__half a, __half b) : x(a), y(b) {}
};
typedef __half2 half2;
struct alignas(4) __nv_bfloat162 {
  __nv_bfloat16 x, y;
  __nv_bfloat162() = default;
  __nv_bfloat162(__nv_bfloat16 a, __nv_bfloat16 b) : x(a), y(b) {}
};
typedef __nv_bfloat162 nv_bfloat162;
// the pair types' lane-wise arithmetic (cuda_fp16.hpp / cuda_bf16.hpp operators)
#define EMU_PAIR_OP(P, op)                                                        \
  inline P operator op(P a, P b) { return {a.x op b.x, a.y op b.y}; }             \
  inline P& operator op##=(P & a, P b) { return a = a op b; }
EMU_PAIR_OP(__half2, +)
EMU_PAIR_OP(__half2, -)
EMU_PAIR_OP(__half2, *)
EMU_PAIR_OP(__half2, /)
EMU_PAIR_OP(__nv_bfloat162, +)
EMU_PAIR_OP(__nv_bfloat162, -)
EMU_PAIR_OP(__nv_bfloat162, *)
EMU_PAIR_OP(__nv_bfloat162, /)
#undef EMU_PAIR_OP
inline __half2 __float2half2_rn(float f) { return {(__half)f, (__half)f}; }
inline __half2 __halves2half2(__half a, __half b) { return {a, b}; }
inline __half2 __half2half2(__half a) { return {a, a}; }
inline float __low2float(__half2 h) { return (float)h.x; }
inline float __high2float(__half2 h) { return (float)h.y; }
inline __half2 __hsub2(__half2 a, __half2 b) { return a - b; }
inline __half2 __h2div(__half2 a, __half2 b) { return a / b; }
inline __half2 __hfma2(__half2 a, __half2 b, __half2 c) { return {(__half)std::fma((float)a.x, (float)b.x, (float)c.x), (__half)std::fma((float)a.y, (float)b.y, (float)c.y)}; }
inline __nv_bfloat162 __halves2bfloat162(__nv_bfloat16 a, __nv_bfloat16 b) { return {a, b}; }
inline __nv_bfloat162 __bfloat162bfloat162(__nv_bfloat16 a) { return {a, a}; }
inline __nv_bfloat162 __float2bfloat162_rn(float f) { return {__nv_bfloat16(f), __nv_bfloat16(f)}; }
inline __nv_bfloat162 __floats2bfloat162_rn(float a, float b) { return {__nv_bfloat16(a), __nv_bfloat16(b)}; }
inline float2 __bfloat1622float2(__nv_bfloat162 b) { return {(float)b.x, (float)b.y}; }
inline __nv_bfloat16 __low2bfloat16(__nv_bfloat162 b) { return b.x; }
inline __nv_bfloat16 __high2bfloat16(__nv_bfloat162 b) { return b.y; }
inline __nv_bfloat162 __float22bfloat162_rn(float2 f) { return {__nv_bfloat16(f.x), __nv_bfloat16(f.y)}; }
inline __nv_bfloat162 __lows2bfloat162(__nv_bfloat162 a, __nv_bfloat162 b) { return {a.x, b.x}; }
inline __nv_bfloat162 __highs2bfloat162(__nv_bfloat162 a, __nv_bfloat162 b) { return {a.y, b.y}; }
inline __nv_bfloat162 __low2bfloat162(__nv_bfloat162 a) { return {a.x, a.x}; }
inline __nv_bfloat162 __high2bfloat162(__nv_bfloat162 a) { return {a.y, a.y}; }
inline __nv_bfloat162 __lowhigh2highlow(__nv_bfloat162 a) { return {a.y, a.x}; }
inline __nv_bfloat162 __hadd2(__nv_bfloat162 a, __nv_bfloat162 b) { return a + b; }
inline __nv_bfloat162 __hmul2(__nv_bfloat162 a, __nv_bfloat162 b) { return a * b; }
// bit reinterpretations of the 16-bit types
inline unsigned short __half_as_ushort(__half h) {
  unsigned short u;
  std::memcpy(&u, &h, 2);
  return u;
}
inline __half __ushort_as_half(unsigned short u) {
  __half h;
  std::memcpy(&h, &u, 2);
  return h;
}
inline unsigned short __bfloat16_as_ushort(__nv_bfloat16 b) { return b.bits; }
inline __nv_bfloat16 __ushort_as_bfloat16(unsigned short u) {
  __nv_bfloat16 b;
  b.bits = u;
  return b;
}
inline __half __float2half(float f) { return (__half)f; }
inline __half __float2half_rn(float f) { return (__half)f; }
inline float __half2float(__half h) { return (float)h; }
inline __half __int2half_rn(int i) { return (__half)(float)i; }
inline __half __hadd(__half a, __half b) { return a + b; }
inline __half __hsub(__half a, __half b) { return a - b; }
inline __half __hmul(__half a, __half b) { return a * b; }
inline __half __hdiv(__half a, __half b) { return a / b; }
inline __half __hneg(__half a) { return -a; }
inline __half __hfma(__half a, __half b, __half c) { return (__half)std::fma((float)a, (float)b, (float)c); }
inline bool __hgt(__half a, __half b) { return a > b; }
inline bool __hlt(__half a, __half b) { return a < b; }
inline bool __hge(__half a, __half b) { return a >= b; }
inline bool __hle(__half a, __half b) { return a <= b; }
inline bool __heq(__half a, __half b) { return a == b; }
inline __half __hmax(__half a, __half b) { return a > b ? a : b; }
inline __half __hmin(__half a, __half b) { return a < b ? a : b; }
inline __half hexp(__half a) { return (__half)std::exp((float)a); }
inline __half hlog(__half a) { return (__half)std::log((float)a); }
inline __half hsqrt(__half a) { return (__half)std::sqrt((float)a); }
inline __half hrsqrt(__half a) { return (__half)(1.0f / std::sqrt((float)a)); }
inline __half htanh(__half a) { return (__half)std::tanh((float)a); }
inline __half __habs(__half a) { return a < (__half)0 ? -a : a; }
// CUDA's __half is a class that converts to float, so `floor(h)` and `pow(h, 2)` call the float overloads (a
// float result); the emulator's __half is _Float16, for which <cmath>'s float, double and long double overloads
// tie: each takes it as float, as CUDA does
#define EMU_HALF_AS_FLOAT(f) \
  inline float f(__half a) { return std::f((float)a); }
EMU_HALF_AS_FLOAT(floor)
EMU_HALF_AS_FLOAT(ceil)
EMU_HALF_AS_FLOAT(trunc)
EMU_HALF_AS_FLOAT(round)
EMU_HALF_AS_FLOAT(fabs)
EMU_HALF_AS_FLOAT(sqrt)
EMU_HALF_AS_FLOAT(exp)
EMU_HALF_AS_FLOAT(exp2)
EMU_HALF_AS_FLOAT(log)
EMU_HALF_AS_FLOAT(log2)
EMU_HALF_AS_FLOAT(log1p)
EMU_HALF_AS_FLOAT(sin)
EMU_HALF_AS_FLOAT(cos)
EMU_HALF_AS_FLOAT(tanh)
#undef EMU_HALF_AS_FLOAT
inline float pow(__half a, int n) { return std::pow((float)a, (float)n); }
inline float pow(__half a, float b) { return std::pow((float)a, b); }
inline float pow(__half a, __half b) { return std::pow((float)a, (float)b); }
inline float fmax(__half a, __half b) { return std::fmax((float)a, (float)b); }
inline float fmin(__half a, __half b) { return std::fmin((float)a, (float)b); }
inline float abs(__half a) { return std::fabs((float)a); }
inline float max(__half a, __half b) { return std::fmax((float)a, (float)b); }
inline float min(__half a, __half b) { return std::fmin((float)a, (float)b); }
inline __half2 __floats2half2_rn(float a, float b) { return {(__half)a, (__half)b}; }
inline float2 __half22float2(__half2 h) { return {(float)h.x, (float)h.y}; }
inline __half2 __hadd2(__half2 a, __half2 b) { return {a.x + b.x, a.y + b.y}; }
inline __half2 __hmul2(__half2 a, __half2 b) { return {a.x * b.x, a.y * b.y}; }
inline __half __low2half(__half2 h) { return h.x; }
inline __half __high2half(__half2 h) { return h.y; }
inline __nv_bfloat16 __float2bfloat16(float f) { return __nv_bfloat16(f); }
inline __nv_bfloat16 __float2bfloat16_rn(float f) { return __nv_bfloat16(f); }
inline float __bfloat162float(__nv_bfloat16 b) { return (float)b; }
template <class U>
__half atomicAdd(__half* p, U v) {
  emu::AtomicScope atomic_scope;
  __half old = *p;
  *p = (__half)((float)old + (float)v);
  return old;
}

// ---- host API: enough for launcher functions to compile and run on the emulator ----
typedef int cudaError_t;
typedef void* cudaStream_t;
constexpr cudaError_t cudaSuccess = 0;
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaPeekAtLastError() { return cudaSuccess; }
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline const char* cudaGetErrorString(cudaError_t) { return "no error"; }

namespace emu::cuda {
// A launch CUDA refuses (cudaErrorInvalidConfiguration, "invalid argument"): a grid or block dimension of 0, more than
// 1024 threads a block, block.z over 64, grid.y or grid.z over 65535. The GPU runs nothing and the launch's error is
// the program's (the H100 drivers stop there), so the emulator stops too rather than run an empty grid.
inline void check_configuration(dim3 grid, dim3 block) {
  const char* why = nullptr;
  if (!grid.x || !grid.y || !grid.z) why = "a grid dimension of 0";
  else if (!block.x || !block.y || !block.z) why = "a block dimension of 0";
  else if ((uint64_t)block.x * block.y * block.z > 1024 || block.x > 1024 || block.y > 1024 || block.z > 64) why = "more threads a block than CUDA allows (1024; z at most 64)";
  else if (grid.y > 65535 || grid.z > 65535 || grid.x > 2147483647u) why = "a grid dimension past CUDA's limits";
  if (why)
    fail(std::string("{\"kind\":\"bad-launch\",\"message\":\"CUDA refuses this launch (invalid configuration): ") + why + " (grid " +
         std::to_string(grid.x) + "x" + std::to_string(grid.y) + "x" + std::to_string(grid.z) + ", block " + std::to_string(block.x) + "x" +
         std::to_string(block.y) + "x" + std::to_string(block.z) + ")\"}");
}

// `k<<<grid, block, shared, stream>>>(args...)` is rewritten to `emu::cuda::launch(k, grid, block, shared, stream)(args...)`.
template <class... P>
struct Launcher {
  void (*fn)(P...);
  dim3 grid, block;
  size_t shared;
  template <class... A>
  void operator()(A&&... a) const {
    std::tuple<P...> args{static_cast<P>(a)...};
    check_configuration(grid, block);
    Runtime& r = rt();
    r.groups = Dim3{grid.x, grid.y, grid.z};
    r.nominal = Dim3{block.x, block.y, block.z};
    r.grid_threads = Dim3{grid.x * block.x, grid.y * block.y, grid.z * block.z};
    r.partial_groups = false;
    r.simd_active_lanes = false;  // a CUDA shuffle waits for every lane of its mask
    set_dyn_shared(shared);
    auto f = fn;
    run_grid([&args, f]() { std::apply(f, args); });
  }
};
template <class... P>
Launcher<P...> launch(void (*fn)(P...), dim3 grid, dim3 block, size_t shared = 0, cudaStream_t = nullptr) {
  return Launcher<P...>{fn, grid, block, shared};
}

// A class type a scalar launch argument converts to through float (ATen's Half and BFloat16: emu_torch.hpp).
template <class T>
struct float_scalar_class : std::false_type {};

// Converts a request argument to the kernel's parameter type: pointers take a buffer, others a scalar.
template <class P>
P arg_as(const Arg& a, const std::vector<unsigned char*>& bufs) {
  if constexpr (std::is_pointer_v<P>) {
    if (a.kind != 0) fail("{\"kind\":\"bad-launch\",\"message\":\"a pointer parameter was given a scalar\"}");
    return reinterpret_cast<P>(bufs.at(a.buffer));
  } else if constexpr (std::is_arithmetic_v<std::decay_t<P>> || std::is_same_v<std::decay_t<P>, __half> ||
                       std::is_same_v<std::decay_t<P>, __nv_bfloat16> || float_scalar_class<std::decay_t<P>>::value) {
    if (a.kind != 1) fail("{\"kind\":\"bad-launch\",\"message\":\"a scalar parameter was given a buffer or bytes\"}");
    using D = std::decay_t<P>;
    if constexpr (std::is_same_v<D, __half> || std::is_same_v<D, __nv_bfloat16> || float_scalar_class<D>::value) return D((float)a.value);
    else return static_cast<D>(a.value);
  } else if constexpr (std::is_enum_v<std::decay_t<P>>) {
    // an enum given as a number (c2m passes an unscoped enum parameter as an int scalar: passes/kernel/enum-params.ts)
    if (a.kind == 1) return static_cast<std::decay_t<P>>(static_cast<long long>(a.value));
    using D = std::decay_t<P>;
    if (a.kind != 2 || a.bytes.size() != sizeof(D)) fail("{\"kind\":\"bad-launch\",\"message\":\"an enum parameter needs a number or its bytes\"}");
    D v;
    std::memcpy(&v, a.bytes.data(), sizeof(D));
    return v;
  } else {
    // a struct passed by value: its bytes, laid out as the host compiler lays it out
    using D = std::decay_t<P>;
    static_assert(std::is_trivially_copyable_v<D>, "kernel parameter passed by value must be trivially copyable");
    if (a.kind != 2 || a.bytes.size() != sizeof(D)) {
      fail("{\"kind\":\"bad-launch\",\"message\":\"a by-value parameter of " + std::to_string(sizeof(D)) + " bytes needs {bytes} of that size\"}");
    }
    D v;
    std::memcpy(&v, a.bytes.data(), sizeof(D));
    return v;
  }
}
// A tag parameter (llm.c's `std::bool_constant<UseAuxBuffer>`): an empty class that only selects an
// overload or a template; it carries no data, takes no launch argument (MLX kernels have no such
// parameter) and is passed default-constructed.
template <class P>
constexpr bool is_tag_v = std::is_class_v<std::decay_t<P>> && std::is_empty_v<std::decay_t<P>>;
template <class P>
P arg_or_tag(const std::vector<Arg>& args, size_t k, const std::vector<unsigned char*>& bufs) {
  if constexpr (is_tag_v<P>) return std::decay_t<P>{};
  else return arg_as<P>(args[k], bufs);
}
template <class... P, size_t... I>
void invoke_impl(void (*fn)(P...), const Launch& l, const std::vector<unsigned char*>& bufs, std::index_sequence<I...>) {
  constexpr bool tag[] = {is_tag_v<P>..., false};
  constexpr size_t given = (size_t(0) + ... + (is_tag_v<P> ? 0 : 1));
  if (l.args.size() != given) {
    fail("{\"kind\":\"bad-launch\",\"message\":\"the kernel takes " + std::to_string(given) + " arguments, the launch gives " +
         std::to_string(l.args.size()) + "\"}");
  }
  // parameter I takes the launch argument after the non-tag parameters before it
  auto position = [&](size_t i) {
    size_t k = 0;
    for (size_t j = 0; j < i; ++j) k += tag[j] ? 0 : 1;
    return k;
  };
  launch(fn, dim3(l.grid.x, l.grid.y, l.grid.z), dim3(l.block.x, l.block.y, l.block.z), l.shared_bytes)(
      arg_or_tag<P>(l.args, position(I), bufs)...);
}
template <class... P>
void invoke(void (*fn)(P...), const Launch& l, const std::vector<unsigned char*>& bufs) {
  invoke_impl(fn, l, bufs, std::index_sequence_for<P...>{});
}

// Calls a host function (a launcher like `void launch_x(const float* x, float* y, int n)`) with the
// request's arguments; its `<<<>>>` launches run on the emulator.
template <class R, class... P, size_t... I>
void call_host_impl(R (*fn)(P...), const Launch& l, const std::vector<unsigned char*>& bufs, std::index_sequence<I...>) {
  if (l.args.size() != sizeof...(P)) {
    fail("{\"kind\":\"bad-launch\",\"message\":\"the host function takes " + std::to_string(sizeof...(P)) + " arguments, the call gives " +
         std::to_string(l.args.size()) + "\"}");
  }
  fn(arg_as<P>(l.args[I], bufs)...);
}
template <class R, class... P>
void call_host(R (*fn)(P...), const Launch& l, const std::vector<unsigned char*>& bufs) {
  call_host_impl(fn, l, bufs, std::index_sequence_for<P...>{});
}
}  // namespace emu::cuda

// ---- warp-synchronous `volatile` memory ----
// The harness's rewrite turns `volatile T*` into lockstep_ptr<T> (src/verify/rewrite.ts): each load and
// store through it waits at a lockstep point first (emu::lockstep), so the lanes of a warp execute a
// barrier-free sequence like `v[t] += v[t + 16]; v[t] += v[t + 8];` access by access, as a GPU warp
// does: in `v[t] += v[t + 16]` every lane reads v[t + 16] and v[t] before any lane writes v[t].
namespace emu {
template <class T>
struct lockstep_ref {
  T* p;
  operator T() const {
    lockstep(true);
    return *(volatile T*)p;
  }
  const lockstep_ref& operator=(T v) const {
    lockstep(true);
    *(volatile T*)p = v;
    return *this;
  }
  const lockstep_ref& operator=(const lockstep_ref& o) const { return *this = (T)o; }
#define EMU_LOCKSTEP_OP(op) \
  const lockstep_ref& operator op##=(T v) const { return *this = (T)(T(*this) op v); }
  EMU_LOCKSTEP_OP(+)
  EMU_LOCKSTEP_OP(-)
  EMU_LOCKSTEP_OP(*)
  EMU_LOCKSTEP_OP(/)
#undef EMU_LOCKSTEP_OP
  T operator++(int) const {
    T v = *this;
    *this = v + 1;
    return v;
  }
};
template <class T>
struct lockstep_ptr {
  T* p;
  lockstep_ptr(T* q = nullptr) : p(q) {}
  template <class I>
  lockstep_ref<T> operator[](I i) const { return {p + i}; }
  lockstep_ref<T> operator*() const { return {p}; }
  template <class I>
  lockstep_ptr operator+(I i) const { return {p + i}; }
  template <class I>
  lockstep_ptr operator-(I i) const { return {p - i}; }
  operator volatile T*() const { return p; }
};
}  // namespace emu

// ATen's ceiling division, which PyTorch-extension kernels call in device code (detectron2's nms_rotated:
// `at::cuda::ATenCeilDiv(n_boxes, threadsPerBlock)`); torch's own headers are never compiled here
namespace at::cuda {
template <class T, class U>
__host__ __device__ inline T ATenCeilDiv(T a, U b) {
  return (a + b - 1) / b;
}
}  // namespace at::cuda

#include "emu_torch.hpp"  // c10::Half, c10::BFloat16 (after __half and __nv_bfloat16)

// ---- warp reconvergence where lanes pass data through memory ----
// After a loop or branch whose stores the next statements read with no barrier between (src/verify/reconverge.ts
// inserts the calls), the lanes of a warp meet again, as on the GPU: each waits here until no lane can move, and the
// lanes waiting at a lockstep point go on together. Outside a kernel (a host launcher calling a __device__ helper)
// there is no warp to wait for.
namespace emu {
inline void reconverge() {
  if (rt().current >= 0) lockstep();
}
}  // namespace emu

// last: nothing after this may start a process or open a file (emu_sandbox.hpp says why)
#include "emu_poison.hpp"
