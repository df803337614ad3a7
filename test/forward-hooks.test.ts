/**
 * torch's `module.register_forward_hook(hook)`: transformers' output capturing installs one on every submodule to
 * collect hidden states (DPT reads its backbone's that way); MLX's Module runs no hooks and has no such method
 * (`'DPTSelfAttention' object has no attribute 'register_forward_hook'`). The helper runs each hook after the module's
 * call, a result replacing the output, and returns a handle that removes it. Run on MLX.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const MODEL = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 4)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def install(model, store):
    for name, module in model.named_children():
        module.register_forward_hook(lambda mod, args, out, name=name: store.append((name, tuple(out.shape))))
    return model.fc1.register_forward_hook(lambda mod, args, out: out * 2)
`;

describe("forward hooks", () => {
  const r = compile(MODEL, { filename: "hooks.py" });

  it("go through the helper", () => {
    expect(r.code).toContain("c2m_register_forward_hook(module, lambda mod, args, out, name=name:");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("run after the module's call; a result replaces the output; the handle removes the hook", () => {
    const script = `${r.code}
import mlx.core as mx
net = Net()
x = mx.ones((1, 4))
plain = net(x)
doubled = net.fc2(mx.maximum(2 * (x @ net.fc1.weight.T + net.fc1.bias), 0))
store = []
handle = install(net, store)
hooked = net(x)
print(store, mx.allclose(hooked, doubled).item(), type(net.fc1).__name__, isinstance(net.fc1, nn.Linear))
handle.remove()
store.clear()
print(mx.allclose(net(x), plain).item(), store)
`;
    const ran = spawnSync(pythonExecutable(), ["-c", script], { encoding: "utf8" });
    expect(ran.stderr).toBe("");
    expect(ran.stdout.trim().split("\n")).toEqual(["[('fc1', (1, 4)), ('fc2', (1, 2))] True Linear True", "True [('fc1', (1, 4)), ('fc2', (1, 2))]"]);
  });
});
