/**
 * A Python type given as a dtype (`torch.ones(n, n, dtype=bool)`): torch reads bool, int and float as torch.bool,
 * torch.int64 and the default float32; MLX takes only an mx.Dtype (passes/python-type-dtypes.ts). A name the
 * function rebinds is left as the function's. Checked by running the output with MLX.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const src = `import torch


def masks(n):
    causal = torch.tril(torch.ones((n, n), dtype=bool))
    counts = torch.zeros(n, dtype=int)
    scale = torch.full((n,), 2, dtype=float)
    return causal, counts, scale


def rebound(n, float):
    return torch.ones(n, dtype=float)
`;

describe("Python types as dtypes (passes/python-type-dtypes.ts)", () => {
  const r = compile(src, { filename: "masks.py" });

  it("writes MLX's dtype for bool, int and float; a rebound name stays", () => {
    expect(r.code).toContain("mx.tril(mx.ones((n, n), dtype=mx.bool_))");
    expect(r.code).toContain("mx.zeros(n, dtype=mx.int64)");
    expect(r.code).toContain("mx.full((n,), 2, dtype=mx.float32)");
    expect(r.code).toContain("mx.ones(n, dtype=float)");
  });

  it("runs with torch's dtypes and values", () => {
    const driver = `${r.code}\nimport mlx.core as mx\nc, k, s = masks(3)\nprint(c.dtype, c.tolist(), k.dtype, k.tolist(), s.dtype, s.tolist())\n`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("mlx.core.bool [[True, False, False], [True, True, False], [True, True, True]] mlx.core.int64 [0, 0, 0] mlx.core.float32 [2.0, 2.0, 2.0]");
  });
});
