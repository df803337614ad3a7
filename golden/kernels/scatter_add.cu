// out[index[i]] += src[i] with float atomicAdd (duplicate indices accumulate).
#include <cuda_runtime.h>

__global__ void scatter_add(const int* __restrict__ index, const float* __restrict__ src,
                            float* __restrict__ out, int n, int m) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    int j = index[i];
    if (j >= 0 && j < m) atomicAdd(&out[j], src[i]);
  }
}

void launch_scatter_add(const int* index, const float* src, float* out, int n, int m) {
  scatter_add<<<(n + 255) / 256, 256>>>(index, src, out, n, m);
}
