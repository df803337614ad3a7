// The dual-target modules `c2m kernel` emits: every golden kernel's module, driven through its
// per-kernel wrapper functions exactly as the spec launches the CUDA original, under real MLX on the CPU,
// once down its mx.fast.metal_kernel path (Metal emulator) and once down its mx.fast.cuda_kernel path
// (CUDA emulator, the body wrapped in the signature MLX's CUDA backend generates). Both must reproduce
// the H100 recordings. The same drivers run on a real GPU with `src/verify/python/mlx_gpu_kernels.py`.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { compareArrays, describeMismatch } from "../src/verify/compare.js";
import { normalizeDtype } from "../src/verify/dtypes.js";
import { loadFixture } from "../src/verify/fixtures.js";
import { goldenBuffers } from "../src/verify/golden.js";
import { runPythonWithMetalEmulator, type PyArray } from "../src/verify/python-bridge.js";
import { writeGoldenDrivers } from "../src/verify/wrapper-driver.js";

const drivers = writeGoldenDrivers(mkdtempSync(join(tmpdir(), "c2m-dual-")));

describe.each(["cuda", "metal"] as const)("emitted modules on MLX's %s path reproduce the H100", (backend) => {
  for (const { spec, driver } of drivers) {
    test(spec.name, async () => {
      let compared = 0;
      for (let si = 0; si < spec.sizes.length; si++) {
        const bufs = goldenBuffers(spec, si);
        const args: PyArray[] = spec.buffers.map((b) => ({ data: bufs[b.name]!, dtype: normalizeDtype(b.dtype), shape: [bufs[b.name]!.length] }));
        const run = await runPythonWithMetalEmulator(driver, `run_s${si}`, args, { backend });
        expect(run.calls.length).toBe(spec.launches.length);
        for (const c of run.calls) expect(c.backend === "cuda").toBe(backend === "cuda");
        spec.buffers.forEach((b, i) => {
          if (b.role === "input") return;
          const got = run.returns[i] as PyArray;
          // the harness's tolerance: float32 1e-5 relative (1e-6 absolute), half 1e-3, integers exact
          const c = compareArrays(got.data, loadFixture(spec, si, b.name)!, normalizeDtype(b.dtype));
          expect(c.ok, `${spec.name} ${JSON.stringify(spec.sizes[si])} via ${backend}: ${describeMismatch(b.name, c)}`).toBe(true);
          compared += c.count;
        });
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
});
