/**
 * Generates the documentation that must never drift from the code: README.md's supported-layer and op
 * tables (from passes/tables/) and docs/diagnostics.md (from ir/diagnostic-codes.ts).
 * `npm run docs` rewrites them; test/docs.test.ts fails when they are stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { LAYERS } from "../../passes/tables/layers.js";
import { OPS, UNSUPPORTED_OPS } from "../../passes/tables/ops.js";
import { ALL_DIAGNOSTIC_CODES } from "../../ir/diagnostic-codes.js";
import { packageRoot } from "../python.js";
import { parseBuiltinRuleFiles } from "../plugins.js";
import { storeRule } from "../../passes/cookbook-rules.js";

const BEGIN = "<!-- generated:tables:begin (npm run docs) -->";
const END = "<!-- generated:tables:end -->";

const mlxCallee = (template: string) => {
  const m = /^(\{@(\w+)\}|[\w.]+)/.exec(template);
  return m ? (m[2] ? `${m[2]} (helper)` : m[1]) : template;
};
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function tablesMarkdown(): string {
  const lines: string[] = [];
  lines.push(`### torch.nn layers (${LAYERS.length})`, "", "| torch | MLX | layout | note |", "|---|---|---|---|");
  for (const l of LAYERS) {
    lines.push(`| \`${l.torch.replace(/^torch\.nn\./, "nn.")}\` | \`${mlxCallee(l.mlx)}\` | ${l.layout}${l.rank ? ` (rank ${l.rank})` : ""} | ${cell(l.note ?? "")} |`);
  }
  const names = OPS.flatMap((o) => o.torch);
  const groups: [string, (n: string) => boolean][] = [
    ["torch.nn.functional", (n) => n.startsWith("torch.nn.functional.")],
    ["Tensor methods", (n) => n.startsWith("Tensor.")],
    ["torch", (n) => n.startsWith("torch.") && !n.startsWith("torch.nn.functional.")],
  ];
  lines.push("", `### Ops (${names.length} torch names in ${OPS.length} rows)`, "");
  for (const [title, pick] of groups) {
    const picked = names.filter(pick).sort();
    lines.push(`**${title}** (${picked.length}): ${picked.map((n) => `\`${n.replace(/^torch\.nn\.functional\./, "F.").replace(/^Tensor\./, ".")}\``).join(", ")}`, "");
  }
  lines.push("**Refused with a diagnostic** (no MLX form):", "");
  for (const u of UNSUPPORTED_OPS) lines.push(`- ${u.torch.map((n) => `\`${n}\``).join(", ")}: ${cell(u.reason)}`);
  return lines.join("\n");
}

export function diagnosticsMarkdown(): string {
  const lines = [
    "# c2m diagnostics",
    "",
    "Generated from `ir/diagnostic-codes.ts` by `npm run docs`. Errors (`C2M-E…`) mean nothing is written for",
    "that file; warnings (`C2M-W…`) translate with a caveat or leave a marker comment `# c2m: C2M-W… …` on the",
    "output line concerned. `--strict` makes warnings fail the run. `C2M-K…` codes come from `c2m kernel`",
    "(K001–K007, K012, K013 are errors; the others warnings).",
    "",
    "| code | what | example | fix |",
    "|---|---|---|---|",
  ];
  for (const d of ALL_DIAGNOSTIC_CODES) lines.push(`| ${d.code} | ${cell(d.title)} | \`${cell(d.example)}\` | ${cell(d.hint)} |`);
  return lines.join("\n") + "\n";
}

/** cookbook/*.rules precompiled for the compiler (which then never loads the rule-file parser). */
export function rulesJson(): string {
  return `${JSON.stringify(parseBuiltinRuleFiles().map(storeRule), null, 1)}\n`;
}

export function readmeWithTables(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${BEGIN} … ${END} markers`);
  return `${readme.slice(0, start + BEGIN.length)}\n${tablesMarkdown()}\n${readme.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = packageRoot();
  const readmePath = join(root, "README.md");
  writeFileSync(readmePath, readmeWithTables(readFileSync(readmePath, "utf8")));
  writeFileSync(join(root, "docs", "diagnostics.md"), diagnosticsMarkdown());
  writeFileSync(join(root, "cookbook", "rules.json"), rulesJson());
  process.stdout.write("wrote README.md tables, docs/diagnostics.md and cookbook/rules.json\n");
}
