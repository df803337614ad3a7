/**
 * A custom torch.autograd.Function (timm's memory-efficient activations, bloom's GeLUFunction): the class derives
 * from C2MAutogradFunction, whose `apply` runs forward with a context keeping what forward saves; its backward is
 * not used (C2M-W027): MLX differentiates forward's operations. Values and gradients checked against torch.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const src = `import torch
from torch import nn
from torch.autograd import Function


def swish_fwd(x):
    return x.mul(torch.sigmoid(x))


class SwishAutoFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return swish_fwd(x)

    @staticmethod
    def backward(ctx, grad_output):
        x = ctx.saved_tensors[0]
        s = torch.sigmoid(x)
        return grad_output * (s * (1 + x * (1 - s)))


class Scale(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


class SwishMe(nn.Module):
    def forward(self, x):
        return Scale.apply(SwishAutoFn.apply(x), 2.0)
`;

describe("torch.autograd.Function", () => {
  const r = compile(src, { filename: "act.py" });

  it("becomes a C2MAutogradFunction subclass, with a warning that backward is not used", () => {
    expect(r.code).toContain("class SwishAutoFn(C2MAutogradFunction):");
    expect(r.code).toContain("class Scale(C2MAutogradFunction):");
    expect(r.code).toContain("class C2MAutogradFunction:");
    expect(r.diagnostics.filter((d) => d.code === "C2M-W027").length).toBe(2);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("gives torch's values and gradients", () => {
    const xs = "[-1.0, 0.5, 2.0]";
    const mlx = spawnSync(
      pythonExecutable(),
      ["-c", `${r.code}\nimport mlx.core as mx\nx = mx.array(${xs})\nprint(SwishMe()(x).tolist(), mx.grad(lambda x: SwishMe()(x).sum())(x).tolist())`],
      { encoding: "utf8" },
    );
    expect(mlx.stderr).toBe("");
    const torch = spawnSync(
      pythonExecutable(),
      ["-c", `${src}\nx = torch.tensor(${xs}, requires_grad=True)\ny = SwishMe()(x)\ny.sum().backward()\nprint(y.tolist(), x.grad.tolist())`],
      { encoding: "utf8" },
    );
    expect(torch.stderr).toBe("");
    const parse = (s: string) =>
      s
        .trim()
        .match(/-?[\d.e-]+/g)!
        .map(Number);
    const [a, b] = [parse(mlx.stdout), parse(torch.stdout)];
    expect(a.length).toBe(6);
    a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-5));
  });
});
