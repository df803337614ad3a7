/**
 * The single-file story: most GitHub users hold one model.py. karpathy/nanoGPT's model.py (vendored for the zoo,
 * test/zoo/vendor/nanogpt) compiled alone, as `c2m compile model.py -o out.py` does, imports without torch, loads
 * torch's weights through the emitted map (strictly) and gives torch's logits. The one error is honest: the
 * from_pretrained classmethod imports transformers' GPT2LMHeadModel, which the port does not have. The same holds for
 * karpathy/llama2.c's model.py, mamba-minimal's (einops), DETR's transformer.py (its layers deep-copied with their
 * activation functions), vit-pytorch's CvT (einops after channels-last convs), mlp-mixer (a function returning the
 * nn.Sequential it builds) and bottleneck-transformer (a starred shape of a channels-last map), each compiled alone.
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

/** More single-file models from GitHub (test/zoo/vendor), each compiled alone: the port imports without torch and gives torch's outputs. */
interface SingleFile {
  file: string;
  build: string;
  /** the class whose weight map converts the state_dict */
  top: string;
  /** numpy expressions of the inputs (rng = np.random.default_rng(0)) */
  inputs: string[];
}

const SINGLE_FILES: SingleFile[] = [
  {
    file: "llama2c/model.py",
    build: "Transformer(ModelArgs(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=64, multiple_of=16, max_seq_len=16, dropout=0.0))",
    top: "Transformer",
    inputs: ["rng.integers(0, 64, size=(2, 8))"],
  },
  { file: "mamba_minimal/model.py", build: "Mamba(ModelArgs(d_model=32, n_layer=2, vocab_size=64))", top: "Mamba", inputs: ["rng.integers(0, 64, size=(2, 8))"] },
  {
    file: "detr/models/transformer.py",
    build: "Transformer(d_model=32, nhead=2, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=64, dropout=0.0, return_intermediate_dec=True)",
    top: "Transformer",
    inputs: ["rng.standard_normal((2, 32, 3, 3))", "rng.random((2, 3, 3)) < 0.3", "rng.standard_normal((4, 32))", "rng.standard_normal((2, 32, 3, 3))"],
  },
  // a function returning the nn.Sequential it builds: the weight map kept under the function's name
  {
    file: "mlp_mixer_pytorch/mlp_mixer_pytorch.py",
    build: "MLPMixer(image_size=32, channels=3, patch_size=8, dim=32, depth=2, num_classes=10)",
    top: "MLPMixer",
    inputs: ["rng.standard_normal((1, 3, 32, 32))"],
  },
  // `heads, b, c, h, w = self.heads, *fmap.shape` of a channels-last fmap
  {
    file: "bottleneck_transformer_pytorch/bottleneck_transformer_pytorch.py",
    build: "BottleStack(dim=32, fmap_size=16, dim_out=64, proj_factor=4, num_layers=2, heads=2, dim_head=16, downsample=True, rel_pos_emb=True)",
    top: "BottleStack",
    inputs: ["rng.standard_normal((1, 32, 16, 16))"],
  },
  {
    file: "vit_pytorch/cvt.py",
    build: "CvT(num_classes=10, s1_emb_dim=16, s2_emb_dim=32, s2_heads=2, s2_depth=1, s3_emb_dim=48, s3_heads=2, s3_depth=1)",
    top: "CvT",
    inputs: ["rng.standard_normal((1, 3, 32, 32))"],
  },
];

describe.each(SINGLE_FILES)("$file compiled alone", ({ file, build, top, inputs }) => {
  it("imports without torch, loads the converted weights strictly and matches torch's outputs", () => {
    const path = join(packageRoot(), "test/zoo/vendor", file);
    const r = compile(readFileSync(path, "utf8"), { filename: "model.py" });
    const dir = mkdtempSync(join(tmpdir(), "c2m-single-"));
    writeFileSync(join(dir, "out.py"), r.code);
    const makeInputs = `rng = np.random.default_rng(0)\nxs = [x.astype(np.float32) if x.dtype == np.float64 else x for x in [${inputs.join(", ")}]]`;
    runPython(`
import importlib.util, numpy as np, torch
import sys
spec = importlib.util.spec_from_file_location("model", "${path}"); m = importlib.util.module_from_spec(spec); sys.modules["model"] = m; spec.loader.exec_module(m)
torch.manual_seed(0)
net = eval("${build}", vars(m)).eval()
torch.save(net.state_dict(), "${dir}/net.pt")
${makeInputs}
with torch.no_grad(): ys = net(*[torch.from_numpy(x) for x in xs])
ys = ys if isinstance(ys, tuple) else (ys,)
np.savez("${dir}/ys.npz", *[y.numpy() for y in ys])
`);
    convertWeightsFile(join(dir, "net.pt"), join(dir, "net.safetensors"), r.weightMaps[top]);
    const diff = Number(
      runPython(`
import sys, importlib.util, numpy as np
sys.modules["torch"] = None  # a machine without torch
import mlx.core as mx
spec = importlib.util.spec_from_file_location("out", "${dir}/out.py"); m = importlib.util.module_from_spec(spec); sys.modules["out"] = m; spec.loader.exec_module(m)
net = eval("${build}", vars(m)); net.load_weights("${dir}/net.safetensors", strict=True); net.eval()
${makeInputs}
ys = net(*[mx.array(x) for x in xs])
ys = ys if isinstance(ys, tuple) else (ys,)
wants = list(np.load("${dir}/ys.npz").values())
print(max(float(np.abs(np.array(y) - w).max()) if np.array(y).shape == w.shape else float("inf") for y, w in zip(ys, wants)) if len(ys) == len(wants) else float("inf"))
`),
    );
    expect(diff).toBeLessThan(1e-4);
  });
});
