/**
 * TorchScript's type hints on a value are that value (CrossViT: `proj_cls_token = torch.jit.annotate(List[torch.Tensor], [])`,
 * then appended to): never a placeholder that raises at run time.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const SRC = `from typing import List
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.projs = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])

    def forward(self, x):
        outs = torch.jit.annotate(List[torch.Tensor], [])
        for p in self.projs:
            outs.append(p(x))
        y = torch.jit._unwrap_optional(outs[0])
        return torch.cat(outs, dim=-1) + y.sum()
`;

describe("calls whose value is an argument", () => {
  it("torch.jit.annotate is its value, _unwrap_optional its argument", () => {
    const r = compile(SRC, { filename: "net.py" });
    expect(r.code).toContain("outs = []\n");
    expect(r.code).toContain("y = outs[0]\n");
    expect(r.code).not.toContain("jit");
    expect(r.diagnostics.filter((d) => d.severity !== "info").map((d) => d.code)).toEqual([]);
  });
});
