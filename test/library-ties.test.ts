/**
 * transformers' `_tied_weights_keys` (passes/library-ties.ts): PreTrainedModel ties these parameters after
 * construction, which the port's parameter tree cannot express; the class attribute carries C2M-E028 naming
 * each tied key (the zoo ties a params failure on `lm_head.weight` to it), and a class without one gets none.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";

const model = (tie: string) =>
  `import torch.nn as nn\n\n\nclass LM(nn.Module):\n${tie}\n    def __init__(self):\n        super().__init__()\n        self.wte = nn.Embedding(4, 2)\n        self.lm_head = nn.Linear(2, 4, bias=False)\n\n    def forward(self, x):\n        return self.lm_head(self.wte(x))\n`;
const tied = (tie: string) => compile(model(tie), { filename: "lm.py" }).diagnostics.filter((x) => x.code === "C2M-E028");

describe("weights a library ties at run time", () => {
  it("are an error at the class attribute, naming each tied key (dict or list)", () => {
    expect(tied('    _tied_weights_keys = {\n        "lm_head.weight": "wte.weight",\n    }\n').map((x) => [x.severity, x.line, x.col, x.message])).toEqual([
      ["error", 5, 5, "LM: lm_head.weight (tied to wte.weight) is tied at run time (_tied_weights_keys); the port holds each as its own array"],
    ]);
    expect(tied('    _tied_weights_keys = ["lm_head.weight", "embed.weight"]\n').map((x) => x.message)).toEqual([
      "LM: lm_head.weight, embed.weight are tied at run time (_tied_weights_keys); the port holds each as its own array",
    ]);
  });

  it("an empty or absent tie table is nothing to report", () => {
    expect(tied("    _tied_weights_keys = {}\n")).toEqual([]);
    expect(tied("    other = 1\n")).toEqual([]);
  });
});
