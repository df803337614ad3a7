/**
 * In-place tensor methods on a function's parameter (timm's trunc_normal_(tensor) fills the caller's
 * parameter with uniform_, erfinv_, mul_, add_, clamp_): the update is written through (`tensor[...] = ...`),
 * so the caller's array changes as torch's tensor does; a rebound local is assigned as before.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const SRC = `import math
import torch


def norm_cdf(x):
    return (1. + math.erf(x / math.sqrt(2.))) / 2.


def trunc_normal_(tensor, mean=0., std=1., a=-2., b=2.):
    with torch.no_grad():
        lo = norm_cdf((a - mean) / std)
        hi = norm_cdf((b - mean) / std)
        tensor.uniform_(2 * lo - 1, 2 * hi - 1)
        tensor.erfinv_()
        tensor.mul_(std * math.sqrt(2.))
        tensor.add_(mean)
        tensor.clamp_(min=a, max=b)
        return tensor


def scaled(x):
    x = x * 1
    x.mul_(3)
    return x
`;

describe("in-place methods on parameters", () => {
  const out = compile(SRC, { filename: "init.py" }).code;

  it("write through to the caller's array; a rebound local is reassigned", () => {
    expect(out).toContain("        tensor[...] = mx.erfinv(tensor)  # c2m: C2M-W004");
    expect(out).toContain("    x = mx.multiply(x, 3)  # c2m: C2M-W004");
  });

  it("the caller's array holds torch's truncated normal draws (values in [a, b], spread as std)", () => {
    const check = `${out}\nw = mx.zeros((200, 50))\ntrunc_normal_(w, std=0.02, a=-0.04, b=0.04)\nimport numpy as np\nv = np.array(w)\nprint(bool((v != 0).mean() > 0.99), bool(np.abs(v).max() <= 0.04), round(float(v.std()), 2))\ny = mx.ones((2,))\nscaled(y)\nprint(float(y.sum()))\n`;
    const proc = spawnSync(pythonExecutable(), ["-c", check], { encoding: "utf8" });
    expect(proc.stderr).toBe("");
    expect(proc.stdout.trim().split("\n")).toEqual(["True True 0.02", "2.0"]);
  });
});
