/**
 * encodec's SEANet models (test/zoo/vendor/encodec) in a package compile: `SEANetEncoder` is re-exported by the
 * package's __init__.py (so other files name it), picks its activation by name (`act = getattr(nn, activation)`,
 * default 'ELU') and holds convs and an LSTM. Its weight map must stay static: a map that leaves `model.#.**` to run
 * time sends the LSTM's keys to c2m_resolve_torch_keys, which refuses them (the zoo's encodec_seanet_* cases went
 * parity → diagnosed on a merged tree that made a class other files name build "any class" for such calls; the change
 * was reverted). Another package of the same compile defining the same class names, and a file of it naming them,
 * changes nothing in this package's output: names across files count only as the words they are
 * (src/cross-file-names.ts), and they only ever add torch-layout boundaries.
 */
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";

const py = (s: string) => s.replace(/^\n/, "");

const ENC_INIT = py(`
from .blocks import SConv1d, SLSTM
from .seanet import SEANetEncoder
`);

const ENC_BLOCKS = py(`
import torch
from torch import nn
from torch.nn.utils import weight_norm


def apply_norm(module, norm="none"):
    if norm == "weight_norm":
        return weight_norm(module)
    return module


class SConv1d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, norm="none"):
        super().__init__()
        self.conv = apply_norm(nn.Conv1d(in_channels, out_channels, kernel_size, stride), norm)

    def forward(self, x):
        return self.conv(x)


class SLSTM(nn.Module):
    def __init__(self, dimension, num_layers=2):
        super().__init__()
        self.lstm = nn.LSTM(dimension, dimension, num_layers)

    def forward(self, x):
        x = x.permute(2, 0, 1)
        y, _ = self.lstm(x)
        return (y + x).permute(1, 2, 0)
`);

const ENC_SEANET = py(`
import torch.nn as nn
from . import SConv1d, SLSTM


class SEANetEncoder(nn.Module):
    def __init__(self, channels=1, dimension=16, n_filters=4, activation="ELU", activation_params={"alpha": 1.0}, lstm=2):
        super().__init__()
        act = getattr(nn, activation)
        model = [SConv1d(channels, n_filters, 3)]
        model += [act(**activation_params), SConv1d(n_filters, dimension, 3, stride=2, norm="weight_norm")]
        if lstm:
            model += [SLSTM(dimension, num_layers=lstm)]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)
`);

// another package: its own classes of the same names, and a file that names them
const OTHER_MODULES = py(`
import torch
from torch import nn


class SLSTM(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        return self.proj(x)


class SEANetEncoder(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.blocks = nn.ModuleList([SLSTM(d) for _ in range(2)])

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x
`);

const OTHER_MODEL = py(`
from torch import nn
from other.modules import SEANetEncoder, SLSTM


class Wrapper(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = SEANetEncoder(8)
        self.extra = SLSTM(8)

    def forward(self, x):
        return self.extra(self.enc(x))
`);

const ENC = { "enc/__init__.py": ENC_INIT, "enc/blocks.py": ENC_BLOCKS, "enc/seanet.py": ENC_SEANET };
const OTHER = { "other/__init__.py": "", "other/modules.py": OTHER_MODULES, "other/model.py": OTHER_MODEL };

function compileIn(files: Record<string, string>, path: string) {
  return compile(files[path], { filename: path, host: memoryHost(files), package: { files: Object.keys(files), path } });
}

describe("a model other files of its package name, beside a package with the same class names", () => {
  const alone = compileIn(ENC, "enc/seanet.py");
  const together = compileIn({ ...ENC, ...OTHER }, "enc/seanet.py");

  it("keeps a static weight map: no key left to run time, no load_weights of its own", () => {
    const rules = alone.weightMaps.SEANetEncoder;
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter((r) => r.op === "runtime")).toEqual([]);
    expect(alone.code).not.toContain("c2m_resolve_torch_keys");
  });

  it("compiles the same with the other package in the program", () => {
    expect(together.code).toBe(alone.code);
    expect(together.weightMaps).toEqual(alone.weightMaps);
    for (const path of ["enc/blocks.py", "enc/__init__.py"]) expect(compileIn({ ...ENC, ...OTHER }, path).code).toBe(compileIn(ENC, path).code);
  });
});
