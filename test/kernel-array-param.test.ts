/**
 * A device function's array parameter (`const uint32_t pos_grid[D]`, torch-ngp's fast_hash) is a pointer to its
 * element, as C++ adjusts it (passes/kernel/extract.ts parseParams); ATen's scalar types named in device code
 * (`std::is_same<scalar_t, at::Half>::value`) print as Metal's (emit/metal-names.ts).
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { synthesizeSpecs } from "../src/kernel/synth-spec.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";

const src = `#include <type_traits>
template <unsigned D>
__device__ unsigned hash(const unsigned pos[D]) {
  unsigned r = 0;
  for (unsigned i = 0; i < D; ++i) r ^= pos[i] * (2654435761u + i);
  return r;
}
template <typename scalar_t>
__global__ void k(const scalar_t* x, unsigned* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  unsigned p[3];
  for (int d = 0; d < 3; d++) p[d] = (unsigned)(x[i] * 8.0f) + d;
  out[i] = hash<3>(p) + (std::is_same<scalar_t, at::Half>::value ? 1u : 0u);
}
`;

describe("array parameters and ATen scalar types in device code", () => {
  it("an array parameter becomes a pointer; at::Half prints as half; the kernel verifies", async () => {
    const c = compileKernels(src, { filename: "a.cu" });
    expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const k = c.kernels.find((x) => x.name === "k")!;
    const metal = `${k.spec.header}\n${k.spec.source}`;
    expect(metal).not.toMatch(/hash\(uint pos\)/);
    expect(metal).not.toContain("at::Half");
    const [s] = await synthesizeSpecs(c, src, "k");
    expect((await verifyAgainstSpec(c, src, s!.spec)).ok).toBe(true);
  }, 120_000);
});
