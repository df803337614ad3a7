// MSL's matrices and geometric functions for the Metal emulator (included by metal_emu.hpp, after
// namespace metal's vectors and math). A matrix<T, C, R> (floatCxR) is C columns of R-vectors: m[c] is a
// column, m[c][r] an element; built from C*R scalars column by column, from C columns, or from one scalar
// on the diagonal; `*` is the linear-algebra product (matrix * matrix, matrix * column vector, row vector
// * matrix), + and - act element by element, and a scalar scales every element.
#pragma once

namespace metal {

template <class T, int C, int R>
struct matrix {
  vec<T, R> columns[C];
  matrix() = default;
  explicit matrix(T s) {
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < R; ++r) columns[c][r] = c == r ? s : T(0);
  }
  template <class... S, class = std::enable_if_t<sizeof...(S) == C * R && (C * R > 1) && (std::is_arithmetic_v<S> && ...)>>
  matrix(S... s) {
    const T v[] = {T(s)...};
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < R; ++r) columns[c][r] = v[c * R + r];
  }
  template <class... V, class = std::enable_if_t<sizeof...(V) == C && (C > 1) && (std::is_convertible_v<V, vec<T, R>> && ...)>, class = void>
  matrix(const V&... cols) : columns{vec<T, R>(cols)...} {}
  vec<T, R>& operator[](int c) { return columns[c]; }
  const vec<T, R>& operator[](int c) const { return columns[c]; }
  friend matrix operator+(matrix a, const matrix& b) {
    for (int c = 0; c < C; ++c) a.columns[c] += b.columns[c];
    return a;
  }
  friend matrix operator-(matrix a, const matrix& b) {
    for (int c = 0; c < C; ++c) a.columns[c] -= b.columns[c];
    return a;
  }
  friend matrix operator-(matrix a) {
    for (int c = 0; c < C; ++c) a.columns[c] = -a.columns[c];
    return a;
  }
  friend matrix operator*(matrix a, T s) {
    for (int c = 0; c < C; ++c) a.columns[c] = a.columns[c] * vec<T, R>(s);
    return a;
  }
  friend matrix operator*(T s, const matrix& a) { return a * s; }
  /** the matrix times a column vector of C components: R components */
  friend vec<T, R> operator*(const matrix& m, const vec<T, C>& v) {
    vec<T, R> out(T(0));
    for (int c = 0; c < C; ++c) out += m.columns[c] * vec<T, R>(v[c]);
    return out;
  }
  /** a row vector of R components times the matrix: C components */
  friend vec<T, C> operator*(const vec<T, R>& v, const matrix& m) {
    vec<T, C> out;
    for (int c = 0; c < C; ++c) out[c] = dot(v, m.columns[c]);
    return out;
  }
  matrix& operator+=(const matrix& b) { return *this = *this + b; }
  matrix& operator-=(const matrix& b) { return *this = *this - b; }
  matrix& operator*=(T s) { return *this = *this * s; }
};

/** (K columns, R rows) * (C columns, K rows): C columns, R rows */
template <class T, int K, int R, int C>
matrix<T, C, R> operator*(const matrix<T, K, R>& a, const matrix<T, C, K>& b) {
  matrix<T, C, R> m;
  for (int c = 0; c < C; ++c) m.columns[c] = a * b.columns[c];
  return m;
}
template <class T, int N>
matrix<T, N, N>& operator*=(matrix<T, N, N>& a, const matrix<T, N, N>& b) { return a = a * b; }

template <class T, int C, int R>
matrix<T, R, C> transpose(const matrix<T, C, R>& m) {
  matrix<T, R, C> t;
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r) t.columns[r][c] = m.columns[c][r];
  return t;
}
template <class T>
T determinant(const matrix<T, 2, 2>& m) { return m[0][0] * m[1][1] - m[1][0] * m[0][1]; }
template <class T>
T determinant(const matrix<T, 3, 3>& m) {
  return m[0][0] * (m[1][1] * m[2][2] - m[2][1] * m[1][2]) - m[1][0] * (m[0][1] * m[2][2] - m[2][1] * m[0][2]) + m[2][0] * (m[0][1] * m[1][2] - m[1][1] * m[0][2]);
}

#define EMU_MATRIX_TYPES(T, name)                                                                         \
  typedef matrix<T, 2, 2> name##2x2;                                                                      \
  typedef matrix<T, 2, 3> name##2x3;                                                                      \
  typedef matrix<T, 2, 4> name##2x4;                                                                      \
  typedef matrix<T, 3, 2> name##3x2;                                                                      \
  typedef matrix<T, 3, 3> name##3x3;                                                                      \
  typedef matrix<T, 3, 4> name##3x4;                                                                      \
  typedef matrix<T, 4, 2> name##4x2;                                                                      \
  typedef matrix<T, 4, 3> name##4x3;                                                                      \
  typedef matrix<T, 4, 4> name##4x4;
EMU_MATRIX_TYPES(float, float)
EMU_MATRIX_TYPES(half, half)
#undef EMU_MATRIX_TYPES

// geometric functions
template <class T>
vec<T, 3> cross(const vec<T, 3>& a, const vec<T, 3>& b) {
  return vec<T, 3>(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}
template <class T, int N>
T length(const vec<T, N>& v) { return T(std::sqrt(float(dot(v, v)))); }
template <class T, int N>
T length_squared(const vec<T, N>& v) { return dot(v, v); }
template <class T, int N>
T distance(const vec<T, N>& a, const vec<T, N>& b) { return length(a - b); }
template <class T, int N>
vec<T, N> normalize(const vec<T, N>& v) { return v * vec<T, N>(T(1.0f / std::sqrt(float(dot(v, v))))); }

}  // namespace metal
