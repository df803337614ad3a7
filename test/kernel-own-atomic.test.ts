/**
 * In-place buffers of kernels that also have atomic outputs, and the indices the ownership proof resolves by scope:
 * - MLX's atomic_outputs is one flag, so an in-place buffer copied in at its first touch is atomic<T> too: its
 *   element reads, stores, compound assignments and increments go through c2m_own_atomic (relaxed atomic loads,
 *   stores and fetch-ops on the element), and a 128-bit helper's span through c2m_own128_atomic (llm.c's
 *   layernorm_backward_kernel8);
 * - an index declared by several loops (`for (int i = ...)` twice) is resolved to the declaration each access
 *   sees (passes/kernel/scoped-defs.ts);
 * - an in-place buffer touched only inside a last-arriver guard (hand-over.ts) is one threadgroup's: no grid=1
 *   restriction (llm.c's layernorm_backward_kernel5 dweight/dbias).
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies, PACKED128_CUDA } from "./kernel-spec-helpers.js";

const packed = PACKED128_CUDA;

const strided = `__global__ void k(float* y, float* total, int n) {
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    int stride = gridDim.x * blockDim.x;
    for (int i = t; i < n; i += stride) {
        atomicAdd(total, y[i]);
    }
    for (int i = t; i < n; i += stride) {
        y[i] = y[i] * 2.0f;
        y[i] += 1.0f;
        y[i]++;
    }
}
`;

const lastBlock = `__global__ void k(float* out, float* scratch, const float* x, int n) {
    __shared__ unsigned int ticket;
    for (int i = threadIdx.x; i < n; i += blockDim.x) atomicAdd(&scratch[i], x[blockIdx.x * n + i]);
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) ticket = atomicAdd((unsigned int*)(scratch + n), 1);
    __syncthreads();
    if (ticket == gridDim.x - 1) {
        for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] = out[i] + scratch[i];
    }
}
`;

describe("in-place buffers beside atomic outputs", () => {
  it("element reads, stores, += and ++ of a block-stride in-place buffer go through c2m_own_atomic: translated, verified", async () => {
    const r = await translatesAndVerifies(
      strided,
      spec(
        "k",
        [{ n: 1000 }, { n: 37 }],
        [
          { name: "y", dtype: "float32", count: "n", role: "inout" },
          { name: "total", dtype: "float32", count: 1, role: "inout" },
        ],
        [{ kernel: "k", grid: [3, 1, 1], block: [64, 1, 1], args: [{ buffer: "y" }, { buffer: "total" }, { scalar: "n", type: "int" }] }],
      ),
    );
    const src = r.kernels[0]!.spec.source;
    expect(src).toContain(
      "atomic_store_explicit(c2m_own_atomic(y, y_in, y_touched, i, 1), atomic_load_explicit(c2m_own_atomic(y, y_in, y_touched, i, 1), memory_order_relaxed) * 2.0f, memory_order_relaxed);",
    );
    expect(src).toContain("atomic_fetch_add_explicit(c2m_own_atomic(y, y_in, y_touched, i, 1), 1.0f, memory_order_relaxed);");
  }, 240_000);

  it("a 128-bit span of an in-place buffer goes through c2m_own128_atomic: translated, verified", async () => {
    const src = `${packed}
__global__ void scale_rows(float* y, float* total, int N, int C) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    if (row >= N) return;
    float* y_row = y + row * C;
    for (int c = threadIdx.x * f128::size; c < C; c += 32 * f128::size) {
        f128 v = load128(y_row + c);
        for (int k = 0; k < f128::size; ++k) { atomicAdd(total, v[k]); v[k] = v[k] * 3.0f - 1.0f; }
        store128(y_row + c, v);
    }
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "scale_rows",
        [
          { N: 5, C: 256 },
          { N: 3, C: 16 },
        ],
        [
          { name: "y", dtype: "float32", count: "N * C", role: "inout" },
          { name: "total", dtype: "float32", count: 1, role: "inout" },
        ],
        [
          {
            kernel: "scale_rows",
            grid: ["cdiv(N, 2)", 1, 1],
            block: [32, 2, 1],
            args: [{ buffer: "y" }, { buffer: "total" }, { scalar: "N", type: "int" }, { scalar: "C", type: "int" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/load128\(c2m_own128_atomic\(y_row, y_row_in, y_row_touched, c, 1\)\)/);
  }, 240_000);

  it("'*=' on such a buffer, which no single Metal atomic does, stays K007 saying why", () => {
    const src = strided.replace("y[i] = y[i] * 2.0f;", "y[i] *= 2.0f;");
    const errors = compileKernels(src, { filename: "k.cu" }).diagnostics.filter((d) => d.severity === "error");
    const k007 = errors.filter((d) => d.code === "C2M-K007");
    expect(k007).toHaveLength(1);
    expect(k007[0]!.message).toMatch(/atomic outputs.*'\*=' updates an element/);
  });
});

describe("indices declared by several loops", () => {
  it("two loops with the same header declaring i: each access resolved to its loop, proved thread-owned (with atomic outputs)", () => {
    const r = compileKernels(strided, { filename: "k.cu" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("loops declaring i differently: still K007, naming the declarations", () => {
    const src = strided.replace("for (int i = t; i < n; i += stride) {\n        y[i] = ", "for (int i = 0; i < n; i++) {\n        y[i] = ");
    const errors = compileKernels(src, { filename: "k.cu" }).diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.code)).toEqual(["C2M-K007"]);
    expect(errors[0]!.message).toMatch(/declared more than once/);
  });

  it("an in-place buffer read and written only by the last threadgroup to take a ticket: no grid=1 restriction, translated, verified", async () => {
    const r = await translatesAndVerifies(
      lastBlock,
      spec(
        "k",
        [{ n: 100, G: 4 }],
        [
          { name: "out", dtype: "float32", count: "n", role: "inout" },
          { name: "scratch", dtype: "float32", count: "n + 1", role: "inout", fill: 0 },
          { name: "x", dtype: "float32", count: "n * G", role: "input" },
        ],
        [{ kernel: "k", grid: ["G", 1, 1], block: [32, 1, 1], args: [{ buffer: "out" }, { buffer: "scratch" }, { buffer: "x" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.python).not.toMatch(/launch it with grid=1/);
  }, 240_000);
});
