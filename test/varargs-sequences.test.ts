/**
 * torch reads one list given for a varargs parameter as the varargs (`torch.meshgrid(t, indexing='ij')`, t a list
 * built earlier: timm's pos_embed_sincos); MLX's function takes them spread. A list display was spread already; a
 * name the walk typed as a list is spread too (passes/template-render.ts `sequences`). Checked by running the output.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const src = `import torch


def grid(shape, ref=None):
    t = [torch.arange(s, dtype=torch.float32) for s in shape]
    if ref is not None:
        t = [x / r for x, r in zip(t, ref)]
    return torch.stack(torch.meshgrid(t, indexing='ij'), dim=-1)


def one(x):
    return torch.meshgrid(x, indexing='ij')
`;

describe("one list given for varargs", () => {
  const r = compile(src, { filename: "grid.py" });

  it("is spread where the walk knows it is a list; an argument of unknown kind stays as written", () => {
    expect(r.code).toContain("mx.stack(mx.meshgrid(*t, indexing='ij'), axis=-1)");
    expect(r.code).toContain("return mx.meshgrid(x, indexing='ij')");
  });

  it("gives torch's grid", () => {
    const run = spawnSync(pythonExecutable(), ["-c", `${r.code}\ng = grid((2, 3), ref=(1, 2))\nprint(g.shape, g[1, 2].tolist())`], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("(2, 3, 2) [1.0, 1.0]");
  });
});
