/**
 * Branches that meet with a name in different layouts (passes/walk/control-flow.ts join, passes/branch-exits.ts):
 * - a branch whose tensor has no known rank (a LayerNorm of a module's input) beside a channels-last one meets in
 *   torch's layout: the 4-D permutation is not guessed onto it (transformers' ConvNextLayerNorm, whose data_format
 *   is chosen at run time; SegformerEncoder's `if self.reshape:` after a LayerNorm of a 3-D sequence);
 * - a loop-carried value whose definition a consumer already decided channels-last is converted where the loop body
 *   ends, so the next iteration reads what the walk believes (ConvNextStage's loop over [norm, conv]);
 * - an empty ModuleList beside a filled one (`nn.ModuleList([norm, conv]) if downsample else nn.ModuleList()`) is
 *   the filled one: its loop dispatches each item's layout at run time instead of passing all of them torch's.
 * Checked against torch on real MLX.
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


class LayerNorm2(nn.LayerNorm):
    def __init__(self, normalized_shape, *, eps=1e-6, data_format="channels_last"):
        super().__init__(normalized_shape, eps=eps)
        self.data_format = data_format

    def forward(self, features):
        if self.data_format == "channels_first":
            features = features.permute(0, 2, 3, 1)
            features = super().forward(features)
            features = features.permute(0, 3, 1, 2)
        else:
            features = super().forward(features)
        return features


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=3, padding=1, groups=dim)
        self.norm = LayerNorm2(dim)
        self.pw = nn.Linear(dim, dim)

    def forward(self, x):
        residual = x
        x = self.dwconv(x)
        x = x.permute(0, 2, 3, 1)
        x = self.pw(self.norm(x))
        x = x.permute(0, 3, 1, 2)
        return residual + x


class Stage(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        if cin != cout or stride > 1:
            self.down = nn.ModuleList([LayerNorm2(cin, data_format="channels_first"), nn.Conv2d(cin, cout, stride, stride=stride)])
        else:
            self.down = nn.ModuleList()
        self.blocks = nn.ModuleList([Block(cout) for _ in range(2)])

    def forward(self, x):
        for layer in self.down:
            x = layer(x)
        for block in self.blocks:
            x = block(x)
        return x


class Tokens(nn.Module):
    def __init__(self, dim, reshape):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.reshape = reshape

    def forward(self, x, h, w):
        x = self.norm(x)
        if self.reshape:
            x = x.reshape(x.shape[0], h, w, -1).permute(0, 3, 1, 2).contiguous()
        return x


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 2, stride=2)
        self.stem_norm = LayerNorm2(8, data_format="channels_first")
        self.stages = nn.ModuleList([Stage(8, 8, 1), Stage(8, 16, 2)])
        self.tokens = Tokens(16, True)
        self.flat = Tokens(16, False)

    def forward(self, x):
        x = self.stem_norm(self.stem(x))
        for stage in self.stages:
            x = stage(x)
        b, c, h, w = x.shape
        seq = x.flatten(2).transpose(1, 2)
        return self.tokens(seq, h, w), self.flat(seq, h, w)
`;

describe("branches that meet in different layouts", () => {
  const r = compile(src, { filename: "branches.py" });

  it("meet in torch's layout where a branch's rank is not known", () => {
    // ConvNextLayerNorm's channels_first branch goes back to torch's layout: the else branch's rank is unknown
    expect(r.code).toMatch(/features = super\(\)\.forward\(features\)\n\s+features = features\.transpose\(0, 3, 1, 2\)\n\s+else:/);
    // the 3-D LayerNorm output is not given the 4-D branch's permutation
    expect(r.code).not.toMatch(/x = self\.norm\(x\)\n\s+x = x\.transpose\(0, 2, 3, 1\)/);
  });

  it("an empty ModuleList beside a filled one types the loop's items", () => {
    expect(r.code).toContain("x = c2m_sequential(layer, x, True, False)\n            x = x.transpose(0, 2, 3, 1)");
    expect(r.code).not.toContain("C2M-W007");
  });

  it("a loop's target is not converted before the loop (it is bound afresh each iteration)", () => {
    const loop = compile(
      `import torch
from torch import nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(4, 4, 1), nn.Conv2d(4, 4, 1)])

    def forward(self, hs):
        outs = ()
        for h, conv in zip(hs, self.convs):
            if h.ndim == 3:
                h = h.reshape(h.shape[0], 2, 2, -1).permute(0, 3, 1, 2)
            h = conv(h)
            outs += (h.flatten(2),)
        return torch.cat(outs, dim=1)
`,
      { filename: "head.py" },
    );
    expect(loop.code).not.toMatch(/h = h\.transpose\([^)]*\)\n\s+for h, conv/);
  });

  it("match torch", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-branches-"));
    writeFileSync(join(dir, "torch_side.py"), src);
    writeFileSync(join(dir, "mlx_side.py"), r.code);
    const driver = `
import sys
sys.path.insert(0, ${JSON.stringify(dir)})
import numpy as np, torch, mlx.core as mx
import torch_side, mlx_side
torch.manual_seed(0)
t = torch_side.Model().eval()
with torch.no_grad():
    for p in t.parameters():
        p.add_(torch.randn_like(p) * 0.1)
m = mlx_side.Model()
m.load_weights(list(m.sanitize({k: mx.array(v.numpy()) for k, v in t.state_dict().items()}).items()))
x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
want = [o.detach().numpy() for o in t(torch.from_numpy(x))]
got = [np.array(o) for o in m(mx.array(x))]
print([(g.shape == w.shape and float(np.abs(g - w).max()) < 1e-4) for g, w in zip(got, want)])
`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("[True, True]");
  });
});
