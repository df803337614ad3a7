/**
 * An attribute set on a tensor the walk types (passes/walk/tensor-attributes.ts): torch's tensors take any attribute,
 * an mx.array none. Time-Series-Library's PositionalEmbedding sets `pe.require_grad = False` on a local (a
 * misspelt autograd flag nothing reads): the port dropped nothing and raised AttributeError when built. A store
 * nothing in the file reads back, and `requires_grad` always, is kept as a comment (C2M-W061); a store read back
 * cannot be kept on the array, and is reported where it is made (C2M-W062) with a marker.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const positional = `import math
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, d_model=8, max_len=16):
        super().__init__()
        pe = torch.zeros(max_len, d_model).float()
        pe.require_grad = False
        position = torch.arange(0, max_len).float().unsqueeze(1)
        div_term = (torch.arange(0, d_model, 2).float() * -(math.log(10000.0) / d_model)).exp()
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0)
        self.register_buffer("pe", pe)
        self.fc = nn.Linear(d_model, d_model)

    def forward(self, x):
        scale = torch.ones(1)
        scale.requires_grad = False
        return self.fc(x) * scale + self.pe[:, : x.size(1)]
`;

describe("an attribute set on a local tensor nothing reads back", () => {
  const r = compile(positional, { filename: "embed.py" });

  it("is kept as a comment with C2M-W061, the autograd flag and the misspelt one alike", () => {
    expect(r.code).toContain("# pe.require_grad = False");
    expect(r.code).toContain("# scale.requires_grad = False");
    const found = r.diagnostics.filter((d) => d.code === "C2M-W061").map((d) => `${d.line}:${d.col}`);
    expect(found).toEqual(["10:9", "21:9"]);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("builds and matches torch (the sinusoidal table included)", () => {
    expect(portDifference(positional, r.code, r.weightMaps.Net, [2, 5, 8])).toBeLessThan(1e-5);
  });
});

const readBack = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        y = self.fc(x)
        y.scale = 2.0
        return y * y.scale
`;

describe("an attribute set on a tensor and read back", () => {
  const r = compile(readBack, { filename: "read_back.py" });

  it("is reported where it is set, with the line that reads it, and marked", () => {
    const d = r.diagnostics.find((x) => x.code === "C2M-W062");
    expect(d && `${d.line}:${d.col}`).toBe("12:9");
    expect(d?.message).toContain("line 13 reads back");
    expect(r.code).toMatch(/y\.scale = 2\.0 {2}# c2m: C2M-W062/);
    expect(r.diagnostics.some((x) => x.code === "C2M-W061")).toBe(false);
  });
});

const namespaceStore = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, args):
        super().__init__()
        args.device = "cpu"
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(x)
`;

describe("an attribute set on a name the walk only presumes a tensor", () => {
  it("is left alone (a config namespace, not a tensor)", () => {
    const r = compile(namespaceStore, { filename: "ns.py" });
    expect(r.code).toContain('args.device = "cpu"');
    expect(r.diagnostics.some((x) => x.code === "C2M-W061" || x.code === "C2M-W062")).toBe(false);
  });
});
