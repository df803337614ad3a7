/** The four forms of an analysis: a terminal table, JSON, Markdown and SARIF 2.1.0. */
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { CODES_BY_ID, type DiagnosticCode } from "../../ir/diagnostic-codes.js";
import { KERNEL_CODES_BY_ID } from "../../ir/kernel-diagnostic-codes.js";
import { ERROR_CODES as KERNEL_ERROR_CODES } from "../../ir/kernel-diagnostics.js";
import { CATEGORIES, share, totals, type Category, type FileAnalysis, type Totals } from "./index.js";

export const TOOL_VERSION = "0.1.0";
const HEADINGS: Record<Category, string> = { rule: "rule", cookbook: "cookbook", kernel: "kernel port", unsupported: "unsupported" };

export interface AnalysisReport {
  /** the path analysed, as given */
  root: string;
  files: FileAnalysis[];
  totals: Totals;
}

export function makeReport(root: string, files: FileAnalysis[]): AnalysisReport {
  const sorted = [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { root, files: sorted, totals: totals(sorted) };
}

function codeInfo(code: string): DiagnosticCode | undefined {
  return CODES_BY_ID.get(code) ?? KERNEL_CODES_BY_ID.get(code);
}

const paint = (on: boolean, sgr: string, s: string) => (on ? `\x1b[${sgr}m${s}\x1b[0m` : s);

/** A table per file and in total, then the unsupported constructs grouped by code, with where they are. */
export function renderTable(report: AnalysisReport, color = false): string {
  const head = ["file", "lines", "auto", ...CATEGORIES.map((c) => HEADINGS[c])];
  const row = (f: { file: string; status?: string; lines: { code: number; automatic: number }; counts: Record<Category, number> }, note = "") => [
    f.file + note,
    String(f.lines.code),
    f.status === "empty" ? "—" : share(f.lines),
    ...CATEGORIES.map((c) => String(f.counts[c])),
  ];
  const rows = report.files.map((f) => row(f, f.status === "error" ? "  (error)" : f.status === "empty" ? "  (no kernels)" : ""));
  const t = report.totals;
  const total = row({ file: `total (${t.files} file${t.files === 1 ? "" : "s"})`, lines: t.lines, counts: t.counts });
  const widths = head.map((h, i) => Math.max(h.length, ...[...rows, total].map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const out = [paint(color, "1", fmt(head)), rule, ...rows.map(fmt), rule, paint(color, "1", fmt(total))];
  out.push("", `${paint(color, "1", share(t.lines))} of ${t.lines.code} code lines translate automatically.`);
  const unreadable = report.files.filter((f) => f.status === "error" && f.constructs.length === 0);
  if (unreadable.length) {
    out.push("", paint(color, "1", "Could not be analysed:"));
    for (const f of unreadable) for (const d of f.diagnostics) out.push(`  ${paint(color, "31", d.code)} ${f.file}: ${d.message}`);
  }
  const failing = report.files.filter((f) => f.invariants?.length);
  if (failing.length) {
    out.push("", paint(color, "1", "Output fails the invariants (it would not run as written there):"));
    for (const f of failing) {
      out.push(`  ${f.file}: ${f.invariants!.length} place${f.invariants!.length === 1 ? "" : "s"}`);
      for (const d of f.invariants!.slice(0, 5)) out.push(`    ${f.file}:${d.line}:${d.col}  ${paint(color, "31", d.code)} ${d.message}`);
      if (f.invariants!.length > 5) out.push(`    … and ${f.invariants!.length - 5} more (--json or --md lists them all)`);
    }
  }
  const customOps = report.files.flatMap((f) => f.constructs.filter((c) => c.category === "kernel" && c.codes).map((c) => ({ f, c })));
  if (customOps.length) {
    out.push("", paint(color, "1", "Calls custom CUDA/C++ operators (port their kernels with c2m kernel):"));
    for (const { f, c } of customOps.slice(0, 20)) out.push(`    ${f.file}:${c.line}:${c.col}  ${c.name}`);
    if (customOps.length > 20) out.push(`    … and ${customOps.length - 20} more (--json or --md lists them all)`);
  }
  const unsupported = report.files.flatMap((f) => f.constructs.filter((c) => c.category === "unsupported").map((c) => ({ f, c })));
  if (unsupported.length) {
    out.push("", paint(color, "1", "Needs a person:"));
    for (const [code, n] of Object.entries(t.byCode)) {
      out.push(`  ${paint(color, "33", code)} ${codeInfo(code)?.title ?? ""} (${n})`);
      for (const { f, c } of unsupported.filter((u) => (u.c.codes?.length ? u.c.codes : ["(none)"]).includes(code)).slice(0, 10)) {
        out.push(`    ${f.file}:${c.line}:${c.col}  ${c.reason ?? c.name}`);
      }
      if (n > 10) out.push(`    … and ${n - 10} more (--json or --md lists them all)`);
    }
  }
  return out.join("\n") + "\n";
}

export function renderJson(report: AnalysisReport): string {
  return JSON.stringify({ tool: "c2m", version: TOOL_VERSION, ...report }, null, 2) + "\n";
}

const mdCell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderMarkdown(report: AnalysisReport): string {
  const t = report.totals;
  const out = [
    `# c2m analysis of \`${report.root}\``,
    "",
    `**${share(t.lines)}** of ${t.lines.code} code lines translate automatically (${t.files} file${t.files === 1 ? "" : "s"}${t.errors ? `, ${t.errors} could not be analysed` : ""}).`,
    "",
    `| file | code lines | automatic | ${CATEGORIES.map((c) => HEADINGS[c]).join(" | ")} |`,
    `|---|---:|---:|${CATEGORIES.map(() => "---:").join("|")}|`,
  ];
  for (const f of report.files) {
    const note = f.status === "error" ? " (error)" : f.status === "empty" ? " (no kernels)" : "";
    out.push(`| \`${mdCell(f.file)}\`${note} | ${f.lines.code} | ${f.status === "empty" ? "—" : share(f.lines)} | ${CATEGORIES.map((c) => f.counts[c]).join(" | ")} |`);
  }
  out.push(`| **total** | ${t.lines.code} | ${share(t.lines)} | ${CATEGORIES.map((c) => t.counts[c]).join(" | ")} |`);
  const unsupported = report.files.flatMap((f) => f.constructs.filter((c) => c.category === "unsupported").map((c) => ({ f, c })));
  if (unsupported.length) {
    out.push("", "## Needs a person", "", "| where | code | construct | why | fix |", "|---|---|---|---|---|");
    for (const { f, c } of unsupported) {
      const codes = c.codes ?? [];
      out.push(
        `| \`${mdCell(f.file)}:${c.line}:${c.col}\` | ${codes.join(", ")} | \`${mdCell(c.name)}\` | ${mdCell(c.reason ?? "")} | ${mdCell(
          codes
            .map((k) => codeInfo(k)?.hint ?? "")
            .filter(Boolean)
            .join("; "),
        )} |`,
      );
    }
  }
  const failing = report.files.filter((f) => f.invariants?.length);
  if (failing.length) {
    out.push("", "## Output fails the invariants", "", "| where | code | what |", "|---|---|---|");
    for (const f of failing) for (const d of f.invariants!) out.push(`| \`${mdCell(f.file)}:${d.line}:${d.col}\` | ${d.code} | ${mdCell(d.message)} |`);
  }
  const unreadable = report.files.filter((f) => f.status === "error" && f.constructs.length === 0);
  if (unreadable.length) {
    out.push("", "## Could not be analysed", "");
    for (const f of unreadable) for (const d of f.diagnostics) out.push(`- \`${mdCell(f.file)}\`: ${d.code} ${mdCell(d.message)}`);
  }
  if (t.counts.kernel) {
    out.push("", "## Needs a kernel port", "");
    for (const f of report.files)
      for (const c of f.constructs)
        if (c.category === "kernel") out.push(`- \`${mdCell(f.file)}:${c.line}\` \`${mdCell(c.name)}\`${c.codes ? ` (custom operator: ${mdCell(c.reason ?? "")})` : ""}`);
  }
  return out.join("\n") + "\n";
}

/**
 * SARIF 2.1.0: one run, the diagnostic codes as rules, every diagnostic of every file as a result (errors
 * as `error`, warnings as `warning`), and each construct that needs a person as a result of its code.
 */
export function renderSarif(report: AnalysisReport): string {
  interface Result {
    ruleId: string;
    ruleIndex: number;
    level: "error" | "warning" | "note";
    message: { text: string };
    locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number; endLine?: number } } }[];
  }
  const ruleIds: string[] = [];
  const ruleIndex = (code: string) => {
    let i = ruleIds.indexOf(code);
    if (i < 0) i = ruleIds.push(code) - 1;
    return i;
  };
  // relative paths stay relative (to where c2m ran, the usual SARIF source root); absolute ones become file: URIs
  const uri = (file: string) => (isAbsolute(file) ? pathToFileURL(file).href : encodeURI(file.split("\\").join("/").replace(/^\.\//, "")));
  const results: Result[] = [];
  const seen = new Set<string>();
  for (const f of report.files) {
    for (const d of f.diagnostics) {
      const key = `${f.file}|${d.code}|${d.line}|${d.col}`;
      seen.add(key);
      results.push({
        ruleId: d.code,
        ruleIndex: ruleIndex(d.code),
        level: d.severity === "error" ? "error" : "warning",
        message: { text: d.hint ? `${d.message} (${d.hint})` : d.message },
        locations: [{ physicalLocation: { artifactLocation: { uri: uri(f.file) }, region: { startLine: Math.max(1, d.line), startColumn: Math.max(1, d.col) } } }],
      });
    }
    // a kernel that did not translate carries its own extent; its codes' diagnostics are results already
    for (const c of f.constructs) {
      if (c.category !== "unsupported") continue;
      for (const code of c.codes ?? []) {
        if (seen.has(`${f.file}|${code}|${c.line}|${c.col}`)) continue;
        if (f.diagnostics.some((d) => d.code === code && d.line >= c.line && d.line <= c.endLine)) continue;
        results.push({
          ruleId: code,
          ruleIndex: ruleIndex(code),
          level: "warning",
          message: { text: `${c.name}: ${c.reason ?? "needs a manual port"}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: uri(f.file) }, region: { startLine: c.line, startColumn: c.col, endLine: c.endLine } } }],
        });
      }
    }
  }
  const rules = ruleIds.map((id) => {
    const info = codeInfo(id);
    return {
      id,
      name: id.replace(/-/g, ""),
      shortDescription: { text: info?.title ?? id },
      fullDescription: { text: info ? `${info.title}. Example: ${info.example}` : id },
      help: { text: info?.hint ?? "see docs/diagnostics.md" },
      defaultConfiguration: { level: id.startsWith("C2M-E") || KERNEL_ERROR_CODES.has(id) ? "error" : "warning" },
    };
  });
  const t = report.totals;
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "c2m", version: TOOL_VERSION, rules } },
        results,
        properties: {
          automaticLines: t.lines.automatic,
          codeLines: t.lines.code,
          constructs: t.counts,
        },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}
