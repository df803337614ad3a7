/**
 * A slice of a tuple or list of tensors is a tuple still, not one of its tensors (passes/translate.ts subscript):
 * diffusers' UNet keeps `down_block_res_samples += res_samples` and takes `down_block_res_samples[-n:]` per up block;
 * typed as a tensor, the slice was transposed (`'tuple' object has no attribute 'transpose'`). Checked against torch.
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


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(3, 4, 3, padding=1)
        self.downs = nn.ModuleList([nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)])
        self.conv_out = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        x = self.conv_in(x)
        res = (x,)
        for d in self.downs:
            x = d(x)
            res += (x,)
        for i in range(2):
            skip = res[-1:]
            res = res[:-1]
            x = x + skip[0]
        return self.conv_out(x)
`;

describe("a slice of a tuple of tensors", () => {
  const r = compile(src, { filename: "slices.py" });

  it("is a tuple: not transposed", () => {
    expect(r.code).toContain("skip = res[-1:]\n            res = res[:-1]\n            x = x + skip[0]");
  });

  it("matches torch", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-slices-"));
    writeFileSync(join(dir, "torch_side.py"), src);
    writeFileSync(join(dir, "mlx_side.py"), r.code);
    const driver = `
import sys
sys.path.insert(0, ${JSON.stringify(dir)})
import numpy as np, torch, mlx.core as mx
import torch_side, mlx_side
torch.manual_seed(0)
t = torch_side.Net().eval()
m = mlx_side.Net()
m.load_weights(list(m.sanitize({k: mx.array(v.numpy()) for k, v in t.state_dict().items()}).items()))
x = np.random.default_rng(0).standard_normal((1, 3, 6, 6)).astype(np.float32)
want = t(torch.from_numpy(x)).detach().numpy()
got = np.array(m(mx.array(x)))
print(got.shape == want.shape and float(np.abs(got - want).max()) < 1e-4)
`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("True");
  });
});
