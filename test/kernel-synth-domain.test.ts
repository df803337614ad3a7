/**
 * mmcv's kernels (issue 14): what the translation carries into the Metal header (enums, integer types spelled in
 * any order, const scalars as constant expressions), and what a synthesised launch learns from a kernel's code about
 * its inputs (src/kernel/synth-domain.ts) so that the launch does real work; and the emulator pieces they needed.
 */
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { candidateLaunches, candidateSpec, synthesizeSpecs } from "../src/kernel/synth-spec.js";
import { synthDomain, INDEX_FLOAT_DOMAIN } from "../src/kernel/synth-domain.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";
import { runCudaLaunches } from "../src/verify/cuda.js";
import { canonicalTypeName } from "../passes/kernel/cst.js";

function compiled(source: string) {
  const c = compileKernels(source, { filename: "case.cu" });
  expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return c;
}
const kernel = (c: ReturnType<typeof compiled>, name: string) => c.kernels.find((k) => k.name === name)!;

describe("the Metal header carries what a kernel names", () => {
  const src = `
enum BorderMode { Top = 0, Left = 1, Bottom = 2, Right = 3 };
namespace ops { enum class Reduce : unsigned char { Sum, Max }; }
enum { kWidth = 4 };
typedef enum { kA, kB } Kind;
enum Unused { Never = 7 };
int const threadsPerBlock = sizeof(unsigned long long int) * 8;
__global__ void border(const float* x, float* y, int n) {
  int side = threadIdx.y;
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float v = 0;
  switch (side) {
    case BorderMode::Top: v = x[i]; break;
    case Left: v = 2 * x[i]; break;
    case BorderMode::Bottom: v = -x[i]; break;
    case BorderMode::Right: v = x[i] * x[i]; break;
  }
  y[i * kWidth + side] = v;
}
__global__ void reduce(const float* x, float* y, int kind, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  ops::Reduce r = (Kind)kind == kA ? ops::Reduce::Sum : ops::Reduce::Max;
  if (i < n) y[i] = r == ops::Reduce::Sum ? x[i] + x[i] : x[i];
}
__global__ void mask(const float* boxes, unsigned long long int* out, int n) {
  __shared__ float tile[threadsPerBlock * 4];
  int t = threadIdx.x;
  tile[t] = boxes[t];
  __syncthreads();
  unsigned long long int bits = 0;
  long unsigned int one = 1;
  for (int j = 0; j < threadsPerBlock; j++) if (tile[j] > tile[t]) bits |= one << j;
  if (t < n) out[blockIdx.x * threadsPerBlock + t] = bits;
}
`;
  const c = compileKernels(src, { filename: "case.cu" });

  it("file- and namespace-scope enums (plain, enum class with a base, anonymous, typedef'd) reached by name or enumerator", () => {
    const h = kernel(c, "border").spec.header;
    expect(h).toContain("enum BorderMode { Top = 0, Left = 1, Bottom = 2, Right = 3 };");
    expect(h).toContain("enum { kWidth = 4 };");
    expect(h).not.toMatch(/Unused|Reduce/);
    const r = kernel(c, "reduce").spec.header;
    expect(r).toMatch(/enum class Reduce : uchar \{ Sum, Max \};/);
    expect(r).toContain("typedef enum { kA, kB } Kind;");
    expect(r).not.toContain("BorderMode");
    // the CUDA original MLX's cuda_kernel gets carries them too
    expect(kernel(c, "border").cuda.header).toContain("enum BorderMode");
  });

  it("one spelling per C integer type: `unsigned long long int`, `long unsigned int` are ulong", () => {
    expect(canonicalTypeName("unsigned long long int")).toBe("unsigned long long");
    expect(canonicalTypeName("long   unsigned int")).toBe("unsigned long");
    expect(canonicalTypeName("short int")).toBe("short");
    expect(canonicalTypeName("signed")).toBe("int");
    expect(canonicalTypeName("signed char")).toBe("signed char");
    const m = kernel(c, "mask");
    expect(`${m.spec.header}\n${m.spec.source}`).not.toMatch(/long long|long unsigned/);
    expect(m.spec.source).toMatch(/ulong bits = 0;/);
    expect(m.params.find((p) => p.name === "out")!.dtype).toBe("uint64");
  });

  it("a const scalar at file scope is a constant expression in Metal (an array bound)", () => {
    expect(kernel(c, "mask").spec.header).toContain("constexpr constant int threadsPerBlock = sizeof(ulong) * 8;");
  });

  it("the kernels verify (the enum's switch sizes the block: 4 cases, no default)", async () => {
    const border = kernel(c, "border");
    expect(candidateLaunches(border)[0]!.block).toEqual([32, 4, 1]);
    for (const name of ["border", "mask"]) {
      const [s] = await synthesizeSpecs(c, src, name);
      expect((await verifyAgainstSpec(c, src, s!.spec)).ok).toBe(true);
    }
  }, 120_000);
});

describe("declarations of a namespace", () => {
  const src = `
namespace ops {
enum class Reduce : unsigned char { Sum, Max };
struct P { float a; };
__device__ float twice(float x) { return 2 * x; }
}
namespace flat {
__device__ float thrice(float x) { return 3 * x; }
__global__ void inside(const float* x, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = thrice(x[i]);
}
}
__global__ void qualified(const float* x, float* y, int kind, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  ops::Reduce r = kind == 0 ? ops::Reduce::Sum : ops::Reduce::Max;
  ops::P p;
  p.a = 1;
  if (i < n) y[i] = r == ops::Reduce::Sum ? ops::twice(x[i]) + p.a : x[i];
}
`;
  const c = compiled(src);

  it("named qualified by the kernel go back in their namespace (a using-directive keeps unqualified names); others stay flat", async () => {
    const h = kernel(c, "qualified").spec.header;
    expect(h).toMatch(/namespace ops \{\nenum class Reduce : uchar \{ Sum, Max \};\n\}/);
    expect(h).toMatch(/namespace ops \{\ninline float twice\(float x\)/);
    expect(h).toContain("using namespace ops;");
    expect(kernel(c, "qualified").cuda.header).toContain("namespace ops {");
    expect(kernel(c, "inside").spec.header).not.toMatch(/namespace|using/);
    for (const name of ["qualified", "inside"]) {
      const [s] = await synthesizeSpecs(c, src, name);
      expect((await verifyAgainstSpec(c, src, s!.spec)).ok).toBe(true);
    }
  }, 120_000);
});

describe("a synthesised launch learns its inputs' domain from the kernel", () => {
  const src = `
template <typename T>
__global__ void roi_pool(const int nthreads, const T* input, const T* rois, T* output, const int pool_mode, const int channels, const int width) {
  for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < (nthreads); index += blockDim.x * gridDim.x) {
    int c = index % channels;
    int n = index / channels;
    const T* offset_rois = rois + n * 5;
    int batch = offset_rois[0];
    int x0 = (int)offset_rois[1];
    const T* in = input + (batch * channels + c) * width;
    if (pool_mode == 0) output[index] = in[0] + x0;
    else if (pool_mode == 1) output[index] = in[1];
  }
}
__global__ void ball(int n, float min_radius, float max_radius, const float* xyz, int* idx) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float d2 = xyz[i] * xyz[i];
  if (d2 >= min_radius * min_radius && d2 < max_radius * max_radius) idx[i] = 1;
}
__global__ void focal(int n, const float* p, float* out, float gamma) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = -powf(1.0f - p[i], gamma) * logf(p[i]);
}
__global__ void collect(const int nthreads, const int h, const int w, float* out) {
  for (int index = blockIdx.x * blockDim.x + threadIdx.x; index < nthreads; index += blockDim.x * gridDim.x) {
    int x = index % w;
    int y = (index / w) % h;
    if (y > 0) out[index] = x + y;
  }
}
`;
  const c = compiled(src);

  it("float buffers read as integers are indices, ints compared only with literals are modes, grid-stride bounds are work counts", () => {
    const d = synthDomain(kernel(c, "roi_pool"));
    expect([...d.indexFloats]).toEqual(["rois"]);
    expect([...d.modes]).toEqual([["pool_mode", 0]]);
    expect([...d.workCounts]).toEqual(["nthreads"]);
    const spec = candidateSpec(kernel(c, "roi_pool"), candidateLaunches(kernel(c, "roi_pool"))[0]!, {});
    expect(spec.buffers.find((b) => b.name === "rois")!.domain).toEqual(INDEX_FLOAT_DOMAIN);
    expect(spec.buffers.find((b) => b.name === "input")!.domain).toBeUndefined();
    expect(spec.launches[0]!.args[4]).toEqual({ scalar: 0, type: "int" });
    expect(synthDomain(kernel(c, "ball")).indexFloats.size).toBe(0);
  });

  it("retries until the launch writes: float scalars told apart, work counts cubed; NaN retries inside (0, 1)", async () => {
    const [ball] = await synthesizeSpecs(c, src, "ball");
    expect(ball!.spec.launches[0]!.args.slice(1, 3)).toEqual([
      { scalar: 0.5, type: "float" },
      { scalar: 1.5, type: "float" },
    ]);
    const [focal] = await synthesizeSpecs(c, src, "focal");
    expect(focal!.spec.buffers.find((b) => b.name === "p")!.domain).toEqual([1 / 16, 15 / 16]);
    const [collect] = await synthesizeSpecs(c, src, "collect");
    expect(collect!.spec.launches[0]!.args[0]).toEqual({ scalar: 16 ** 3, type: "int" });
    for (const s of [ball!, focal!, collect!]) expect((await verifyAgainstSpec(c, src, s.spec)).ok).toBe(true);
    const [roi] = await synthesizeSpecs(c, src, "roi_pool");
    expect((await verifyAgainstSpec(c, src, roi!.spec)).ok).toBe(true);
  }, 180_000);

  it("a mode whose first literal is the branch that does nothing is tried at S too; a switch along x is a lane's special case, not the block", async () => {
    const more = `__global__ void gated(float* y, int skip, int n) {\n  if (skip == 0) return;\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) y[i] = 1.0f + i;\n}\n__global__ void lanes(float* y) {\n  switch (threadIdx.x) { case 0: y[blockIdx.x] = 1.0f; break; case 1: y[blockIdx.x + 64] = 2.0f; break; }\n}\n`;
    const m = compiled(more);
    expect([...synthDomain(kernel(m, "gated")).modes]).toEqual([["skip", 0]]);
    const [gated] = await synthesizeSpecs(m, more, "gated");
    expect(gated!.spec.launches[0]!.args[1]).toEqual({ scalar: 64, type: "int" });
    expect(synthDomain(kernel(m, "lanes")).switchedBlock).toEqual({});
  }, 60_000);
});

describe("the CUDA emulator", () => {
  it("knows ATen's Half (an explicit specialisation of a kernel names at::Half in device code)", async () => {
    const src = `#include <cuda_fp16.h>\ntemplate <typename T> __global__ void copy(const T* x, T* y) { y[threadIdx.x] = x[threadIdx.x]; }\ntemplate <> __global__ void copy<at::Half>(const at::Half* x, at::Half* y) { y[threadIdx.x] = __float2half(2.0f * __half2float(x[threadIdx.x])); }\n`;
    const out = await runCudaLaunches(
      src,
      [{ kernel: "copy", templateArgs: ["at::Half"], grid: [1, 1, 1], block: [4, 1, 1], sharedBytes: 0, args: [{ buffer: "x" }, { buffer: "y" }] }],
      { x: new Uint16Array([0x3c00, 0x4000, 0x3c00, 0x4000]), y: new Uint16Array(4) },
      { deviceCodeOnly: true },
    );
    expect([...out.y!]).toEqual([0x4000, 0x4400, 0x4000, 0x4400]);
  }, 60_000);

  it("a NaN that stays in every input domain retries with the float parameters above the inputs (a ray origin inside the sphere, torch-ngp's sph_from_ray)", async () => {
    const sph = `__global__ void sph(const float* o, const float* d, const float radius, const unsigned int N, float* t_out) {
  const unsigned int n = threadIdx.x + blockIdx.x * blockDim.x;
  if (n >= N) return;
  const float A = d[n * 3] * d[n * 3] + d[n * 3 + 1] * d[n * 3 + 1] + d[n * 3 + 2] * d[n * 3 + 2];
  const float B = o[n * 3] * d[n * 3] + o[n * 3 + 1] * d[n * 3 + 1] + o[n * 3 + 2] * d[n * 3 + 2];
  const float C = o[n * 3] * o[n * 3] + o[n * 3 + 1] * o[n * 3 + 1] + o[n * 3 + 2] * o[n * 3 + 2] - radius * radius;
  t_out[n] = (-B + sqrtf(B * B - A * C)) / A;
}
`;
    const c = compiled(sph);
    const [s] = await synthesizeSpecs(c, sph, "sph");
    expect(s!.spec.launches[0]!.args[2]).toEqual({ scalar: 4, type: "float" });
    expect((await verifyAgainstSpec(c, sph, s!.spec)).ok).toBe(true);
  }, 120_000);

  it("an int buffer whose elements place a thread's writes holds distinct ids (torch-ngp's composite_rays): random ids repeat and race", async () => {
    const src = `__global__ void composite(const unsigned int n_alive, int* alive, float* acc, const float* x) {
  const unsigned int n = threadIdx.x + blockIdx.x * blockDim.x;
  if (n >= n_alive) return;
  const int index = alive[n];
  acc += index;
  float a = acc[0];
  a = a * 0.5f + x[n];
  if (a > 1.0f) alive[n] = -1;
  acc[0] = a;
}
__global__ void place(const int* ids, const float* x, float* out) { out[ids[threadIdx.x]] = x[threadIdx.x]; }
__global__ void gather(const int* ids, const float* x, float* out) { out[threadIdx.x] = x[ids[threadIdx.x]]; }
`;
    const c = compiled(src);
    expect([...synthDomain(kernel(c, "composite")).writeIds]).toEqual(["alive"]);
    expect([...synthDomain(kernel(c, "place")).writeIds]).toEqual(["ids"]);
    expect([...synthDomain(kernel(c, "gather")).writeIds]).toEqual([]);
    const [s] = await synthesizeSpecs(c, src, "composite");
    expect(s!.spec.buffers.find((b) => b.name === "alive")).toMatchObject({ ascending: true });
    expect((await verifyAgainstSpec(c, src, s!.spec)).ok).toBe(true);
  }, 120_000);

  it("an index that overshoots a buffer by far faults as that buffer's out-of-bounds access, not another buffer's data", async () => {
    const src = `__global__ void far(const float* x, const float* z, float* y) { y[threadIdx.x] = x[threadIdx.x + 3 * 262144] + z[0]; }\n`;
    const run = runCudaLaunches(
      src,
      [{ kernel: "far", grid: [1, 1, 1], block: [1, 1, 1], sharedBytes: 0, args: [{ buffer: "x" }, { buffer: "z" }, { buffer: "y" }] }],
      { x: new Float32Array(65536), z: new Float32Array(65536), y: new Float32Array(1) },
      { deviceCodeOnly: true },
    );
    await expect(run).rejects.toMatchObject({ kind: "out-of-bounds", details: { buffer: "x", index: 3 * 262144 } });
  }, 60_000);
});
