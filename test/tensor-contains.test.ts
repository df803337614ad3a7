/**
 * `value in t` on a tensor (passes/tensor-contains.ts): torch's Tensor.__contains__ is `(t == value).any()`; an
 * mx.array has none and Python's fallback iterates rows, which MLX refuses for a row of several elements
 * (transformers' `pad_token_id in input_ids[:, [-1, 0]]`, deberta_v2). The test goes through c2m_contains, which
 * answers as torch for an array and as Python for anything else. Checked against torch on real MLX.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const src = `import torch
from torch import nn


class M(nn.Module):
    def __init__(self, pad):
        super().__init__()
        self.pad = pad
        self.proj = nn.Linear(4, 4)

    def padded(self, input_ids):
        return self.pad in input_ids[:, [-1, 0]]

    def forward(self, x, ids, names):
        y = self.proj(x)
        return self.padded(ids), 3 in ids, 99 not in ids, "a" in names, 2 in list(range(3))
`;

describe("value in tensor", () => {
  const r = compile(src, { filename: "contains.py" });

  it("goes through c2m_contains where the right side may be a tensor; a string's test stays Python's", () => {
    expect(r.code).toContain("return c2m_contains(input_ids[:, [-1, 0]], self.pad)");
    expect(r.code).toContain('c2m_contains(ids, 3), not c2m_contains(ids, 99), "a" in names');
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("answers as torch on 2-D ids, and as Python on a dict", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-contains-"));
    writeFileSync(join(dir, "torch_side.py"), src);
    writeFileSync(join(dir, "mlx_side.py"), r.code);
    const driver = `
import sys
sys.path.insert(0, ${JSON.stringify(dir)})
import numpy as np, torch, mlx.core as mx
import torch_side, mlx_side
ids = np.array([[5, 3, 7], [0, 8, 9]], dtype=np.int32)
x = np.zeros((2, 4), dtype=np.float32)
for pad in (0, 1):
    t = torch_side.M(pad).eval()
    m = mlx_side.M(pad)
    want = [bool(v) for v in t(torch.from_numpy(x), torch.from_numpy(ids), {"a": 1})[1:]] + [bool(t.padded(torch.from_numpy(ids)))]
    got = [bool(v) for v in m(mx.array(x), mx.array(ids), {"a": 1})[1:]] + [bool(m.padded(mx.array(ids)))]
    print(want == got, got)
`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("True [True, True, True, True, True]\nTrue [True, True, True, True, False]");
  });
});
