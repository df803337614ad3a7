/**
 * The single-file story: most GitHub users hold one model.py. karpathy/nanoGPT's model.py (vendored for the zoo,
 * test/zoo/vendor/nanogpt) compiled alone, as `c2m compile model.py -o out.py` does, imports without torch, loads
 * torch's weights through the emitted map (strictly) and gives torch's logits. The one error is honest: the
 * from_pretrained classmethod imports transformers' GPT2LMHeadModel, which the port does not have.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { packageRoot } from "../src/python.js";
import { convertWeightsFile } from "../src/weights/index.js";
import { runPython } from "./python-run.js";

const MODEL = join(packageRoot(), "test/zoo/vendor/nanogpt/model.py");
const BUILD = "GPT(GPTConfig(block_size=16, vocab_size=64, n_layer=2, n_head=2, n_embd=32, dropout=0.0, bias=True))";

describe("nanoGPT's model.py compiled alone", () => {
  it("imports without torch, loads the converted weights strictly and matches torch's logits", () => {
    const source = readFileSync(MODEL, "utf8");
    const r = compile(source, { filename: "model.py" });
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => `${d.code}:${d.line}`)).toEqual(["C2M-E050:212"]);
    const dir = mkdtempSync(join(tmpdir(), "c2m-nanogpt-"));
    writeFileSync(join(dir, "out.py"), r.code);
    runPython(`
import importlib.util, numpy as np, torch
spec = importlib.util.spec_from_file_location("model", "${MODEL}"); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
torch.manual_seed(0)
net = eval("${BUILD}", vars(m)).eval()
torch.save(net.state_dict(), "${dir}/net.pt")
idx = np.random.default_rng(0).integers(0, 64, size=(2, 8)).astype(np.int64)
with torch.no_grad(): np.save("${dir}/y.npy", net(torch.from_numpy(idx))[0].numpy())
np.save("${dir}/idx.npy", idx)
`);
    convertWeightsFile(join(dir, "net.pt"), join(dir, "net.safetensors"), r.weightMaps.GPT);
    // the constructor prints its parameter count: the difference is the last line
    const diff = Number(
      runPython(`
import sys, importlib.util, numpy as np
sys.modules["torch"] = None  # a machine without torch
import mlx.core as mx
spec = importlib.util.spec_from_file_location("out", "${dir}/out.py"); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
net = eval("${BUILD}", vars(m)); net.load_weights("${dir}/net.safetensors", strict=True); net.eval()
y, want = np.array(net(mx.array(np.load("${dir}/idx.npy")))[0]), np.load("${dir}/y.npy")
print(float(np.abs(y - want).max()) if y.shape == want.shape else float("inf"))
`)
        .split("\n")
        .pop(),
    );
    expect(diff).toBeLessThan(1e-4);
  });
});
