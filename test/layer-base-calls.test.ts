/**
 * A subclass of a torch layer calling the layer's methods by name (`nn.LayerNorm.__init__(self, normalized_shape=…)`,
 * `nn.LayerNorm.forward(self, x)`, transformers' SqueezeBertLayerNorm normalising NCW data) names the layer's stand-in,
 * which takes torch's arguments and has a forward (passes/walk/calls.ts layerBaseCall). They were left as torch names
 * (C2M-W002). Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
import torch.nn as nn


class NCWLayerNorm(nn.LayerNorm):
    def __init__(self, hidden_size, eps=1e-12):
        nn.LayerNorm.__init__(self, normalized_shape=hidden_size, eps=eps)

    def forward(self, x):
        x = x.permute(0, 2, 1)
        x = nn.LayerNorm.forward(self, x)
        return x.permute(0, 2, 1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 4, 1)
        self.norm = NCWLayerNorm(4)

    def forward(self, x):
        return self.norm(self.conv(x.flatten(2)))
`;

describe("a torch layer's methods called by name in its subclass", () => {
  const r = compile(src, { filename: "layer_base_calls.py" });

  it("name the layer's stand-in", () => {
    expect(r.code).toContain("TorchLayerNorm.__init__(self, normalized_shape=hidden_size, eps=eps)");
    expect(r.code).toContain("TorchLayerNorm.forward(self, ");
    expect(r.diagnostics.filter((d) => d.code === "C2M-W002")).toEqual([]);
  });

  it("match torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 2, 3])).toBeLessThan(1e-4);
  });
});
