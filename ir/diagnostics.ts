import { CODES_BY_ID } from "./diagnostic-codes.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  col: number;
  hint?: string;
}

export interface Position {
  row: number;
  column: number;
} // 0-based, as tree-sitter gives them

/** Collects diagnostics for one file. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  constructor(readonly file: string) {}

  report(code: string, at: Position, message: string, hint?: string): Diagnostic {
    const known = CODES_BY_ID.get(code);
    if (!known) throw new Error(`c2m internal: unregistered diagnostic code ${code}`);
    const d: Diagnostic = {
      code,
      severity: code.startsWith("C2M-E") ? "error" : "warning",
      message,
      file: this.file,
      line: at.row + 1,
      col: at.column + 1,
      hint: hint ?? known.hint,
    };
    if (!this.items.some((o) => o.code === d.code && o.line === d.line && o.col === d.col && o.message === d.message)) this.items.push(d);
    return d;
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** `file:line:col: warning C2M-W001: message`, a code frame with a caret, and the hint. */
export function formatDiagnostic(d: Diagnostic, source: string | undefined, color = false): string {
  const sev = d.severity === "error" ? paint(color, "31;1", "error") : paint(color, "33;1", "warning");
  const out = [`${paint(color, "1", `${d.file}:${d.line}:${d.col}`)}: ${sev} ${d.code}: ${d.message}`];
  if (source !== undefined) {
    const lines = source.split("\n");
    const width = String(Math.min(lines.length, d.line + 1)).length;
    for (let n = Math.max(1, d.line - 1); n <= Math.min(lines.length, d.line + 1); n++) {
      const gutter = `${String(n).padStart(width)} | `;
      // a long line (a minified file, 100,000 parentheses) is shown as a window around the column
      const [text, caret] = clipLine(lines[n - 1], n === d.line ? d.col - 1 : 0);
      out.push(`${n === d.line ? ">" : " "} ${gutter}${text}`);
      if (n === d.line) out.push(`  ${" ".repeat(width)} | ${" ".repeat(Math.max(0, caret))}${paint(color, "32;1", "^")}`);
    }
  }
  if (d.hint) out.push(`  ${paint(color, "36", "hint")}: ${d.hint}`);
  return out.join("\n");
}

const FRAME_WIDTH = 120;

/** The line cut to FRAME_WIDTH characters around `col` (0-based), and the caret's column in the cut. */
function clipLine(line: string, col: number): [string, number] {
  if (line.length <= FRAME_WIDTH) return [line, col];
  const start = Math.max(0, Math.min(col - FRAME_WIDTH / 2, line.length - FRAME_WIDTH));
  const head = start > 0 ? "…" : "";
  const tail = start + FRAME_WIDTH < line.length ? "…" : "";
  return [head + line.slice(start, start + FRAME_WIDTH) + tail, col - start + head.length];
}
