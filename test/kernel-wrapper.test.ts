import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileKernels } from "../src/kernel/index.js";
import { packageRoot, pythonExecutable } from "../src/python.js";
import { evalExpr, listGoldenSpecs, loadGoldenSource, loadGoldenSpec, type GoldenSpec } from "../src/verify/golden.js";

/**
 * The emitted Python wrapper of every golden kernel, run under real MLX with mx.fast.metal_kernel
 * replaced by a recorder: the grid (threads), threadgroup, template, output shapes and dtypes of each
 * call must be what the spec's CUDA launch means (grid = blocks × block), on every spec size.
 */
const C_DTYPE: Record<string, string> = { float: "float32", int: "int32", "unsigned int": "uint32", __half: "float16" };

interface Recorded {
  calls: {
    kernel: string;
    grid: number[];
    threadgroup: number[];
    template: [string, string | number][];
    output_shapes: number[][];
    output_dtypes: string[];
    init_value: number | null;
    inputs: [number[], string][];
    output_names: string[];
  }[];
  returns: number[][];
}

/** Specs whose second launch goes through another launcher than spec.host. */
const EXTRA_LAUNCHERS: Record<string, { function: string; args: string[] }[]> = {
  templated: [{ function: "launch_block_sum_i32", args: ["xi", "pi", "n"] }],
  gelu_silu_half: [{ function: "launch_silu_half", args: ["x", "z", "n"] }],
};

/** The launcher each spec calls, and its arguments for one size (torch_ext's launchers take tensors). */
function jobFor(spec: GoldenSpec, s: number): { function: string; args: unknown[] }[] {
  const sizes = spec.sizes[s]!;
  const arg = (a: string) => {
    const b = spec.buffers.find((x) => x.name === a);
    return b ? { array: [evalExpr(b.count, sizes)], dtype: b.dtype } : evalExpr(a, sizes);
  };
  if (spec.host)
    return [{ function: spec.host.function, args: spec.host.args.map(arg) }, ...(EXTRA_LAUNCHERS[spec.name] ?? []).map((j) => ({ function: j.function, args: j.args.map(arg) }))];
  expect(spec.name).toBe("torch_ext");
  const { rows, cols } = sizes as { rows: number; cols: number };
  return [
    { function: "leaky_relu_forward", args: [{ array: [rows, cols], dtype: "float32" }, 0.125] },
    {
      function: "bias_add_colsum",
      args: [
        { array: [rows, cols], dtype: "float32" },
        { array: [cols], dtype: "float32" },
      ],
    },
  ];
}

/** The buffers a launch writes: its output and inout buffers, in argument order, then the inout ones again (their touched masks). */
function writtenBuffers(spec: GoldenSpec, launch: GoldenSpec["launches"][number]) {
  const outs = launch.args
    .filter((a): a is { buffer: string } => "buffer" in a)
    .map((a) => spec.buffers.find((b) => b.name === a.buffer)!)
    .filter((b) => b.role !== "input");
  // an output the kernel writes only in part keeps the caller's values through a mask too (passes/kernel/write-only.ts)
  const masked = (b: (typeof outs)[number]) => b.role === "inout" || KEPT.get(spec.name)?.has(`${launch.kernel}.${b.name}`);
  return [...outs, ...outs.filter(masked)];
}

/** Per golden spec: `kernel.buffer` for the write-only outputs its kernels keep in place (a `_touched` mask each). */
const KEPT = new Map<string, Set<string>>();

/** Output shapes the spec implies for a launch: 1-D buffers (torch_ext: the tensors' shapes). */
function expectedOutputShapes(spec: GoldenSpec, launch: GoldenSpec["launches"][number], s: number): number[][] {
  const sizes = spec.sizes[s]!;
  const outs = writtenBuffers(spec, launch);
  if (spec.name === "torch_ext") {
    const { rows, cols } = sizes as { rows: number; cols: number };
    return outs.map((b) => (b.name === "colsum" ? [cols] : [rows, cols]));
  }
  return outs.map((b) => [evalExpr(b.count, sizes)]);
}

describe("emitted Python wrappers launch like CUDA", () => {
  const dir = mkdtempSync(join(tmpdir(), "c2m-kernel-wrapper-"));
  const specs = listGoldenSpecs().map(loadGoldenSpec);
  const jobs: { spec: GoldenSpec; size: number; module: string; function: string; args: unknown[] }[] = [];
  for (const spec of specs) {
    const result = compileKernels(loadGoldenSource(spec), { filename: spec.file });
    const kept = new Set<string>();
    for (const l of spec.launches) {
      const k = result.kernels.find((x) => x.name === l.kernel);
      l.args.forEach((a, i) => {
        if ("buffer" in a && k?.params[i]?.writeOnly) kept.add(`${l.kernel}.${a.buffer}`);
      });
    }
    KEPT.set(spec.name, kept);
    const module = join(dir, `${spec.name}_mlx.py`);
    writeFileSync(module, result.python);
    for (let s = 0; s < spec.sizes.length; s++) for (const j of jobFor(spec, s)) jobs.push({ spec, size: s, module, ...j });
  }
  // a torch extension launcher beyond the golden set: AT_DISPATCH on a half tensor, stream and guard dropped
  const extModule = join(dir, "rms_norm_ext_mlx.py");
  writeFileSync(extModule, compileKernels(readFileSync(join(packageRoot(), "test/fixtures/kernel/features/rms_norm_ext.cu"), "utf8"), { filename: "rms_norm_ext.cu" }).python);
  const extJob = jobs.length;
  jobs.push({ spec: specs[0]!, size: -1, module: extModule, function: "rms_norm", args: [{ array: [4, 256], dtype: "float16" }, { array: [256], dtype: "float16" }, 1e-5] });
  // a host loop of launches ping-ponging between two buffers until one value is left
  const loopModule = join(dir, "two_pass_sum_mlx.py");
  writeFileSync(loopModule, compileKernels(readFileSync(join(packageRoot(), "test/fixtures/kernel/features/two_pass_sum.cu"), "utf8"), { filename: "two_pass_sum.cu" }).python);
  const loopJob = jobs.length;
  jobs.push({
    spec: specs[0]!,
    size: -1,
    module: loopModule,
    function: "reduce_all",
    args: [{ array: [100000], dtype: "float32" }, { array: [782], dtype: "float32" }, { array: [7], dtype: "float32" }, 100000],
  });
  const run = spawnSync(pythonExecutable(), [join(packageRoot(), "test/fixtures/kernel/record_calls.py")], {
    input: JSON.stringify(jobs.map((j) => ({ module: j.module, function: j.function, args: j.args }))),
    encoding: "utf8",
    timeout: 120_000,
  });
  const recorded: Recorded[] = run.status === 0 ? JSON.parse(run.stdout) : [];

  it("the emitted modules import and run under MLX", () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(recorded.length).toBe(jobs.length);
  });

  it("a torch extension launcher: AT_DISPATCH dtype, dynamic shared memory, grid from the tensor's rows", () => {
    const r = recorded[extJob]!;
    expect(r.calls).toHaveLength(1);
    const c = r.calls[0]!;
    expect(c.template).toEqual([
      ["scalar_t", "float16"],
      ["C2M_SHARED_BYTES", 1024],
    ]);
    expect(c.grid).toEqual([4 * 256, 1, 1]);
    expect(c.threadgroup).toEqual([256, 1, 1]);
    // y is a row per block walked by its threads (write-only.ts proves it covered): a fresh output, no mask
    expect(c.output_shapes).toEqual([[4, 256]]);
    expect(c.output_dtypes).toEqual(["float16"]);
    expect(c.inputs).toEqual([
      [[4, 256], "float16"],
      [[256], "float16"],
      [[], "int32"],
      [[], "float32"],
    ]);
    expect(r.returns).toEqual([[4, 256]]);
  });

  it("a host for loop of launches runs pass by pass, rebinding the buffers each launch writes", () => {
    const r = recorded[loopJob]!;
    expect(r.calls.map((c) => c.grid[0])).toEqual([782 * 128, 7 * 128, 1 * 128]);
    expect(r.calls.map((c) => c.inputs[0]![0])).toEqual([[100000], [782], [7]]);
    // each pass's block sums, out[blockIdx.x], are kept in place (one row per block: write-only.ts), the mask after them
    expect(r.calls.map((c) => c.output_shapes[0])).toEqual([[782], [7], [782]]);
    expect(r.returns).toEqual([[782], [7]]);
  });

  for (const spec of specs) {
    it(`${spec.name}: grid, threadgroup, template and output shapes on ${spec.sizes.length} sizes`, () => {
      for (let s = 0; s < spec.sizes.length; s++) {
        const calls = jobs.flatMap((j, i) => (j.spec === spec && j.size === s ? recorded[i]!.calls : []));
        expect(calls.map((c) => c.kernel)).toEqual(spec.launches.map((l) => l.kernel));
        spec.launches.forEach((l, i) => {
          const c = calls[i]!;
          const blocks = l.grid.map((g) => evalExpr(g, spec.sizes[s]!));
          expect(c.grid, `${spec.name} size ${s}`).toEqual(blocks.map((b, d) => b * l.block[d]!));
          expect(c.threadgroup).toEqual(l.block);
          expect(c.output_shapes).toEqual(expectedOutputShapes(spec, l, s));
          const tmpl: [string, string | number][] = (l.templateArgs ?? []).map((t, k) => [c.template[k]![0], C_DTYPE[t] ?? Number(t)]);
          if (l.sharedBytes !== undefined) tmpl.push(["C2M_SHARED_BYTES", Math.max(16, evalExpr(l.sharedBytes, spec.sizes[s]!))]);
          expect(c.template).toEqual(tmpl);
          const outs = writtenBuffers(spec, l);
          const masks = outs.length - new Set(outs).size;
          expect(c.output_dtypes).toEqual(outs.map((b, k) => (k >= outs.length - masks ? "uint8" : b.dtype)));
          // outputs never start as uninitialised memory: 0, or an atomic op's identity
          expect(c.init_value).toBe(0);
        });
      }
    });
  }
});
