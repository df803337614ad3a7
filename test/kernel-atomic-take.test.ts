/**
 * Issue 14: atomics whose result depends on the element's starting value, on a buffer the caller filled. An MLX
 * output is a fresh array, so c2m folded the caller's values in after the launch, which works only for one op
 * with an identity init_value (add, or, xor, max of ints…). For the rest (several kinds on one buffer, as in
 * cuda-samples' simpleAtomicIntrinsics; exch, cas, inc, dec; a compare-exchange loop on a cast word of a float
 * buffer, as in pytorch_scatter's atomics) each atomic first takes its element over from the caller's array
 * (c2m_atomic_take), and the wrapper keeps the caller's value where no atomic touched the element.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

describe("atomics that take their element over from the caller's array", () => {
  it("several atomic kinds on one buffer's elements (simpleAtomicIntrinsics): translated, verified", async () => {
    const src = `
__global__ void mixed(int* g) {
    const unsigned int tid = blockDim.x * blockIdx.x + threadIdx.x;
    atomicAdd(&g[0], 10);
    atomicSub(&g[1], 10);
    atomicExch(&g[2], tid);
    atomicMax(&g[3], tid);
    atomicMin(&g[4], tid);
    atomicInc((unsigned int *)&g[5], 17);
    atomicDec((unsigned int *)&g[6], 137);
    atomicCAS(&g[7], tid - 1, tid);
    atomicAnd(&g[8], 2 * tid + 7);
    atomicOr(&g[9], 1 << (tid % 32));
    atomicXor(&g[10], tid);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "mixed",
        [{ n: 11 }],
        [{ name: "g", dtype: "int32", count: "n + 3", role: "inout", range: "50" }],
        [{ kernel: "mixed", grid: [3, 1, 1], block: [64, 1, 1], args: [{ buffer: "g" }] }],
      ),
    );
    const metal = r.kernels[0]!.spec.source;
    expect(metal).toMatch(/atomic_exchange_explicit\(c2m_atomic_take\(&g\[2\], g, g_touched, g_in\), tid/);
    // the int element seen as unsigned stays atomic
    expect(metal).toMatch(/c2m_atomic_inc\(c2m_atomic_take\(c2m_cast<atomic<uint>>\(&g\[5\]\), g, g_touched, g_in\), uint\(17\)\)/);
    expect(r.kernels[0]!.spec.output_names).toEqual(["g", "g_touched"]);
  }, 120_000);

  it("a compare-exchange loop on a cast word of a float buffer, seeded by a plain read (pytorch_scatter's atomMax): translated, verified", async () => {
    const src = `
__global__ void scatter_max(float* out, const float* x, const int* idx, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int* address_as_i = (int*)&out[idx[i]];
  int old = *address_as_i;
  int assumed;
  do {
    assumed = old;
    old = atomicCAS(address_as_i, assumed, __float_as_int(fmaxf(x[i], __int_as_float(assumed))));
  } while (assumed != old);
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "scatter_max",
        [{ n: 300, m: 37 }],
        [
          { name: "out", dtype: "float32", count: "m", role: "inout" },
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "idx", dtype: "int32", count: "n", role: "input", range: "m - 5" },
        ],
        [
          {
            kernel: "scatter_max",
            grid: ["cdiv(n, 64)", 1, 1],
            block: [64, 1, 1],
            args: [{ buffer: "out" }, { buffer: "x" }, { buffer: "idx" }, { scalar: "n", type: "int" }],
          },
        ],
      ),
    );
    const metal = r.kernels[0]!.spec.source;
    expect(metal).toMatch(/int old = atomic_load_explicit\(c2m_atomic_take\(&\*address_as_i, out, out_touched, out_in\), memory_order_relaxed\);/);
    expect(metal).toMatch(/c2m_atomic_cas\(c2m_atomic_take\(address_as_i, out, out_touched, out_in\), assumed, as_type<int>/);
  }, 120_000);

  it("a plain read that is not a compare-exchange loop's seed is still refused", () => {
    const src = `__global__ void k(int* g) {\n  int v = g[0];\n  atomicExch(&g[1], v + 1);\n}\n`;
    const r = compileKernels(src, { filename: "k.cu" });
    expect(r.refused.length).toBe(1);
  });

  it("a 64-bit exchange is refused, naming what Metal's atomics hold", () => {
    const src = `__global__ void k(unsigned long long* g) {\n  atomicExch(&g[0], 1ull);\n}\n`;
    const r = compileKernels(src, { filename: "k.cu" });
    const e = r.diagnostics.find((d) => d.severity === "error");
    expect(e?.code).toBe("C2M-K007");
    expect(e?.message).toMatch(/64-bit ulong has only min and max/);
  });
});
