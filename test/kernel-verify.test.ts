import { describe, expect, it } from "vitest";
import { compileKernels, type CompiledKernel } from "../src/kernel/index.js";
import { runTranslated, verifyAgainstSpec } from "../src/kernel/verify.js";
import { compareArrays } from "../src/verify/compare.js";
import { normalizeDtype } from "../src/verify/dtypes.js";
import { listGoldenSpecs, loadGoldenSource, loadGoldenSpec, type GoldenSpec } from "../src/verify/golden.js";

function translate(spec: GoldenSpec) {
  const source = loadGoldenSource(spec);
  const compiled = compileKernels(source, { filename: spec.file });
  expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { source, compiled };
}

async function run(spec: GoldenSpec, size: number, mutate?: (k: CompiledKernel) => void) {
  const { source, compiled } = translate(spec);
  return runTranslated(compiled, source, spec, size, { mutate });
}

/**
 * Every golden CUDA kernel, translated to Metal by c2m, runs on the Metal emulator with the launch
 * configuration the emitted Python computes, and matches the CUDA original run on the CUDA emulator
 * on each of the spec's sizes (ragged ones included): floats within 1e-5 relative, ints exactly.
 */
describe("translated golden kernels match CUDA", () => {
  for (const name of listGoldenSpecs()) {
    const spec = loadGoldenSpec(name);
    it(`${name}: ${spec.sizes.length} sizes, and the same result with threads in reverse order`, async () => {
      expect(spec.sizes.length).toBeGreaterThanOrEqual(3);
      const { source, compiled } = translate(spec);
      const report = await verifyAgainstSpec(compiled, source, spec);
      expect(report.ok, report.lines.join("\n")).toBe(true);
      // each written buffer twice: the Metal body, and the CUDA original as mx.fast.cuda_kernel runs it
      expect(report.results.length).toBe(2 * spec.sizes.length * spec.buffers.filter((b) => b.role !== "input").length);
      // order independence: a missing barrier or a race shows up as a different result
      const last = spec.sizes.length - 1;
      const forward = await runTranslated(compiled, source, spec, last);
      const reverse = await runTranslated(compiled, source, spec, last, { reverse: true });
      for (const b of spec.buffers.filter((x) => x.role !== "input")) {
        const c = compareArrays(reverse.metal[b.name]!, forward.metal[b.name]!, normalizeDtype(b.dtype));
        expect(c.ok, `${name} ${b.name} depends on thread order`).toBe(true);
      }
    }, 240_000);
  }

  it("the comparison catches a wrong cuda_kernel body (control: softmax_shared without its barriers)", async () => {
    const spec = loadGoldenSpec("softmax_shared");
    const { source, compiled } = translate(spec);
    const report = await verifyAgainstSpec(compiled, source, spec, {
      mutate: (k) => {
        const wrong = k.cuda.source.replace(/__syncthreads\(\);/g, "");
        expect(wrong).not.toBe(k.cuda.source);
        k.cuda.source = wrong;
      },
    });
    expect(report.results.filter((r) => r.target === "metal").every((r) => r.comparison.ok)).toBe(true);
    expect(report.results.filter((r) => r.target === "cuda_kernel").some((r) => !r.comparison.ok)).toBe(true);
  }, 120_000);

  it("the comparison catches a wrong translation (control: a whole-SIMD-group sum in halfwarp_reduce)", async () => {
    // summing all 32 lanes (simd_sum) instead of each 16-lane half mixes two rows: the check must fail
    const spec = loadGoldenSpec("halfwarp_reduce");
    const { metal, cuda } = await run(spec, 1, (k) => {
      const wrong = k.spec.source.replace(/for \(int offset[^\n]*c2m_shfl_xor[^\n]*/, "v = simd_sum(v);");
      expect(wrong).not.toBe(k.spec.source);
      k.spec.source = wrong;
    });
    expect(compareArrays(metal.sums!, cuda.sums!, "float32").ok).toBe(false);
  }, 120_000);

  it("the comparison catches a wrong translation (control: saxpy without its copy-in of y)", async () => {
    // reading the fresh output instead of the caller's y reads uninitialised memory: the check must fail
    const spec = loadGoldenSpec("saxpy");
    const { metal, cuda } = await run(spec, 1, (k) => {
      const wrong = k.spec.source.replace("y[i] = y_in[i];", "");
      expect(wrong).not.toBe(k.spec.source);
      k.spec.source = wrong;
    });
    expect(compareArrays(metal.y!, cuda.y!, "float32").ok).toBe(false);
  }, 120_000);
});
