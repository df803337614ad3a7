/**
 * A model built by a module-level function that returns a torch container it fills (mlp-mixer's `MLPMixer(...)` returns
 * an nn.Sequential of the file's blocks, partial(nn.Conv1d) passed as a layer factory): the model a user builds is that
 * container, so its keys (`1.weight`, `2.0.fn.0.weight`) and conv layouts need a weight map of their own, kept under the
 * function's name (passes/module-tree.ts noteFactory). Without it the port's weights could not be converted at all.
 * Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `from functools import partial
import torch.nn as nn


class PreNormResidual(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.fn = fn
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        return self.fn(self.norm(x)) + x


def FeedForward(dim, hidden, dense=nn.Linear):
    return nn.Sequential(dense(dim, hidden), nn.GELU(), dense(hidden, dim))


def Net(tokens=4, dim=8, depth=2):
    chan_first, chan_last = partial(nn.Conv1d, kernel_size=1), nn.Linear
    return nn.Sequential(
        nn.Linear(3, dim),
        *[nn.Sequential(
            PreNormResidual(dim, FeedForward(tokens, 2 * tokens, chan_first)),
            PreNormResidual(dim, FeedForward(dim, 2 * dim, chan_last)),
        ) for _ in range(depth)],
        nn.LayerNorm(dim),
    )
`;

describe("a function returning the nn.Sequential it builds", () => {
  const r = compile(src, { filename: "mixer.py" });

  it("gets a weight map under the function's name, from the container's top", () => {
    expect(Object.keys(r.weightMaps)).toContain("Net");
    expect(r.weightMaps.Net).toContainEqual({ torch: "#.**", mlx: "layers.#.**", op: "identity" });
    expect(r.weightMaps.Net).toContainEqual({ torch: "#.0.fn.0.weight", mlx: "layers.#.layers.0.fn.layers.0.weight", op: "conv" });
  });

  it("converts torch's state_dict and matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 4, 3])).toBeLessThan(1e-4);
  });
});
