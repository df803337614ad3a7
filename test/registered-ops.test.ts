/**
 * `torch.ops.<ns>.<name>(...)` of an operator the file registers itself with torch.library.custom_op (function
 * or decorator form) is a call of the registered function (passes/registered-ops.ts); MLX has no operator
 * registry. Checked on real MLX.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runPython } from "./python-run.js";

const src = `import torch


def _fallback(input, weight, offs):
    output = torch.zeros(input.size(0), weight.size(2), dtype=input.dtype)
    start = 0
    for i, end in enumerate(offs.tolist()):
        if start == end:
            continue
        torch.mm(input[start:end], weight[i], out=output[start:end])
        start = end
    return output


torch.library.custom_op("mypkg::grouped_mm", _fallback, mutates_args=())


@torch.library.custom_op("mypkg::double", mutates_args=())
def double(x: torch.Tensor) -> torch.Tensor:
    return x * 2


def grouped(input, weight, offs):
    return torch.ops.mypkg.grouped_mm(input, weight, offs=offs) + torch.ops.mypkg.double.default(input).sum()


def elsewhere(x):
    return torch.ops.otherpkg.op(x)
`;

describe("torch.ops of an operator the file registers", () => {
  const r = compile(src, { filename: "ops.py" });

  it("calls the registered function; an operator registered elsewhere stays marked", () => {
    expect(r.code).toContain("return _fallback(input, weight, offs=offs) + mx.sum(double(input))");
    expect(r.diagnostics.filter((d) => d.code === "C2M-W002").map((d) => d.message)).toEqual(["torch.ops.otherpkg.op has no MLX mapping"]);
  });

  it("runs", () => {
    const driver = `${r.code}\nprint(grouped(mx.ones((3, 2)), mx.ones((2, 2, 2)), mx.array([1, 3])).tolist())`;
    expect(runPython(driver)).toBe("[[14.0, 14.0], [14.0, 14.0], [14.0, 14.0]]");
  });
});
