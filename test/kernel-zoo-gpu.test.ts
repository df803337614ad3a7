// The CUDA emulator against real CUDA for the kernel zoo: every corpus kernel with a spec
// (test/corpus/specs), every size, compared with the outputs its original recorded on an NVIDIA GPU
// (test/corpus/fixtures, bench/kernel-zoo-gpu.ts). Integers exact; float32 within 1e-5 relative (nvcc
// fuses multiply-adds, its expf/tanhf differ from glibc's in the last bits); bfloat16 within its
// rounding step (1/128), since one float32 ulp can move a rounding (GPU_TOLERANCE).
import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { compareArrays, describeMismatch } from "../src/verify/compare.js";
import { runCudaLaunches } from "../src/verify/cuda.js";
import { normalizeDtype } from "../src/verify/dtypes.js";
import { goldenBuffers, goldenLaunches } from "../src/verify/golden.js";
import { GPU_TOLERANCE, loadZooFixture, specDeviceSource, zooFixturesDir, zooSpecs } from "../bench/kernel-zoo-gpu.js";
import { deviceOnlySource } from "../bench/kernel-zoo-device.js";

test("the GPU drivers' device code keeps a `using` alias a kept template names (llm.c's reduction_func_t)", () => {
  const src = `using reduction_func_t = float (*)(float);
using unused_t = int;
__device__ float warpReduceSum(float v) { return v; }
template <reduction_func_t f> __device__ float blockReduce(float v) { return f(v); }
__global__ void k(float* out) { out[0] = blockReduce<warpReduceSum>(out[0]); }
`;
  const d = deviceOnlySource(src, new Set(["k"]));
  expect(d).toContain("using reduction_func_t = float (*)(float);");
  expect(d).not.toContain("unused_t");
});

describe.skipIf(!existsSync(zooFixturesDir()))("the CUDA emulator reproduces the corpus kernels' GPU recordings", () => {
  const cases = zooSpecs();
  test("every spec has recordings", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    const missing = cases.filter((c) => c.spec.sizes.some((_, si) => c.spec.buffers.some((b) => b.role !== "input" && !loadZooFixture(c.spec, si, b.name))));
    expect(missing.map((c) => c.spec.name)).toEqual([]);
  });
  for (const c of cases) {
    test(
      c.spec.name,
      async () => {
        const source = await specDeviceSource(c);
        let compared = 0;
        for (let si = 0; si < c.spec.sizes.length; si++) {
          const cpu = await runCudaLaunches(source, goldenLaunches(c.spec, si), goldenBuffers(c.spec, si), { deviceCodeOnly: false }); // already device code only (kernel-zoo-device.ts)
          for (const b of c.spec.buffers.filter((x) => x.role !== "input")) {
            const recorded = loadZooFixture(c.spec, si, b.name)!;
            const dtype = normalizeDtype(b.dtype);
            const r = compareArrays(cpu[b.name]!, recorded, dtype, b.gpuOrder ?? GPU_TOLERANCE[dtype] ?? { rtol: 0, atol: 0 });
            expect(r.ok, `${c.spec.name} ${JSON.stringify(c.spec.sizes[si])} ${describeMismatch(b.name, r)}`).toBe(true);
            compared += r.count;
          }
        }
        expect(compared).toBeGreaterThan(0);
      },
      120_000,
    );
  }
});
