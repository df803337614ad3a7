// cuRAND's device API on the CUDA emulator: the XORWOW generator (curandState) as cuRAND documents it, Marsaglia's
// xorwow plus a Weyl sequence, seeded as curand_init does (written for c2m, not NVIDIA's header). It is the stream
// emit/metal-curand.ts gives the translation: the two agree, and a GPU recording checks them against NVIDIA's.
// A subsequence n starts 2^67·n draws on: the step is linear over GF(2), so the jump applies M^(2^(67+i)) for each
// bit i of n, matrices computed here from the step (as emit/metal-curand-jump.ts does for Metal). An offset steps
// the generator that many times (exact, slow for large offsets; c2m does not translate one).
#pragma once
#include "../cuda_emu.hpp"

struct curandStateXORWOW {
  unsigned int d;
  unsigned int v[5];
};
typedef curandStateXORWOW curandStateXORWOW_t;
typedef curandStateXORWOW curandState_t;
typedef curandStateXORWOW curandState;

inline unsigned int curand(curandStateXORWOW* state) {
  unsigned int t = state->v[0] ^ (state->v[0] >> 2);
  state->v[0] = state->v[1];
  state->v[1] = state->v[2];
  state->v[2] = state->v[3];
  state->v[3] = state->v[4];
  state->v[4] = (state->v[4] ^ (state->v[4] << 4)) ^ (t ^ (t << 1));
  state->d += 362437u;
  return state->v[4] + state->d;
}

namespace emu_curand {
// a 160x160 GF(2) matrix as its columns: column k is the image of state bit k (word k/32, bit k%32)
struct Gf2 {
  unsigned int col[160][5];
};
inline void step(unsigned int* v) {
  unsigned int t = v[0] ^ (v[0] >> 2);
  v[0] = v[1], v[1] = v[2], v[2] = v[3], v[3] = v[4];
  v[4] = (v[4] ^ (v[4] << 4)) ^ (t ^ (t << 1));
}
inline void apply(const Gf2& m, const unsigned int* in, unsigned int* out) {
  unsigned int r[5] = {0, 0, 0, 0, 0};
  for (int k = 0; k < 160; ++k)
    if ((in[k / 32] >> (k % 32)) & 1)
      for (int j = 0; j < 5; ++j) r[j] ^= m.col[k][j];
  for (int j = 0; j < 5; ++j) out[j] = r[j];
}
inline void square(Gf2& m) {
  Gf2 sq;
  for (int k = 0; k < 160; ++k) apply(m, m.col[k], sq.col[k]);
  m = sq;
}
// J_i = M^(2^(67+i)), i < 64
inline const Gf2* jumps() {
  static Gf2* table = nullptr;
  if (table) return table;
  Gf2* t = new Gf2[64];
  Gf2 m;
  for (int k = 0; k < 160; ++k) {
    unsigned int v[5] = {0, 0, 0, 0, 0};
    v[k / 32] = 1u << (k % 32);
    step(v);
    for (int j = 0; j < 5; ++j) m.col[k][j] = v[j];
  }
  for (int i = 0; i < 67; ++i) square(m);
  for (int i = 0; i < 64; ++i) {
    t[i] = m;
    square(m);
  }
  return table = t;
}
}  // namespace emu_curand

inline void curand_init(unsigned long long seed, unsigned long long subsequence, unsigned long long offset, curandStateXORWOW* state) {
  unsigned int t0 = 1099087573u * ((unsigned int)seed ^ 0xaad26b49u);
  unsigned int t1 = 2591861531u * ((unsigned int)(seed >> 32) ^ 0xf7dcefddu);
  state->d = 6615241u + t1 + t0;
  state->v[0] = 123456789u + t0;
  state->v[1] = 362436069u ^ t0;
  state->v[2] = 521288629u + t1;
  state->v[3] = 88675123u ^ t1;
  state->v[4] = 5783321u + t0;
  for (int i = 0; i < 64; ++i)
    if ((subsequence >> i) & 1) emu_curand::apply(emu_curand::jumps()[i], state->v, state->v);
  for (unsigned long long i = 0; i < offset; ++i) curand(state);
}

// (0, 1]: x * 2^-32 + 2^-33, as cuRAND's _curand_uniform (volatile: no fused multiply-add, which CUDA's exact
// power-of-two product makes no different anyway)
inline float curand_uniform(curandStateXORWOW* state) {
  volatile float scaled = (float)curand(state) * 2.3283064e-10f;
  return scaled + (2.3283064e-10f / 2.0f);
}
// two draws, 53 bits, as cuRAND's _curand_uniform_double_hq
inline double curand_uniform_double(curandStateXORWOW* state) {
  unsigned int x = curand(state);
  unsigned int y = curand(state);
  unsigned long long z = (unsigned long long)x ^ ((unsigned long long)y << (53 - 32));
  return z * 1.1102230246251565e-16 + (1.1102230246251565e-16 / 2.0);
}
