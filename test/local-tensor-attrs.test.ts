/**
 * An attribute set on a local a torch op made (`pe = torch.zeros(…).float(); pe.require_grad = False`, in
 * Time-Series-Library's embeddings) raised at construction in the port: an mx.array holds no attributes. It is a hint
 * no MLX computation reads, kept as a comment with C2M-W010 (passes/walk/tensor-attributes.ts). Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "local_tensor_attr.py");

describe("an attribute set on a local tensor", () => {
  it("is kept as a comment with C2M-W010", () => {
    const r = compile(readFileSync(MODEL, "utf8"), { filename: "local_tensor_attr.py" });
    expect(r.code).toContain("# pe.require_grad = False");
    expect(r.diagnostics.filter((d) => d.code === "C2M-W010")).toHaveLength(1);
  });

  it("gives torch's numbers", async () => {
    const r = await runParitySpec(MODEL, { class: "PositionalEmbedding", args: [8], cases: [[{ shape: [2, 5, 8] }]] as never, atol: 1e-5 });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});
