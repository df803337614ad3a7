/**
 * A kernel thread that returns before a block barrier the rest of its threadgroup waits at (llm.c's
 * wte_backward_kernel: warps 1 to 7 return, warp 0 waits and reads their shared memory) stays alive but idle up
 * to the barriers (passes/kernel/returned-threads.ts): CUDA counts a returned thread as arrived, Metal's
 * threadgroup_barrier needs every thread. Where the rewrite cannot be proven the kernel is refused (C2M-K059).
 */
import { describe, expect, it } from "vitest";
import { keepReturnedThreads } from "../passes/kernel/returned-threads.js";
import { compileKernels } from "../src/kernel/index.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";
import type { GoldenSpec } from "../src/verify/golden.js";

// wte_backward_kernel's shape: lanes past C and warps past the bucket return, warps 1-3 leave their sum in shared
// memory and return, warp 0 waits at the barrier and adds them up
const bucketSum = `__global__ void bucket_sum(float* out, const int* sizes, const float* x, int C) {
  __shared__ float partial[128];
  int warp = threadIdx.x / 32;
  int lane = threadIdx.x % 32;
  int c = blockIdx.x * 32 + lane;
  if (c >= C) { return; }
  int size = sizes[blockIdx.x];
  if (warp >= size) { return; }
  float acc = x[warp * C + c];
  if (warp != 0) {
    partial[threadIdx.x] = acc;
    return; // only warp 0 goes on
  }
  float base = x[c];
  __syncthreads();
  for (int i = threadIdx.x + 32; i < min(128, size * 32); i += 32) acc += partial[i];
  out[c] = acc + base;
}
`;

const spec: GoldenSpec = {
  name: "bucket_sum",
  sizes: [{ C: 70 }, { C: 64 }],
  buffers: [
    { name: "out", dtype: "float32", count: "C", role: "inout" },
    { name: "sizes", dtype: "int32", count: "cdiv(C, 32)", role: "input", index: "1 + (i * 3) % 4" },
    { name: "x", dtype: "float32", count: "4 * C", role: "input" },
  ],
  launches: [
    {
      kernel: "bucket_sum",
      grid: ["cdiv(C, 32)", 1, 1],
      block: [128, 1, 1],
      args: [{ buffer: "out" }, { buffer: "sizes" }, { buffer: "x" }, { scalar: "C", type: "int" }],
    },
  ],
} as unknown as GoldenSpec;

describe("threads that return before a barrier", () => {
  it("stay, idle, to the barrier: a flag where they returned, the rest of their work guarded, lines kept", () => {
    const out = keepReturnedThreads(bucketSum);
    expect(out).toBe(`__global__ void bucket_sum(float* out, const int* sizes, const float* x, int C) {
  bool c2m_alive = true; __shared__ float partial[128];
  int warp = threadIdx.x / 32;
  int lane = threadIdx.x % 32;
  int c = blockIdx.x * 32 + lane;
  if (c >= C) { { c2m_alive = false; } }
  int size; float acc; float base; if (c2m_alive) { size = sizes[blockIdx.x];
  if (warp >= size) { { c2m_alive = false; } }
  acc = x[warp * C + c];
  if (warp != 0) {
    partial[threadIdx.x] = acc;
    { c2m_alive = false; } // only warp 0 goes on
  }
  base = x[c]; }
  __syncthreads();
  if (c2m_alive) { for (int i = threadIdx.x + 32; i < min(128, size * 32); i += 32) acc += partial[i];
  out[c] = acc + base; }
}
`);
    expect(out.split("\n")).toHaveLength(bucketSum.split("\n").length);
  });

  it("translates, and agrees with the original on the emulators, which both require every thread at the barrier", async () => {
    const c = compileKernels(bucketSum, { filename: "bucket_sum.cu" });
    expect(c.refused).toEqual([]);
    const rep = await verifyAgainstSpec(c, bucketSum, spec);
    expect(rep.ok, rep.lines.join("\n")).toBe(true);
  });

  it("the Metal with the returns put back (what c2m emitted before) is caught by the emulator as a divergent barrier", async () => {
    const c = compileKernels(bucketSum, { filename: "bucket_sum.cu" });
    const k = c.kernels[0]!;
    const ub = { ...c, kernels: [{ ...k, spec: { ...k.spec, source: k.spec.source.replace(/\{ c2m_alive = false; \}/g, "return;") } }] };
    expect(ub.kernels[0]!.spec.source).toContain("return;");
    await expect(verifyAgainstSpec(ub, bucketSum, spec)).rejects.toThrow(
      /divergent-barrier: \d+ threads wait at a barrier that \d+ threads of the group returned without reaching/,
    );
  });

  // the classic tree reduction after a bound check: the returned threads of the partial last block run the loop's barriers
  const blockSum = `__global__ void block_sum(const float* x, float* y, int n) {
  __shared__ float s[64];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  s[threadIdx.x] = x[i];
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride && i + stride < n) s[threadIdx.x] += s[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) y[blockIdx.x] = s[0];
}
`;

  it("an idle thread runs a loop of barriers whose bounds every thread shares, and skips the loop's other statements", async () => {
    expect(keepReturnedThreads(blockSum)).toContain(`  if (i >= n) { c2m_alive = false; }
  if (c2m_alive) { s[threadIdx.x] = x[i]; }
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (c2m_alive) { if (threadIdx.x < stride && i + stride < n) s[threadIdx.x] += s[threadIdx.x + stride]; }
    __syncthreads();
  }
  if (c2m_alive) { if (threadIdx.x == 0) y[blockIdx.x] = s[0]; }`);
    const c = compileKernels(blockSum, { filename: "block_sum.cu" });
    expect(c.refused).toEqual([]);
    const sumSpec = {
      name: "block_sum",
      sizes: [{ n: 100 }, { n: 128 }],
      buffers: [
        { name: "x", dtype: "float32", count: "n", role: "input" },
        { name: "y", dtype: "float32", count: "cdiv(n, 64)", role: "output" },
      ],
      launches: [{ kernel: "block_sum", grid: ["cdiv(n, 64)", 1, 1], block: [64, 1, 1], args: [{ buffer: "x" }, { buffer: "y" }, { scalar: "n", type: "int" }] }],
    } as unknown as GoldenSpec;
    const rep = await verifyAgainstSpec(c, blockSum, sumSpec);
    expect(rep.ok, rep.lines.join("\n")).toBe(true);
  });

  it("a return inside a loop without barriers leaves the loop, and the loops around it, once the flag is cleared", () => {
    const src = `__global__ void k(const int* x, int* y, int n) {
  __shared__ int s[64];
  int acc = 0;
  for (int k = 0; k < n; ++k) {
    for (int j = 0; j < n; ++j) {
      if (x[threadIdx.x * n + j] < k) return;
      acc += x[j];
    }
    acc *= 2;
  }
  s[threadIdx.x] = acc;
  __syncthreads();
  y[threadIdx.x] = s[63 - threadIdx.x];
}
`;
    expect(keepReturnedThreads(src)).toContain(`  for (int k = 0; k < n; ++k) {
    for (int j = 0; j < n; ++j) {
      if (x[threadIdx.x * n + j] < k) { c2m_alive = false; break; } if (!c2m_alive) break;
      acc += x[j];
    } if (!c2m_alive) break;
    acc *= 2;
  }
  if (c2m_alive) { s[threadIdx.x] = acc; }`);
  });

  const refusal = (src: string) => {
    const c = compileKernels(src, { filename: "k.cu" });
    expect(c.refused.map((r) => r.diagnostic.code)).toEqual(["C2M-K059"]);
    const d = c.refused[0]!.diagnostic;
    return `${d.line}:${d.col} ${d.message}`;
  };

  it("is refused (C2M-K059) where an idle thread could not reach the same barriers: a barrier inside a called function", () => {
    const src = `__device__ float block_first(float v) {
  __shared__ float s[32];
  s[threadIdx.x % 32] = v;
  __syncthreads();
  return s[0];
}
__global__ void k(const float* x, float* y, int n) {
  int i = threadIdx.x;
  if (i >= n) return;
  float r = block_first(x[i]);
  y[i] = r;
}
`;
    expect(refusal(src)).toMatch(/^10:3 a thread of 'k' returns \(line 9\) before a barrier .* not here: 'block_first' \(line 10\) waits at a barrier inside the function/);
  });

  it("is refused where the return is inside a loop of barriers, or a loop of barriers depends on the thread or on skipped code", () => {
    const loop = (head: string, ret: string) => `__global__ void k(const float* x, const int* m, float* y, int n) {
  __shared__ float s[64];
  int steps = 4;
  ${ret}
  steps = m[0];
  for (${head}) {
    if (x[threadIdx.x] > 100.0f) return;
    s[threadIdx.x % 64] = x[k];
    __syncthreads();
  }
  y[threadIdx.x] = s[0];
}
`;
    expect(refusal(loop("int k = 0; k < n; ++k", ""))).toMatch(/^6:3 .*returns \(line 7\).* not here: a 'return' inside the loop at line 6, which waits at a barrier/);
    const noInnerReturn = (head: string) => loop(head, "if (threadIdx.x >= n) return;").replace("    if (x[threadIdx.x] > 100.0f) return;\n", "");
    expect(refusal(noInnerReturn("int k = 0; k < steps; ++k"))).toMatch(
      /not here: .* the loop at line 6 .* 'k < steps' reads 'steps', which may differ between the threads that returned and the others/,
    );
    // assigned by the threads that return, just before they do
    expect(
      refusal(
        loop("int k = 0; k < steps; ++k", "if (threadIdx.x >= n) { steps = 1; return; }")
          .replace("  steps = m[0];\n", "")
          .replace("    if (x[threadIdx.x] > 100.0f) return;\n", ""),
      ),
    ).toMatch(/'k < steps' reads 'steps', which may differ/);
    expect(refusal(noInnerReturn("int k = threadIdx.x; k < 64; k += 32"))).toMatch(/not here: the loop at line 6 waits at a barrier under 'k < 64', which depends on the thread/);
  });
});
