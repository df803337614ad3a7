/**
 * Attributes a run-time method of a base stores on self are private in the port (passes/runtime-state.ts), and
 * torch's name stays usable: transformers' PreTrainedModel keeps `self.gradient_checkpointing = enable` as run-time
 * state, and every model's __init__ assigns `self.gradient_checkpointing = False` by torch's name, which the
 * property (emit/buffer-aliases.ts) now writes to the private attribute instead of raising ('no setter'); and a
 * `self.__x` is left as written (MLX keeps `_` names out of its parameters already; renaming it undid Python's name
 * mangling, '_Base__keep' not found). Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
from torch import nn


class Base(nn.Module):
    def set_checkpointing(self, enable=True):
        self.gradient_checkpointing = enable
        self.__keep = [enable]

    def post_init(self):
        self.__keep = ["proj"]

    def kept(self):
        return self.__keep


class Net(Base):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 2)
        self.gradient_checkpointing = False
        self.post_init()

    def forward(self, x):
        y = self.proj(x)
        return y * 2 if self.gradient_checkpointing or self.kept() != ["proj"] else y


def checkpointing(model):
    return model.gradient_checkpointing
`;

describe("run-time state of a base class", () => {
  const r = compile(src, { filename: "runtime_state_names.py" });

  it("keeps a settable property under torch's name, and dunder names as written", () => {
    expect(r.code).toContain('gradient_checkpointing = property(lambda self: self._gradient_checkpointing, lambda self, value: setattr(self, "_gradient_checkpointing", value))');
    expect(r.code).toContain("self.__keep = [enable]");
  });

  it("matches torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [2, 3])).toBeLessThan(1e-4);
  });
});
