/**
 * A backbone's children taken by name into a ModuleDict subclass (torchvision's IntermediateLayerGetter, built in
 * a module-level function from a model passed in): the module tree follows module-level builders' constructions,
 * a parameter annotated with a module class, `model.named_children()` (a Sequential's children are "0".."n-1"),
 * the getter's `super().__init__(layers)`; the weight map follows the children; the getter's forward runs each
 * child by the layout its class takes. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { compile } from "../src/index.js";
import { packageRoot, pythonExecutable } from "../src/python.js";
import { runParitySpec } from "../src/parity/index.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "layer_getter.py");

describe("a model's children taken by name (IntermediateLayerGetter)", () => {
  const out = compile(readFileSync(MODEL, "utf8"), { filename: "layer_getter.py" });
  const rules = (cls: string) => (out.weightMaps[cls] ?? []).map((r) => `${String(r.torch)} -> ${String(r.mlx)} ${r.op}`);

  it("maps the weights of the children a builder function hands the getter, by torch's names", () => {
    // Seg is built only in module-level functions: the backbone they pass is a Getter over Net's children
    expect(rules("Seg")).toContain("backbone.layer1.0.weight -> backbone.layer1.layers.0.weight conv");
    // a Sequential's children by position: the getter holds them as attributes "0", "1", ...
    expect(rules("ByPosition")).toContain("seg.backbone.1.0.weight -> seg.backbone.1.layers.0.weight conv");
    expect(rules("ByPosition")).toContain("seg.backbone.0.weight -> seg.backbone.0.weight conv");
    // the last round's knowledge is what is reported: the getter's children are known by then
    expect(out.diagnostics.filter((d) => d.code === "C2M-W014")).toEqual([]);
  });

  it("reads a Sequential through a parameter annotated with the class that holds it", () => {
    expect(out.code).toContain("    last = len(backbone.layers) - 1\n");
    expect(out.code).toContain('    channels = c2m_layer_attr(backbone.layers[last], "out_channels")\n');
  });

  it("iterates a Sequential subclass's own items (`for mod in self`)", () => {
    expect(out.code).toContain("        for mod in self.layers:\n");
  });

  it.each(["ByName", "ByPosition"])("%s gives torch's numbers", async (cls) => {
    const r = await runParitySpec(MODEL, { class: cls, cases: [[{ shape: [1, 3, 8, 8] }]] as never, atol: 1e-4 });
    expect(r.error).toBeUndefined();
    expect(r.cases.flatMap((c) => c.outputs.map((o) => o.maxAbs)).every((d) => d <= 1e-4)).toBe(true);
    expect(r.ok).toBe(true);
  });

  it("named_children() of a module c2m cannot type names a Sequential's children by position, as torch does; a ModuleList child, nested ones too, takes attributes", () => {
    const py = compile("import torch.nn as nn\n\n\ndef names(model):\n    return [name for name, _ in model.named_children()]\n", { filename: "names.py" }).code;
    const script = `${py}\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(1, 2, 3)\n        self.blocks = [nn.Linear(2, 2)]\n        self.stages = [[nn.Linear(2, 2)], [nn.Linear(2, 2)]]\n        self.width = 4\n\nprint(names(nn.Sequential(nn.ReLU(), nn.Linear(2, 2))), names(Net()))\ndef walk(m):\n    for _, child in c2m_named_children(m):\n        walk(child)\n    m._is_hf_initialized = True\n\nfor _, child in c2m_named_children(Net()):\n    walk(child)\n`;
    const r = spawnSync(pythonExecutable(), ["-c", script], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("['0', '1'] ['conv', 'blocks', 'stages']");
  });
});
