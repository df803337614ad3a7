/**
 * State a module keeps on `self` while it runs (pytorch/examples' word_language_model caches its causal mask in
 * forward: `self.src_mask = mask`) is no parameter in torch; MLX makes every public array attribute one, so the
 * port gained parameters once it had run. Such attributes are private in the port (passes/runtime-state.ts):
 * the port's numbers match torch's and its parameters after a run are torch's state_dict, key for key.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference, runPython } from "./python-run.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SOURCE = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.src_mask = None
        self.steps = 0
        self.label = "net"

    def _mask(self, n):
        return torch.log(torch.tril(torch.ones(n, n)))

    def forward(self, x):
        if self.src_mask is None or self.src_mask.size(0) != x.size(-1):
            mask = self._mask(x.size(-1))
            self.src_mask = mask
        self.last_input = x
        self.steps = 1
        self.label = "ran"
        y = self.conv(x)
        return y + self.src_mask.exp()
`;

describe("run-time state on self", () => {
  const r = compile(SOURCE, { filename: "m.py" });

  it("tensors a method stores on self are private in the port; flags, counts and names stay as written", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain("self._src_mask = mask");
    expect(r.code).toContain("self._last_input = x");
    expect(r.code).toContain("self.steps = 1");
    expect(r.code).toContain('self.label = "ran"');
  });

  it("the port matches torch, and after running has exactly torch's state_dict keys as parameters", () => {
    expect(portDifference(SOURCE, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
    const dir = mkdtempSync(join(tmpdir(), "c2m-state-"));
    writeFileSync(join(dir, "m.py"), SOURCE);
    writeFileSync(join(dir, "m_mlx.py"), r.code);
    const keys = runPython(`
import sys, json, numpy as np, mlx.core as mx, torch
from mlx.utils import tree_flatten
sys.path.insert(0, "${dir}")
import m, m_mlx
t = m.Net().eval(); x = torch.zeros(1, 3, 8, 8); t(x)
p = m_mlx.Net(); p.eval(); p(mx.zeros((1, 3, 8, 8)))
print(json.dumps([sorted(t.state_dict()), sorted(k for k, _ in tree_flatten(p.parameters()))]))
`);
    const [torchKeys, mlxKeys] = JSON.parse(keys) as string[][];
    expect(mlxKeys).toEqual(torchKeys);
  });
});
