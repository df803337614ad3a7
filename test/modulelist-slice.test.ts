/**
 * A slice of a ModuleList (`for layer in self.layers[: self.config.num_hidden_layers]`, transformers' Llama and
 * Qwen2 decoders) is a plain list in the port: iterating it gives the layers. Typed as a Sequential, it was read
 * through `.layers` (passes/sequential-access.ts), an AttributeError on a list.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const SOURCE = [
  "import torch.nn as nn",
  "",
  "",
  "class Net(nn.Module):",
  "    def __init__(self, n=3):",
  "        super().__init__()",
  "        self.n = n",
  "        self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(4)])",
  "",
  "    def forward(self, x):",
  "        for layer in self.layers[: self.n]:",
  "            x = layer(x)",
  "        return x",
  "",
].join("\n");

describe("a ModuleList's slice", () => {
  it("is iterated as the list it is, and runs", () => {
    const out = compile(SOURCE, { filename: "m.py" }).code;
    expect(out).toContain("        for layer in self.layers[: self.n]:\n");
    const run = spawnSync(pythonExecutable(), ["-c", `${out}\nimport mlx.core as mx\nprint(Net()(mx.ones((1, 2))).shape)`], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("(1, 2)");
  });
});
