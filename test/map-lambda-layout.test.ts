/**
 * `q, k, v = map(lambda t: rearrange(t, "b (h c) x y -> …"), qkv)` after a conv (passes/walk/calls.ts opaqueCall):
 * c2m does not follow the items into the lambda, whose parameter is read in torch's layout, yet the chunks were
 * channels-last, so the rearrange split the wrong axis (denoising-diffusion's Attention: a concatenate failed at run
 * time; here a wrong output shape without any diagnostic). The items now go converted. Checked against torch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { runParitySpec } from "../src/parity/index.js";
import { packageRoot } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "map_lambda_channels_last.py");

describe("channels-last tensors handed to map(lambda …)", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "map_lambda_channels_last.py" });

  it("go in torch's layout, held by a name or made by the call", () => {
    expect(r.code).toContain("h=self.heads), [t.transpose(0, 3, 1, 2) for t in qkv])");
    expect(r.code).toContain('"b c x y -> b (x y) c"), [t.transpose(0, 3, 1, 2) for t in ops_chunk(self.to_qk(x), 2, 3)])');
  });

  for (const cls of ["ConvAttention", "Direct"])
    it(`gives torch's numbers: ${cls}`, async () => {
      const p = await runParitySpec(MODEL, { class: cls, args: [4], cases: [[{ shape: [2, 4, 3, 5] }]] as never, atol: 1e-4 });
      expect(p.error).toBeUndefined();
      expect(p.ok).toBe(true);
    });
});
