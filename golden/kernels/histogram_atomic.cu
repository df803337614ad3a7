// Histogram of ints in [0, nbins): each block counts into a privatised shared-memory histogram with
// shared atomics, then adds it to the global one with global atomics. Grid-stride loop over the data.
#include <cuda_runtime.h>

#define MAX_BINS 256

__global__ void histogram_atomic(const int* __restrict__ data, int n, unsigned int* __restrict__ bins, int nbins) {
  __shared__ unsigned int local[MAX_BINS];
  for (int b = threadIdx.x; b < nbins; b += blockDim.x) local[b] = 0;
  __syncthreads();
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
    int v = data[i];
    if (v >= 0 && v < nbins) atomicAdd(&local[v], 1u);
  }
  __syncthreads();
  for (int b = threadIdx.x; b < nbins; b += blockDim.x) {
    if (local[b] != 0) atomicAdd(&bins[b], local[b]);
  }
}

void launch_histogram(const int* data, int n, unsigned int* bins, int nbins) {
  const int threads = 256;
  int blocks = (n + threads - 1) / threads;
  if (blocks > 8) blocks = 8;
  histogram_atomic<<<blocks, threads>>>(data, n, bins, nbins);
}
