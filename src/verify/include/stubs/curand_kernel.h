// Stub: enough of cuRAND's device API for a file that uses it to compile on the CUDA emulator, so that its
// other kernels can be verified (pytorch_cluster's rw_cuda.cu: uniform_sampling_kernel beside the cuRAND
// rejection_sampling_kernel). c2m refuses cuRAND itself (C2M-K002: Metal has no random-number library), so
// no comparison ever reads these numbers: a xorshift generator, not NVIDIA's XORWOW sequence.
#pragma once
#include "../cuda_emu.hpp"

struct curandStateXORWOW {
  unsigned long long s;
};
typedef curandStateXORWOW curandState_t;
typedef curandStateXORWOW curandState;

inline void curand_init(unsigned long long seed, unsigned long long subsequence, unsigned long long offset, curandState_t* state) {
  state->s = (seed ^ (subsequence * 0x9E3779B97F4A7C15ull) ^ (offset << 17)) | 1ull;
}
inline unsigned int curand(curandState_t* state) {
  unsigned long long x = state->s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  state->s = x;
  return (unsigned int)(x >> 32);
}
// (0, 1], as cuRAND's
inline float curand_uniform(curandState_t* state) { return ((float)curand(state) + 1.0f) / 4294967296.0f; }
inline double curand_uniform_double(curandState_t* state) { return ((double)curand(state) + 1.0) / 4294967296.0; }
