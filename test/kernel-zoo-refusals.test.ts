/**
 * Issue 14, refusals of the kernel corpus that named a c2m gap, each closed at its mechanism and shown on a
 * small kernel in the corpus's shape:
 * - a `__constant__` array the host fills with cudaMemcpyToSymbol (cuda-samples' convolutionSeparable
 *   `c_Kernel`) becomes an input of each kernel reading it (C2M-K043), verified; a launcher that has no
 *   array for it is not translated, saying why; a device function reading one keeps C2M-K017;
 * - the ownership proof takes an owner made of a thread index's mixed-radix digits recombined in another order
 *   (llm.c's attention_softmax_kernel1: `h = idx % NH, t = (idx / NH) % T, b = idx / (NH * T)`, rows at
 *   `b*NH*T*T + h*T*T + t*T`) and a causal loop `t2 <= t` with `t = (...) % T` inside a row of T;
 * - an in-place buffer beside atomic outputs (llm.c's layernorm_backward_kernel1-3: `dinp_bt[i] += dval` and
 *   `atomicAdd(&dbias[i], ...)`): MLX makes every output atomic<T>, so its copy-in and accesses are atomic loads
 *   and stores and its mask is uint32 (Metal has no 8-bit atomics), also through a row pointer of several terms
 *   (copied in at one site, its twins at its difference from the buffer); one copied in through c2m_own stays refused.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { carryHostConstants } from "../passes/kernel/host-constants.js";
import { mixedRadixOwner } from "../passes/kernel/mixed-radix.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

describe("__constant__ arrays the host writes", () => {
  const src = `
#define RADIUS 2
__constant__ float c_Kernel[2 * RADIUS + 1];
__constant__ float c_Scale;

extern "C" void setKernel(const float* h) { cudaMemcpyToSymbol(c_Kernel, h, (2 * RADIUS + 1) * sizeof(float)); }
extern "C" void setScale(float s) { cudaMemcpyToSymbol(c_Scale, &s, sizeof(float)); }

__global__ void blur(float* dst, const float* src, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float sum = 0;
    for (int j = -RADIUS; j <= RADIUS; j++) {
        int k = min(max(i + j, 0), n - 1);
        sum += c_Kernel[RADIUS - j] * src[k];
    }
    dst[i] = sum * c_Scale;
}

void blurGPU(float* dst, const float* src, int n) {
    blur<<<(n + 63) / 64, 64>>>(dst, src, n);
}
`;

  it("each kernel reading one takes it as its last parameters, the text keeping its lines", () => {
    const r = carryHostConstants(src);
    expect(r.text.split("\n").length).toBe(src.split("\n").length);
    expect(r.text).toContain("__global__ void blur(float* dst, const float* src, int n, const float* __restrict__ c_Kernel, const float c_Scale) {");
    expect(r.carried.map((c) => `${c.kernel}:${c.name}`)).toEqual(["blur:c_Kernel", "blur:c_Scale"]);
    // the launch is left as written
    expect(r.text).toContain("blur<<<(n + 63) / 64, 64>>>(dst, src, n);");
  });

  it("translates with C2M-K043, the launcher refused for the array it lacks, and verifies", async () => {
    const r = await translatesAndVerifies(
      src,
      spec(
        "blur",
        [{ n: 200 }, { n: 7 }],
        [
          { name: "dst", dtype: "float32", count: "n", role: "output" },
          { name: "src", dtype: "float32", count: "n", role: "input" },
          { name: "c_Kernel", dtype: "float32", count: "5", role: "input" },
        ],
        [
          {
            kernel: "blur",
            grid: ["cdiv(n, 64)", 1, 1],
            block: [64, 1, 1],
            args: [{ buffer: "dst" }, { buffer: "src" }, { scalar: "n", type: "int" }, { buffer: "c_Kernel" }, { scalar: 1.5, type: "float" }],
          },
        ],
      ),
    );
    const codes = r.diagnostics.map((d) => `${d.code}@${d.line}`);
    expect(codes).toContain("C2M-K043@15");
    expect(codes).toContain("C2M-K043@17");
    expect(r.kernels[0]!.spec.input_names).toEqual(["src", "n", "c_Kernel", "c_Scale"]);
    expect(r.python).toMatch(/def blur\(dst, src, n, c_Kernel, c_Scale, \*/);
    const launcher = r.diagnostics.find((d) => d.code === "C2M-K014")!;
    expect(launcher.message).toMatch(/launch of 'blur' with 3 of its 5 arguments: its parameter 'c_Kernel' is the __constant__ variable the host fills with cudaMemcpyToSymbol/);
    expect(r.launchers).toEqual([]);
  }, 120_000);

  it("a device function reading one keeps C2M-K017; an initialised or unwritten one is not carried", () => {
    const viaHelper = `
__constant__ float coef[4];
void set(const float* h) { cudaMemcpyToSymbol(coef, h, sizeof(coef)); }
__device__ float weigh(float v, int k) { return v * coef[k]; }
__global__ void k(float* y, const float* x, int n) { int i = threadIdx.x; if (i < n) y[i] = weigh(x[i], i % 4); }
`;
    const r = compileKernels(viaHelper, { filename: "helper.cu" });
    expect(r.refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K017"]);
    const notWritten = `__constant__ float coef[4];\n__global__ void k(float* y) { y[threadIdx.x] = coef[threadIdx.x % 4]; }\n`;
    expect(carryHostConstants(notWritten).carried).toEqual([]);
    expect(compileKernels(notWritten, { filename: "nw.cu" }).refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K017"]);
  });
});

describe("the ownership proof: mixed-radix owners and causal rows", () => {
  const defs = new Map([
    ["idx", "blockIdx.x * blockDim.x + threadIdx.x"],
    ["h", "idx % NH"],
    ["t", "(idx / NH) % T"],
    ["b", "idx / (NH * T)"],
    ["b2", "idx / NH"],
  ]);
  const perThread = (b: string) => b === "idx";
  it("a recombination of one index's digits, the top digit on top, is one owner per thread", () => {
    expect(mixedRadixOwner("b*NH*T+h*T+t", defs, perThread)).toBe(true);
    expect(mixedRadixOwner("b*T*NH+t*NH+h", defs, perThread)).toBe(true);
    // a digit missing (t): threads differing only in t share an owner
    expect(mixedRadixOwner("b*NH+h", defs, perThread)).toBe(false);
    // coefficients that do not chain: h*T and t*NH overlap
    expect(mixedRadixOwner("b*NH*T+h*T+t*NH", defs, perThread)).toBe(false);
    // the top digit not on top, or its divisor not every modulus below it
    expect(mixedRadixOwner("h*T*NH+b*T+t", defs, perThread)).toBe(false);
    expect(mixedRadixOwner("b2*NH*T+h*T+t", defs, perThread)).toBe(false);
    // a base that is not one per thread
    expect(mixedRadixOwner("b*NH*T+h*T+t", defs, () => false)).toBe(false);
  });

  const softmax = `
__global__ void softmax_causal(float* att, const float* preatt, int B, int T, int NH) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < B * T * NH) {
        int h = idx % NH;
        int t = (idx / NH) % T;
        int b = idx / (NH * T);
        const float* preatt_bth = preatt + b*NH*T*T + h*T*T + t*T;
        float* att_bth = att + b*NH*T*T + h*T*T + t*T;
        float maxval = -3.0e38f;
        for (int t2 = 0; t2 <= t; t2++) maxval = fmaxf(maxval, preatt_bth[t2]);
        float expsum = 0.0f;
        for (int t2 = 0; t2 <= t; t2++) {
            float expv = expf(preatt_bth[t2] - maxval);
            expsum += expv;
            att_bth[t2] = expv;
        }
        float expsum_inv = expsum == 0.0f ? 0.0f : 1.0f / expsum;
        for (int t2 = 0; t2 < T; t2++) {
            if (t2 <= t) att_bth[t2] *= expsum_inv;
            else att_bth[t2] = 0.0f;
        }
    }
}
`;
  it("llm.c's causal softmax row updated in place translates and verifies", async () => {
    const r = await translatesAndVerifies(
      softmax,
      spec(
        "softmax_causal",
        [
          { B: 2, T: 5, NH: 3 },
          { B: 1, T: 9, NH: 2 },
        ],
        [
          { name: "att", dtype: "float32", count: "B * NH * T * T", role: "inout" },
          { name: "preatt", dtype: "float32", count: "B * NH * T * T", role: "input" },
        ],
        [
          {
            kernel: "softmax_causal",
            grid: ["cdiv(B * T * NH, 32)", 1, 1],
            block: [32, 1, 1],
            args: [{ buffer: "att" }, { buffer: "preatt" }, { scalar: "B", type: "int" }, { scalar: "T", type: "int" }, { scalar: "NH", type: "int" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.params.find((p) => p.name === "att")!.role).toBe("inout-copy");
  }, 120_000);

  it("a causal loop's last value not shown below the row's length stays refused", () => {
    // t = idx % (T + 1) can reach T: t2 <= t walks one element into the next row
    const wider = softmax.replace("int t = (idx / NH) % T;", "int t = (idx / NH) % (T + 1);");
    expect(compileKernels(wider, { filename: "w.cu" }).refused.map((x) => x.diagnostic.message)).toEqual([expect.stringMatching(/different indices of the same owner/)]);
    // a subtraction can make the remainder negative
    const negative = softmax.replace("int t = (idx / NH) % T;", "int t = (idx / NH - 1) % T;");
    expect(compileKernels(negative, { filename: "n.cu" }).refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K007"]);
  });
});

describe("an in-place buffer beside atomic outputs", () => {
  const src = `
__global__ void backward(float* dinp, float* dbias, const float* dout, int N, int C) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= N) return;
    float* dinp_bt = dinp + idx * C;
    const float* dout_bt = dout + idx * C;
    for (int i = 0; i < C; i++) {
        atomicAdd(&dbias[i], dout_bt[i]);
        dinp_bt[i] += 2.0f * dout_bt[i];
    }
}
`;
  const backwardSpec = (sizes: { N: number; C: number }[]) =>
    spec(
      "backward",
      sizes,
      [
        { name: "dinp", dtype: "float32", count: "N * C", role: "inout" },
        { name: "dbias", dtype: "float32", count: "C", role: "inout" },
        { name: "dout", dtype: "float32", count: "N * C", role: "input", range: 8 },
      ],
      [
        {
          kernel: "backward",
          grid: ["cdiv(N, 32)", 1, 1],
          block: [32, 1, 1],
          args: [{ buffer: "dinp" }, { buffer: "dbias" }, { buffer: "dout" }, { scalar: "N", type: "int" }, { scalar: "C", type: "int" }],
        },
      ],
    );
  it("is copied in and updated with atomic stores, its mask uint32, and verifies", async () => {
    const r = await translatesAndVerifies(
      src,
      backwardSpec([
        { N: 40, C: 6 },
        { N: 3, C: 17 },
      ]),
    );
    const k = r.kernels[0]!;
    expect(k.spec.atomic_outputs).toBe(true);
    expect(k.spec.source).toContain("atomic_store_explicit(&dinp_bt[i], dinp_bt_in[i], memory_order_relaxed);");
    expect(k.spec.source).toContain("atomic_store_explicit(&dinp_bt_touched[i], 1u, memory_order_relaxed);");
    expect(k.spec.source).toContain("atomic_fetch_add_explicit(&dinp_bt[i], 2.0f * dout_bt[i], memory_order_relaxed)");
    expect(r.python).toMatch(/output_dtypes=\[mx\.float32, mx\.float32, mx\.uint32\]/);
  }, 120_000);

  it.each([
    {
      title: "through a row pointer of several terms (llm.c's `dinp + b * T * C + t * C`): its twins sit at its difference from the buffer",
      edits: [
        ["float* dinp_bt = dinp + idx * C;", "int b = idx / 4, t = idx % 4;\n    float* dinp_bt = dinp + b * 4 * C + t * C;"],
        ["const float* dout_bt = dout + idx * C;", "const float* dout_bt = dout + b * 4 * C + t * C;"],
      ],
      sizes: [{ N: 12, C: 5 }],
      has: ["auto dinp_bt_in = dinp_in + (dinp_bt - dinp);"],
      lacks: ["c2m_own"],
    },
    {
      title: "one copied in at its first touch goes through c2m_own_atomic (relaxed atomic loads and stores): translated, verified",
      edits: [["dinp_bt[i] += 2.0f * dout_bt[i];", "float a = dinp[2 * idx], b = dinp[2 * idx + 1];\n        dinp[2 * idx] = a + b;\n        dinp[2 * idx + 1] = a - b;"]],
      sizes: [{ N: 40, C: 6 }],
      has: ["atomic_store_explicit(c2m_own_atomic(dinp, dinp_in, dinp_touched, 2 * idx, 1), a + b, memory_order_relaxed);"],
      lacks: [],
    },
  ])(
    "$title",
    async ({ edits, sizes, has, lacks }) => {
      const edited = edits.reduce((text, [from, to]) => text.replace(from!, to!), src);
      expect(edited).not.toBe(src);
      const r = await translatesAndVerifies(edited, backwardSpec(sizes));
      for (const h of has) expect(r.kernels[0]!.spec.source).toContain(h);
      for (const l of lacks) expect(r.kernels[0]!.spec.source).not.toContain(l);
    },
    120_000,
  );
});
