/**
 * The helper functions the Metal printer (emit/metal.ts) puts in a kernel's header, each once and only
 * when a rewrite calls it: text, keyed by the name the printer adds to its helper set.
 */
import { BLOCK_VOTE_HELPER } from "./metal-block-votes.js";
import { COOP_HELPER } from "./coop.js";
import { STRUCT_HELPERS } from "./metal-structs.js";
import { GLM_HELPER } from "../passes/kernel/glm.js";
import { CUB_HELPER } from "./metal-cub.js";
import { ATOMIC16_HELPER } from "./metal-atomic16.js";
import { CURAND_HELPER } from "./metal-curand.js";
import { curandJumpHelper } from "./metal-curand-jump.js";
import { C2M_TRAITS_HELPER } from "./metal-type-traits.js";
import { ATEN16_HELPER } from "./metal-aten-compound.js";
import { nameTable } from "../ir/tables.js";

/** Header helpers, emitted once each when used. */
export const METAL_HELPERS: Record<string, string> = nameTable({
  ...STRUCT_HELPERS,
  c2m_block_count: BLOCK_VOTE_HELPER,
  c2m_cg: COOP_HELPER,
  c2m_glm: GLM_HELPER,
  c2m_cub: CUB_HELPER,
  c2m_atomic16: ATOMIC16_HELPER,
  c2m_curand: CURAND_HELPER,
  c2m_traits: C2M_TRAITS_HELPER,
  c2m_aten16: ATEN16_HELPER,
  c2m_own: `// In-place buffers: an element is copied in from the caller's array the first time it is touched (its
// flag in \`touched\` says so, and tells the wrapper which elements the kernel took over), then used in place.
template <typename T, typename Q, typename M> inline device T& c2m_own(const device T* y, Q y_in, M touched, ulong i, uint width) {
  device T* w = const_cast<device T*>(y);
  if (!touched[i * width]) {
    w[i] = y_in[i];
    for (uint k = 0; k < width; ++k) touched[i * width + k] = 1;
  }
  return w[i];
}`,
  c2m_rt: `// Read-through in-place buffers (a buffer read at indices taken from memory while other threads write it, as
// the CUDA original races): nothing is copied in. A store writes the element, fences, then sets its flag; a read
// takes the element where its flag is set (after a fence: the stored value, never the output's fresh contents),
// else the caller's. The wrapper keeps the caller's value where no flag is set. Fences: Metal 3.2.
template <typename T, typename Q> inline T c2m_rt_load(const device T* y, Q y_in, device uint* touched, ulong i) {
  if (atomic_load_explicit(reinterpret_cast<device atomic_uint*>(touched) + i, memory_order_relaxed)) {
    atomic_thread_fence(mem_flags::mem_device, memory_order_seq_cst, thread_scope_device);
    return y[i];
  }
  return T(y_in[i]);
}
template <typename T, typename V> inline T c2m_rt_store(const device T* y, device uint* touched, ulong i, V v) {
  T t = T(v);
  const_cast<device T*>(y)[i] = t;
  atomic_thread_fence(mem_flags::mem_device, memory_order_seq_cst, thread_scope_device);
  atomic_store_explicit(reinterpret_cast<device atomic_uint*>(touched) + i, 1u, memory_order_relaxed);
  return t;
}`,
  c2m_own_atomic: `// An in-place buffer of a kernel with atomic outputs (MLX's atomic_outputs declares every output atomic<T>,
// its touched mask too): the element is copied in from the caller's array at its first touch by relaxed atomic
// loads and stores, and the access goes on through the atomic element (atomic_load/atomic_store at the caller).
template <typename T, typename Q, typename M> inline device atomic<T>* c2m_own_atomic(device atomic<T>* y, Q y_in, M touched, ulong i, uint width) {
  if (!atomic_load_explicit(&touched[i * width], memory_order_relaxed)) {
    atomic_store_explicit(&y[i], y_in[i], memory_order_relaxed);
    for (uint k = 0; k < width; ++k) atomic_store_explicit(&touched[i * width + k], 1u, memory_order_relaxed);
  }
  return &y[i];
}`,
  c2m_own128_atomic: `// A 128-bit access (load128/store128) into an in-place buffer of a kernel with atomic outputs: its 16 bytes'
// elements are copied in on first touch by relaxed atomic stores, as c2m_own_atomic does for one; the helper then
// reads or writes the 16 bytes through the element type (atomic<T> has T's size and alignment). The ownership
// proof gave these elements to this thread (or its threadgroup, ordered by its barriers), so no other thread's
// atomic meets the plain access.
template <typename T, typename Q, typename M> inline device T* c2m_own128_atomic(device atomic<T>* y, Q y_in, M touched, ulong i, uint width) {
  for (ulong k = i; k < i + 16 / sizeof(T); ++k) {
    if (!atomic_load_explicit(&touched[k * width], memory_order_relaxed)) {
      atomic_store_explicit(&y[k], y_in[k], memory_order_relaxed);
      for (uint j = 0; j < width; ++j) atomic_store_explicit(&touched[k * width + j], 1u, memory_order_relaxed);
    }
  }
  return reinterpret_cast<device T*>(y + i);
}`,
  c2m_cminmax: `// std::min/std::max of two values or of a list, usable in a constant expression (Metal's min/max are not constexpr).
template <typename T> constexpr T c2m_cmin(T a, T b) { return b < a ? b : a; }
template <typename T> constexpr T c2m_cmax(T a, T b) { return a < b ? b : a; }
template <typename T, int N> constexpr T c2m_cmin(const thread T (&a)[N]) { T m = a[0]; for (int i = 1; i < N; ++i) m = a[i] < m ? a[i] : m; return m; }
template <typename T, int N> constexpr T c2m_cmax(const thread T (&a)[N]) { T m = a[0]; for (int i = 1; i < N; ++i) m = m < a[i] ? a[i] : m; return m; }`,
  c2m_ctz: `// Trailing zero bits of a 32-bit value, usable in a constant expression (Metal's ctz is not constexpr).
constexpr int c2m_ctz(uint x) {
  if (x == 0u) return 32;
  int n = 0;
  while ((x & 1u) == 0u) { x >>= 1; ++n; }
  return n;
}`,
  c2m_own128: `// A 128-bit access (load128/store128) into an in-place buffer: its 16 bytes' elements are copied in from the
// caller's array on first touch, as c2m_own does for one, and the access goes on through the buffer's own pointer.
template <typename T, typename Q, typename M> inline device T* c2m_own128(const device T* y, Q y_in, M touched, ulong i, uint width) {
  device T* w = const_cast<device T*>(y);
  for (ulong k = i; k < i + 16 / sizeof(T); ++k) {
    if (!touched[k * width]) {
      w[k] = y_in[k];
      for (uint j = 0; j < width; ++j) touched[k * width + j] = 1;
    }
  }
  return w + i;
}`,
  c2m_erf: `// erf for float (max error ~1 ulp): Metal's standard library has none.
inline float c2m_erf(float a) {
  float r, s, t, u;
  t = metal::abs(a);
  s = a * a;
  if (t > 0.927734375f) {
    r = metal::fma(-1.72853470e-5f, t, 3.83197126e-4f);
    u = metal::fma(-3.88396438e-3f, t, 2.42546219e-2f);
    r = metal::fma(r, s, u);
    r = metal::fma(r, t, -1.06777877e-1f);
    r = metal::fma(r, t, -6.34846687e-1f);
    r = metal::fma(r, t, -1.28717512e-1f);
    r = metal::fma(r, t, -t);
    r = 1.0f - metal::exp(r);
    r = metal::copysign(r, a);
  } else {
    r = -5.96761703e-4f;
    r = metal::fma(r, s, 4.99119423e-3f);
    r = metal::fma(r, s, -2.67681349e-2f);
    r = metal::fma(r, s, 1.12819925e-1f);
    r = metal::fma(r, s, -3.76125336e-1f);
    r = metal::fma(r, s, 1.28379166e-1f);
    r = metal::fma(r, a, a);
  }
  return r;
}`,
  c2m_log1p: `inline float c2m_log1p(float x) { float u = 1.0f + x; return u == 1.0f ? x : metal::log(u) * x / (u - 1.0f); }`,
  c2m_expm1: `inline float c2m_expm1(float x) { float u = metal::exp(x); if (u == 1.0f) return x; float um1 = u - 1.0f; if (um1 == -1.0f) return -1.0f; return um1 * x / metal::log(u); }`,
  c2m_cast: `// Pointer reinterpretation that keeps the pointer's address space (MLX passes small inputs in constant memory).
#if defined(__METAL_VERSION__)
template <typename V, typename T> inline const device V* c2m_cast(const device T* p) { return reinterpret_cast<const device V*>(p); }
template <typename V, typename T> inline device V* c2m_cast(device T* p) { return reinterpret_cast<device V*>(p); }
template <typename V, typename T> inline const constant V* c2m_cast(const constant T* p) { return reinterpret_cast<const constant V*>(p); }
template <typename V, typename T> inline threadgroup V* c2m_cast(threadgroup T* p) { return reinterpret_cast<threadgroup V*>(p); }
template <typename V, typename T> inline const threadgroup V* c2m_cast(const threadgroup T* p) { return reinterpret_cast<const threadgroup V*>(p); }
template <typename V, typename T> inline thread V* c2m_cast(thread T* p) { return reinterpret_cast<thread V*>(p); }
#else
// compiled as plain C++ (c2m's CPU emulator): address spaces are not distinct types there
template <typename V, typename T> inline const V* c2m_cast(const T* p) { return reinterpret_cast<const V*>(p); }
template <typename V, typename T> inline V* c2m_cast(T* p) { return reinterpret_cast<V*>(p); }
#endif`,
  c2m_shfl: `// CUDA shuffles with width < 32: lanes stay inside their segment of \`width\` lanes, as CUDA specifies.
template <typename T> inline T c2m_shfl_idx(T v, int src, int width, uint lane) {
  uint base = lane & ~uint(width - 1);
  return simd_shuffle(v, ushort(base + (uint(src) & uint(width - 1))));
}
template <typename T> inline T c2m_shfl_down(T v, uint delta, int width, uint lane) {
  uint src = lane + delta;
  uint end = (lane & ~uint(width - 1)) + uint(width);
  return simd_shuffle(v, ushort(src < end ? src : lane));
}
template <typename T> inline T c2m_shfl_up(T v, uint delta, int width, uint lane) {
  uint base = lane & ~uint(width - 1);
  return simd_shuffle(v, ushort(lane >= base + delta ? lane - delta : lane));
}
template <typename T> inline T c2m_shfl_xor(T v, uint mask, int width, uint lane) {
  uint src = lane ^ mask;
  uint end = (lane & ~uint(width - 1)) + uint(width);
  return simd_shuffle(v, ushort(src < end ? src : lane));
}`,
  c2m_atomic_inc_from: `// atomicInc on a counter held as its offset from the caller's value (passes/kernel/ticket-counter.ts): the element
// is the word plus from; it becomes ((element >= limit) ? 0 : element + 1), stored minus from, by compare-exchange.
template <typename A> inline uint c2m_atomic_inc_from(A obj, uint limit, uint from) {
  uint old = atomic_load_explicit(obj, memory_order_relaxed);
  while (!atomic_compare_exchange_weak_explicit(obj, &old, (old + from >= limit ? 0u : old + from + 1u) - from, memory_order_relaxed, memory_order_relaxed)) {
  }
  return old + from;
}`,
  c2m_atomic_dec_from: `// atomicDec on a counter held as its offset from the caller's value (passes/kernel/ticket-counter.ts).
template <typename A> inline uint c2m_atomic_dec_from(A obj, uint limit, uint from) {
  uint old = atomic_load_explicit(obj, memory_order_relaxed);
  while (!atomic_compare_exchange_weak_explicit(obj, &old, ((old + from == 0u || old + from > limit) ? limit : old + from - 1u) - from, memory_order_relaxed, memory_order_relaxed)) {
  }
  return old + from;
}`,
  c2m_atomic_cas: `// atomicCAS: returns the old value, like CUDA (the weak exchange retries on spurious failure).
// The compare and the swap are in the atomic's own type, to which CUDA converts both arguments (atomicCAS(int*, ...)
// called with unsigned values).
template <typename A, typename E, typename D>
inline auto c2m_atomic_cas(A obj, E expected, D desired) -> decltype(atomic_load_explicit(obj, memory_order_relaxed)) {
  using T = decltype(atomic_load_explicit(obj, memory_order_relaxed));
  T want = T(expected);
  T old = want;
  while (!atomic_compare_exchange_weak_explicit(obj, &old, T(desired), memory_order_relaxed, memory_order_relaxed)) {
    if (old != want) break;
  }
  return old;
}`,
  c2m_atomic_take: `// An in-place buffer updated only by atomics (BufferPlan.takeOnAtomic): before its first atomic, an element
// takes the caller's value over. The first thread to claim the element's flag (0 -> 1) copies it in and marks it
// copied (2); the others wait for that mark. The copier does its part inside the loop, so a waiting lane of its
// SIMD-group never holds it up. The fences order the copy before the mark (Metal's device atomics are relaxed).
template <typename A, typename B, typename T>
inline A c2m_atomic_take(A p, device B* base, device atomic_uint* touched, const device T* caller) {
  // signed: an address below a moved base (scratch += 32 past the counter's word at its start) is taken at its own word
  long i = long(((device const char*)p - (device const char*)base) / long(sizeof(B)));
  uint state = atomic_load_explicit(&touched[i], memory_order_relaxed);
  while (state != 2u) {
    uint expected = 0u;
    if (state == 0u && atomic_compare_exchange_weak_explicit(&touched[i], &expected, 1u, memory_order_relaxed, memory_order_relaxed)) {
      atomic_store_explicit(&base[i], caller[i], memory_order_relaxed);
      atomic_thread_fence(mem_flags::mem_device, memory_order_seq_cst, thread_scope_device);
      atomic_store_explicit(&touched[i], 2u, memory_order_relaxed);
      state = 2u;
    } else state = atomic_load_explicit(&touched[i], memory_order_relaxed);
  }
  atomic_thread_fence(mem_flags::mem_device, memory_order_seq_cst, thread_scope_device);
  return p;
}`,
  c2m_atomic_take128: `// A 128-bit access (load128/store128) into an in-place buffer whose elements are taken over before their first
// access (BufferPlan.takeOnAtomic): each of its 16 bytes' elements takes the caller's value over (c2m_atomic_take),
// then the helper reads or writes the span through the buffer's own pointer.
template <typename A, typename B, typename T>
inline A c2m_atomic_take128(A p, device B* base, device atomic_uint* touched, const device T* caller) {
  for (uint k = 0; k < 16 / sizeof(B); ++k) c2m_atomic_take(p + k, base, touched, caller);
  return p;
}`,
  c2m_atomic_inc: `// atomicInc: ((old >= limit) ? 0 : old + 1), returning the old value, like CUDA; Metal has no wrapping
// increment, so a compare-exchange loop retries until no other thread changed the word in between.
template <typename A> inline uint c2m_atomic_inc(A obj, uint limit) {
  uint old = atomic_load_explicit(obj, memory_order_relaxed);
  while (!atomic_compare_exchange_weak_explicit(obj, &old, old >= limit ? 0u : old + 1u, memory_order_relaxed, memory_order_relaxed)) {
  }
  return old;
}`,
  c2m_atomic_dec: `// atomicDec: ((old == 0 || old > limit) ? limit : old - 1), returning the old value, like CUDA, by a
// compare-exchange loop (Metal has no wrapping decrement).
template <typename A> inline uint c2m_atomic_dec(A obj, uint limit) {
  uint old = atomic_load_explicit(obj, memory_order_relaxed);
  while (!atomic_compare_exchange_weak_explicit(obj, &old, (old == 0u || old > limit) ? limit : old - 1u, memory_order_relaxed, memory_order_relaxed)) {
  }
  return old;
}`,
});

// cuRAND's subsequence table (200 KiB of words) is computed only when a kernel asks for it
Object.defineProperty(METAL_HELPERS, "c2m_curand_jump", { get: curandJumpHelper, enumerable: true });
