/**
 * Blocks built in one file and given as a plain list to a class of another file that wraps them
 * (Time-Series-Library: `Encoder([EncoderLayer(…) for l in range(e_layers)])`, whose __init__ keeps
 * `nn.ModuleList(attn_layers)`): the other file's class is specialised with them (passes/module-tree.ts), so the
 * weight map converts their conv weights; it held no rule for them, and the port's load failed on the shapes.
 */
import { describe, expect, it } from "vitest";
import { compile, memoryHost } from "../src/index.js";

const ENC =
  'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass EncoderLayer(nn.Module):\n    def __init__(self, d_model, d_ff=None, activation="relu"):\n        super(EncoderLayer, self).__init__()\n        d_ff = d_ff or 4 * d_model\n        self.conv1 = nn.Conv1d(in_channels=d_model, out_channels=d_ff, kernel_size=1)\n        self.conv2 = nn.Conv1d(in_channels=d_ff, out_channels=d_model, kernel_size=1)\n        self.norm1 = nn.LayerNorm(d_model)\n        self.activation = F.relu if activation == "relu" else F.gelu\n\n    def forward(self, x):\n        y = self.activation(self.conv1(x.transpose(-1, 1)))\n        y = self.conv2(y).transpose(-1, 1)\n        return self.norm1(x + y)\n\n\nclass Encoder(nn.Module):\n    def __init__(self, attn_layers, norm_layer=None):\n        super(Encoder, self).__init__()\n        self.attn_layers = nn.ModuleList(attn_layers)\n        self.norm = norm_layer\n\n    def forward(self, x):\n        for attn_layer in self.attn_layers:\n            x = attn_layer(x)\n        if self.norm is not None:\n            x = self.norm(x)\n        return x\n';

const NET =
  'import torch\nimport torch.nn as nn\nfrom layers.enc import Encoder, EncoderLayer\n\n\nclass Model(nn.Module):\n    def __init__(self, d_model=16, d_ff=32, e_layers=2):\n        super().__init__()\n        self.encoder = Encoder(\n            [EncoderLayer(d_model, d_ff, activation="gelu") for l in range(e_layers)],\n            norm_layer=torch.nn.LayerNorm(d_model),\n        )\n\n    def forward(self, x):\n        return self.encoder(x)\n';

function compileIn(files: Record<string, string>, path: string) {
  const host = memoryHost(files);
  return compile(files[path], { filename: path, host, package: { files: Object.keys(files), path } });
}

describe("a list of blocks given to another file's class", () => {
  it("maps the blocks' weights", () => {
    const r = compileIn({ "layers/__init__.py": "", "layers/enc.py": ENC, "models/__init__.py": "", "models/net.py": NET }, "models/net.py");
    expect(r.code).toContain(`("encoder.attn_layers.#.conv1.weight", "encoder.attn_layers.#.conv1.weight", "conv")`);
    expect(r.code).toContain(`("encoder.attn_layers.#.conv2.weight", "encoder.attn_layers.#.conv2.weight", "conv")`);
  });
});
