/**
 * The built-in cookbook rules, precompiled: cookbook/rules.json holds what grammar/rules.ts parses out of
 * cookbook/*.rules (`npm run docs` regenerates it; test/rules-json.test.ts checks it is current), so
 * compiling a model needs only tree-sitter for the patterns, never the rule-file parser.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compilePattern, type Condition, type Rule } from "../grammar/rule-patterns.js";
import type { PluginPass } from "../ir/pipeline.js";
import { packageRoot } from "../ir/package-root.js";
import { applyRules } from "./cookbook.js";

/** A rule as stored in cookbook/rules.json: patterns as their source text. */
export interface StoredRule {
  name: string;
  patterns: string[];
  conditions: Condition[];
  replace: string;
  helpers: string[];
  imports: string[];
  file: string;
  line: number;
}

export function storeRule(r: Rule): StoredRule {
  return {
    name: r.name,
    patterns: r.patterns.map((p) => p.source),
    conditions: r.conditions,
    replace: r.replace,
    helpers: r.helpers,
    imports: r.imports,
    file: r.file,
    line: r.line,
  };
}

let builtins: Rule[] | undefined;

/** The rules of cookbook/*.rules, in file-name order (loaded once per process; examples stay in the .rules files). */
export function builtinRules(): Rule[] {
  if (!builtins) {
    const stored = JSON.parse(readFileSync(join(packageRoot(), "cookbook", "rules.json"), "utf8")) as StoredRule[];
    builtins = stored.map((r) => ({ ...r, patterns: r.patterns.map((p) => compilePattern(p, r.file)), examples: [] }));
  }
  return builtins;
}

/** A pass that applies `rules` (user rules go before the built-in cookbook, so they win). */
export function rulesPass(name: string, rules: Rule[], placement: PluginPass["placement"] = { before: "cookbook" }): PluginPass {
  return { name, placement, run: (mod, ctx) => applyRules(mod, ctx, rules) };
}
