/**
 * A function defined inside a method closes over its `self` (CLIP's ModifiedResNet.forward defines `stem(x)` over
 * its convs and norms): it is translated with the method's class, so `self.conv1(x)` there is the class's conv,
 * taking and returning torch's layout as any function does. It was walked with no class: its convs got torch's
 * layout with no transpose and no diagnostic (silently wrong).
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const SOURCE = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(4, 5)

    def forward(self, x):
        def stem(x):
            x = torch.relu(self.bn1(self.conv1(x)))
            x = self.pool(x)
            return x

        x = x.type(self.conv1.weight.dtype)
        x = stem(x)
        return self.fc(x.mean((2, 3)))
`;

describe("a function defined in a method", () => {
  it("is translated with the method's class: its convs get their layout, and the port matches torch", () => {
    const r = compile(SOURCE, { filename: "m.py" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const stem = r.code.slice(r.code.indexOf("def stem"), r.code.indexOf("return x.transpose(0, 3, 1, 2)"));
    expect(stem).toContain("x = x.transpose(0, 2, 3, 1)");
    expect(portDifference(SOURCE, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
  });
});
