// LayerNorm forward over the last axis: one block per row, dynamic shared memory (extern __shared__)
// holding two reduction arrays (sum and sum of squares), sized by the launch.
#include <cuda_runtime.h>
#include <math.h>

__global__ void layernorm_fwd(const float* __restrict__ x, const float* __restrict__ gamma,
                              const float* __restrict__ beta, float* __restrict__ y,
                              int rows, int cols, float eps) {
  extern __shared__ float smem[];
  float* s_sum = smem;
  float* s_sq = smem + blockDim.x;
  int row = blockIdx.x;
  int tid = threadIdx.x;
  const float* xr = x + (size_t)row * cols;
  float* yr = y + (size_t)row * cols;

  float sum = 0.0f, sq = 0.0f;
  for (int c = tid; c < cols; c += blockDim.x) {
    float v = xr[c];
    sum += v;
    sq += v * v;
  }
  s_sum[tid] = sum;
  s_sq[tid] = sq;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (tid < s) {
      s_sum[tid] += s_sum[tid + s];
      s_sq[tid] += s_sq[tid + s];
    }
    __syncthreads();
  }
  float mean = s_sum[0] / cols;
  float var = s_sq[0] / cols - mean * mean;
  float rstd = rsqrtf(var + eps);
  for (int c = tid; c < cols; c += blockDim.x) {
    yr[c] = (xr[c] - mean) * rstd * gamma[c] + beta[c];
  }
}

void launch_layernorm(const float* x, const float* gamma, const float* beta, float* y,
                      int rows, int cols, float eps) {
  const int threads = 128;
  layernorm_fwd<<<rows, threads, 2 * threads * sizeof(float)>>>(x, gamma, beta, y, rows, cols, eps);
}
