/**
 * A module read in forward by a name computed at run time (passes/computed-attrs.ts): `getattr(self, f"block{i}")`
 * and `self.__getattr__('level_%d' % i)` (pytorch-cifar's DLA) give the class's attributes whose names fit, or what
 * it stores under names c2m could not compute; the call is a module call with the callee's layouts. It was an
 * unknown callee handed torch's layout while the module held there is a conv (channels-last): silently wrong.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { portDifference } from "./python-run.js";

const source = (store: string, read: string) => `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        for i in range(2):
            ${store}
        self.fc = nn.Linear(3, 4)

    def forward(self, x):
        for i in range(2):
            block = ${read}
            x = block(x)
        return self.fc(x.mean((2, 3)))
`;

const CASES: [string, string, string][] = [
  ["getattr(self, f-string)", 'setattr(self, f"block{i}", nn.Conv2d(3, 3, 3, padding=1))', 'getattr(self, f"block{i}")'],
  ["self.__getattr__('%d' % i), stored under a name c2m cannot compute", "self.__setattr__('block_%d' % i, nn.Conv2d(3, 3, 3, padding=1))", "self.__getattr__('block_%d' % i)"],
];

describe("a module attribute read by a computed name", () => {
  for (const [what, store, read] of CASES) {
    it(`${what}: the callee is the stored module, and the port matches torch`, () => {
      const src = source(store, read);
      const r = compile(src, { filename: "m.py" });
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(portDifference(src, r.code, r.weightMaps.Net)).toBeLessThan(1e-4);
    });
  }
});
