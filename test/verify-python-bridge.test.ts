// An emitted-style MLX module (Python calling mx.fast.metal_kernel through a wrapper that takes CUDA's
// launch configuration) runs with real MLX on the CPU and its kernels on the Metal emulator; its results
// match the H100 recordings of the CUDA original. Kernel faults surface as Python errors.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { compareArrays } from "../src/verify/compare.js";
import { loadFixture } from "../src/verify/fixtures.js";
import { goldenBuffers, loadGoldenSpec } from "../src/verify/golden.js";
import { runPythonWithMetalEmulator, type PyArray } from "../src/verify/python-bridge.js";
import { HISTOGRAM_BODY, SOFTMAX_SHARED_BODY, VECTOR_ADD_BODY, plant } from "./verify-metal-kernels.js";

function writeModule(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "c2m-bridge-"));
  const p = join(dir, "emitted_mlx.py");
  writeFileSync(p, text);
  return p;
}

const moduleText = (vectorAddBody: string) => `
import mlx.core as mx


def _c2m_dim3(v):
    v = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    return tuple(int(x) for x in v) + (1,) * (3 - len(v))


_softmax_shared = mx.fast.metal_kernel(
    name="softmax_shared", input_names=["x", "rows", "cols"], output_names=["y"],
    source="""${SOFTMAX_SHARED_BODY}""")


def softmax_shared(x, y, rows, cols, *, grid, block):
    grid, block = _c2m_dim3(grid), _c2m_dim3(block)
    out = _softmax_shared(
        inputs=[x, mx.array(rows, dtype=mx.int32), mx.array(cols, dtype=mx.int32)],
        grid=(grid[0] * block[0], grid[1] * block[1], grid[2] * block[2]), threadgroup=block,
        output_shapes=[y.shape], output_dtypes=[y.dtype])
    return out[0]


_histogram = mx.fast.metal_kernel(
    name="histogram_atomic", input_names=["data", "n", "nbins"], output_names=["bins"],
    source="""${HISTOGRAM_BODY}""", atomic_outputs=True)


def histogram_atomic(data, n, bins, nbins, *, grid, block):
    grid, block = _c2m_dim3(grid), _c2m_dim3(block)
    out = _histogram(
        inputs=[data, mx.array(n, dtype=mx.int32), mx.array(nbins, dtype=mx.int32)],
        grid=(grid[0] * block[0], 1, 1), threadgroup=block,
        output_shapes=[bins.shape], output_dtypes=[mx.uint32], init_value=0)
    return bins + out[0]   # atomics accumulate into the caller's buffer


_vector_add = mx.fast.metal_kernel(
    name="vector_add", input_names=["a", "b", "n"], output_names=["out"], source="""${vectorAddBody}""")


def vector_add(a, b, out, n, *, grid, block):
    grid, block = _c2m_dim3(grid), _c2m_dim3(block)
    return _vector_add(inputs=[a, b, mx.array(n, dtype=mx.int32)], grid=(grid[0] * block[0], 1, 1),
                       threadgroup=block, output_shapes=[out.shape], output_dtypes=[out.dtype])[0]
`;

const arr = (data: PyArray["data"], dtype: PyArray["dtype"]): PyArray => ({ data, dtype, shape: [data.length] });

describe("emitted Python through the Metal emulator", () => {
  const path = writeModule(moduleText(VECTOR_ADD_BODY));

  test("softmax_shared: the wrapper's launch arithmetic and the kernel agree with the H100", async () => {
    const spec = loadGoldenSpec("softmax_shared");
    const si = 3;
    const { rows, cols } = spec.sizes[si]! as { rows: number; cols: number };
    const b = goldenBuffers(spec, si);
    const r = await runPythonWithMetalEmulator(path, "softmax_shared", [arr(b.x!, "float32"), arr(b.y!, "float32"), rows, cols], {
      kwargs: { grid: rows, block: 256 },
    });
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]!.grid).toEqual([rows * 256, 1, 1]);
    const y = r.returns[0] as PyArray;
    expect(y.shape).toEqual([rows * cols]);
    const c = compareArrays(y.data, loadFixture(spec, si, "y")!, "float32");
    expect(c.ok, JSON.stringify(c.firstMismatch)).toBe(true);
  });

  test("histogram_atomic: init_value, atomic outputs and the fold into the caller's buffer", async () => {
    const spec = loadGoldenSpec("histogram_atomic");
    const si = 2;
    const { n, nbins } = spec.sizes[si]! as { n: number; nbins: number };
    const b = goldenBuffers(spec, si);
    const r = await runPythonWithMetalEmulator(path, "histogram_atomic", [arr(b.data!, "int32"), n, arr(b.bins!, "uint32"), nbins], {
      kwargs: { grid: Math.min(Math.ceil(n / 256), 8), block: [256] },
    });
    const bins = r.returns[0] as PyArray;
    expect(compareArrays(bins.data, loadFixture(spec, si, "bins")!, "uint32").ok).toBe(true);
  });

  test("a kernel fault is raised in Python with the harness's message", async () => {
    const bad = writeModule(moduleText(plant(VECTOR_ADD_BODY, "i < uint(n)", "i <= uint(n)")));
    const a = new Float32Array(1000);
    const err = await runPythonWithMetalEmulator(bad, "vector_add", [arr(a, "float32"), arr(a, "float32"), arr(a, "float32"), 1000], {
      kwargs: { grid: 4, block: 256 },
    }).catch((e) => e);
    expect(String(err.message)).toMatch(/RuntimeError: c2m verify: out-of-bounds read of device buffer "a" at index 1000 \(length 1000\)/);
  });
});
