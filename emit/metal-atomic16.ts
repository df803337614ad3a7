/**
 * 16-bit float atomics (CUDA's atomicAdd on __half, __nv_bfloat16 and their __half2/__nv_bfloat162 pairs) in
 * Metal, whose atomic<T> holds only 32-bit int, uint and float. An output summed into with atomicAdd whose
 * element is (or, for a template type, may be) a 16-bit float is taken as 32-bit words: MLX declares it
 * `device atomic<uint>*` (output dtype uint32, two elements a word) and the wrapper views the words back
 * (passes/kernel/atomic16.ts decides which buffers; emit/kernel-python.ts, planKernelCall). In the kernel the
 * buffer is a view over the words, `c2m_a16_ptr<T>` (words, element index), which indexes, offsets and casts
 * like the pointer it stands for, and an add on it is a compare-exchange loop on the word holding the element
 * (the even element in the low half, as little-endian memory holds them), the sum computed in float and
 * rounded back, as CUDA's 16-bit atomicAdd rounds it. For any other element type the view is the atomic
 * pointer itself, so the same source serves every instantiation.
 */

export const ATOMIC16_HELPER = `// 16-bit float atomics: Metal's atomic<T> has no half or bfloat, so the buffer is taken as 32-bit words (two
// elements a word, the even one in the low half) and an add is a compare-exchange loop on the element's word.
template <bool B> struct c2m_a16_if {};
template <> struct c2m_a16_if<true> { typedef int type; };
template <typename T> struct c2m_is16 { static constant constexpr bool value = false; };
template <> struct c2m_is16<half> { static constant constexpr bool value = true; };
template <> struct c2m_is16<bfloat16_t> { static constant constexpr bool value = true; };
template <typename T> struct c2m_a16_ptr;
template <typename T> struct c2m_a16_ref {
  device atomic<uint>* w;
  long i;
  c2m_a16_ptr<T> operator&() const { return c2m_a16_ptr<T>{w, i}; }
};
template <typename T> struct c2m_a16_ptr {
  device atomic<uint>* w;
  long i;
  template <typename I> c2m_a16_ptr operator+(I d) const { return c2m_a16_ptr{w, i + long(d)}; }
  template <typename I> c2m_a16_ptr operator-(I d) const { return c2m_a16_ptr{w, i - long(d)}; }
  // a kernel that moves its pointer to its own part (torch-ngp's \`grad_grid += offsets[level] * C\`)
  template <typename I> thread c2m_a16_ptr& operator+=(I d) { i += long(d); return *this; }
  template <typename I> thread c2m_a16_ptr& operator-=(I d) { i -= long(d); return *this; }
  // the elements between two views (a fetched value's element in the caller's array: BufferPlan.foldsFetched)
  long operator-(c2m_a16_ptr o) const { return i - o.i; }
  template <typename I> c2m_a16_ref<T> operator[](I d) const { return c2m_a16_ref<T>{w, i + long(d)}; }
  c2m_a16_ref<T> operator*() const { return c2m_a16_ref<T>{w, i}; }
};
// the kernel's view of the buffer: over the words for a 16-bit element, the atomic pointer itself otherwise
template <typename T, typename c2m_a16_if<c2m_is16<T>::value>::type = 0> inline c2m_a16_ptr<T> c2m_atomic_view(device atomic<uint>* w) { return c2m_a16_ptr<T>{w, 0}; }
template <typename T, typename P, typename c2m_a16_if<!c2m_is16<T>::value>::type = 0> inline P c2m_atomic_view(P p) { return p; }
// \`reinterpret_cast<__half2*>(p)\`: the same bytes, counted in elements of the new type
template <typename V, typename T> inline c2m_a16_ptr<V> c2m_cast(c2m_a16_ptr<T> p) { return c2m_a16_ptr<V>{p.w, p.i * long(sizeof(T)) / long(sizeof(V))}; }
template <typename T> inline T c2m_a16_half(uint word, uint shift) { return as_type<T>(ushort((word >> shift) & 0xffffu)); }
template <typename T> inline uint c2m_a16_bits(T v, uint shift) { return uint(as_type<ushort>(v)) << shift; }
// atomicAdd on one 16-bit element: returns the old value, as CUDA's does
template <typename T, typename U> inline T atomic_fetch_add_explicit(c2m_a16_ptr<T> p, U v, memory_order) {
  device atomic<uint>* word = p.w + (p.i >> 1);
  uint shift = uint(p.i & 1) * 16u;
  uint old = atomic_load_explicit(word, memory_order_relaxed);
  while (true) {
    T cur = c2m_a16_half<T>(old, shift);
    uint next = (old & ~(0xffffu << shift)) | c2m_a16_bits(T(float(cur) + float(T(v))), shift);
    if (atomic_compare_exchange_weak_explicit(word, &old, next, memory_order_relaxed, memory_order_relaxed)) return cur;
  }
}
// atomicAdd on a pair (one whole word): each half summed apart
template <typename T, typename U> inline vec<T, 2> atomic_fetch_add_explicit(c2m_a16_ptr<vec<T, 2>> p, U v, memory_order) {
  device atomic<uint>* word = p.w + p.i;
  uint old = atomic_load_explicit(word, memory_order_relaxed);
  while (true) {
    T lo = c2m_a16_half<T>(old, 0u);
    T hi = c2m_a16_half<T>(old, 16u);
    uint next = c2m_a16_bits(T(float(lo) + float(v.x)), 0u) | c2m_a16_bits(T(float(hi) + float(v.y)), 16u);
    if (atomic_compare_exchange_weak_explicit(word, &old, next, memory_order_relaxed, memory_order_relaxed)) return vec<T, 2>(lo, hi);
  }
}
// atomicSub on one 16-bit element (\`x -= v\` on an element of a buffer taken as words)
template <typename T, typename U> inline T atomic_fetch_sub_explicit(c2m_a16_ptr<T> p, U v, memory_order o) { return atomic_fetch_add_explicit(p, -float(T(v)), o); }
// An output or in-place buffer of 16-bit floats beside atomic outputs (passes/kernel/atomic16.ts wordsBesideAtomics)
// is taken as words too: an element load is an atomic load of its word, a store a compare-exchange loop replacing the
// element's half (the other half may be another thread's element, stored at the same time)
template <typename T> inline T atomic_load_explicit(c2m_a16_ptr<T> p, memory_order) {
  return c2m_a16_half<T>(atomic_load_explicit(p.w + (p.i >> 1), memory_order_relaxed), uint(p.i & 1) * 16u);
}
template <typename T, typename U> inline void atomic_store_explicit(c2m_a16_ptr<T> p, U v, memory_order) {
  device atomic<uint>* word = p.w + (p.i >> 1);
  uint shift = uint(p.i & 1) * 16u;
  uint bits = c2m_a16_bits(T(v), shift);
  uint old = atomic_load_explicit(word, memory_order_relaxed);
  while (!atomic_compare_exchange_weak_explicit(word, &old, (old & ~(0xffffu << shift)) | bits, memory_order_relaxed, memory_order_relaxed)) {
  }
}
// c2m_own_atomic (emit/metal-helpers.ts) over the words: the element is copied in from the caller's array at its first
// touch (the mask is per element, so a word's two elements are copied in by whichever threads first touch each)
template <typename T, typename Q, typename M> inline c2m_a16_ptr<T> c2m_own_atomic(c2m_a16_ptr<T> y, Q y_in, M touched, ulong i, uint width) {
  if (!atomic_load_explicit(&touched[i * width], memory_order_relaxed)) {
    atomic_store_explicit(y + i, y_in[i], memory_order_relaxed);
    for (uint k = 0; k < width; ++k) atomic_store_explicit(&touched[i * width + k], 1u, memory_order_relaxed);
  }
  return y + i;
}
// c2m_own128_atomic over the words: the 16 bytes' elements copied in per element, then read or written through T.
// llm.c's x128 spans start at a multiple of 8 elements (CUDA's 16-byte vector access needs it), so they are whole
// words the ownership proof gave this thread; a span starting at an odd element would share its end words' other
// halves with neighbours, whose compare-exchange loops retry over a plain 16-bit store and never overwrite it
template <typename T, typename Q, typename M> inline device T* c2m_own128_atomic(c2m_a16_ptr<T> y, Q y_in, M touched, ulong i, uint width) {
  for (ulong k = i; k < i + 16 / sizeof(T); ++k) {
    if (!atomic_load_explicit(&touched[k * width], memory_order_relaxed)) {
      atomic_store_explicit(y + k, y_in[k], memory_order_relaxed);
      for (uint j = 0; j < width; ++j) atomic_store_explicit(&touched[k * width + j], 1u, memory_order_relaxed);
    }
  }
  return reinterpret_cast<device T*>(y.w) + (y.i + long(i));
}
// atomicAdd on a pair viewed in a buffer whose element is not 16-bit (a kernel template launched with float for the
// type the buffer holds, llm.c's layernorm_backward_kernel4): MLX declares that output atomic<float>, and Metal has
// no atomic on a pair of 16-bit floats inside it; this stops Metal's compile, naming why, instead of "no matching function"
template <typename T, typename U> inline vec<T, 2> atomic_fetch_add_explicit(device vec<T, 2>* p, U, memory_order) {
  static_assert(sizeof(T) == 0, "c2m: atomicAdd on a pair of 16-bit floats needs the buffer's element to be a 16-bit float (launch with half or bfloat for it): Metal has no atomic on a pair inside a 32-bit element");
  return *p;
}`;
