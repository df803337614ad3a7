/**
 * Block classes chosen by config objects (torchvision's EfficientNet: `block_cnf.block(block_cnf, …)`, where
 * MBConvConfig's __init__ picks the block and hands it to its dataclass base; the configs are made by a module-level
 * function, through `partial` too): the module tree follows the class through the config's attribute, so the weight
 * map holds each block's rules. Checked against torch.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { compile } from "../src/index.js";
import { packageRoot } from "../src/python.js";
import { runParitySpec } from "../src/parity/index.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "config_blocks.py");

describe("block classes held by config objects", () => {
  const out = compile(readFileSync(MODEL, "utf8"), { filename: "config_blocks.py" });
  const rules = (cls: string) => (out.weightMaps[cls] ?? []).map((r) => `${String(r.torch)} -> ${String(r.mlx)} ${r.op}`);

  it("maps the blocks a config's attribute names (built by module-level functions, through partial too)", () => {
    // Net is built only by builder functions; its stages hold Plain (PlainConfig, also through partial) and Normed blocks
    expect(rules("Net")).toContain("features.#.#.conv.weight -> features.layers.#.layers.#.conv.weight conv");
    expect(rules("Net")).toContain("features.#.#.block.0.weight -> features.layers.#.layers.#.block.layers.0.weight conv");
    expect(rules("Model")).toContain("net.features.#.#.block.0.weight -> net.features.layers.#.layers.#.block.layers.0.weight conv");
  });

  it("gives torch's numbers", async () => {
    const r = await runParitySpec(MODEL, { class: "Model", cases: [[{ shape: [1, 3, 8, 8] }]] as never, atol: 1e-4 });
    expect(r.error).toBeUndefined();
    expect(r.cases.flatMap((c) => c.outputs.map((o) => o.maxAbs)).every((d) => d <= 1e-4)).toBe(true);
    expect(r.ok).toBe(true);
  });
});
