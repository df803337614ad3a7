import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../src/python.js";
import type { GoldenSpec } from "../src/verify/golden.js";
import { compareBuffers, runTranslated } from "./kernel-golden-run.js";

/**
 * c2m's own CUDA examples for what the golden kernels do not cover (float4, warp votes and scans,
 * integer and CAS atomics, shared scalars, device helpers with pointers, extern char shared memory,
 * in-place updates, bfloat16): translated, run on the Metal emulator, compared with the CUDA emulator.
 */
const dir = join(packageRoot(), "test/fixtures/kernel/features");
const specs = readdirSync(dir).filter((f) => f.endsWith(".spec.json")).sort();

describe("feature kernels match CUDA", () => {
  for (const file of specs) {
    const spec = JSON.parse(readFileSync(join(dir, file), "utf8")) as GoldenSpec;
    it(`${spec.name}: ${spec.sizes.length} sizes`, async () => {
      const source = readFileSync(join(dir, spec.file), "utf8");
      for (let s = 0; s < spec.sizes.length; s++) {
        const { metal, cuda } = await runTranslated(spec, s, undefined, source);
        for (const b of spec.buffers.filter((x) => x.role !== "input")) {
          const { worst, index } = compareBuffers(metal[b.name]!, cuda[b.name]!, b.dtype);
          const tol = b.dtype === "float16" || b.dtype === "bfloat16" ? 1e-3 : /float/.test(b.dtype) ? 1e-5 : 0;
          expect(worst, `${spec.name} size ${JSON.stringify(spec.sizes[s])} buffer ${b.name} at ${index}`).toBeLessThanOrEqual(tol);
        }
      }
    }, 240_000);
  }
});
