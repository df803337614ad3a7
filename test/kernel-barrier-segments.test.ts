/**
 * A thread-dependent `if` whose two arms wait at as many barriers (SGEMM_CUDA's sgemmDoubleBuffering: one half
 * of the block loads while the other computes) is cut into segments between the barriers
 * (passes/kernel/barrier-segments.ts), for Metal and for the CUDA emulator running the original.
 */
import { describe, expect, it } from "vitest";
import { segmentBranchBarriers } from "../passes/kernel/barrier-segments.js";
import { compileKernels } from "../src/kernel/index.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";
import type { GoldenSpec } from "../src/verify/golden.js";

// half the block loads the next tile while the other half reads the current one; `v` lives across a barrier
const pingPong = `__global__ void pingpong(const float* x, float* y, int n) {
  __shared__ float buf[2][64];
  int t = threadIdx.x;
  bool producer = t >= 64;
  int lane = t % 64;
  float acc = 0.0f;
  if (producer) buf[0][lane] = x[lane];
  __syncthreads();
  for (int step = 0; step < n; ++step) {
    if (!producer) {
      float v = buf[step % 2][lane];
      __syncthreads();
      acc += v * 2.0f + buf[step % 2][(lane + 1) % 64];
    } else {
      if (step + 1 < n) buf[(step + 1) % 2][lane] = x[(step + 1) * 64 + lane];
      __syncthreads();
    }
    __syncthreads();
  }
  if (!producer) y[lane] = acc;
}
`;

const spec: GoldenSpec = {
  name: "pingpong",
  sizes: [{ n: 3 }, { n: 4 }],
  buffers: [
    { name: "x", dtype: "float32", count: "n * 64", role: "input" },
    { name: "y", dtype: "float32", count: "64", role: "output" },
  ],
  launches: [{ kernel: "pingpong", grid: [1, 1, 1], block: [128, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
} as unknown as GoldenSpec;

describe("barriers in both arms of a thread-dependent branch", () => {
  it("are cut into segments: the arms' statements between barriers, a local read after a barrier declared before, the lines kept", () => {
    const src = `__global__ void k(const float* x, float* y, int* count) {
  __shared__ float s[64];
  if (threadIdx.x < count[0]) {
    const float v = x[threadIdx.x];
    __syncthreads();
    y[threadIdx.x] = v + s[0];
  } else {
    s[0] = 1.0f;
    __syncthreads();
  }
}
`;
    const r = segmentBranchBarriers(src);
    // the condition reads memory the arms might write: computed once
    expect(r.text).toBe(`__global__ void k(const float* x, float* y, int* count) {
  __shared__ float s[64];
  {
    float v;
    const bool c2m_branch_3 = threadIdx.x < count[0];
    if (c2m_branch_3) {
      v = x[threadIdx.x];
    } else {
      s[0] = 1.0f;
    }
    __syncthreads();
    if (c2m_branch_3) {
      y[threadIdx.x] = v + s[0];
    }
  }
}
`);
    expect(r.lineOf.map((l) => l + 1)).toEqual([1, 2, 3, 3, 3, 3, 4, 7, 8, 8, 5, 6, 6, 6, 10, 11, 12]);
  });

  it("a condition nothing in the arms changes is written again in each segment", () => {
    const r = segmentBranchBarriers(pingPong);
    expect(r.text).toContain(`    {
      float v;
      if (!producer) {
        v = buf[step % 2][lane];
      } else {
        if (step + 1 < n) buf[(step + 1) % 2][lane] = x[(step + 1) * 64 + lane];
      }
      __syncthreads();
      if (!producer) {
        acc += v * 2.0f + buf[step % 2][(lane + 1) % 64];
      }
    }
    __syncthreads();`);
  });

  it("translates, and the translation agrees with the original on the CUDA emulator (which runs it cut the same way)", async () => {
    const c = compileKernels(pingPong, { filename: "pingpong.cu" });
    expect(c.refused).toEqual([]);
    const metal = c.kernels[0]!.spec.source;
    expect(metal.match(/threadgroup_barrier/g)).toHaveLength(3);
    const rep = await verifyAgainstSpec(c, pingPong, spec);
    expect(rep.ok, rep.lines.join("\n")).toBe(true);
  });

  it("a branch it cannot cut is refused with why: a 'return' leaves an arm before its later barrier", () => {
    const src = pingPong.replace("float v = buf[step % 2][lane];", "float v = buf[step % 2][lane];\n      if (v < 0.0f) return;");
    const c = compileKernels(src, { filename: "pingpong.cu" });
    expect(c.refused.map((r) => r.diagnostic.code)).toEqual(["C2M-K002"]);
    expect(c.refused[0]!.diagnostic.message).toMatch(/not here: in its 'if' arm, 'return;' \(line 12\) leaves the arm before its later barriers/);
  });

  it("a barrier that combines a value (__syncthreads_count) is not paired, and the refusal says so", () => {
    const src = pingPong.replace("      float v = buf[step % 2][lane];\n      __syncthreads();", "      float v = buf[step % 2][lane];\n      __syncthreads_count(v > 0.0f);");
    const c = compileKernels(src, { filename: "pingpong.cu" });
    expect(c.refused[0]?.diagnostic.message).toMatch(/not here: in its 'if' arm, __syncthreads_count\(\) \(line 12\) combines a value across the block/);
  });

  it("a condition whose name an arm passes to a function is computed once (the function may take it by reference)", () => {
    const src = pingPong
      .replace("acc += v * 2.0f", "bump(producer);\n      acc += v * 2.0f")
      .replace("__global__ void pingpong", "__device__ void bump(bool& b) {}\n__global__ void pingpong");
    expect(segmentBranchBarriers(src).text).toMatch(/const bool c2m_branch_\d+ = !producer;/);
  });

  it("a local declared in both arms with different types and read after a barrier is refused", () => {
    const src = pingPong
      .replace("if (step + 1 < n) buf", "int v = 1;\n      __syncthreads();\n      v += 1;\n      if (step + 1 < n) buf")
      .replace("      __syncthreads();\n    }\n    __syncthreads();", "    }\n    __syncthreads();");
    const c = compileKernels(src, { filename: "pingpong.cu" });
    expect(c.refused[0]?.diagnostic.message).toMatch(/both arms declare 'v', with different types/);
  });
});
