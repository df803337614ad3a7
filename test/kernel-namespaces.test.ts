/**
 * Functions of one name in different namespaces stay distinct (passes/kernel/namespaces.ts): SGEMM_CUDA's
 * `wt::loadFromGmem` and `db::loadFromGmem` were one name to the kernel passes, so a kernel reached both
 * (and a third, anonymous-namespace one using libcu++) and Metal got neither namespace.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { mangleNamespaces } from "../passes/kernel/namespaces.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const src = `namespace wt {
template <int B>
__device__ float f(float x) { return x * B; }
}
namespace db {
__device__ float f(float x) { return x + 1.0f; }
__device__ float g(float x) { return f(x) * 2.0f; }
}
namespace {
__device__ float f(float x) { return x - 3.0f; }
}
__global__ void k1(const float* x, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = wt::f<3>(x[i]) + f(x[i]);
}
__global__ void k2(const float* x, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = db::g(x[i]) + ::db::f(x[i]);
}
`;

describe("functions of one name in different namespaces", () => {
  it("renames the namespaced ones apart, and drops the qualifier of the others", () => {
    const { text, renamed } = mangleNamespaces(src);
    expect([...renamed]).toEqual([
      ["wt::f", "wt__f"],
      ["db::f", "db__f"],
    ]);
    expect(text).toContain("__device__ float wt__f(float x)");
    expect(text).toContain("__device__ float g(float x) { return db__f(x) * 2.0f; }");
    expect(text).toContain("y[i] = wt__f<3>(x[i]) + f(x[i]);");
    expect(text).toContain("y[i] = g(x[i]) + db__f(x[i]);");
    // same lines
    expect(text.split("\n").length).toBe(src.split("\n").length);
  });

  it("each kernel's header holds only the functions it reaches", () => {
    const r = compileKernels(src, { filename: "ns.cu" });
    const k1 = r.kernels.find((k) => k.name === "k1")!;
    expect(k1.spec.header).toContain("wt__f");
    expect(k1.spec.header).not.toContain("db__f");
  });

  it("translates and verifies against the original with its namespaces", async () => {
    const s = spec(
      "ns",
      [{ n: 300 }],
      [
        { name: "x", dtype: "float32", count: "n", role: "input" },
        { name: "y", dtype: "float32", count: "n", role: "output" },
      ],
      ["k1", "k2"].map((kernel) => ({ kernel, grid: ["cdiv(n, 128)", 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] })),
    );
    await translatesAndVerifies(src, s);
  }, 60_000);
});
