/**
 * A parameter annotated with a module class of the file (`attn: "Attention"`) is that module: calling one of its
 * layers (`attn.group_norm(x)`) converts to the layer's layout, at the rank a reshape in torch's layout gave
 * (GroupNorm on (N, C, L)); checked against torch on MLX.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "attention_processor.py");

describe("a parameter annotated with a module class", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "attention_processor.py" });

  it("feeds the module's GroupNorm channels-last at rank 3", () => {
    expect(r.code).toContain("hidden_states = attn.group_norm(hidden_states.swapaxes(1, 2).transpose(0, 2, 1))");
  });

  it("gives torch's numbers", async () => {
    const out = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 4, 4] }], [{ shape: [1, 3, 3, 5] }]] as never, atol: 1e-4 });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
  });
});
