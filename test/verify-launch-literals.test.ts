import { describe, expect, it } from "vitest";
import { deviceOnlySource } from "../src/verify/device-code.js";
import { templateInt } from "../src/kernel/verify.js";

describe("what a host launch and a header hand the verifier, as C++ reads them", () => {
  it("a suffixed integer template argument (cuda-samples' mergeSortSharedKernel<1U>) is its value, not NaN", () => {
    expect(templateInt("1U")).toBe(1);
    expect(templateInt("0u")).toBe(0);
    expect(templateInt("256ll")).toBe(256);
    expect(templateInt("0x1F")).toBe(31);
    expect(() => templateInt("sortDir")).toThrow(/not an integer/);
  });

  it('an unused host prototype under extern "C" goes with its linkage, which would otherwise take the next declaration', () => {
    const src = `extern "C" unsigned int\nhostOnly(unsigned int *p, unsigned int n);\nstatic inline __device__ unsigned int twice(unsigned int a) { return 2 * a; }\n__global__ void k(unsigned int *p) { p[0] = twice(p[0]); }\n`;
    const out = deviceOnlySource(src).source;
    expect(out).not.toMatch(/extern "C"/);
    expect(out).toMatch(/static inline __device__ unsigned int twice/);
    expect(out).toMatch(/__global__ void k/);
  });
});
