/**
 * Issue 14, pytorch_cluster graclus's `__device__ bool done_d;` (set by kernels, read back by the host with
 * cudaMemcpyFromSymbol), refused as C2M-K017: a file-scope __device__ variable becomes one more buffer of each
 * kernel using it (C2M-K052, passes/kernel/device-vars.ts), which keeps its value where no thread writes it, and
 * the host reading (launch-spec.ts) passes every launch the variable's one buffer.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { carryDeviceVariables } from "../passes/kernel/device-vars.js";
import { deriveVerifySpecs } from "../src/kernel/launch-spec.js";
import { spec, translatesAndVerifies, verifies } from "./kernel-spec-helpers.js";

const GRACLUS = `
#define THREADS 64
__device__ bool done_d;
__device__ int hits[4];
__global__ void init_done_kernel() { done_d = true; }
__global__ void colorize_kernel(long *out, const float *bernoulli, long numel) {
  const long i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < numel) {
    if (out[i] < 0) {
      out[i] = (long)bernoulli[i] - 2;
      done_d = false;
    }
  }
}
__global__ void mark_kernel(const long *out, long numel) {
  const long i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < numel && out[i] == -1) hits[i % 4] = 1;
}
bool colorize(long *out, const float *bernoulli, long numel) {
  init_done_kernel<<<1, 1>>>();
  mark_kernel<<<(numel + THREADS - 1) / THREADS, THREADS>>>(out, numel);
  colorize_kernel<<<(numel + THREADS - 1) / THREADS, THREADS>>>(out, bernoulli, numel);
  bool done_h;
  cudaMemcpyFromSymbol(&done_h, done_d, sizeof(done_h), 0, cudaMemcpyDeviceToHost);
  return done_h;
}
`;

describe("file-scope __device__ variables", () => {
  it("each kernel using one takes it as its last parameter (a scalar's uses as element 0), the lines kept", () => {
    const r = carryDeviceVariables(GRACLUS);
    expect(r.text.split("\n").length).toBe(GRACLUS.split("\n").length);
    expect(r.text).toContain("__global__ void init_done_kernel(bool* __restrict__ done_d) { done_d[0] = true; }");
    expect(r.text).toContain("__global__ void colorize_kernel(long *out, const float *bernoulli, long numel, bool* __restrict__ done_d) {");
    expect(r.text).toContain("__global__ void mark_kernel(const long *out, long numel, int* __restrict__ hits) {");
    expect(r.text).toContain("hits[i % 4] = 1;");
    expect(r.carried.map((c) => `${c.kernel}:${c.name}:${c.count}`)).toEqual(["init_done_kernel:done_d:1", "colorize_kernel:done_d:1", "mark_kernel:hits:4"]);
    // the launches are left as written
    expect(r.text).toContain("init_done_kernel<<<1, 1>>>();");
  });

  it("translates with C2M-K052; a written variable keeps the caller's value where no thread writes it", () => {
    const r = compileKernels(GRACLUS, { filename: "graclus.cu" });
    expect(r.refused).toEqual([]);
    expect(r.diagnostics.filter((d) => d.code === "C2M-K052").map((d) => d.line)).toEqual([5, 11, 17]);
    const colorize = r.kernels.find((k) => k.name === "colorize_kernel")!;
    expect(colorize.params.find((p) => p.name === "done_d")).toMatchObject({ role: "inout-copy", maskName: "done_d_touched" });
    expect(r.kernels.find((k) => k.name === "mark_kernel")!.params.find((p) => p.name === "hits")!.role).toBe("inout-copy");
    expect(r.python).toMatch(/def colorize_kernel\(out, bernoulli, numel, done_d, \*/);
  });

  it("verifies, each kernel launched alone", async () => {
    await translatesAndVerifies(
      GRACLUS,
      spec(
        "colorize",
        [{ n: 200 }],
        [
          { name: "out", dtype: "int64", count: "n", role: "inout", fill: -1 },
          { name: "bernoulli", dtype: "float32", count: "n", role: "input" },
          { name: "done_d", dtype: "bool", count: "1", role: "inout", fill: 1 },
        ],
        [
          {
            kernel: "colorize_kernel",
            grid: ["cdiv(n, 64)", 1, 1],
            block: [64, 1, 1],
            args: [{ buffer: "out" }, { buffer: "bernoulli" }, { scalar: "n", type: "long" }, { buffer: "done_d" }],
          },
        ],
      ),
    );
  }, 120_000);

  it("the host's launches share the variable's buffer, read back as it reads the symbol; verified", async () => {
    const r = compileKernels(GRACLUS, { filename: "graclus.cu" });
    const d = deriveVerifySpecs(r.source, "graclus.cu", r, {});
    const s = d.specs[0]!;
    expect(s.launches.map((l) => l.kernel)).toEqual(["init_done_kernel", "mark_kernel", "colorize_kernel"]);
    expect(s.launches[0]!.args).toEqual([{ buffer: "done_d" }]);
    expect(s.launches[1]!.args.slice(2)).toEqual([{ buffer: "hits" }]);
    expect(s.launches[2]!.args.slice(3)).toEqual([{ buffer: "done_d" }]);
    expect(s.buffers.find((b) => b.name === "done_d")).toMatchObject({ dtype: "bool", count: 1 });
    expect(s.buffers.find((b) => b.name === "hits")).toMatchObject({ dtype: "int32", count: 4 });
    await verifies(r, s, { source: r.source });
  }, 120_000);

  it("a device function using one keeps C2M-K017; an initialised one is not carried", () => {
    const viaHelper = `__device__ int flag;
__device__ void raise_flag() { flag = 1; }
__global__ void k(float *y) { y[threadIdx.x] = 0; raise_flag(); }
`;
    expect(carryDeviceVariables(viaHelper).carried).toEqual([]);
    expect(compileKernels(viaHelper, { filename: "helper.cu" }).refused.map((x) => x.diagnostic.code)).toEqual(["C2M-K017"]);
    // an initializer other than a literal (the value at load would have to be computed) is not carried
    const computed = `#define N 3\n__device__ int counter = N * 2;\n__global__ void k(int *y) { y[threadIdx.x] = counter; }\n`;
    expect(carryDeviceVariables(computed).carried).toEqual([]);
  });

  it("a scalar with a literal initializer is carried, the initializer its value before the first launch", () => {
    const initialised = `__device__ int counter = 3;\n__global__ void k(int *y) { y[threadIdx.x] = counter; }\n`;
    const c = carryDeviceVariables(initialised);
    expect(c.carried.map((x) => `${x.kernel}:${x.name}:${x.count}:${x.init}`)).toEqual(["k:counter:1:3"]);
    expect(c.text).toContain("__global__ void k(int *y, int* __restrict__ counter) { y[threadIdx.x] = counter[0]; }");
    const r = compileKernels(initialised, { filename: "init.cu" });
    expect(r.refused).toEqual([]);
    expect(r.diagnostics.find((d) => d.code === "C2M-K052")?.message).toMatch(/holding 3 \(its initializer\) before the first launch/);
  });
});

// cuda-samples' threadFenceReduction counts the threadgroups that finished in `__device__ unsigned int retirementCount = 0;`
const TICKET = `
__device__ unsigned int retirementCount = 0;
__device__ int bias = 2;
__global__ void last_sum(const float* x, float* part, float* out, int n) {
  __shared__ float s[64];
  __shared__ bool amLast;
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  s[threadIdx.x] = i < n ? x[i] : 0.0f;
  __syncthreads();
  for (int k = 32; k > 0; k >>= 1) {
    if (threadIdx.x < k) s[threadIdx.x] += s[threadIdx.x + k];
    __syncthreads();
  }
  if (threadIdx.x == 0) part[blockIdx.x] = s[0] + bias;
  __threadfence();
  if (threadIdx.x == 0) {
    unsigned int ticket = atomicAdd(&retirementCount, 1);
    amLast = (ticket == gridDim.x - 1);
  }
  __syncthreads();
  if (amLast && threadIdx.x == 0) {
    float t = 0.0f;
    for (int j = 0; j < gridDim.x; j++) t += part[j];
    out[0] = t;
  }
}
void run(const float* h_x, int n) {
  float *x, *part, *out;
  cudaMalloc(&x, n * sizeof(float));
  cudaMalloc(&part, 8 * sizeof(float));
  cudaMalloc(&out, sizeof(float));
  cudaMemcpy(x, h_x, n * sizeof(float), cudaMemcpyHostToDevice);
  last_sum<<<(n + 63) / 64, 64>>>(x, part, out, n);
}
`;

describe("a ticket counter in an initialised __device__ variable", () => {
  it("feeds the last-arriver hand-over: the host's launch starts it at its initializer, verified in both threadgroup orders", async () => {
    const r = compileKernels(TICKET, { filename: "ticket.cu" });
    expect(r.refused).toEqual([]);
    const k = r.kernels[0]!;
    expect(k.params.find((p) => p.name === "retirementCount")!.role).toBe("atomic-accumulate");
    expect(k.params.find((p) => p.name === "part")!.handOver).toBe(true);
    const d = deriveVerifySpecs(r.source, "ticket.cu", r, { sizes: { n: [300] } });
    // part and out are hand-over outputs, fresh (elements no threadgroup writes are 0, as their docstring says): the
    // comparison starts outputs at 0, that rule
    const s = { ...d.specs[0]!, zeroOutputs: true };
    // 0 is what a fresh output holds; another initializer is the caller's first value
    expect(s.buffers.find((b) => b.name === "retirementCount")).toMatchObject({ dtype: "uint32", count: 1 });
    expect(s.buffers.find((b) => b.name === "retirementCount")!.fill).toBeUndefined();
    expect(s.buffers.find((b) => b.name === "bias")).toMatchObject({ dtype: "int32", count: 1, fill: 2 });
    const rep = await verifies(r, s, { source: r.source });
    expect(rep.lines.filter((l) => /^ok .*out .*threadgroups last to first/.test(l)).length).toBeGreaterThan(0);
  }, 180_000);
});
