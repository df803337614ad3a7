import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../src/python.js";
import type { GoldenSpec } from "../src/verify/golden.js";
import { compileKernels } from "../src/kernel/index.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";

/**
 * Cooperative groups, in-place updates proven thread-private, volatile shared memory and file-scope
 * constants (test/fixtures/kernel/coop: cases from llm.c and c2m's own): each translated with no error,
 * run on the Metal emulator as the emitted module calls it, and compared with the CUDA original on the
 * CUDA emulator; then what stays refused, with its code.
 */
const dir = join(packageRoot(), "test/fixtures/kernel/coop");
const specs = readdirSync(dir)
  .filter((f) => f.endsWith(".spec.json"))
  .sort();

describe("coop fixtures match CUDA", () => {
  for (const file of specs) {
    const spec = JSON.parse(readFileSync(join(dir, file), "utf8")) as GoldenSpec;
    it(`${spec.name}: ${spec.sizes.length} sizes`, async () => {
      const source = readFileSync(join(dir, spec.file), "utf8");
      const compiled = compileKernels(source, { filename: spec.file });
      expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const report = await verifyAgainstSpec(compiled, source, spec);
      expect(report.ok, report.lines.join("\n")).toBe(true);
    }, 240_000);
  }
});

/** The error codes and lines of a translation. */
function refusals(source: string): string[] {
  return compileKernels(source, { filename: "k.cu" })
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.code}:${d.line}`);
}

describe("cooperative groups c2m refuses", () => {
  const head = "#include <cooperative_groups.h>\nnamespace cg = cooperative_groups;\n";
  it("a grid group's sync is grid-wide synchronisation (K005); its thread_rank is an index", () => {
    expect(
      refusals(`${head}__global__ void k(float* y) {\n  cg::grid_group grid = cg::this_grid();\n  y[grid.thread_rank()] = 1.0f;\n  grid.sync();\n}\n`),
    ).toEqual(["C2M-K005:6"]);
    expect(refusals(`${head}__global__ void k(float* y) {\n  y[cg::this_grid().thread_rank()] = 1.0f;\n  cg::this_grid().sync();\n}\n`)).toEqual([
      "C2M-K005:5",
    ]);
    expect(refusals(`${head}__global__ void k(float* y) {\n  auto g = cg::this_grid();\n  cg::sync(g);\n}\n`)).toEqual(["C2M-K005:5"]);
  });
  it("tiles wider than a SIMD-group or not a power of two (K036)", () => {
    expect(
      refusals(`${head}__global__ void k(float* y) {\n  auto w = cg::tiled_partition<64>(cg::this_thread_block());\n  y[0] = w.thread_rank();\n}\n`),
    ).toEqual(["C2M-K036:4"]);
    expect(
      refusals(
        `${head}#define TILE 12\n__global__ void k(float* y) {\n  cg::thread_block_tile<TILE> w = cg::tiled_partition<TILE>(cg::this_thread_block());\n  y[0] = w.thread_rank();\n}\n`,
      ),
    ).toEqual(["C2M-K036:5", "C2M-K036:5"]);
  });
  it("names c2m does not map, run-time tile sizes and tiles of tiles (K035)", () => {
    expect(refusals(`${head}__global__ void k(float* y) {\n  auto a = cg::coalesced_threads();\n  y[0] = a.thread_rank();\n}\n`)).toEqual(["C2M-K035:4"]);
    expect(
      refusals(`${head}__global__ void k(float* y) {\n  auto t = cg::tiled_partition(cg::this_thread_block(), 32);\n  y[0] = t.thread_rank();\n}\n`),
    ).toEqual(["C2M-K035:4"]);
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
