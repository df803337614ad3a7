/**
 * A CUDA vector passed to a kernel by value (flownet2's `const long4 input1_size`): MLX gives a kernel
 * arrays, so it arrives as a 1-D array of its components, and both bodies (Metal and the
 * mx.fast.cuda_kernel one) build the vector from them; verify specs pass it as `{ vector, type }`.
 */
import { describe, expect, it } from "vitest";
import { compileKernels, planKernelCall } from "../src/kernel/index.js";
import { goldenLaunches, vectorBytes } from "../src/verify/golden.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const src = `__global__ void scale_rows(const float* x, const long4 size, float2 ab, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  long row = (i / size.w) % size.z;
  y[i] = ab.x * x[i] + ab.y * (float)row + (float)size.x;
}
`;
const s = spec(
  "scale_rows",
  [{ n: 500 }],
  [
    { name: "x", dtype: "float32", count: "n", role: "input" },
    { name: "y", dtype: "float32", count: "n", role: "output" },
  ],
  [
    {
      kernel: "scale_rows",
      grid: ["cdiv(n, 128)", 1, 1],
      block: [128, 1, 1],
      args: [{ buffer: "x" }, { vector: [3, 1, 7, 11], type: "long4" }, { vector: [0.5, 2], type: "float2" }, { buffer: "y" }, { scalar: "n", type: "int" }],
    },
  ],
);

describe("a CUDA vector passed by value", () => {
  it("arrives as an array of its components, and verifies", async () => {
    const r = await translatesAndVerifies(src, s);
    const k = r.kernels[0]!;
    expect(k.spec.input_names).toEqual(["x", "size_arg", "ab_arg", "n"]);
    expect(k.spec.source).toMatch(/long4 size = long4\(size_arg\[0\], size_arg\[1\], size_arg\[2\], size_arg\[3\]\);/);
    expect(k.cuda.source).toMatch(/const long4 size = \{size_arg\[0\], size_arg\[1\], size_arg\[2\], size_arg\[3\]\};/);
    expect(k.params.find((p) => p.name === "size")).toMatchObject({ kind: "scalar", dtype: "int64", vector: { type: "long4", width: 4 } });
  }, 120_000);

  it("is laid out for the CUDA original as the host lays it out", () => {
    expect([...vectorBytes("long4", [1, 2, 3, 4])].length).toBe(32);
    expect([...vectorBytes("float2", [1, 0])]).toEqual([0, 0, 128, 63, 0, 0, 0, 0]);
    expect(goldenLaunches(s, 0)[0]!.args[1]).toEqual({ bytes: vectorBytes("long4", [3, 1, 7, 11]) });
  });

  it("planKernelCall wants its components", () => {
    const k = compileKernels(src, { filename: "scale_rows.cu" }).kernels[0]!;
    expect(() => planKernelCall(k, { x: { shape: [8], dtype: "float32" }, size: 3, ab: [1, 2], y: { shape: [8], dtype: "float32" }, n: 8 }, { grid: 1, block: 8 })).toThrow(
      /needs 4 numbers/,
    );
  });
});
