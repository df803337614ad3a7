// bfloat16 for the emulators: 16 bits of storage, float arithmetic, round-to-nearest-even on the way
// back (as Metal's bfloat and CUDA's __nv_bfloat16 do). half is the compiler's _Float16 (IEEE binary16).
#pragma once

#include <cstdint>
#include <cstring>

namespace emu {

struct bfloat16 {
  uint16_t bits;
  bfloat16() = default;
  static uint16_t from_float(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7F800000u) == 0x7F800000u && (u & 0x007FFFFFu)) return (uint16_t)((u >> 16) | 0x40u);  // quiet NaN
    u += 0x7FFFu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
  }
  bfloat16(float f) : bits(from_float(f)) {}
  bfloat16(double f) : bits(from_float((float)f)) {}
  bfloat16(int i) : bits(from_float((float)i)) {}
  bfloat16(unsigned i) : bits(from_float((float)i)) {}
  bfloat16(long i) : bits(from_float((float)i)) {}
  bfloat16(_Float16 h) : bits(from_float((float)h)) {}
  operator float() const {
    uint32_t u = (uint32_t)bits << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  bfloat16& operator+=(float o) { return *this = bfloat16((float)*this + o); }
  bfloat16& operator-=(float o) { return *this = bfloat16((float)*this - o); }
  bfloat16& operator*=(float o) { return *this = bfloat16((float)*this * o); }
  bfloat16& operator/=(float o) { return *this = bfloat16((float)*this / o); }
  bfloat16 operator-() const { return bfloat16(-(float)*this); }
};

#define EMU_BF_OP(op)                                                                                  \
  inline bfloat16 operator op(bfloat16 a, bfloat16 b) { return bfloat16((float)a op(float) b); }       \
  inline float operator op(bfloat16 a, float b) { return (float)a op b; }                              \
  inline float operator op(float a, bfloat16 b) { return a op(float) b; }                              \
  inline bfloat16 operator op(bfloat16 a, int b) { return bfloat16((float)a op(float) b); }            \
  inline bfloat16 operator op(int a, bfloat16 b) { return bfloat16((float)a op(float) b); }
EMU_BF_OP(+)
EMU_BF_OP(-)
EMU_BF_OP(*)
EMU_BF_OP(/)
#undef EMU_BF_OP
#define EMU_BF_CMP(op)                                                                         \
  inline bool operator op(bfloat16 a, bfloat16 b) { return (float)a op(float) b; }             \
  inline bool operator op(bfloat16 a, float b) { return (float)a op b; }                       \
  inline bool operator op(float a, bfloat16 b) { return a op(float) b; }                       \
  inline bool operator op(bfloat16 a, int b) { return (float)a op(float) b; }
EMU_BF_CMP(<)
EMU_BF_CMP(>)
EMU_BF_CMP(<=)
EMU_BF_CMP(>=)
EMU_BF_CMP(==)
EMU_BF_CMP(!=)
#undef EMU_BF_CMP

}  // namespace emu
