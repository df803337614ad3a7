/**
 * A synthesised launch the GPU would refuse is not kept: a float4 load from rows of K floats faults as a misaligned
 * address on the GPU at K = 37 (SGEMM_CUDA's vectorised kernels, llm.c's x128 ones), and the CUDA emulator now faults
 * there too (emu_runtime.cpp, the UBSan alignment handler), so synthesis keeps only the sizes the GPU runs
 * (src/kernel/synth-spec.ts: a fault rejects the candidate).
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { synthesizeSpecs, SYNTH_SIZES } from "../src/kernel/synth-spec.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";

const src = `
__global__ void rowsum4(const float* A, float* out, int M, int K) {
  int row = blockIdx.x * blockDim.x + threadIdx.x;
  if (row >= M) return;
  float s = 0.f;
  for (int k = 0; k + 4 <= K; k += 4) {
    float4 v = reinterpret_cast<const float4*>(&A[row * K + k])[0];
    s += v.x + v.y + v.z + v.w;
  }
  out[row] = s;
}
__global__ void rowsum(const float* A, float* out, int M, int K) {
  int row = blockIdx.x * blockDim.x + threadIdx.x;
  if (row >= M) return;
  float s = 0.f;
  for (int k = 0; k < K; k++) s += A[row * K + k];
  out[row] = s;
}
`;

describe("synthesised launches keep to sizes the GPU can run", () => {
  const c = compileKernels(src, { filename: "case.cu" });

  it("a float4 row walk is synthesised at the power-of-two size only (K = 37 is a misaligned address), and verifies", async () => {
    expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const specs = await synthesizeSpecs(c, src, "rowsum4");
    expect(specs.map((s) => s.spec.sizes)).toEqual([[{ S: SYNTH_SIZES[0] }]]);
    expect((await verifyAgainstSpec(c, src, specs[0]!.spec)).ok).toBe(true);
  }, 180_000);

  it("the same walk by scalar loads keeps the ragged size too", async () => {
    const specs = await synthesizeSpecs(c, src, "rowsum");
    expect(specs.map((s) => s.spec.sizes)).toEqual(SYNTH_SIZES.map((S) => [{ S }]));
  }, 180_000);
});
