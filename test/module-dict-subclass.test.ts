/**
 * A subclass of nn.ModuleDict (torchvision's _DenseBlock): an MLX module whose children are its items under torch's
 * keys (the ModuleDict helper), iterated by `self.items()` with each child's class known, so the layouts its forward
 * takes and returns are honoured; blocks added to a named Sequential by `setattr(self.features, …)`; checked
 * against torch on MLX.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "module_dict_subclass.py");

describe("a subclass of nn.ModuleDict", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "module_dict_subclass.py" });

  it("derives from the ModuleDict helper, an MLX module, not the dict stand-in", () => {
    expect(r.code).toContain("class Block(ModuleDict):");
    expect(r.code).toContain("class ModuleDict(nn.Module):");
    expect(r.code).not.toContain("class TorchModuleDict(dict):");
  });

  it("knows the children it iterates: each result is moved to the list's layout before the concatenation", () => {
    expect(r.code).toMatch(/features\.append\(layer\(features\)\.transpose\(0, 3, 1, 2\)\)/);
  });

  it("maps the weights of blocks added by setattr on a Sequential attribute", () => {
    expect(r.weightMaps.Net).toContainEqual({ torch: "features.*.*.conv1.weight", mlx: "features.*.*.conv1.weight", op: "conv" });
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 6, 6] }], [{ shape: [1, 3, 4, 5] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });
});
