/**
 * A ModuleList given, item by item, modules built by calls c2m cannot follow (perceiver-pytorch: blocks built by lambdas
 * wrapped in a memoising closure, `cache_fn(lambda: PreNorm(…))`, then `nn.ModuleList([get_cross_attn(**cache_args), …])`).
 * No static rule knows those items' keys (a FeedForward's `net.0.weight` is MLX's `net.layers.0.weight`): the torch
 * keys failed to load after a clean compile. The container is now built at run time (passes/unknown-items.ts): its
 * keys are resolved against the built modules when the model loads, and C2M-W023 says so. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPython } from "./python-run.js";
import { compile } from "../src/index.js";
import { convertWeightsFile } from "../src/weights/index.js";

const src = `from functools import wraps
import torch
import torch.nn as nn


def cache_fn(f):
    cache = dict()

    @wraps(f)
    def cached_fn(*args, _cache=True, key=None, **kwargs):
        if not _cache:
            return f(*args, **kwargs)
        if key in cache:
            return cache[key]
        result = f(*args, **kwargs)
        cache[key] = result
        return result

    return cached_fn


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(), nn.Linear(dim * 2, dim))

    def forward(self, x):
        return self.net(x)


class Net(nn.Module):
    def __init__(self, dim=8, depth=2):
        super().__init__()
        get_ff = lambda: FeedForward(dim)
        get_norm = lambda: nn.LayerNorm(dim)
        get_ff, get_norm = map(cache_fn, (get_ff, get_norm))
        self.layers = nn.ModuleList([])
        for i in range(depth):
            cache_args = {"_cache": i > 0}
            self.layers.append(nn.ModuleList([get_norm(**cache_args), get_ff(**cache_args)]))

    def forward(self, x):
        for norm, ff in self.layers:
            x = ff(norm(x)) + x
        return x
`;

describe("a ModuleList of modules built by memoised lambdas", () => {
  const r = compile(src, { filename: "memo.py" });

  it("is resolved when the model loads, with C2M-W023 at the construction", () => {
    expect(r.diagnostics.map((d) => d.code)).toContain("C2M-W023");
    expect(r.weightMaps.Net.some((rule) => rule.op === "runtime")).toBe(true);
  });

  it("converts torch's state_dict and matches torch", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-memo-"));
    writeFileSync(join(dir, "m.py"), src);
    writeFileSync(join(dir, "m_mlx.py"), r.code);
    runPython(`
import sys, numpy as np, torch
sys.path.insert(0, "${dir}")
import m
torch.manual_seed(0)
net = m.Net().eval()
torch.save(net.state_dict(), "${dir}/net.pt")
x = np.random.default_rng(0).standard_normal((2, 3, 8)).astype(np.float32)
with torch.no_grad(): np.save("${dir}/y.npy", net(torch.from_numpy(x)).numpy())
np.save("${dir}/x.npy", x)
`);
    convertWeightsFile(join(dir, "net.pt"), join(dir, "net.safetensors"), r.weightMaps.Net);
    const diff = runPython(`
import sys, numpy as np, mlx.core as mx
sys.path.insert(0, "${dir}")
import m_mlx
net = m_mlx.Net(); net.load_weights("${dir}/net.safetensors", strict=True); net.eval()
y, want = np.array(net(mx.array(np.load("${dir}/x.npy")))), np.load("${dir}/y.npy")
print(float(np.abs(y - want).max()) if y.shape == want.shape else float("inf"))
`);
    expect(Number(diff)).toBeLessThan(1e-4);
  });
});
