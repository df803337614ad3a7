/**
 * Issue 14, causal-conv1d's gaps (kern27): a class template defined through explicit specialisations used as a
 * type trait (`BytesToType<16>::Type`), CUB's BlockLoad/BlockStore (the blocked arrangement, guarded), constexpr
 * helpers (nvcc's relaxed constexpr) with std::min/std::max, `if constexpr` on a local constexpr name of a bool
 * template parameter, stores into outputs MLX makes atomic, and the ownership proof for strided views.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { specialiseConstexprIf } from "../passes/kernel/constexpr-if.js";
import { preprocessCuda } from "../passes/kernel/preprocess.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const BYTES_TO_TYPE = `
template<int BYTES> struct BytesToType {};
template<> struct BytesToType<16> {
    using Type = uint4;
    static_assert(sizeof(Type) == 16);
};
template<> struct BytesToType<4> {
    using Type = uint32_t;
    static_assert(sizeof(Type) == 4);
};
`;

describe("class templates defined through explicit specialisations", () => {
  it("BytesToType<4 * N>::Type picks the specialisation at instantiation: uint4 copies and uint copies verify", async () => {
    const src = `${BYTES_TO_TYPE}
template <int N>
__global__ void copy_vec(const float* x, float* y, int n) {
    using vec_t = typename BytesToType<4 * N>::Type;
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i * N < n) reinterpret_cast<vec_t*>(y)[i] = reinterpret_cast<const vec_t*>(x)[i];
}
`;
    const launch = (n: string) => ({
      kernel: "copy_vec",
      templateArgs: [n],
      grid: [`cdiv(n, 64 * ${n})`, 1, 1] as [string, number, number],
      block: [64, 1, 1] as [number, number, number],
      args: [{ buffer: "x" }, { buffer: n === "4" ? "y4" : "y1" }, { scalar: "n", type: "int" }],
    });
    const r = await translatesAndVerifies(
      src,
      spec(
        "copy_vec",
        [{ n: 256 }, { n: 64 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "y4", dtype: "float32", count: "n", role: "output" },
          { name: "y1", dtype: "float32", count: "n", role: "output" },
        ],
        [launch("4"), launch("1")],
      ),
    );
    const k = r.kernels[0]!.spec;
    expect(k.header).toContain("template<> struct BytesToType<16> {");
    // MSL (C++14) asks static_assert for a message
    expect(k.header).toContain('static_assert(sizeof(Type) == 16, "");');
    expect(k.header).toContain("using Type = uint;");
  });

  it("a partial specialisation (Packed<T, 4>) is carried too, and picks float4 copies", async () => {
    const src = `
template <typename T, int N> struct Packed { using Type = T; static constexpr int kWidth = 1; };
template <typename T> struct Packed<T, 4> { using Type = float4; static constexpr int kWidth = 4; };
template <int N>
__global__ void widen(const float* x, float* y, int n) {
    using P = Packed<float, N>;
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i * P::kWidth < n) reinterpret_cast<typename P::Type*>(y)[i] = reinterpret_cast<const typename P::Type*>(x)[i];
}
`;
    const launch = (n: string, y: string) => ({
      kernel: "widen",
      templateArgs: [n],
      grid: [`cdiv(n, 64 * ${n})`, 1, 1] as [string, number, number],
      block: [64, 1, 1] as [number, number, number],
      args: [{ buffer: "x" }, { buffer: y }, { scalar: "n", type: "int" }],
    });
    const r = await translatesAndVerifies(
      src,
      spec(
        "widen",
        [{ n: 256 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "y4", dtype: "float32", count: "n", role: "output" },
          { name: "y1", dtype: "float32", count: "n", role: "output" },
        ],
        [launch("4", "y4"), launch("1", "y1")],
      ),
    );
    expect(r.kernels[0]!.spec.header).toContain("template <typename T> struct Packed<T, 4> { using Type = float4;");
  });

  it("the preprocessor follows file-scope aliases, not a class's member alias", () => {
    const out = preprocessCuda(`${BYTES_TO_TYPE}\ntypedef float real;\n__global__ void k(real* y) { y[0] = 1; }\n`, "k.cu").text;
    expect(out).toContain("using Type = uint4;");
    expect(out).toContain("static_assert(sizeof(Type) == 16);");
    expect(out).toContain("__global__ void k(float* y)");
  });
});

const CUB_IO = `
#include <cub/block/block_load.cuh>
#include <cub/block/block_store.cuh>
template <int kNThreads, int kNItems>
__global__ void scale_tile(const float* x, float* y, float* z, int n) {
    typedef cub::BlockLoad<float, kNThreads, kNItems, cub::BLOCK_LOAD_WARP_TRANSPOSE> LoadT;
    using StoreT = cub::BlockStore<float, kNThreads, kNItems, cub::BLOCK_STORE_WARP_TRANSPOSE>;
    extern __shared__ char smem_[];
    auto& smem_load = reinterpret_cast<typename LoadT::TempStorage&>(smem_);
    auto& smem_store = reinterpret_cast<typename StoreT::TempStorage&>(smem_);
    const int tile = kNThreads * kNItems;
    const int base = blockIdx.x * tile;
    float items[2 * kNItems] = {0};
    LoadT(smem_load).Load(x + base, *reinterpret_cast<float (*)[kNItems]>(&items[kNItems]), n - base);
    __syncthreads();
    float out[kNItems];
    for (int i = 0; i < kNItems; ++i) out[i] = 2.f * items[kNItems + i] + items[i];
    StoreT(smem_store).Store(y + base, out, n - base);
    // the striped arrangement, named in place: thread t holds elements t, t + kNThreads, ...
    float striped[kNItems];
    cub::BlockLoad<float, kNThreads, kNItems, cub::BLOCK_LOAD_STRIPED>().Load(x + base, striped, n - base, -1.f);
    cub::BlockStore<float, kNThreads, kNItems, cub::BLOCK_STORE_DIRECT>().Store(z + base, reinterpret_cast<float (&)[kNItems]>(striped), n - base);
}
`;

describe("CUB block loads and stores", () => {
  it("BlockLoad/BlockStore (warp-transpose, striped and direct, guarded, with an out-of-bounds default) translate and verify", async () => {
    const r = await translatesAndVerifies(
      CUB_IO,
      spec(
        "scale_tile",
        [{ n: 512 }, { n: 301 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "y", dtype: "float32", count: "n", role: "output" },
          { name: "z", dtype: "float32", count: "n", role: "output" },
        ],
        [
          {
            kernel: "scale_tile",
            templateArgs: ["64", "4"],
            grid: ["cdiv(n, 256)", 1, 1],
            block: [64, 1, 1],
            sharedBytes: 1024,
            args: [{ buffer: "x" }, { buffer: "y" }, { buffer: "z" }, { scalar: "n", type: "int" }],
          },
        ],
      ),
    );
    const k = r.kernels[0]!.spec;
    expect(k.source).toContain("LoadT(smem_load, thread_index_in_threadgroup).Load(");
    expect(k.source).toContain("c2m_cub::BlockLoad<float, kNThreads, kNItems, c2m_cub::BLOCK_LOAD_STRIPED>(thread_index_in_threadgroup).Load(");
    // the reference and array views keep their address space
    expect(k.source).toContain("(*c2m_cast<typename LoadT::TempStorage>(&(smem_)))");
    expect(k.source).toContain("*c2m_cast<float[kNItems]>(&items[kNItems])");
    // y and z are written (outputs), x only read
    expect(r.python).toContain(`output_names=["y", "z"]`);
  });

  it("a CUB name c2m does not map (BlockScan) stays C2M-K042", () => {
    const r = compileKernels(
      `#include <cub/cub.cuh>\n__global__ void k(int* y) {\n  typedef cub::BlockScan<int, 64> Scan;\n  __shared__ typename Scan::TempStorage s;\n  int v = y[threadIdx.x];\n  Scan(s).ExclusiveSum(v, v);\n  y[threadIdx.x] = v;\n}\n`,
      { filename: "scan.cu" },
    );
    expect(r.diagnostics.find((d) => d.code === "C2M-K042")?.message).toMatch(/BlockScan/);
  });
});

describe("constexpr helpers and if constexpr on local names", () => {
  it("constexpr functions (std::min, std::max over an initializer_list) are carried into Metal and a local constexpr bool picks the copy", async () => {
    const src = `
#include <algorithm>
#include <initializer_list>
template <typename T> constexpr T constexpr_min(T a, T b) { return std::min(a, b); }
constexpr size_t custom_max(std::initializer_list<size_t> ilist) { return std::max(ilist); }
template <int kN, bool kTwice_>
__global__ void fill(float* y, int n) {
    static constexpr bool kTwice = kTwice_;
    constexpr int kPer = constexpr_min(kN, 4);
    constexpr int kPad = custom_max({sizeof(float), 2 * sizeof(short), size_t(kPer)});
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    if constexpr (kTwice) { y[i] = 2.f * kPer + kPad; } else { y[i] = float(kPer - kPad); }
}
`;
    const copies = specialiseConstexprIf(src).copies;
    expect([...copies.keys()]).toEqual(["fill__c2m_kTwice__false", "fill__c2m_kTwice__true"]);
    const launch = (twice: string, y: string) => ({
      kernel: "fill",
      templateArgs: ["8", twice],
      grid: ["cdiv(n, 64)", 1, 1] as [string, number, number],
      block: [64, 1, 1] as [number, number, number],
      args: [{ buffer: y }, { scalar: "n", type: "int" }],
    });
    const r = await translatesAndVerifies(
      src,
      spec(
        "fill",
        [{ n: 100 }],
        [
          { name: "a", dtype: "float32", count: "n", role: "output" },
          { name: "b", dtype: "float32", count: "n", role: "output" },
        ],
        [launch("true", "a"), launch("false", "b")],
      ),
    );
    const header = r.kernels.map((k) => k.spec.header).join("\n");
    expect(header).toContain("inline constexpr T constexpr_min(T a, T b)");
    expect(header).toContain("inline constexpr size_t custom_max(const thread size_t (&ilist)[c2m_N])");
    expect(header).toContain("return c2m_cmax(ilist);");
    expect(r.kernels.map((k) => k.spec.source).join("\n")).not.toContain("if constexpr");
  });
});

describe("stores into outputs MLX makes atomic", () => {
  it("a 16-byte store of other elements and a same-type cast under atomicAdd, in a kernel whose outputs are all atomic", async () => {
    const src = `
__global__ void sums(const float* x, float* y, float* total, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (4 * i + 3 < n) {
        float4 v = reinterpret_cast<const float4*>(x)[i];
        v.x *= 2.f;
        *reinterpret_cast<float4*>(y + 4 * i) = v;
        atomicAdd(&reinterpret_cast<float*>(total)[0], v.x + v.y + v.z + v.w);
    }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "sums",
        [{ n: 256 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "y", dtype: "float32", count: "n", role: "output" },
          { name: "total", dtype: "float32", count: "1", role: "output" },
        ],
        [{ kernel: "sums", grid: ["cdiv(n, 256)", 1, 1], block: [64, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { buffer: "total" }, { scalar: "n", type: "int" }] }],
      ),
    );
    const k = r.kernels[0]!.spec;
    expect(k.source).toContain("atomic_fetch_add_explicit(&(total)[0]");
    expect(k.source).toMatch(/\*c2m_cast<float4>\(y \+ 4 \* i\) = v;/);
  });
});

const STRIDED = `
__global__ void shift_state(float* state, const float* x, const int* rows, int dim, int len, int s_b, int s_c, int s_l) {
    const int c = blockIdx.y * 64 + threadIdx.x;
    if (c >= dim) return;
    const int row = rows[blockIdx.x];
    float* st = state + row * s_b + c * s_c;
    for (int i = 0; i < len - 1; ++i) st[i * s_l] = st[(i + 1) * s_l];
    st[(len - 1) * s_l] = x[blockIdx.x * dim + c];
}
`;

describe("ownership of strided views", () => {
  it("state[row * s_b + c * s_c + i * s_l] updated in place: (row, c) tells the threads apart, so it verifies as an in-place buffer", async () => {
    await translatesAndVerifies(
      STRIDED,
      spec(
        "shift_state",
        [{ B: 1, D: 100, L: 5 }],
        [
          { name: "state", dtype: "float32", count: "2 * D * L", role: "inout" },
          { name: "x", dtype: "float32", count: "B * D", role: "input" },
          { name: "rows", dtype: "int32", count: "B", role: "input", fill: 1 },
        ],
        [
          {
            kernel: "shift_state",
            grid: ["B", "cdiv(D, 64)", 1],
            block: [64, 1, 1],
            args: [
              { buffer: "state" },
              { buffer: "x" },
              { buffer: "rows" },
              { scalar: "D", type: "int" },
              { scalar: "L", type: "int" },
              { scalar: "D * L", type: "int" },
              { scalar: "L", type: "int" },
              { scalar: 1, type: "int" },
            ],
          },
        ],
      ),
    );
  });

  it("a view whose shared coordinates leave out a grid coordinate the kernel reads stays C2M-K007", () => {
    const r = compileKernels(STRIDED.replace("float* st = state + row * s_b + c * s_c;", "float* st = state + c * s_c;"), { filename: "s.cu" });
    expect(r.diagnostics.find((d) => d.code === "C2M-K007")).toBeDefined();
  });
});
