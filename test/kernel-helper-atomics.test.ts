/**
 * Issue 14: pytorch_scatter's atomics sit three helper calls deep (`Reducer<scalar_t, REDUCE>::atomic_write` →
 * `atomMax(float *, float)` → `AtomicMaxDecimalImpl<float, sizeof(float)>()(address, val)`, a partially specialised
 * function-object struct whose operator is a compare-exchange loop on the element's 32-bit word). The struct called
 * at once becomes the free function of the specialisation its arguments pick (passes/kernel/functor-structs.ts); the
 * kernel takes over, at the call, the element whose address it hands the helper chain, which touches only that
 * element (passes/kernel/helper-take.ts); the loops on 8-bit elements go through the aligned 32-bit word holding them.
 */
import { describe, expect, it } from "vitest";
import { callFunctorsDirectly } from "../passes/kernel/functor-structs.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const FUNCTORS = `
template <typename scalar, size_t size> struct AtomicMaxImpl;
template <typename scalar> struct AtomicMaxImpl<scalar, 4> {
  inline __device__ void operator()(scalar *address, scalar val) {
    int *address_as_i = (int *)address;
    int old = *address_as_i;
    int assumed;
    do {
      assumed = old;
      old = atomicCAS(address_as_i, assumed, __float_as_int(fmaxf(val, __int_as_float(assumed))));
    } while (assumed != old);
  }
};
template <> struct AtomicMaxImpl<double, 8> {
  inline __device__ void operator()(double *address, double val) {
    unsigned long long *a = (unsigned long long *)address;
    atomicCAS(a, *a, __double_as_longlong(val));
  }
};
static inline __device__ void atomMax(float *address, float val) { AtomicMaxImpl<float, sizeof(float)>()(address, val); }
static inline __device__ void atomMax(double *address, double val) { AtomicMaxImpl<double, sizeof(double)>()(address, val); }
static inline __device__ void atomMax(int *address, int val) { atomicMax(address, val); }
`;

describe("atomics in helpers a kernel hands an address into an in-place buffer", () => {
  it("a function-object struct called at once: the specialisation its known arguments pick, as a free function", () => {
    const out = callFunctorsDirectly(FUNCTORS);
    expect(out).toMatch(/template <typename scalar> inline __device__ void AtomicMaxImpl__scalar_4\(scalar \*address, scalar val\)/);
    expect(out).toMatch(/inline __device__ void AtomicMaxImpl__double_8\(double \*address, double val\)/);
    expect(out).toMatch(/atomMax\(float \*address, float val\) \{ AtomicMaxImpl__scalar_4<float>\(address, val\); \}/);
    expect(out).toMatch(/atomMax\(double \*address, double val\) \{ AtomicMaxImpl__double_8\(address, val\); \}/);
    // lines do not move
    expect(out.split("\n").length).toBe(FUNCTORS.split("\n").length);
  });

  it("a family also named elsewhere than in a call of it (an object passed to a kernel) keeps its structs", () => {
    const src = `template <typename T, int N> struct F;
template <typename T> struct F<T, 4> { __device__ void operator()(T* p, T v) { *p = v; } };
__device__ void g(float* p) { F<float, 4>()(p, 1.f); }
template <typename Op> __global__ void k(Op op, float* p) { op(p, 1.f); }
void host(float* p) { k<<<1, 1>>>(F<float, 4>(), p); }
`;
    expect(callFunctorsDirectly(src)).toBe(src);
  });

  it("max through a template helper, overloads and a partially specialised CAS loop, on a float and an int element: translated, verified", async () => {
    const src = `${FUNCTORS}
template <typename scalar_t> __device__ void write_max(scalar_t *address, scalar_t val) { atomMax(address, val); }

template <typename scalar_t>
__global__ void scatter_max(const scalar_t *src, const int *index, scalar_t *out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) write_max(out + index[i], src[i]);
}
`;
    const launch = (t: string, s: string, o: string) => ({
      kernel: "scatter_max",
      templateArgs: [t],
      grid: ["cdiv(n, 64)", 1, 1] as [string, number, number],
      block: [64, 1, 1] as [number, number, number],
      args: [{ buffer: s }, { buffer: "index" }, { buffer: o }, { scalar: "n", type: "int" }],
    });
    const r = await translatesAndVerifies(
      src,
      spec(
        "scatter_max",
        [{ n: 300, m: 37 }],
        [
          { name: "src_f", dtype: "float32", count: "n", role: "input" },
          { name: "src_i", dtype: "int32", count: "n", role: "input", range: "1000" },
          { name: "index", dtype: "int32", count: "n", role: "input", range: "m - 5" },
          { name: "out_f", dtype: "float32", count: "m", role: "inout" },
          { name: "out_i", dtype: "int32", count: "m", role: "inout", range: "1000" },
        ],
        [launch("float", "src_f", "out_f"), launch("int", "src_i", "out_i")],
      ),
    );
    const metal = r.kernels[0]!.spec.source;
    // the element is taken over at the call, the helpers applying the atomics to it
    expect(metal).toMatch(/write_max\(c2m_atomic_take\(out \+ index\[i\], out, out_touched, out_in\), src\[i\]\)/);
    expect(r.kernels[0]!.spec.header).toMatch(/AtomicMaxImpl__scalar_4<float>\(address, val\)/);
    // the double overload is the float one in Metal: dropped, said
    expect(r.diagnostics.some((d) => d.code === "C2M-K011" && /over double is not carried/.test(d.message))).toBe(true);
    expect(r.python).toMatch(/if scalar_t not in \(mx\.float32, mx\.int32, mx\.uint32\):/);
  }, 180_000);

  it("an add on a byte through the aligned 32-bit word holding it (a CAS loop with shifts and masks): translated, verified", async () => {
    const src = `
__device__ void atomAddByte(uint8_t *address, uint8_t val) {
  uint32_t *address_as_ui = (uint32_t *)(address - ((size_t)address & 3));
  uint32_t old = *address_as_ui;
  uint32_t shift = ((size_t)address & 3) * 8;
  uint32_t sum;
  uint32_t assumed;
  do {
    assumed = old;
    sum = val + uint8_t((old >> shift) & 0xff);
    old = (old & ~(0x000000ff << shift)) | (sum << shift);
    old = atomicCAS(address_as_ui, assumed, old);
  } while (assumed != old);
}

__global__ void byte_histogram(unsigned int *words, const int *bin, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) atomAddByte((uint8_t *)words + bin[i], (uint8_t)1);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "byte_histogram",
        [{ n: 200, m: 16 }],
        [
          { name: "words", dtype: "uint32", count: "m", role: "inout", range: "1000" },
          { name: "bin", dtype: "int32", count: "n", role: "input", range: "4 * m - 3" },
        ],
        [{ kernel: "byte_histogram", grid: ["cdiv(n, 64)", 1, 1], block: [64, 1, 1], args: [{ buffer: "words" }, { buffer: "bin" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/atomAddByte\(c2m_atomic_take\(/);
  }, 180_000);

  it("a helper that reaches past the element it is given is refused, naming it (no take-over at the call)", async () => {
    const { compileKernels } = await import("../src/kernel/index.js");
    const src = `
__device__ void cas_next(int *p, int v) { auto q = p; atomicCAS(q + 1, 0, v); }
__global__ void k(int *g, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) cas_next(g + i, i);
}
`;
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.refused.length).toBe(1);
    expect(r.refused[0]!.diagnostic.code).toBe("C2M-K007");
    expect(r.refused[0]!.diagnostic.message).toMatch(/applied by 'cas_next'.*may reach other elements/);
  });
});
