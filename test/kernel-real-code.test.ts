/**
 * Issue 14, the refusal classes real PyTorch-extension and teaching kernels showed once they joined the corpus
 * (mmcv's ops, llm.c's llmc production kernels, SGEMM_CUDA), each on a small kernel in the corpus's shape,
 * translated, then verified on both emulators (Metal also through clang):
 * - a function-like macro that reads the thread coordinates (mmcv's `CUDA_1D_KERNEL_LOOP(i, n)`, a grid-stride
 *   loop header) is expanded where it is used: carried as a macro, its `blockIdx` reached Metal (which has none)
 *   and the ownership proof could not see the loop variable declared (C2M-K007 on the focal losses);
 * - a `ptrdiff_t` parameter (llmc's strides) is an int64 scalar (was C2M-K012);
 * - `reinterpret_cast<float4*>(&A[i])[0]` on a pointer that is not const (SGEMM_CUDA's vectorised loads) reads A:
 *   the address taken for the cast is not itself a write (was C2M-K007);
 * - `reinterpret_cast<float4 *>(&C[E])[0]` read and then assigned (SGEMM_CUDA's kernels 6-9 epilogue, `C = alpha * AB + beta
 *   * C`) is one 16-byte access at element E of an in-place C, as a 128-bit helper's argument is (c2m_own128);
 * - `fminf(n_boxes - row_start * threadsPerBlock, threadsPerBlock)` (mmcv's nms: integers, which CUDA's float function
 *   converts) prints each integer argument as float(...): Metal's fmin overloads found it ambiguous (a silent kernel);
 * - `at::cuda::ATenCeilDiv(a, b)` (detectron2's nms_rotated, was C2M-K042 as if libcu++) is `((a) + (b) - 1) / (b)`, and the
 *   CUDA emulator declares it as ATen does;
 * - a parameter spelled like one of MLX's thread attributes (llmc's `size_t grid_size`) is renamed (`grid_size_`): MLX adds
 *   every attribute the body names to the signature, so it was declared twice (a silent kernel);
 * - __device__ overloads that differ in what a pointer points to (llmc's stochastic_rounding on bf16/half/float) stay
 *   apart once pointers become template parameters (the element type enables one each; they were redefinitions);
 * - a function template defined only by explicit specialisations (llmc's cast_value) is carried as its declaration and
 *   the specialisations (it was left undeclared in Metal, silently; then C2M-K048 at the call);
 * - a call that leaves a device function's parameters to their defaults gets them written out before the thread
 *   positions c2m appends (llmc's `blockReduce<warpReduceSum>(v)`: the positions landed on `final_sync`, a silent kernel);
 * - a host helper of locals and a return with a defaulted parameter (mmcv's GET_BLOCKS) sizes launches read from the host
 *   code; `extern __shared__ char* params[]` (llmc's layernorm) is dynamic shared memory on the CUDA emulator;
 * - a local pointer declared without a value and pointed later (mmcv's border_align backward: `T *offset_grad_input, ...;`
 *   then `offset_grad_input = grad_input + ...;`) points into that buffer, so atomicAdd through it is an atomic on it (was K002);
 * - a struct passed by value that holds device pointers (causal-conv1d's ConvParamsBase, ATen's TensorInfo in
 *   pytorch_scatter) is C2M-K049, which names the pointers and the limit: mx.fast.metal_kernel binds each input as its own
 *   array and gives a kernel no array's address to put in a struct (was K012 without the why);
 * - the device code `--verify` compiles leaves out `using at::Tensor;` and `using phalf = at::Half;` (mmcv's
 *   pytorch_cuda_helper.hpp), names from torch's headers the emulator does not have.
 */
import { describe, expect, it } from "vitest";
import { expandMacroCalls, preprocessCuda, threadCoordinateMacro } from "../passes/kernel/preprocess.js";
import { deviceOnlySource } from "../src/verify/device-code.js";
import { compileKernels } from "../src/kernel/index.js";
import { deriveVerifySpecs } from "../src/kernel/launch-spec.js";
import { rewriteCudaShared } from "../src/verify/rewrite.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

describe("macros over the thread coordinates", () => {
  it("CUDA_1D_KERNEL_LOOP is expanded on its line; other macros and strings stay", () => {
    const m = threadCoordinateMacro("CUDA_1D_KERNEL_LOOP(i, n) for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); \\\n i += blockDim.x * gridDim.x)".replace("\\\n", ""));
    expect(m?.params).toEqual(["i", "n"]);
    expect(threadCoordinateMacro("CEIL_DIV(M, N) (((M) + (N)-1) / (N))")).toBeUndefined();
    const macros = new Map([[m!.name, m!]]);
    expect(expandMacroCalls("  CUDA_1D_KERNEL_LOOP(index, B * (O + 1)) { // CUDA_1D_KERNEL_LOOP(x, y)", macros)).toBe(
      "  for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < (B * (O + 1)); index += blockDim.x * gridDim.x) { // CUDA_1D_KERNEL_LOOP(x, y)",
    );
    const pre = preprocessCuda(
      ["#define LOOP(i, n) \\", "  for (int i = threadIdx.x; i < (n); i += blockDim.x)", "__global__ void k(int n) {", "  LOOP(j, n) {}", "}"].join("\n"),
      "k.cu",
    );
    expect(pre.text.split("\n")[3]).toBe("  for (int j = threadIdx.x; j < (n); j += blockDim.x) {}");
  });

  it("a grid-stride loop from the macro updates its buffer in place (mmcv's sigmoid focal loss shape); verified", async () => {
    const src = `
#define CUDA_1D_KERNEL_LOOP(i, n)                              \\
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); \\
       i += blockDim.x * gridDim.x)

template <typename T>
__global__ void focal(const int nthreads, const T* input, const int* target, T* output, const T alpha, const int num_classes) {
  CUDA_1D_KERNEL_LOOP(index, nthreads) {
    int n = index / num_classes;
    int c = index % num_classes;
    T flag = (target[n] == c);
    output[index] = (T)0.;
    output[index] += -flag * alpha * input[index];
    output[index] *= (T)2.;
  }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "focal",
        [
          { N: 37, K: 5 },
          { N: 300, K: 3 },
        ],
        [
          { name: "input", dtype: "float32", count: "N * K", role: "input" },
          { name: "target", dtype: "int32", count: "N", role: "input", range: "K" },
          { name: "output", dtype: "float32", count: "N * K", role: "inout" },
        ],
        [
          {
            kernel: "focal",
            templateArgs: ["float"],
            // fewer threads than elements: each thread strides over several
            grid: [2, 1, 1],
            block: [32, 1, 1],
            args: [
              { scalar: "N * K", type: "int" },
              { buffer: "input" },
              { buffer: "target" },
              { buffer: "output" },
              { scalar: 0.25, type: "float" },
              { scalar: "K", type: "int" },
            ],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/for \(int index = threadgroup_position_in_grid\.x \* threads_per_threadgroup\.x \+ thread_position_in_threadgroup\.x;/);
    expect(r.kernels[0]!.spec.header ?? "").not.toMatch(/blockIdx/);
  }, 120_000);
});

describe("parameters and casts of real kernels", () => {
  it("a ptrdiff_t stride and a float4 load through reinterpret_cast of a non-const pointer; verified", async () => {
    const src = `
#include <stddef.h>
__global__ void rows4(float* out, float* A, int n4, ptrdiff_t stride) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n4) return;
  float4 v = reinterpret_cast<float4 *>(&A[i * 4 + stride])[0];
  out[i] = v.x + v.y * 2.0f + v.z * 3.0f + v.w * 4.0f;
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "rows4",
        [{ n4: 70 }, { n4: 5 }],
        [
          { name: "out", dtype: "float32", count: "n4", role: "output" },
          { name: "A", dtype: "float32", count: "n4 * 4 + 8", role: "input" },
        ],
        [
          {
            kernel: "rows4",
            grid: ["cdiv(n4, 32)", 1, 1],
            block: [32, 1, 1],
            args: [{ buffer: "out" }, { buffer: "A" }, { scalar: "n4", type: "int" }, { scalar: 8, type: "long" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.input_names).toContain("A");
    expect(r.kernels[0]!.spec.output_names).toEqual(["out"]);
  }, 120_000);
});

describe("in-place 128-bit accesses through a vector cast", () => {
  it("C read and written as float4 at &C[E] after C += a block offset (SGEMM_CUDA's epilogue); verified", async () => {
    const src = `
__global__ void epilogue(int M, int N, float alpha, const float* X, float beta, float* C) {
  const uint cRow = blockIdx.y;
  C += cRow * 4 * N;
  X += cRow * 4 * N;
  const int col = threadIdx.x * 4;
  if (col >= N) return;
  for (uint r = 0; r < 4; r += 1) {
    float4 tmp = reinterpret_cast<float4 *>(&C[r * N + col])[0];
    tmp.x = alpha * X[r * N + col] + beta * tmp.x;
    tmp.y = alpha * X[r * N + col + 1] + beta * tmp.y;
    tmp.z = alpha * X[r * N + col + 2] + beta * tmp.z;
    tmp.w = alpha * X[r * N + col + 3] + beta * tmp.w;
    reinterpret_cast<float4 *>(&C[r * N + col])[0] = tmp;
  }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "epilogue",
        [
          { M: 8, N: 32 },
          { M: 12, N: 16 },
        ],
        [
          { name: "X", dtype: "float32", count: "M * N", role: "input" },
          { name: "C", dtype: "float32", count: "M * N", role: "inout" },
        ],
        [
          {
            kernel: "epilogue",
            grid: [1, "M / 4", 1],
            // a block is numbers (GoldenLaunch): 8 threads cover N = 32; at N = 16 the last four return
            block: [8, 1, 1],
            args: [{ scalar: "M", type: "int" }, { scalar: "N", type: "int" }, { scalar: 1.5, type: "float" }, { buffer: "X" }, { scalar: 0.5, type: "float" }, { buffer: "C" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/c2m_own128\(C, C_in, C_touched, r \* N \+ col, 1\)/);
  }, 120_000);
});

describe("CUDA's float functions on integer expressions", () => {
  it("fminf(n - row * tpb, tpb) converts the integers to float, as CUDA does (mmcv's nms); verified", async () => {
    const src = `
int const tpb = sizeof(unsigned long long) * 8;
__global__ void cols(int* out, const int n) {
  const int row = blockIdx.x;
  const int size = fminf(n - row * tpb, tpb);
  if (threadIdx.x == 0) out[row] = size;
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "cols",
        [{ n: 200 }, { n: 64 }],
        [{ name: "out", dtype: "int32", count: "cdiv(n, 64)", role: "output" }],
        [{ kernel: "cols", grid: ["cdiv(n, 64)", 1, 1], block: [32, 1, 1], args: [{ buffer: "out" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/metal::fmin\(float\(n - row \* tpb\), float\(tpb\)\)/);
  }, 120_000);
});

describe("ATen's ceiling division in device code", () => {
  it("at::cuda::ATenCeilDiv (detectron2's nms_rotated) is integer arithmetic in Metal; verified", async () => {
    const src = `
__global__ void blocks_of(int* out, const int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = at::cuda::ATenCeilDiv(i + 1, 64);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "blocks_of",
        [{ n: 300 }],
        [{ name: "out", dtype: "int32", count: "n", role: "output" }],
        [{ kernel: "blocks_of", grid: ["cdiv(n, 64)", 1, 1], block: [64, 1, 1], args: [{ buffer: "out" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/out\[i\] = \(\(\(\(i \+ 1\)\) \+ \(64\) - 1\) \/ \(64\)\);/);
  }, 120_000);
});

describe("names and overloads of llm.c's llmc helpers", () => {
  it("a parameter named like one of MLX's thread attributes (grid_size) is renamed; overloads on the pointee type stay apart; verified", async () => {
    const src = `
__device__ void put(float v, float* out) { *out = v * 2.0f; }
__device__ void put(float v, int* out) { *out = (int)v + 1; }
__global__ void both(float* f, int* i, const float* x, size_t grid_size) {
  size_t index = blockIdx.x * blockDim.x + threadIdx.x;
  if (index < grid_size) {
    put(x[index], &f[index]);
    put(x[index], &i[index]);
  }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "both",
        [{ n: 100 }],
        [
          { name: "f", dtype: "float32", count: "n", role: "output" },
          { name: "i", dtype: "int32", count: "n", role: "output" },
          { name: "x", dtype: "float32", count: "n", role: "input" },
        ],
        [{ kernel: "both", grid: ["cdiv(n, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "f" }, { buffer: "i" }, { buffer: "x" }, { scalar: "n", type: "size_t" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.input_names).toContain("grid_size_");
    expect(r.kernels[0]!.spec.header).toMatch(/c2m_enable_if<c2m_same<c2m_element<c2m_P1>, int>::value>::type = 0/);
  }, 120_000);

  it("a function template defined only by explicit specialisations is carried as its declaration and specialisations", () => {
    const src = `
template <typename Td, typename Ts> __device__ Td cast_value(Ts val);
template <> __device__ float cast_value<float, float>(float val) { return val; }
template <typename Td, typename Ts>
__global__ void copy_and_cast(Td* dst, const Ts* src, int n) {
  int idx = blockIdx.x * blockDim.x + threadIdx.x;
  if (idx < n) dst[idx] = cast_value<Td, Ts>(src[idx]);
}
`;
    const r = compileKernels(src, { filename: "cast.cu" });
    expect(r.diagnostics.find((x) => x.code === "C2M-K048")).toBeUndefined();
    expect(r.kernels.map((k) => k.name)).toContain("copy_and_cast");
    expect(r.kernels[0]!.spec.header).toMatch(/template <typename Td, typename Ts>\nTd cast_value\(Ts val\);\n\ntemplate <>\ninline float cast_value<float, float>\(float val\)/);
  });
});

describe("device functions with defaults, launches sized by a helper, pointer arrays in dynamic shared memory", () => {
  it("a call leaving parameters to their defaults passes them before the thread positions (llmc's blockReduce); verified", async () => {
    const src = `
__device__ float scaled(float v, float k = 2.0f, int extra = 3) { return v * k + extra + threadIdx.x; }
__global__ void apply(float* y, const float* x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = scaled(x[i]) + scaled(x[i], 0.5f);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "apply",
        [{ n: 100 }],
        [
          { name: "y", dtype: "float32", count: "n", role: "output" },
          { name: "x", dtype: "float32", count: "n", role: "input" },
        ],
        [{ kernel: "apply", grid: ["cdiv(n, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "y" }, { buffer: "x" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/scaled\(x\[i\], 2\.0f, 3, thread_position_in_threadgroup\) \+ scaled\(x\[i\], 0\.5f, 3, thread_position_in_threadgroup\)/);
  }, 120_000);

  it("a launch sized by a host helper with locals and a defaulted parameter (mmcv's GET_BLOCKS) is read from the host code", () => {
    const src = `
#define THREADS_PER_BLOCK 512
inline int GET_BLOCKS(const int N, const int num_threads = THREADS_PER_BLOCK) {
  int optimal_block_num = (N + num_threads - 1) / num_threads;
  int max_block_num = 4096;
  return min(optimal_block_num, max_block_num);
}
__global__ void fill(float* y, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) y[i] = i;
}
int main() {
  const int n = 3000;
  float* y;
  cudaMalloc((void**)&y, n * sizeof(float));
  fill<<<GET_BLOCKS(n), THREADS_PER_BLOCK>>>(y, n);
  fill<<<GET_BLOCKS(n, 128), 128>>>(y, n);
  return 0;
}
`;
    const r = compileKernels(src, { filename: "fill.cu" });
    const { specs } = deriveVerifySpecs(src, "fill.cu", r, {});
    expect(specs[0]!.launches.map((l) => l.grid[0])).toEqual([6, 24]);
  });

  it("extern __shared__ char* params[] (llmc's layernorm) is the launch's dynamic shared memory on the CUDA emulator", () => {
    expect(rewriteCudaShared("    extern __shared__ char* params[];")).toBe("    char** params = ::emu::dyn_shared<char*>();");
  });
});

describe("a local pointer pointed after its declaration", () => {
  it("atomicAdd through `T *p; ... p = grad + off;` (mmcv's border_align backward) is an atomic on grad; verified", async () => {
    const src = `
__global__ void scatter_grad(const float* grad_out, const int* where, float* grad, int n, int w) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float *row, scale;
  const float *src_p;
  row = grad + (i % 3) * w;
  src_p = grad_out + i;
  scale = 0.5f;
  atomicAdd(row + where[i], *src_p * scale);
  atomicAdd(row + (where[i] + 1) % w, *src_p);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "scatter_grad",
        [{ n: 200, w: 7 }],
        [
          { name: "grad_out", dtype: "float32", count: "n", role: "input" },
          { name: "where", dtype: "int32", count: "n", role: "input", range: "w" },
          { name: "grad", dtype: "float32", count: "3 * w", role: "inout" },
        ],
        [
          {
            kernel: "scatter_grad",
            grid: ["cdiv(n, 64)", 1, 1],
            block: [64, 1, 1],
            args: [{ buffer: "grad_out" }, { buffer: "where" }, { buffer: "grad" }, { scalar: "n", type: "int" }, { scalar: "w", type: "int" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.atomic_outputs).toBe(true);
  }, 120_000);
});

describe("structs holding device pointers", () => {
  it("a by-value struct (causal-conv1d's ConvParamsBase, ATen's TensorInfo, numbers only) is passed field by field; one of pointer tables stays C2M-K049", () => {
    const src = `
struct ConvParams { int dim; unsigned int x_stride; void *__restrict__ x_ptr; float* out_ptr; };
struct Plain { int a; float b; };
struct Tables { float** rows; };
__global__ void conv(ConvParams params) { ((float*)params.out_ptr)[threadIdx.x] = params.dim; }
__global__ void scatter(const at::cuda::detail::TensorInfo<int64_t, int> index_info, float* out) { out[0] = index_info.dims; }
__global__ void plain(Plain p, float* out) { out[0] = p.b; }
__global__ void tables(Tables t) { t.rows[0][0] = 1; }
`;
    const r = compileKernels(src, { filename: "structs.cu" });
    expect(r.kernels.map((k) => [k.name, k.params.map((p) => p.name)])).toEqual([
      ["conv", ["params_dim", "params_out_ptr"]],
      ["scatter", ["index_info_dims", "out"]],
      ["plain", ["p_b", "out"]],
    ]);
    const k049 = r.diagnostics.filter((d) => d.code === "C2M-K049");
    expect(k049.map((d) => d.line)).toEqual([8]);
    expect(k049[0]!.message).toMatch(/holds device pointers \(rows\) that c2m cannot pass field by field \(a pointer to pointers/);
    expect(k049[0]!.severity).toBe("error");
  });
});

describe("device code for --verify", () => {
  it("drops torch's names brought in with using", () => {
    const src = ["using at::Half;", "using at::Tensor;", "using phalf = at::Half;", "using real = float;", "__global__ void k(real* x) { x[0] = 1; }"].join("\n");
    const out = deviceOnlySource(src).source.split("\n");
    expect(out.slice(0, 3).every((l) => !l.trim())).toBe(true);
    expect(out[3]).toBe("using real = float;");
    expect(out[4]).toContain("__global__ void k");
  });
});
