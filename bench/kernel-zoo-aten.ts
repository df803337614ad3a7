/**
 * ATen's element types for the GPU drivers (bench/kernel-zoo-gpu.ts): the GPU build has no ATen, so where a PyTorch
 * extension's device code names `at::Half` or `at::BFloat16` the driver gets c10-like structs, as c10/util/Half.h and
 * c10/util/BFloat16.h define them (one template, Float16, over each type's conversions): the value's 16 bits in a `uint16_t x` member (pytorch_scatter's atomics read and
 * write it in a compare-exchange loop), conversions to and from float (round to nearest even), and arithmetic through
 * float: Half op Half gives Half, Half op float gives float, Half op double gives double, Half op int gives Half.
 * Like c10 under nvcc they also convert to and from cuda_fp16's `__half` (`__nv_bfloat16`), so the extension's
 * `atomicAdd(reinterpret_cast<__half*>(p), val)` finds CUDA's overload; since the driver keeps cuda_fp16's `__half`
 * operators (PyTorch builds with __CUDA_NO_HALF_OPERATORS__, the corpus's other kernels use them), comparisons of two
 * Halfs are defined here, else the built-in float one and `__half`'s would be equally good. Host and device both, as
 * c10's C10_HOST_DEVICE. And what else of ATen the emulator's stubs give device code (src/verify/include/cuda_emu.hpp):
 * `at::cuda::ATenCeilDiv`.
 */
export const ATEN_SHIM = `// c10-like Half and BFloat16 (c10/util/Half.h, BFloat16.h): uint16 bits in .x, arithmetic via float
#include <cstring>
namespace c10 {
// a 16-bit float type's conversions: its bits from a float (round to nearest even), a float from its bits, CUDA's type
struct HalfBits {
  using cuda_t = __half;
  using raw_t = __half_raw;
  static __host__ __device__ uint16_t from_float(float value) { __half_raw r = __half(__float2half_rn(value)); return r.x; }
  static __host__ __device__ float to_float(uint16_t x) { __half_raw r; r.x = x; return __half2float(__half(r)); }
};
struct BFloat16Bits {
  using cuda_t = __nv_bfloat16;
  using raw_t = __nv_bfloat16_raw;
  static __host__ __device__ uint16_t from_float(float value) {
    uint32_t u;
    std::memcpy(&u, &value, sizeof u);
    return value != value ? uint16_t(0x7FC0) : uint16_t((u + (((u >> 16) & 1u) + 0x7FFFu)) >> 16);
  }
  static __host__ __device__ float to_float(uint16_t x) {
    uint32_t u = uint32_t(x) << 16;
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
  }
};
template <class Bits>
struct alignas(2) Float16 {
  uint16_t x;
  struct from_bits_t {};
  static constexpr __host__ __device__ from_bits_t from_bits() { return from_bits_t(); }
  Float16() = default;
  constexpr __host__ __device__ Float16(uint16_t bits, from_bits_t) : x(bits) {}
  __host__ __device__ Float16(float value) : x(Bits::from_float(value)) {}
  __host__ __device__ Float16(const typename Bits::cuda_t& value) { typename Bits::raw_t r = value; x = r.x; }
  __host__ __device__ operator float() const { return Bits::to_float(x); }
  __host__ __device__ operator typename Bits::cuda_t() const { typename Bits::raw_t r; r.x = x; return typename Bits::cuda_t(r); }
};
using Half = Float16<HalfBits>;
using BFloat16 = Float16<BFloat16Bits>;
#define C2M_ATEN_ARITH(T)                                                                              \\
  inline __host__ __device__ T operator+(const T& a, const T& b) { return T(float(a) + float(b)); }   \\
  inline __host__ __device__ T operator-(const T& a, const T& b) { return T(float(a) - float(b)); }   \\
  inline __host__ __device__ T operator*(const T& a, const T& b) { return T(float(a) * float(b)); }   \\
  inline __host__ __device__ T operator/(const T& a, const T& b) { return T(float(a) / float(b)); }   \\
  inline __host__ __device__ T operator-(const T& a) { return T(-float(a)); }                         \\
  inline __host__ __device__ bool operator==(const T& a, const T& b) { return float(a) == float(b); } \\
  inline __host__ __device__ bool operator!=(const T& a, const T& b) { return float(a) != float(b); } \\
  inline __host__ __device__ bool operator<(const T& a, const T& b) { return float(a) < float(b); }   \\
  inline __host__ __device__ bool operator<=(const T& a, const T& b) { return float(a) <= float(b); } \\
  inline __host__ __device__ bool operator>(const T& a, const T& b) { return float(a) > float(b); }   \\
  inline __host__ __device__ bool operator>=(const T& a, const T& b) { return float(a) >= float(b); } \\
  inline __host__ __device__ T& operator+=(T& a, const T& b) { return a = a + b; }                    \\
  inline __host__ __device__ T& operator-=(T& a, const T& b) { return a = a - b; }                    \\
  inline __host__ __device__ T& operator*=(T& a, const T& b) { return a = a * b; }                    \\
  inline __host__ __device__ T& operator/=(T& a, const T& b) { return a = a / b; }                    \\
  inline __host__ __device__ float operator+(T a, float b) { return float(a) + b; }                   \\
  inline __host__ __device__ float operator-(T a, float b) { return float(a) - b; }                   \\
  inline __host__ __device__ float operator*(T a, float b) { return float(a) * b; }                   \\
  inline __host__ __device__ float operator/(T a, float b) { return float(a) / b; }                   \\
  inline __host__ __device__ float operator+(float a, T b) { return a + float(b); }                   \\
  inline __host__ __device__ float operator-(float a, T b) { return a - float(b); }                   \\
  inline __host__ __device__ float operator*(float a, T b) { return a * float(b); }                   \\
  inline __host__ __device__ float operator/(float a, T b) { return a / float(b); }                   \\
  inline __host__ __device__ float& operator+=(float& a, const T& b) { return a += float(b); }        \\
  inline __host__ __device__ float& operator-=(float& a, const T& b) { return a -= float(b); }        \\
  inline __host__ __device__ float& operator*=(float& a, const T& b) { return a *= float(b); }        \\
  inline __host__ __device__ float& operator/=(float& a, const T& b) { return a /= float(b); }        \\
  inline __host__ __device__ double operator+(T a, double b) { return double(float(a)) + b; }         \\
  inline __host__ __device__ double operator-(T a, double b) { return double(float(a)) - b; }         \\
  inline __host__ __device__ double operator*(T a, double b) { return double(float(a)) * b; }         \\
  inline __host__ __device__ double operator/(T a, double b) { return double(float(a)) / b; }         \\
  inline __host__ __device__ double operator+(double a, T b) { return a + double(float(b)); }         \\
  inline __host__ __device__ double operator-(double a, T b) { return a - double(float(b)); }         \\
  inline __host__ __device__ double operator*(double a, T b) { return a * double(float(b)); }         \\
  inline __host__ __device__ double operator/(double a, T b) { return a / double(float(b)); }         \\
  inline __host__ __device__ T operator+(T a, int b) { return a + T(float(b)); }                      \\
  inline __host__ __device__ T operator-(T a, int b) { return a - T(float(b)); }                      \\
  inline __host__ __device__ T operator*(T a, int b) { return a * T(float(b)); }                      \\
  inline __host__ __device__ T operator/(T a, int b) { return a / T(float(b)); }                      \\
  inline __host__ __device__ T operator+(int a, T b) { return T(float(a)) + b; }                      \\
  inline __host__ __device__ T operator-(int a, T b) { return T(float(a)) - b; }                      \\
  inline __host__ __device__ T operator*(int a, T b) { return T(float(a)) * b; }                      \\
  inline __host__ __device__ T operator/(int a, T b) { return T(float(a)) / b; }                      \\
  inline __host__ __device__ T operator+(T a, int64_t b) { return a + T(float(b)); }                  \\
  inline __host__ __device__ T operator-(T a, int64_t b) { return a - T(float(b)); }                  \\
  inline __host__ __device__ T operator*(T a, int64_t b) { return a * T(float(b)); }                  \\
  inline __host__ __device__ T operator/(T a, int64_t b) { return a / T(float(b)); }                  \\
  inline __host__ __device__ T operator+(int64_t a, T b) { return T(float(a)) + b; }                  \\
  inline __host__ __device__ T operator-(int64_t a, T b) { return T(float(a)) - b; }                  \\
  inline __host__ __device__ T operator*(int64_t a, T b) { return T(float(a)) * b; }                  \\
  inline __host__ __device__ T operator/(int64_t a, T b) { return T(float(a)) / b; }
C2M_ATEN_ARITH(Half)
C2M_ATEN_ARITH(BFloat16)
#undef C2M_ATEN_ARITH
}  // namespace c10
namespace at { using c10::Half; using c10::BFloat16; }
// ATen's ceiling division, which detectron2's nms_rotated calls in device code (as the emulator's cuda_emu.hpp has it)
namespace at::cuda {
template <class T, class U>
__host__ __device__ inline T ATenCeilDiv(T a, U b) { return (a + b - 1) / b; }
}
`;
