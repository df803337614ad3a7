import type { Diagnostic, DiagnosticBag, Position } from "./diagnostics.js";
import { KERNEL_CODES_BY_ID } from "./kernel-diagnostic-codes.js";

/**
 * Report a kernel diagnostic into a DiagnosticBag. Codes C2M-K### live in KERNEL_DIAGNOSTIC_CODES until
 * they are merged into the main table. Their severity is fixed by ERROR_CODES below, not by the letter
 * (K codes carry no E/W), so they keep going through here after the merge.
 */
export function reportKernel(bag: DiagnosticBag, code: string, at: Position, message: string, hint?: string): Diagnostic {
  if (!code.startsWith("C2M-K")) return bag.report(code, at, message, hint);
  const known = KERNEL_CODES_BY_ID.get(code);
  if (!known) throw new Error(`c2m internal: unregistered diagnostic code ${code}`);
  const d: Diagnostic = {
    code,
    severity: ERROR_CODES.has(code) ? "error" : "warning",
    message,
    file: bag.file,
    line: at.row + 1,
    col: at.column + 1,
    hint: hint ?? known.hint,
  };
  if (!bag.items.some((o) => o.code === d.code && o.line === d.line && o.col === d.col && o.message === d.message)) bag.items.push(d);
  return d;
}

/**
 * Kernel codes that stop the kernel from being emitted. K codes carry no E/W letter, so the severity is
 * fixed here: a construct the kernel needs and Metal lacks is an error; a launcher that is not
 * translated, a demotion or a caveat is a warning.
 */
export const ERROR_CODES = new Set([
  "C2M-K001",
  "C2M-K002",
  "C2M-K003",
  "C2M-K004",
  "C2M-K005",
  "C2M-K006",
  "C2M-K007",
  "C2M-K012",
  "C2M-K013",
  "C2M-K017",
  "C2M-K018",
  "C2M-K019",
  "C2M-K035",
  "C2M-K036",
  "C2M-K026",
  "C2M-K027",
  "C2M-K044",
  "C2M-K045",
  "C2M-K042",
  "C2M-K048",
  "C2M-K049",
  "C2M-K046",
  "C2M-K059",
]);
