/**
 * A Sequential whose items disagree on layout (a conv, channels-last, beside a module whose forward reshapes in
 * torch's layout), built in a loop so that which item sits where is known only at run time: it runs through the
 * c2m_sequential helper, which converts before each item that needs it (passes/sequential-layouts.ts); checked
 * against torch. Where it cannot (a call with several tensors), C2M-W022 says torch's layout is passed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "mixed_sequential.py");

describe("a Sequential whose items disagree on layout", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "mixed_sequential.py" });

  it("is called through c2m_sequential, and this file's classes among its items declare their layouts", () => {
    // the input arrives in torch's layout: the helper moves it before the first conv (no decision is taken from one option of the items)
    expect(r.code).toContain("self.head(mx.flatten(c2m_sequential(self.body, x, False, False), start_axis=1))");
    expect(r.code).toContain("class Shuffle(nn.Module):\n    c2m_layout = (False, False)\n");
    expect(r.code).toMatch(/class Block\(nn.Module\):\n {4}c2m_layout = \(True, True\)\n/);
    expect(r.diagnostics.filter((d) => d.code === "C2M-W022" || d.code === "C2M-W006")).toEqual([]);
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 4, 4] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });

  it("a call of one of several modules with two tensors is flagged C2M-W022", () => {
    const two = compile(
      `import torch
from torch import nn


class Conv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x, y):
        return self.conv(x) + self.conv(y)


class Flat(nn.Module):
    def forward(self, x, y):
        return (x + y).reshape(x.shape)


class Net(nn.Module):
    def __init__(self, conv=True):
        super().__init__()
        self.m = Conv() if conv else Flat()

    def forward(self, x, y):
        return self.m(x, y)
`,
      { filename: "two.py" },
    );
    expect(two.diagnostics.filter((d) => d.code === "C2M-W022").map((d) => d.line)).toEqual([25]);
  });
});
