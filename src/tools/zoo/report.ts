/**
 * What the zoo prints and writes: one line per case, the summary line, the README table, the failure groups
 * (test/zoo/FAILURES.md) and the baseline comparison the CI subset asserts. Pure functions of the results.
 */
import { RANK, type CaseResult, type Status } from "./classify.js";

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim();

/** The case's first error as one line: stage, message, location; the deciding diagnostic for `diagnosed`. */
export function firstError(r: CaseResult): string {
  if (r.status === "parity") return r.maxAbs === null ? "" : `max abs diff ${r.maxAbs.toExponential(1)}`;
  const where = r.where ? ` (${r.where})` : "";
  const msg = `${r.stage}: ${oneLine(r.error ?? "")}${where}`;
  if (r.status === "diagnosed" && r.diagnostic) {
    const construct = r.attribution ? ` (${oneLine(r.attribution)})` : "";
    return `${r.diagnostic.code} at ${r.diagnostic.file}:${r.diagnostic.line}:${r.diagnostic.col}${construct}; ${msg}`;
  }
  if (r.status === "silent" && r.attribution) return `${msg}; no diagnostic tied: ${oneLine(r.attribution)}`;
  return r.then ? `${msg}; then ${oneLine(r.then)}` : msg;
}

/** `F` all pyflakes findings of the case's emitted files, `+F` those c2m added (not in the input file) */
export function caseLine(r: CaseResult): string {
  const ruff = r.ruff === null ? "-" : String(r.ruff);
  const added = r.pyflakesAdded === null || r.pyflakesAdded === undefined ? "-" : String(r.pyflakesAdded);
  return `${r.status.padEnd(10)} ${r.name.padEnd(44)} E${String(r.errors).padEnd(3)} W${String(r.warnings).padEnd(5)} F${ruff.padEnd(5)} +F${added.padEnd(4)} ${clip(firstError(r), 240)}`;
}

/** `analyze: agrees with the compile on A/B files`, each file counted once (cases of a package share files); null when analyze did not run. */
export function analyzeLine(results: CaseResult[]): string | null {
  const files = new Set<string>();
  const disagree = new Map<string, string>();
  for (const r of results) {
    for (const f of r.analyzeFiles ?? []) files.add(`${r.package}/${f}`);
    for (const d of r.analyzeDisagrees ?? []) disagree.set(`${r.package}/${d.file}`, d.why);
  }
  if (!files.size) return null;
  return `analyze: agrees with the compile on ${files.size - disagree.size}/${files.size} files`;
}

/** The pyflakes findings c2m added, each file's counted once (cases of a package share files). */
export function addedFindings(results: CaseResult[]): NonNullable<CaseResult["pyflakesNew"]> {
  const seen = new Map<string, NonNullable<CaseResult["pyflakesNew"]>[number]>();
  for (const r of results) for (const f of r.pyflakesNew ?? []) seen.set(`${r.package}/${f.file}:${f.line}:${f.code}:${f.name}`, { ...f, file: `${r.package}/${f.file}` });
  return [...seen.values()];
}

/** `pyflakes: N findings c2m added (M on statements without a c2m marker)`; null when ruff did not run. */
export function pyflakesLine(results: CaseResult[]): string | null {
  if (!results.some((r) => r.pyflakesAdded !== null && r.pyflakesAdded !== undefined)) return null;
  const added = addedFindings(results);
  const silent = added.filter((f) => !f.marked).length;
  return `pyflakes: ${added.length} findings c2m added to the emitted files (not in the input file), ${silent} of them on statements without a c2m marker`;
}

export function counts(results: CaseResult[]): Record<Status, number> {
  const c = { parity: 0, diagnosed: 0, silent: 0, internal: 0, unparsable: 0, setup: 0 };
  for (const r of results) c[r.status]++;
  return c;
}

export function summaryLine(results: CaseResult[]): string {
  const c = counts(results);
  const setup = c.setup ? `, ${c.setup} setup failures (the reference side: fix the case table)` : "";
  return `zoo: ${c.parity}/${results.length} parity, ${c.silent} silent, ${c.internal} internal errors, ${c.unparsable} unparsable, ${c.diagnosed} diagnosed${setup}`;
}

/**
 * The kind of a first error, for grouping: stage plus the error's type and its text with the particulars
 * (paths, numbers, shapes, quoted attribute owners) taken out, so that the same mechanism in two models
 * lands in one group. `diagnosed` cases group by the diagnostic code that decided them.
 */
export function failureKind(r: CaseResult): string {
  if (r.status === "diagnosed" && r.diagnostic) return `diagnosed ${r.diagnostic.code}: ${normalise(r.diagnostic.message)}`;
  return `${r.stage}: ${normalise(r.error ?? "")}`;
}

function normalise(message: string): string {
  return clip(
    oneLine(message)
      .replace(/(?<![\w.])\/[^\s'"():]+/g, "<path>")
      .replace(/\(\s*\d+(?:\s*,\s*\d*)*\s*\)/g, "(…)")
      .replace(/\b\d+(?:\.\d+)?(?:e[-+]?\d+)?\b/g, "N"),
    160,
  );
}

/** `NameError at import` style: the stage and the exception type only. */
export function failureClass(r: CaseResult): string {
  if (r.status === "diagnosed" && r.diagnostic) return `diagnosed ${r.diagnostic.code}`;
  if (r.status === "internal" && r.diagnostic) return `internal ${r.diagnostic.code}`;
  const type = /^([A-Za-z_]+(?:Error|Exception|Timeout)):/.exec(r.error ?? "")?.[1];
  return `${r.status}: ${type ?? "mismatch"} at ${r.stage}`;
}

/**
 * The emitted package's own first failure (import, construct, weights, run, outputs, params), whatever decided
 * the case's class: an internal error in one file of a package hides what the rest would do, and this is it.
 */
export function runFailureKind(r: CaseResult): string {
  // the location differs per model (each model's own file): it stays in the case lines, not in the group key
  const unlocated = (t: string) => t.replace(/\s\([^()]*:\d+\)$/, "");
  if (r.status === "internal" || r.status === "unparsable") return r.then ? normalise(unlocated(r.then)) : "(the emitted package was not run)";
  if (r.status === "diagnosed" || r.status === "silent") return normalise(`${r.stage}: ${r.error ?? ""}`);
  return r.status;
}

function groups(results: CaseResult[], key: (r: CaseResult) => string): [string, CaseResult[]][] {
  const m = new Map<string, CaseResult[]>();
  for (const r of results) if (r.status !== "parity") m.set(key(r), [...(m.get(key(r)) ?? []), r]);
  return [...m.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
}

const esc = (s: string): string => s.replace(/\|/g, "\\|");
const names = (rs: CaseResult[]): string =>
  esc(
    rs.length > 6
      ? `${rs
          .slice(0, 6)
          .map((r) => r.name)
          .join(", ")} and ${rs.length - 6} more`
      : rs.map((r) => r.name).join(", "),
  );

/** Files left unwritten by an error (C2M-E006 included) or emitted unparsable, which sink cases: first how many files each error sinks, then each file with how many cases' closures hold it. */
function sinkTables(results: CaseResult[]): string[] {
  const m = new Map<string, { why: string; text?: string; cases: CaseResult[] }>();
  for (const r of results) for (const s of r.sinks ?? []) m.set(s.file, { why: s.why, text: s.text, cases: [...(m.get(s.file)?.cases ?? []), r] });
  const byWhy = new Map<string, number>();
  for (const { why } of m.values()) byWhy.set(normalise(why), (byWhy.get(normalise(why)) ?? 0) + 1);
  const out = ["| files | error |", "|---:|---|"];
  for (const [why, n] of [...byWhy.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) out.push(`| ${n} | ${esc(why)} |`);
  out.push("", "| cases | file | error | emitted line |", "|---:|---|---|---|");
  const code = (t?: string) => (t ? `\`${esc(clip(t, 120)).replace(/`/g, "'")}\`` : "");
  const rows = [...m.entries()].sort((a, b) => b[1].cases.length - a[1].cases.length || (a[0] < b[0] ? -1 : 1));
  for (const [file, { why, text, cases }] of rows) out.push(`| ${cases.length} | ${esc(file)} | ${esc(clip(oneLine(why), 120))} | ${code(text)} |`);
  return out;
}

/** test/zoo/FAILURES.md: the first errors grouped by class and by kind, with counts and the cases. */
export function failuresMarkdown(results: CaseResult[]): string {
  const out = [
    "# Zoo failures, grouped",
    "",
    "Generated by `npm run zoo -- --readme` (src/tools/zoo/report.ts); do not edit. Each failing case's first",
    "error, grouped by class (status, exception type, stage) and by kind (the message with paths and numbers",
    "taken out). The largest groups are the compiler's next mechanisms to fix.",
    "",
    `**${summaryLine(results)}**`,
    "",
    "## By class",
    "",
    "| count | class | cases |",
    "|---:|---|---|",
  ];
  for (const [k, rs] of groups(results, failureClass)) out.push(`| ${rs.length} | ${esc(k)} | ${names(rs)} |`);
  out.push("", "## By kind", "", "| count | first error | cases |", "|---:|---|---|");
  for (const [k, rs] of groups(results, failureKind)) out.push(`| ${rs.length} | ${esc(k)} | ${names(rs)} |`);
  out.push(
    "",
    "## Files that sink cases",
    "",
    "A file that an error diagnostic left unwritten (C2M-E006 included), or that was emitted and does not parse,",
    "fails every case whose import closure holds it: fixing the file at the top unblocks that many cases at once.",
    "",
    ...sinkTables(results),
  );
  out.push(
    "",
    "## By the emitted package's own first failure",
    "",
    "What importing, building, loading and running the emitted package hit first, whatever decided the class",
    "above (an internal error or an unparsable file in one module hides what the rest does; this shows it).",
    "",
    "| count | first failure of the run | cases |",
    "|---:|---|---|",
  );
  for (const [k, rs] of groups(results, runFailureKind)) out.push(`| ${rs.length} | ${esc(k)} | ${names(rs)} |`);
  out.push(...pyflakesSection(results), ...analyzeSection(results));
  return `${out.join("\n")}\n`;
}

/** Files where `c2m analyze` disagrees with the compile (./agreement.ts), each once. */
function analyzeSection(results: CaseResult[]): string[] {
  const line = analyzeLine(results);
  if (!line) return [];
  const m = new Map<string, string>();
  for (const r of results) for (const d of r.analyzeDisagrees ?? []) m.set(`${r.package}/${d.file}`, d.why);
  const out = [
    "",
    "## c2m analyze against the compile",
    "",
    "Per compiled file: a file analyze calls automatic must compile without an error diagnostic, and each error code",
    "the compile gives a file must be one analyze names for it (src/tools/zoo/agreement.ts).",
    "",
    `**${line}**`,
  ];
  if (m.size) {
    out.push("", "| file | disagreement |", "|---|---|");
    for (const [file, why] of [...m.entries()].sort()) out.push(`| ${esc(file)} | ${esc(clip(why, 160))} |`);
  }
  return out;
}

/** The pyflakes findings c2m added, by code and name: the emitter's and passes' next mechanisms to fix (src/tools/pyflakes.ts). */
function pyflakesSection(results: CaseResult[]): string[] {
  const line = pyflakesLine(results);
  if (!line) return [];
  const m = new Map<string, { silent: number; marked: number; first: string }>();
  for (const f of addedFindings(results)) {
    const k = `${f.code} ${f.name}`;
    const g = m.get(k) ?? { silent: 0, marked: 0, first: `${f.file}:${f.line}` };
    g[f.marked ? "marked" : "silent"]++;
    m.set(k, g);
  }
  const out = [
    "",
    "## pyflakes findings c2m added",
    "",
    "`ruff check --select F` over the input files and the emitted files; a finding of an emitted file that its input",
    "file has too (same code and name) is carried over, the rest c2m added. Unmarked: on a statement without a",
    "`# c2m:` marker, so nothing told the user. Grouped by code and name.",
    "",
    `**${line}**`,
    "",
    "| unmarked | marked | finding | first at |",
    "|---:|---:|---|---|",
  ];
  const rows = [...m.entries()].sort((a, b) => b[1].silent - a[1].silent || b[1].marked - a[1].marked || (a[0] < b[0] ? -1 : 1));
  for (const [k, g] of rows.slice(0, 60)) out.push(`| ${g.silent} | ${g.marked} | ${esc(k)} | ${esc(g.first)} |`);
  if (rows.length > 60) out.push(`| | | and ${rows.length - 60} more | |`);
  return out;
}

/** The README block's body: the summary and one row per case. */
export function readmeTable(results: CaseResult[], seconds: number): string {
  const out = [
    `**${summaryLine(results)}** (${results.length} cases in ${Math.round(seconds)} s; first errors grouped in [test/zoo/FAILURES.md](test/zoo/FAILURES.md))`,
    "",
    ...[pyflakesLine(results), analyzeLine(results)].filter((l) => l).flatMap((l) => [`${l}.`, ""]),
    "| case | status | errors | warnings | pyflakes | added by c2m | first error |",
    "|---|---|---:|---:|---:|---:|---|",
  ];
  for (const r of results) out.push(`| ${r.name} | ${r.status} | ${r.errors} | ${r.warnings} | ${r.ruff ?? "-"} | ${r.pyflakesAdded ?? "-"} | ${esc(clip(firstError(r), 160))} |`);
  return out.join("\n");
}

/** Cases whose status is worse than the baseline's (see RANK); a case the baseline lacks must not regress below diagnosed. */
export function regressions(results: CaseResult[], baseline: Record<string, Status>): string[] {
  const bad: string[] = [];
  for (const r of results) {
    const was = baseline[r.name];
    if (r.status === "setup") bad.push(`${r.name}: the torch reference failed (${r.error})`);
    else if (was === undefined) bad.push(`${r.name}: not in the baseline (now ${r.status}); add it`);
    else if (RANK[r.status] < RANK[was]) bad.push(`${r.name}: ${was} → ${r.status}: ${firstError(r)}`);
  }
  return bad;
}
