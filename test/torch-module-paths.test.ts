/**
 * torch.nn's classes imported from the modules that define them (`from torch.nn.modules.batchnorm import
 * BatchNorm2d`, `from torch.nn.modules.instancenorm import InstanceNorm2d`: torchvision's RAFT) are torch.nn's
 * classes (passes/resolve-imports.ts canonicalTorchName). They were untranslated names bound to placeholders
 * (C2M-E050) that raised when the model was built. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { portDifference } from "./python-run.js";
import { compile } from "../src/index.js";

const src = `import torch
import torch.nn as nn
import torch.nn.modules.conv as conv_modules
from torch.nn.modules.batchnorm import BatchNorm2d
from torch.nn.modules.instancenorm import InstanceNorm2d


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = conv_modules.Conv2d(3, 4, 3, padding=1)
        self.bn = BatchNorm2d(4)
        self.inorm = InstanceNorm2d(4, affine=True)

    def forward(self, x):
        return self.inorm(self.bn(self.conv(x)).relu())
`;

describe("torch.nn classes named by their defining module", () => {
  const r = compile(src, { filename: "module_paths.py" });

  it("are translated as torch.nn's, with no placeholder", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual([]);
    expect(r.code).not.toContain("Untranslated");
    expect(r.code).toContain("nn.BatchNorm(4)");
  });

  it("match torch", () => {
    expect(portDifference(src, r.code, r.weightMaps.Net, [1, 3, 6, 6])).toBeLessThan(1e-4);
  });
});
