import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

/**
 * Overload-level reachability (llm.c's layernorm_backward_kernel3, pytorch_scatter's atomAdd family): a kernel
 * template reaches the overload of a helper its calls resolve to for its template arguments, not every
 * function of the name, so an overload that does not translate (an atomic on a 16-bit float, C2M-K044) is a
 * C2M-K047 warning and a static_assert that stops only the instantiations calling it.
 */
const overloads = `
#include <cuda_bf16.h>
__device__ void addX(__nv_bfloat16* addr, __nv_bfloat16 val) {
    uintptr_t ptr_val = reinterpret_cast<uintptr_t>(addr);
    __nv_bfloat162* p = reinterpret_cast<__nv_bfloat162*>(ptr_val & ~uintptr_t(0x3));
    atomicAdd(p, (ptr_val & 0x3) ? __halves2bfloat162(__ushort_as_bfloat16(0), val) : __halves2bfloat162(val, __ushort_as_bfloat16(0)));
}
__device__ void addX(float* addr, float val) { atomicAdd(addr, val); }
`;

describe("overload-level reachability", () => {
  it("a kernel template translates, its untranslatable overload is K047 and a static_assert, and the float instantiation verifies", async () => {
    const src = `${overloads}
template <typename T>
__global__ void acc(T* y, const T* x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) addX(&y[i % 4], x[i]);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "acc",
        [{ n: 300 }, { n: 77 }],
        [
          { name: "y", dtype: "float32", count: "4", role: "output" },
          { name: "x", dtype: "float32", count: "n", role: "input" },
        ],
        [{ kernel: "acc", templateArgs: ["float"], grid: [3, 1, 1], block: [128, 1, 1], args: [{ buffer: "y" }, { buffer: "x" }, { scalar: "n", type: "int" }] }],
      ),
    );
    const warnings = r.diagnostics.filter((d) => d.code === "C2M-K047");
    expect(warnings.map((d) => d.line)).toEqual([3]);
    expect(warnings[0]!.message).toMatch(
      /overload '__device__ void addX\(__nv_bfloat16\* addr, __nv_bfloat16 val\)'.*C2M-K044 atomicAdd on 'p', a __nv_bfloat162.*\(line 6\).*kernel 'acc' is translated/,
    );
    const header = r.kernels[0]!.spec.header;
    expect(header).toMatch(/static_assert\(c2m_never<c2m_P0>::value, "c2m: C2M-K044 atomicAdd on 'p'/);
    // an atomic output's element (atomic<float>) still picks the float* overload
    expect(header).toMatch(/c2m_same<c2m_element<c2m_P0>, float>/);
  }, 180_000);

  it("a kernel that is no template still refuses: its call resolves to the overload whatever the launch", () => {
    const src = `${overloads}
__global__ void acc(__nv_bfloat16* y, const __nv_bfloat16* x) { addX(&y[threadIdx.x], x[threadIdx.x]); }
`;
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code}:${d.line}`)).toEqual(["C2M-K044:6"]);
    expect(r.diagnostics.some((d) => d.code === "C2M-K047")).toBe(false);
    expect(r.refused.map((x) => x.name)).toEqual(["acc"]);
  });

  it("an error in an overload's signature is not deferred: Metal declares every overload", () => {
    const src = `
using fn_t = float (*)(float);
template <fn_t op> __device__ void put(float* y, float v) { *y = op(v); }
__device__ void put(int* y, int v) { *y = v; }
template <typename T>
__global__ void k(T* y) { put(&y[threadIdx.x], T(1)); }
`;
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual(["C2M-K045"]);
    expect(r.diagnostics.some((d) => d.code === "C2M-K047")).toBe(false);
    expect(r.refused.map((x) => x.name)).toEqual(["k"]);
  });

  it("the only function of its name is not deferred: Metal would instantiate it for every call", () => {
    const src = `
#include <cuda_bf16.h>
__device__ void addX(__nv_bfloat16* addr, __nv_bfloat16 val) {
    atomicAdd(reinterpret_cast<__nv_bfloat162*>(reinterpret_cast<uintptr_t>(addr) & ~uintptr_t(3)), __halves2bfloat162(val, val));
}
template <typename T>
__global__ void acc(T* y, const T* x) { addX(&y[threadIdx.x], x[threadIdx.x]); }
`;
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual(["C2M-K044"]);
    expect(r.refused.map((x) => x.name)).toEqual(["acc"]);
  });
});

describe("what a call to an overloaded helper does with a buffer", () => {
  it("is what any of its overloads does: the launch's template arguments pick one", () => {
    const src = `
__device__ void put(float* p, float v) { *p = v; }
__device__ void put(int* p, int v) { (void)p; (void)v; }
template <typename T>
__global__ void k(T* y, const T* x) { put(&y[threadIdx.x], x[threadIdx.x]); }
`;
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.refused).toEqual([]);
    // the last overload alone (int*) would leave y unwritten: an input, the float instantiation's writes lost
    expect(r.kernels[0]!.params.map((p) => [p.name, p.role])).toEqual([
      ["y", "output"],
      ["x", "input"],
    ]);
  });
});

describe("a helper template over an enum of the file", () => {
  it("takes the kernel's enum template argument (an int in Metal, as MLX passes the kernel's) and verifies", async () => {
    const src = `
enum Op { ADD, MUL };
template <typename T, Op OP> __device__ T combine(T a, T b) { return OP == MUL ? a * b : a + b; }
template <typename T, Op OP>
__global__ void k(const T* x, T* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = combine<T, OP>(x[i], T(3));
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "k",
        [{ n: 100 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "y", dtype: "float32", count: "n", role: "output" },
        ],
        [{ kernel: "k", templateArgs: ["float", "MUL"], grid: [1, 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.header).toMatch(/template <typename T, int OP>\ninline T combine\(T a, T b\)/);
  }, 120_000);
});

describe("a buffer handed to a struct's member function", () => {
  const struct = `
template <typename T> struct Acc {
  static __device__ void write(T* out, T v) { *out = v * v; }
  static __device__ T read(const T* in) { return in[0]; }
};
`;
  it("is followed into the member, which becomes a free function (passes/kernel/static-members.ts): an output", () => {
    const src = `${struct}
template <typename T>
__global__ void k(const T* x, T* y) { Acc<T>::write(y + threadIdx.x, x[threadIdx.x]); }
`;
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.kernels[0]!.params.find((p) => p.name === "y")!.role).toBe("output");
    expect(r.kernels[0]!.spec.header).toContain("Acc__write");
  });

  it("is refused (K002) where the member uses its struct beyond its template parameters, not taken for an unwritten input", () => {
    const src = `
template <typename T> struct Acc {
  T scale;
  static __device__ void write(T* out, T v) { *out = v * scale; }
};
template <typename T>
__global__ void k(const T* x, T* y) { Acc<T>::write(y + threadIdx.x, x[threadIdx.x]); }
`;
    const r = compileKernels(src, { filename: "k.cu" });
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => `${d.code}:${d.line}`)).toEqual(["C2M-K002:7"]);
    expect(errors[0]!.message).toMatch(/'y \+ threadIdx\.x' \(buffer 'y'\) is passed to 'Acc<T>::write', a member function of struct 'Acc'/);
    expect(r.refused.map((x) => x.name)).toEqual(["k"]);
  });

  it("is not refused where the member takes it as a const pointer (only read through)", () => {
    const src = `${struct}
template <typename T>
__global__ void k(const T* x, T* y) { y[threadIdx.x] = Acc<T>::read(x + threadIdx.x); }
`;
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.code === "C2M-K002")).toEqual([]);
  });
});
