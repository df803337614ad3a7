/**
 * pyflakes (`ruff check --select F`) as an independent check of c2m's output: the rule is that c2m adds no
 * finding. Real inputs carry their own (an `__init__.py` re-exporting names it does not use, `from x import *`),
 * and those are carried over, not added: each finding of an emitted file is matched against the input file's
 * findings by code and name (lines move), and what is left over is what c2m added. A new finding on a
 * statement that carries a `# c2m: CODE …` marker was reported by the compile (a torch name left with its
 * warning, say); one without a marker is a finding c2m added silently.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseModule, type SyntaxNode } from "../../grammar/python.js";
import { pythonExecutable } from "../python.js";

export interface PyflakesFinding {
  /** relative to the tree ruff ran over */
  file: string;
  /** `F401`…, or `syntax` for a file ruff cannot parse */
  code: string;
  /** the name the message quotes first (`torch` in "`torch` imported but unused"), or "" */
  name: string;
  /** 1-based */
  line: number;
  col: number;
  message: string;
}

export interface NewFinding extends PyflakesFinding {
  /** the statement holding it carries a c2m marker (the compile reported something there) */
  marked: boolean;
}

export const ruffExecutable = (): string => join(dirname(pythonExecutable()), "ruff");

/** Whether ruff is installed beside the project's Python (`npm run setup:python` puts it there). */
export const haveRuff = (): boolean => existsSync(ruffExecutable());

interface RuffJson {
  code: string | null;
  message: string;
  filename: string;
  location: { row: number; column: number };
}

/** pyflakes findings of every .py file under `root` (or of `files`, relative to it), with paths relative to `root`. */
export function pyflakes(root: string, files?: string[]): Promise<PyflakesFinding[]> {
  const args = ["check", "--select", "F", "--output-format", "json", "--no-cache", "--exit-zero", "--isolated", ...(files?.length ? files : ["."])];
  return new Promise((done, fail) => {
    const child = spawn(ruffExecutable(), args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (err += b));
    child.on("error", fail);
    child.on("close", (code) => {
      if (code !== 0) return fail(new Error(`ruff exited ${code}: ${err.trim().split("\n").pop()}`));
      const raw = JSON.parse(out) as RuffJson[];
      done(
        raw.map((f) => ({
          file: relative(root, resolve(root, f.filename)),
          code: f.code ?? "syntax",
          name: /`([^`]*)`/.exec(f.message)?.[1] ?? "",
          line: f.location.row,
          col: f.location.column,
          message: f.message,
        })),
      );
    });
  });
}

const key = (f: PyflakesFinding): string => `${f.code}\0${f.name}`;

/**
 * The output's findings the input does not have: per file, matched by code and name, as many as the input has
 * of each. `outputText(file)` gives an emitted file's text, to tell marked findings from silent ones.
 */
export function newFindings(input: PyflakesFinding[], output: PyflakesFinding[], outputText: (file: string) => string): NewFinding[] {
  const carried = new Map<string, number>();
  for (const f of input) carried.set(`${f.file}\0${key(f)}`, (carried.get(`${f.file}\0${key(f)}`) ?? 0) + 1);
  const added: PyflakesFinding[] = [];
  for (const f of output) {
    const k = `${f.file}\0${key(f)}`;
    const left = carried.get(k) ?? 0;
    if (left > 0) carried.set(k, left - 1);
    else added.push(f);
  }
  const trees = new Map<string, { root: SyntaxNode; lines: string[] }>();
  return added.map((f) => {
    let t = trees.get(f.file);
    if (!t) {
      const text = outputText(f.file);
      t = { root: parseModule(text).rootNode, lines: text.split("\n") };
      trees.set(f.file, t);
    }
    return { ...f, marked: isMarked(t.root, t.lines, f.line - 1) };
  });
}

const MARKER = /#\s*c2m: C2M-[EWK]\d{3}/;

/**
 * Whether the statement holding 0-based `row` carries a c2m marker, where the compile puts one: on a compound
 * statement's or clause's header lines, a decorator's, a simple statement's lines; anything inside a function
 * kept as written after an internal error (C2M-E026 on its header) counts as marked.
 */
export function isMarked(root: SyntaxNode, lines: string[], row: number): boolean {
  let range: [number, number] = [row, row];
  let node = root;
  for (;;) {
    const next = node.namedChildren.find((c) => c.startPosition.row <= row && row <= c.endPosition.row);
    if (!next) break;
    const body = next.namedChildren.find((c) => c.type === "block");
    if (body) {
      // the header runs to its colon (the marker's line), not into the body
      const colon = next.children.filter((c) => c.type === ":" && c.endIndex <= body.startIndex).pop();
      range = [next.startPosition.row, colon?.startPosition.row ?? next.startPosition.row];
      if (next.type === "function_definition" && /C2M-E026/.test(lines.slice(range[0], range[1] + 1).join("\n"))) return true;
    } else if (next.type === "decorator" || node.type === "block" || node.type === "module") range = [next.startPosition.row, next.endPosition.row];
    node = next;
  }
  return lines.slice(range[0], range[1] + 1).some((l) => MARKER.test(l));
}

/** Counts per file: all findings, those c2m added, and those of them on unmarked statements. */
export interface PyflakesCounts {
  total: number;
  added: number;
  silent: number;
}

export function countsPerFile(output: PyflakesFinding[], added: NewFinding[]): Map<string, PyflakesCounts> {
  const m = new Map<string, PyflakesCounts>();
  const at = (file: string) => m.get(file) ?? (m.set(file, { total: 0, added: 0, silent: 0 }).get(file) as PyflakesCounts);
  for (const f of output) at(f.file).total++;
  for (const f of added) {
    at(f.file).added++;
    if (!f.marked) at(f.file).silent++;
  }
  return m;
}
