/**
 * A class the file exports in `__all__` is one a user builds and calls, even where another class of the file
 * instantiates it (transformers' `ViTModel`, the backbone of `ViTForImageClassification`): its forward takes
 * torch's layout at its boundary, as a class nothing instantiates does (passes/layout-nhwc.ts, topLevelClasses).
 * Checked by running the output with MLX: the backbone called alone and through the head agree.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { pythonExecutable } from "../src/python.js";

const src = `import torch
from torch import nn


class PatchEmbeddings(nn.Module):
    def __init__(self, c, d):
        super().__init__()
        self.num_channels = c
        self.projection = nn.Conv2d(c, d, kernel_size=2, stride=2)

    def forward(self, pixel_values):
        if pixel_values.shape[1] != self.num_channels:
            raise ValueError("channels")
        return self.projection(pixel_values).flatten(2).transpose(1, 2)


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embeddings = PatchEmbeddings(3, 8)

    def forward(self, pixel_values):
        batch_size, num_channels, height, width = pixel_values.shape
        return self.patch_embeddings(pixel_values).mean(1)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Linear(8, 2)

    def forward(self, pixel_values):
        return self.head(self.backbone(pixel_values))


__all__ = ["Classifier", "Backbone"]
`;

describe("classes exported in __all__ take torch's layout (topLevelClasses)", () => {
  const r = compile(src, { filename: "public.py" });

  it("the exported backbone converts its input at its own boundary; the inner block does not", () => {
    const backbone = r.code.slice(r.code.indexOf("class Backbone"), r.code.indexOf("class Classifier"));
    expect(backbone).toContain("pixel_values = pixel_values.transpose(0, 2, 3, 1)");
    expect(backbone).toContain("batch_size, height, width, num_channels = pixel_values.shape");
    const block = r.code.slice(r.code.indexOf("class PatchEmbeddings"), r.code.indexOf("class Backbone"));
    expect(block).not.toContain("transpose(0, 2, 3, 1)");
  });

  it("runs: the backbone called alone on torch-layout input matches it called through the classifier", () => {
    const driver = `${r.code}
import mlx.core as mx
mx.random.seed(0)
m = Classifier()
x = mx.random.normal((2, 3, 4, 4))
alone = m.backbone(x)
print(alone.shape, mx.allclose(m.head(alone), m(x)).item())
`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("(2, 8) True");
  });
});
