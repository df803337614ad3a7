import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../src/python.js";
import type { GoldenSpec } from "../src/verify/golden.js";
import { compileKernels } from "../src/kernel/index.js";
import { verifyAgainstSpec } from "../src/kernel/verify.js";

/**
 * c2m's own CUDA examples for what the golden kernels do not cover (float4, warp votes and scans,
 * integer and CAS atomics, shared scalars, device helpers with pointers, extern char shared memory,
 * in-place updates, bfloat16): translated, run on the Metal emulator, compared with the CUDA emulator.
 */
const dir = join(packageRoot(), "test/fixtures/kernel/features");
const specs = readdirSync(dir)
  .filter((f) => f.endsWith(".spec.json"))
  .sort();

describe("feature kernels match CUDA", () => {
  for (const file of specs) {
    const spec = JSON.parse(readFileSync(join(dir, file), "utf8")) as GoldenSpec;
    it(`${spec.name}: ${spec.sizes.length} sizes`, async () => {
      const source = readFileSync(join(dir, spec.file), "utf8");
      const compiled = compileKernels(source, { filename: spec.file });
      expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const report = await verifyAgainstSpec(compiled, source, spec);
      expect(report.ok, report.lines.join("\n")).toBe(true);
    }, 240_000);
  }
});
