/**
 * The built-in cookbook: every golden case under golden/cookbook/ (written the way a popular repository
 * writes the idiom) compiles to its reviewed expected.py, uses the fused MLX form, and matches torch on real
 * MLX; every built-in rule carries an example that it fires on.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compile, parseBuiltinRuleFiles } from "../src/index.js";
import { packageRoot } from "../src/python.js";
import { HELPERS } from "../cookbook/helpers/registry.js";
import { runParitySpec } from "../src/parity/index.js";

const GOLDEN = join(packageRoot(), "golden", "cookbook");

/** What each case must show: the fused forms it must use, and the decomposed torch idioms that must be gone. */
const CASES: Record<string, { fused: string[]; rules: string[]; gone: string[] }> = {
  llama_hf: {
    fused: ["mx.fast.rms_norm(hidden_states, self.weight, self.variance_epsilon)", "mx.fast.scaled_dot_product_attention(query_states, key_states, value_states"],
    rules: ["rms_norm_hf", "gqa_attention_hf"],
    gone: ["repeat_kv(key_states", "mx.softmax", "mx.rsqrt"],
  },
  dit_block: {
    fused: ["x = mx.fast.scaled_dot_product_attention(q, k, v, scale=self.scale).swapaxes(1, 2).reshape(B, N, C)", "mx.split(self.adaLN_modulation(c), 6, axis=1)"],
    rules: ["vit_attention", "adaln_modulation_chunk"],
    gone: ["mx.softmax", "ops_chunk"],
  },
  spectral_warp: {
    fused: [
      'h = mx.fft.irfft2(spec, s=h.transpose(0, 3, 1, 2).shape[-2:], axes=(-2, -1), norm="ortho")',
      "x = cookbook_grid_sample(x, grid, align_corners=False)",
      'cookbook_grid_sample(h, grid, mode="nearest", padding_mode="border", align_corners=True)',
      "grid = cookbook_affine_grid(theta, x.shape, align_corners=False)",
      "nn.GroupNorm(2, channels, pytorch_compatible=True)",
      'ops_pad(x, (1, 1, 1, 1), mode="reflect")',
    ],
    rules: ["irfft2_to_input_size", "grid_sample", "affine_grid"],
    gone: ["F.grid_sample(", "C2M-W006", "C2M-W002"],
  },
  rope_vit_axial: {
    fused: [
      "return mx.concatenate([freqs_cis_x, freqs_cis_y], axis=-1)",
      "return cookbook_rope_pairs(xq, cos, sin), cookbook_rope_pairs(xk, cos, sin)",
      "x = mx.fast.scaled_dot_product_attention(q, k, v, scale=self.scale).swapaxes(1, 2).reshape(B, N, C)",
      "t_y = mx.floor_divide(t, end_x)",
    ],
    rules: ["rope_polar_table", "rope_view_as_complex", "vit_attention", "div_floor"],
    gone: ["1j", "mx.real", "mx.imag", "mx.softmax", "C2M-W"],
  },
  // c2m's tables already give the MLX forms here but for the mask assignment; the case proves them against torch
  kv_cache_sampling: {
    fused: [
      "self.key_cache[layer_idx] = mx.concatenate([self.key_cache[layer_idx], key_states], axis=-2)",
      "y = ops_scaled_dot_product_attention(q, k, v, is_causal=causal)",
      'mask = "causal" if q_len == k_len',
      "out = mx.fast.scaled_dot_product_attention(",
      'logits = mx.where(logits < pivot, -float("Inf"), logits)',
      "probs_sort = mx.where(mask, 0.0, probs_sort)",
    ],
    rules: ["mask_assign"],
    gone: ["torch.cat(", "torch.topk(", "torch.where("],
  },
  point_ops: {
    fused: [
      "out = ops_index_add(out, 0, index, src)",
      ".at[",
      "inds = cookbook_searchsorted(cdf, u, right=True)",
      "counts = cookbook_bincount(index, minlength=self.segments)",
      "per_point = cookbook_repeat_interleave((summed / mx.expand_dims(counts, -1)), counts, 0)",
      "clipped = mx.where(mx.abs(clipped) > 1.0, 1.0, clipped)",
    ],
    rules: ["bincount", "repeat_interleave_counts", "searchsorted"],
    gone: ["torch.bincount(", "per_point = mx.repeat(", "torch.searchsorted("],
  },
  llama_meta_rope: {
    fused: [
      "cookbook_rope_pairs(xq, cos, sin)",
      "freqs_cis = freqs  # complex64",
      "angle = reshape_for_broadcast(freqs_cis, xq[..., ::2])",
      "mx.fast.scaled_dot_product_attention(xq, xk.swapaxes(1, 2), xv.swapaxes(1, 2)",
    ],
    rules: ["rope_polar_table", "rope_view_as_complex", "gqa_attention_meta"],
    // no complex numbers left, and no repeated key/value heads
    gone: ["1j", "mx.real", "mx.imag", "repeat_kv(xk"],
  },
};

describe("golden cookbook cases", () => {
  const dirs = readdirSync(GOLDEN).sort();

  it("every case has an entry here", () => {
    expect(dirs).toEqual(Object.keys(CASES).sort());
  });

  it.each(dirs)("%s compiles to its reviewed expected.py with the fused forms", (name) => {
    const input = readFileSync(join(GOLDEN, name, "input.py"), "utf8");
    const r = compile(input, { filename: `golden/cookbook/${name}/input.py` });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.code).toBe(readFileSync(join(GOLDEN, name, "expected.py"), "utf8").replace(/\n$/, "") + (r.code.endsWith("\n") ? "\n" : ""));
    for (const f of CASES[name].fused) expect(r.code).toContain(f);
    for (const g of CASES[name].gone) expect(r.code).not.toContain(g);
    const fired = new Set(r.constructs.filter((c) => c.kind === "cookbook").map((c) => c.name));
    for (const rule of CASES[name].rules) expect(fired).toContain(rule);
  });

  it("every cookbook_* helper is used by a golden case (whose parity proves it)", () => {
    const outputs = dirs.map((d) => readFileSync(join(GOLDEN, d, "expected.py"), "utf8")).join("\n");
    const helpers = Object.keys(HELPERS).filter((h) => h.startsWith("cookbook_"));
    expect(helpers.length).toBeGreaterThan(0);
    expect(helpers.filter((h) => !outputs.includes(`def ${h}(`))).toEqual([]);
  });

  it.each(dirs)(
    "%s matches torch on real MLX (≤ 1e-4)",
    async (name) => {
      const spec = JSON.parse(readFileSync(join(GOLDEN, name, "parity.json"), "utf8"));
      const r = await runParitySpec(join(GOLDEN, name, "input.py"), spec);
      expect(r.error).toBeUndefined();
      const diffs = r.cases.flatMap((c) => c.outputs.map((o) => o.maxAbs));
      expect(diffs.length).toBeGreaterThan(0);
      expect(Math.max(...diffs)).toBeLessThanOrEqual(1e-4);
      expect(r.ok).toBe(true);
    },
    60_000,
  );
});

describe("built-in rules carry examples they fire on", () => {
  // the rule files themselves (the compiler uses their precompiled form, which keeps no examples)
  const rules = parseBuiltinRuleFiles();

  it("the cookbook is loaded", () => {
    expect(rules.length).toBeGreaterThanOrEqual(7);
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
  });

  it.each(rules.map((r) => [r.name, r] as const))("%s", (_, rule) => {
    expect(rule.examples.length).toBeGreaterThan(0);
    for (const ex of rule.examples) {
      // the rule alone (no other built-in rule), so the example proves this rule
      const r = compile(ex.code, { cookbook: false, rules: [rule] });
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(r.constructs.some((c) => c.kind === "cookbook" && c.name === rule.name)).toBe(true);
      for (const e of ex.expect) expect(r.code).toContain(e);
    }
  });
});

describe("variadic captures", () => {
  it("a splat captured by $...rest keeps its stars outside the substituted text (transformers' loss_rf_detr)", () => {
    const r = compile(
      "import torch\nimport torch.nn.functional as F\n\ndef sample(x, g, *args, **kwargs):\n    return F.grid_sample(x, 2.0 * g - 1.0, *args, align_corners=False, **kwargs)\n",
      { filename: "s.py" },
    );
    expect(r.code).toContain("return cookbook_grid_sample(x, (2.0 * g - 1.0), *args, align_corners=False, **kwargs)");
  });
});
