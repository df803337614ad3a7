/**
 * torch's `out=` argument (passes/out-argument.ts): a call standing as a statement writes its result into the
 * target (`output[s:e] = mx.matmul(...)`, `out[...] = ...`), where c2m dropped the keyword before and the result was
 * lost; a call whose value is also used gets C2M-E036. Checked on real MLX against numpy.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runPython } from "./python-run.js";

const src = `import torch


def grouped_mm(input, weight, offs):
    output = torch.zeros(input.size(0), weight.size(2), dtype=input.dtype)
    start = 0
    for i, end in enumerate(offs.tolist()):
        if start == end:
            continue
        torch.mm(input[start:end], weight[i], out=output[start:end])
        start = end
    return output


def add_into(a, b, buf):
    torch.add(a, b, out=buf)
    return buf


def used(a, b, buf):
    y = torch.mm(a, b, out=buf)
    return y
`;

describe("torch's out= argument", () => {
  const r = compile(src, { filename: "grouped.py" });

  it("writes into the target where the call is a statement; reports C2M-E036 where its value is used", () => {
    expect(r.code).toContain("output[start:end] = mx.matmul(input[start:end], weight[i])");
    expect(r.code).toContain("buf[...] = mx.add(a, b)");
    expect(r.diagnostics.filter((d) => d.code === "C2M-E036").map((d) => [d.line, d.severity])).toEqual([[21, "error"]]);
    expect(r.code).toContain("y = mx.matmul(a, b)  # c2m: C2M-E036 torch.mm(..., out=...)");
  });

  it("runs: the grouped matmul fills each group's rows; the whole-tensor write is seen through the caller's array", () => {
    const driver = `${r.code}
import numpy as np
rng = np.random.default_rng(0)
x, w = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal((3, 3, 4)).astype(np.float32)
offs = [2, 2, 5]
expected = np.concatenate([x[0:2] @ w[0], x[2:5] @ w[2]])
got = np.array(grouped_mm(mx.array(x), mx.array(w), mx.array(offs)))
buf = mx.zeros((2,))
add_into(mx.array([1.0, 2.0]), mx.array([3.0, 4.0]), buf)
print(np.allclose(got, expected, atol=1e-5), buf.tolist())
`;
    expect(runPython(driver)).toBe("True [4.0, 6.0]");
  });
});
