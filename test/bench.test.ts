/**
 * The output benchmark's premise, checked fast: each hand-written MLX port in bench/ports loads the
 * translation's parameters unchanged and computes the same numbers as the translation (which itself is
 * checked against torch), so that timing one against the other compares like with like.
 */
import { describe, expect, it } from "vitest";
import { outputFigures, replaceReadmeSection } from "../bench/run.js";
import { packageRoot } from "../src/python.js";

describe("bench", () => {
  it("hand-written ports match the translation, and the translation matches torch (GPT-2, LLaMA block)", () => {
    const figures = outputFigures(packageRoot(), { repeats: 1, device: "cpu" }, { only: ["gpt2", "llama_block"], timed: false });
    expect(figures.models.map((m) => m.name)).toEqual(["gpt2", "llama_block"]);
    for (const m of figures.models) {
      expect(m.error).toBeUndefined();
      expect(m.ok).toBe(true);
      expect(m.maxDiff!.port_vs_translated).toBeLessThanOrEqual(1e-4);
      expect(m.maxDiff!.translated_vs_torch).toBeLessThanOrEqual(1e-4);
      expect(m.ops!.translated).toBeGreaterThan(0);
    }
  }, 60_000);

  it("rewrites only the README's generated section", () => {
    const readme = "a\n<!-- generated:bench:begin (npm run bench -- --readme) -->\nold\n<!-- generated:bench:end -->\nb\n";
    expect(replaceReadmeSection(readme, "new table\n")).toBe("a\n<!-- generated:bench:begin (npm run bench -- --readme) -->\nnew table\n<!-- generated:bench:end -->\nb\n");
  });
});
