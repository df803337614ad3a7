/**
 * Time-Series-Library idioms that compiled silently wrong (found probing thuml/Time-Series-Library):
 * - `datatype_dict[configs.data]` (TemporalFusionTransformer) where `configs` is a constructor parameter c2m merely
 *   presumes a tensor: `.data` was dropped as a tensor's autograd-free view, indexing the dict by the namespace; it is
 *   now asked at run time (c2m_data_of), as for a receiver of unknown type.
 * - `index = list(range(seq_len // 2))` then `index.sort()` (FEDformer's get_frequency_modes): `seq_len // 2` of a
 *   presumed tensor made range() a tensor, and the list's sort became torch.sort; range() now holds Python ints.
 * - A module passed to a method and called there on a tensor (MICN's `conv_trans_conv(input, conv1d, …)` given
 *   `self.conv[i]`): the parameter was taken for an unknown function and given torch's layout, which an MLX conv
 *   misreads (a silent channel mismatch); it is now called as a module of unknown class (c2m_sequential, C2M-W007).
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const configIdioms = `import torch
import torch.nn as nn

TABLE = {"a": 2.0, "b": 3.0}


class Config:
    data = "b"
    seq_len = 8


def frequency_modes(seq_len, modes):
    index = list(range(0, seq_len // 2))
    index = index[::-1][:modes]
    index.sort()
    return index


class Block(nn.Module):
    def __init__(self, configs):
        super().__init__()
        self.scale = TABLE[configs.data]
        self.index = frequency_modes(configs.seq_len, 3)
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(x)[:, self.index] * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(Config())

    def forward(self, x):
        return self.block(x)
`;

describe("a config namespace's .data and a list of range()'s sort", () => {
  const r = compile(configIdioms, { filename: "config_idioms.py" });

  it("keep their Python meaning", () => {
    expect(r.code).toContain("self.scale = TABLE[c2m_data_of(configs)]");
    expect(r.code).toContain("    index.sort()\n");
    expect(r.code).not.toContain("ops_sort");
  });

  it("matches torch", () => {
    expect(portDifference(configIdioms, r.code, r.weightMaps.Net, [2, 5, 4])).toBeLessThan(1e-5);
  });
});

const passedModule = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv1d(4, 4, k, padding=k // 2) for k in (3, 5)])
        self.norm = nn.LayerNorm(4)

    def mix(self, input, conv1d):
        x = input.permute(0, 2, 1)
        x = torch.tanh(conv1d(x))
        return self.norm(x.permute(0, 2, 1) + input)

    def forward(self, x):
        for i in range(len(self.convs)):
            x = self.mix(x, self.convs[i])
        return x
`;

describe("a module passed to a method and called there", () => {
  const r = compile(passedModule, { filename: "passed_module.py" });

  it("is called as a module of unknown class, with C2M-W007", () => {
    expect(r.code).toContain("c2m_sequential(conv1d, ");
    expect(r.diagnostics.some((d) => d.code === "C2M-W007")).toBe(true);
  });

  it("matches torch", () => {
    expect(portDifference(passedModule, r.code, r.weightMaps.Net, [2, 6, 4])).toBeLessThan(1e-5);
  });
});
