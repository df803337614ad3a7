/**
 * The kernel zoo's CI subset: the whole corpus translated (in process, seconds), the specs marked `ci`
 * verified on the emulators, held to test/corpus/kernel-zoo.baseline.json. A kernel that translates or
 * verifies in the baseline must keep doing so, and no kernel may turn silent; a kernel that starts to
 * translate only needs `npm run kernel-zoo -- --baseline test/corpus/kernel-zoo.baseline.json` to ratchet.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { baselineOf, configPath, corpusFiles, figures, loadConfig, renderReadme, summaryLine, translateCorpus, type ZooBaseline } from "../bench/kernel-zoo.js";
import { kernelsIn } from "../bench/kernel-zoo-scan.js";
import { loadTranslator, verifyFile } from "../bench/kernel-zoo-run.js";

const cfgPath = configPath(join(__dirname, ".."));
const base = dirname(cfgPath);
const config = loadConfig(cfgPath);
const baseline = JSON.parse(readFileSync(join(base, "kernel-zoo.baseline.json"), "utf8")) as ZooBaseline;

describe("kernel zoo", () => {
  it("the census finds definitions, not declarations, past attributes and comments", () => {
    const text = [
      "__global__ void proto(float* x);",
      "// __global__ void commented(float* x) {}",
      "template <int B> __global__ void __launch_bounds__(B) tiled(float* x) {",
      "  x[0] = 1;",
      "}",
      "__global__ void plain(int n)",
      "{ }",
    ].join("\n");
    expect(kernelsIn(text, "f.cu")).toEqual([
      { name: "tiled", file: "f.cu", line: 3, endLine: 5 },
      { name: "plain", file: "f.cu", line: 6, endLine: 7 },
    ]);
  });

  it("translates and verifies at least what the baseline records; nothing silent", async () => {
    const translate = await loadTranslator();
    const { records, results } = translateCorpus(config, base, translate);
    for (const f of corpusFiles(config, base)) {
      if (!config.files[f.key]?.ci) continue;
      await verifyFile(config, base, f.key, records, results.get(f.key)!, f.includeDirs, f.path);
    }
    const now = baselineOf(records);
    const lost = baseline.translated.filter((id) => !now.translated.includes(id));
    expect(lost, "kernels that no longer translate").toEqual([]);
    const ciVerified = new Set(records.filter((r) => config.files[r.unit]?.ci).map((r) => r.id));
    const unverified = baseline.verified.filter((id) => ciVerified.has(id) && !now.verified.includes(id));
    expect(unverified, "CI-subset kernels that no longer verify").toEqual([]);
    expect(records.filter((r) => r.silent).map((r) => `${r.id}: ${r.verifyNote}`)).toEqual([]);
    // every refusal is located and coded
    for (const r of records.filter((x) => x.status === "refused")) expect(r.refusal!.code, r.id).toMatch(/^C2M-[KE]\d{3}$/);
    const f = figures(records);
    expect(f.total).toBeGreaterThanOrEqual(180);
    expect(summaryLine(f)).toMatch(/^kernel-zoo: \d+\/\d+ translated, \d+\/\d+ verified, 0 silent$/);
    expect(renderReadme(records)).toContain("| llm.c |");
  }, 170_000);
});
