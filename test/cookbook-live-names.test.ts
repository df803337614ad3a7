/**
 * A sequence rule whose replacement drops a name the function reads afterwards (passes/cookbook.ts
 * dropsNameReadAfter): DINO's Attention returns `x, attn`; fusing its softmax(QK^T)V into
 * mx.fast.scaled_dot_product_attention left `attn` undefined (C2M-E022, a NameError at run time). The statements
 * stay as written there; where nothing reads `attn` afterwards the rule still fuses. Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "attention_returns_weights.py");

describe("a fused attention whose weights the function returns", () => {
  const source = readFileSync(MODEL, "utf8");
  const r = compile(source, { filename: "attention_returns_weights.py" });

  it("keeps the statements: attn stays defined, no diagnostic", () => {
    expect(r.code).not.toContain("scaled_dot_product_attention");
    expect(r.code).toContain("        attn = mx.softmax(attn, axis=-1)\n");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("still fuses where nothing reads attn afterwards", () => {
    const fused = compile(source.replace("return self.proj(x), attn", "return self.proj(x)").replace("y, attn = self.attn(x)", "y = attn = self.attn(x)"), {
      filename: "a.py",
    });
    expect(fused.code).toContain("x = mx.fast.scaled_dot_product_attention(q, k, v, scale=self.scale).swapaxes(1, 2).reshape(B, N, C)");
  });

  it("gives torch's numbers, the weights too", async () => {
    const p = await runParitySpec(MODEL, { class: "Attention", cases: [[{ shape: [2, 5, 16] }]], atol: 1e-4 });
    expect(p.error).toBeUndefined();
    expect(p.ok).toBe(true);
  });
});
