/**
 * Issue 14, llm.c's adamw_kernel3: an in-place buffer the kernel reaches only through one call of a device
 * function (passes/kernel/helper-copy.ts). The helper's index and its early-return guards are inlined into the
 * caller symbolically, the ownership proof runs on that element, and the kernel copies it in just before the
 * call. Each condition the copy needs to be exact, when broken, keeps C2M-K007 and says which.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const adamw = `
__device__ float lerp1(float start, float end, float weight) { return fma(weight, end, fma(-weight, start, start)); }
__device__ void round_to(float in, float* out, unsigned int seed) { *out = in; }

template <typename Tp>
__device__ void update(Tp* params, float* master, const float* grads, float* m_memory, size_t num_parameters, float lr, unsigned int seed) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= num_parameters) { return; }
    float grad = grads[idx];
    float m = m_memory[idx];
    m = lerp1(grad, m, 0.9f);
    m_memory[idx] = m;
    float old = (master != NULL) ? master[idx] : (float)params[idx];
    float p = old - lr * m;
    round_to(p, &params[idx], seed);
    if (master != NULL) { master[idx] = p; }
}

template <typename Tp>
__global__ void adamw(Tp* params, float* master, const float* grads, float* m_memory, size_t num_parameters,
                      ptrdiff_t w_stride, ptrdiff_t s_stride, float lr, unsigned int seed) {
    update(params + blockIdx.y * w_stride, master ? master + blockIdx.y * s_stride : NULL, grads + blockIdx.y * w_stride,
           m_memory + blockIdx.y * s_stride, num_parameters, lr, seed);
}
`;

const refusal = (src: string) =>
  compileKernels(src, { filename: "h.cu", template: { Tp: "float" } })
    .refused.map((r) => `${r.diagnostic.code}: ${r.diagnostic.message}`)
    .join("\n");

describe("an in-place buffer reached through one helper call", () => {
  it("copies the helper's element in before the call, under its guard, and verifies (several slices along y, a partial last block)", async () => {
    const r = await translatesAndVerifies(
      adamw,
      spec(
        "adamw",
        [
          { n: 100, L: 2 },
          { n: 37, L: 3 },
        ],
        [
          { name: "params", dtype: "float32", count: "n * L", role: "inout" },
          { name: "master", dtype: "float32", count: "n * L", role: "inout" },
          { name: "grads", dtype: "float32", count: "n * L", role: "input" },
          { name: "m_memory", dtype: "float32", count: "n * L", role: "inout" },
        ],
        [
          {
            kernel: "adamw",
            templateArgs: ["float"],
            grid: ["cdiv(n, 32)", "L", 1],
            block: [32, 1, 1],
            args: [
              { buffer: "params" },
              { buffer: "master" },
              { buffer: "grads" },
              { buffer: "m_memory" },
              { scalar: "n", type: "size_t" },
              { scalar: "n", type: "long" },
              { scalar: "n", type: "long" },
              { scalar: 0.01, type: "float" },
              { scalar: 7, type: "unsigned int" },
            ],
          },
        ],
      ),
    );
    const k = r.kernels.find((x) => x.name === "adamw")!;
    expect(k.params.filter((p) => p.kind === "buffer" && p.role === "inout-copy").map((p) => p.name)).toEqual(["params", "master", "m_memory"]);
    expect(k.spec.source).toMatch(
      /if \(!\(\(\(int\)\(threadgroup_position_in_grid\.x \* threads_per_threadgroup\.x \+ thread_position_in_threadgroup\.x\)\) >= \(\(size_t\)\(num_parameters\)\)\)\) \{ auto c2m_e = \(threadgroup_position_in_grid\.y \* w_stride\) \+/,
    );
  }, 180_000);

  it("keeps C2M-K007, saying why, when the helper reaches another element, loops over the call, or returns later", () => {
    expect(refusal(adamw.replace("m_memory[idx] = m;", "m_memory[idx + 1] = m;"))).toMatch(
      /C2M-K007: buffer 'm_memory' .* in its helper 'update' \(called at line 22\): it indexes 'm_memory' at different indices \(\[idx\], \[idx\+1\]\)/,
    );
    expect(refusal(adamw.replace("    update(params", "    for (int r = 0; r < 2; r++) update(params"))).toMatch(/its helper 'update' \(called at line 22\) is called in a loop/);
    expect(refusal(adamw.replace("    update(params", "    params += 1;\n    update(params"))).toMatch(/'params' is moved in the kernel before its helper 'update'/);
    expect(refusal(adamw.replace("float p = old - lr * m;", "float p = old - lr * m; if (p > 1.0f) return;"))).toMatch(
      /it returns at line 14, other than from an `if \(...\) return;` before its first use of 'params'/,
    );
  });

  it("keeps C2M-K007 when the element is not the thread's own or is reached only under a condition", () => {
    // every thread of a block updates the same element
    expect(refusal(adamw.replace("int idx = blockIdx.x * blockDim.x + threadIdx.x;", "int idx = blockIdx.x;"))).toMatch(/does not depend on the thread within its block/);
    // m_memory[idx] only for some threads: the element may be out of bounds for the others
    expect(
      refusal(
        adamw.replace("    m_memory[idx] = m;", "    if (grad > 0.0f) m_memory[idx] = m;").replace("float m = m_memory[idx];", "float m = grad > 0.0f ? m_memory[idx] : 0.0f;"),
      ),
    ).toMatch(/it reaches 'm_memory\[idx\]' only under conditions/);
    // a barrier in the helper: threads could pass the element between them
    expect(refusal(adamw.replace("float p = old - lr * m;", "__syncthreads(); float p = old - lr * m;"))).toMatch(/it reaches a barrier/);
  });
});
