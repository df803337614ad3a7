// The CUDA emulator against real CUDA: every golden kernel, every spec size, compared with the
// outputs recorded on an H100 (golden/kernels/fixtures, see docs/kernel-proof.md). Integers exact;
// floats within 1e-5 relative (nvcc fuses multiply-adds and its expf/erff differ from glibc's in the
// last bits, so bit equality is not expected).
import { describe, expect, test } from "vitest";
import { compareArrays, describeMismatch } from "../src/verify/compare.js";
import { normalizeDtype } from "../src/verify/dtypes.js";
import { loadFixture } from "../src/verify/fixtures.js";
import { listGoldenSpecs, loadGoldenSpec, runGoldenOnCpu } from "../src/verify/golden.js";

describe("CUDA-on-CPU agrees with the H100 recordings", () => {
  for (const name of listGoldenSpecs()) {
    test(name, async () => {
      const spec = loadGoldenSpec(name);
      expect(spec.sizes.length).toBeGreaterThanOrEqual(3);
      let compared = 0;
      for (let si = 0; si < spec.sizes.length; si++) {
        const cpu = await runGoldenOnCpu(spec, si);
        for (const b of spec.buffers.filter((x) => x.role !== "input")) {
          const recorded = loadFixture(spec, si, b.name);
          expect(recorded, `fixture ${name}.s${si}.${b.name}.bin`).toBeDefined();
          const dtype = normalizeDtype(b.dtype);
          const tol = dtype === "float32" ? { rtol: 1e-5, atol: 1e-6 } : dtype === "float16" ? { rtol: 1e-3, atol: 1e-3 } : { rtol: 0, atol: 0 };
          const c = compareArrays(cpu[b.name]!, recorded!, dtype, tol);
          expect(c.ok, `${name} ${JSON.stringify(spec.sizes[si])} ${describeMismatch(b.name, c)}`).toBe(true);
          compared += c.count;
        }
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
});
