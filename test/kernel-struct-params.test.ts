/**
 * Struct kernel parameters holding device pointers (passes/kernel/struct-params.ts): ATen's TensorInfo
 * (pytorch_scatter) and a file's Params struct (causal-conv1d's ConvParamsBase) become their fields; what
 * cannot be flattened stays C2M-K049.
 */
import { describe, expect, it } from "vitest";
import { flattenStructParams } from "../passes/kernel/struct-params.js";
import { unfoldTraitsParams } from "../passes/kernel/traits-params.js";
import { preprocessCuda } from "../passes/kernel/preprocess.js";
import { compileKernels } from "../src/kernel/index.js";
import { candidateLaunches, candidateSpec } from "../src/kernel/synth-spec.js";
import { deviceOnlySource } from "../src/verify/device-code.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const TENSOR_INFO_GATHER = `
template <typename scalar_t> struct IndexPtrToOffset {
  static inline __host__ __device__ int
  get(int idx, const at::cuda::detail::TensorInfo<scalar_t, int> &info) {
    int offset = idx % (info.sizes[info.dims - 1] - 1);
    return offset * info.strides[info.dims - 1];
  }
};

__global__ void gather(const float *src,
                       const at::cuda::detail::TensorInfo<int64_t, int> index_info,
                       float *out, int E, int N) {
  int row = blockIdx.x * blockDim.x + threadIdx.x;
  if (row < E) {
    int offset = at::cuda::detail::IndexToOffset<int64_t, int, -1>::get(
        row, index_info);
    int at = index_info.data[offset];
    out[row] = src[(row / index_info.sizes[index_info.dims - 1]) * N + at] + IndexPtrToOffset<int64_t>::get(row + 1, index_info);
  }
}

void launch(float* s, at::cuda::detail::TensorInfo<int64_t, int> info, float* o, int E, int N) {
  gather<<<(E + 127) / 128, 128>>>(s, info, o, E, N);
}
`;

describe("a struct parameter holding device pointers becomes its fields", () => {
  it("ATen's TensorInfo: data, sizes, strides, dims; in device functions, IndexToOffset and launches; lines kept", () => {
    const r = flattenStructParams(TENSOR_INFO_GATHER);
    expect(r.text.split("\n").length).toBe(TENSOR_INFO_GATHER.split("\n").length);
    expect(r.text).toContain("get(int idx, const int* info_sizes, const int* info_strides, int info_dims) {");
    expect(r.text).toContain("int64_t* index_info_data, const int* index_info_sizes, const int* index_info_strides, int index_info_dims,");
    expect(r.text).toContain("int offset = c2m_index_to_offset_int(\n        row, index_info_sizes, index_info_strides, index_info_dims);");
    // the device function is given only the fields it reads
    expect(r.text).toContain("IndexPtrToOffset<int64_t>::get(row + 1, index_info_sizes, index_info_strides, index_info_dims)");
    expect(r.text).toContain("gather<<<(E + 127) / 128, 128>>>(s, info.data, info.sizes, info.strides, info.dims, o, E, N);");
    // the helper sits on a blank line: no line or column of the source moves
    const lines = r.text.split("\n");
    expect(lines.findIndex((l) => l.startsWith("__device__ inline int c2m_index_to_offset_int("))).toBe(8);
    expect(r.flattened).toEqual([
      {
        kernel: "gather",
        param: "index_info",
        type: "at::cuda::detail::TensorInfo<int64_t, int>",
        pieces: [
          { name: "index_info_data" },
          { name: "index_info_sizes", synth: { fill: "size" } },
          { name: "index_info_strides", synth: { fill: 1 } },
          { name: "index_info_dims", synth: { scalar: 1 } },
        ],
      },
    ]);
  });

  it("a file's struct: fields of its base class, member type aliases, a nested TensorInfo, only the fields read", () => {
    const src = `
struct Base { using index_t = unsigned int; int batch; index_t x_stride; float* __restrict__ x_ptr; float* unused_ptr; };
struct Params : public Base { float* out_ptr; at::cuda::detail::TensorInfo<float, int> w; };
__global__ void k(Params params) {
  int i = threadIdx.x;
  params.out_ptr[i] = params.x_ptr[i * params.x_stride] + params.w.data[params.w.strides[0] * i];
}
`;
    const r = flattenStructParams(src);
    expect(r.text).toContain("__global__ void k(unsigned int params_x_stride, float* params_x_ptr, float* params_out_ptr, float* params_w_data, const int* params_w_strides) {");
    expect(r.text).toContain("params_out_ptr[i] = params_x_ptr[i * params_x_stride] + params_w_data[params_w_strides[0] * i];");
  });

  it("a device function called with a local struct keeps its struct parameter, and so does the kernel passing it one", () => {
    const src = `
struct P { float* x; int n; };
__device__ float first(const P& p) { return p.x[0]; }
__global__ void k(P params, float* out) { P local = params; out[0] = first(local) + first(params); }
__global__ void j(P q, float* out) { out[0] = q.x[q.n]; }
`;
    const r = flattenStructParams(src);
    expect(r.text).toContain("__device__ float first(const P& p)");
    expect(r.text).toContain("__global__ void k(P params, float* out)");
    expect(r.text).toContain("__global__ void j(float* q_x, int q_n, float* out) { out[0] = q_x[q_n]; }");
  });

  it("translates, and the synthesised launch fills the TensorInfo coherently; verified against a spec too", async () => {
    const r = await translatesAndVerifies(
      TENSOR_INFO_GATHER,
      spec(
        "gather",
        [{ E: 300, N: 40 }],
        [
          { name: "src", dtype: "float32", count: "E * N", role: "input" },
          { name: "data", dtype: "int64", count: "E", role: "input", range: "N" },
          { name: "sizes", dtype: "int32", count: 1, role: "input", fill: 300 },
          { name: "strides", dtype: "int32", count: 1, role: "input", fill: 1 },
          { name: "out", dtype: "float32", count: "E", role: "output" },
        ],
        [
          {
            kernel: "gather",
            grid: ["cdiv(E, 128)", 1, 1],
            block: [128, 1, 1],
            args: [
              { buffer: "src" },
              { buffer: "data" },
              { buffer: "sizes" },
              { buffer: "strides" },
              { scalar: 1, type: "int" },
              { buffer: "out" },
              { scalar: "E", type: "int" },
              { scalar: "N", type: "int" },
            ],
          },
        ],
      ),
    );
    const k = r.kernels[0]!;
    expect(k.params.map((p) => p.name)).toEqual(["src", "index_info_data", "index_info_sizes", "index_info_strides", "index_info_dims", "out", "E", "N"]);
    expect(r.python).toMatch(
      /index_info_data, index_info_sizes, index_info_strides, index_info_dims: the fields of CUDA's index_info \(at::cuda::detail::TensorInfo<int64_t, int>\)/,
    );
    const s = candidateSpec(k, candidateLaunches(k, r.source)[0]!, {});
    expect(s.buffers.filter((b) => /sizes|strides/.test(b.name)).map((b) => b.fill)).toEqual([64, 1]);
    expect(s.launches[0]!.args[4]).toEqual({ scalar: 1, type: "int" });
  }, 120_000);

  it("what cannot be flattened stays C2M-K049: a pointer to pointers, an array of pointers, the struct used whole", () => {
    const src = `
struct Tables { float** rows; int n; };
struct Many { float* ptrs[4]; int n; };
struct Ok { float* p; int n; };
__device__ void touch(Ok* o) { o->p[0] = 1; }
__global__ void a(Tables t) { t.rows[0][0] = t.n; }
__global__ void b(Many m) { m.ptrs[1][0] = m.n; }
__global__ void c(Ok o) { touch(&o); }
`;
    const r = compileKernels(src, { filename: "structs.cu" });
    const k049 = r.diagnostics.filter((d) => d.code === "C2M-K049");
    expect(k049.map((d) => d.line)).toEqual([6, 7, 8]);
    expect(k049[1]!.message).toMatch(/'m' of type 'Many' .*\(ptrs\)/);
    expect(r.kernels).toEqual([]);
  });
});

describe("what pytorch_scatter's headers need", () => {
  it("an explicit conversion-operator call is the cast it stands for", () => {
    const src = "__device__ at::Half f(const at::Half var, unsigned d) { return __shfl_up_sync(0xffffffff, var.operator __half(), d); }";
    expect(preprocessCuda(src, "u.cuh", { include: () => undefined }).text).toContain("__shfl_up_sync(0xffffffff, static_cast<__half>(var), d)");
  });

  it("--verify's device code keeps a file-scope macro call that declares device code (ATOMIC(Add)), not one that declares host code", () => {
    const src = [
      "#define ATOMIC(NAME) template <typename T> struct Atomic##NAME##Impl { inline __device__ void operator()(T* a, T v) { *a += v; } };",
      "#define HOSTY(NAME) int NAME##_count = count();",
      "ATOMIC(Add)",
      "HOSTY(c)",
      "__global__ void k(float* x) { AtomicAddImpl<float>()(x, 1.f); }",
    ].join("\n");
    const out = deviceOnlySource(src).source.split("\n");
    expect(out[2]).toBe("ATOMIC(Add)");
    expect(out[3]!.trim()).toBe("");
  });
});

const CONV_UPDATE = `
struct ConvParamsBase {
    using index_t = uint32_t;
    int batch, dim, seqlen, width;
    index_t x_batch_stride;
    index_t out_batch_stride;
    void *__restrict__ x_ptr;
    void *__restrict__ weight_ptr;
    void *__restrict__ out_ptr;
};

template<int kNThreads_, int kWidth_, typename input_t_>
struct Conv_traits {
    using input_t = input_t_;
    static constexpr int kNThreads = kNThreads_;
    static constexpr int kWidth = kWidth_;
    static constexpr int kNBytes = sizeof(input_t);
};

template<typename Ktraits>
__global__ __launch_bounds__(Ktraits::kNThreads)
void conv_update(ConvParamsBase params) {
    constexpr int kWidth = Ktraits::kWidth;
    using input_t = typename Ktraits::input_t;
    const int channel = blockIdx.x * Ktraits::kNThreads + threadIdx.x;
    if (channel >= params.dim) return;
    input_t *x = reinterpret_cast<input_t *>(params.x_ptr) + channel * params.x_batch_stride;
    input_t *out = reinterpret_cast<input_t *>(params.out_ptr) + channel * params.out_batch_stride;
    const float *w = (const float *)params.weight_ptr;
    float acc = 0.f;
    for (int i = 0; i < kWidth; ++i) acc += w[i] * float(x[i]);
    out[0] = input_t(acc);
}
`;

describe("causal-conv1d's shape: a traits template parameter, void* fields read through casts", () => {
  it("the kernel takes the traits' own template parameters; Ktraits::X becomes X's definition; lines kept", () => {
    const out = unfoldTraitsParams(CONV_UPDATE);
    expect(out.split("\n").length).toBe(CONV_UPDATE.split("\n").length);
    expect(out).toContain("template<int kNThreads_, int kWidth_, typename input_t_>\n__global__ __launch_bounds__((kNThreads_))");
    expect(out).toContain("constexpr int kWidth = (kWidth_);");
    expect(out).toContain("using input_t = input_t_;");
    expect(out).toContain("blockIdx.x * (kNThreads_) + threadIdx.x;");
    // a kernel passing the traits on as a template argument stays as written
    const passed =
      "template <int N_> struct T { static constexpr int N = N_; };\ntemplate <typename K> __device__ int n() { return K::N; }\ntemplate <typename K> __global__ void k(int* o) { o[0] = K::N + n<K>(); }";
    expect(unfoldTraitsParams(passed)).toBe(passed);
  });

  it("a void* field cast to one type is a piece of that type, the casts the piece itself; translates and verifies", async () => {
    const flat = flattenStructParams(unfoldTraitsParams(CONV_UPDATE)).text;
    expect(flat).toContain(
      "void conv_update(int params_dim, uint32_t params_x_batch_stride, uint32_t params_out_batch_stride, input_t_* params_x_ptr, const float* params_weight_ptr, input_t_* params_out_ptr) {",
    );
    expect(flat).toContain("input_t *x = params_x_ptr + channel * params_x_batch_stride;");
    expect(flat).toContain("const float *w = params_weight_ptr;");
    const r = await translatesAndVerifies(
      CONV_UPDATE,
      spec(
        "conv_update",
        [{ C: 200 }],
        [
          { name: "x", dtype: "float32", count: "C * 4", role: "input" },
          { name: "w", dtype: "float32", count: 4, role: "input" },
          { name: "out", dtype: "float32", count: "C", role: "output" },
        ],
        [
          {
            kernel: "conv_update",
            templateArgs: ["64", "4", "float"],
            grid: ["cdiv(C, 64)", 1, 1],
            block: [64, 1, 1],
            args: [{ scalar: "C", type: "int" }, { scalar: 4, type: "unsigned int" }, { scalar: 1, type: "unsigned int" }, { buffer: "x" }, { buffer: "w" }, { buffer: "out" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.templateParams.map((t) => `${t.kind} ${t.name}`)).toEqual(["int kNThreads_", "int kWidth_", "type input_t_"]);
  }, 120_000);
});

describe("enums of the file (pytorch_scatter's ReductionType)", () => {
  const src = `
enum ReductionType { SUM, MEAN, MUL, DIV, MIN, MAX };
template <typename scalar_t, ReductionType REDUCE>
__global__ void reduce2(const scalar_t* x, scalar_t* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = REDUCE == SUM ? x[i] + x[i] : (REDUCE == MAX ? x[i] : -x[i]);
}
`;
  it("an enum a kernel names a value of goes into both headers; an enum template parameter is an int for MLX; verified by name", async () => {
    const r = await translatesAndVerifies(
      src,
      spec(
        "reduce2",
        [{ n: 100 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "out", dtype: "float32", count: "n", role: "output" },
        ],
        ["SUM", "MAX", "DIV"].map((v) => ({
          kernel: "reduce2",
          templateArgs: ["float", v],
          grid: [1, 1, 1] as [number, number, number],
          block: [128, 1, 1] as [number, number, number],
          args: [{ buffer: "x" }, { buffer: "out" }, { scalar: "n", type: "int" }],
        })),
      ),
    );
    const k = r.kernels[0]!;
    expect(k.spec.header).toContain("enum ReductionType { SUM, MEAN, MUL, DIV, MIN, MAX };");
    expect(k.cuda.header).toContain("enum ReductionType { SUM, MEAN, MUL, DIV, MIN, MAX };");
    expect(k.templateParams[1]).toEqual({ name: "REDUCE", kind: "int", type: "ReductionType", enumValues: { SUM: 0, MEAN: 1, MUL: 2, DIV: 3, MIN: 4, MAX: 5 } });
    expect(candidateSpec(k, candidateLaunches(k, r.source)[0]!, {}).launches[0]!.templateArgs).toEqual(["float", "SUM"]);
  }, 120_000);

  it("a scoped enum template parameter stays C2M-K045 (an int does not compare with its values)", () => {
    const r = compileKernels(src.replace("enum ReductionType", "enum class ReductionType").replace(/\b(SUM|MAX)\b(?! *,)/g, "ReductionType::$1"), { filename: "e.cu" });
    expect(r.diagnostics.map((d) => d.code)).toContain("C2M-K045");
  });
});
