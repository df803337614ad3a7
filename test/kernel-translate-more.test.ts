/**
 * Issue 14, more of the kernel corpus translated, by mechanism. Each mechanism: a small kernel in the
 * shape the corpus has it, translated and verified (both emulators, Metal also through clang), and the
 * diagnostic where c2m still cannot translate it.
 * - class templates carried into Metal as struct templates (llm.c's Packed128/x128);
 * - cuda-samples' SharedMemory<T>() view of dynamic shared memory, and its explicit-specialisation form (smem.getPointer());
 * - __shared__ arrays declared in __device__ functions, hoisted into the kernel;
 * - a read-write parameter moved at the top of the kernel (residual += C * idx);
 * - a row pointer re-pointed into a read-write buffer (x = out + row * C).
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const errorsOf = (src: string) =>
  compileKernels(src, { filename: "case.cu" })
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.message}`);

// llm.c's common.h, trimmed to what a kernel uses: a class template with a memcpy constructor, a static
// `constant` member function (an MSL keyword), reference-returning operator[] and a static data member
const PACKED = `
template<class ElementType>
struct alignas(16) Packed128 {
    Packed128() = default;
    __device__ explicit Packed128(int4 bits) {
        static_assert(sizeof(bits) == sizeof(payload), "Size mismatch.");
        memcpy(&payload, &bits, sizeof(bits));
    }
    __device__ static Packed128 constant(ElementType value) {
        Packed128 result;
        for (int k = 0; k < size; ++k) result.payload[k] = value;
        return result;
    }
    __device__ ElementType& operator[](int index) { return payload[index]; }
    __device__ const ElementType& operator[](int index) const { return payload[index]; }
    __device__ int4 get_bits() const {
        int4 bits;
        memcpy(&bits, &payload, sizeof(bits));
        return bits;
    }
    static constexpr const int size = sizeof(int4) / sizeof(ElementType);
    ElementType payload[size];
};
typedef Packed128<float> f128;
template<class ElementType>
__device__ Packed128<ElementType> load128(const ElementType* address) {
    return Packed128<ElementType>{*reinterpret_cast<const int4*>(address)};
}
template<class ElementType>
__device__ void store128(ElementType* target, Packed128<ElementType> value) {
    *reinterpret_cast<int4*>(target) = value.get_bits();
}
`;

describe("more of the corpus translated, by mechanism", () => {
  it("a class template (Packed128) is carried into Metal as a struct template, and verifies", async () => {
    const src = `${PACKED}
__global__ void axpy128(float* out, const float* x, const float* y, int N) {
    int i = (blockIdx.x * blockDim.x + threadIdx.x) * f128::size;
    if (i < N) {
        f128 a = load128(x + i);
        f128 b = load128(y + i);
        f128 o = f128::constant(1.0f);
        for (int k = 0; k < f128::size; ++k) o[k] += 2.0f * a[k] + b[k];
        store128(out + i, o);
    }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "axpy128",
        [{ N: 4 }, { N: 1024 }],
        [
          { name: "out", dtype: "float32", count: "N", role: "output" },
          { name: "x", dtype: "float32", count: "N", role: "input" },
          { name: "y", dtype: "float32", count: "N", role: "input" },
        ],
        [{ kernel: "axpy128", grid: ["cdiv(N, 64 * 4)", 1, 1], block: [64, 1, 1], args: [{ buffer: "out" }, { buffer: "x" }, { buffer: "y" }, { scalar: "N", type: "int" }] }],
      ),
    );
    const header = r.kernels[0]!.spec.header;
    // what MSL spells differently from CUDA
    expect(header).toMatch(/static constant constexpr const int size/);
    expect(header).toMatch(/static Packed128 constant_\(ElementType value\)/);
    expect(header).toMatch(/thread ElementType& operator\[\]/);
    expect(header).toMatch(/c2m_memcpy\(&payload, &bits, sizeof\(bits\)\)/);
    expect(header).toMatch(/template <typename c2m_P0, typename ElementType = c2m_element<c2m_P0>>\ninline Packed128<ElementType> load128/);
    expect(header).not.toMatch(/__device__/);
    expect(r.kernels[0]!.spec.source).toMatch(/f128 o = f128::constant_\(1\.0f\);/);
  }, 120_000);

  it("a class template is carried with its explicit specialisations; one whose members declare __shared__ stays refused (C2M-K027)", () => {
    const specialised = `template <class T> struct Box { T v; };\ntemplate <> struct Box<int> { int v; };\n__global__ void k(float* y) { Box<float> b; b.v = 1.0f; y[0] = b.v; }\n`;
    expect(errorsOf(specialised)).toEqual([]);
    expect(errorsOf(specialised.replace("{ int v; }", "{ __device__ int* get() { __shared__ int s[2]; return s; } }")).join("\n")).toMatch(
      /C2M-K027 'Box' names a class template whose members declare __shared__ memory/,
    );
    const shared = `template <class T> struct Stage { __device__ T* get() { __shared__ T s[32]; return s; } };\n__global__ void k(float* y) { Stage<float> st; y[0] = st.get()[0]; }\n`;
    expect(errorsOf(shared).join("\n")).toMatch(/C2M-K027 'Stage' names a class template whose members declare __shared__ memory/);
  });

  it("SharedMemory<T>() is the launch's dynamic shared memory, and a block reduction through it verifies", async () => {
    const src = `
template <class T> struct SharedMemory {
    __device__ inline operator T *() { extern __shared__ int __smem[]; return (T *)__smem; }
    __device__ inline operator const T *() const { extern __shared__ int __smem[]; return (T *)__smem; }
};
template <class T> __global__ void reduce0(T *g_idata, T *g_odata, unsigned int n) {
    T *sdata = SharedMemory<T>();
    unsigned int tid = threadIdx.x;
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    sdata[tid] = (i < n) ? g_idata[i] : 0;
    __syncthreads();
    for (unsigned int s = 1; s < blockDim.x; s *= 2) {
        if ((tid % (2 * s)) == 0) sdata[tid] += sdata[tid + s];
        __syncthreads();
    }
    if (tid == 0) g_odata[blockIdx.x] = sdata[0];
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "reduce0",
        [{ n: 100 }, { n: 1000 }],
        [
          { name: "g_idata", dtype: "float32", count: "n", role: "input" },
          { name: "g_odata", dtype: "float32", count: "cdiv(n, 64)", role: "output" },
        ],
        [
          {
            kernel: "reduce0",
            grid: ["cdiv(n, 64)", 1, 1],
            block: [64, 1, 1],
            args: [{ buffer: "g_idata" }, { buffer: "g_odata" }, { scalar: "n", type: "unsigned int" }],
            templateArgs: ["float"],
            sharedBytes: "64 * 4",
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/threadgroup T sdata\[\(C2M_SHARED_BYTES \+ sizeof\(T\) - 1\) \/ sizeof\(T\)\];/);
    expect(r.kernels[0]!.spec.header).not.toMatch(/SharedMemory/);
  }, 120_000);

  it("SharedMemory<T> with one explicit specialisation per type (smem.getPointer()) is the same view, and verifies (cuda-samples' simpleTemplates)", async () => {
    const src = `
template <typename T> struct SharedMemory {
    __device__ T *getPointer() { extern __device__ void error(void); error(); return NULL; }
};
template <> struct SharedMemory<int> {
    __device__ int *getPointer() { extern __shared__ int s_int[]; return s_int; }
};
template <> struct SharedMemory<float> {
    __device__ float *getPointer() { extern __shared__ float s_float[]; return s_float; }
};
template <class T> __global__ void scale(T *g_idata, T *g_odata) {
    SharedMemory<T> smem;
    T *sdata = smem.getPointer();
    const unsigned int tid = threadIdx.x;
    sdata[tid] = g_idata[tid];
    __syncthreads();
    sdata[tid] = (T)blockDim.x * sdata[blockDim.x - 1 - tid];
    __syncthreads();
    g_odata[tid] = sdata[tid];
}
`;
    const launch = (t: string) => ({
      kernel: "scale",
      grid: [1, 1, 1] as [number, number, number],
      block: [64, 1, 1] as [number, number, number],
      args: [{ buffer: "x" }, { buffer: "y" }],
      templateArgs: [t],
      sharedBytes: "64 * 4",
    });
    for (const [t, dtype] of [
      ["float", "float32"],
      ["int", "int32"],
    ] as const) {
      const r = await translatesAndVerifies(
        src,
        spec(
          `scale_${t}`,
          [{ n: 64 }],
          [
            { name: "x", dtype, count: "n", role: "input", ...(t === "int" ? { range: 100 } : {}) },
            { name: "y", dtype, count: "n", role: "output" },
          ],
          [launch(t)],
        ),
      );
      expect(r.kernels[0]!.spec.source).toMatch(/threadgroup T sdata\[\(C2M_SHARED_BYTES \+ sizeof\(T\) - 1\) \/ sizeof\(T\)\];/);
      expect(r.kernels[0]!.spec.header).not.toMatch(/SharedMemory|error/);
      // the CUDA twin (mx.fast.cuda_kernel) keeps the specialisations it instantiates
      expect(r.kernels[0]!.cuda.header).toMatch(/template <> struct SharedMemory<float>/);
    }
  }, 120_000);

  it("a macro carried into Metal has its CUDA intrinsics in Metal's spelling (arguments parenthesised), and umin/umax are unsigned", async () => {
    // cuda-samples' scalarProd (#define IMUL(a, b) __mul24(a, b)) and mergeSort (umin): both left undeclared names in Metal
    const src = `
#define IMUL(a, b) __mul24(a, b)
__global__ void scaled(unsigned int* y, const unsigned int* x, int n, int k) {
    int i = IMUL(blockIdx.x, blockDim.x) + threadIdx.x;
    if (i < n) y[i] = umin(x[i], (unsigned int)IMUL(k + 1, 3)) + umax(x[i], 7u);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "scaled",
        [{ N: 37 }, { N: 300 }],
        [
          { name: "y", dtype: "uint32", count: "N", role: "output" },
          { name: "x", dtype: "uint32", count: "N", role: "input" },
        ],
        [
          {
            kernel: "scaled",
            grid: ["(N + 63) / 64", 1, 1],
            block: [64, 1, 1],
            args: [{ buffer: "y" }, { buffer: "x" }, { scalar: "N", type: "int" }, { scalar: "N", type: "int" }],
          },
        ],
      ),
    );
    const k = r.kernels[0]!.spec;
    expect(k.header).toContain("#define IMUL(a, b) ((a) * (b))");
    expect(k.source).toContain("metal::min(uint(");
  }, 120_000);

  it("__shared__ arrays of a __device__ function are hoisted into the kernel, one per block as in CUDA, and verify", async () => {
    // two calls of the helper share its array, as CUDA's one static __shared__ instance per block does
    const src = `
__device__ float blockSum(float val) {
    __shared__ float partial[32];
    __shared__ float total;
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    for (int o = 16; o > 0; o >>= 1) val += __shfl_xor_sync(0xffffffff, val, o);
    if (lane == 0) partial[warp] = val;
    __syncthreads();
    if (threadIdx.x == 0) {
        float s = 0.0f;
        for (int w = 0; w < blockDim.x / 32; w++) s += partial[w];
        total = s;
    }
    __syncthreads();
    float r = total;
    __syncthreads();
    return r;
}
__global__ void normalise(float* y, const float* x, int C) {
    const float* row = x + blockIdx.x * C;
    float s = 0.0f, q = 0.0f;
    for (int i = threadIdx.x; i < C; i += blockDim.x) { s += row[i]; q += row[i] * row[i]; }
    float mean = blockSum(s) / C;
    float sq = blockSum(q) / C;
    for (int i = threadIdx.x; i < C; i += blockDim.x) y[blockIdx.x * C + i] = (row[i] - mean) / sqrtf(sq - mean * mean + 1e-5f);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "normalise",
        [
          { R: 2, C: 7 },
          { R: 3, C: 300 },
        ],
        [
          { name: "y", dtype: "float32", count: "R * C", role: "output" },
          { name: "x", dtype: "float32", count: "R * C", role: "input" },
        ],
        [{ kernel: "normalise", grid: ["R", 1, 1], block: [128, 1, 1], args: [{ buffer: "y" }, { buffer: "x" }, { scalar: "C", type: "int" }] }],
      ),
    );
    const k = r.kernels[0]!.spec;
    expect(k.source).toMatch(/^threadgroup float c2m_sh_blockSum_partial\[32\];\nthreadgroup float c2m_sh_blockSum_total;/);
    expect(k.header).toMatch(/inline float blockSum\(float val, threadgroup float\* c2m_sh_blockSum_partial, threadgroup float& c2m_sh_blockSum_total/);
    expect(k.header).toMatch(/threadgroup float\* partial = c2m_sh_blockSum_partial;\n\s*threadgroup float& total = c2m_sh_blockSum_total;/);
    // an array sized by the function's own template parameter cannot be declared in the kernel
    const sized = `template <int N> __device__ float first(float v) { __shared__ float s[N]; s[threadIdx.x] = v; __syncthreads(); return s[0]; }\n__global__ void k(float* y) { y[threadIdx.x] = first<32>(1.0f); }\n`;
    expect(errorsOf(sized).join("\n")).toMatch(/C2M-K002 __shared__ memory declared in __device__ function 'first'/);
  }, 120_000);

  it("a 2-d __shared__ array of a __device__ function (llm.c's trimat matmul_tri4 `lhs_s[128][32]`) is hoisted and passed as a pointer to its rows, and verifies", async () => {
    const src = `
__device__ void transpose_tile(float* out, const float* in, int n) {
    __shared__ float tile[8][9];
    int x = threadIdx.x, y = threadIdx.y;
    tile[y][x] = in[(blockIdx.x * 8 + y) * 8 + x];
    __syncthreads();
    out[(blockIdx.x * 8 + x) * 8 + y] = tile[y][x] + tile[x][y];
}
__global__ void tiles(float* out, const float* in, int n) { transpose_tile(out, in, n); }
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "tiles",
        [{ T: 3 }],
        [
          { name: "out", dtype: "float32", count: "T * 64", role: "output" },
          { name: "in", dtype: "float32", count: "T * 64", role: "input" },
        ],
        [{ kernel: "tiles", grid: ["T", 1, 1], block: [8, 8, 1], args: [{ buffer: "out" }, { buffer: "in" }, { scalar: "T", type: "int" }] }],
      ),
    );
    const k = r.kernels[0]!.spec;
    expect(k.source).toMatch(/^threadgroup float c2m_sh_transpose_tile_tile\[8\]\[9\];/);
    expect(k.header).toContain("threadgroup float (*tile)[9] = c2m_sh_transpose_tile_tile;");
  }, 120_000);

  it("an extern __shared__ array of a __device__ function is the kernel's dynamic threadgroup array; a tile-synced volatile reduction verifies", async () => {
    // cuda-samples' threadFenceReduction shape: the Volta-era reduction syncs the tile after each store, so
    // no lockstep step (whose SIMD-group barriers would hang in its divergent branch) is added
    const src = `
#include <cooperative_groups.h>
namespace cg = cooperative_groups;
__device__ void reduceBlock(volatile float *sdata, float mySum, const unsigned int tid, cg::thread_block cta) {
    cg::thread_block_tile<32> tile32 = cg::tiled_partition<32>(cta);
    sdata[tid] = mySum;
    cg::sync(tile32);
    const int vid = tid & 31;
    float beta = mySum;
    for (int i = 16; i > 0; i >>= 1) {
        if (vid < i) {
            float temp = sdata[tid + i];
            beta += temp;
            sdata[tid] = beta;
        }
        cg::sync(tile32);
    }
    cg::sync(cta);
    if (cta.thread_rank() == 0) {
        beta = 0;
        for (int i = 0; i < blockDim.x; i += 32) beta += sdata[i];
        sdata[0] = beta;
    }
    cg::sync(cta);
}
__device__ void reduceBlocks(const float *g_idata, float *g_odata, unsigned int n, cg::thread_block cta) {
    extern __shared__ float sdata[];
    unsigned int tid = threadIdx.x;
    float mySum = 0;
    for (unsigned int i = blockIdx.x * blockDim.x + tid; i < n; i += blockDim.x * gridDim.x) mySum += g_idata[i];
    reduceBlock(sdata, mySum, tid, cta);
    if (tid == 0) g_odata[blockIdx.x] = sdata[0];
}
__global__ void reduceMultiPass(const float *g_idata, float *g_odata, unsigned int n) {
    cg::thread_block cta = cg::this_thread_block();
    reduceBlocks(g_idata, g_odata, n, cta);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "reduceMultiPass",
        [{ n: 100 }, { n: 3000 }],
        [
          { name: "g_idata", dtype: "float32", count: "n", role: "input" },
          { name: "g_odata", dtype: "float32", count: "3", role: "output" },
        ],
        [
          {
            kernel: "reduceMultiPass",
            grid: [3, 1, 1],
            block: [64, 1, 1],
            args: [{ buffer: "g_idata" }, { buffer: "g_odata" }, { scalar: "n", type: "unsigned int" }],
            sharedBytes: "64 * 4",
          },
        ],
      ),
    );
    const k = r.kernels[0]!.spec;
    expect(k.source).toMatch(/^threadgroup float c2m_sh_reduceBlocks_sdata\[\(C2M_SHARED_BYTES \+ sizeof\(float\) - 1\) \/ sizeof\(float\)\];/);
    expect(k.header).not.toMatch(/c2m_step/);
    // the classic warp-synchronous sequence (each store reads other lanes' elements, no sync between) keeps its steps
    const classic = compileKernels(
      `__global__ void k(const float* x, float* y) {\n  __shared__ float s[64];\n  int t = threadIdx.x;\n  s[t] = x[t];\n  __syncthreads();\n  if (t < 32) {\n    volatile float* v = s;\n    v[t] += v[t + 32];\n    v[t] += v[t + 16];\n  }\n  __syncthreads();\n  if (t == 0) y[0] = s[0];\n}\n`,
      { filename: "classic.cu" },
    );
    expect(classic.kernels[0]!.spec.source.match(/c2m_step/g)?.length).toBe(4);
  }, 120_000);

  it("a [&] lambda called as a statement is inlined at each call (MSL has no lambdas), and verifies", async () => {
    // llm.c's softmax_autoregressive_backward_kernel5 shape: the loop variable is the lambda's argument and parameter name
    const src = `
__global__ void strided_sum(float* y, const float* x, int n) {
    float acc = 0.0f;
    int hs = n;
    auto step = [&](int i) {
        float p = x[i] * 2.0f;
        acc += p;
    };
    int i = threadIdx.x;
    for (; i < n / 2; i += blockDim.x) step(i);
    for (; i < n; i += blockDim.x) step(i);
    y[threadIdx.x] = acc / sqrtf(hs);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "strided_sum",
        [{ n: 5 }, { n: 200 }],
        [
          { name: "y", dtype: "float32", count: "32", role: "output" },
          { name: "x", dtype: "float32", count: "n", role: "input" },
        ],
        [{ kernel: "strided_sum", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "y" }, { buffer: "x" }, { scalar: "n", type: "int" }] }],
      ),
    );
    const body = r.kernels[0]!.spec.source;
    expect(body.match(/\{ int c2m_step_0 = i; \{ int i = c2m_step_0; \{/g)?.length).toBe(2);
    expect(body).toMatch(/metal::sqrt\(float\(hs\)\)/); // sqrtf's int argument converted, as CUDA does
    // a lambda whose result is used becomes a header function (test/kernel-lambda-functions.test.ts); one that
    // captures a buffer stays refused with the reason
    const returning = `__global__ void k(float* y) {\n  auto f = [&](int i) { return 2.0f * i; };\n  y[threadIdx.x] = f(threadIdx.x);\n}\n`;
    expect(errorsOf(returning)).toEqual([]);
    const byValue = `__global__ void k(float* y) {\n  float a = 1.0f;\n  auto f = [=](int i) { y[i] = a; };\n  f(threadIdx.x);\n}\n`;
    expect(errorsOf(byValue).join("\n")).toMatch(/C2M-K002 .*lambda 'f' uses 'y'|C2M-K002 .*lambda 'f' captures 'y'/);
  }, 120_000);

  it("a function-pointer template parameter is refused (C2M-K045), not printed as an int", () => {
    // given a pointer variable: not specialised (given a __device__ function it is: test/kernel-zoo-fixes.test.ts)
    const src = `using fn_t = float (*)(float);\n__device__ float twice(float v) { return 2.0f * v; }\n__device__ constexpr fn_t pick = twice;\ntemplate <fn_t op> __device__ float apply(float v) { return op(v); }\n__global__ void k(const float* x, float* y) { y[threadIdx.x] = apply<pick>(x[threadIdx.x]); }\n`;
    expect(errorsOf(src).join("\n")).toMatch(/C2M-K045 template parameter 'op' of 'apply' has type 'fn_t'/);
  });

  it("a read-write parameter moved to the thread's row at the top of the kernel is thread-owned, and verifies", async () => {
    const src = `
__global__ void residual_rows(float* residual, const float* inp, int N, int C) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= N) return;
    residual += C * idx;
    inp += C * idx;
    float m = 0.0f;
    for (int c = 0; c < C; ++c) { residual[c] = residual[c] + inp[c]; m += residual[c]; }
    m /= C;
    for (int c = 0; c < C; c++) residual[c] -= m;
}
`;
    await translatesAndVerifies(
      src,
      spec(
        "residual_rows",
        [
          { N: 5, C: 3 },
          { N: 70, C: 16 },
        ],
        [
          { name: "residual", dtype: "float32", count: "N * C", role: "inout" },
          { name: "inp", dtype: "float32", count: "N * C", role: "input" },
        ],
        [
          {
            kernel: "residual_rows",
            grid: ["cdiv(N, 32)", 1, 1],
            block: [32, 1, 1],
            args: [{ buffer: "residual" }, { buffer: "inp" }, { scalar: "N", type: "int" }, { scalar: "C", type: "int" }],
          },
        ],
      ),
    );
    // moved inside a loop, the offset of each access is not one expression: refused, saying why
    const looped = `__global__ void k(float* y, int C) {\n  for (int r = 0; r < 2; r++) { y += C; y[threadIdx.x] = y[threadIdx.x] + 1.0f; }\n}\n`;
    expect(errorsOf(looped).join("\n")).toMatch(/C2M-K007 buffer 'y' .* 'y' is moved other than by `y \+= offset;` at the top of the kernel/);
  }, 120_000);

  it("a row pointer re-pointed from the input into the in-place output is followed per access, and verifies", async () => {
    // llm.c's softmax_forward_kernel2 shape: x reads inp's row, then out's row after `x = out + idx * C`
    const src = `
__global__ void softmax_rows(float* out, const float* inp, int N, int C) {
    int idx = blockIdx.x;
    int tid = threadIdx.x;
    const float* x = inp + idx * C;
    for (int i = tid; i < C; i += blockDim.x) out[idx * C + i] = expf(x[i]);
    x = out + idx * C;
    for (int i = tid; i < C; i += blockDim.x) out[idx * C + i] = x[i] * 0.5f + 1.0f;
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "softmax_rows",
        [
          { N: 2, C: 5 },
          { N: 3, C: 100 },
        ],
        [
          { name: "out", dtype: "float32", count: "N * C", role: "output" },
          { name: "inp", dtype: "float32", count: "N * C", role: "input" },
        ],
        [
          {
            kernel: "softmax_rows",
            grid: ["N", 1, 1],
            block: [32, 1, 1],
            args: [{ buffer: "out" }, { buffer: "inp" }, { scalar: "N", type: "int" }, { scalar: "C", type: "int" }],
          },
        ],
      ),
    );
    const body = r.kernels[0]!.spec.source;
    // the read of inp's row stays a plain read; the twins follow the re-point
    expect(body).toMatch(/metal::exp\(x\[i\]\)/);
    expect(body).toMatch(/\(x = out \+ idx \* C, x_in = out_in \+ \(idx \* C\), x_touched = out_touched \+ \(idx \* C\)\);/);
    expect(body).toMatch(/c2m_own\(x, x_in, x_touched, i, 1\) \* 0\.5f/);
  }, 120_000);
});
