import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { spec, translatesAndVerifies } from "./kernel-spec-helpers.js";

/**
 * Cooperative-groups tiles wider than a SIMD-group over block_tile_memory (cuda-samples' multi_warp_cg_reduce):
 * threadgroup memory and threadgroup barriers carry their reduce and sync (emit/coop.ts, emit/coop-wide.ts).
 */
const head = "#include <cooperative_groups.h>\nnamespace cg = cooperative_groups;\n";

describe("tiles wider than a SIMD-group", () => {
  it("reduce over tiles of 64 and a template size, sync and indices: translated, verified, clang-clean", async () => {
    const src = `${head}
template <class T, unsigned Wide>
__global__ void tile_sums(const T* x, T* sums, T* wide, int n) {
    __shared__ cg::block_tile_memory<128> scratch;
    cg::thread_block block = cg::this_thread_block(scratch);
    auto t64 = cg::tiled_partition<64>(block);
    auto tw = cg::tiled_partition<Wide>(block);
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    T v = i < n ? x[i] : T(0);
    T s = cg::reduce(t64, v, cg::plus<T>());
    t64.sync();
    T m = cg::reduce(tw, v * v, cg::greater<T>());
    if (t64.thread_rank() == 0) sums[blockIdx.x * t64.meta_group_size() + t64.meta_group_rank()] = s;
    if (tw.thread_rank() == 1) wide[blockIdx.x * tw.meta_group_size() + tw.meta_group_rank()] = m;
}
`;
    const r = await translatesAndVerifies(
      src,
      spec(
        "tile_sums",
        [{ n: 300 }, { n: 200 }],
        [
          { name: "x", dtype: "float32", count: "n", role: "input" },
          { name: "sums", dtype: "float32", count: "6", role: "output" },
          { name: "wide", dtype: "float32", count: "3", role: "output" },
        ],
        [
          {
            kernel: "tile_sums",
            templateArgs: ["float", "128"],
            grid: [3, 1, 1],
            block: [128, 1, 1],
            args: [{ buffer: "x" }, { buffer: "sums" }, { buffer: "wide" }, { scalar: "n", type: "int" }],
          },
        ],
      ),
    );
    expect(r.kernels[0]!.spec.source).toMatch(/threadgroup c2m_cg::block_tile_memory<128> scratch;/);
    expect(r.kernels[0]!.spec.header).toMatch(/threadgroup_barrier\(mem_flags::mem_threadgroup\);/);
  }, 180_000);

  it("without block_tile_memory a tile of 64 stays K036; a collective after a return is K035", () => {
    const errors = (src: string) =>
      compileKernels(src, { filename: "k.cu" })
        .diagnostics.filter((d) => d.severity === "error")
        .map((d) => `${d.code}:${d.line}`);
    expect(errors(`${head}__global__ void k(float* y) {\n  auto t = cg::tiled_partition<64>(cg::this_thread_block());\n  y[0] = t.thread_rank();\n}\n`)).toEqual(["C2M-K036:4"]);
    expect(
      errors(
        `${head}__global__ void k(const float* x, float* y, int n) {\n  __shared__ cg::block_tile_memory<256> m;\n  auto t = cg::tiled_partition<128>(cg::this_thread_block(m));\n  if (threadIdx.x >= n) return;\n  y[threadIdx.x] = cg::reduce(t, x[threadIdx.x], cg::plus<float>());\n}\n`,
      ),
    ).toEqual(["C2M-K035:7"]);
  });
});
