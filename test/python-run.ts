/**
 * Running what a test compiled on real MLX (and torch), for the tests that check a port's numbers: one Python
 * script at a time, its errors failing the test.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { pythonExecutable } from "../src/python.js";
import type { WeightRule } from "../src/index.js";
import { convertWeightsFile } from "../src/weights/index.js";

/** Runs `script` with the project's Python; it must write nothing to stderr. Returns its stdout, trimmed. */
export function runPython(script: string): string {
  const r = spawnSync(pythonExecutable(), ["-c", script], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return r.stdout.trim();
}

/**
 * The largest difference between torch's output and the port's on one seeded NCHW input: torch builds `Net()`
 * from `source` (BatchNorm running statistics perturbed, so that they count), its state_dict is converted with
 * the emitted weight map and loaded strictly into the port's `Net()`, both run in eval mode. Infinite where the
 * output shapes differ.
 */
export function portDifference(source: string, port: string, weightMap: WeightRule[], inputShape: number[] = [1, 3, 8, 8]): number {
  const dir = mkdtempSync(join(tmpdir(), "c2m-port-"));
  writeFileSync(join(dir, "m.py"), source);
  writeFileSync(join(dir, "m_mlx.py"), port);
  runPython(`
import sys, numpy as np, torch
sys.path.insert(0, "${dir}")
import m
torch.manual_seed(0)
net = m.Net().eval()
for mod in net.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.5, 0.5); mod.running_var.uniform_(0.5, 1.5)
torch.save(net.state_dict(), "${dir}/net.pt")
x = np.random.default_rng(0).standard_normal(${JSON.stringify(inputShape).replace("[", "(").replace("]", ")")}).astype(np.float32)
with torch.no_grad(): np.save("${dir}/y.npy", net(torch.from_numpy(x)).numpy())
np.save("${dir}/x.npy", x)
`);
  convertWeightsFile(join(dir, "net.pt"), join(dir, "net.safetensors"), weightMap);
  return Number(
    runPython(`
import sys, numpy as np, mlx.core as mx
sys.path.insert(0, "${dir}")
import m_mlx
net = m_mlx.Net(); net.load_weights("${dir}/net.safetensors", strict=True); net.eval()
y, want = np.array(net(mx.array(np.load("${dir}/x.npy")))), np.load("${dir}/y.npy")
# a shape torch does not give is no match, even where the two would broadcast
print(float(np.abs(y - want).max()) if y.shape == want.shape else float("inf"))
`),
  );
}

/**
 * A folder holding the torch source (m.py), its port (m_mlx.py) and the torch model's state_dict converted with the
 * port's weight map (net.safetensors), for tests that load the weights themselves.
 */
export function convertedPortDir(source: string, port: string, weightMap: WeightRule[]): string {
  const dir = mkdtempSync(join(tmpdir(), "c2m-port-"));
  writeFileSync(join(dir, "m.py"), source);
  writeFileSync(join(dir, "m_mlx.py"), port);
  runPython(`
import sys, torch
sys.path.insert(0, "${dir}")
import m
torch.save(m.Net().state_dict(), "${dir}/net.pt")
`);
  convertWeightsFile(join(dir, "net.pt"), join(dir, "net.safetensors"), weightMap);
  return dir;
}
