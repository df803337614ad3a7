/**
 * `npm run zoo`: compile real model packages (test/zoo/cases/*.json) and check each port against torch.
 * One line per case (status, error and warning diagnostics, pyflakes findings, first error), then
 * `zoo: P/N parity, S silent, X internal errors, U unparsable, D diagnosed`.
 *
 * Options: --ci (the CI subset only), --only REGEX (cases whose name matches), --readme (rewrite the README's
 * zoo block and test/zoo/FAILURES.md), --write-baseline (record this run's statuses in test/zoo/baseline.json),
 * --json FILE (the results), --render FILE (report a --json file instead of running), --rejudge WORK (with --render:
 * judge its failing cases again from that run's kept scratch folder, ./rejudge.ts), --timeout S (per case and
 * side; default 180), --work DIR (scratch; kept), --cases DIR (read the case tables from DIR instead of test/zoo/cases:
 * probing real code that is not vendored, with a scratch table whose `root` is an absolute folder).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../python.js";
import type { CaseResult, Status } from "./classify.js";
import { loadCases } from "./cases.js";
import { analyzeLine, caseLine, failuresMarkdown, pyflakesLine, readmeTable, summaryLine } from "./report.js";
import { rejudge } from "./rejudge.js";
import { runZoo } from "./zoo.js";

interface Options {
  ci: boolean;
  only?: RegExp;
  readme: boolean;
  writeBaseline: boolean;
  json?: string;
  render?: string;
  rejudge?: string;
  timeout: number;
  work?: string;
  cases?: string;
}

function usage(message: string): never {
  process.stderr.write(
    `zoo: ${message}\nusage: npm run zoo -- [--ci] [--only REGEX] [--readme] [--write-baseline] [--json FILE] [--render FILE [--rejudge WORK]] [--timeout S] [--work DIR] [--cases DIR]\n`,
  );
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  const o: Options = { ci: false, readme: false, writeBaseline: false, timeout: 180 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => argv[++i] ?? usage(`${a} needs a value`);
    if (a === "--ci") o.ci = true;
    else if (a === "--only") o.only = new RegExp(value());
    else if (a === "--readme") o.readme = true;
    else if (a === "--write-baseline") o.writeBaseline = true;
    else if (a === "--json") o.json = value();
    else if (a === "--render") o.render = value();
    else if (a === "--rejudge") o.rejudge = value();
    else if (a === "--timeout") {
      o.timeout = Number(value());
      if (!(o.timeout > 0)) usage("--timeout takes a positive number of seconds");
    } else if (a === "--work") o.work = value();
    else if (a === "--cases") o.cases = value();
    else usage(`unknown option ${a}`);
  }
  return o;
}

export const README_BEGIN = "<!-- generated:zoo:begin (npm run zoo -- --readme) -->";
export const README_END = "<!-- generated:zoo:end -->";
export const baselinePath = (): string => join(packageRoot(), "test", "zoo", "baseline.json");

/** Replace the README's zoo block (or append one under a "## Model zoo" heading). */
export function withZooBlock(readme: string, body: string): string {
  const block = `${README_BEGIN}\n${body}\n${README_END}`;
  const start = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (start >= 0 && end > start) return readme.slice(0, start) + block + readme.slice(end + README_END.length);
  return `${readme.trimEnd()}\n\n## Model zoo\n\n${block}\n`;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  let results: CaseResult[];
  let seconds: number;
  if (o.render) {
    ({ results, seconds } = JSON.parse(readFileSync(o.render, "utf8")) as { results: CaseResult[]; seconds: number });
    results = results.filter((r) => !o.only || o.only.test(r.name));
    if (o.rejudge) results = rejudge(results, o.rejudge);
    if (o.rejudge && o.json) writeFileSync(o.json, JSON.stringify({ seconds, results }, null, 1));
    for (const r of results) process.stdout.write(`${caseLine(r)}\n`);
  } else {
    const cases = loadCases(o.cases).filter((c) => (!o.ci || c.ci) && (!o.only || o.only.test(c.name)));
    if (!cases.length) usage("no case matches");
    const work = o.work ?? mkdtempSync(join(tmpdir(), "c2m-zoo-"));
    mkdirSync(work, { recursive: true });
    const started = Date.now();
    results = await runZoo(cases, { work, timeout: o.timeout, onResult: (r) => process.stdout.write(`${caseLine(r)}\n`), log: (l) => process.stderr.write(`${l}\n`) });
    seconds = (Date.now() - started) / 1000;
    process.stderr.write(`zoo: ${Math.round(seconds)} s; scratch kept in ${work}\n`);
    if (o.json) writeFileSync(o.json, JSON.stringify({ seconds, results }, null, 1));
  }
  for (const line of [pyflakesLine(results), analyzeLine(results)]) if (line) process.stdout.write(`${line}\n`);
  process.stdout.write(`${summaryLine(results)}\n`);
  const root = packageRoot();
  if (o.readme) {
    const readme = join(root, "README.md");
    writeFileSync(readme, withZooBlock(readFileSync(readme, "utf8"), readmeTable(results, seconds)));
    writeFileSync(join(root, "test", "zoo", "FAILURES.md"), failuresMarkdown(results));
  }
  if (o.writeBaseline) {
    let baseline: Record<string, Status> = {};
    try {
      baseline = JSON.parse(readFileSync(baselinePath(), "utf8"));
    } catch {
      baseline = {};
    }
    for (const r of results) baseline[r.name] = r.status;
    const sorted = Object.fromEntries(Object.entries(baseline).sort(([a], [b]) => (a < b ? -1 : 1)));
    writeFileSync(baselinePath(), `${JSON.stringify(sorted, null, 1)}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`zoo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
