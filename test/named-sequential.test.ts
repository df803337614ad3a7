/**
 * nn.Sequential given an OrderedDict of modules (passes/named-sequential.ts): its children keep their names
 * (the NamedSequential helper), so code reading `self.heads.head` works and the weights keep torch's keys,
 * whether the dict is written out or filled by `d[f"layer_{i}"] = m` in a loop; checked against torch on MLX.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "named_sequential.py");

describe("nn.Sequential given an OrderedDict", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "named_sequential.py" });

  it("becomes NamedSequential, whose children are attributes under their torch names", () => {
    expect(r.code).toContain("self.layers = NamedSequential(layers)");
    expect(r.code).toContain('self.stem = NamedSequential(OrderedDict([("conv", nn.Conv2d(3, c, 3, padding=1)), ("act", nn.ReLU())]))');
    expect(r.code).toContain("self.heads = NamedSequential(heads)");
    expect(r.code).toContain("class NamedSequential(nn.Module):");
    // subclasses of nn.Sequential that name their items (an OrderedDict to super().__init__, add_module)
    expect(r.code).toContain("class Stage(NamedSequential):");
    expect(r.code).toContain("class Transform(NamedSequential):");
  });

  it("maps only what the children hold: their names are torch's keys", () => {
    expect(r.weightMaps.Net).toContainEqual({ torch: "stem.conv.weight", mlx: "stem.conv.weight", op: "conv" });
    expect(r.weightMaps.Net.some((rule) => String(rule.mlx).includes("layers.layers") || String(rule.mlx).includes("heads.layers"))).toBe(false);
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 4, 4] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });
});

describe("a Sequential subclass that stores its items as attributes", () => {
  const model = join(packageRoot(), "test", "fixtures", "models", "sequential_attrs.py");
  const r = compile(readFileSync(model, "utf8"), { filename: "sequential_attrs.py" });

  it("runs them as its items: its caller passes channels-last to the conv among them", () => {
    expect(r.code).toContain("class ConvNorm(NamedSequential):");
    expect(r.code).toContain("    def forward_features(self, x):\n        x = x.transpose(0, 2, 3, 1)\n        x = self.patch_embed(x)\n");
    expect(r.weightMaps.Net).toContainEqual({ torch: "patch_embed.conv1.conv.weight", mlx: "patch_embed.conv1.conv.weight", op: "conv" });
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(model, { class: "Net", cases: [[{ shape: [2, 3, 16, 16] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });
});
