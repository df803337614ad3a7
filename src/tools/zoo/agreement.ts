/**
 * Whether `c2m analyze` agrees with the compile, file by file (issue 12, "c2m analyze agrees with the
 * compiler"). Analyze predicts per file what translates; the compile says what happened. They agree on a file
 * when a file analyze calls automatic (every code line, no unsupported construct) compiled without an error
 * diagnostic, and every error code the compile gave the file is one analyze names for it. Pure.
 */
import { relative } from "node:path";
import type { FileAnalysis } from "../../analyze/index.js";

export interface AnalyzeVerdict {
  /** analyze's status for the file (ok, error, empty) */
  status: string;
  /** analyze says every code line translates automatically */
  automatic: boolean;
  /** the codes analyze names for the file: its unsupported constructs' and its diagnostics' */
  codes: string[];
}

/** One compiled file: the compile's error codes beside analyze's verdict, and why they disagree (null: they agree). */
export interface FileAgreement {
  compile: string[];
  analyze: AnalyzeVerdict | null;
  disagreement: string | null;
}

/** analyze's verdict per file of a `c2m analyze DIR --json` report, keyed by the path relative to DIR. */
export function analyzeVerdicts(files: Pick<FileAnalysis, "file" | "status" | "lines" | "constructs" | "diagnostics">[], root: string): Map<string, AnalyzeVerdict> {
  const out = new Map<string, AnalyzeVerdict>();
  for (const f of files) {
    const codes = new Set<string>([...f.diagnostics.map((d) => d.code), ...f.constructs.flatMap((c) => (c.category === "unsupported" ? (c.codes ?? []) : []))]);
    out.set(relative(root, f.file), { status: f.status, automatic: f.status === "ok" && f.lines.automatic === f.lines.code, codes: [...codes].sort() });
  }
  return out;
}

/** null when analyze agrees with the compile on a file that got `compileErrors` (its error codes); else why not. */
export function disagreement(compileErrors: readonly string[], verdict: AnalyzeVerdict | undefined): string | null {
  if (!verdict) return "analyze did not report the file";
  const codes = [...new Set(compileErrors)].sort();
  if (verdict.automatic && codes.length) return `analyze: translates automatically; compile: ${codes.join(", ")}`;
  const missing = codes.filter((c) => !verdict.codes.includes(c));
  if (missing.length) return `compile: ${missing.join(", ")}, which analyze does not name (it names ${verdict.codes.join(", ") || "nothing"})`;
  return null;
}
