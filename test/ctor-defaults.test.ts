/**
 * Of several callees a factory may call (`layer(num_features)`), the classes and layers build modules and an instance
 * called builds none (passes/init-expressions.ts). timm's efficientformer_v2 ConvNorm:
 * `self.bn = create_norm_layer(norm_layer, ...)` with norm_layer='batchnorm2d' at most sites and
 * `norm_layer or nn.Identity()` at one; the norm is then called through c2m_sequential, which moves x to the
 * layout the module held at run time takes. Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "norm_factory_defaults.py");

describe("a factory whose callee may be a class or an instance", () => {
  it("builds what the classes build: the norm is called by the layout it takes", () => {
    const r = compile(readFileSync(MODEL, "utf8"), { filename: "norm_factory_defaults.py" });
    expect(r.code).toContain("x = c2m_sequential(self.bn, x, True, False)");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("gives torch's numbers", async () => {
    const r = await runParitySpec(MODEL, { class: "Net", cases: [[{ shape: [2, 3, 6, 5] }]] as never, atol: 1e-4 });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});
