/**
 * Launch guards that only print and trap (passes/kernel/uniform-guard.ts, llm.c's layernorm_backward_kernel9): a
 * condition of the kernel's scalar arguments and constants holds for the whole launch or for none of it, so the
 * Python wrapper checks it before the launch and raises ValueError with the printf's text (C2M-K057, a warning),
 * and the guard is left out of the Metal. A guard on the thread's index, or one that does more than print and
 * trap, stays refused (C2M-K002 at the printf or trap).
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const guarded = (elem: string, cond = "C % (32 * x128::size) != 0", extra = "") => `
template<class ElementType>
struct alignas(16) Packed128 {
    static constexpr const int size = sizeof(int4) / sizeof(ElementType);
    ElementType payload[size];
};
typedef ${elem} floatX;
typedef Packed128<floatX> x128;
__global__ void k(float* y, const float* x, int C) {
    if (${cond}) {
        if (threadIdx.x == 0 && blockIdx.x == 0) {
            printf("Number of channels is not a multiple of 32 * x128::size\\n");
        }${extra}
        __trap();
    }
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < C) y[i] = 2.0f * x[i];
}
`;

describe("launch guards that print and trap", () => {
  it("a guard on a scalar argument and a struct's static constexpr member: checked by the wrapper, left out of the Metal, verified", async () => {
    const r = await translatesAndVerifies(
      guarded("float"),
      spec(
        "k",
        [{ C: 256 }, { C: 512 }],
        [
          { name: "y", dtype: "float32", count: "C", role: "output" },
          { name: "x", dtype: "float32", count: "C", role: "input" },
        ],
        [{ kernel: "k", grid: ["cdiv(C, 128)", 1, 1], block: [128, 1, 1], args: [{ buffer: "y" }, { buffer: "x" }, { scalar: "C", type: "int" }] }],
      ),
    );
    const warn = r.diagnostics.filter((d) => d.code === "C2M-K057");
    expect(warn).toHaveLength(1);
    expect(warn[0]!.severity).toBe("warning");
    // x128::size = sizeof(int4) / sizeof(float) = 4; C's % as a truncating remainder
    expect(r.python).toContain("    if (((C) - (((32 * 4))) * int((C) / (((32 * 4))))) != 0):");
    expect(r.python).toContain('        raise ValueError("k: Number of channels is not a multiple of 32 * x128::size")');
    expect(r.kernels[0]!.spec.source).not.toMatch(/printf|__trap/);
    // the wrapper's condition holds where CUDA's does: C = 100 traps, 256 does not, -256 does not (C's remainder)
    const cond = /^ {4}if (.*):$/m.exec(r.python.slice(r.python.indexOf("def k(")))![1]!;
    const holds = (c: number) => execFileSync("python3", ["-c", `C = ${c}\nprint(bool(${cond}))`], { encoding: "utf8" }).trim();
    expect([100, 256, -256, 129].map(holds)).toEqual(["True", "False", "False", "True"]);
  }, 240_000);

  it("the static member follows the typedef's element type (bfloat16: 8 per 16 bytes)", () => {
    const r = compileKernels(guarded("__nv_bfloat16"), { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.python).toContain("(32 * 8)");
  });

  it("a guard on the thread's index is not uniform: printf and __trap stay K002", () => {
    const r = compileKernels(guarded("float", "threadIdx.x >= C"), { filename: "k.cu" });
    const codes = r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
    expect(codes).toContain("C2M-K002");
    expect(r.diagnostics.some((d) => d.code === "C2M-K057")).toBe(false);
  });

  it("a guard that also writes memory is not only a print and a trap: stays K002", () => {
    const r = compileKernels(guarded("float", undefined, "\n        y[0] = 1.0f;"), { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toContain("C2M-K002");
    expect(r.diagnostics.some((d) => d.code === "C2M-K057")).toBe(false);
  });
});
