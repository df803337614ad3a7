import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runKernel } from "../src/commands/kernel.js";
import { compileKernels } from "../src/kernel/index.js";
import { packageRoot } from "../src/python.js";

/**
 * Golden expectations of the emitted module (Metal body, header, metal_kernel object, wrappers) for a
 * few kernels, read and judged by hand: test/fixtures/kernel/expected/<name>_mlx.py. Regenerate with
 * C2M_UPDATE_EXPECTED=1 and review the diff.
 */
const root = packageRoot();
const EXPECTED = ["saxpy", "histogram_atomic", "halfwarp_reduce", "layernorm", "torch_ext", "templated", "softmax_warp"];

describe("emitted modules match the reviewed expectations", () => {
  for (const name of EXPECTED) {
    it(name, () => {
      const file = `${name}.cu`;
      const result = compileKernels(readFileSync(join(root, "golden/kernels", file), "utf8"), { filename: file });
      expect(result.diagnostics).toEqual([]);
      const expectedPath = join(root, "test/fixtures/kernel/expected", `${name}_mlx.py`);
      if (process.env.C2M_UPDATE_EXPECTED || !existsSync(expectedPath)) writeFileSync(expectedPath, result.python);
      expect(result.python).toBe(readFileSync(expectedPath, "utf8"));
    });
  }

  it("the full-warp xor butterfly becomes simd_sum / simd_max; shfl_down and segmented forms stay shuffles", () => {
    const src = `__global__ void k(const float* x, float* y) {
  float a = x[threadIdx.x], b = a, c = a, d = a;
  for (int o = 16; o > 0; o >>= 1) a += __shfl_xor_sync(0xffffffff, a, o);
  for (int o = 16; o > 0; o /= 2) b = fmaxf(b, __shfl_xor_sync(0xffffffff, b, o));
  for (int o = 16; o > 0; o >>= 1) c += __shfl_down_sync(0xffffffff, c, o);
  for (int o = 8; o > 0; o >>= 1) d += __shfl_xor_sync(0xffffffff, d, o, 16);
  y[threadIdx.x] = a + b + c + d;
}
`;
    const k = compileKernels(src, { filename: "w.cu" }).kernels[0]!;
    expect(k.spec.source).toContain("a = simd_sum(a);");
    expect(k.spec.source).toContain("b = simd_max(b);");
    expect(k.spec.source).toContain("c += simd_shuffle_down(c, ushort(o));");
    expect(k.spec.source).toContain("d += c2m_shfl_xor(d, o, 16, thread_index_in_simdgroup);");
  });

  it("PYBIND11_MODULE names that differ from the launcher's become Python aliases", () => {
    const src = `#include <torch/extension.h>
__global__ void twice_kernel(const float* x, float* y, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) y[i] = 2.0f * x[i]; }
torch::Tensor twice(torch::Tensor x) {
  auto y = torch::empty_like(x);
  int n = x.numel();
  twice_kernel<<<(n + 255) / 256, 256>>>(x.data_ptr<float>(), y.data_ptr<float>(), n);
  return y;
}
PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) { m.def("forward", &twice, "x * 2"); m.def("twice", &twice); }
`;
    const py = compileKernels(src, { filename: "ext.cu" }).python;
    expect(py).toContain("def twice(x):");
    expect(py).toMatch(/# the names the extension's PYBIND11_MODULE exports\nforward = twice\n$/);
  });

  it("--template gives a template kernel without launch sites default template arguments", () => {
    const src =
      "template <typename T, int SCALE>\n__global__ void scale(const T* x, T* y, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) y[i] = x[i] * SCALE;\n}\n";
    const r = compileKernels(src, { filename: "scale.cu", template: { T: "float", SCALE: "3" } });
    expect(r.python).toContain("def scale(x, y, n, *, grid, block, shared_mem=0, T=mx.float32, SCALE=3):");
    expect(r.kernels[0]!.templateDefaults).toEqual({ T: "float32", SCALE: 3 });
  });

  it("an in-place row pointer's _in/_touched twins follow the pointer's own declaration in the cuda_kernel body", () => {
    // a later declaration that mentions `row =` (a comparison) must not take the twins
    const src =
      "__global__ void scale_rows(float* x, int rows, int cols) {\n  int r = blockIdx.x;\n  int c = threadIdx.x;\n  float* row = x + r * cols;\n  if (c < cols) row[c] = row[c] * 2.0f;\n  bool first = row == x;\n}\n";
    const cuda = compileKernels(src, { filename: "rows.cu" }).kernels[0]!.cuda.source;
    expect(cuda).toContain("float* row = x + r * cols; auto row_in = x_in + (r * cols); auto row_touched = x_touched + (r * cols);\n");
    expect(cuda).toMatch(/\nbool first = row == x;\s*$/);
    expect(cuda.indexOf("auto row_in")).toBeLessThan(cuda.indexOf("row_in[c]"));
  });

  it("a prototype returning a pointer or a reference is a function, not a file-scope variable (no K017)", () => {
    for (const ret of ["float*", "float&"]) {
      const use = ret === "float*" ? "*pick(y, i) = 1.0f" : "pick(y, i) = 1.0f";
      const body = ret === "float*" ? "return a + i;" : "return a[i];";
      const src = `__device__ ${ret} pick(float* a, int i);\n__device__ ${ret} pick(float* a, int i) { ${body} }\n__global__ void k(float* y, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) ${use};\n}\n`;
      const r = compileKernels(src, { filename: "proto.cu" });
      expect(
        r.diagnostics.filter((d) => d.severity === "error"),
        ret,
      ).toEqual([]);
      expect(r.python).toContain("mx.fast.metal_kernel(");
    }
  });
});

describe("c2m kernel command", () => {
  const dir = mkdtempSync(join(tmpdir(), "c2m-kernel-cli-"));
  const out: string[] = [];
  const err: string[] = [];
  const capture = () => {
    out.length = 0;
    err.length = 0;
    vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  };
  afterEach(() => vi.restoreAllMocks());

  it("-o writes the Python module and exits 0", async () => {
    const target = join(dir, "vector_add_mlx.py");
    capture();
    const code = await runKernel(join(root, "golden/kernels/vector_add.cu"), { output: target });
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const py = readFileSync(target, "utf8");
    expect(py).toContain("_vector_add_kernel = mx.fast.metal_kernel(");
    expect(py).toContain("def launch_vector_add(a, b, out, n):");
  });

  it("--metal-only prints the header and body of each kernel", async () => {
    capture();
    const code = await runKernel(join(root, "golden/kernels/gelu_silu_half.cu"), { metalOnly: true });
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const text = out.join("");
    expect(text).toContain("// ===== kernel gelu_half: source (body) =====");
    expect(text).toContain("y[i] = half(gelu_f(float(x[i])));");
    expect(text).toContain("inline float c2m_erf(float a)");
    expect(text).not.toContain("mx.fast");
  });

  it("an unsupported construct exits 1 with a located diagnostic and writes the module with the kernel as a stub", async () => {
    const input = join(dir, "bad.cu");
    writeFileSync(input, '__global__ void k(float* y) {\n  printf("%f", y[0]);\n}\n');
    const target = join(dir, "bad_mlx.py");
    capture();
    const code = await runKernel(input, { output: target });
    vi.restoreAllMocks();
    expect(code).toBe(1);
    expect(err.join("")).toContain(`${input}:2:3: error C2M-K002: printf`);
    const py = readFileSync(target, "utf8");
    expect(py).toContain(`# c2m: C2M-K002 printf`);
    expect(py).toContain("def k(y, *, grid, block, shared_mem=0):");
    expect(py).toContain('raise NotImplementedError("c2m could not translate kernel k: C2M-K002 printf');
    expect(py).not.toContain("mx.fast.metal_kernel(");
  });

  it("--json reports diagnostics and kernel specs as JSON", async () => {
    capture();
    const code = await runKernel(join(root, "golden/kernels/scatter_add.cu"), { json: true });
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const j = JSON.parse(out.join(""));
    expect(j.kernels[0].spec).toMatchObject({ name: "scatter_add", input_names: ["index", "src", "n", "m"], output_names: ["out"], atomic_outputs: true });
  });

  it("--verify runs the spec next to the input on both emulators and reports each buffer", async () => {
    const target = join(dir, "saxpy_mlx.py");
    capture();
    const code = await runKernel(join(root, "golden/kernels/saxpy.cu"), { verify: true, output: target });
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const log = err.join("");
    expect(log).toMatch(/^ok {3}saxpy \[n=7\] y \(metal\): 7 values/m);
    expect(log).toMatch(/^ok {3}saxpy \[n=3001\] y \(metal\): 3001 values/m);
    // the module's other body, the CUDA original as mx.fast.cuda_kernel runs it, is checked too
    expect(log).toMatch(/^ok {3}saxpy \[n=3001\] y \(cuda_kernel\): 3001 values/m);
    expect(existsSync(target)).toBe(true);
  }, 120_000);

  it("--verify with no spec, no host launcher and no flags synthesises each kernel's launch from its signature (src/kernel/synth-spec.ts)", async () => {
    const input = join(dir, "lonely.cu");
    writeFileSync(input, "__global__ void k(float* y) { y[threadIdx.x] = 1.0f; }\n");
    capture();
    const code = await runKernel(input, { verify: true });
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(err.join("")).toContain("each kernel's launch is synthesised from its signature");
  });

  it("a missing file exits 2 with C2M-E004", async () => {
    capture();
    const code = await runKernel(join(dir, "nope.cu"), {});
    vi.restoreAllMocks();
    expect(code).toBe(2);
    expect(err.join("")).toContain("C2M-E004");
  });
});
