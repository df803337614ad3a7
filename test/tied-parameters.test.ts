/**
 * A parameter tied to another (`self.head.weight = self.emb.weight`, transformers' tie_weights through setattr) is
 * one array, as in torch (cookbook/helpers/C2MModuleMixin.py): parameters() lists it once, load_weights() takes a
 * checkpoint naming it under either path (torch's state_dict names both), update() and an optimizer step keep the
 * paths on one array, and a gradient sums both uses. Checked by running the output with MLX.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const TIED = `import torch
from torch import nn


class TieMixin:
    _tied = {"head.weight": "emb.weight"}

    def tie_weights(self):
        for target, source in self._tied.items():
            parent, name = target.rsplit(".", 1)
            setattr(self.get_submodule(parent), name, self.get_parameter(source))


class Model(nn.Module, TieMixin):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(5, 3)
        self.blocks = nn.ModuleList([nn.Linear(3, 3)])
        self.head = nn.Linear(3, 5, bias=False)
        self.tie_weights()

    def forward(self, ids):
        return self.head(self.blocks[0](self.emb(ids)))
`;

const DRIVER = `
import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_flatten

mx.random.seed(0)
m = Model()
print("names", sorted(k for k, _ in tree_flatten(m.parameters())), sum(v.size for _, v in tree_flatten(m.trainable_parameters())))
state = dict(tree_flatten(Model().parameters()))
state["head.weight"] = state["emb.weight"]
m.load_weights(list(state.items()), strict=True)
print("both", m.head.weight is m.emb.weight, mx.array_equal(m.emb.weight, state["emb.weight"]).item())
alias_only = {k: v for k, v in state.items() if k != "emb.weight"}
alias_only["head.weight"] = alias_only["head.weight"] * 2
m.load_weights(list(alias_only.items()), strict=True)
print("alias", m.head.weight is m.emb.weight, mx.array_equal(m.emb.weight, alias_only["head.weight"]).item())
state["head.weight"] = state["emb.weight"] + 1
try:
    m.load_weights(list(state.items()))
except ValueError as e:
    print("differ", "different values" in str(e))
ids = mx.array([1, 3, 3])
loss, grads = nn.value_and_grad(m, lambda i: m(i).sum())(ids)
w, lin = m.emb.weight, m.blocks[0]
expected = mx.grad(lambda w: ((lin(w[ids])) @ w.T).sum())(w)
print("grad", sorted(k for k, _ in tree_flatten(grads)), mx.allclose(grads["emb"]["weight"], expected, atol=1e-6).item())
optim.SGD(learning_rate=0.1).update(m, grads)
print("step", m.head.weight is m.emb.weight, mx.allclose(m.emb.weight, w - 0.1 * expected, atol=1e-6).item())
`;

describe("tied parameters are one array (C2MModuleMixin)", () => {
  const r = compile(TIED, { filename: "tied.py" });

  it("the class that ties gets the mixin", () => {
    expect(r.code).toContain("class Model(C2MModuleMixin, nn.Module, TieMixin):");
  });

  it("runs as in torch: counted once, loaded under either name, one array after load, update and a step", () => {
    const run = spawnSync(pythonExecutable(), ["-c", `${r.code}\n${DRIVER}`], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim().split("\n")).toEqual([
      "names ['blocks.0.bias', 'blocks.0.weight', 'emb.weight'] 27",
      "both True True",
      "alias True True",
      "differ True",
      "grad ['blocks.0.bias', 'blocks.0.weight', 'emb.weight'] True",
      "step True True",
    ]);
  });
});

const PLAIN = `import torch
from torch import nn


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(5, 3)
        self.head = nn.Linear(3, 5, bias=False)
        self.head.weight = self.emb.weight

    def forward(self, ids):
        return self.head(self.emb(ids))


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)
`;

describe("a class on nn.Module alone that ties parameters", () => {
  const r = compile(PLAIN, { filename: "lm.py" });

  it("gets the mixin; a class that ties nothing does not", () => {
    expect(r.code).toContain("class LM(C2MModuleMixin, nn.Module):");
    expect(r.code).toContain("class Plain(nn.Module):");
  });

  it("counts the tied array once and loads torch's state_dict (both names) keeping one array", () => {
    const driver = `${r.code}\nimport mlx.core as mx\nfrom mlx.utils import tree_flatten\nm = LM()\nstate = dict(tree_flatten(LM().parameters()))\nstate["head.weight"] = state["emb.weight"]\nm.load_weights(list(state.items()))\nprint(sorted(k for k, _ in tree_flatten(m.parameters())), m.head.weight is m.emb.weight)\n`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("['emb.weight'] True");
  });
});
