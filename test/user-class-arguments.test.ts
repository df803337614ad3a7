/**
 * A model the user builds may be given, for a class parameter whose default is a class of its file, another class of
 * that file (PoolFormer's `norm_layer=GroupNorm`, built with `norm_layer=LayerNormChannel`). The translation is made
 * for the default (and what the file's own constructions pass): the port refuses the file's other classes there when
 * built, with C2M-W058 at compile time (passes/user-class-arguments.ts), instead of running them on channels-last
 * input with the default's weight rules. A model function of the file that passes the other class makes c2m
 * translate it too. Checked against torch.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot, pythonExecutable } from "../src/python.js";
import { placeholderRaise } from "../src/tools/zoo/attribute.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "user_norm_choice.py");
const SOURCE = readFileSync(MODEL, "utf8");
const CHANNEL_NORM = { norm_layer: { __ref__: "ChannelNorm" } };
const INPUTS = [[{ shape: [2, 3, 6, 5] }]] as never;

const scratch = mkdtempSync(join(tmpdir(), "c2m-user-class-args-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("a root class's class parameter given another class of its file", () => {
  it("keeps the default's translation and refuses the file's other classes when built (C2M-W058)", () => {
    const r = compile(SOURCE, { filename: "user_norm_choice.py" });
    expect(r.code).toContain(`c2m_refuse_classes(norm_layer, (ChannelNorm, Pooling, Block), "TinyPoolNet.__init__'s norm_layer is translated for OneGroupNorm")  # c2m: C2M-W058`);
    // the default's path is as precise as before: the norm is called on channels-last input, no run-time dispatch
    expect(r.code).not.toContain("c2m_sequential");
    const w = r.diagnostics.filter((d) => d.code === "C2M-W058");
    expect(w.map((d) => [d.line, d.col])).toEqual([[47, 51]]);
    expect(w[0].message).toContain("TinyPoolNet's norm_layer is translated for OneGroupNorm");
    // Block is built by TinyPoolNet: no user builds it, so its parameter is no guard's
    expect(r.code.match(/c2m_refuse_classes\(/g)).toHaveLength(2); // the helper's definition and TinyPoolNet's call
  });

  it("guards a torch layer's default too, and names the raise so the zoo ties it to C2M-W058", () => {
    const r = compile(SOURCE.replace(/norm_layer=OneGroupNorm/g, "norm_layer=nn.BatchNorm2d"), { filename: "user_norm_choice.py" });
    expect(r.code).toContain(`c2m_refuse_classes(norm_layer, (ChannelNorm, Pooling, Block, OneGroupNorm), "TinyPoolNet.__init__'s norm_layer is translated for nn.BatchNorm2d")`);
    const raised = placeholderRaise("NotImplementedError: c2m: TinyPoolNet.__init__'s norm_layer is translated for nn.BatchNorm2d, not for ChannelNorm (C2M-W058): compile …");
    expect(raised).toEqual({ code: "C2M-W058", names: ["TinyPoolNet.__init__", "nn.BatchNorm2d"] });
  });

  it("gives torch's numbers with the default", async () => {
    const r = await runParitySpec(MODEL, { class: "TinyPoolNet", cases: INPUTS, atol: 1e-4 });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
  });

  it("raises naming the class when built with another class of the file", async () => {
    // its files kept for inspection go to the scratch folder, removed afterwards
    const r = await runParitySpec(MODEL, { class: "TinyPoolNet", args: CHANNEL_NORM, cases: INPUTS, atol: 1e-4 }, { workDir: join(scratch, "refused") });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/NotImplementedError: c2m: TinyPoolNet.__init__'s norm_layer is translated for OneGroupNorm, not for ChannelNorm \(C2M-W058\)/);
  });

  it("refuses a partial of such a class and lets a class from outside the file pass", () => {
    const r = compile(SOURCE, { filename: "user_norm_choice.py" });
    writeFileSync(join(scratch, "ported.py"), r.code);
    const driver = `
import functools, mlx.core as mx, mlx.nn as nn, ported
try:
    ported.TinyPoolNet(norm_layer=functools.partial(ported.ChannelNorm, eps=1e-6))
    print("built")
except NotImplementedError as e:
    print("refused", "C2M-W058" in str(e))
# the user's own MLX norm takes the channels-last input the port gives it
print(ported.TinyPoolNet(norm_layer=nn.RMSNorm)(mx.zeros((1, 3, 4, 4))).shape)
`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8", cwd: scratch });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim().split("\n")).toEqual(["refused True", "(1, 10)"]);
  });

  it("translates the other class too where a model function of the file passes it", async () => {
    const path = join(scratch, "user_norm_choice.py");
    writeFileSync(path, `${SOURCE}\n\ndef tiny_pool_net_channel_norm(**kwargs):\n    return TinyPoolNet(norm_layer=ChannelNorm, **kwargs)\n`);
    const r = compile(readFileSync(path, "utf8"), { filename: "user_norm_choice.py" });
    expect(r.code).toContain(`c2m_refuse_classes(norm_layer, (Pooling, Block), "TinyPoolNet.__init__'s norm_layer is translated for ChannelNorm, OneGroupNorm")`);
    for (const args of [undefined, CHANNEL_NORM]) {
      const p = await runParitySpec(path, { class: "TinyPoolNet", ...(args ? { args } : {}), cases: INPUTS, atol: 1e-4 });
      expect(p.error).toBeUndefined();
      expect(p.ok).toBe(true);
    }
  });
});
