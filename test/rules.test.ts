/**
 * The cookbook rule language: what a rule file parses to, the located errors of malformed files, and the
 * matcher's semantics (metavariables, repeated metavariables, $...rest, torch names under import aliases,
 * conditions, parentheses, statement/sequence/def rules).
 */
import { describe, expect, it } from "vitest";
import { compile, loadRules, RuleSyntaxError } from "../src/index.js";

const rulesOf = (text: string) => loadRules(text, "t.rules");
const compileWith = (src: string, rules: string) => compile(src, { rules: rulesOf(rules), cookbook: false });

describe("parsing rule files", () => {
  it("parses every clause", () => {
    const [r] = rulesOf(`
      # a comment
      rule clampish {
        match \`torch.clamp($x, min=$lo)\`
        match: \`torch.clamp_min($x, $lo)\`
        where $lo is number and $lo >= 0, $lo not in [1, 2]
        replace \`mx.maximum($x, $lo)\`
        import "import math"
        example \`
          import torch
          y = torch.clamp(torch.ones(3), min=0)
        \`
        expect \`mx.maximum(\`
      }`);
    expect(r.name).toBe("clampish");
    expect(r.patterns.map((p) => p.kind)).toEqual(["expression", "expression"]);
    expect([...r.patterns[0].metavars].sort()).toEqual(["lo", "x"]);
    expect(r.conditions).toEqual([
      { kind: "is", metavar: "lo", negate: false, type: "number" },
      { kind: "compare", metavar: "lo", op: ">=", value: 0 },
      { kind: "in", metavar: "lo", negate: true, values: [1, 2] },
    ]);
    expect(r.replace).toBe("mx.maximum($x, $lo)");
    expect(r.imports).toEqual(["import math"]);
    expect(r.examples).toEqual([{ code: "import torch\ny = torch.clamp(torch.ones(3), min=0)\n", expect: ["mx.maximum("] }]);
  });

  it("tells the pattern kinds apart", () => {
    const kinds = rulesOf(`
      rule e { match \`f($x)\` replace \`g($x)\` }
      rule s { match \`$y = f($x)\` replace \`$y = g($x)\` }
      rule q { match \`
        $y = f($x)
        return $y
      \` replace \`return g($x)\` }
      rule d { match \`
        def $n($x):
            return f($x)
      \` replace \`
        def $n($x):
            return g($x)
      \` }`).map((r) => r.patterns[0].kind);
    expect(kinds).toEqual(["expression", "statement", "sequence", "function"]);
  });

  it.each([
    ["a missing backtick block", "rule broken {\n  match `xops.f($x)`\n  replace mx.g($x)\n}\n", 3, 11, /expected code in `backticks`, found 'mx\.g'/],
    ["a missing closing brace", "rule a {\n  match `f($x)`\n  replace `g($x)`\n", 3, 18, /expected a clause .* or '}', found the end of the file/],
    ["an unknown clause", "rule a {\n  frob `x`\n}", 2, 3, /expected a clause \(match, where, replace, helper, import, example, expect\) or '}', found 'frob'/],
    ["a rule without a name", "rule {\n}", 1, 6, /expected a name, found '\{'/],
    ["a bad comparison", "rule a {\n  match `f($x)`\n  where $x >> 3\n  replace `g`\n}", 3, 13, /expected a number or a string or a name, found '>'/],
    ["an unterminated code block", "rule a {\n  match `f($x)\n  replace `g` }", 3, 12, /expected '}'|expected a clause/],
    ["a pattern that is not Python", "rule a {\n  match `torch.f($x, )) + 1`\n  replace `g($x)`\n}", 2, 23, /pattern is not valid Python/],
    ["an unknown type", "rule a {\n  match `f($x)`\n  where $x is tensor\n  replace `g($x)`\n}", 3, 15, /unknown type 'tensor'; expected one of int, float/],
    ["an unbound metavariable", "rule a {\n  match `f($x)`\n  replace `g($x, $y)`\n}", 3, 18, /'\$y' in the replacement of rule 'a' is not bound/],
    ["a condition on an unbound metavariable", "rule a {\n  match `f($x)`\n  where $z is int\n  replace `g($x)`\n}", 3, 9, /'\$z' is not in any pattern/],
    ["no replace", "rule a {\n  match `f($x)`\n}", 1, 6, /needs exactly one 'replace'/],
    ["an unknown helper", "rule a {\n  match `f($x)`\n  replace `g($x)`\n  helper nope\n}", 1, 1, /helper 'nope'/],
  ])("locates %s", (_, text, line, col, message) => {
    let err: unknown;
    try {
      rulesOf(text as string);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuleSyntaxError);
    const e = err as RuleSyntaxError;
    expect(e.message).toMatch(message as RegExp);
    expect([e.line, e.column]).toEqual([line, col]);
    expect(e.message.startsWith(`t.rules:${line}:${col}: `)).toBe(true);
    expect(e.expected.length).toBeGreaterThan(0);
  });
});

describe("matching", () => {
  const HEAD = "import torch\nimport torch.nn.functional as Fn\nfrom torch import rsqrt\n\n";

  it("compares torch names after import aliases, and ignores parentheses", () => {
    const out = compileWith(`${HEAD}def f(a, b):\n    return Fn.relu(a) + (torch.nn.functional.relu((b)))\n`, "rule r { match `F.relu($x)` replace `my_relu($x)` }").code;
    expect(out).toContain("return my_relu(a) + (my_relu(b))");
  });

  it("binds repeated metavariables to equal text only", () => {
    const rules = "rule sq { match `$x * $x` replace `mx.square($x)` }";
    const out = compileWith(`${HEAD}def f(a, b):\n    return a * a, a * b, (a + 1) * (a+1)\n`, rules).code;
    expect(out).toContain("return mx.square(a), a * b, mx.square((a + 1))");
  });

  it("a metavariable in an argument list stands for a positional argument, never a keyword or splat", () => {
    const rules = "rule r { match `torch.repeat_interleave($x, $r, dim=$d)` replace `rep($x, $r, $d)` }";
    const out = compileWith(
      `${HEAD}def f(a, n, kw):\n    return torch.repeat_interleave(a, n, dim=0), torch.repeat_interleave(a, repeats=n, dim=0), torch.repeat_interleave(a, *kw, dim=0)\n`,
      rules,
    ).code;
    expect(out).toContain("return rep(a, n, 0), mx.repeat(a, n, axis=0), ");
    expect(out).not.toMatch(/\(repeats=|rep\(a, \*kw/);
  });

  it("$...rest binds argument runs, and the replacement gets them translated", () => {
    const out = compileWith(`${HEAD}def f(a):\n    return my.op(torch.exp(a), 1, k=2)\n`, "rule r { match `my.op($x, $...rest)` replace `other($...rest, first=$x)` }").code;
    expect(out).toContain("return other(1, k=2, first=mx.exp(a))");
  });

  it("checks conditions", () => {
    const rules = "rule r { match `torch.pow($x, $p)` where $p is int, $p in [2, 3] replace `fast_pow($x, $p)` }";
    const out = compileWith(`${HEAD}def f(a, n):\n    return torch.pow(a, 2), torch.pow(a, 2.0), torch.pow(a, n), torch.pow(a, 4)\n`, rules).code;
    expect(out).toContain("return fast_pow(a, 2), mx.power(a, 2.0), mx.power(a, n), mx.power(a, 4)");
  });

  it("$...name binds a run of statements, re-emitted as written", () => {
    const rules = `
      rule tanh_tail {
        match \`
          def $f($...params):
              $...body
              return torch.tanh($y)
        \`
        replace \`
          def $f($...params):
              $...body
              return mx.tanh($y) * 2
        \`
      }`;
    const src = `${HEAD}def f(a, b):\n    c = a + b\n    if c.sum() > 0:\n        c = c * 2\n    return torch.tanh(c)\n`;
    const r = compileWith(src, rules);
    expect(r.code).toContain("def f(a, b):\n    c = a + b\n    if c.sum() > 0:\n        c = c * 2\n    return mx.tanh(c) * 2\n");
  });

  it("rewrites statements, statement runs and function bodies", () => {
    const rules = `
      rule st { match \`$y = torch.zeros_like($x)\` replace \`$y = mx.zeros($x.shape)\` }
      rule seq {
        match \`
          $t = $x.exp()
          $y = $t / $t.sum(-1, keepdim=True)
        \`
        replace \`$y = mx.softmax($x, axis=-1)\`
      }
      rule body {
        match \`
          def $n(self, $x):
              return $x * torch.sigmoid($x)
        \`
        replace \`
          def $n(self, $x):
              return nn.silu($x)
        \`
      }`;
    const src = `${HEAD}def f(a):\n    z = torch.zeros_like(a)\n    e = a.exp()\n    p = e / e.sum(-1, keepdim=True)\n    return z + p\n\nclass S(torch.nn.Module):\n    def forward(self, x: torch.Tensor) -> torch.Tensor:\n        """SiLU."""\n        return x * torch.sigmoid(x)\n`;
    const r = compileWith(src, rules);
    expect(r.code).toContain("    z = mx.zeros(a.shape)\n    p = mx.softmax(a, axis=-1)\n");
    expect(r.code).toContain('    def __call__(self, x: mx.array) -> mx.array:\n        """SiLU."""\n        return nn.silu(x)\n');
    expect(
      r.constructs
        .filter((c) => c.kind === "cookbook")
        .map((c) => c.name)
        .sort(),
    ).toEqual(["body", "seq", "seq", "st"]);
  });
});
