import { describe, expect, it } from "vitest";
import { listGoldenSpecs, loadGoldenSpec } from "../src/verify/golden.js";
import { compareBuffers, runTranslated } from "./kernel-golden-run.js";

/**
 * Every golden CUDA kernel, translated to Metal by c2m, runs on the Metal emulator with the launch
 * configuration the emitted Python computes, and matches the CUDA original run on the CUDA emulator
 * on each of the spec's sizes (ragged ones included): floats within 1e-5 relative, ints exactly.
 */
describe("translated golden kernels match CUDA", () => {
  for (const name of listGoldenSpecs()) {
    const spec = loadGoldenSpec(name);
    it(`${name}: ${spec.sizes.length} sizes`, async () => {
      expect(spec.sizes.length).toBeGreaterThanOrEqual(3);
      for (let s = 0; s < spec.sizes.length; s++) {
        const { metal, cuda } = await runTranslated(spec, s);
        for (const b of spec.buffers.filter((x) => x.role !== "input")) {
          const { worst, index } = compareBuffers(metal[b.name]!, cuda[b.name]!, b.dtype);
          const tol = b.dtype === "float16" || b.dtype === "bfloat16" ? 1e-3 : /float/.test(b.dtype) ? 1e-5 : 0;
          expect(worst, `${name} size ${JSON.stringify(spec.sizes[s])} buffer ${b.name} at ${index}`).toBeLessThanOrEqual(tol);
        }
      }
    }, 240_000);
  }

  it("the comparison catches a wrong translation (control: a whole-SIMD-group sum in halfwarp_reduce)", async () => {
    // summing all 32 lanes (simd_sum) instead of each 16-lane half mixes two rows: the check must fail
    const spec = loadGoldenSpec("halfwarp_reduce");
    const { metal, cuda } = await runTranslated(spec, 1, (k) => {
      const wrong = k.spec.source.replace(/for \(int offset[^\n]*c2m_shfl_xor[^\n]*/, "v = simd_sum(v);");
      expect(wrong).not.toBe(k.spec.source);
      k.spec.source = wrong;
    });
    expect(compareBuffers(metal.sums!, cuda.sums!, "float32").worst).toBeGreaterThan(1e-3);
  }, 120_000);

  it("the comparison catches a wrong translation (control: saxpy without its copy-in of y)", async () => {
    // reading the fresh output instead of the caller's y reads uninitialised memory: the check must fail
    const spec = loadGoldenSpec("saxpy");
    const { metal, cuda } = await runTranslated(spec, 1, (k) => {
      const wrong = k.spec.source.replace("y[i] = y_in[i];", "");
      expect(wrong).not.toBe(k.spec.source);
      k.spec.source = wrong;
    });
    expect(compareBuffers(metal.y!, cuda.y!, "float32").worst).toBeGreaterThan(1e-3);
  }, 120_000);
});
