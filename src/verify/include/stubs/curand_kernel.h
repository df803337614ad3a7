// cuRAND's device API on the CUDA emulator: the XORWOW generator (curandState) as cuRAND documents it, Marsaglia's
// xorwow plus a Weyl sequence, seeded as curand_init does (written for c2m, not NVIDIA's header). It is the stream
// emit/metal-curand.ts gives the translation, which c2m translates only for curand_init(seed, 0, 0, &state): the
// two agree there, and a GPU recording checks them against NVIDIA's. An offset steps the generator that many times
// (exact, slow for large offsets); a subsequence other than 0 would need cuRAND's 2^67-step skip-ahead matrices,
// which c2m does not carry: such a state is mixed from the subsequence instead, enough for a file's other kernels
// to run, and no comparison reads it (c2m refuses the kernel, C2M-K002).
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

inline void curand_init(unsigned long long seed, unsigned long long subsequence, unsigned long long offset, curandStateXORWOW* state) {
  if (subsequence) seed ^= subsequence * 0x9E3779B97F4A7C15ull;  // not cuRAND's stream (see above)
  unsigned int t0 = 1099087573u * ((unsigned int)seed ^ 0xaad26b49u);
  unsigned int t1 = 2591861531u * ((unsigned int)(seed >> 32) ^ 0xf7dcefddu);
  state->d = 6615241u + t1 + t0;
  state->v[0] = 123456789u + t0;
  state->v[1] = 362436069u ^ t0;
  state->v[2] = 521288629u + t1;
  state->v[3] = 88675123u ^ t1;
  state->v[4] = 5783321u + t0;
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
