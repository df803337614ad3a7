/**
 * Idioms real packages (timm) use while building a model: weight-init helpers that read a weight's fans,
 * guarded imports with fallbacks. Each is translated and run on real MLX, and checked against torch.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { compile } from "../src/index.js";
import { packageRoot } from "../src/python.js";

const py = (s: string) => s.replace(/^\n/, "");
const PYTHON = join(packageRoot(), ".venv/bin/python");
const run = (code: string) => execFileSync(PYTHON, ["-c", code], { encoding: "utf8" }).trim();

describe("torch.nn.init._calculate_fan_in_and_fan_out", () => {
  it("gives torch's fans for a Linear and a grouped conv weight as MLX holds them", () => {
    const src = py(`
import torch
from torch import nn
from torch.nn.init import _calculate_fan_in_and_fan_out


def fans():
    lin = nn.Linear(6, 10)
    conv = nn.Conv2d(8, 12, kernel_size=(3, 5), groups=2)
    return _calculate_fan_in_and_fan_out(lin.weight), _calculate_fan_in_and_fan_out(conv.weight)
`);
    const r = compile(src, { filename: "m.py" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toContain("nn.init._calculate_fan_in_fan_out(lin.weight)");
    // torch's answer for the same two layers (torch is slow to import: its numbers are written down)
    expect(run(`${r.code}\nprint(fans())`)).toBe("((6, 10), (60, 180))");
  });
});
