/**
 * torch.dtype's properties (`dtype.is_floating_point`, `.is_signed`, `.itemsize`) have no attribute on MLX's Dtype:
 * they become `mx.issubdtype(...)` / `.size` where the receiver is known to be a dtype (passes/dtype-attrs.ts).
 * A receiver not known to be one keeps its text. Checked against torch's answers by running the output with MLX.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const src = `from typing import Optional
import torch


def buffer_dtype(dtype: Optional[torch.dtype]) -> torch.dtype:
    if dtype is None:
        dtype = torch.float32
    if dtype.is_floating_point and torch.finfo(dtype).bits < 32:
        return torch.float32
    return dtype


def facts(x):
    d = x.dtype
    return d.is_floating_point, x.dtype.is_signed, torch.int8.is_signed, torch.uint8.is_signed, d.itemsize, d.is_complex


def other(cfg):
    return cfg.is_floating_point
`;

describe("torch.dtype properties (passes/dtype-attrs.ts)", () => {
  const r = compile(src, { filename: "dtypes.py" });

  it("rewrites a known dtype's properties; an unknown receiver keeps its text", () => {
    expect(r.code).toContain("if mx.issubdtype(dtype, mx.floating) and mx.finfo(dtype).bits < 32:");
    expect(r.code).toContain("return mx.issubdtype(d, mx.floating), (mx.issubdtype(x.dtype, mx.signedinteger) or mx.issubdtype(x.dtype, mx.inexact))");
    expect(r.code).toContain("d.size, mx.issubdtype(d, mx.complexfloating)");
    expect(r.code).toContain("return cfg.is_floating_point");
  });

  it("gives torch's answers", () => {
    const driver = `${r.code}
import mlx.core as mx
print(buffer_dtype(None), buffer_dtype(mx.float16), buffer_dtype(mx.int32))
print(facts(mx.zeros(2, dtype=mx.float16)), facts(mx.zeros(2, dtype=mx.uint8)))
`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim().split("\n")).toEqual([
      "mlx.core.float32 mlx.core.float32 mlx.core.int32",
      "(True, True, True, False, 2, False) (False, False, True, False, 1, False)",
    ]);
  });
});
