/**
 * Issue 14, K007 refusals that were c2m gaps: an in-place buffer whose elements belong to one threadgroup
 * (its row picked by blockIdx, or by a warp of the group), shared by that group's threads, is translatable:
 * c2m_own copies an element in at its first touch by any thread, and the group's barriers order that copy as
 * they order CUDA's accesses. Shown on kernels in the shape of llm.c's softmax_forward_kernel7 (a row per
 * block, `min(C - 1, i + u*blockDim.x)`, written then re-read by other threads after a barrier) and
 * attention_forward_fused1 (a row per warp, written by the warp's leader and read by its lanes, `t2 <= t`
 * with `if (t >= T) return;`). What can reach another threadgroup's row stays refused.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const blockRow = `
__global__ void row_softmax(float* out, const float* inp, int N, int C) {
    __shared__ float sums[4];
    int idx = blockIdx.x;
    int tid = threadIdx.x;
    float* y = out + idx * C;
    const float* x = inp + idx * C;
    float s = 0.0f;
    for (int i = tid; i < C; i += blockDim.x * 2) {
        for (int u = 0; u < 2; u++) {
            if (i + u * blockDim.x < C) {
                float e = expf(x[min(C - 1, i + u * blockDim.x)]) + y[i + u * blockDim.x];
                y[min(C - 1, i + u * blockDim.x)] = e;
                s += e;
            }
        }
    }
    for (int o = 16; o > 0; o /= 2) s += __shfl_xor_sync(0xffffffff, s, o);
    if (tid % 32 == 0) sums[tid / 32] = s;
    __syncthreads();
    float total = 0.0f;
    for (int w = 0; w < blockDim.x / 32; w++) total += sums[w];
    // read back what other threads of the block wrote: the row is the block's
    float r = 0.0f;
    for (int i = tid; i < C; i += blockDim.x) r += y[(i + 7) % C];
    __syncthreads();
    for (int i = tid; i < C; i += blockDim.x) y[i] = y[i] / total + 0.001f * r;
}
`;

const warpRow = `
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
namespace cg = cooperative_groups;
__global__ void causal_rows(float* att, const float* q, int T) {
    cg::thread_block block = cg::this_thread_block();
    cg::thread_block_tile<32> warp = cg::tiled_partition<32>(block);
    int t = blockIdx.x * warp.meta_group_size() + warp.meta_group_rank();
    int h = blockIdx.y;
    if (t >= T) return;
    float* att_bth = att + h * T * T + t * T;
    for (int t2 = 0; t2 <= t; t2++) {
        float v = cg::reduce(warp, q[h * T + t2] * (float)warp.thread_rank(), cg::plus<float>{});
        if (warp.thread_rank() == 0) att_bth[t2] += v;
    }
    float m = 0.0f;
    for (int t2 = warp.thread_rank(); t2 <= t; t2 += warp.size()) m = fmaxf(m, att_bth[t2]);
    m = cg::reduce(warp, m, cg::greater<float>{});
    for (int t2 = warp.thread_rank(); t2 <= t; t2 += warp.size()) att_bth[t2] = att_bth[t2] - m;
}
`;

const role = (src: string, param: string) => {
  const r = compileKernels(src, { filename: "k.cu" });
  const d = r.diagnostics.find((x) => x.code === "C2M-K007");
  return d ? d.message : r.kernels[0]!.params.find((p) => p.name === param)!.role;
};

describe("in-place buffers owned by a threadgroup", () => {
  it("a row per block, shared by the block's threads, translates and verifies", async () => {
    await translatesAndVerifies(
      blockRow,
      spec(
        "row_softmax",
        [
          { N: 3, C: 100 },
          { N: 2, C: 37 },
        ],
        [
          { name: "out", dtype: "float32", count: "N * C", role: "inout" },
          { name: "inp", dtype: "float32", count: "N * C", role: "input" },
        ],
        [{ kernel: "row_softmax", grid: ["N", 1, 1], block: [64, 1, 1], args: [{ buffer: "out" }, { buffer: "inp" }, { scalar: "N", type: "int" }, { scalar: "C", type: "int" }] }],
      ),
    );
  }, 60_000);

  it("a row per warp, written by its leader and read by its lanes, translates and verifies", async () => {
    await translatesAndVerifies(
      warpRow,
      spec(
        "causal_rows",
        [{ T: 9 }, { T: 40 }],
        [
          { name: "att", dtype: "float32", count: "2 * T * T", role: "inout" },
          { name: "q", dtype: "float32", count: "2 * T", role: "input" },
        ],
        [{ kernel: "causal_rows", grid: ["cdiv(T, 2)", 2, 1], block: [64, 1, 1], args: [{ buffer: "att" }, { buffer: "q" }, { scalar: "T", type: "int" }] }],
      ),
    );
  }, 60_000);

  it("CUDA's min(int, unsigned) over a block index is an unsigned min in Metal, not an ambiguous call", () => {
    const k = compileKernels(blockRow, { filename: "k.cu" }).kernels[0]!;
    expect(k.spec.source).toContain("metal::min(uint(C - 1), uint(i + u * threads_per_threadgroup.x))");
    // a float argument keeps Metal's own overload
    const f = compileKernels(`__global__ void k(float* y, float a) { y[threadIdx.x] = min(a, 1.0f * threadIdx.x); }`, { filename: "f.cu" }).kernels[0]!;
    expect(f.spec.source).toContain("metal::min(a, 1.0f * thread_position_in_threadgroup.x)");
  });

  it("what may reach another threadgroup's row stays refused, saying so", () => {
    // unguarded: i + blockDim.x can pass the row's end
    expect(role(blockRow.replace("r += y[(i + 7) % C];", "r += y[i + blockDim.x];"), "out")).toMatch(
      /'y\[i \+ blockDim\.x\]' \(line \d+\) is not shown to stay inside its row of C elements \(owner 'idx'\), so it may reach an element of another threadgroup's row/,
    );
    // without the early return, t2 <= t may walk past the row's T elements
    expect(role(warpRow.replace("if (t >= T) return;", ""), "att")).toMatch(/is not shown to stay inside its row of T elements/);
    // an owner that two blocks share (blockIdx.x / 2) is not a group's own row
    expect(role(blockRow.replace("int idx = blockIdx.x;", "int idx = blockIdx.x / 2;"), "out")).toMatch(/K007|does not depend on the thread|c2m cannot/);
  });
});

describe("elements passed between threadgroups in one launch: refusals that name the Metal limit", () => {
  const refusal = (src: string) => {
    const d = compileKernels(src, { filename: "k.cu" }).refused[0]?.diagnostic;
    return d ? `${d.code} ${d.message}` : "";
  };

  it("the last threadgroup reading every threadgroup's partial result (threadFenceReduction, llm.c's scratchpads)", () => {
    const src = `__device__ unsigned int count = 0;
__global__ void last_block(float* partial, float* flag, const float* x, int n) {
    __shared__ bool last;
    partial[blockIdx.x] = x[blockIdx.x * blockDim.x + threadIdx.x];
    __threadfence();
    if (threadIdx.x == 0) last = atomicAdd((unsigned int*)flag, 1u) == gridDim.x - 1;
    __syncthreads();
    if (last && threadIdx.x == 0) {
        float s = 0.0f;
        for (int j = 0; j < gridDim.x; j++) s += partial[j];
        partial[0] = s;
    }
}`;
    // the hand-over itself is Metal's (test/kernel-hand-over.test.ts); what c2m lacks here is a counter punned into the float buffer
    expect(refusal(src)).toMatch(
      /^C2M-K007 buffer 'partial' of kernel 'last_block' is read and written: its elements pass to the last threadgroup to take a ticket, a hand-over Metal expresses with device-scope atomics and atomic_thread_fence, but the ticket counts in a word seen as another type \('atomicAdd\(\(unsigned int\*\)flag, 1u\)' \(line 6\)\)/,
    );
    // with no ticket before the read, it stays a read across threadgroups that Metal cannot order
    expect(refusal(src.replace("if (last && threadIdx.x == 0)", "if (threadIdx.x == 0)"))).toMatch(
      /^C2M-K046 buffer 'partial' of kernel 'last_block' is read and written: 'partial\[j\]' \(line 10\) reads, in one threadgroup, the elements of every threadgroup of the grid \(its index walks 'j' up to gridDim\), which threads of the other threadgroups write \('partial\[blockIdx\.x\]' \(line 4\)\) in the same launch; .*Metal has no grid-wide barrier and gives no forward-progress guarantee between threadgroups.*no such ticket orders these accesses/,
    );
  });

  it("an element every threadgroup updates with atomics, also read plainly, comes first among the kernel's refusals", () => {
    const src = `__global__ void acc(float* dinp, float* scratch, const float* x, int C) {
    float4* row = reinterpret_cast<float4*>(dinp + blockIdx.x * C);
    row[threadIdx.x] = make_float4(row[threadIdx.x].x + 1.0f, 0.0f, 0.0f, 0.0f);
    for (int i = threadIdx.x; i < C; i += blockDim.x) atomicAdd(&scratch[i], x[blockIdx.x * C + i]);
    __syncthreads();
    for (int i = threadIdx.x; i < C; i += blockDim.x) dinp[i] = scratch[i];
}`;
    const r = compileKernels(src, { filename: "k.cu" });
    const k007 = r.diagnostics.filter((d) => d.code === "C2M-K046").map((d) => d.message);
    expect(k007[0]).toMatch(
      /buffer 'scratch' .*: threads of every threadgroup update its elements with atomics \('atomicAdd\(&scratch\[i\], x\[blockIdx\.x \* C \+ i\]\)' \(line 4\): the index does not depend on the threadgroup\), and it is also read without them \('scratch\[i\]' \(line 6\)\)/,
    );
    expect(r.refused[0]!.diagnostic.message).toBe(k007[0]);
  });

  it("an address into a const parameter is read through; a cast atomic target is the atomic's, not a plain write", () => {
    const src = `__global__ void k(const float* img, float* out, unsigned int* counts) {
    const float* line = &img[blockIdx.x * 32];
    out[blockIdx.x * 32 + threadIdx.x] = line[threadIdx.x];
    atomicAdd((unsigned int*)&counts[threadIdx.x % 4], 1u);
}`;
    const r = compileKernels(src, { filename: "k.cu" });
    const roles = Object.fromEntries(r.kernels[0]?.params.map((p) => [p.name, p.role]) ?? []);
    expect(roles.img).toBe("input");
    expect(r.diagnostics.filter((d) => d.code === "C2M-K007")).toEqual([]);
  });
});

describe("a row pointer declared in a grid-stride loop from its counter", () => {
  it("is copied in at one site each iteration (llm.c's layernorm_backward_kernel3 `dinp_bt`), beside an atomic output, and verifies", async () => {
    const src = `__global__ void rows(float* y, float* total, const float* x, int N, int C) {
    int base = blockIdx.x * blockDim.x + threadIdx.x;
    for (int idx = base; idx < N; idx += gridDim.x * blockDim.x) {
        int b = idx / 4;
        int t = idx % 4;
        float* y_bt = y + b * 4 * C + t * C;
        for (int i = 0; i < C; i++) y_bt[i] = y_bt[i] * 2.0f + x[i];
    }
    atomicAdd(total, 1.0f);
}`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "rows",
        [
          { N: 150, C: 3 },
          { N: 41, C: 5 },
        ],
        [
          { name: "y", dtype: "float32", count: "N * C", role: "inout" },
          { name: "total", dtype: "float32", count: "1", role: "inout" },
          { name: "x", dtype: "float32", count: "C", role: "input" },
        ],
        [
          {
            kernel: "rows",
            grid: [2, 1, 1],
            block: [32, 1, 1],
            args: [{ buffer: "y" }, { buffer: "total" }, { buffer: "x" }, { scalar: "N", type: "int" }, { scalar: "C", type: "int" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/atomic_store_explicit\(&y_bt\[i\], y_bt_in\[i\]/);
  }, 60_000);
});

describe("an in-place buffer every threadgroup shares", () => {
  const src = `__global__ void aggregate(float* out, int count) {
    __shared__ float part[32];
    int index = threadIdx.x;
    float v = (index < count) ? out[index] : 0.0f;
    for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffff, v, o);
    if (threadIdx.x % 32 == 0) part[threadIdx.x / 32] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        float s = 0.0f;
        for (int w = 0; w < blockDim.x / 32; w++) s += part[w];
        out[0] = s;
    }
}`;
  it("translates for a launch of one threadgroup (llm.c's global_norm_aggregate_kernel<<<1, 1024>>>), the wrapper insisting on it, and verifies", async () => {
    const r = await translatesAndVerifies(
      src,
      spec(
        "aggregate",
        [{ count: 50 }, { count: 64 }],
        [{ name: "out", dtype: "float32", count: "count", role: "inout" }],
        [{ kernel: "aggregate", grid: [1, 1, 1], block: [64, 1, 1], args: [{ buffer: "out" }, { scalar: "count", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.oneThreadgroup).toBe(true);
    expect(r.python).toContain('    if grid != (1, 1, 1):\n        raise ValueError("aggregate: every threadgroup reads and writes the same elements of out in place');
  }, 60_000);

  it("not when its threads race on an element: every thread updating every element stays refused", () => {
    const racy = `__global__ void k(float* y, const float* x, int C) { for (int j = 0; j < C; j++) y[j] += x[threadIdx.x]; }`;
    expect(compileKernels(racy, { filename: "k.cu" }).refused[0]?.diagnostic.message).toMatch(/does not depend on the thread/);
  });
});

describe("buffers of CUDA 3-vectors", () => {
  it("are read as packed_float3 (12 bytes, CUDA's layout; Metal's float3 is 16, as the emulator now lays it out) and verify", async () => {
    const src = `__global__ void dot3(const float3* p, float3* q, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float3 v = p[i];
        q[i] = make_float3(v.z, v.y, v.x);
        out[i] = v.x + 2.0f * v.y + 3.0f * v.z;
    }
}`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "dot3",
        [{ n: 70 }, { n: 5 }],
        [
          { name: "p", dtype: "float32", count: "3 * n", role: "input" },
          { name: "q", dtype: "float32", count: "3 * n", role: "output" },
          { name: "out", dtype: "float32", count: "n", role: "output" },
        ],
        [{ kernel: "dot3", grid: ["cdiv(n, 32)", 1, 1], block: [32, 1, 1], args: [{ buffer: "p" }, { buffer: "q" }, { buffer: "out" }, { scalar: "n", type: "int" }] }],
      ),
    );
    expect(r.kernels[0]!.spec.source).toContain("auto p = c2m_cast<packed_float3>(p_elems);");
  }, 60_000);
});
