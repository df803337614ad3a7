/**
 * Issue 14, pytorch_scatter's Reducer kernels: what c2m refused (C2M-K002, an output pointer handed to
 * `Reducer<scalar_t, REDUCE>::write`), closed at its mechanisms and shown on small kernels of the same shape:
 * - a struct's static __device__ member functions become free functions the buffer analysis follows
 *   (passes/kernel/static-members.ts);
 * - a macro that declares structs and functions, used at file scope (atomics.cuh's `ATOMIC(Add)`), is expanded,
 *   with chained `##` pastes and the function-like macros defined at that point (its `OP(X, Y)`);
 * - a file's own overload of a CUDA shuffle (utils.cuh's `__shfl_down_sync` on at::Half) keeps the intrinsic's
 *   other overloads in Metal: a float shuffled through the file's half overload lost its precision (the 1e-3
 *   difference a hand test of segment_csr saw was this, not half rounding).
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { hoistStaticMembers } from "../passes/kernel/static-members.js";
import { preprocessCuda } from "../passes/kernel/preprocess.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const REDUCER = `
enum ReductionType { SUM, MEAN, MAX };
template <typename scalar_t, ReductionType REDUCE> struct Reducer {
  static inline __host__ __device__ scalar_t init() {
    if (REDUCE == MAX) return (scalar_t)-1e30;
    return (scalar_t)0;
  }
  static inline __host__ __device__ void update(scalar_t *val, scalar_t new_val) {
    if (REDUCE == MAX) { if (new_val > *val) *val = new_val; }
    else *val = *val + new_val;
  }
  static inline __device__ void write(scalar_t *address, scalar_t val, int count) {
    if (REDUCE == MEAN) *address = val / (scalar_t)(count > 0 ? count : 1);
    else *address = val;
  }
};
`;

const SEGMENT = `${REDUCER}
template <typename scalar_t, ReductionType REDUCE>
__global__ void segment_kernel(const scalar_t *src, const int *indptr, scalar_t *out, int N) {
  int row = blockIdx.x * blockDim.x + threadIdx.x;
  if (row < N) {
    scalar_t val = Reducer<scalar_t, REDUCE>::init();
    for (int e = indptr[row]; e < indptr[row + 1]; e++) Reducer<scalar_t, REDUCE>::update(&val, src[e]);
    Reducer<scalar_t, REDUCE>::write(out + row, val, indptr[row + 1] - indptr[row]);
  }
}
`;

describe("a struct's static member functions", () => {
  it("become free function templates after the struct, the device calls spelled for them, the lines mapped back", () => {
    const r = hoistStaticMembers(SEGMENT);
    expect([...r.hoisted.values()]).toEqual(["Reducer__init", "Reducer__update", "Reducer__write"]);
    expect(r.text).toContain("template <typename scalar_t, ReductionType REDUCE> inline __device__ void Reducer__write(scalar_t *address, scalar_t val, int count) {");
    expect(r.text).toContain("Reducer__write<scalar_t, REDUCE>(out + row, val, indptr[row + 1] - indptr[row]);");
    expect(r.text).toContain("scalar_t val = Reducer__init<scalar_t, REDUCE>();");
    // the struct stays (host code may call it); each added line points at its member's line
    expect(r.text).toContain("struct Reducer {");
    const lines = r.text.split("\n");
    const at = lines.findIndex((l) => l.includes("Reducer__write(scalar_t *address"));
    expect(SEGMENT.split("\n")[r.lineOf[at]!]).toContain("static inline __device__ void write(");
  });

  it("a sibling member called unqualified inside a member is the sibling's free function", () => {
    const src = `template <typename T> struct Acc {
  static __device__ T zero() { return (T)0; }
  static __device__ void reset(T *p) { *p = zero(); }
};
template <typename T> __global__ void k(T *y) { Acc<T>::reset(y + threadIdx.x); }
`;
    expect(hoistStaticMembers(src).text).toContain("*p = Acc__zero<T>();");
  });

  it("a struct whose member reads a data member, or a specialised struct, stays as written (and is refused at the call)", () => {
    const data = `struct Scale { float s; static __device__ void put(float *p, float v) { *p = v * s_default; } static constexpr float s_default = 2.f; };
__global__ void k(float *y) { Scale::put(y + threadIdx.x, 1.f); }
`;
    expect(hoistStaticMembers(data).hoisted.size).toBe(0);
    expect(compileKernels(data, { filename: "data.cu" }).refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K002"]);
    const specialised = `template <typename T> struct W { static __device__ void put(T *p, T v) { *p = v; } };
template <> struct W<int> { static __device__ void put(int *p, int v) { *p = v + 1; } };
__global__ void k(float *y) { W<float>::put(y + threadIdx.x, 1.f); }
`;
    expect(hoistStaticMembers(specialised).hoisted.size).toBe(0);
  });

  it("the output handed to Reducer::write is an output of the kernel; verified for SUM, MEAN and MAX", async () => {
    for (const reduce of ["SUM", "MEAN", "MAX"]) {
      const r = await translatesAndVerifies(
        SEGMENT,
        spec(
          `segment_${reduce}`,
          [{ N: 64, E: 300 }],
          [
            { name: "src", dtype: "float32", count: "E", role: "input" },
            { name: "indptr", dtype: "int32", count: "N + 1", role: "input", range: 5 },
            { name: "out", dtype: "float32", count: "N", role: "output" },
          ],
          [
            {
              kernel: "segment_kernel",
              templateArgs: ["float", reduce],
              grid: [1, 1, 1],
              block: [64, 1, 1],
              args: [{ buffer: "src" }, { buffer: "indptr" }, { buffer: "out" }, { scalar: "N", type: "int" }],
            },
          ],
        ),
      );
      expect(r.kernels[0]!.params.find((p) => p.name === "out")!.role).toBe("output");
    }
  }, 240_000);
});

describe("a declaring macro used at file scope", () => {
  it("expands on its line, pasting each ## and expanding the OP it is given at that point", () => {
    const src = `#define ATOMIC(NAME) \\
  template <typename scalar> struct Atomic##NAME##Impl { \\
    inline __device__ void operator()(scalar *a, scalar v) { *a = OP(v, *a); } \\
  };
#define OP(X, Y) Y + X
ATOMIC(Add)
#undef OP
#define OP(X, Y) max(Y, X)
ATOMIC(Max)
#undef OP
int x;`;
    const lines = preprocessCuda(src, "a.cu").text.split("\n");
    expect(lines.length).toBe(src.split("\n").length);
    expect(lines[5]).toBe("template <typename scalar> struct AtomicAddImpl { inline __device__ void operator()(scalar *a, scalar v) { *a = *a + v; } };");
    expect(lines[8]).toContain("struct AtomicMaxImpl {");
    expect(lines[8]).toContain("*a = max(*a, v);");
  });

  it("a macro call inside a function body, or a macro without braces, is left to the compiler", () => {
    const src = `#define TWICE(x) ((x) * 2)
#define DECL(N) struct N { int v; };
__device__ int f(int a) {
  DECL(Inner)
  return TWICE(a);
}`;
    const out = preprocessCuda(src, "b.cu").text;
    expect(out).toContain("  DECL(Inner)");
    expect(out).toContain("return TWICE(a);");
  });
});

describe("a file's overload of a CUDA shuffle", () => {
  const src = `
#define SHFL_DOWN_SYNC __shfl_down_sync
__device__ __inline__ __half __shfl_down_sync(const unsigned mask, const __half var, const unsigned int delta) {
  return __shfl_down_sync(mask, (float)var, delta);
}
__global__ void warp_sum(const float *x, float *y) {
  float v = x[threadIdx.x];
  for (int i = 16; i > 0; i /= 2) v += SHFL_DOWN_SYNC(0xffffffff, v, i);
  if (threadIdx.x == 0) y[0] = v;
}
`;
  it("keeps CUDA's own overloads beside it: a float is shuffled as a float; verified", async () => {
    const r = await translatesAndVerifies(
      src,
      spec(
        "warp_sum",
        [{ n: 32 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "y", dtype: "float32", count: "1", role: "output" },
        ],
        [{ kernel: "warp_sum", grid: [1, 1, 1], block: [32, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.header).toMatch(/template <typename T> inline T __shfl_down_sync\(uint mask, T var, uint delta\)/);
  }, 120_000);
});

describe("the CUDA original's device code (src/verify/device-code.ts)", () => {
  it("keeps an explicit specialisation over c10's Half, named by its template, which the emulator defines", async () => {
    const { deviceOnlySource } = await import("../src/verify/device-code.js");
    const src = `template <typename scalar, size_t size> struct AddImpl;
template <> struct AddImpl<at::Half, 2> { inline __device__ void operator()(at::Half *a, at::Half v) { *a = (float)*a + (float)v; } };
template <typename scalar> struct AddImpl<scalar, 4> { inline __device__ void operator()(scalar *a, scalar v) { *a += v; } };
static inline __device__ void atomAdd(at::Half *a, at::Half v) { AddImpl<at::Half, sizeof(at::Half)>()(a, v); }
__global__ void k(float *y) { AddImpl<float, 4>()(y, 1.f); }
`;
    const d = deviceOnlySource(src);
    expect(d.source).toContain("template <> struct AddImpl<at::Half, 2>");
    expect(d.dropped.join("\n")).not.toMatch(/Half, 2>/);
  });
});
