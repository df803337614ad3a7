/**
 * The c2m binary as a user runs it: exit codes, messages, files written (or not), and the whole port of a
 * model through the CLI (compile → weights → MLX load) compared against torch.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot, pythonExecutable } from "../src/python.js";

const root = packageRoot();
const cli = join(root, "dist", "src", "cli.js");
const c2m = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: root });
let dir: string;

beforeAll(() => {
  if (!existsSync(cli)) throw new Error("build first: npm run build (npm test does)");
  dir = mkdtempSync(join(tmpdir(), "c2m-cli-"));
});

describe("c2m compile", () => {
  it("writes the module and its source map", () => {
    const out = join(dir, "resnet_mlx.py");
    const r = c2m("compile", "examples/resnet18.py", "-o", out);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/wrote .*resnet_mlx\.py/);
    const code = readFileSync(out, "utf8");
    expect(code).toMatch(/^import mlx\.core as mx$/m);
    expect(code).toMatch(/# sourceMappingURL=resnet_mlx\.py\.map\n$/);
    const map = JSON.parse(readFileSync(`${out}.map`, "utf8"));
    expect(map.version).toBe(3);
    expect(map.sources).toEqual(["examples/resnet18.py"]);
    expect(map.mappings.length).toBeGreaterThan(100);
  });

  it("prints the module to stdout without -o", () => {
    const r = c2m("compile", "golden/models/mlp/input.py");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(root, "golden/models/mlp/expected.py"), "utf8"));
  });

  it("reports a syntax error with its location and a code frame, exits 1 and writes nothing", () => {
    const bad = join(dir, "bad.py");
    writeFileSync(bad, "import torch\n\ndef f(:\n    pass\n");
    const out = join(dir, "bad_mlx.py");
    const r = c2m("compile", bad, "-o", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bad}:3:7: error C2M-E001`);
    expect(r.stderr).toMatch(/> 3 \| def f\(:/);
    expect(r.stderr).toContain("hint:");
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).some((f) => f.endsWith(".tmp"))).toBe(false);
  });

  it.each([
    [["compile", "/no/such/model.py"], /C2M-E004: \/no\/such\/model\.py: no such file/],
    [["compile", "examples/resnet18.py", "-o", "examples/resnet18.py"], /C2M-E005: .*refusing to overwrite the input/],
    [["compile", "examples"], /compile of a directory needs -o OUTDIR/],
    [["compile", "examples/resnet18.py", "--layout", "nchw"], /--layout must be 'torch' or 'nhwc'/],
    [["compile", "examples/resnet18.py", "--bogus"], /unknown option '--bogus'/],
  ])("refuses %j with exit 2 and a message, no stack trace", (args, message) => {
    const r = c2m(...(args as string[]));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses binary and non-UTF-8 input", () => {
    const bin = join(dir, "weights.py");
    writeFileSync(bin, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff]));
    expect(c2m("compile", bin).stderr).toMatch(/C2M-E002: .*binary file/);
    const latin1 = join(dir, "latin1.py");
    writeFileSync(latin1, Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x27, 0xe9, 0x27, 0x0a]));
    const r = c2m("compile", latin1);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/C2M-E002: .*not valid UTF-8/);
  });

  it("--strict turns warnings into a failing exit, --json prints them for tools", () => {
    const r = c2m("compile", "golden/models/dcgan_generator/input.py", "--strict", "--json");
    expect(r.status).toBe(1);
    const { diagnostics } = JSON.parse(r.stderr);
    expect(diagnostics[0]).toMatchObject({ code: "C2M-W002", severity: "warning", file: "golden/models/dcgan_generator/input.py", line: 45, col: 22 });
    expect(c2m("compile", "examples/resnet18.py", "--strict").status).toBe(0);
    expect(diagnostics[0].hint).toBeTruthy();
  });
});

describe("a port through the CLI: compile, convert a torch checkpoint, load it in MLX", () => {
  it("gives torch's outputs for the CNN with BatchNorm (flatten → Linear permuted at conversion)", () => {
    const py = pythonExecutable();
    const out = join(dir, "cnn_mlx.py");
    expect(c2m("compile", "golden/models/cnn_bn/input.py", "-o", out).status).toBe(0);
    const ckpt = join(dir, "cnn.pt");
    const script = `
import importlib.util, sys, numpy as np, torch
spec = importlib.util.spec_from_file_location("m", "golden/models/cnn_bn/input.py"); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
torch.manual_seed(0); net = m.Net().eval()
for mod in net.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.5, 0.5); mod.running_var.uniform_(0.5, 1.5)
torch.save(net.state_dict(), "${ckpt}")
x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
with torch.no_grad(): np.save("${dir}/y.npy", net(torch.from_numpy(x)).numpy())
np.save("${dir}/x.npy", x)
`;
    const t = spawnSync(py, ["-c", script], { encoding: "utf8", cwd: root });
    expect(t.stderr).toBe("");
    const w = c2m("weights", ckpt, "-o", join(dir, "cnn.safetensors"), "--map", out);
    expect(w.status).toBe(0);
    expect(w.stdout + w.stderr).toMatch(/converted \d+ tensors/);
    const check = `
import importlib.util, numpy as np, mlx.core as mx
spec = importlib.util.spec_from_file_location("m", "${out}"); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
net = m.Net(); net.load_weights("${dir}/cnn.safetensors", strict=True); net.eval()
y = np.array(net(mx.array(np.load("${dir}/x.npy"))))
print(float(np.abs(y - np.load("${dir}/y.npy")).max()))
`;
    const r = spawnSync(py, ["-c", check], { encoding: "utf8", cwd: root });
    expect(r.stderr).toBe("");
    expect(Number(r.stdout)).toBeLessThan(1e-4);
  });
});
