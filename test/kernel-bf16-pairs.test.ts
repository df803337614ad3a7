import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

/**
 * bfloat16 pair intrinsics (llm.c's layernorm_backward `__halves2bfloat162`): Metal has bfloat and its
 * 2-vectors on Apple GPUs, so each maps onto `vec<bfloat16_t, 2>` construction, components and as_type.
 * An atomic on a 16-bit float whose address is computed through an integer stays refused (C2M-K044): Metal's
 * atomic<T> has no half or bfloat, and c2m's compare-exchange on 32-bit words needs an element of a buffer
 * (test/kernel-atomic16.test.ts).
 */
describe("bfloat16 pair intrinsics", () => {
  it("build, split, swap and reinterpret pairs as Metal's vec<bfloat16_t, 2>, and verify", async () => {
    const src = `
#include <cuda_bf16.h>
__global__ void pairs(const __nv_bfloat16* a, const __nv_bfloat16* b, __nv_bfloat162* out, float* sums, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    __nv_bfloat162 p = __halves2bfloat162(a[i], b[i]);
    __nv_bfloat162 q = __lowhigh2highlow(p);
    __nv_bfloat162 one = __halves2bfloat162(__ushort_as_bfloat16(0x3f80), __float2bfloat16(2.0f));
    __nv_bfloat162 r = __lows2bfloat162(q, one);
    float2 f = __bfloat1622float2(__highs2bfloat162(p, r));
    out[i] = __floats2bfloat162_rn(__bfloat162float(__low2bfloat16(r)) + f.x, __bfloat162float(__high2bfloat16(__low2bfloat162(p))) * f.y);
    sums[i] = (float)__bfloat16_as_ushort(__high2bfloat16(one)) + __bfloat162float(__high2bfloat16(__high2bfloat162(q)));
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "pairs",
        [{ n: 40 }, { n: 7 }],
        [
          { name: "a", dtype: "bfloat16", count: "n", role: "input" },
          { name: "b", dtype: "bfloat16", count: "n", role: "input" },
          { name: "out", dtype: "bfloat16", count: "2 * n", role: "output" },
          { name: "sums", dtype: "float32", count: "n", role: "output" },
        ],
        [
          {
            kernel: "pairs",
            grid: ["cdiv(n, 32)", 1, 1],
            block: [32, 1, 1],
            args: [{ buffer: "a" }, { buffer: "b" }, { buffer: "out" }, { buffer: "sums" }, { scalar: "n", type: "int" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/vec<bfloat16_t, 2>\(/);
    expect(r.kernels[0]!.spec.source).not.toMatch(/__halves2bfloat162|__lowhigh2highlow/);
  }, 120_000);

  it("an atomic on a bfloat16 pair at an address computed through an integer is refused as K044, naming Metal's atomic types", () => {
    const src = `
#include <cuda_bf16.h>
__device__ void addPair(__nv_bfloat16* addr, __nv_bfloat16 val) {
    __nv_bfloat162* p = reinterpret_cast<__nv_bfloat162*>(reinterpret_cast<uintptr_t>(addr) & ~uintptr_t(0x3));
    atomicAdd(p, __halves2bfloat162(val, __ushort_as_bfloat16(0)));
}
__global__ void k(__nv_bfloat16* y, const __nv_bfloat16* x) { addPair(&y[2 * threadIdx.x], x[threadIdx.x]); }
`;
    const r = compileKernels(src, { filename: "k.cu" });
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => `${d.code}:${d.line}`)).toEqual(["C2M-K044:5"]);
    expect(errors[0]!.message).toMatch(/atomic<T> holds only 32-bit int, uint and float.*this address is not an element of a buffer/);
    expect(r.refused.map((x) => x.name)).toEqual(["k"]);
  });
});
