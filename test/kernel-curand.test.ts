/**
 * cuRAND's XORWOW generator, started with curand_init(seed, subsequence, 0, &state) and drawn with curand and
 * curand_uniform, is translated exactly (a subsequence through jump matrices c2m computes, emit/metal-curand-jump.ts) (emit/metal-curand.ts); the CUDA emulator draws the same stream
 * (src/verify/include/stubs/curand_kernel.h). What c2m cannot reproduce is refused with why.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";
import type { GoldenSpec } from "../src/verify/golden.js";
import { xorwowPowerOfTwo, xorwowStep } from "../emit/metal-curand-jump.js";

const draws = `#include <curand_kernel.h>
__global__ void draws(float* u, unsigned* bits, int n, unsigned long long seed) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  curandState state;
  curand_init(seed, 0, 0, &state);
  // each thread skips i draws of the one stream, then keeps a uniform and a raw draw
  for (int k = 0; k < i % 7; ++k) curand(&state);
  if (i < n) {
    u[i] = curand_uniform(&state);
    bits[i] = curand(&state);
  }
}
`;

const spec = (seed: number): GoldenSpec =>
  ({
    name: "draws",
    sizes: [{ n: 100 }],
    buffers: [
      { name: "u", dtype: "float32", count: "n", role: "output" },
      { name: "bits", dtype: "uint32", count: "n", role: "output" },
    ],
    launches: [
      {
        kernel: "draws",
        grid: [2, 1, 1],
        block: [64, 1, 1],
        args: [{ buffer: "u" }, { buffer: "bits" }, { scalar: "n", type: "int" }, { scalar: seed, type: "unsigned long long" }],
      },
    ],
  }) as unknown as GoldenSpec;

describe("cuRAND's XORWOW generator", () => {
  it("a local state from curand_init(seed, 0, 0, &state): translated with the helper, and its draws agree with the CUDA emulator's", async () => {
    const c = compileKernels(draws, { filename: "draws.cu" });
    expect(c.refused).toEqual([]);
    const k = c.kernels[0]!;
    expect(k.spec.header).toContain("struct curandStateXORWOW { uint d; uint v[5]; };");
    expect(k.spec.source).toContain("curand_init(seed, 0, 0, &state);");
    // the CUDA original as mx.fast.cuda_kernel gets it includes cuRAND's header
    expect(k.cuda.header).toContain("#include <curand_kernel.h>");
    for (const seed of [0, 1234, 2 ** 40 + 7]) {
      const rep = await verifyAgainstSpec(c, draws, spec(seed));
      expect(rep.ok, rep.lines.join("\n")).toBe(true);
    }
  }, 120_000);

  it("a generator changed by one constant disagrees: the comparison sees the stream", async () => {
    const c = compileKernels(draws, { filename: "draws.cu" });
    c.kernels[0]!.spec.header = c.kernels[0]!.spec.header.replace("362437u", "362439u");
    const rep = await verifyAgainstSpec(c, draws, spec(99));
    expect(rep.ok).toBe(false);
  }, 120_000);

  it("the jump matrices are the step's powers: M^(2^10) moves a state as 1024 steps do", () => {
    const m = xorwowPowerOfTwo(10);
    const v = Uint32Array.from([0x12345678, 0x9abcdef0, 0x0badf00d, 0xdeadbeef, 0x31415926]);
    const jumped = new Uint32Array(5);
    for (let k = 0; k < 160; k++) if ((v[k >>> 5]! >>> (k & 31)) & 1) for (let j = 0; j < 5; j++) jumped[j] ^= m[k * 5 + j]!;
    for (let i = 0; i < 1024; i++) xorwowStep(v);
    expect([...jumped]).toEqual([...v]);
  });

  it("a subsequence per thread, curand_init(seed, i, 0, &state): the jump table, and draws that agree with the CUDA emulator's", async () => {
    const src = draws.replace("curand_init(seed, 0, 0, &state);", "curand_init(seed, i, 0, &state);").replace("for (int k = 0; k < i % 7; ++k) curand(&state);", "");
    const c = compileKernels(src, { filename: "draws.cu" });
    expect(c.refused).toEqual([]);
    const k = c.kernels[0]!;
    expect(k.spec.source).toContain("c2m_curand_init_sequence(seed, i, &state);");
    expect(k.spec.header).toMatch(/constant uint c2m_xorwow_jump\[51200\]/);
    const rep = await verifyAgainstSpec(c, src, spec(77));
    expect(rep.ok, rep.lines.join("\n")).toBe(true);
  }, 300_000);

  it("a state kept in a buffer, an offset, and cuRAND's other distributions are refused, each saying why", () => {
    const refusal = (body: string, params = "float* y, int n, unsigned long long seed") => {
      const r = compileKernels(`#include <curand_kernel.h>\n__global__ void k(${params}) {\n  int i = threadIdx.x;\n${body}\n}\n`, { filename: "k.cu" });
      return r.diagnostics
        .filter((d) => d.severity === "error")
        .map((d) => d.message)
        .join("\n");
    };
    expect(refusal("  y[i] = curand_uniform(&states[i]);", "float* y, curandState* states")).toMatch(
      /curand_uniform: c2m translates cuRAND's XORWOW generator only for a state that is a local/,
    );
    expect(refusal("  curandState s;\n  curand_init(seed, 0, i, &s);\n  y[i] = curand_uniform(&s);")).toMatch(/curand_init\(seed, 0, i, \.\.\.\) starts at an offset other than 0/);
    expect(refusal("  curandState s;\n  curand_init(seed, 0, 0, &s);\n  y[i] = curand_normal(&s);")).toMatch(
      /curand_normal: c2m translates cuRAND's default XORWOW generator .* none of cuRAND's other generators/,
    );
    expect(refusal("  curandStatePhilox4_32_10_t s;\n  curand_init(seed, 0, 0, &s);\n  y[i] = curand_uniform(&s);")).toMatch(
      /curandStatePhilox4_32_10_t: c2m translates cuRAND's default XORWOW generator/,
    );
  });
});
