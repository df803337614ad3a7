/**
 * An in-place update through `.data` of a value c2m cannot type (passes/walk/call-statements.ts untypedDataHolder):
 * simple_diffusion's `init_conv_(self, conv)` writes `conv.weight.data.copy_(w)`, DINOHead writes
 * `self.last_layer.weight_g.data.fill_(1)` on a weight-normed layer. The assignment went to `conv.weight.data`, and an
 * MLX array has no `.data`: the port failed at construction. The attribute itself takes the update; DINOHead's
 * `weight_g.requires_grad = False` on it freezes that parameter. Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "untyped_data_inplace.py");

describe("an in-place update through .data of an untyped value", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "untyped_data_inplace.py" });

  it("assigns the attribute, reading it without .data", () => {
    expect(r.code).toContain("        conv.weight = mx.broadcast_to(conv_weight, conv.weight.shape).astype(conv.weight.dtype)");
    expect(r.code).toContain("        self.last_layer.weight_g = mx.full_like(self.last_layer.weight_g, 1)");
    // and `.requires_grad = False` on it (DINOHead's norm_last_layer) is that parameter's freeze
    expect(r.code).toContain('            self.last_layer.freeze(keys=["weight_g"], recurse=False)');
  });

  for (const [cls, shape] of [
    ["Up", [1, 8, 3, 4]],
    ["Head", [2, 8]],
    ["FrozenHead", [2, 8]],
  ] as const)
    it(`gives torch's numbers: ${cls}`, async () => {
      const p = await runParitySpec(MODEL, { class: cls, args: [8], cases: [[{ shape: [...shape] }]], atol: 1e-4 });
      expect(p.error).toBeUndefined();
      expect(p.ok).toBe(true);
    });
});
