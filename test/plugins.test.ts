/**
 * The plugin API and the CLI's --rules/--plugin: a rule file written only in the documented DSL maps a custom
 * op (xformers' fused attention) and the result matches torch on real MLX; the example plugin
 * (examples/my-plugin.js, written only against the public API) runs, and its output matches torch too.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile, definePass, defineRule, loadRules, pipelineWith, RuleSyntaxError, type Plugin } from "../src/index.js";
import { packageRoot } from "../src/python.js";
import { runParitySpec } from "../src/parity/index.js";

const ROOT = packageRoot();
const CLI = join(ROOT, "dist", "src", "cli.js");

/** A ViT-style block calling xformers (guarded import, as repos write it so the model runs without it). */
const XFORMERS_MODEL = `import torch
from torch import nn

try:
    import xformers.ops as xops
except ImportError:
    xops = None


class Block(nn.Module):
    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).unbind(2)
        out = xops.memory_efficient_attention(q, k, v)
        return self.proj(out.reshape(b, n, c))
`;
/** The same block in plain torch: what xformers computes, for torch's side of the comparison. */
const REFERENCE_MODEL = XFORMERS_MODEL.replace(
  "out = xops.memory_efficient_attention(q, k, v)",
  "out = torch.nn.functional.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)).transpose(1, 2)",
);

const PLUGIN_MODEL = `import torch
from torch import nn


class Swish(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.use_cuda = torch.cuda.is_available()

    def forward(self, x):
        h = self.fc(x)
        return h * torch.sigmoid(h)
`;

function tmp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "c2m-plugins-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function maxDiff(modelText: string, mlxText: string, cls: string, shape: number[]): Promise<number> {
  const dir = tmp({ "model.py": modelText, "model_mlx.py": mlxText });
  try {
    const r = await runParitySpec(join(dir, "model.py"), { class: cls, cases: [[{ shape }]], atol: 1e-4 }, { mlxFile: join(dir, "model_mlx.py") });
    expect(r.error).toBeUndefined();
    const diffs = r.cases.flatMap((c) => c.outputs.map((o) => o.maxAbs));
    expect(diffs.length).toBeGreaterThan(0);
    return Math.max(...diffs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("a rule file maps a custom op", () => {
  const rules = loadRules(readFileSync(join(ROOT, "examples", "xformers.rules"), "utf8"), "examples/xformers.rules");

  it("rewrites xformers attention to MLX's fused attention", () => {
    const r = compile(XFORMERS_MODEL, { rules });
    expect(r.code).toContain("out = mx.fast.scaled_dot_product_attention(q.swapaxes(1, 2), k.swapaxes(1, 2), v.swapaxes(1, 2), scale=q.shape[-1] ** -0.5).swapaxes(1, 2)");
    expect(r.constructs).toContainEqual(expect.objectContaining({ kind: "cookbook", name: "xformers_attention", line: 20 }));
    expect(compile(XFORMERS_MODEL).code).toContain("xops.memory_efficient_attention(q, k, v)");
  });

  it("the translation matches torch on real MLX", async () => {
    const out = compile(XFORMERS_MODEL, { rules }).code;
    expect(await maxDiff(REFERENCE_MODEL, out, "Block", [2, 10, 32])).toBeLessThanOrEqual(1e-4);
  }, 60_000);

  it("c2m compile --rules applies it", () => {
    const dir = tmp({ "block.py": XFORMERS_MODEL });
    try {
      const r = spawnSync(process.execPath, [CLI, "compile", join(dir, "block.py"), "--rules", join(ROOT, "examples", "xformers.rules")], { encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("mx.fast.scaled_dot_product_attention(");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("c2m compile --rules reports a malformed rule file with its location", () => {
    const dir = tmp({ "block.py": XFORMERS_MODEL, "bad.rules": "rule broken {\n  match `xops.f($x)`\n  replace mx.g($x)\n}\n" });
    try {
      const r = spawnSync(process.execPath, [CLI, "compile", join(dir, "block.py"), "--rules", join(dir, "bad.rules")], { encoding: "utf8" });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/bad\.rules:3:11: expected code in `backticks`, found 'mx\.g'/);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a rule that replaces a layer", () => {
  it("maps a hand-written RMSNorm class's instances onto nn.RMSNorm, and the port matches torch", async () => {
    const rules = loadRules("rule rmsnorm_layer {\n  match `LlamaRMSNorm($d, eps=$e)`\n  replace `nn.RMSNorm($d, eps=$e)`\n}\n", "layer.rules");
    const input = join(ROOT, "golden", "cookbook", "llama_hf", "input.py");
    const r = compile(readFileSync(input, "utf8"), { rules });
    expect(r.code).toContain("self.input_layernorm = nn.RMSNorm(hidden_size, eps=rms_norm_eps)");
    const dir = tmp({ "llama_mlx.py": r.code });
    try {
      const spec = JSON.parse(readFileSync(join(ROOT, "golden", "cookbook", "llama_hf", "parity.json"), "utf8"));
      const p = await runParitySpec(input, spec, { mlxFile: join(dir, "llama_mlx.py") });
      expect(p.error).toBeUndefined();
      expect(Math.max(...p.cases.flatMap((c) => c.outputs.map((o) => o.maxAbs)))).toBeLessThanOrEqual(1e-4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("the example plugin", () => {
  it("runs its rule and its pass, and the port matches torch", async () => {
    const plugin = (await import("../examples/my-plugin.js")).default as Plugin;
    expect(plugin.name).toBe("my-plugin");
    const r = compile(PLUGIN_MODEL, { plugins: [plugin] });
    expect(r.code).toContain("return nn.silu(h)");
    expect(r.code).toContain("self.use_cuda = False");
    const fired = r.constructs
      .filter((c) => c.kind === "cookbook")
      .map((c) => c.name)
      .sort();
    expect(fired).toEqual(["no-cuda", "silu_by_hand"]);
    expect(await maxDiff(PLUGIN_MODEL, r.code, "Swish", [3, 16])).toBeLessThanOrEqual(1e-4);
  }, 60_000);

  it("c2m compile --plugin loads it", () => {
    const dir = tmp({ "swish.py": PLUGIN_MODEL });
    try {
      const r = spawnSync(process.execPath, [CLI, "compile", join(dir, "swish.py"), "--plugin", join(ROOT, "examples", "my-plugin.js")], { encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("return nn.silu(h)");
      const bad = spawnSync(process.execPath, [CLI, "compile", join(dir, "swish.py"), "--plugin", join(dir, "missing.js")], { encoding: "utf8" });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain("cannot load plugin");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("definePass and defineRule", () => {
  it("places passes before or after a named pass", () => {
    const seen: string[] = [];
    const mk = (name: string, where: { before?: string; after?: string }) => definePass({ name, ...where, run: () => void seen.push(name) });
    const names = pipelineWith([mk("a", { after: "cookbook" }), mk("b", { before: "module-tree" })]).map((p) => p.name);
    expect(names).toEqual(["b", "module-tree", "cookbook", "a", "layout-nhwc"]);
    compile(PLUGIN_MODEL, { passes: [mk("a", { after: "cookbook" }), mk("b", { before: "module-tree" })] });
    expect(seen).toEqual(["b", "a"]);
    expect(() => pipelineWith([mk("c", { after: "nope" })])).toThrow(/not a pass/);
  });

  it("a pass sees the IR and can report through the context", () => {
    const classes: string[] = [];
    compile(PLUGIN_MODEL, { passes: [definePass({ name: "list", after: "module-tree", run: (mod) => void classes.push(...mod.classes.keys()) })] });
    expect(classes).toEqual(["Swish"]);
  });

  it("user rules win over the built-in cookbook", () => {
    const src = "import torch\n\ndef norm(x, eps):\n    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)\n";
    expect(compile(src).code).toContain("mx.fast.rms_norm(x, None, eps)");
    const mine = defineRule({ name: "mine", match: "$x * torch.rsqrt($y)", replace: "my_norm($x, $y)" });
    const r = compile(src, { rules: [mine] });
    expect(r.code).toContain("my_norm(x, (mx.mean(mx.power(x, 2), axis=-1, keepdims=True) + eps))");
    expect(compile(src, { cookbook: false }).code).not.toContain("mx.fast.rms_norm");
  });

  it("defineRule reports a pattern that is not Python, and an unknown helper", () => {
    expect(() => defineRule({ name: "bad", match: "torch.f($x", replace: "g($x)" })).toThrow(RuleSyntaxError);
    expect(() => defineRule({ name: "bad", match: "torch.f($x)", replace: "g($x)", helpers: ["no_such_helper"] })).toThrow(/no_such_helper/);
  });
});

describe("README's worked example", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = (name: string) => new RegExp(`<!-- example:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\n<!-- /example:${name} -->`).exec(readme)?.[1];

  it("shows examples/xformers.rules and examples/my-plugin.js as they are (both tested above)", () => {
    expect(block("rules")).toBe(readFileSync(join(ROOT, "examples", "xformers.rules"), "utf8"));
    expect(block("plugin")).toBe(readFileSync(join(ROOT, "examples", "my-plugin.js"), "utf8"));
  });
});
