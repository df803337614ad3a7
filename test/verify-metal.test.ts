// The Metal path: hand-written translations of golden kernels (test/verify-metal-kernels.ts) run as
// mx.fast.metal_kernel would run them and agree with the CUDA originals on every spec size (ragged
// ones included) and on fast-check random sizes; MLX's generated signature is reproduced exactly.
import { describe, expect, test } from "vitest";
import { mlxKernelSource } from "../src/verify/mlx-source.js";
import { runMetal } from "../src/verify/metal.js";
import { KernelCompileError } from "../src/verify/native.js";
import { verifyKernel } from "../src/verify/verify.js";
import { bfloatBitsToFloat, floatToBfloatBits, floatToHalfBits, halfBitsToFloat } from "../src/verify/dtypes.js";
import { geluSiluHalf, halfwarpReduce, histogram, saxpy, softmaxShared, softmaxWarp, vectorAdd } from "./verify-metal-kernels.js";

describe("Metal translations agree with the CUDA originals", () => {
  test("vector_add (partial threadgroups at the edge)", async () => {
    const r = await verifyKernel("vector_add", vectorAdd(), { raceCheck: true, randomRuns: 4 });
    expect(r.ok, r.summary).toBe(true);
    expect(r.results.length).toBe(4);
    for (const s of r.results) expect(s.outputs.out!.count).toBe(s.sizes.n);
  });
  test("softmax_shared (threadgroup memory and barriers)", async () => {
    const r = await verifyKernel("softmax_shared", softmaxShared(), { raceCheck: true, randomRuns: 3 });
    expect(r.ok, r.summary).toBe(true);
    // same algorithm, same order of operations: identical to the last bit
    for (const s of r.results) expect(s.outputs.y!.maxAbsDiff).toBe(0);
  });
  test("softmax_warp (simd_max / simd_sum for __shfl_xor_sync)", async () => {
    const r = await verifyKernel("softmax_warp", softmaxWarp(), { randomRuns: 3 });
    expect(r.ok, r.summary).toBe(true);
  });
  test("halfwarp_reduce (simd_shuffle_xor within 16 lanes)", async () => {
    const r = await verifyKernel("halfwarp_reduce", halfwarpReduce(), { randomRuns: 3 });
    expect(r.ok, r.summary).toBe(true);
  });
  test("histogram_atomic (threadgroup and device atomics, init_value)", async () => {
    const r = await verifyKernel("histogram_atomic", histogram(), { raceCheck: true });
    expect(r.ok, r.summary).toBe(true);
  });
  test("saxpy (an in-place CUDA buffer written by Metal under another name; a float scalar input)", async () => {
    const r = await verifyKernel("saxpy", saxpy(), { outputMap: { y_out: "y" }, metalScalars: () => ({ alpha: 1.5 }), randomRuns: 3 });
    expect(r.ok, r.summary).toBe(true);
    // a wrong alpha is caught
    const bad = await verifyKernel("saxpy", saxpy(), { outputMap: { y_out: "y" }, metalScalars: () => ({ alpha: 1.25 }), sizes: [{ n: 7 }] });
    expect(bad.ok).toBe(false);
  });
  test("gelu_silu_half (half in and out, two kernels)", async () => {
    const r = await verifyKernel("gelu_silu_half", geluSiluHalf());
    expect(r.ok, r.summary).toBe(true);
    expect(r.results.at(-1)!.outputs.y!.count).toBe(2500);
  });
});

describe("MLX's wrapper", () => {
  test("signature text as MLX writes it", () => {
    const p = mlxKernelSource({
      name: "myexp",
      inputs: [
        { name: "inp", dtype: "float32", shape: [4, 8] },
        { name: "scale", dtype: "float16", shape: [] },
      ],
      outputNames: ["out"],
      outputDtypes: ["float32"],
      source: "uint elem = thread_position_in_grid.x; out[elem] = metal::exp(inp[elem]) * inp_shape[0] * T(scale);",
      template: [
        ["T", "float32"],
        ["N", 3],
        ["B", true],
      ],
    });
    expect(p.kernelName).toBe("custom_kernel_myexp__float_3_1_float_float16_ts_float");
    expect(p.source).toBe(
      "template <typename T, int N, bool B>\n" +
        "[[kernel]] void custom_kernel_myexp__float_3_1_float_float16_ts_float(\n" +
        "  const device float* inp [[buffer(0)]],\n" +
        "  const constant int* inp_shape [[buffer(1)]],\n" +
        "  const constant float16_t& scale [[buffer(2)]],\n" +
        "  device float* out [[buffer(3)]],\n" +
        "  uint3 thread_position_in_grid [[thread_position_in_grid]]) {\n" +
        "uint elem = thread_position_in_grid.x; out[elem] = metal::exp(inp[elem]) * inp_shape[0] * T(scale);\n}\n\n" +
        'template [[host_name("custom_kernel_myexp__float_3_1_float_float16_ts_float")]] [[kernel]] decltype(custom_kernel_myexp__float_3_1_float_float16_ts_float<float, 3, 1>) custom_kernel_myexp__float_3_1_float_float16_ts_float<float, 3, 1>;\n',
    );
  });

  test("templates, shapes/strides, 2-D grids, half outputs and swizzles run", async () => {
    const rows = 3;
    const cols = 5;
    const inp = new Float32Array(rows * cols).map((_, i) => i - 7);
    const out = await runMetal(
      {
        name: "t2d",
        inputNames: ["inp", "bias"],
        outputNames: ["out"],
        template: [
          ["T", "float16"],
          ["K", 2],
        ],
        source: `
  uint2 p = thread_position_in_grid.xy;
  if (p.x >= uint(inp_shape[1]) || p.y >= uint(inp_shape[0])) return;
  float4 v = float4(inp[p.y * inp_strides[0] + p.x], 1.0f, 2.0f, 3.0f);
  float3 w = v.xyz * float(K);
  out[p.y * inp_shape[1] + p.x] = T(w.x + bias);
`,
        grid: [cols, rows, 1],
        threadgroup: [4, 2, 1],
        outputShapes: [[rows, cols]],
        outputDtypes: ["float16"],
      },
      { inp: { data: inp, shape: [rows, cols] }, bias: 0.5 },
    );
    const got = Array.from(out.out!, halfBitsToFloat);
    expect(got).toEqual(Array.from(inp, (v) => v * 2 + 0.5));
  });

  test("bfloat16 and half arithmetic round like the GPU's; simd_sum on half", async () => {
    const xs = [1.0, 1.00390625, -3.5, 100.5, 0.1];
    const out = await runMetal(
      {
        name: "bf",
        inputNames: ["x", "h"],
        outputNames: ["y", "s"],
        source: `
  uint i = thread_position_in_grid.x;
  bfloat v = x[i % 5];
  y[i] = v * v + bfloat(1.0f);          // bfloat arithmetic, rounded to bfloat after each operation
  half t = simd_sum(h[i]);              // 32 lanes of half summed, rounded to half
  if (i == 0) s[0] = t;
`,
        grid: [32, 1, 1],
        threadgroup: [32, 1, 1],
        outputShapes: [[32], [1]],
        outputDtypes: ["bfloat16", "float16"],
      },
      {
        x: { data: new Uint16Array(xs.map(floatToBfloatBits)), dtype: "bfloat16" },
        h: { data: new Uint16Array(32).fill(floatToHalfBits(0.1)), dtype: "float16" },
      },
    );
    const bf = (v: number) => bfloatBitsToFloat(floatToBfloatBits(v));
    const expected = xs.map((x) => bf(bf(bf(x) * bf(x)) + 1));
    expect(Array.from(out.y!.slice(0, 5), bfloatBitsToFloat)).toEqual(expected);
    // 0.1 in half is 0.0999755859375; the running half sum loses bits exactly as half arithmetic does
    let acc = 0;
    for (let l = 0; l < 32; l++) acc = halfBitsToFloat(floatToHalfBits(acc + halfBitsToFloat(floatToHalfBits(0.1))));
    expect(halfBitsToFloat(out.s![0]!)).toBe(acc);
  });

  test("a body that is not valid Metal reports the compiler's message at the line of the MLX source", async () => {
    const err = await runMetal(
      {
        name: "bad",
        inputNames: ["x"],
        outputNames: ["y"],
        source: "  uint i = thread_position_in_grid.x;\n  y[i] = erf(x[i]);\n",
        grid: [8, 1, 1],
        threadgroup: [8, 1, 1],
        outputShapes: [[8]],
        outputDtypes: ["float32"],
      },
      { x: new Float32Array(8) },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(KernelCompileError);
    // MSL has no erf; line 6 of the source MLX builds (4 signature lines, then the body)
    expect(err.message).toMatch(/bad\.metal:6:\d+: error: use of deleted function .*erf/);
    const dbl = await runMetal(
      {
        name: "dbl",
        inputNames: ["x"],
        outputNames: ["y"],
        source: "  uint i = thread_position_in_grid.x;\n  double v = x[i];\n  y[i] = float(v);\n",
        grid: [8, 1, 1],
        threadgroup: [8, 1, 1],
        outputShapes: [[8]],
        outputDtypes: ["float32"],
      },
      { x: new Float32Array(8) },
    ).catch((e) => e);
    expect(dbl).toBeInstanceOf(KernelCompileError);
    expect(dbl.message).toMatch(/double_is_not_supported_in_metal/);
  });
});
