/**
 * Issue 14, llm.c's layernorm_backward kernels 4–10 (and llmc's kernel10):
 * - a warp walk over rows (`for (bt = blockIdx.x * warpsInBlock + warpId; ...; bt += gridDim.x * warpsInBlock)`)
 *   whose warp count is spelled through a macro and a local (`#define WARP_SIZE 32U`, `int BLOCK_SIZE = blockDim.x;
 *   warpsInBlock = BLOCK_SIZE / WARP_SIZE`) steps over every warp of the grid, as `blockDim.x / 32` does
 *   (passes/kernel/walk-apart.ts): each warp keeps its own rows, so the in-place buffer is translated and verified.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const warpRows = (warps: string) => `#define WARP_SIZE 32U
__global__ void rows(float* dinp, const float* x, int N, int C) {
  ${warps}
  int warpId = threadIdx.x / WARP_SIZE;
  int lane = threadIdx.x % WARP_SIZE;
  int baseIdx = blockIdx.x * warpsInBlock + warpId;
  int warpsInGrid = gridDim.x * warpsInBlock;
  for (int bt = baseIdx; bt < N; bt += warpsInGrid) {
    float* dinp_bt = dinp + bt * C;
    for (int c = lane; c < C; c += WARP_SIZE) dinp_bt[c] = dinp_bt[c] + x[bt * C + c];
  }
}
`;
const rowsSpec = spec(
  "rows",
  [{ N: 13, C: 40 }],
  [
    { name: "dinp", dtype: "float32", count: "N * C", role: "inout" },
    { name: "x", dtype: "float32", count: "N * C", role: "input" },
  ],
  [{ kernel: "rows", grid: [2, 1, 1], block: [64, 1, 1], args: [{ buffer: "dinp" }, { buffer: "x" }, { scalar: "N", type: "int" }, { scalar: "C", type: "int" }] }],
);

describe("a warp walk over rows whose warp count goes through a macro and a local", () => {
  it("BLOCK_SIZE = blockDim.x, warpsInBlock = BLOCK_SIZE / WARP_SIZE (llm.c's kernel9/10): translated, verified", async () => {
    await translatesAndVerifies(warpRows("int BLOCK_SIZE = blockDim.x;\n  int warpsInBlock = BLOCK_SIZE / WARP_SIZE;"), rowsSpec);
  }, 120_000);

  it("warpsInBlock = blockDim.x / WARP_SIZE: translated", () => {
    const r = compileKernels(warpRows("int warpsInBlock = blockDim.x / WARP_SIZE;"), { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("a step of half the warps still meets another warp's rows (C2M-K007)", () => {
    const src = warpRows("int warpsInBlock = blockDim.x / WARP_SIZE;").replace("int warpsInGrid = gridDim.x * warpsInBlock;", "int warpsInGrid = gridDim.x * warpsInBlock - 1;");
    const why = compileKernels(src, { filename: "k.cu" }).diagnostics.find((d) => d.code === "C2M-K007")?.message;
    expect(why).toMatch(/moves with the loop counter 'bt'/);
  });

  it("a macro that is not the warp's size does not count the warps (#define WARP_SIZE 16U)", () => {
    const src = warpRows("int warpsInBlock = blockDim.x / WARP_SIZE;").replace("#define WARP_SIZE 32U", "#define WARP_SIZE 16U");
    const why = compileKernels(src, { filename: "k.cu" }).diagnostics.find((d) => d.code === "C2M-K007")?.message;
    expect(why).toMatch(/moves with the loop counter 'bt'/);
  });
});
