// Hand-written Metal translations of golden CUDA kernels, as a translator would hand them to
// mx.fast.metal_kernel: they prove the Metal path of the harness, and `plant` variants carry the
// translation bugs the harness must catch.
import type { MetalKernelSpec } from "../src/verify/metal.js";
import type { Sizes } from "../src/verify/golden.js";

const cdiv = (a: number, b: number) => Math.ceil(a / b);

export const VECTOR_ADD_BODY = `
  uint i = thread_position_in_grid.x;
  if (i < uint(n)) {
    out[i] = a[i] + b[i];
  }
`;

export function vectorAdd(body = VECTOR_ADD_BODY) {
  return (s: Sizes): MetalKernelSpec => ({
    name: "vector_add",
    inputNames: ["a", "b", "n"],
    outputNames: ["out"],
    source: body,
    grid: [cdiv(s.n!, 256) * 256, 1, 1],
    threadgroup: [256, 1, 1],
    outputShapes: [[s.n!]],
    outputDtypes: ["float32"],
  });
}

/** softmax_shared.cu in Metal; the `BARRIER_IN_*` comments mark barriers that planted bugs remove. */
export const SOFTMAX_SHARED_BODY = `
  threadgroup float red[256];
  uint row = threadgroup_position_in_grid.x;
  uint tid = thread_position_in_threadgroup.x;
  uint nthreads = threads_per_threadgroup.x;
  if (row >= uint(rows)) return;
  const device float* xr = x + row * cols;
  device float* yr = y + row * cols;

  float m = -INFINITY;
  for (int c = tid; c < cols; c += nthreads) m = metal::max(m, xr[c]);
  red[tid] = m;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  for (uint s = nthreads / 2; s > 0; s >>= 1) {
    if (tid < s) red[tid] = metal::max(red[tid], red[tid + s]);
    threadgroup_barrier(mem_flags::mem_threadgroup); // BARRIER_IN_MAX_LOOP
  }
  float row_max = red[0];
  threadgroup_barrier(mem_flags::mem_threadgroup);

  float sum = 0.0f;
  for (int c = tid; c < cols; c += nthreads) sum += metal::exp(xr[c] - row_max);
  red[tid] = sum;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  for (uint s = nthreads / 2; s > 0; s >>= 1) {
    if (tid < s) red[tid] += red[tid + s];
    threadgroup_barrier(mem_flags::mem_threadgroup); // BARRIER_IN_SUM_LOOP
  }
  float inv = 1.0f / red[0];
  for (int c = tid; c < cols; c += nthreads) yr[c] = metal::exp(xr[c] - row_max) * inv;
`;

export function softmaxShared(body = SOFTMAX_SHARED_BODY) {
  return (s: Sizes): MetalKernelSpec => ({
    name: "softmax_shared",
    inputNames: ["x", "rows", "cols"],
    outputNames: ["y"],
    source: body,
    grid: [s.rows! * 256, 1, 1],
    threadgroup: [256, 1, 1],
    outputShapes: [[s.rows! * s.cols!]],
    outputDtypes: ["float32"],
  });
}

/** softmax_warp.cu: one SIMD-group per row, simd_max / simd_sum for the warp shuffles. */
export const SOFTMAX_WARP_BODY = `
  uint row = threadgroup_position_in_grid.x * 4 + thread_position_in_threadgroup.y;
  if (row >= uint(rows)) return;
  uint lane = thread_index_in_simdgroup;
  const device float* xr = x + row * cols;
  device float* yr = y + row * cols;
  float m = -INFINITY;
  for (int c = lane; c < cols; c += 32) m = metal::max(m, xr[c]);
  m = simd_max(m);
  float s = 0.0f;
  for (int c = lane; c < cols; c += 32) s += metal::exp(xr[c] - m);
  s = simd_sum(s);
  float inv = 1.0f / s;
  for (int c = lane; c < cols; c += 32) yr[c] = metal::exp(xr[c] - m) * inv;
`;

export function softmaxWarp(body = SOFTMAX_WARP_BODY) {
  return (s: Sizes): MetalKernelSpec => ({
    name: "softmax_warp",
    inputNames: ["x", "rows", "cols"],
    outputNames: ["y"],
    source: body,
    grid: [cdiv(s.rows!, 4) * 32, 4, 1],
    threadgroup: [32, 4, 1],
    outputShapes: [[s.rows! * s.cols!]],
    outputDtypes: ["float32"],
  });
}

/** halfwarp_reduce.cu: a butterfly within each half of the SIMD-group (offsets 8..1 never cross 16). */
export const HALFWARP_BODY = `
  uint t = thread_position_in_grid.x;
  uint row = t / 16;
  uint lane = t % 16;
  float v = (row < uint(rows)) ? x[row * 16 + lane] : 0.0f;
  for (ushort offset = 8; offset > 0; offset >>= 1) v += simd_shuffle_xor(v, offset);
  if (row < uint(rows) && lane == 0) sums[row] = v;
`;

export function halfwarpReduce(body = HALFWARP_BODY) {
  return (s: Sizes): MetalKernelSpec => ({
    name: "halfwarp_reduce",
    inputNames: ["x", "rows"],
    outputNames: ["sums"],
    source: body,
    grid: [cdiv(s.rows! * 16, 128) * 128, 1, 1],
    threadgroup: [128, 1, 1],
    outputShapes: [[s.rows!]],
    outputDtypes: ["float32"],
  });
}

/** histogram_atomic.cu: threadgroup atomics, then atomic outputs initialised to 0 (torch::zeros → init_value). */
export const HISTOGRAM_BODY = `
  threadgroup atomic_uint local[256];
  uint tid = thread_position_in_threadgroup.x;
  uint nthreads = threads_per_threadgroup.x;
  for (uint b = tid; b < uint(nbins); b += nthreads) atomic_store_explicit(&local[b], 0u, memory_order_relaxed);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  for (uint i = thread_position_in_grid.x; i < uint(n); i += threads_per_grid.x) {
    int v = data[i];
    if (v >= 0 && v < nbins) atomic_fetch_add_explicit(&local[v], 1u, memory_order_relaxed);
  }
  threadgroup_barrier(mem_flags::mem_threadgroup);
  for (uint b = tid; b < uint(nbins); b += nthreads) {
    uint c = atomic_load_explicit(&local[b], memory_order_relaxed);
    if (c != 0) atomic_fetch_add_explicit(&bins[b], c, memory_order_relaxed);
  }
`;

export function histogram(body = HISTOGRAM_BODY) {
  return (s: Sizes): MetalKernelSpec => ({
    name: "histogram_atomic",
    inputNames: ["data", "n", "nbins"],
    outputNames: ["bins"],
    source: body,
    atomicOutputs: true,
    initValue: 0,
    grid: [Math.min(cdiv(s.n!, 256), 8) * 256, 1, 1],
    threadgroup: [256, 1, 1],
    outputShapes: [[s.nbins!]],
    outputDtypes: ["uint32"],
  });
}

// MSL has no erf: the translation brings one (Numerical Recipes' erfc, |rel err| < 1.2e-7).
const ERF_HEADER = `
inline float c2m_erf(float x) {
  float z = metal::abs(x);
  float t = 1.0f / (1.0f + 0.5f * z);
  float r = t * metal::exp(-z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f +
            t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f +
            t * (-0.82215223f + t * 0.17087277f)))))))));
  return x >= 0.0f ? 1.0f - r : r - 1.0f;
}
`;

/** gelu_silu_half.cu: two kernels on half, math in float. */
export function geluSiluHalf() {
  return (s: Sizes): MetalKernelSpec[] => [
    {
      name: "gelu_half",
      inputNames: ["x", "n"],
      outputNames: ["y"],
      header: ERF_HEADER,
      source: `
  uint i = thread_position_in_grid.x;
  if (i < uint(n)) {
    float v = float(x[i]);
    y[i] = half(0.5f * v * (1.0f + c2m_erf(v * 0.70710678118654752f)));
  }
`,
      grid: [cdiv(s.n!, 256) * 256, 1, 1],
      threadgroup: [256, 1, 1],
      outputShapes: [[s.n!]],
      outputDtypes: ["float16"],
    },
    {
      name: "silu_half",
      inputNames: ["x", "n"],
      outputNames: ["z"],
      source: `
  uint i = thread_position_in_grid.x;
  if (i < uint(n)) {
    float v = float(x[i]);
    z[i] = half(v / (1.0f + metal::exp(-v)));
  }
`,
      grid: [cdiv(s.n!, 256) * 256, 1, 1],
      threadgroup: [256, 1, 1],
      outputShapes: [[s.n!]],
      outputDtypes: ["float16"],
    },
  ];
}

/** Replaces `from` (which must occur) in a kernel body: how the tests plant translation bugs. */
export function plant(body: string, from: string | RegExp, to: string): string {
  const out = body.replace(from, to);
  if (out === body) throw new Error(`planted bug: ${String(from)} not found`);
  return out;
}

/** saxpy.cu: CUDA updates y in place; the Metal kernel reads y and writes y_out (bound back to y), alpha a 0-d input. */
export function saxpy() {
  return (s: Sizes): MetalKernelSpec => ({
    name: "saxpy",
    inputNames: ["x", "y", "alpha", "n"],
    outputNames: ["y_out"],
    source: `
  uint i = thread_position_in_grid.x;
  if (i < uint(n)) y_out[i] = alpha * x[i] + y[i];
`,
    grid: [cdiv(s.n!, 256) * 256, 1, 1],
    threadgroup: [256, 1, 1],
    outputShapes: [[s.n!]],
    outputDtypes: ["float32"],
  });
}
