/**
 * Issue 14, llm.c's softmax_autoregressive_backward_inplace_kernel: each threadgroup reads, then writes, rows it
 * owns, through row pointers and cache hints (`__ldcs(datt_bth + t3)`, `__stcs(dpreatt_bth + t3, v)`).
 * - a cache hint's address into an in-place buffer is the address of its element, copied in on first touch
 *   (`&c2m_own(...)`), as a subscript is (AccessSite.hintAddress);
 * - a causal loop `t2 <= t` stays inside its row of T when t is `T - 1 - (something not negative)`
 *   (ownership.ts belowByDifference); `T - (...)` without the 1 may reach the next row, and stays refused.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

const kernel = `
__global__ void backward_inplace(float* datt, const float* att, int B, int T, float scale) {
    constexpr int T_per_block = 4;
    int t0 = T - 1 - T_per_block * blockIdx.x;
    int idx = blockIdx.y;
    att += idx * T * T;
    datt += idx * T * T;
    for (int to = 0; to < T_per_block; ++to) {
        int t = t0 - to;
        if (t < 0) return;
        const float* att_bth = att + t * T;
        const float* datt_bth = datt + t * T;
        float* dpreatt_bth = datt + t * T;
        float local_sum = 0;
        for (int t2 = threadIdx.x; t2 <= t; t2 += blockDim.x) local_sum += att_bth[t2] * datt_bth[t2];
        __shared__ float partial[64];
        partial[threadIdx.x] = local_sum;
        __syncthreads();
        float sum = 0;
        for (int k = 0; k < blockDim.x; k++) sum += partial[k];
        __syncthreads();
        for (int t3 = threadIdx.x; t3 < T; t3 += blockDim.x) {
            if (t3 <= t) {
                float acc = __ldcs(att_bth + t3) * (__ldcs(datt_bth + t3) - sum);
                __stcs(dpreatt_bth + t3, scale * acc);
            } else {
                __stcs(dpreatt_bth + t3, 0.0f);
            }
        }
    }
}
`;

describe("rows a threadgroup reads, then writes in place, through cache hints", () => {
  it("translates as c2m_own at the hints' addresses and verifies (rows of T, blocks of 4 rows counted from the end)", async () => {
    const r = await translatesAndVerifies(
      kernel,
      spec(
        "backward_inplace",
        [
          { B: 2, T: 8 },
          { B: 1, T: 13 },
        ],
        [
          { name: "datt", dtype: "float32", count: "B * T * T", role: "inout" },
          { name: "att", dtype: "float32", count: "B * T * T", role: "input" },
        ],
        [
          {
            kernel: "backward_inplace",
            grid: ["cdiv(T, 4)", "B", 1],
            block: [32, 1, 1],
            args: [{ buffer: "datt" }, { buffer: "att" }, { scalar: "B", type: "int" }, { scalar: "T", type: "int" }, { scalar: 0.5, type: "float" }],
          },
        ],
      ),
    );
    const k = r.kernels[0]!;
    expect(k.params.find((p) => p.name === "datt")!.role).toBe("inout-copy");
    expect(k.spec.source).toContain("(*(&c2m_own(dpreatt_bth, dpreatt_bth_in, dpreatt_bth_touched, t3, 1))) = ");
    expect(k.cuda.source).toContain("__ldcs(&c2m_own(datt_bth, datt_bth_in, datt_bth_touched, t3, 1))");
  }, 180_000);

  it("a row index that may reach T (no `- 1`) stays refused", () => {
    const wider = kernel.replace("int t0 = T - 1 - T_per_block * blockIdx.x;", "int t0 = T - T_per_block * blockIdx.x;");
    const refused = compileKernels(wider, { filename: "w.cu" }).refused.map((x) => `${x.diagnostic.code}: ${x.diagnostic.message}`);
    expect(refused).toEqual([expect.stringMatching(/^C2M-K007: buffer 'datt' .*'datt_bth\[t2\]' \(line 15\) is not shown to stay inside its row of T elements/)]);
    // an unsigned row index wraps past the row where the difference goes below 0
    const unsigned = kernel.replace("int t = t0 - to;", "unsigned t = t0 - to;");
    expect(compileKernels(unsigned, { filename: "u.cu" }).refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K007"]);
  });
});
