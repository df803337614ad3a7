// The few types of torch's headers (c10) that PyTorch-extension device code names, for the CUDA
// emulator (cuda_emu.hpp includes this after __half and __nv_bfloat16); torch's own headers are never
// compiled here.
#pragma once

// c10's Half and BFloat16, which PyTorch-extension device code names (pytorch_scatter's atomics.cuh
// `at::Half hsum; hsum.x = ...`, utils.cuh `var.operator __half()`): the 16 bits in `x`
namespace c10 {
struct alignas(2) Half {
  unsigned short x;
  Half() = default;
  __host__ __device__ Half(__half h) { std::memcpy(&x, &h, 2); }
  template <class T, class = typename std::enable_if<std::is_arithmetic<T>::value>::type>
  __host__ __device__ Half(T v) : Half((__half)(float)v) {}
  // as ATen's: arithmetic goes through float; the __half is there for an explicit `var.operator __half()`
  __host__ __device__ explicit operator __half() const {
    __half h;
    std::memcpy(&h, &x, 2);
    return h;
  }
  __host__ __device__ operator float() const { return (float)this->operator __half(); }
};
struct alignas(2) BFloat16 {
  unsigned short x;
  BFloat16() = default;
  __host__ __device__ BFloat16(__nv_bfloat16 b) { std::memcpy(&x, &b, 2); }
  template <class T, class = typename std::enable_if<std::is_arithmetic<T>::value>::type>
  __host__ __device__ BFloat16(T v) : BFloat16(__nv_bfloat16((float)v)) {}
  __host__ __device__ operator float() const {
    __nv_bfloat16 b;
    std::memcpy(&b, &x, 2);
    return (float)b;
  }
};
// ATen's arithmetic on them (c10/util/Half-inl.h, BFloat16-inl.h): two of the type give the type (computed in
// float, rounded back), one with a float or double gives that float type, one with an int gives the type;
// the compound assignments take the type; comparisons go through the conversion to float
#define EMU_ATEN16_OPS(T, op)                                                                   \
  __host__ __device__ inline T operator op(const T& a, const T& b) { return (float)a op(float) b; } \
  __host__ __device__ inline float operator op(T a, float b) { return (float)a op b; }            \
  __host__ __device__ inline float operator op(float a, T b) { return a op(float) b; }            \
  __host__ __device__ inline double operator op(T a, double b) { return (double)(float)a op b; }  \
  __host__ __device__ inline double operator op(double a, T b) { return a op(double)(float) b; }  \
  __host__ __device__ inline T operator op(T a, int b) { return a op T(b); }                      \
  __host__ __device__ inline T operator op(int a, T b) { return T(a) op b; }                      \
  __host__ __device__ inline T operator op(T a, int64_t b) { return a op T(b); }                  \
  __host__ __device__ inline T operator op(int64_t a, T b) { return T(a) op b; }                  \
  __host__ __device__ inline T& operator op##=(T & a, const T & b) { return a = a op b; }         \
  __host__ __device__ inline float& operator op##=(float& a, const T& b) { return a op##= (float)b; }
#define EMU_ATEN16(T)                                                       \
  EMU_ATEN16_OPS(T, +)                                                      \
  EMU_ATEN16_OPS(T, -)                                                      \
  EMU_ATEN16_OPS(T, *)                                                      \
  EMU_ATEN16_OPS(T, /)                                                      \
  __host__ __device__ inline T operator-(const T& a) { return -(float)a; }
EMU_ATEN16(Half)
EMU_ATEN16(BFloat16)
#undef EMU_ATEN16
#undef EMU_ATEN16_OPS
// `pow(h, 2)`, `pow(h, gamma)` on the GPU take the Half as float (CUDA's pow(float, int), pow(float, float));
// the host's <cmath> ties its overloads
#define EMU_ATEN16_POW(T)                                                                                 \
  __host__ __device__ inline float pow(T a, int n) { return std::pow((float)a, (float)n); }              \
  __host__ __device__ inline float pow(T a, float b) { return std::pow((float)a, b); }                   \
  __host__ __device__ inline float pow(float a, T b) { return std::pow(a, (float)b); }                   \
  __host__ __device__ inline float pow(T a, T b) { return std::pow((float)a, (float)b); }
EMU_ATEN16_POW(Half)
EMU_ATEN16_POW(BFloat16)
#undef EMU_ATEN16_POW
}  // namespace c10
// a launch's scalar argument of ATen's 16-bit type (mmcv's `const T spatial_scale` at T = at::Half): a number
template <>
struct emu::cuda::float_scalar_class<c10::Half> : std::true_type {};
template <>
struct emu::cuda::float_scalar_class<c10::BFloat16> : std::true_type {};
namespace at {
using c10::BFloat16;
using c10::Half;
}  // namespace at
