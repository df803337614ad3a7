import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

/**
 * Reads of an in-place buffer before any thread of the threadgroup writes it (passes/kernel/caller-reads.ts: llm.c's
 * fused_classifier_kernel5 hands `logits` to prepare_softmax_blockwide3, then overwrites the row after a barrier): they
 * read the caller's array, and the ownership proof runs on the accesses after the barrier.
 */
const rowMax = `
__device__ float row_max(const float* x, int C) {
    float m = -INFINITY;
    for (int j = 0; j < C; j++) m = fmaxf(m, x[j]);
    return m;
}
`;

const sizes = [
  { N: 4, C: 300 },
  { N: 3, C: 7 },
];
const buffers = [{ name: "y", dtype: "float32" as const, count: "N * C", role: "inout" as const }];
const args = [{ buffer: "y" }, { scalar: "N", type: "int" }, { scalar: "C", type: "int" }];

describe("in-place buffers read before the threadgroup writes them", () => {
  it("a helper given the whole buffer and a leader's read, then a barrier, then the row updated: translated, verified", async () => {
    const src = `${rowMax}
__global__ void shift_rows(float* y, int N, int C) {
    int row = blockIdx.x;
    __shared__ float m;
    float first = y[row * C];
    if (threadIdx.x == 0) m = row_max(y + row * C, C) + first * 0.0f;
    __syncthreads();
    float* r = y + row * C;
    for (int j = threadIdx.x; j < C; j += blockDim.x) r[j] = r[j] - m;
}
`;
    const r = await translatesAndVerifies(src, spec("shift_rows", sizes, buffers, [{ kernel: "shift_rows", grid: ["N", 1, 1], block: [64, 1, 1], args }]));
    const body = r.kernels[0]!.spec.source;
    expect(body).toMatch(/row_max\(y_in \+ row \* C, C\)/);
    expect(body).toMatch(/float first = y_in\[row \* C\];/);
    expect(body).toMatch(/c2m_own\(r, r_in, r_touched, j, 1\)/);
  }, 180_000);

  it("a 128-bit helper's read before the barrier reads the caller's array: translated, verified", async () => {
    const src = `
template<class ElementType>
struct alignas(16) Packed128 {
    Packed128() = default;
    __device__ explicit Packed128(int4 bits) { memcpy(&payload, &bits, sizeof(bits)); }
    __device__ ElementType& operator[](int index) { return payload[index]; }
    static constexpr const int size = sizeof(int4) / sizeof(ElementType);
    ElementType payload[size];
};
typedef Packed128<float> f128;
template<class ElementType>
__device__ Packed128<ElementType> load128(const ElementType* address) { return Packed128<ElementType>{*reinterpret_cast<const int4*>(address)}; }
__global__ void head_shift(float* y, int N, int C) {
    __shared__ float m;
    f128 head = load128(y + blockIdx.x * C);
    if (threadIdx.x == 0) m = head[0] + head[3];
    __syncthreads();
    for (int j = threadIdx.x; j < C; j += blockDim.x) y[blockIdx.x * C + j] = y[blockIdx.x * C + j] - m;
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "head_shift",
        [
          { N: 3, C: 64 },
          { N: 2, C: 8 },
        ],
        buffers,
        [{ kernel: "head_shift", grid: ["N", 1, 1], block: [32, 1, 1], args }],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/load128\(y_in \+ /);
  }, 180_000);

  it("a read after the threadgroup may have written the buffer still goes through the copy-in, and a cross-row read stays refused", () => {
    // no barrier between the helper's read and the writes: the helper's argument cannot be followed
    const src = `${rowMax}
__global__ void k(float* y, int N, int C) {
    int row = blockIdx.x;
    float* r = y + row * C;
    for (int j = threadIdx.x; j < C; j += blockDim.x) r[j] = r[j] * 2.0f;
    float m = row_max(y + row * C, C);
    if (threadIdx.x == 0) y[row * C] = m;
}
`;
    const errors = compileKernels(src, { filename: "k.cu" }).diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.code)).toEqual(["C2M-K007"]);
    expect(errors[0]!.message).toMatch(/through a cast, a helper function or pointer arithmetic \(y \+ row \* C\)/);
  });

  it("a write before the barrier keeps the prologue's reads on the copy-in", () => {
    const src = `${rowMax}
__global__ void k(float* y, int N, int C) {
    int row = blockIdx.x;
    if (threadIdx.x == 0) y[row * C] = 0.0f;
    float m = row_max(y + row * C, C);
    __syncthreads();
    float* r = y + row * C;
    for (int j = threadIdx.x; j < C; j += blockDim.x) r[j] = r[j] - m;
}
`;
    const errors = compileKernels(src, { filename: "k.cu" }).diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.code)).toEqual(["C2M-K007"]);
  });

  it("an early return before the barrier keeps the prologue's reads on the copy-in", () => {
    const src = `${rowMax}
__global__ void k(float* y, int N, int C) {
    int row = blockIdx.x;
    if (row >= N) return;
    float m = row_max(y + row * C, C);
    __syncthreads();
    float* r = y + row * C;
    for (int j = threadIdx.x; j < C; j += blockDim.x) r[j] = r[j] - m;
}
`;
    const errors = compileKernels(src, { filename: "k.cu" }).diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.code)).toEqual(["C2M-K007"]);
  });
});
