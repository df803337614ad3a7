/**
 * The plugin API: rules written in the cookbook DSL (or built in TypeScript with defineRule) and passes that
 * go before or after a named pass of the pipeline. A plugin only adds passes and rules: a pass receives the
 * module IR and the pass context (diagnostics, options, rewrites, construct records) and nothing else.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compilePattern, dedent, parseRules, RuleSyntaxError, type Condition, type Rule } from "../grammar/rules.js";
import type { ModuleIR } from "../ir/module.js";
import type { PassContext, PluginPass } from "../ir/pipeline.js";
import { applyRules } from "../passes/cookbook.js";
import { packageRoot } from "./python.js";
import { HELPERS } from "../cookbook/helpers/registry.js";

export { nodeKey } from "../grammar/python.js";

/** Every helper a rule names must be a cookbook helper. */
function checkHelpers(rules: Rule[]): Rule[] {
  for (const r of rules) {
    const unknown = r.helpers.find((h) => !HELPERS[h]);
    if (unknown)
      throw new RuleSyntaxError(r.file, r.line, 1, "a helper of cookbook/helpers", `rule '${r.name}' names helper '${unknown}', which is not in cookbook/helpers/registry.ts`);
  }
  return rules;
}

export { RuleSyntaxError, type Rule, type Condition };

export interface Plugin {
  name: string;
  passes?: PluginPass[];
  /** rules built with defineRule, or loaded with loadRules */
  rules?: Rule[];
}

/**
 * A pass for the pipeline. `before`/`after` name the pass it goes next to (default: before `layout-nhwc`,
 * the pass that translates every function and reads the rewrites the passes before it left).
 */
export function definePass(spec: { name: string; run(mod: ModuleIR, ctx: PassContext): void; before?: string; after?: string }): PluginPass {
  if (spec.before && spec.after) throw new Error(`pass '${spec.name}': give 'before' or 'after', not both`);
  const placement = spec.before ? { before: spec.before } : spec.after ? { after: spec.after } : undefined;
  return { name: spec.name, run: spec.run, placement };
}

/** A rule from TypeScript: the same fields as a `rule` block of a rule file. */
export function defineRule(spec: {
  name: string;
  /** one pattern or alternatives (Python with $metavariables) */
  match: string | string[];
  replace: string;
  where?: Condition[];
  helpers?: string[];
  imports?: string[];
  examples?: { code: string; expect?: string[] }[];
}): Rule {
  const patterns = (Array.isArray(spec.match) ? spec.match : [spec.match]).map((m) => compilePattern(m, `rule ${spec.name}`));
  const [rule] = checkHelpers([
    {
      name: spec.name,
      patterns,
      conditions: spec.where ?? [],
      replace: dedent(spec.replace),
      helpers: spec.helpers ?? [],
      imports: spec.imports ?? [],
      examples: (spec.examples ?? []).map((e) => ({ code: e.code, expect: e.expect ?? [] })),
      file: "<defineRule>",
      line: 1,
    },
  ]);
  return rule;
}

/** Identity, for typing a plugin module's default export. */
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

/** Parses a rule file's text; throws RuleSyntaxError (file:line:col, what was expected) when it is malformed. */
export function loadRules(text: string, filename = "<rules>"): Rule[] {
  return checkHelpers(parseRules(text, filename));
}

/** The rules in cookbook/*.rules, parsed from their text (the compiler uses the precompiled cookbook/rules.json). */
export function parseBuiltinRuleFiles(): Rule[] {
  const dir = join(packageRoot(), "cookbook");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".rules"))
    .sort()
    .flatMap((f) => loadRules(readFileSync(join(dir, f), "utf8"), `cookbook/${f}`));
}

export { builtinRules, rulesPass } from "../passes/cookbook-rules.js";

/** A plugin that is malformed, or whose pass threw: the message names the plugin file. */
export class PluginError extends Error {}

/** A rule as defineRule or loadRules builds it (compiled patterns), not a hand-made object. */
function isBuiltRule(r: unknown): r is Rule {
  const rule = r as Partial<Rule> | null;
  return (
    typeof rule === "object" &&
    rule !== null &&
    typeof rule.name === "string" &&
    typeof rule.replace === "string" &&
    Array.isArray(rule.patterns) &&
    rule.patterns.every((p) => typeof p === "object" && p !== null && typeof p.kind === "string" && !!p.root && p.metavars instanceof Set) &&
    Array.isArray(rule.conditions) &&
    Array.isArray(rule.helpers) &&
    Array.isArray(rule.imports) &&
    Array.isArray(rule.examples)
  );
}

/** Loads a plugin module (ESM, `export default { name, passes?, rules? }`) and checks its shape. */
export async function loadPlugin(path: string): Promise<Plugin> {
  const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  const p = mod.default as Plugin | undefined;
  if (!p || typeof p !== "object" || typeof p.name !== "string") throw new PluginError(`${path}: a plugin's default export is { name, passes?, rules? }`);
  if (p.passes !== undefined && !Array.isArray(p.passes)) throw new PluginError(`${path}: plugin '${p.name}': passes must be a list of definePass(...)`);
  if (p.rules !== undefined && !Array.isArray(p.rules)) throw new PluginError(`${path}: plugin '${p.name}': rules must be a list of defineRule(...) or loadRules(...)`);
  (p.rules ?? []).forEach((r, i) => {
    if (!isBuiltRule(r))
      throw new PluginError(
        `${path}: plugin '${p.name}': rules[${i}]${typeof (r as Rule)?.name === "string" ? ` ('${(r as Rule).name}')` : ""} is not a rule built with defineRule or loadRules`,
      );
  });
  const passes = (p.passes ?? []).map((pass, i) => {
    if (typeof pass?.name !== "string" || typeof pass.run !== "function")
      throw new PluginError(`${path}: plugin '${p.name}' has a pass without a name or a run function (passes[${i}])`);
    // an exception in a plugin's pass is the plugin's error, said with its file, not a c2m internal error
    const run = pass.run;
    return {
      ...pass,
      run: (mod: ModuleIR, ctx: PassContext) => {
        try {
          run(mod, ctx);
        } catch (err) {
          throw new PluginError(`${path}: plugin '${p.name}' pass '${pass.name}' failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`, { cause: err });
        }
      },
    };
  });
  return { ...p, passes };
}
