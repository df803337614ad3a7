import { describe, expect, it } from "vitest";
import { evaluate, specialiseConstexprIf } from "../passes/kernel/constexpr-if.js";
import { kernelFor } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

/**
 * `if constexpr` on a bool template parameter (llm.c's matmul_backward_bias_kernel8/9): one kernel per value,
 * each with only its branch (passes/kernel/constexpr-if.ts), under the kernel's name, a launch running the
 * copy its template arguments pick.
 */
describe("if constexpr on bool template parameters", () => {
  it("evaluates conditions of bool parameters and leaves anything else alone", () => {
    expect(evaluate("!Atomic", { Atomic: false })).toBe(true);
    expect(evaluate("A && (B || !A)", { A: true, B: false })).toBe(false);
    expect(evaluate("sizeof(T) == 2", { A: true })).toBeUndefined();
    const src = "template <class T, bool A>\n__global__ void k(T* y) {\n  if constexpr (!A) { y[0] = 1; }\n  else { y[1] = 2; }\n}\n";
    const r = specialiseConstexprIf(src);
    expect([...r.copies.keys()]).toEqual(["k__c2m_A_false", "k__c2m_A_true"]);
    // every copy keeps the template's lines, the other branch blanked
    expect(r.text.split("\n").length).toBe(src.split("\n").length * 2 - 1);
    expect(r.lineOf.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(r.text).toMatch(/void k__c2m_A_false\(T\* y\) \{\n {2}\s+\{ y\[0\] = 1; \}\n\s+\n\}/);
    expect(specialiseConstexprIf("template <class T>\n__global__ void k(T* y) {\n  if constexpr (sizeof(T) == 2) { y[0] = 1; }\n}\n").copies.size).toBe(0);
  });

  it("an in-place branch and an atomic branch: one translation each, both verified through the kernel's name", async () => {
    const src = `
#include <type_traits>
template <typename OutFloat, bool Atomic>
__global__ void col_sums(OutFloat* sums, const float* x, int R, int C, std::bool_constant<Atomic>) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    float a = 0.0f;
    for (int r = blockIdx.y; r < R; r += gridDim.y) a += x[r * C + c];
    if constexpr (!Atomic) {
        sums[c] = (OutFloat)(a + (float)sums[c]);
    } else {
        atomicAdd(sums + c, a);
    }
}
`;
    const launch = (buffer: string, type: string, atomic: boolean, rows: number) => ({
      kernel: "col_sums",
      templateArgs: [type, String(atomic)],
      grid: ["cdiv(C, 32)", rows, 1] as [string, number, number],
      block: [32, 1, 1] as [number, number, number],
      args: [{ buffer }, { buffer: "x" }, { scalar: "R", type: "int" }, { scalar: "C", type: "int" }],
    });
    const r = await translatesAndVerifies(
      src,
      spec(
        "col_sums",
        [
          { R: 9, C: 70 },
          { R: 4, C: 5 },
        ],
        [
          { name: "plain", dtype: "float32", count: "C", role: "inout" },
          { name: "atomic", dtype: "float32", count: "C", role: "inout" },
          { name: "x", dtype: "float32", count: "R * C", role: "input" },
        ],
        [launch("plain", "float", false, 1), launch("atomic", "float", true, 3)],
      ),
    );
    expect(r.kernels.map((k) => [k.name, k.constexprWhen])).toEqual([
      ["col_sums", { Atomic: false }],
      ["col_sums", { Atomic: true }],
    ]);
    expect(kernelFor(r.kernels, "col_sums", ["float", "true"])!.params[0]!.role).toBe("atomic-accumulate");
    expect(kernelFor(r.kernels, "col_sums", ["float", "false"])!.params[0]!.role).toBe("inout-copy");
    expect(r.python).toMatch(/def col_sums\(\*args, \*\*kwargs\):[\s\S]*if kwargs\["Atomic"\]:\n {8}return col_sums__c2m_Atomic_true\(\*args, \*\*kwargs\)/);
    expect(r.diagnostics.map((d) => d.message).join("\n")).not.toMatch(/__c2m_/);
  }, 180_000);
});
