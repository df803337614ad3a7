import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../src/python.js";
import { compileKernels } from "../src/kernel/index.js";
import { describeFixturesMatchCuda, spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

/**
 * Cooperative groups, in-place updates proven thread-private, volatile shared memory and file-scope
 * constants (test/fixtures/kernel/coop: cases from llm.c and c2m's own): each translated with no error,
 * run on the Metal emulator as the emitted module calls it, and compared with the CUDA original on the
 * CUDA emulator; then what stays refused, with its code.
 */
const dir = join(packageRoot(), "test/fixtures/kernel/coop");
describeFixturesMatchCuda("coop fixtures match CUDA", "test/fixtures/kernel/coop");

/** The error codes and lines of a translation. */
function refusals(source: string): string[] {
  return compileKernels(source, { filename: "k.cu" })
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.code}:${d.line}`);
}

describe("cooperative groups c2m refuses", () => {
  const head = "#include <cooperative_groups.h>\nnamespace cg = cooperative_groups;\n";
  it("a grid group's sync is grid-wide synchronisation (K005); its thread_rank is an index", () => {
    expect(refusals(`${head}__global__ void k(float* y) {\n  cg::grid_group grid = cg::this_grid();\n  y[grid.thread_rank()] = 1.0f;\n  grid.sync();\n}\n`)).toEqual([
      "C2M-K005:6",
    ]);
    expect(refusals(`${head}__global__ void k(float* y) {\n  y[cg::this_grid().thread_rank()] = 1.0f;\n  cg::this_grid().sync();\n}\n`)).toEqual(["C2M-K005:5"]);
    expect(refusals(`${head}__global__ void k(float* y) {\n  auto g = cg::this_grid();\n  cg::sync(g);\n}\n`)).toEqual(["C2M-K005:5"]);
  });
  it("tiles wider than a SIMD-group or not a power of two (K036)", () => {
    expect(refusals(`${head}__global__ void k(float* y) {\n  auto w = cg::tiled_partition<64>(cg::this_thread_block());\n  y[0] = w.thread_rank();\n}\n`)).toEqual(["C2M-K036:4"]);
    expect(
      refusals(
        `${head}#define TILE 12\n__global__ void k(float* y) {\n  cg::thread_block_tile<TILE> w = cg::tiled_partition<TILE>(cg::this_thread_block());\n  y[0] = w.thread_rank();\n}\n`,
      ),
    ).toEqual(["C2M-K036:5", "C2M-K036:5"]);
  });
  it("names c2m does not map, run-time tile sizes and tiles of tiles (K035)", () => {
    expect(refusals(`${head}__global__ void k(float* y) {\n  auto a = cg::coalesced_threads();\n  y[0] = a.thread_rank();\n}\n`)).toEqual(["C2M-K035:4"]);
    expect(refusals(`${head}__global__ void k(float* y) {\n  auto t = cg::tiled_partition(cg::this_thread_block(), 32);\n  y[0] = t.thread_rank();\n}\n`)).toEqual(["C2M-K035:4"]);
    expect(
      refusals(
        `${head}__global__ void k(float* y) {\n  auto w = cg::tiled_partition<32>(cg::this_thread_block());\n  auto q = cg::tiled_partition<4>(w);\n  y[0] = q.thread_rank();\n}\n`,
      ),
    ).toEqual(["C2M-K035:5"]);
  });
  it("the Metal body names no CUDA namespace; the CUDA body keeps the original with its includes", () => {
    const src = readFileSync(join(dir, "llmc_layernorm4.cu"), "utf8");
    const k = compileKernels(src, { filename: "llmc_layernorm4.cu" }).kernels[0]!;
    expect(k.spec.source).not.toMatch(/\bcg::|cooperative_groups::/);
    expect(k.spec.source).toMatch(/c2m_cg::reduce\(warp, sum, c2m_cg::plus<float>\{\}\)/);
    expect(k.spec.header).toMatch(/namespace c2m_cg \{/);
    expect(k.cuda.header).toMatch(/#include <cooperative_groups\.h>/);
    expect(k.cuda.source).toMatch(/cg::reduce\(warp, sum, cg::plus<float>\{\}\)/);
  });
});

describe("the ownership proof for read-modify-write buffers", () => {
  const k = (body: string) => `__global__ void k(float* y, const float* x, int n, int C) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n${body}\n}\n`;
  const verdict = (body: string) => {
    const r = compileKernels(k(body), { filename: "k.cu" });
    const d = r.diagnostics.find((x) => x.code === "C2M-K007");
    return d ? d.message.replace(/^.*is read and written: /, "") : r.kernels[0]!.params.find((p) => p.name === "y")!.role;
  };
  it("proves elements owned by the thread that computes their index", () => {
    expect(verdict("  float a = y[2 * i], b = y[2 * i + 1];\n  y[2 * i] = a + b;\n  y[2 * i + 1] = a - b;")).toBe("inout-copy");
    expect(verdict("  float* row = y + i * C;\n  for (int j = 0; j < C; j++) row[j] *= 2.0f;\n  for (int j = 0; j < C; j++) row[j] += row[0];")).toBe("inout-copy");
    expect(verdict("  for (int s = 0; s < n; s++) y[i] = y[i] * 0.5f + x[s];")).toBe("inout-copy");
    expect(verdict("  if (threadIdx.x == 0) y[blockIdx.x] += x[i];")).toBe("inout-copy");
    expect(verdict("  int lane = threadIdx.x % 32;\n  if (lane == 0) y[blockIdx.x * 8 + threadIdx.x / 32] *= 2.0f;")).toBe("inout-copy");
    expect(verdict("  int b = i / C, c = i % C;\n  float* r = y + b * C + c;\n  *r += 1.0f;")).toBe("inout-copy");
  });
  it("accepts accesses at different owner indices when each updates its element within its statement (a permutation: llm.c's permute_kernel_backward)", async () => {
    expect(verdict("  int c = i % C;\n  y[i * 3 + c % 3] += x[i];\n  y[i * 3 + (c + 1) % 3] += 2.0f * x[i];")).toBe("inout-copy");
    expect(verdict("  y[i] = y[i] * 2.0f;\n  y[i + n] = 0.5f * y[i + n];")).toBe("inout-copy");
    // a read outside the update of its own element, or an update from another element, stays refused
    expect(verdict("  y[i] += 1.0f;\n  float v = y[i + n];\n  y[i + n] = v;")).toMatch(/different owner indices/);
    expect(verdict("  y[i] += y[i + n];")).toMatch(/different owner indices/);
    // an index every thread shares stays refused too: every thread would update the same element
    expect(verdict("  y[i] += 1.0f;\n  y[n] += 1.0f;")).toMatch(/different owner indices/);
    const src = `__global__ void permute_back(float* dinp, const float* dq, const float* dk, int N, int d) {
  int idx = blockIdx.x * blockDim.x + threadIdx.x;
  if (idx < N * d) {
    int n = idx / d, d_ = idx % d;
    int inp_idx = n * 2 * d + d_;
    dinp[inp_idx] += dq[idx];
    dinp[inp_idx + d] += dk[idx];
  }
}
`;
    await translatesAndVerifies(
      src,
      spec(
        "permute_back",
        [
          { N: 5, d: 24 },
          { N: 7, d: 33 },
        ],
        [
          { name: "dinp", dtype: "float32", count: "2 * N * d", role: "inout" },
          { name: "dq", dtype: "float32", count: "N * d", role: "input" },
          { name: "dk", dtype: "float32", count: "N * d", role: "input" },
        ],
        [
          {
            kernel: "permute_back",
            grid: ["cdiv(N * d, 64)", 1, 1],
            block: [64, 1, 1],
            args: [{ buffer: "dinp" }, { buffer: "dq" }, { buffer: "dk" }, { scalar: "N", type: "int" }, { scalar: "d", type: "int" }],
          },
        ],
      ),
    );
  }, 60_000);
  it("refuses accesses that can meet another thread's, and says why", () => {
    expect(verdict("  y[2 * i] += y[2 * i + 2];")).toMatch(/different indices of the same owner/);
    expect(verdict("  if (i > 0) y[i] += y[i - 1];")).toMatch(/different indices/);
    // the two accesses named with their lines, and why Metal cannot update a shared element in place
    expect(verdict("  y[i] += y[0];")).toMatch(/^'y\[i\]' \(line 3\) and 'y\[0\]' \(line 3\) have different owner indices \(i, 0\)/);
    expect(verdict("  y[i] += y[0];")).toMatch(/an input cannot be aliased as an output.*needs a grid-wide barrier, which Metal does not have$/);
    expect(verdict("  float* row = y + (i / 32) * C;\n  for (int j = 0; j < C; j++) row[j] += 1.0f;\n  row[0] *= 2.0f;")).toMatch(/different indices of the same owner/);
    expect(verdict("  for (int j = 0; j < C; j++) y[j] += x[i];")).toMatch(/does not depend on the thread/);
    // every block's leader updates y[0]: right for one threadgroup, which the wrapper then insists on (test/kernel-group-ownership.test.ts)
    expect(verdict("  if (threadIdx.x == 0) y[0] += x[i];")).toBe("inout-copy");
    // one element per threadgroup: its threads share it, copied in at the first touch (test/kernel-group-ownership.test.ts)
    expect(verdict("  if (threadIdx.x % 32 == 0) y[blockIdx.x] += x[i];")).toBe("inout-copy");
    expect(verdict("  float* r = y + i;\n  if (n > 3) r = y + 2 * i;\n  r[0] += 1.0f;")).toMatch(/reassigned/);
  });
  it("a buffer updated with atomics and plainly names both accesses; one whose in-place twin MLX would make atomic says so", () => {
    const mixed = verdict("  atomicAdd(&y[i % 4], 1.0f);\n  if (i == 0) y[0] = 0.0f;");
    expect(mixed).toMatch(/updated with atomics \('atomicAdd\(&y\[i % 4\], 1.0f\)' \(line 3\)\) and also read or written without them \('y\[0\]' \(line 4\)\)/);
    expect(mixed).toMatch(/grid-wide barrier, which Metal does not have$/);
    // copied in at one site: translated with atomic loads and stores (test/kernel-zoo-refusals.test.ts); through c2m_own:
    // c2m_own_atomic (test/kernel-own-atomic.test.ts); an element's address taken: refused, saying why
    const src = `__global__ void k(float* y, float* total, const float* x) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  float a = y[2 * i], b = y[2 * i + 1];\n  y[2 * i] = a + b;\n  y[2 * i + 1] = a - b;\n  atomicAdd(total, x[i]);\n}\n`;
    const ok = compileKernels(src, { filename: "k.cu" });
    expect(ok.diagnostics.filter((x) => x.code === "C2M-K007")).toEqual([]);
    expect(ok.kernels[0]!.spec.source).toContain("c2m_own_atomic(y, y_in, y_touched, 2 * i, 1)");
    const addressed = src.replace("  atomicAdd(total, x[i]);", "  atomicAdd(total, x[i]);\n  __stcs(y + 2 * i, a * 2.0f);");
    const d = compileKernels(addressed, { filename: "k.cu" }).diagnostics.find((x) => x.code === "C2M-K007");
    expect(d?.message ?? "").toMatch(/declares every output atomic \(atomic_outputs is one flag\).*a cache hint takes an element's address/);
  });
});

describe("the CUDA emulator runs warp-synchronous volatile code as a warp does", () => {
  it("matches the sums computed here for the classic volatile reduction", async () => {
    const { runCudaLaunches } = await import("../src/verify/cuda.js");
    const source = readFileSync(join(dir, "volatile_reduce.cu"), "utf8");
    const n = 300;
    const blocks = Math.ceil(n / 128);
    const input = Float32Array.from({ length: n }, (_, i) => ((i * 37) % 11) - 5);
    const out = await runCudaLaunches(
      source,
      [
        {
          kernel: "volatile_reduce",
          grid: [blocks, 1, 1],
          block: [128, 1, 1],
          args: [{ buffer: "in" }, { buffer: "out" }, { buffer: "out2" }, { scalar: n, type: "int" }],
        },
      ],
      { in: input, out: new Float32Array(blocks), out2: new Float32Array(blocks) },
    );
    const sums = [0, 1, 2].map((b) => input.slice(b * 128, (b + 1) * 128).reduce((s, v) => s + v, 0));
    const squares = [0, 1, 2].map((b) => input.slice(b * 128, (b + 1) * 128).reduce((s, v) => s + v * v, 0));
    expect(Array.from(out.out!)).toEqual(sums);
    expect(Array.from(out.out2!)).toEqual(squares);
    const arr = await runCudaLaunches(
      source,
      [{ kernel: "volatile_array_reduce", grid: [5, 1, 1], block: [64, 1, 1], args: [{ buffer: "in" }, { buffer: "out" }, { scalar: n, type: "int" }] }],
      { in: input, out: new Float32Array(5) },
    );
    expect(Array.from(arr.out!)).toEqual([0, 1, 2, 3, 4].map((b) => input.slice(b * 64, (b + 1) * 64).reduce((s, v) => s + v, 0)));
  }, 120_000);
});
