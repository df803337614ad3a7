/**
 * Issue 14, the kernel corpus's silent and unverified cases, each fixed at its mechanism and shown on a
 * small kernel in the corpus's shape (translated, then verified on both emulators, Metal also through clang):
 * - a read-modify-write in a loop at an index that repeats across iterations (llm.c's encoder_backward_kernel2:
 *   `dwte[inp[i] * C + c] += ...`) is copied in on first touch, not re-copied each iteration;
 * - a row pointer into a shared array updated by atomics through a helper's plain `uint*` (cuda-samples'
 *   histogram256: `uint* s_WarpHist = s_Hist + warp * BINS; atomicAdd(s_WarpHist + data, 1)`) keeps the atomic type;
 * - an infinity the kernel writes on purpose (llm.c's attention masks, `-INFINITY`) is a value compared exactly,
 *   not "inputs outside the kernel's domain" (that stays for NaN);
 * - a shuffle inside a branch only some lanes take (cuda-samples' shfl_scan: warp 0's first lanes scan the warp
 *   sums): on the Metal emulator the lanes that reach it are its active lanes, as on Apple GPUs (no deadlock);
 *   and a pointer parameter with a default (`int* partial_sums = NULL`) stays a parameter, with C2M-K041;
 * - host code that copies calloc'd memory (or cudaMemset 0) into a buffer starts it at zeros in the derived spec,
 *   not at random values: a kernel writing only some elements (cuda-samples' VoteAnyKernel3) is then compared
 *   as the host code runs it;
 * - the device code `--verify` compiles leaves out the types and typedefs no device code names (llm.c's
 *   nccl_all_reduce.cu: `typedef struct { ncclComm_t nccl_comm; } MultiGpuConfig;`, a type only its host code uses);
 * - `extern float __shared__ smem[];` (the qualifier after the type: cuda-samples' threadFenceReduction) is the
 *   launch's dynamic shared memory on the CUDA emulator, as `extern __shared__ float smem[];` is;
 * - a __device__ template over a function pointer, given named __device__ functions (llm.c's
 *   `blockReduce<warpReduceSum>`), is specialised into one plain function per function (Metal has no function
 *   pointers), placed before its first use so that a function defined after the template is declared;
 * - a kernel templated over a function pointer (llm.c's trimul_global), given functions directly or through a host
 *   launcher template's own parameter (trimul_launcher<matmul_tri_naive>), is specialised as a device function is:
 *   one kernel per function (MLX's template list has no function to pass); one given none stays C2M-K045;
 * - `__hfma2` on half2 (cuda-samples' fp16ScalarProduct) runs on the Metal emulator (componentwise fma of vectors);
 * - GLM's vectors of floats (gsplat's `using vec3 = glm::vec<3, float>;`, was C2M-K012) are CUDA's float2/float3 with
 *   CUDA's layout: buffers read as float2 / packed_float3, and 3-vectors cast out of other memory packed too.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";
import { deriveVerifySpecs } from "../src/kernel/launch-spec.js";
import { deviceOnlySource } from "../src/verify/device-code.js";
import { rewriteCudaShared } from "../src/verify/rewrite.js";
import { spec, translatesAndVerifies, verifies } from "./kernel-spec-helpers.js";

describe("read-modify-write in a loop", () => {
  it("an element met again in a later iteration keeps the earlier iterations' updates", async () => {
    // inp holds token ids in [0, V): the same row of dwte comes back whenever a token repeats
    const src = `
__global__ void scatter_add(float* dwte, const float* dout, const int* inp, int BT, int C) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) { return; }
    for (int i = 0; i < BT; i++) {
        int ix = inp[i];
        dwte[ix * C + c] += dout[i * C + c];
    }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "scatter_add",
        [
          { BT: 16, V: 3, C: 40 },
          { BT: 7, V: 2, C: 5 },
        ],
        [
          { name: "dwte", dtype: "float32", count: "V * C", role: "inout" },
          { name: "dout", dtype: "float32", count: "BT * C", role: "input" },
          { name: "inp", dtype: "int32", count: "BT", role: "input", range: "V" },
        ],
        [
          {
            kernel: "scatter_add",
            grid: ["cdiv(C, 32)", 1, 1],
            block: [32, 1, 1],
            args: [{ buffer: "dwte" }, { buffer: "dout" }, { buffer: "inp" }, { scalar: "BT", type: "int" }, { scalar: "C", type: "int" }],
          },
        ],
      ),
    );
    // copied in on first touch (c2m_own), not `dwte[E] = dwte_in[E]` before each iteration's update
    expect(r.kernels[0]!.spec.source).toMatch(/c2m_own\(dwte, dwte_in, dwte_touched, ix \* C \+ c, 1\) \+= /);
  }, 120_000);

  it("a loop whose counter steps the index keeps the one copy before the update", () => {
    const src = `
__global__ void rows_scale(float* y, int N, int C) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    for (int i = 0; i < N; i++) y[i * C + c] *= 2.0f;
}
`;
    const body = compileKernels(src, { filename: "rows_scale.cu" }).kernels[0]!.spec.source;
    expect(body).toMatch(/y\[i \* C \+ c\] = y_in\[i \* C \+ c\]/);
  });
});

describe("half2 arithmetic", () => {
  it("__hfma2 on half2 elements: Metal's fma(half2, half2, half2)", async () => {
    const src = `
#include <cuda_fp16.h>
__global__ void dot2(const half2* a, const half2* b, half2* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = __hfma2(a[i], b[i], out[i]);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "dot2",
        [{ n: 50 }, { n: 7 }],
        [
          { name: "a", dtype: "float16", count: "2 * n", role: "input" },
          { name: "b", dtype: "float16", count: "2 * n", role: "input" },
          { name: "out", dtype: "float16", count: "2 * n", role: "inout" },
        ],
        [{ kernel: "dot2", grid: ["cdiv(n, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "a" }, { buffer: "b" }, { buffer: "out" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/fma\(/);
  }, 120_000);
});

describe("atomics through a pointer into shared memory", () => {
  it("a row pointer into an atomic shared array, updated through a helper's uint*", async () => {
    const src = `
#define BINS 16
__device__ void addByte(unsigned int* hist, unsigned int v) { atomicAdd(hist + v, 1); }
__global__ void warp_hist(unsigned int* out, const unsigned int* data, int n) {
    __shared__ unsigned int s_Hist[2 * BINS];
    unsigned int* s_WarpHist = s_Hist + (threadIdx.x >> 5) * BINS;
    if (threadIdx.x < 2 * BINS) s_Hist[threadIdx.x] = 0;
    __syncthreads();
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) addByte(s_WarpHist, data[i] & (BINS - 1));
    __syncthreads();
    if (threadIdx.x < BINS) out[blockIdx.x * BINS + threadIdx.x] = s_Hist[threadIdx.x] + s_Hist[BINS + threadIdx.x];
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "warp_hist",
        [
          { n: 1000, G: 3 },
          { n: 37, G: 2 },
        ],
        [
          { name: "out", dtype: "uint32", count: "G * 16", role: "output" },
          { name: "data", dtype: "uint32", count: "n", role: "input", range: "1000" },
        ],
        [{ kernel: "warp_hist", grid: ["G", 1, 1], block: [64, 1, 1], args: [{ buffer: "out" }, { buffer: "data" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/threadgroup atomic<uint> s_Hist\[/);
    expect(r.kernels[0]!.spec.source).toMatch(/auto s_WarpHist = s_Hist \+/);
  }, 120_000);
});

describe("infinities in the CUDA original's output", () => {
  it("an attention mask's -INFINITY is compared, not taken for inputs outside the domain", async () => {
    const src = `
__global__ void causal_scale(float* att, float scale, int T) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < T * T) {
        int t = idx / T, t2 = idx % T;
        if (t2 > t) att[idx] = -INFINITY;
        else att[idx] *= scale;
    }
}
`;
    const r = compileKernels(src, { filename: "causal_scale.cu" });
    const s = spec(
      "causal_scale",
      [{ T: 5 }, { T: 33 }],
      [{ name: "att", dtype: "float32", count: "T * T", role: "inout" }],
      [{ kernel: "causal_scale", grid: ["cdiv(T * T, 64)", 1, 1], block: [64, 1, 1], args: [{ buffer: "att" }, { scalar: 0.125, type: "float" }, { scalar: "T", type: "int" }] }],
    );
    const rep = await verifies(r, s);
    expect(rep.lines.join("\n")).not.toMatch(/C2M-K020/);
    // an infinity of the other sign is a mismatch
    const wrong = compileKernels(src.replace("-INFINITY", "INFINITY"), { filename: "causal_scale.cu" });
    const bad = await verifyAgainstSpec(wrong, r.source, s);
    expect(bad.ok).toBe(false);
  }, 120_000);
});

describe("SIMD functions in divergent code, and a defaulted pointer parameter", () => {
  it("warp 0's first lanes scan the warp sums with a narrow shuffle", async () => {
    const src = `
__global__ void block_scan(int* data, int* partial_sums = NULL) {
    __shared__ int sums[32];
    int id = blockIdx.x * blockDim.x + threadIdx.x;
    int lane_id = threadIdx.x % 32, warp_id = threadIdx.x / 32;
    int value = data[id];
    for (int i = 1; i <= 32; i *= 2) {
        int n = __shfl_up_sync(0xffffffff, value, i, 32);
        if (lane_id >= i) value += n;
    }
    if (lane_id == 31) sums[warp_id] = value;
    __syncthreads();
    if (warp_id == 0 && lane_id < (blockDim.x / 32)) {
        int warp_sum = sums[lane_id];
        int mask = (1 << (blockDim.x / 32)) - 1;
        for (int i = 1; i <= (blockDim.x / 32); i *= 2) {
            int n = __shfl_up_sync(mask, warp_sum, i, (blockDim.x / 32));
            if (lane_id >= i) warp_sum += n;
        }
        sums[lane_id] = warp_sum;
    }
    __syncthreads();
    if (warp_id > 0) value += sums[warp_id - 1];
    data[id] = value;
    if (partial_sums != NULL && threadIdx.x == blockDim.x - 1) partial_sums[blockIdx.x] = value;
}
`;
    const r = compileKernels(src, { filename: "block_scan.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.diagnostics.find((d) => d.code === "C2M-K041")?.message).toMatch(/'partial_sums' defaults to NULL/);
    expect(r.kernels[0]!.params.map((p) => p.name)).toEqual(["data", "partial_sums"]);
    await verifies(
      r,
      spec(
        "block_scan",
        [{ G: 2 }, { G: 1 }],
        [
          { name: "data", dtype: "int32", count: "G * 128", role: "inout", range: "100" },
          { name: "partial_sums", dtype: "int32", count: "G", role: "output" },
        ],
        [{ kernel: "block_scan", grid: ["G", 1, 1], block: [128, 1, 1], args: [{ buffer: "data" }, { buffer: "partial_sums" }] }],
      ),
      { clangCheck: true },
    );
  }, 120_000);
});

describe("buffers the host code fills with zeros", () => {
  it("a copy of calloc'd memory starts the buffer at zeros; a copy of other host data at random values", async () => {
    const src = `
#include <cstdlib>
__global__ void mark(bool* info, const int* x, int n) {
    int i = threadIdx.x;
    if (i < n && x[i] > 50) info[i] = true;
}
int main() {
    const int n = 64;
    bool *dinfo, *hinfo = (bool*)calloc(n, sizeof(bool));
    int *dx, *hx = (int*)malloc(n * sizeof(int));
    cudaMalloc((void**)&dinfo, n * sizeof(bool));
    cudaMalloc((void**)&dx, n * sizeof(int));
    cudaMemcpy(dinfo, hinfo, n * sizeof(bool), cudaMemcpyHostToDevice);
    cudaMemcpy(dx, hx, n * sizeof(int), cudaMemcpyHostToDevice);
    mark<<<1, n>>>(dinfo, dx, n);
    return 0;
}
`;
    const r = compileKernels(src, { filename: "mark.cu" });
    const { specs } = deriveVerifySpecs(src, "mark.cu", r, {});
    expect(specs[0]!.buffers.map((b) => `${b.name}:${b.role}`)).toEqual(["dinfo:output", "dx:input"]);
    await verifies(r, specs[0]!);
  }, 120_000);
});

describe("device code for --verify", () => {
  it("extern dynamic shared memory with the qualifier after the type", () => {
    expect(rewriteCudaShared("  extern float __shared__ smem[];")).toBe("  float* smem = ::emu::dyn_shared<float>();");
    expect(rewriteCudaShared("  extern __shared__ unsigned int s[];")).toBe(rewriteCudaShared("  extern unsigned int __shared__ s[];"));
  });

  it("types and typedefs that only host code names are left out; those a kernel reaches stay", () => {
    const src = `typedef struct {
  ncclComm_t nccl_comm;
} MultiGpuConfig;
struct Inner { float v; };
typedef Inner InnerT;
struct Outer { InnerT a; };
__global__ void k(Outer* o) { o->a.v = 1.0f; }
MultiGpuConfig init() { MultiGpuConfig r; return r; }
`;
    const d = deviceOnlySource(src);
    expect(d.source).not.toMatch(/ncclComm_t|MultiGpuConfig/);
    expect(d.source).toMatch(/struct Inner \{ float v; \};\ntypedef Inner InnerT;\nstruct Outer \{ InnerT a; \};/);
    expect(d.dropped).toContain("line 1: type MultiGpuConfig that no device code names");
  });
});

describe("GLM vectors of floats (gsplat's vec2/vec3)", () => {
  it("are CUDA's float2/float3: buffers read as float2 / packed_float3, 3-vectors carved out of shared memory packed (12 bytes), __builtin_ctz in a constant; verified", async () => {
    // GLM comes from its header, as in gsplat (the emulator has c2m's GLM: include/stubs/glm)
    const src = `#include <glm/glm.hpp>
using vec2 = glm::vec<2, float>;
using vec3 = glm::vec<3, float>;
template <uint32_t TILE>
__global__ void splat(const vec2* __restrict__ means, const vec3* __restrict__ conics, float* out, int n) {
    constexpr uint32_t SHIFT = __builtin_ctz(TILE);
    extern __shared__ int ids[];
    vec3* batch = reinterpret_cast<vec3*>(&ids[TILE]);
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int t = threadIdx.x;
    const vec2 m = means[i];
    batch[t] = {m.x, m.y, conics[i].z};
    ids[t] = i >> SHIFT;
    __syncthreads();
    const vec3 b = batch[(t + 1) % TILE];
    out[i] = b.x + b.y * b.z + (float)ids[(t + 1) % TILE];
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "splat",
        [{ n: 64 }],
        [
          { name: "means", dtype: "float32", count: "2 * n", role: "input" },
          { name: "conics", dtype: "float32", count: "3 * n", role: "input" },
          { name: "out", dtype: "float32", count: "n", role: "output" },
        ],
        [
          {
            kernel: "splat",
            templateArgs: ["32"],
            grid: ["n / 32", 1, 1],
            block: [32, 1, 1],
            sharedBytes: "32 * 16",
            args: [{ buffer: "means" }, { buffer: "conics" }, { buffer: "out" }, { scalar: "n", type: "int" }],
          },
        ],
      ),
    );
    const k = r.kernels[0]!.spec;
    expect(k.source).toContain("auto conics = c2m_cast<packed_float3>(conics_elems);");
    expect(k.source).toContain("threadgroup packed_float3* batch = c2m_cast<packed_float3>(&ids[TILE]);");
    expect(k.source).toContain("constexpr uint SHIFT = c2m_ctz(uint(TILE));");
  }, 120_000);
});

describe("function-pointer template parameters", () => {
  it("of a __device__ function given named functions: one plain function each, verified", async () => {
    const src = `using reduction_func_t = float (*)(float);
__device__ float warpReduceSum(float val) {
    for (int offset = 16; offset > 0; offset /= 2) val += __shfl_xor_sync(0xFFFFFFFF, val, offset);
    return val;
}
template<reduction_func_t warp_reduction>
__device__ inline float blockReduce(float val, bool final_sync, float out_of_bounds) {
    __shared__ float shared_val[32];
    const int lane_id = threadIdx.x % 32;
    const int warp_id = threadIdx.x / 32;
    const int num_warps = blockDim.x / 32;
    float warp_val = warp_reduction(val);
    if (lane_id == 0) { shared_val[warp_id] = warp_val; }
    __syncthreads();
    warp_val = (lane_id < num_warps) ? shared_val[lane_id] : out_of_bounds;
    float block_val = warp_reduction(warp_val);
    if (final_sync) { __syncthreads(); }
    return block_val;
}
template<reduction_func_t warp_reduction>
__device__ inline float blockReduce(float val) {
    return blockReduce<warp_reduction>(val, false, 0.0f);
}
// defined after the template, as llm.c's classifier_fused.cu does
__device__ float warpReduceMax(float val) {
    for (int offset = 16; offset > 0; offset /= 2) val = fmaxf(val, __shfl_xor_sync(0xFFFFFFFF, val, offset));
    return val;
}
__global__ void sum_max(float* out, const float* x) {
    float v = x[blockIdx.x * blockDim.x + threadIdx.x];
    float s = blockReduce<warpReduceSum>(v);
    float m = blockReduce<warpReduceMax>(v, false, -1e30f);
    if (threadIdx.x == 0) { out[2 * blockIdx.x] = s; out[2 * blockIdx.x + 1] = m; }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "sum_max",
        [{ G: 2 }, { G: 1 }],
        [
          { name: "out", dtype: "float32", count: "2 * G", role: "output" },
          { name: "x", dtype: "float32", count: "G * 128", role: "input" },
        ],
        [{ kernel: "sum_max", grid: ["G", 1, 1], block: [128, 1, 1], args: [{ buffer: "out" }, { buffer: "x" }] }],
      ),
    );
    const k = r.kernels[0]!;
    expect(k.spec.header).toMatch(/float blockReduce__warpReduceMax\(/);
    expect(k.spec.source).toMatch(/blockReduce__warpReduceSum\(v/);
    expect(k.spec.header).not.toMatch(/warp_reduction/);
  }, 120_000);

  it("of a kernel given functions through a host launcher template (llm.c's trimul_launcher<matmul_tri_naive>): one kernel per function, verified", async () => {
    const src = `using fn_t = float (*)(float);
template <fn_t op>
__global__ void apply(const float* x, float* y, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) y[i] = op(x[i]); }
template <fn_t op>
void launch(const float* x, float* y, int n) { apply<op><<<(n + 31) / 32, 32>>>(x, y, n); }
__device__ float twice(float v) { return 2.0f * v; }
__device__ float square(float v) { return v * v; }
void run(int which, const float* x, float* y, int n) { if (which) launch<twice>(x, y, n); else launch<square>(x, y, n); }
`;
    const r = compileKernels(src, { filename: "apply.cu" });
    expect(r.kernels.map((k) => k.name).sort()).toEqual(["apply__square", "apply__twice"]);
    expect(r.instances).toEqual({ apply__square: { kernel: "apply", templateArgs: ["square"] }, apply__twice: { kernel: "apply", templateArgs: ["twice"] } });
    // the CUDA original --verify runs ends with the specialised kernels, launched by their names
    expect(r.source).toMatch(/__global__ void apply__twice\(const float\* x, float\* y, int n\) \{[^}]*y\[i\] = twice\(x\[i\]\); \}/);
    for (const name of ["apply__twice", "apply__square"])
      await translatesAndVerifies(
        src,
        spec(
          name,
          [{ n: 45 }],
          [
            { name: "x", dtype: "float32", count: "n", role: "input" },
            { name: "y", dtype: "float32", count: "n", role: "output" },
          ],
          [{ kernel: name, grid: ["cdiv(n, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
        ),
      );
  }, 120_000);

  it("of a kernel no function is given to: refused with C2M-K045 at the kernel", () => {
    const src = `using fn_t = float (*)(float);
__device__ float twice(float v) { return 2.0f * v; }
template <fn_t op>
__global__ void apply(const float* x, float* y) { y[threadIdx.x] = op(x[threadIdx.x]); }
`;
    const r = compileKernels(src, { filename: "apply.cu" });
    const d = r.diagnostics.find((x) => x.code === "C2M-K045");
    expect(d?.message).toMatch(/'op' of kernel 'apply' has type 'fn_t'/);
    expect([d?.line, d?.severity]).toEqual([3, "error"]);
    expect(r.kernels).toEqual([]);
  });
});
