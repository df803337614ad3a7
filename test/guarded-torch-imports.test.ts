/**
 * Names imported from torch in a try that catches ImportError (passes/torch-imports.ts): the port takes the
 * code's own fallback, so the names exist for this file and for the files that import them from it.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const src = `import torch

try:
    from torch._dynamo import allow_in_graph as maybe_allow_in_graph
except (ImportError, ModuleNotFoundError):

    def maybe_allow_in_graph(cls):
        return cls


@maybe_allow_in_graph
class Block(torch.nn.Module):
    def forward(self, x):
        return x * 2
`;

describe("torch names imported in a try that catches ImportError", () => {
  const r = compile(src, { filename: "torch_utils.py" });

  it("become the except branch's, with a warning at the import", () => {
    expect(r.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual(["C2M-W052@4"]);
    expect(r.code).toContain(`try:\n    raise ImportError("torch._dynamo is torch's")  # c2m: C2M-W052`);
    expect(r.code).toContain("except (ImportError, ModuleNotFoundError):\n\n    def maybe_allow_in_graph(cls):\n        return cls\n");
  });

  it("the module imports without torch and the name is the fallback's", () => {
    const run = spawnSync(pythonExecutable(), ["-c", `${r.code}\nimport mlx.core as mx\nprint(maybe_allow_in_graph(3), Block()(mx.array([1.0])).tolist())`], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("3 [2.0]");
  });
});
