/**
 * A forward whose returns disagree on their layout (a tuple holding the conv's channels-last output, an object
 * built from it in torch's layout) returns each in torch's layout (passes/return-layouts.ts); before, callers read
 * the first return's layout for all and pooled an NCHW tensor as NHWC (transformers' ResNetModel). Checked against
 * torch on real MLX, through both returns.
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


class Out:
    def __init__(self, last):
        self.last = last

    def __getitem__(self, i):
        return self.last


class Enc(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x, return_dict=True):
        h = self.conv(x)
        if not return_dict:
            return (h,)
        return Out(h)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = Enc()
        self.pool = nn.AdaptiveAvgPool2d((1, 1))

    def forward(self, x, return_dict=True):
        out = self.enc(x, return_dict=return_dict)
        last = out[0]
        return last, self.pool(last)
`;

describe("returns that disagree on their layout", () => {
  const r = compile(src, { filename: "ret.py" });

  it("each go back to torch's layout", () => {
    expect(r.code).toContain("return (h.transpose(0, 3, 1, 2),)");
    expect(r.code).toContain("return Out(h.transpose(0, 3, 1, 2))");
  });

  it("match torch through both returns", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-ret-"));
    writeFileSync(join(dir, "torch_side.py"), src);
    writeFileSync(join(dir, "mlx_side.py"), r.code);
    const driver = `
import sys
sys.path.insert(0, ${JSON.stringify(dir)})
import numpy as np, torch, mlx.core as mx
import torch_side, mlx_side
torch.manual_seed(0)
t = torch_side.Model().eval()
m = mlx_side.Model()
m.load_weights(list(m.sanitize({k: mx.array(v.numpy()) for k, v in t.state_dict().items()}).items()))
x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
for flag in (True, False):
    want = [o.detach().numpy() for o in t(torch.from_numpy(x), return_dict=flag)]
    got = [np.array(o) for o in m(mx.array(x), return_dict=flag)]
    print(all(g.shape == w.shape and np.abs(g - w).max() < 1e-5 for g, w in zip(got, want)))
`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("True\nTrue");
  });
});

describe("a value c2m cannot type entering a channels-last layer", () => {
  it("is taken for a torch-layout tensor and converted (a model output's field pooled: ResNetModel)", () => {
    const r = compile(
      `import torch
from torch import nn


class Out:
    def __init__(self, last_hidden_state, hidden_states=None):
        self.last_hidden_state = last_hidden_state
        self.hidden_states = hidden_states

    def __getitem__(self, i):
        return self.last_hidden_state


class Enc(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = nn.ModuleList([nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 3)])

    def forward(self, hidden_state, output_hidden_states=False, return_dict=True):
        hidden_states = () if output_hidden_states else None
        for stage_module in self.stages:
            if output_hidden_states:
                hidden_states = hidden_states + (hidden_state,)
            hidden_state = stage_module(hidden_state)
        if not return_dict:
            return tuple(v for v in [hidden_state, hidden_states] if v is not None)
        return Out(last_hidden_state=hidden_state, hidden_states=hidden_states)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedder = nn.Conv2d(3, 3, 1)
        self.encoder = Enc()
        self.pooler = nn.AdaptiveAvgPool2d((1, 1))

    def forward(self, x, return_dict=True):
        embedding_output = self.embedder(x)
        encoder_outputs = self.encoder(embedding_output, output_hidden_states=False, return_dict=return_dict)
        last_hidden_state = encoder_outputs[0]
        pooled_output = self.pooler(last_hidden_state)
        return last_hidden_state, pooled_output
`,
      { filename: "pool.py" },
    );
    expect(r.code).toContain("pooled_output = self.pooler(last_hidden_state.transpose(0, 2, 3, 1))");
  });
});
