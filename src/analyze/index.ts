/**
 * `c2m analyze`: how much of a file or a tree ports automatically, from the real compilers' output (never
 * a grep, never by importing or running the code). A Python file is compiled in memory and each construct
 * the compiler recorded is classified; a CUDA file is run through the kernel compiler and each
 * `__global__` kernel (and each host launcher) is classified by whether it translated.
 */
import { compile, type CompileOptions } from "../compile.js";
import type { Diagnostic } from "../../ir/diagnostics.js";
import { InputError, readSource } from "../io.js";
import { parseModule, type SyntaxNode } from "../../grammar/python.js";
import { OUTPUT_INVARIANT_CODES } from "../../emit/verify/index.js";

/** How a construct ports. */
export type Category =
  /** a mapping-table row translates it (layer, op, method) */
  | "rule"
  /** a cookbook idiom or an emitted helper translates it */
  | "cookbook"
  /**
   * needs a kernel port: a CUDA kernel or launcher (`c2m kernel` makes it), or a Python call of a custom
   * CUDA/C++ operator (its line waits for that port; `codes` holds the compiler's diagnostic)
   */
  | "kernel"
  /** left for a person, with the diagnostic code that says why */
  | "unsupported";

export const CATEGORIES: readonly Category[] = ["rule", "cookbook", "kernel", "unsupported"];

export interface Construct {
  category: Category;
  /** torch name, rule, kernel or launcher name */
  name: string;
  /** 1-based */
  line: number;
  col: number;
  /** last line the construct covers (kernels span their definition) */
  endLine: number;
  /** unsupported: the diagnostic codes and messages that say why */
  codes?: string[];
  reason?: string;
}

export type Language = "python" | "cuda";

export interface FileAnalysis {
  file: string;
  language: Language;
  /**
   * ok: analysed; error: the compiler could not read or parse it (its diagnostics say why);
   * empty: nothing to port in it (a CUDA file without kernels)
   */
  status: "ok" | "error" | "empty";
  /** lines with code (not blank, not only a comment) and those of them no unsupported construct sits on */
  lines: { code: number; automatic: number };
  counts: Record<Category, number>;
  constructs: Construct[];
  diagnostics: Diagnostic[];
  /** Python: where the compiled output fails the output invariants (emit/verify), each blocking its lines */
  invariants?: Diagnostic[];
}

export const PYTHON_EXTENSIONS = [".py"] as const;
export const CUDA_EXTENSIONS = [".cu", ".cuh"] as const;

export function languageOf(path: string): Language | undefined {
  if (PYTHON_EXTENSIONS.some((e) => path.endsWith(e))) return "python";
  if (CUDA_EXTENSIONS.some((e) => path.endsWith(e))) return "cuda";
  return undefined;
}

const zeroCounts = (): Record<Category, number> => ({ rule: 0, cookbook: 0, kernel: 0, unsupported: 0 });

/**
 * What a Python file is compiled with: the same program (library folders to read base classes from), in a
 * folder the same package, and the same view of the installed torch libraries (src/libraries.ts) as `c2m compile`
 * gives it, so that the analysis is that compile's, file for file.
 */
export type AnalyzeOptions = Pick<CompileOptions, "program" | "host" | "package" | "libraries">;

/** Reads and analyses one file; never throws (an unreadable file is an `error` analysis with its code). */
export async function analyzeFile(path: string, displayName = path, options: AnalyzeOptions = {}): Promise<FileAnalysis> {
  const language = languageOf(path) ?? "python";
  let source: string;
  try {
    source = readSource(path);
  } catch (err) {
    const code = err instanceof InputError ? err.code : "C2M-E004";
    const message = err instanceof Error ? err.message : String(err);
    return failed(displayName, language, { code, severity: "error", message, file: displayName, line: 1, col: 1 });
  }
  return analyzeSource(source, displayName, language, options);
}

/** Analyses source text; never throws (a compiler crash is reported as an `error` analysis). */
export async function analyzeSource(source: string, file: string, language: Language, options: AnalyzeOptions = {}): Promise<FileAnalysis> {
  try {
    return language === "python" ? analyzePython(source, file, options) : await analyzeCuda(source, file);
  } catch (err) {
    // a compiler bug on this input: say so for this file and go on with the others
    const message = `c2m internal error while analysing this file: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
    return failed(file, language, { code: "C2M-E006", severity: "error", message, file, line: 1, col: 1 });
  }
}

function failed(file: string, language: Language, d: Diagnostic): FileAnalysis {
  return { file, language, status: "error", lines: { code: 0, automatic: 0 }, counts: zeroCounts(), constructs: [], diagnostics: [d] };
}

/** 1-based numbers of the lines holding code: not blank, not only a comment. */
export function codeLines(source: string, language: Language): number[] {
  const out: number[] = [];
  const lines = source.split("\n");
  let inBlockComment = false;
  for (let i = 0; i < lines.length; i++) {
    let t = lines[i].trim();
    if (language === "cuda") {
      if (inBlockComment) {
        const end = t.indexOf("*/");
        if (end < 0) continue;
        inBlockComment = false;
        t = t.slice(end + 2).trim();
      }
      if (t.startsWith("/*")) {
        const end = t.indexOf("*/", 2);
        if (end < 0) {
          inBlockComment = true;
          continue;
        }
        t = t.slice(end + 2).trim();
      }
      if (t === "" || t.startsWith("//")) continue;
    } else if (t === "" || t.startsWith("#")) continue;
    out.push(i + 1);
  }
  return out;
}

function finish(file: string, language: Language, source: string, constructs: Construct[], diagnostics: Diagnostic[], status: FileAnalysis["status"]): FileAnalysis {
  constructs.sort((a, b) => a.line - b.line || a.col - b.col || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const blocked = new Set<number>();
  // an unsupported construct blocks its lines, and so does a call of a custom operator (it waits for its kernel's port)
  for (const c of constructs) if (c.category === "unsupported" || (c.category === "kernel" && c.codes)) for (let l = c.line; l <= c.endLine; l++) blocked.add(l);
  const code = codeLines(source, language);
  const automatic = status !== "ok" ? 0 : code.filter((l) => !blocked.has(l)).length;
  const counts = zeroCounts();
  for (const c of constructs) counts[c.category]++;
  return { file, language, status, lines: { code: code.length, automatic }, counts, constructs, diagnostics };
}

/** torch names that stand for a custom CUDA/C++ operator rather than an op MLX lacks */
const CUSTOM_OP = /^torch\.(utils\.cpp_extension\.|ops\.(?!aten\.))/;

/**
 * The output invariants' codes (emit/verify): the file compiled, but its output would not run as written
 * at these places. They block their lines (C2M-E026, a function kept untranslated, all of that function's)
 * rather than the whole file.
 */
export const INVARIANT_CODES = OUTPUT_INVARIANT_CODES;

function analyzePython(source: string, file: string, options: AnalyzeOptions): FileAnalysis {
  const r = compile(source, { ...options, filename: file });
  // a placeholder for a torch name evaluated on import (C2M-E050) blocks its line, as an invariant does;
  // one for a custom operator's build (`cpp_extension.load(...)`) waits for a kernel port
  const placeholders = r.diagnostics.filter((d) => d.code === "C2M-E050");
  const kernelPlaceholders = placeholders.filter((d) => CUSTOM_OP.test(constructName(d.message)));
  const invariants = r.diagnostics.filter((d) => INVARIANT_CODES.has(d.code) || (d.code === "C2M-E050" && !kernelPlaceholders.includes(d)));
  const errors = r.diagnostics.filter((d) => d.severity === "error" && !INVARIANT_CODES.has(d.code) && d.code !== "C2M-E050");
  const constructs: Construct[] = [];
  for (const c of r.constructs) {
    // the invariants' findings are added below, once each, with their extents
    if (c.kind === "unsupported" && INVARIANT_CODES.has(c.name)) continue;
    if (c.kind === "unsupported") {
      const d = r.diagnostics.find((x) => x.code === c.name && x.line === c.line && x.col === c.col) ?? r.diagnostics.find((x) => x.code === c.name && x.line === c.line);
      const name = d ? constructName(d.message) : c.name;
      // a custom CUDA/C++ operator (built by cpp_extension, called through torch.ops): its kernel needs a port
      if (CUSTOM_OP.test(name)) {
        constructs.push({
          category: "kernel",
          name,
          line: c.line,
          col: c.col,
          endLine: c.line,
          codes: [c.name],
          reason: `${name}: a custom CUDA/C++ operator; port its kernels with c2m kernel and call the ported function here`,
        });
        continue;
      }
      constructs.push({ category: "unsupported", name, line: c.line, col: c.col, endLine: c.line, codes: [c.name], reason: d?.message });
    } else constructs.push({ category: c.kind === "table" ? "rule" : "cookbook", name: c.name, line: c.line, col: c.col, endLine: c.line });
  }
  // an error stops the compile: the whole file needs a person, at the place the error names
  for (const d of errors) constructs.push({ category: "unsupported", name: d.code, line: d.line, col: d.col, endLine: d.line, codes: [d.code], reason: d.message });
  const ends = invariants.some((d) => d.code === "C2M-E026") ? functionEnds(source) : new Map<number, number>();
  for (const d of invariants) {
    const endLine = d.code === "C2M-E026" ? (ends.get(d.line) ?? d.line) : d.line;
    constructs.push({ category: "unsupported", name: d.code, line: d.line, col: d.col, endLine, codes: [d.code], reason: d.message });
  }
  const analysis = finish(file, "python", source, constructs, r.diagnostics, errors.length ? "error" : "ok");
  if (invariants.length) analysis.invariants = invariants;
  return analysis;
}

/** 1-based first line → last line of every function and class definition of a source (a C2M-E026 covers its whole function). */
function functionEnds(source: string): Map<number, number> {
  const out = new Map<number, number>();
  const visit = (n: SyntaxNode): void => {
    if (n.type === "function_definition" || n.type === "class_definition" || n.type === "module") out.set(n.startPosition.row + 1, n.endPosition.row + 1);
    for (const c of n.namedChildren) if (c.childCount) visit(c);
  };
  visit(parseModule(source).rootNode);
  return out;
}

/** The torch name a diagnostic message starts with, when it names one (`torch.nn.Buffer has no…`). */
function constructName(message: string): string {
  const m = /^(?:torch name )?([A-Za-z_][\w.]*(?:\([^)]*\))?)/.exec(message);
  return m && /[.(]/.test(m[1]) ? m[1].replace(/\(.*$/, "") : message.split(/\s+/).slice(0, 4).join(" ");
}

async function analyzeCuda(source: string, file: string): Promise<FileAnalysis> {
  // loaded on demand: the CUDA front end initialises a wasm parser
  const [{ compileKernels }, { parseCuda }, { extractKernelUnit }, { kernelsLaunchedBy }, { DiagnosticBag }] = await Promise.all([
    import("../kernel/index.js"),
    import("../../grammar/cuda.js"),
    import("../../passes/kernel/extract.js"),
    import("../../passes/kernel/host.js"),
    import("../../ir/diagnostics.js"),
  ]);
  const result = compileKernels(source, { filename: file });
  // the kernels' and launchers' extents, from the kernel compiler's own front end
  const unit = extractKernelUnit(parseCuda(source).rootNode, source, file, new DiagnosticBag(file));
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (unit.kernels.length === 0) {
    const syntax = errors.filter((d) => d.code !== "C2M-K013");
    const constructs: Construct[] = syntax.map((d) => ({ category: "unsupported", name: d.code, line: d.line, col: d.col, endLine: d.line, codes: [d.code], reason: d.message }));
    // "no kernels" is the kernel command's error; for analysis the file simply holds nothing to port
    return finish(
      file,
      "cuda",
      source,
      constructs,
      result.diagnostics.filter((d) => d.code !== "C2M-K013"),
      syntax.length ? "error" : "empty",
    );
  }
  const translated = new Set(result.kernels.map((k) => k.name));
  const translatedLaunchers = new Set(result.launchers.map((l) => l.name));
  const constructs: Construct[] = [];
  const span = (n: { startPosition: { row: number; column: number }; endPosition: { row: number } }) => ({
    line: n.startPosition.row + 1,
    col: n.startPosition.column + 1,
    endLine: n.endPosition.row + 1,
  });
  const within = (d: Diagnostic, s: { line: number; endLine: number }) => d.line >= s.line && d.line <= s.endLine;
  const claimed = new Set<Diagnostic>();
  for (const k of unit.kernels) {
    const s = span(k.node);
    if (translated.has(k.name)) {
      constructs.push({ category: "kernel", name: k.name, ...s });
      continue;
    }
    const why = errors.filter((d) => within(d, s));
    why.forEach((d) => claimed.add(d));
    constructs.push({ category: "unsupported", name: k.name, ...s, codes: [...new Set(why.map((d) => d.code))], reason: why[0]?.message ?? "the kernel did not translate" });
  }
  for (const h of unit.hostFunctions) {
    if (!kernelsLaunchedBy(h).length) continue;
    const s = span(h.node);
    if (translatedLaunchers.has(h.name)) constructs.push({ category: "kernel", name: h.name, ...s });
    else {
      const why = result.diagnostics.filter((d) => within(d, s));
      why.forEach((d) => claimed.add(d));
      constructs.push({
        category: "unsupported",
        name: h.name,
        ...s,
        codes: [...new Set(why.map((d) => d.code))],
        reason: why[0]?.message ?? "the launcher did not translate (a kernel it launches did not)",
      });
    }
  }
  // errors outside any kernel or launcher (a syntax error at file level) block their own line
  for (const d of errors)
    if (!claimed.has(d)) constructs.push({ category: "unsupported", name: d.code, line: d.line, col: d.col, endLine: d.line, codes: [d.code], reason: d.message });
  return finish(file, "cuda", source, constructs, result.diagnostics, "ok");
}

export interface Totals {
  files: number;
  /** files the compilers could not read or parse */
  errors: number;
  lines: { code: number; automatic: number };
  counts: Record<Category, number>;
  /** unsupported constructs per diagnostic code */
  byCode: Record<string, number>;
}

export function totals(files: FileAnalysis[]): Totals {
  const t: Totals = { files: files.length, errors: 0, lines: { code: 0, automatic: 0 }, counts: zeroCounts(), byCode: {} };
  for (const f of files) {
    if (f.status === "error") t.errors++;
    if (f.status !== "empty") {
      t.lines.code += f.lines.code;
      t.lines.automatic += f.lines.automatic;
    }
    for (const c of CATEGORIES) t.counts[c] += f.counts[c];
    for (const c of f.constructs) if (c.category === "unsupported") for (const code of c.codes?.length ? c.codes : ["(none)"]) t.byCode[code] = (t.byCode[code] ?? 0) + 1;
  }
  t.byCode = Object.fromEntries(Object.entries(t.byCode).sort(([a], [b]) => (a < b ? -1 : 1)));
  return t;
}

/** automatic / code as a percentage with one decimal ("—" when there is no code) */
export function share(lines: { code: number; automatic: number }): string {
  return lines.code ? `${((100 * lines.automatic) / lines.code).toFixed(1)}%` : "—";
}
