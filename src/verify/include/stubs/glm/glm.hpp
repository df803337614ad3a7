// c2m's GLM for the CUDA emulator: the part of GLM (https://github.com/g-truc/glm) that device code
// reaches, with GLM's meaning: vec<L, T> has L packed components (a vec3 of floats is 12 bytes, as
// GLM's default packed layout); mat<C, R, T> is C columns of vec<R, T>, m[c][r], built column by
// column from C*R scalars; mat * vec, vec * mat and mat * mat are the linear-algebra products;
// every other operator and function acts component by component.
#pragma once

#include <cmath>
#include <cstddef>
#include <type_traits>

namespace glm {

enum qualifier { packed_highp, packed_mediump, packed_lowp, highp = packed_highp, mediump = packed_mediump, lowp = packed_lowp, defaultp = packed_highp };

template <int L, typename T, qualifier Q = defaultp>
struct vec;

template <typename T, qualifier Q>
struct vec<1, T, Q> {
  T x;
  vec() : x(0) {}
  explicit vec(T s) : x(s) {}
  template <typename U, qualifier P>
  explicit vec(const vec<1, U, P>& v) : x(T(v.x)) {}
  T& operator[](int i) { return (&x)[i]; }
  const T& operator[](int i) const { return (&x)[i]; }
};
template <typename T, qualifier Q>
struct vec<2, T, Q> {
  union { T x; T r; T s; };
  union { T y; T g; T t; };
  vec() : x(0), y(0) {}
  explicit vec(T v) : x(v), y(v) {}
  template <typename A, typename B>
  vec(A a, B b) : x(T(a)), y(T(b)) {}
  template <int L, typename U, qualifier P, typename = std::enable_if_t<(L >= 2)>>
  explicit vec(const vec<L, U, P>& v) : x(T(v.x)), y(T(v.y)) {}
  vec(const vec&) = default;
  vec& operator=(const vec&) = default;
  T& operator[](int i) { return i == 0 ? x : y; }
  const T& operator[](int i) const { return i == 0 ? x : y; }
};
template <typename T, qualifier Q>
struct vec<3, T, Q> {
  union { T x; T r; T s; };
  union { T y; T g; T t; };
  union { T z; T b; T p; };
  vec() : x(0), y(0), z(0) {}
  explicit vec(T v) : x(v), y(v), z(v) {}
  template <typename A, typename B, typename C>
  vec(A a, B b, C c) : x(T(a)), y(T(b)), z(T(c)) {}
  template <typename U, qualifier P, typename C>
  vec(const vec<2, U, P>& v, C c) : x(T(v.x)), y(T(v.y)), z(T(c)) {}
  template <int L, typename U, qualifier P, typename = std::enable_if_t<(L >= 3)>>
  explicit vec(const vec<L, U, P>& v) : x(T(v.x)), y(T(v.y)), z(T(v.z)) {}
  vec(const vec&) = default;
  vec& operator=(const vec&) = default;
  T& operator[](int i) { return i == 0 ? x : i == 1 ? y : z; }
  const T& operator[](int i) const { return i == 0 ? x : i == 1 ? y : z; }
};
template <typename T, qualifier Q>
struct vec<4, T, Q> {
  union { T x; T r; T s; };
  union { T y; T g; T t; };
  union { T z; T b; T p; };
  union { T w; T a; T q; };
  vec() : x(0), y(0), z(0), w(0) {}
  explicit vec(T v) : x(v), y(v), z(v), w(v) {}
  template <typename A, typename B, typename C, typename D>
  vec(A a, B b, C c, D d) : x(T(a)), y(T(b)), z(T(c)), w(T(d)) {}
  template <typename U, qualifier P, typename D>
  vec(const vec<3, U, P>& v, D d) : x(T(v.x)), y(T(v.y)), z(T(v.z)), w(T(d)) {}
  template <typename U, qualifier P>
  explicit vec(const vec<4, U, P>& v) : x(T(v.x)), y(T(v.y)), z(T(v.z)), w(T(v.w)) {}
  vec(const vec&) = default;
  vec& operator=(const vec&) = default;
  T& operator[](int i) { return i == 0 ? x : i == 1 ? y : i == 2 ? z : w; }
  const T& operator[](int i) const { return i == 0 ? x : i == 1 ? y : i == 2 ? z : w; }
};

// component-wise operators, vec with vec and vec with scalar on either side
#define C2M_GLM_VEC_OP(OP)                                                                                        \
  template <int L, typename T, qualifier Q>                                                                       \
  vec<L, T, Q> operator OP(const vec<L, T, Q>& a, const vec<L, T, Q>& b) {                                        \
    vec<L, T, Q> r;                                                                                               \
    for (int i = 0; i < L; i++) r[i] = a[i] OP b[i];                                                              \
    return r;                                                                                                     \
  }                                                                                                               \
  template <int L, typename T, qualifier Q, typename S, typename = std::enable_if_t<std::is_arithmetic<S>::value>> \
  vec<L, T, Q> operator OP(const vec<L, T, Q>& a, S s) {                                                          \
    vec<L, T, Q> r;                                                                                               \
    for (int i = 0; i < L; i++) r[i] = a[i] OP T(s);                                                              \
    return r;                                                                                                     \
  }                                                                                                               \
  template <int L, typename T, qualifier Q, typename S, typename = std::enable_if_t<std::is_arithmetic<S>::value>> \
  vec<L, T, Q> operator OP(S s, const vec<L, T, Q>& a) {                                                          \
    vec<L, T, Q> r;                                                                                               \
    for (int i = 0; i < L; i++) r[i] = T(s) OP a[i];                                                              \
    return r;                                                                                                     \
  }                                                                                                               \
  template <int L, typename T, qualifier Q, typename B>                                                           \
  vec<L, T, Q>& operator OP##=(vec<L, T, Q>& a, const B& b) {                                                     \
    return a = a OP b;                                                                                            \
  }
C2M_GLM_VEC_OP(+)
C2M_GLM_VEC_OP(-)
C2M_GLM_VEC_OP(*)
C2M_GLM_VEC_OP(/)
#undef C2M_GLM_VEC_OP

template <int L, typename T, qualifier Q>
vec<L, T, Q> operator-(const vec<L, T, Q>& a) {
  vec<L, T, Q> r;
  for (int i = 0; i < L; i++) r[i] = -a[i];
  return r;
}
template <int L, typename T, qualifier Q>
bool operator==(const vec<L, T, Q>& a, const vec<L, T, Q>& b) {
  for (int i = 0; i < L; i++)
    if (a[i] != b[i]) return false;
  return true;
}
template <int L, typename T, qualifier Q>
bool operator!=(const vec<L, T, Q>& a, const vec<L, T, Q>& b) { return !(a == b); }

/** C columns of R rows: m[c] is column c. */
template <int C, int R, typename T, qualifier Q = defaultp>
struct mat {
  using col_type = vec<R, T, Q>;
  col_type value[C];
  mat() : mat(T(1)) {}
  /** s on the diagonal, as GLM's mat(s) */
  explicit mat(T s) {
    for (int c = 0; c < C; c++)
      for (int r = 0; r < R; r++) value[c][r] = c == r ? s : T(0);
  }
  /** C*R scalars, column by column */
  template <typename... S, typename = std::enable_if_t<sizeof...(S) == C * R && (C * R > 1) && (std::is_arithmetic<S>::value && ...)>>
  mat(S... s) {
    const T v[] = {T(s)...};
    for (int c = 0; c < C; c++)
      for (int r = 0; r < R; r++) value[c][r] = v[c * R + r];
  }
  /** C column vectors */
  template <typename... V, typename = std::enable_if_t<sizeof...(V) == C && (C > 1) && (std::is_same<V, col_type>::value && ...)>, typename = void>
  mat(const V&... cols) : value{cols...} {}
  /** another size: the overlap copied, the rest of the identity */
  template <int C2, int R2, typename = std::enable_if_t<C2 != C || R2 != R>>
  explicit mat(const mat<C2, R2, T, Q>& m) : mat(T(1)) {
    for (int c = 0; c < C && c < C2; c++)
      for (int r = 0; r < R && r < R2; r++) value[c][r] = m[c][r];
  }
  col_type& operator[](int c) { return value[c]; }
  const col_type& operator[](int c) const { return value[c]; }
};

template <int C, int R, typename T, qualifier Q>
mat<C, R, T, Q> operator+(const mat<C, R, T, Q>& a, const mat<C, R, T, Q>& b) {
  mat<C, R, T, Q> m;
  for (int c = 0; c < C; c++) m[c] = a[c] + b[c];
  return m;
}
template <int C, int R, typename T, qualifier Q>
mat<C, R, T, Q> operator-(const mat<C, R, T, Q>& a, const mat<C, R, T, Q>& b) {
  mat<C, R, T, Q> m;
  for (int c = 0; c < C; c++) m[c] = a[c] - b[c];
  return m;
}
template <int C, int R, typename T, qualifier Q>
mat<C, R, T, Q> operator-(const mat<C, R, T, Q>& a) {
  mat<C, R, T, Q> m;
  for (int c = 0; c < C; c++) m[c] = -a[c];
  return m;
}
template <int C, int R, typename T, qualifier Q, typename S, typename = std::enable_if_t<std::is_arithmetic<S>::value>>
mat<C, R, T, Q> operator*(const mat<C, R, T, Q>& a, S s) {
  mat<C, R, T, Q> m;
  for (int c = 0; c < C; c++) m[c] = a[c] * T(s);
  return m;
}
template <int C, int R, typename T, qualifier Q, typename S, typename = std::enable_if_t<std::is_arithmetic<S>::value>>
mat<C, R, T, Q> operator*(S s, const mat<C, R, T, Q>& a) { return a * s; }
template <int C, int R, typename T, qualifier Q, typename S, typename = std::enable_if_t<std::is_arithmetic<S>::value>>
mat<C, R, T, Q> operator/(const mat<C, R, T, Q>& a, S s) {
  mat<C, R, T, Q> m;
  for (int c = 0; c < C; c++) m[c] = a[c] / T(s);
  return m;
}
/** (C x R) * C-vector: an R-vector */
template <int C, int R, typename T, qualifier Q>
vec<R, T, Q> operator*(const mat<C, R, T, Q>& m, const vec<C, T, Q>& v) {
  vec<R, T, Q> out;
  for (int r = 0; r < R; r++) {
    T s = 0;
    for (int c = 0; c < C; c++) s += m[c][r] * v[c];
    out[r] = s;
  }
  return out;
}
/** R-vector * (C x R): a C-vector (the vector as a row) */
template <int C, int R, typename T, qualifier Q>
vec<C, T, Q> operator*(const vec<R, T, Q>& v, const mat<C, R, T, Q>& m) {
  vec<C, T, Q> out;
  for (int c = 0; c < C; c++) {
    T s = 0;
    for (int r = 0; r < R; r++) s += v[r] * m[c][r];
    out[c] = s;
  }
  return out;
}
/** (K x R) * (C x K): C x R */
template <int K, int R, int C, typename T, qualifier Q>
mat<C, R, T, Q> operator*(const mat<K, R, T, Q>& a, const mat<C, K, T, Q>& b) {
  mat<C, R, T, Q> m(T(0));
  for (int c = 0; c < C; c++) m[c] = a * b[c];
  return m;
}
template <int C, int R, typename T, qualifier Q, typename B>
mat<C, R, T, Q>& operator+=(mat<C, R, T, Q>& a, const B& b) { return a = a + b; }
template <int C, int R, typename T, qualifier Q, typename B>
mat<C, R, T, Q>& operator-=(mat<C, R, T, Q>& a, const B& b) { return a = a - b; }
template <int C, int R, typename T, qualifier Q, typename B>
mat<C, R, T, Q>& operator*=(mat<C, R, T, Q>& a, const B& b) { return a = a * b; }
template <int C, int R, typename T, qualifier Q, typename B>
mat<C, R, T, Q>& operator/=(mat<C, R, T, Q>& a, const B& b) { return a = a / b; }

using vec1 = vec<1, float>;
using vec2 = vec<2, float>;
using vec3 = vec<3, float>;
using vec4 = vec<4, float>;
using ivec2 = vec<2, int>;
using ivec3 = vec<3, int>;
using ivec4 = vec<4, int>;
using uvec2 = vec<2, unsigned>;
using uvec3 = vec<3, unsigned>;
using uvec4 = vec<4, unsigned>;
using fvec2 = vec2;
using fvec3 = vec3;
using fvec4 = vec4;
using mat2 = mat<2, 2, float>;
using mat3 = mat<3, 3, float>;
using mat4 = mat<4, 4, float>;
using mat2x2 = mat2;
using mat2x3 = mat<2, 3, float>;
using mat2x4 = mat<2, 4, float>;
using mat3x2 = mat<3, 2, float>;
using mat3x3 = mat3;
using mat3x4 = mat<3, 4, float>;
using mat4x2 = mat<4, 2, float>;
using mat4x3 = mat<4, 3, float>;
using mat4x4 = mat4;

// geometric functions
template <int L, typename T, qualifier Q>
T dot(const vec<L, T, Q>& a, const vec<L, T, Q>& b) {
  T s = 0;
  for (int i = 0; i < L; i++) s += a[i] * b[i];
  return s;
}
template <typename T>
std::enable_if_t<std::is_arithmetic<T>::value, T> dot(T a, T b) { return a * b; }
template <typename T, qualifier Q>
vec<3, T, Q> cross(const vec<3, T, Q>& a, const vec<3, T, Q>& b) {
  return vec<3, T, Q>(a.y * b.z - b.y * a.z, a.z * b.x - b.z * a.x, a.x * b.y - b.x * a.y);
}
template <int L, typename T, qualifier Q>
T length(const vec<L, T, Q>& v) { return std::sqrt(dot(v, v)); }
template <int L, typename T, qualifier Q>
T distance(const vec<L, T, Q>& a, const vec<L, T, Q>& b) { return length(b - a); }
template <int L, typename T, qualifier Q>
vec<L, T, Q> normalize(const vec<L, T, Q>& v) { return v * (T(1) / std::sqrt(dot(v, v))); }
/** c * r^T: a (len r) x (len c) matrix, m[i][j] = c[j] * r[i] */
template <int R, int C, typename T, qualifier Q>
mat<C, R, T, Q> outerProduct(const vec<R, T, Q>& c, const vec<C, T, Q>& r) {
  mat<C, R, T, Q> m(T(0));
  for (int i = 0; i < C; i++) m[i] = c * r[i];
  return m;
}

// matrix functions
template <int C, int R, typename T, qualifier Q>
mat<R, C, T, Q> transpose(const mat<C, R, T, Q>& m) {
  mat<R, C, T, Q> t(T(0));
  for (int c = 0; c < C; c++)
    for (int r = 0; r < R; r++) t[r][c] = m[c][r];
  return t;
}
template <typename T, qualifier Q>
T determinant(const mat<2, 2, T, Q>& m) { return m[0][0] * m[1][1] - m[1][0] * m[0][1]; }
template <typename T, qualifier Q>
T determinant(const mat<3, 3, T, Q>& m) {
  return m[0][0] * (m[1][1] * m[2][2] - m[2][1] * m[1][2]) - m[1][0] * (m[0][1] * m[2][2] - m[2][1] * m[0][2]) + m[2][0] * (m[0][1] * m[1][2] - m[1][1] * m[0][2]);
}
template <typename T, qualifier Q>
mat<2, 2, T, Q> inverse(const mat<2, 2, T, Q>& m) {
  const T inv = T(1) / determinant(m);
  return mat<2, 2, T, Q>(m[1][1] * inv, -m[0][1] * inv, -m[1][0] * inv, m[0][0] * inv);
}
template <typename T, qualifier Q>
mat<3, 3, T, Q> inverse(const mat<3, 3, T, Q>& m) {
  const T inv = T(1) / determinant(m);
  mat<3, 3, T, Q> r(T(0));
  r[0][0] = (m[1][1] * m[2][2] - m[2][1] * m[1][2]) * inv;
  r[1][0] = -(m[1][0] * m[2][2] - m[2][0] * m[1][2]) * inv;
  r[2][0] = (m[1][0] * m[2][1] - m[2][0] * m[1][1]) * inv;
  r[0][1] = -(m[0][1] * m[2][2] - m[2][1] * m[0][2]) * inv;
  r[1][1] = (m[0][0] * m[2][2] - m[2][0] * m[0][2]) * inv;
  r[2][1] = -(m[0][0] * m[2][1] - m[2][0] * m[0][1]) * inv;
  r[0][2] = (m[0][1] * m[1][2] - m[1][1] * m[0][2]) * inv;
  r[1][2] = -(m[0][0] * m[1][2] - m[1][0] * m[0][2]) * inv;
  r[2][2] = (m[0][0] * m[1][1] - m[1][0] * m[0][1]) * inv;
  return r;
}

// common functions: on scalars as the C library's, on vectors component by component
#define C2M_GLM_UNARY(NAME, EXPR)                                 \
  template <typename T>                                           \
  std::enable_if_t<std::is_arithmetic<T>::value, T> NAME(T x) {   \
    return EXPR;                                                  \
  }                                                               \
  template <int L, typename T, qualifier Q>                       \
  vec<L, T, Q> NAME(const vec<L, T, Q>& v) {                      \
    vec<L, T, Q> r;                                               \
    for (int i = 0; i < L; i++) r[i] = NAME(v[i]);                \
    return r;                                                     \
  }
C2M_GLM_UNARY(abs, x < T(0) ? -x : x)
C2M_GLM_UNARY(sqrt, T(std::sqrt(x)))
C2M_GLM_UNARY(inversesqrt, T(1) / T(std::sqrt(x)))
C2M_GLM_UNARY(exp, T(std::exp(x)))
C2M_GLM_UNARY(log, T(std::log(x)))
C2M_GLM_UNARY(floor, T(std::floor(x)))
C2M_GLM_UNARY(ceil, T(std::ceil(x)))
C2M_GLM_UNARY(sin, T(std::sin(x)))
C2M_GLM_UNARY(cos, T(std::cos(x)))
C2M_GLM_UNARY(tan, T(std::tan(x)))
C2M_GLM_UNARY(atan, T(std::atan(x)))
#undef C2M_GLM_UNARY
#define C2M_GLM_BINARY(NAME, EXPR)                                                        \
  template <typename T>                                                                   \
  std::enable_if_t<std::is_arithmetic<T>::value, T> NAME(T x, T y) {                      \
    return EXPR;                                                                          \
  }                                                                                       \
  template <int L, typename T, qualifier Q>                                                \
  vec<L, T, Q> NAME(const vec<L, T, Q>& a, const vec<L, T, Q>& b) {                       \
    vec<L, T, Q> r;                                                                       \
    for (int i = 0; i < L; i++) r[i] = NAME(a[i], b[i]);                                  \
    return r;                                                                             \
  }                                                                                       \
  template <int L, typename T, qualifier Q>                                               \
  vec<L, T, Q> NAME(const vec<L, T, Q>& a, T b) {                                         \
    return NAME(a, vec<L, T, Q>(b));                                                      \
  }
C2M_GLM_BINARY(min, y < x ? y : x)
C2M_GLM_BINARY(max, x < y ? y : x)
C2M_GLM_BINARY(atan, T(std::atan2(x, y)))
C2M_GLM_BINARY(pow, T(std::pow(x, y)))
#undef C2M_GLM_BINARY
template <typename X, typename E>
X clamp(const X& x, const E& lo, const E& hi) { return min(max(x, lo), hi); }

// <glm/gtc/type_ptr.hpp>: vectors and matrices read from memory, matrices column by column
template <typename T>
vec<2, T> make_vec2(const T* p) { return vec<2, T>(p[0], p[1]); }
template <typename T>
vec<3, T> make_vec3(const T* p) { return vec<3, T>(p[0], p[1], p[2]); }
template <typename T>
vec<4, T> make_vec4(const T* p) { return vec<4, T>(p[0], p[1], p[2], p[3]); }
template <int C, int R, typename T>
mat<C, R, T> c2m_make_mat(const T* p) {
  mat<C, R, T> m(T(0));
  for (int c = 0; c < C; c++)
    for (int r = 0; r < R; r++) m[c][r] = p[c * R + r];
  return m;
}
template <typename T>
mat<2, 2, T> make_mat2(const T* p) { return c2m_make_mat<2, 2>(p); }
template <typename T>
mat<3, 3, T> make_mat3(const T* p) { return c2m_make_mat<3, 3>(p); }
template <typename T>
mat<4, 4, T> make_mat4(const T* p) { return c2m_make_mat<4, 4>(p); }
template <int L, typename T, qualifier Q>
T* value_ptr(vec<L, T, Q>& v) { return &v[0]; }
template <int L, typename T, qualifier Q>
const T* value_ptr(const vec<L, T, Q>& v) { return &v[0]; }
template <int C, int R, typename T, qualifier Q>
T* value_ptr(mat<C, R, T, Q>& m) { return &m[0][0]; }
template <int C, int R, typename T, qualifier Q>
const T* value_ptr(const mat<C, R, T, Q>& m) { return &m[0][0]; }

}  // namespace glm
