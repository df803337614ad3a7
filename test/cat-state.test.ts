/**
 * torch.cat skips 1-D empty tensors beside the others, a legacy rule code relies on: transformers' DynamicCache starts
 * its keys as `torch.tensor([])` in one method and concatenates each step's keys onto them in another
 * (`torch.cat([self.keys, key_states], dim=-2)`), which met `mx.concatenate` (axis -2 out of bounds for a 1-D array).
 * A list holding state stored on self goes through ops_cat (passes/tables/ops-shape.ts `stateItems`); other cats stay
 * mx.concatenate. Run on MLX against torch.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const SRC = `import torch


class Layer:
    def __init__(self):
        self.keys = None

    def lazy_init(self, k):
        self.keys = torch.tensor([], dtype=k.dtype)

    def update(self, k):
        if self.keys is None:
            self.lazy_init(k)
        self.keys = torch.cat([self.keys, k], dim=-2)
        return self.keys


def both(a, b):
    return torch.cat([a, b], dim=1)


def run(x):
    layer = Layer()
    layer.update(x)
    return layer.update(x * 2).sum(-1)
`;

describe("torch.cat onto state another method stored", () => {
  const r = compile(SRC, { filename: "cache.py" });

  it("goes through ops_cat; a cat of known tensors stays mx.concatenate", () => {
    expect(r.code).toContain("self.keys = ops_cat([self.keys, k], axis=-2)");
    expect(r.code).toContain("return mx.concatenate([a, b], axis=1)");
  });

  it("skips the empty start, as torch does", () => {
    const ran = spawnSync(pythonExecutable(), ["-c", `${r.code}\nprint(run(mx.ones((1, 2, 3, 4))).tolist())`], { encoding: "utf8" });
    expect(ran.stderr).toBe("");
    const torch = spawnSync(pythonExecutable(), ["-c", `${SRC}\nprint(run(torch.ones((1, 2, 3, 4))).tolist())`], { encoding: "utf8" });
    expect(ran.stdout.trim()).toBe(torch.stdout.trim());
  });
});
