/**
 * A plain dict attribute that a method fills with tensors (timm's `self.attention_bias_cache = {}`): torch counts
 * nothing in it, MLX would count every array in a public dict as a parameter (timm/tiny_vit: 128 parameters more than
 * torch once the cache is filled). It becomes private (`self._attention_bias_cache`) in its class.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { packageRoot, pythonExecutable } from "../src/python.js";

const MODEL = join(packageRoot(), "test", "fixtures", "models", "dict_cache.py");

describe("a plain dict attribute a method caches tensors in", () => {
  const r = compile(readFileSync(MODEL, "utf8"), { filename: "dict_cache.py" });

  it("is private in its class", () => {
    expect(r.code).toContain("self._attention_bias_cache = {}");
    expect(r.code).toContain("self._attention_bias_cache[key] = self.attention_biases * 2");
  });

  it("adds no parameter once filled: MLX counts what torch counts", () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-cache-"));
    writeFileSync(join(dir, "mlx_side.py"), r.code);
    const driver = `
import sys
sys.path.insert(0, ${JSON.stringify(dir)})
import mlx.core as mx
from mlx.utils import tree_flatten
import mlx_side
m = mlx_side.Attention(8)
m(mx.zeros((1, 8)))
print(sum(v.size for _, v in tree_flatten(m.trainable_parameters())))
`;
    const run = spawnSync(pythonExecutable(), ["-c", driver], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    // qkv 8*8 + 8, attention_biases 2*4: torch's count
    expect(run.stdout.trim()).toBe(String(8 * 8 + 8 + 2 * 4));
  });
});
