/**
 * torch's load_state_dict hooks (transformers' Mamba registers one that renames an older checkpoint's keys): the
 * port loads weights converted from the torch model's state_dict(), which no load hook changes, so the registration
 * is dropped with C2M-W042 at it. It was left as a call of a method MLX's Module lacks, raising when the model was
 * built. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = nn.Linear(3, 4)
        self.head = nn.Linear(4, 2)
        self._register_load_state_dict_pre_hook(self.load_hook)

    def load_hook(self, state_dict, prefix, *args):
        for k in list(state_dict):
            if "embedding." in k:
                state_dict[k.replace("embedding.", "embeddings.")] = state_dict.pop(k)

    def forward(self, x):
        return self.head(self.embeddings(x).relu())
`;

describe("a load_state_dict hook", () => {
  const r = compile(src, { filename: "load_hook.py" });

  it("is dropped with C2M-W042 at its registration", () => {
    const w042 = r.diagnostics.filter((d) => d.code === "C2M-W042");
    expect(w042.map((d) => d.line)).toEqual([10]);
    expect(r.code).not.toContain("_register_load_state_dict_pre_hook(");
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 3])).toBeLessThan(1e-4);
  });
});
