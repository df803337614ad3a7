// c2m kernel proof harness: Metal Shading Language (the subset MLX custom kernels use) as host C++.
// Address spaces are no-ops (threadgroup declarations are rewritten to per-group memory by the
// driver), half is _Float16, bfloat is emu::bfloat16, vectors have components and swizzles,
// metal:: math, atomics on device and threadgroup memory, threadgroup_barrier and the simd_*
// functions across the 32 lanes of a SIMD-group run on emu's fibers.
#pragma once

#include "emu_sandbox.hpp"  // first: C headers read before this file's macros (device, constant...) exist
#include "emu_runtime.hpp"
#include "emu_types.hpp"
#include "metal_swizzles.hpp"

#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#define device
#define constant
#define thread
#define threadgroup
#define ray_data
#define object_data
#define METAL_FUNC inline __attribute__((always_inline))
#define MAXFLOAT FLT_MAX
#define MAXHALF ((_Float16)65504.0f)
// metal_math's float constants (MSL §6.5), which c2m's table maps CUDA's M_PI / CUDART_PI_F onto
#define M_E_F 2.71828182845904523536028747135266250f
#define M_LOG2E_F 1.44269504088896340735992468100189214f
#define M_LOG10E_F 0.434294481903251827651128918916605082f
#define M_LN2_F 0.693147180559945309417232121458176568f
#define M_LN10_F 2.30258509299404568401799145468436421f
#define M_PI_F 3.14159265358979323846264338327950288f
#define M_PI_2_F 1.57079632679489661923132169163975144f
#define M_PI_4_F 0.785398163397448309615660845819875721f
#define M_1_PI_F 0.318309886183790671537767526745028724f
#define M_2_PI_F 0.636619772367581343075535053490057448f
#define M_2_SQRTPI_F 1.12837916709551257389615890312154517f
#define M_SQRT2_F 1.41421356237309504880168872420969808f
#define M_SQRT1_2_F 0.707106781186547524400844362104849039f

namespace metal {

typedef _Float16 half;
typedef emu::bfloat16 bfloat;

// Metal's type traits (<metal_type_traits>): the standard's, in namespace metal, except that half and bfloat are
// Metal's own floating-point types (Metal's clang counts them, as its __is_floating_point does; the host's
// libstdc++ answers false for _Float16 and knows no bfloat), so `metal::is_floating_point<half>` is true here too
using std::is_integral;
using std::is_integral_v;
using std::is_same;
using std::is_same_v;
using std::is_unsigned;
using std::is_unsigned_v;
template <class T>
struct is_floating_point
    : std::bool_constant<std::is_floating_point_v<T> || std::is_same_v<std::remove_cv_t<T>, half> || std::is_same_v<std::remove_cv_t<T>, bfloat>> {};
template <class T>
inline constexpr bool is_floating_point_v = is_floating_point<T>::value;
template <class T>
struct is_arithmetic : std::bool_constant<std::is_integral_v<T> || is_floating_point_v<T>> {};
template <class T>
inline constexpr bool is_arithmetic_v = is_arithmetic<T>::value;
template <class T>
struct is_signed : std::bool_constant<std::is_signed_v<T> || is_floating_point_v<T>> {};
template <class T>
inline constexpr bool is_signed_v = is_signed<T>::value;
typedef unsigned char uchar;
typedef half float16_t;
typedef bfloat bfloat16_t;

// ---- vectors ----
template <class T, int N>
struct vec;

// A swizzle (`v.xy`, `v.zyx`): reads as a vector, assigns through to the components it names.
template <class T, int N, int... I>
struct swz {
  using V = vec<T, (int)sizeof...(I)>;
  T v[N];
  V val() const { return V(v[I]...); }
  operator V() const { return val(); }
  swz& operator=(const V& o) {
    int k = 0;
    ((v[I] = o.v[k++]), ...);
    return *this;
  }
  T operator[](int i) const {
    const int idx[] = {I...};
    return v[idx[i]];
  }
  friend V operator+(const swz& a, const V& b) { return a.val() + b; }
  friend V operator-(const swz& a, const V& b) { return a.val() - b; }
  friend V operator*(const swz& a, const V& b) { return a.val() * b; }
  friend V operator/(const swz& a, const V& b) { return a.val() / b; }
  friend V operator+(const V& a, const swz& b) { return a + b.val(); }
  friend V operator-(const V& a, const swz& b) { return a - b.val(); }
  friend V operator*(const V& a, const swz& b) { return a * b.val(); }
  friend V operator/(const V& a, const swz& b) { return a / b.val(); }
  swz& operator+=(const V& b) { return *this = val() + b; }
  swz& operator-=(const V& b) { return *this = val() - b; }
  swz& operator*=(const V& b) { return *this = val() * b; }
  swz& operator/=(const V& b) { return *this = val() / b; }
};

#define EMU_VEC_OPS(N)                                                                   \
  vec() = default;                                                                       \
  vec(T s) {                                                                             \
    for (int i = 0; i < N; ++i) v[i] = s;                                                \
  }                                                                                      \
  template <class U, class = std::enable_if_t<!std::is_same_v<U, T>>>                   \
  explicit vec(const vec<U, N>& o) {                                                     \
    for (int i = 0; i < N; ++i) v[i] = T(o.v[i]);                                        \
  }                                                                                      \
  T& operator[](int i) { return v[i]; }                                                  \
  const T& operator[](int i) const { return v[i]; }                                      \
  friend vec operator+(vec a, const vec& b) {                                            \
    for (int i = 0; i < N; ++i) a.v[i] = a.v[i] + b.v[i];                                \
    return a;                                                                            \
  }                                                                                      \
  friend vec operator-(vec a, const vec& b) {                                            \
    for (int i = 0; i < N; ++i) a.v[i] = a.v[i] - b.v[i];                                \
    return a;                                                                            \
  }                                                                                      \
  friend vec operator*(vec a, const vec& b) {                                            \
    for (int i = 0; i < N; ++i) a.v[i] = a.v[i] * b.v[i];                                \
    return a;                                                                            \
  }                                                                                      \
  friend vec operator/(vec a, const vec& b) {                                            \
    for (int i = 0; i < N; ++i) a.v[i] = a.v[i] / b.v[i];                                \
    return a;                                                                            \
  }                                                                                      \
  friend vec operator-(vec a) {                                                          \
    for (int i = 0; i < N; ++i) a.v[i] = -a.v[i];                                        \
    return a;                                                                            \
  }                                                                                      \
  vec& operator+=(const vec& b) { return *this = *this + b; }                            \
  vec& operator-=(const vec& b) { return *this = *this - b; }                            \
  vec& operator*=(const vec& b) { return *this = *this * b; }                            \
  vec& operator/=(const vec& b) { return *this = *this / b; }

template <class T>
struct vec<T, 2> {
  union {
    T v[2];
    struct {
      T x, y;
    };
    struct {
      T r, g;
    };
    EMU_SWIZZLES_2
  };
  vec(T a, T b) {
    v[0] = a;
    v[1] = b;
  }
  EMU_VEC_OPS(2)
};

// MSL's 3-component vectors are as big and as aligned as 4 components (float3: 16 bytes); packed_float3 is 12
template <class T>
struct alignas(4 * sizeof(T)) vec<T, 3> {
  union {
    T v[3];
    struct {
      T x, y, z;
    };
    struct {
      T r, g, b;
    };
    EMU_SWIZZLES_3
  };
  vec(T a, T b, T c) {
    v[0] = a;
    v[1] = b;
    v[2] = c;
  }
  vec(const vec<T, 2>& a, T c) {
    v[0] = a.v[0];
    v[1] = a.v[1];
    v[2] = c;
  }
  EMU_VEC_OPS(3)
};

template <class T>
struct vec<T, 4> {
  union {
    T v[4];
    struct {
      T x, y, z, w;
    };
    struct {
      T r, g, b, a;
    };
    EMU_SWIZZLES_4
  };
  vec(T a, T b, T c, T d) {
    v[0] = a;
    v[1] = b;
    v[2] = c;
    v[3] = d;
  }
  vec(const vec<T, 2>& a, T c, T d) {
    v[0] = a.v[0];
    v[1] = a.v[1];
    v[2] = c;
    v[3] = d;
  }
  vec(const vec<T, 2>& a, const vec<T, 2>& b) {
    v[0] = a.v[0];
    v[1] = a.v[1];
    v[2] = b.v[0];
    v[3] = b.v[1];
  }
  vec(const vec<T, 3>& a, T d) {
    v[0] = a.v[0];
    v[1] = a.v[1];
    v[2] = a.v[2];
    v[3] = d;
  }
  EMU_VEC_OPS(4)
};

#define EMU_VEC_TYPES(T, name) \
  typedef vec<T, 2> name##2;   \
  typedef vec<T, 3> name##3;   \
  typedef vec<T, 4> name##4;
EMU_VEC_TYPES(float, float)
EMU_VEC_TYPES(half, half)
EMU_VEC_TYPES(bfloat, bfloat)
EMU_VEC_TYPES(int, int)
EMU_VEC_TYPES(unsigned int, uint)
EMU_VEC_TYPES(short, short)
EMU_VEC_TYPES(unsigned short, ushort)
EMU_VEC_TYPES(char, char)
EMU_VEC_TYPES(unsigned char, uchar)
EMU_VEC_TYPES(bool, bool)
EMU_VEC_TYPES(long, long)
EMU_VEC_TYPES(unsigned long, ulong)
// MSL's packed 3-vectors: three components, no padding (CUDA's float3 layout); used as the vector they convert to
template <class T>
struct packed3 {
  T x, y, z;
  packed3() = default;
  packed3(const vec<T, 3>& o) : x(o.x), y(o.y), z(o.z) {}
  packed3(T a, T b, T c) : x(a), y(b), z(c) {}
  operator vec<T, 3>() const { return vec<T, 3>(x, y, z); }
  T& operator[](int i) { return (&x)[i]; }
  const T& operator[](int i) const { return (&x)[i]; }
  template <class U>
  packed3& operator+=(const U& b) { return *this = vec<T, 3>(*this) + b; }
  template <class U>
  packed3& operator-=(const U& b) { return *this = vec<T, 3>(*this) - b; }
  template <class U>
  packed3& operator*=(const U& b) { return *this = vec<T, 3>(*this) * b; }
  template <class U>
  packed3& operator/=(const U& b) { return *this = vec<T, 3>(*this) / b; }
};
#define EMU_PACKED3_OP(op)                                                                                    \
  template <class T, class U>                                                                                 \
  auto operator op(const packed3<T>& a, const U& b) { return vec<T, 3>(a) op b; }                            \
  template <class T, class U, class = typename std::enable_if<!std::is_same<U, packed3<T>>::value>::type> \
  auto operator op(const U& a, const packed3<T>& b) { return a op vec<T, 3>(b); }
EMU_PACKED3_OP(+)
EMU_PACKED3_OP(-)
EMU_PACKED3_OP(*)
EMU_PACKED3_OP(/)
#undef EMU_PACKED3_OP
typedef vec<float, 2> packed_float2;
typedef packed3<float> packed_float3;
typedef vec<float, 4> packed_float4;
typedef vec<half, 4> packed_half4;
typedef packed3<half> packed_half3;
typedef packed3<int> packed_int3;
typedef packed3<unsigned int> packed_uint3;
typedef packed3<short> packed_short3;
typedef packed3<unsigned short> packed_ushort3;
typedef packed3<char> packed_char3;
typedef packed3<unsigned char> packed_uchar3;

template <class T, int N>
T dot(const vec<T, N>& a, const vec<T, N>& b) {
  T s = T(0);
  for (int i = 0; i < N; ++i) s = s + a.v[i] * b.v[i];
  return s;
}

template <class To, class From>
To as_type(const From& f) {
  static_assert(sizeof(To) == sizeof(From), "as_type: sizes differ");
  To t;
  std::memcpy(&t, &f, sizeof(To));
  return t;
}

template <class T>
using numeric_limits = std::numeric_limits<T>;

// ---- math ----
// Each function has float, half and bfloat overloads (half/bfloat computed in float and rounded back,
// as the GPU's higher-precision evaluation does) and an elementwise vector form.
#define EMU_UNARY(name, expr)                                        \
  inline float name(float x) { return expr; }                        \
  inline half name(half h) {                                         \
    float x = (float)h;                                              \
    return (half)(expr);                                             \
  }                                                                  \
  inline bfloat name(bfloat b) {                                     \
    float x = (float)b;                                              \
    return bfloat(expr);                                             \
  }                                                                  \
  template <class T, int N>                                          \
  vec<T, N> name(vec<T, N> a) {                                      \
    for (int i = 0; i < N; ++i) a.v[i] = name(a.v[i]);               \
    return a;                                                        \
  }
// Not here, as in MSL: erf, erfc, expm1, log1p (MLX kernels bring their own).
EMU_UNARY(exp, std::exp(x))
EMU_UNARY(exp2, std::exp2(x))
EMU_UNARY(exp10, std::pow(10.0f, x))
EMU_UNARY(log, std::log(x))
EMU_UNARY(log2, std::log2(x))
EMU_UNARY(log10, std::log10(x))
EMU_UNARY(sqrt, std::sqrt(x))
EMU_UNARY(rsqrt, 1.0f / std::sqrt(x))
EMU_UNARY(sin, std::sin(x))
EMU_UNARY(cos, std::cos(x))
EMU_UNARY(tan, std::tan(x))
EMU_UNARY(asin, std::asin(x))
EMU_UNARY(acos, std::acos(x))
EMU_UNARY(atan, std::atan(x))
EMU_UNARY(sinh, std::sinh(x))
EMU_UNARY(cosh, std::cosh(x))
EMU_UNARY(tanh, std::tanh(x))
EMU_UNARY(floor, std::floor(x))
EMU_UNARY(ceil, std::ceil(x))
EMU_UNARY(round, std::round(x))
EMU_UNARY(rint, std::nearbyint(x))
EMU_UNARY(trunc, std::trunc(x))
EMU_UNARY(fabs, std::fabs(x))
EMU_UNARY(fract, x - std::floor(x))
EMU_UNARY(saturate, (x < 0.f ? 0.f : (x > 1.f ? 1.f : x)))
EMU_UNARY(sign, (x > 0.f ? 1.f : (x < 0.f ? -1.f : 0.f)))
#undef EMU_UNARY

#define EMU_BINARY(name, expr)                                                    \
  inline float name(float x, float y) { return expr; }                            \
  inline half name(half hx, half hy) {                                            \
    float x = (float)hx, y = (float)hy;                                           \
    return (half)(expr);                                                          \
  }                                                                               \
  inline bfloat name(bfloat bx, bfloat by) {                                      \
    float x = (float)bx, y = (float)by;                                           \
    return bfloat(expr);                                                          \
  }                                                                               \
  template <class T, int N>                                                       \
  vec<T, N> name(vec<T, N> a, const vec<T, N>& b) {                               \
    for (int i = 0; i < N; ++i) a.v[i] = name(a.v[i], b.v[i]);                    \
    return a;                                                                     \
  }
EMU_BINARY(pow, std::pow(x, y))
EMU_BINARY(powr, std::pow(x, y))
EMU_BINARY(atan2, std::atan2(x, y))
EMU_BINARY(fmod, std::fmod(x, y))
EMU_BINARY(fmin, std::fmin(x, y))
EMU_BINARY(fmax, std::fmax(x, y))
EMU_BINARY(copysign, std::copysign(x, y))
EMU_BINARY(step, (y < x ? 0.f : 1.f))
EMU_BINARY(fdim, std::fdim(x, y))
#undef EMU_BINARY

// exponent and integral-part functions: MSL takes the second result by (thread) reference, not by pointer
inline float frexp(float x, int& e) { return std::frexp(x, &e); }
inline half frexp(half x, int& e) { return (half)std::frexp((float)x, &e); }
inline float ldexp(float x, int k) { return std::ldexp(x, k); }
inline half ldexp(half x, int k) { return (half)std::ldexp((float)x, k); }
inline int ilogb(float x) { return std::ilogb(x); }
inline int ilogb(half x) { return std::ilogb((float)x); }
inline float modf(float x, float& i) { return std::modf(x, &i); }
inline float sinpi(float x) { return std::sin(x * 3.14159265358979323846f); }
inline float cospi(float x) { return std::cos(x * 3.14159265358979323846f); }

// min/max/clamp/abs: also for integers. Metal's float min/max return the non-NaN operand (fmin/fmax).
template <class T>
std::enable_if_t<std::is_integral_v<T>, T> min(T a, T b) {
  return b < a ? b : a;
}
template <class T>
std::enable_if_t<std::is_integral_v<T>, T> max(T a, T b) {
  return a < b ? b : a;
}
inline float min(float a, float b) { return std::fmin(a, b); }
inline float max(float a, float b) { return std::fmax(a, b); }
inline half min(half a, half b) { return (half)std::fmin((float)a, (float)b); }
inline half max(half a, half b) { return (half)std::fmax((float)a, (float)b); }
inline bfloat min(bfloat a, bfloat b) { return bfloat(std::fmin((float)a, (float)b)); }
inline bfloat max(bfloat a, bfloat b) { return bfloat(std::fmax((float)a, (float)b)); }
template <class T, int N>
vec<T, N> min(vec<T, N> a, const vec<T, N>& b) {
  for (int i = 0; i < N; ++i) a.v[i] = min(a.v[i], b.v[i]);
  return a;
}
template <class T, int N>
vec<T, N> max(vec<T, N> a, const vec<T, N>& b) {
  for (int i = 0; i < N; ++i) a.v[i] = max(a.v[i], b.v[i]);
  return a;
}
template <class T>
T clamp(T x, T lo, T hi) {
  return min(max(x, lo), hi);
}
template <class T>
std::enable_if_t<std::is_integral_v<T>, T> abs(T a) {
  return a < 0 ? -a : a;
}
inline float abs(float x) { return std::fabs(x); }
inline half abs(half x) { return x < (half)0 ? -x : x; }
inline bfloat abs(bfloat x) { return bfloat(std::fabs((float)x)); }
template <class T, int N>
vec<T, N> abs(vec<T, N> a) {
  for (int i = 0; i < N; ++i) a.v[i] = abs(a.v[i]);
  return a;
}
inline float fma(float a, float b, float c) { return std::fma(a, b, c); }
inline half fma(half a, half b, half c) { return (half)std::fma((float)a, (float)b, (float)c); }
inline bfloat fma(bfloat a, bfloat b, bfloat c) { return bfloat(std::fma((float)a, (float)b, (float)c)); }
// componentwise, as Metal's fma(half2, half2, half2) (CUDA's __hfma2 translates to it)
template <class T, int N>
vec<T, N> fma(vec<T, N> a, const vec<T, N>& b, const vec<T, N>& c) {
  for (int i = 0; i < N; ++i) a.v[i] = fma(a.v[i], b.v[i], c.v[i]);
  return a;
}
inline float mix(float x, float y, float a) { return x + (y - x) * a; }
inline half mix(half x, half y, half a) { return (half)((float)x + ((float)y - (float)x) * (float)a); }
template <class T>
T select(T a, T b, bool c) {
  return c ? b : a;
}
inline bool isnan(float x) { return std::isnan(x); }
inline bool isnan(half x) { return std::isnan((float)x); }
inline bool isnan(bfloat x) { return std::isnan((float)x); }
inline bool isinf(float x) { return std::isinf(x); }
inline bool isinf(half x) { return std::isinf((float)x); }
inline bool isinf(bfloat x) { return std::isinf((float)x); }
inline bool isfinite(float x) { return std::isfinite(x); }
inline bool isfinite(half x) { return std::isfinite((float)x); }
inline bool signbit(float x) { return std::signbit(x); }
inline float divide(float a, float b) { return a / b; }

namespace fast {
using metal::cos;
using metal::exp;
using metal::exp2;
using metal::log;
using metal::log2;
using metal::max;
using metal::min;
using metal::pow;
using metal::rsqrt;
using metal::sin;
using metal::sqrt;
using metal::tanh;
using metal::divide;
}  // namespace fast
namespace precise {
using metal::cos;
using metal::exp;
using metal::exp2;
using metal::log;
using metal::log2;
using metal::max;
using metal::min;
using metal::pow;
using metal::rsqrt;
using metal::sin;
using metal::sqrt;
using metal::tanh;
using metal::divide;
}  // namespace precise

// ---- integer functions (MSL: popcount, clz, ctz, reverse_bits, mulhi on any integer type) ----
template <class T>
using emu_int_t = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, T>;
template <class T>
emu_int_t<T> popcount(T x) {
  return (T)__builtin_popcountll((unsigned long long)(std::make_unsigned_t<T>)x);
}
template <class T>
emu_int_t<T> clz(T x) {
  constexpr int bits = (int)sizeof(T) * 8;
  unsigned long long u = (unsigned long long)(std::make_unsigned_t<T>)x;
  return (T)(u ? __builtin_clzll(u) - (64 - bits) : bits);
}
template <class T>
emu_int_t<T> ctz(T x) {
  unsigned long long u = (unsigned long long)(std::make_unsigned_t<T>)x;
  return (T)(u ? __builtin_ctzll(u) : (int)sizeof(T) * 8);
}
template <class T>
emu_int_t<T> reverse_bits(T x) {
  using U = std::make_unsigned_t<T>;
  U u = (U)x, r = 0;
  for (int i = 0; i < (int)sizeof(T) * 8; ++i) r = (U)(r | (U)(((u >> i) & 1u) << ((int)sizeof(T) * 8 - 1 - i)));
  return (T)r;
}
template <class T>
emu_int_t<T> mulhi(T x, T y) {
  // the high half of the full product, signed or unsigned as T is
  using Wide = std::conditional_t<std::is_signed_v<T>, __int128, unsigned __int128>;
  return (T)(((Wide)x * (Wide)y) >> (sizeof(T) * 8));
}

// ---- barriers ----
enum class mem_flags : unsigned { mem_none = 0, mem_device = 1, mem_threadgroup = 2, mem_texture = 4, mem_threadgroup_imageblock = 8 };
inline mem_flags operator|(mem_flags a, mem_flags b) { return (mem_flags)((unsigned)a | (unsigned)b); }
inline void threadgroup_barrier_at(long occurrence, mem_flags = mem_flags::mem_none) { emu::group_barrier_at(occurrence); }
// a macro, so that each threadgroup_barrier(...) in the source is one barrier (see emu::group_barrier_at)
#define threadgroup_barrier(...) threadgroup_barrier_at(__COUNTER__, ##__VA_ARGS__)
inline void simdgroup_barrier(mem_flags = mem_flags::mem_none) {
  emu::simd_sync(0xFFFFFFFFu);
  emu::simd_sync(0xFFFFFFFFu);
}

// ---- SIMD-group functions: all active lanes of the caller's SIMD-group take part ----
template <class T>
T simd_sum(T v) {
  auto g = emu::simd_gather(v);
  T s = T(0);
  for (unsigned l = 0; l < 32; ++l)
    if (g.active >> l & 1u) s = s + g.v[l];
  return s;
}
template <class T>
T simd_product(T v) {
  auto g = emu::simd_gather(v);
  T s = T(1);
  for (unsigned l = 0; l < 32; ++l)
    if (g.active >> l & 1u) s = s * g.v[l];
  return s;
}
template <class T>
T simd_max(T v) {
  auto g = emu::simd_gather(v);
  T s = v;
  for (unsigned l = 0; l < 32; ++l)
    if (g.active >> l & 1u) s = max(s, g.v[l]);
  return s;
}
template <class T>
T simd_min(T v) {
  auto g = emu::simd_gather(v);
  T s = v;
  for (unsigned l = 0; l < 32; ++l)
    if (g.active >> l & 1u) s = min(s, g.v[l]);
  return s;
}
template <class T>
T simd_and(T v) {
  auto g = emu::simd_gather(v);
  T s = v;
  for (unsigned l = 0; l < 32; ++l)
    if (g.active >> l & 1u) s = s & g.v[l];
  return s;
}
template <class T>
T simd_or(T v) {
  auto g = emu::simd_gather(v);
  T s = v;
  for (unsigned l = 0; l < 32; ++l)
    if (g.active >> l & 1u) s = s | g.v[l];
  return s;
}
template <class T>
T simd_xor(T v) {
  auto g = emu::simd_gather(v);
  T s = T(0);
  for (unsigned l = 0; l < 32; ++l)
    if (g.active >> l & 1u) s = s ^ g.v[l];
  return s;
}
template <class T>
T simd_prefix_inclusive_sum(T v) {
  auto g = emu::simd_gather(v);
  T s = T(0);
  for (unsigned l = 0; l <= g.lane; ++l)
    if (g.active >> l & 1u) s = s + g.v[l];
  return s;
}
template <class T>
T simd_prefix_exclusive_sum(T v) {
  auto g = emu::simd_gather(v);
  T s = T(0);
  for (unsigned l = 0; l < g.lane; ++l)
    if (g.active >> l & 1u) s = s + g.v[l];
  return s;
}
template <class T>
T simd_prefix_inclusive_product(T v) {
  auto g = emu::simd_gather(v);
  T s = T(1);
  for (unsigned l = 0; l <= g.lane; ++l)
    if (g.active >> l & 1u) s = s * g.v[l];
  return s;
}
template <class T>
T simd_shuffle(T v, unsigned short src) {
  auto g = emu::simd_gather(v);
  return g.v[src & 31];
}
template <class T>
T simd_broadcast(T v, unsigned short src) {
  return simd_shuffle(v, src);
}
template <class T>
T simd_broadcast_first(T v) {
  auto g = emu::simd_gather(v);
  for (unsigned l = 0; l < 32; ++l)
    if (g.active >> l & 1u) return g.v[l];
  return v;
}
template <class T>
T simd_shuffle_xor(T v, unsigned short mask) {
  auto g = emu::simd_gather(v);
  return g.v[(g.lane ^ mask) & 31];
}
// Metal: lanes whose source is outside the SIMD-group keep their own value.
template <class T>
T simd_shuffle_down(T v, unsigned short delta) {
  auto g = emu::simd_gather(v);
  unsigned s = g.lane + delta;
  return s < 32 ? g.v[s] : v;
}
template <class T>
T simd_shuffle_up(T v, unsigned short delta) {
  auto g = emu::simd_gather(v);
  return g.lane >= delta ? g.v[g.lane - delta] : v;
}
template <class T>
T simd_shuffle_rotate_down(T v, unsigned short delta) {
  auto g = emu::simd_gather(v);
  return g.v[(g.lane + delta) & 31];
}
inline bool simd_all(bool p) {
  auto g = emu::simd_gather(p);
  for (unsigned l = 0; l < 32; ++l)
    if ((g.active >> l & 1u) && !g.v[l]) return false;
  return true;
}
inline bool simd_any(bool p) {
  auto g = emu::simd_gather(p);
  for (unsigned l = 0; l < 32; ++l)
    if ((g.active >> l & 1u) && g.v[l]) return true;
  return false;
}
struct simd_vote {
  uint64_t bits;
  explicit operator uint64_t() const { return bits; }
  bool all() const { return bits == 0xFFFFFFFFull; }
  bool any() const { return bits != 0; }
};
inline simd_vote simd_ballot(bool p) {
  auto g = emu::simd_gather(p);
  uint64_t b = 0;
  for (unsigned l = 0; l < 32; ++l)
    if ((g.active >> l & 1u) && g.v[l]) b |= 1ull << l;
  return simd_vote{b};
}
inline bool simd_is_first() {
  auto g = emu::simd_gather(1);
  for (unsigned l = 0; l < 32; ++l)
    if (g.active >> l & 1u) return l == g.lane;
  return false;
}

// ---- atomics: fibers never preempt each other, so a plain read-modify-write is atomic ----
enum memory_order { memory_order_relaxed, memory_order_acquire, memory_order_release, memory_order_acq_rel, memory_order_seq_cst };
template <class T>
struct atomic {
  // Metal's atomic<T> exists for 32-bit int, uint and float, bool, and 64-bit ulong (min/max); a 16-bit float
  // element (MLX declares every output atomic<dtype> under atomic_outputs) is rejected by Metal's compiler, so here too
  static_assert(sizeof(T) == 4 || sizeof(T) == 8 || sizeof(T) == 1, "Metal has no atomic<T> for this T (only 32-bit int, uint, float, bool and 64-bit ulong)");
  T value;
};
typedef atomic<int> atomic_int;
typedef atomic<unsigned int> atomic_uint;
typedef atomic<float> atomic_float;
typedef atomic<bool> atomic_bool;

template <class T, class U>
void atomic_store_explicit(volatile atomic<T>* o, U v, memory_order) {
  emu::AtomicScope atomic_scope;
  const_cast<atomic<T>*>(o)->value = (T)v;
}
template <class T>
T atomic_load_explicit(volatile atomic<T>* o, memory_order) {
  emu::AtomicScope atomic_scope;
  return const_cast<atomic<T>*>(o)->value;
}
template <class T>
T atomic_load_explicit(const volatile atomic<T>* o, memory_order) {
  emu::AtomicScope atomic_scope;
  return const_cast<atomic<T>*>(o)->value;
}
template <class T, class U>
T atomic_exchange_explicit(volatile atomic<T>* o, U v, memory_order) {
  emu::AtomicScope atomic_scope;
  auto* p = const_cast<atomic<T>*>(o);
  T old = p->value;
  p->value = (T)v;
  return old;
}
#define EMU_ATOMIC_RMW(name, expr)                                    \
  template <class T, class U>                                         \
  T name(volatile atomic<T>* o, U u, memory_order) {                  \
    emu::AtomicScope atomic_scope;                                    \
    auto* p = const_cast<atomic<T>*>(o);                              \
    T old = p->value;                                                 \
    T v = (T)u;                                                       \
    p->value = (expr);                                                \
    return old;                                                       \
  }
EMU_ATOMIC_RMW(atomic_fetch_add_explicit, old + v)
EMU_ATOMIC_RMW(atomic_fetch_sub_explicit, old - v)
EMU_ATOMIC_RMW(atomic_fetch_min_explicit, (v < old ? v : old))
EMU_ATOMIC_RMW(atomic_fetch_max_explicit, (old < v ? v : old))
EMU_ATOMIC_RMW(atomic_fetch_and_explicit, old & v)
EMU_ATOMIC_RMW(atomic_fetch_or_explicit, old | v)
EMU_ATOMIC_RMW(atomic_fetch_xor_explicit, old ^ v)
#undef EMU_ATOMIC_RMW
template <class T, class U>
bool atomic_compare_exchange_weak_explicit(volatile atomic<T>* o, T* expected, U desired, memory_order, memory_order) {
  emu::AtomicScope atomic_scope;
  auto* p = const_cast<atomic<T>*>(o);
  if (p->value == *expected) {
    p->value = (T)desired;
    return true;
  }
  *expected = p->value;
  return false;
}

// ---- fences (MSL 3.2): the emulator runs threadgroups one after another and its fibers never preempt each
// other, so every write is already visible to every later read; the fence orders nothing more here. What it
// stands for on a GPU (a threadgroup's writes reach the last threadgroup to take a ticket) is why c2m keeps it.
enum thread_scope { thread_scope_thread, thread_scope_simdgroup, thread_scope_threadgroup, thread_scope_device };
inline void atomic_thread_fence(mem_flags, memory_order, thread_scope = thread_scope_thread) {}

// ---- MLX's kernels/utils.h helpers that custom kernels commonly call ----
template <typename IdxT = int64_t>
inline IdxT elem_to_loc(IdxT elem, const int* shape, const int64_t* strides, int ndim) {
  IdxT loc = 0;
  for (int i = ndim - 1; i >= 0 && elem > 0; --i) {
    loc += (elem % shape[i]) * IdxT(strides[i]);
    elem /= shape[i];
  }
  return loc;
}
template <typename IdxT = int64_t>
inline IdxT elem_to_loc(uint elem, const int* shape, const int64_t* strides, int ndim) {
  return elem_to_loc<IdxT>(IdxT(elem), shape, strides, ndim);
}
template <typename T>
struct Limits {
  static constexpr T max = std::numeric_limits<T>::max();
  static constexpr T min = std::numeric_limits<T>::lowest();
  static constexpr T finite_max = std::numeric_limits<T>::max();
  static constexpr T finite_min = std::numeric_limits<T>::lowest();
};

}  // namespace metal

#include "metal_matrix.hpp"

// The kernel (header + body) is compiled inside this namespace: the using-declarations make metal's
// overloads of exp, abs, min, ... hide the C library's, as in MSL where they are the only ones.
#define EMU_METAL_KERNEL_NAMESPACE_BEGIN \
  namespace emu_kernel {                 \
  using namespace metal;                 \
  using metal::abs;                      \
  using metal::acos;                     \
  using metal::asin;                     \
  using metal::atan;                     \
  using metal::atan2;                    \
  using metal::ceil;                     \
  using metal::copysign;                 \
  using metal::cos;                      \
  using metal::cosh;                     \
  using metal::exp;                      \
  using metal::exp2;                     \
  using metal::fabs;                     \
  using metal::fdim;                     \
  using metal::floor;                    \
  using metal::fma;                      \
  using metal::frexp;                    \
  using metal::ilogb;                    \
  using metal::ldexp;                    \
  using metal::modf;                     \
  using metal::fmax;                     \
  using metal::fmin;                     \
  using metal::fmod;                     \
  using metal::isfinite;                 \
  using metal::isinf;                    \
  using metal::isnan;                    \
  using metal::log;                      \
  using metal::log10;                    \
  using metal::log2;                     \
  using metal::max;                      \
  using metal::min;                      \
  using metal::pow;                      \
  using metal::round;                    \
  using metal::rint;                     \
  using metal::signbit;                  \
  using metal::sin;                      \
  using metal::sinh;                     \
  using metal::sqrt;                     \
  using metal::tan;                      \
  using metal::tanh;                     \
  using metal::trunc;                    \
  EMU_NOT_IN_MSL(erf)                    \
  EMU_NOT_IN_MSL(erfc)                   \
  EMU_NOT_IN_MSL(expm1)                  \
  EMU_NOT_IN_MSL(log1p)                  \
  EMU_NOT_IN_MSL(lgamma)                 \
  EMU_NOT_IN_MSL(tgamma)                 \
  EMU_NOT_IN_MSL(malloc)                 \
  EMU_NOT_IN_MSL(free)                   \
  EMU_NOT_IN_MSL(frexpf)                 \
  EMU_NOT_IN_MSL(ldexpf)                 \
  EMU_NOT_IN_MSL(scalbnf)                \
  EMU_NOT_IN_MSL(scalbn)                 \
  EMU_NOT_IN_MSL(cbrt)                   \
  EMU_NOT_IN_MSL(cbrtf)                  \
  EMU_NOT_IN_MSL(hypot)                  \
  EMU_NOT_IN_MSL(hypotf)
#define EMU_METAL_KERNEL_NAMESPACE_END }
// C library functions a kernel could otherwise reach from here but not on a GPU: deleted, so calling
// one fails to compile as it does in MSL (a kernel's own helper of the same name still wins).
#define EMU_NOT_IN_MSL(name) \
  template <class... A>      \
  void name(A...) = delete;

namespace emu::metal_launch {
inline ::metal::uint3 u3(emu::Dim3 d) { return ::metal::uint3(d.x, d.y, d.z); }
// Thread attributes of the current fiber, by their Metal names.
struct Attrs {
  ::metal::uint3 thread_position_in_grid, thread_position_in_threadgroup, threadgroup_position_in_grid,
      threads_per_threadgroup, dispatch_threads_per_threadgroup, threadgroups_per_grid, threads_per_grid, grid_size,
      grid_origin;
  unsigned thread_index_in_threadgroup, thread_index_in_simdgroup, simdgroup_index_in_threadgroup, threads_per_simdgroup,
      thread_execution_width, simdgroups_per_threadgroup, dispatch_simdgroups_per_threadgroup, quadgroup_index_in_threadgroup,
      thread_index_in_quadgroup, quadgroups_per_threadgroup, dispatch_quadgroups_per_threadgroup;
};
inline Attrs attrs() {
  Runtime& r = rt();
  Fiber& f = cur();
  Attrs a;
  a.thread_position_in_threadgroup = u3(f.local);
  a.threadgroup_position_in_grid = u3(r.gid);
  a.thread_position_in_grid = ::metal::uint3(r.gid.x * r.nominal.x + f.local.x, r.gid.y * r.nominal.y + f.local.y,
                                             r.gid.z * r.nominal.z + f.local.z);
  a.threads_per_threadgroup = u3(r.gsize);
  a.dispatch_threads_per_threadgroup = u3(r.nominal);
  a.threadgroups_per_grid = u3(r.groups);
  a.threads_per_grid = u3(r.grid_threads);
  a.grid_size = u3(r.grid_threads);
  a.grid_origin = ::metal::uint3(0u, 0u, 0u);
  a.thread_index_in_threadgroup = f.linear;
  a.thread_index_in_simdgroup = f.linear % 32;
  a.simdgroup_index_in_threadgroup = f.linear / 32;
  a.threads_per_simdgroup = 32;
  a.thread_execution_width = 32;
  a.simdgroups_per_threadgroup = (r.nthreads + 31) / 32;
  a.dispatch_simdgroups_per_threadgroup = (r.nominal.x * r.nominal.y * r.nominal.z + 31) / 32;
  a.quadgroup_index_in_threadgroup = f.linear / 4;
  a.thread_index_in_quadgroup = f.linear % 4;
  a.quadgroups_per_threadgroup = (r.nthreads + 3) / 4;
  a.dispatch_quadgroups_per_threadgroup = (r.nominal.x * r.nominal.y * r.nominal.z + 3) / 4;
  return a;
}
// MLX: grid counts threads (dispatchThreads); edge threadgroups are partial.
inline void configure(const Launch& l) {
  Runtime& r = rt();
  r.grid_threads = Dim3{l.grid.x, l.grid.y, l.grid.z};
  r.nominal = Dim3{std::min(l.block.x, l.grid.x), std::min(l.block.y, l.grid.y), std::min(l.block.z, l.grid.z)};
  auto cdiv = [](unsigned a, unsigned b) { return b ? (a + b - 1) / b : 0; };
  r.groups = Dim3{cdiv(l.grid.x, r.nominal.x), cdiv(l.grid.y, r.nominal.y), cdiv(l.grid.z, r.nominal.z)};
  r.partial_groups = true;
  r.simd_active_lanes = true;
  r.tg_limit = 32768;  // Apple GPUs: 32 KB of threadgroup memory per threadgroup
  set_dyn_shared(0);
}
}  // namespace emu::metal_launch

// last: nothing after this may start a process or open a file (emu_sandbox.hpp says why)
#include "emu_poison.hpp"
