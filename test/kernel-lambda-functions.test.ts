import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

/**
 * Lambdas that return a value or name their captures (cuda-samples' shfl_intimage_rows: `[&result](unsigned
 * int idx) -> const uint4 { switch (idx) { ... } }` called inside an assignment) become functions of the
 * kernel's header, their captures leading parameters (emit/metal-lambda.ts).
 */
describe("value-returning lambdas as header functions", () => {
  it("a [&r] capture read through a switch, a by-copy capture, a deduced return: translated, verified, clang-clean", async () => {
    const src = `
struct quad { float4 a, b; };
__global__ void pick(const float4* x, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    quad q;
    q.a = x[2 * i];
    q.b = x[2 * i + 1];
    float scale = 0.5f;
    auto elem = [&q](unsigned int k) -> const float4 {
        switch (k) {
        case 0:
            return q.a;
        case 1:
            return q.b;
        }
        return {};
    };
    auto scaled = [scale, &q](int k) { return (k ? q.b.y : q.a.x) * scale; };
    y[3 * i] = elem(i & 1).z + elem(1).w;
    q.b.y += 1.0f;
    y[3 * i + 1] = scaled(1);
    y[3 * i + 2] = scaled(0) + elem(0).x;
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "pick",
        [{ n: 45 }, { n: 6 }],
        [
          { name: "x", dtype: "float32", count: "8 * n", role: "input" },
          { name: "y", dtype: "float32", count: "3 * n", role: "output" },
        ],
        [{ kernel: "pick", grid: ["cdiv(n, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
      ),
    );
    const k = r.kernels[0]!.spec;
    expect(k.header).toMatch(/inline const float4 c2m_lambda_elem\(thread c2m_C0& q, uint k\)/);
    expect(k.header).toMatch(/inline auto c2m_lambda_scaled\(c2m_C0 scale, thread c2m_C1& q, int k\)/);
    expect(k.source).toMatch(/c2m_lambda_elem\(q, i & 1\)\.z/);
    expect(k.source).not.toMatch(/\[&q\]/);
  }, 120_000);

  it("stays refused, saying why, when the body reads a thread index or a local it does not capture", () => {
    const refusal = (body: string) =>
      compileKernels(`__global__ void k(float* y) {\n  float s = 2.0f;\n  float t = 3.0f;\n  ${body}\n  y[threadIdx.x] = f(1);\n}\n`, { filename: "k.cu" })
        .diagnostics.filter((d) => d.severity === "error")
        .map((d) => `${d.code}:${d.line}: ${d.message}`);
    expect(refusal("auto f = [&s](int a) { return s * a + threadIdx.x; };")).toEqual([
      "C2M-K002:4: lambdas inside kernels are not translated: lambda 'f' reads 'threadIdx', which a Metal header function does not see",
    ]);
    expect(refusal("auto f = [s, y](int a) { return s * a + y[0]; };")[0]).toMatch(/captures 'y', which is not a local variable of the function declared before it/);
    expect(refusal("auto f = [s](int a) { return s * a; };\n  s += 1.0f;")[0]).toMatch(/captures 's' by copy, and 's' changes after the lambda is declared/);
    expect(refusal("auto f = [&s](int a) { return s * a + t; };")[0]).toMatch(/uses 't', a local it does not capture/);
  });
});
