/**
 * How a zoo case ended, in one word, and the first error that decided it. Pure: ./zoo.ts gathers the facts.
 *
 *   parity      every output within tolerance and the trainable parameter count equal to torch's
 *   diagnosed   the case failed ON a diagnostic: its failure is tied to a diagnostic at the construct that failed
 *               (./attribute.ts: a placeholder's raise, a traceback frame's input line, the class holding a
 *               rejected weight or the first diverging submodule); the diagnostic and the construct are shown
 *   silent      import, construction, weights, run or comparison failed and no diagnostic is tied to it (an
 *               error elsewhere in the case's files does not count): the worst class, shown with the reason
 *   internal    C2M-E006 on a file of the case, or c2m (compile or weights) crashed or timed out
 *   unparsable  an emitted .py does not parse (Python 3.10 grammar) and the compile reported no C2M-E020 for it
 *   setup       the reference side failed (a case table or environment problem, not c2m's): never expected
 * A case with an internal error is `internal` whatever else happened; then `unparsable`; then the rest.
 */
import type { NewFinding, PyflakesCounts } from "../pyflakes.js";
import type { FileAgreement } from "./agreement.js";
import { attribute, type EmittedTree } from "./attribute.js";
import type { ZooCase } from "./cases.js";
import type { MlxRecord } from "./zoo.js";

export const STATUSES = ["parity", "diagnosed", "silent", "internal", "unparsable", "setup"] as const;
export type Status = (typeof STATUSES)[number];

/** Better is higher. The three classes the issue forbids rank the same: none is progress over another. */
export const RANK: Record<Status, number> = { parity: 2, diagnosed: 1, silent: 0, internal: 0, unparsable: 0, setup: -1 };

export interface Diag {
  code: string;
  severity: "error" | "warning";
  message: string;
  /** relative to the package's site folder, as in the closure */
  file: string;
  line: number;
  col: number;
}

/** zoo_check.py's verdict on one emitted file */
export interface FileCheck {
  unparsable: { line: number; message: string; text?: string } | null;
  torchImports: { line: number; text: string }[];
}

export interface CompileRecord {
  out: string;
  seconds: number;
  diagnostics: Diag[];
  /** emitted files (relative), those compiled without error */
  written: string[];
  /** the installed libraries' modules translated with the package (`_c2m_lib/timm/layers/drop.py`) */
  libraryFiles?: string[];
  /** the CLI crashed, timed out or printed no JSON */
  crash: string | null;
  /** pyflakes findings per emitted file (all, added by c2m, added on an unmarked statement); null when ruff is not installed */
  pyflakes: Map<string, PyflakesCounts> | null;
  /** the findings c2m added (not in the input file), every file of the compile */
  pyflakesAdded: NewFinding[];
  /** per emitted file */
  checks: Map<string, FileCheck>;
  /** per compiled file: the compile's error codes beside `c2m analyze`'s verdict (./agreement.ts); null when analyze did not run */
  analyze: Map<string, FileAgreement> | null;
}

export interface CaseResult {
  name: string;
  package: string;
  status: Status;
  /** the stage that failed first (compile, parse, torch-import, import, construct, weights, run, outputs, params) */
  stage: string | null;
  error: string | null;
  /** file:line in the emitted tree (or the diagnostic's file:line:col) */
  where: string | null;
  /** `diagnosed`: the diagnostic the failure is tied to; `internal`: the C2M-E006 */
  diagnostic: Diag | null;
  /** `diagnosed`: the construct the tie went through (a torch name, Class.attr, an emitted line); `silent`: why no diagnostic is tied */
  attribution?: string;
  /** for `internal` and `unparsable`: how the emitted package then fared (stage: error), or null */
  then: string | null;
  /** files of the case's closure that sink it whatever else happens: not written (an error diagnostic) or not parsing (file:line, and the line) */
  sinks: { file: string; why: string; text?: string }[];
  errors: number;
  warnings: number;
  /** pyflakes findings in the case's emitted files; null when ruff is not installed */
  ruff: number | null;
  /** of those, the ones c2m added (the input file does not have them), and of those the ones on a statement without a c2m marker */
  pyflakesAdded: number | null;
  pyflakesSilent: number | null;
  /** the case's files where `c2m analyze` disagrees with the compile, and why; absent when analyze did not run */
  analyzeDisagrees?: { file: string; why: string }[];
  /** the case's files analyze was compared on */
  analyzeFiles?: string[];
  /** the findings c2m added in the case's files (cases of a package share files: count them once across cases) */
  pyflakesNew?: { file: string; line: number; code: string; name: string; marked: boolean }[];
  files: number;
  maxAbs: number | null;
  seconds: number;
}

export interface Facts {
  c: ZooCase;
  files: string[];
  compile: CompileRecord | undefined;
  setupError: string | null;
  weightsCrash: string | null;
  mlx: MlxRecord | null;
  seconds: number;
  /** the emitted tree's source maps and markers (a tree that maps nothing when absent) */
  tree?: EmittedTree;
}

const NO_TREE: EmittedTree = { inputLines: () => [], markers: () => [] };

export function classify(f: Facts): CaseResult {
  const mine = new Set(f.files);
  const diags = (f.compile?.diagnostics ?? []).filter((d) => mine.has(d.file));
  const entry = `${f.c.module.replace(/\./g, "/")}`;
  const inEntry = (d: Diag) => d.file === `${entry}.py` || d.file === `${entry}/__init__.py`;
  const errors = diags.filter((d) => d.severity === "error").sort((a, b) => Number(inEntry(b)) - Number(inEntry(a)));
  const internalDiag = errors.find((d) => d.code === "C2M-E006") ?? null;
  const flakes = f.compile?.pyflakes;
  const sum = (k: keyof PyflakesCounts) => (flakes ? f.files.reduce((n, file) => n + (flakes.get(file)?.[k] ?? 0), 0) : null);
  const maxes = (f.mlx?.outputs ?? []).map((o) => o.maxAbs);
  const sinks = [
    // a file with an error diagnostic is not written (C2M-E006 included): its first error stands for it
    ...errors
      .filter((d, i) => errors.findIndex((e) => e.file === d.file) === i)
      .filter((d) => !f.compile?.written.includes(d.file))
      .map((d) => ({ file: `${d.file}:${d.line}:${d.col}`, why: `${d.code} ${d.message}` })),
    ...f.files.flatMap((file) => {
      const u = f.compile?.checks.get(file)?.unparsable;
      return u ? [{ file: `${file}:${u.line}`, why: u.message, text: u.text }] : [];
    }),
  ];
  const base = {
    name: f.c.name,
    package: f.c.package,
    errors: errors.length,
    warnings: diags.length - errors.length,
    ruff: sum("total"),
    pyflakesAdded: sum("added"),
    pyflakesSilent: sum("silent"),
    ...(f.compile?.analyze
      ? {
          analyzeFiles: f.files.filter((file) => f.compile!.analyze!.has(file)),
          analyzeDisagrees: f.files.flatMap((file) => {
            const why = f.compile!.analyze!.get(file)?.disagreement;
            return why ? [{ file, why }] : [];
          }),
        }
      : {}),
    pyflakesNew: (f.compile?.pyflakesAdded ?? []).filter((x) => mine.has(x.file)).map((x) => ({ file: x.file, line: x.line, code: x.code, name: x.name, marked: x.marked })),
    files: f.files.length,
    maxAbs: maxes.length && maxes.every((m) => m !== null) ? Math.max(...(maxes as number[])) : null,
    seconds: f.seconds,
    diagnostic: null,
    sinks,
    then: f.mlx && f.mlx.stage ? `${f.mlx.stage}: ${f.mlx.error ?? ""}${f.mlx.where ? ` (${f.mlx.where})` : ""}` : null,
  };
  const at = (d: Diag) => `${d.file}:${d.line}:${d.col}`;
  if (f.setupError) return { ...base, status: "setup", stage: "reference", error: f.setupError, where: null };
  if (f.compile?.crash) return { ...base, status: "internal", stage: "compile", error: f.compile.crash, where: null };
  if (internalDiag)
    return { ...base, status: "internal", stage: "compile", error: `${internalDiag.code} ${internalDiag.message}`, where: at(internalDiag), diagnostic: internalDiag };
  if (f.weightsCrash) return { ...base, status: "internal", stage: "weights", error: f.weightsCrash, where: null };
  const mlx = f.mlx;
  if (!mlx) return { ...base, status: "internal", stage: "compile", error: "no compile record", where: null };
  const checked = f.files.map((file) => ({ file, check: f.compile?.checks.get(file) })).filter((x) => x.check);
  // a file that does not parse is the worst bug only when written without its C2M-E020 (the compile says so otherwise)
  const syntaxDiagnosed = new Set((f.compile?.diagnostics ?? []).filter((d) => d.code === "C2M-E020").map((d) => d.file));
  const bad = checked.find((x) => x.check!.unparsable && !syntaxDiagnosed.has(x.file));
  if (bad) return { ...base, status: "unparsable", stage: "parse", error: bad.check!.unparsable!.message, where: `${bad.file}:${bad.check!.unparsable!.line}` };
  const torchImports = checked.flatMap((x) => x.check!.torchImports.map((t) => ({ file: x.file, ...t })));
  const torchImport = torchImports[0];
  if (mlx.stage === null && !torchImport) return { ...base, status: "parity", stage: null, error: null, where: null };
  // an emitted `import torch` the run did not trip over (never imported) still fails the case
  const failed =
    mlx.stage === null
      ? { stage: "torch-import", error: torchImport.text, where: `${torchImport.file}:${torchImport.line}`, then: null }
      : { stage: mlx.stage, error: mlx.error ?? null, where: mlx.where ?? null, then: null };
  const frames = mlx.stage === null ? [{ file: torchImport.file, line: torchImport.line, endLine: torchImport.line }] : (mlx.frames ?? []);
  const unwritten = f.files.filter((file) => !f.compile?.written.includes(file));
  const tie = attribute({ stage: failed.stage, error: failed.error ?? "", frames, owners: mlx.owners ?? [], unwritten }, diags, f.tree ?? NO_TREE);
  if (tie.diagnostic) return { ...base, status: "diagnosed", ...failed, diagnostic: tie.diagnostic, attribution: tie.construct };
  return { ...base, status: "silent", ...failed, attribution: tie.construct };
}
