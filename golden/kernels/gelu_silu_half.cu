// Elementwise GELU (exact, erf form) and SiLU on __half. Math is done in float, as PyTorch does for half.
#include <cuda_fp16.h>

__device__ __forceinline__ float gelu_f(float x) {
  return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
}

__device__ __forceinline__ float silu_f(float x) {
  return x / (1.0f + expf(-x));
}

__global__ void gelu_half(const __half* __restrict__ x, __half* __restrict__ y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    y[i] = __float2half(gelu_f(__half2float(x[i])));
  }
}

__global__ void silu_half(const __half* __restrict__ x, __half* __restrict__ y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    float v = __half2float(x[i]);
    y[i] = __float2half(silu_f(v));
  }
}

void launch_gelu_half(const __half* x, __half* y, int n) {
  gelu_half<<<(n + 255) / 256, 256>>>(x, y, n);
}

void launch_silu_half(const __half* x, __half* y, int n) {
  silu_half<<<(n + 255) / 256, 256>>>(x, y, n);
}
