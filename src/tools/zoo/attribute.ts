/**
 * Which diagnostic a failing zoo case fails ON. A case is `diagnosed` only when its failure is tied to a
 * diagnostic at the construct that failed; any error diagnostic somewhere in its files is a cover, not a
 * diagnosis. Pure: ./zoo.ts gathers the facts (the MLX side's frames and owners, the emitted source maps).
 *
 * The ties, tried in this order:
 *   placeholder  an `Untranslated(...)` placeholder raised (`c2m: torch.unique has no MLX translation (C2M-W041)`):
 *                a counted diagnostic on a traceback frame's line that names it (the use), else the placeholder's
 *                own diagnostic (that code, naming the name or a dotted prefix of it: `torch` for `torch.unique`)
 *   unwritten    an import of a module of the package that the compile did not write: that file's first error
 *   traceback    each frame inside the emitted tree, innermost first, carried back to input lines through the
 *                emitted source map (OUT/x.py.map; a line c2m inserted inside a function, a layout transpose,
 *                stands for the statement after it): a counted diagnostic on those lines, or a `# c2m: CODE`
 *                marker of a counted code on the emitted lines
 *   owner        weights, outputs and params failures: the emitted class that holds what failed (the module that
 *                holds a rejected weight key, c2m parity's first diverging submodule, the holder of a parameter on
 *                one side only; a library layer stands for the emitted class that built it): a weights diagnostic
 *                (C2M-W009, W014, W015, E031, E032) of that class's file naming the class or the attribute, a diagnostic
 *                naming the rejected key itself (C2M-E028 `lm_head.weight ... tied`), or a diagnostic
 *                inside the class's lines: for outputs any counted one, for weights and params an error or a
 *                warning about what the class builds (BUILD_WARNINGS); for weights, else such a weights diagnostic
 *                naming an emitted class further up the key's path (C2M-E032 on the block a model of another file holds)
 * Anything else is `silent`, with the reason.
 *
 * Counted: every error diagnostic, and the warnings that say the translation there may be wrong or will raise
 * (COUNTED_WARNINGS). Warnings that only inform (a dropped .cuda(), an inserted transpose, a training-only
 * branch, an import of a third-party library, an untranslated weight init the converted weights replace) never
 * explain a failure.
 */
import type { Diag } from "./classify.js";

export const COUNTED_WARNINGS: ReadonlySet<string> = new Set([
  "C2M-W001", // unsupported torch layer
  "C2M-W002", // unsupported torch op
  "C2M-W003", // unsupported argument value
  "C2M-W004", // in-place op rewritten as assignment (an alias may have relied on it)
  "C2M-W007", // unknown callee: layout assumed
  "C2M-W009", // weights cannot be mapped statically
  "C2M-W010", // unsupported Python construct
  "C2M-W012", // base class not followed: module or not unknown
  "C2M-W013", // layout not carried across files
  "C2M-W014", // setattr/add_module name not computed: weights by a catch-all rule
  "C2M-W015", // a constructor parameter builds a layer, unknown what
  "C2M-W022", // modules of one call site disagree on layout
  "C2M-W030", // *args not matched to the torch signature
  "C2M-W031", // **kwargs not checked
  "C2M-W032", // in-place update that cannot be assigned back
  "C2M-W041", // a removed import's name bound to a placeholder that raises
  "C2M-W045", // a loop target c2m cannot type is called: layout assumed
  "C2M-W028", // a torch layer attribute MLX's layer does not keep, read as a stand-in value
]);

/**
 * The diagnostics about a weight map, tied to a weights failure by the class or attribute they name: the warnings, and
 * the errors that say a class's weights are not mapped where the model's map is made (C2M-E031 a container built by a
 * call c2m cannot follow, C2M-E032 a class given to another file's model).
 */
const WEIGHT_WARNINGS = new Set(["C2M-W009", "C2M-W014", "C2M-W015", "C2M-E031", "C2M-E032", "C2M-W023"]);

/**
 * What can explain a weights or params failure inside the class holding the key: errors, and the warnings about
 * what a class builds (a layer not translated, arguments not matched, a base not followed, weights not mapped).
 * A forward-time warning (an op, a layout, an in-place update) cannot, nor an argument value dropped (inplace=).
 */
const BUILD_WARNINGS = new Set([...WEIGHT_WARNINGS, "C2M-W001", "C2M-W010", "C2M-W012", "C2M-W030", "C2M-W031"]);
const explainsWeights = (d: Diag): boolean => d.severity === "error" || BUILD_WARNINGS.has(d.code);

export const counts = (d: Diag): boolean => d.severity === "error" || COUNTED_WARNINGS.has(d.code);

export interface Frame {
  /** relative to the emitted tree (the same relative path as the input file) */
  file: string;
  line: number;
  endLine: number;
}

export interface Owner {
  /** the module's path in the MLX model ("" the top) */
  path: string;
  class: string;
  file: string;
  /** the class statement's first and last emitted line */
  lines: [number, number];
  /** the child below it on the way to what failed */
  attr: string | null;
  /** what failed there (a weight key, the diverging call) */
  why: string;
  /** the emitted classes holding it further up, nearest first (a weights failure may be a class up there given to another file's model) */
  above?: { class: string; file: string }[];
}

/** What the emitted tree says about its lines. */
export interface EmittedTree {
  /** the input lines (1-based) emitted lines first..last of `file` came from; empty where the source map has none */
  inputLines(file: string, first: number, last: number): number[];
  /** the `# c2m: CODE` markers on an emitted line */
  markers(file: string, line: number): string[];
  /** for an emitted line c2m inserted inside a translated function (a layout conversion), the input lines of the statement it was inserted for */
  insertedFor?(file: string, line: number): number[];
}

export interface Failure {
  stage: string;
  error: string;
  frames: Frame[];
  owners: Owner[];
  /** files of the case the compile did not write (an error diagnostic stopped them) */
  unwritten: string[];
}

export interface Attribution {
  diagnostic: Diag | null;
  /** for a tie, the construct (a torch name, Class.attr, a line); for none, why not */
  construct: string;
}

/** The placeholder's raise, parsed: its code and the dotted names it mentions. */
export function placeholderRaise(error: string): { code: string; names: string[] } | null {
  const m = /c2m: (.*)\((C2M-[EW]\d+)\)/.exec(error);
  if (!m) return null;
  // dotted names (`torch.unique`, `Net.forward`), and an undotted one the raise is about (`torch has no MLX translation`)
  const names = [...m[1].matchAll(/[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+/g)].map((x) => x[0]);
  const single = /^([A-Za-z_]\w*) has no MLX/.exec(m[1])?.[1];
  return { code: m[2], names: single ? [single, ...names] : names };
}

/** `torch.nn.functional.x` → itself and each shorter dotted prefix, longest first. */
const prefixes = (name: string): string[] => name.split(".").map((_, i, parts) => parts.slice(0, parts.length - i).join("."));

const mentions = (message: string, name: string): boolean => new RegExp(`(?<![\\w.])${name.replace(/[.]/g, "\\.")}(?![\\w])`).test(message);

/** Counted diagnostics of `file` on input lines from the frame's emitted lines, or the marker codes there. */
function onFrame(f: Frame, diags: Diag[], tree: EmittedTree): Diag | null {
  const mapped = tree.inputLines(f.file, f.line, f.endLine);
  const lines = new Set(mapped.length ? mapped : (tree.insertedFor?.(f.file, f.line) ?? []));
  const located = diags.filter((d) => d.file === f.file && lines.has(d.line) && counts(d));
  if (located.length) return located.sort((a, b) => Number(b.severity === "error") - Number(a.severity === "error"))[0];
  for (let l = f.line; l <= f.endLine; l++) {
    const code = tree.markers(f.file, l).find((c) => c.startsWith("C2M-E") || COUNTED_WARNINGS.has(c));
    if (!code) continue;
    // the marker's diagnostic, wherever the map placed it; else the marker itself stands for it
    const same = diags.find((d) => d.file === f.file && d.code === code && lines.has(d.line));
    return same ?? { code, severity: code.startsWith("C2M-E") ? "error" : "warning", message: `marker on emitted line ${l}`, file: f.file, line: [...lines][0] ?? l, col: 1 };
  }
  return null;
}

/** A module name of the package from an import failure, as the file that would hold it. */
function missingModuleFiles(error: string): string[] {
  const m = /(?:No module named '([\w.]+)'|zoo: ([\w.]+) is not in the emitted tree|cannot import name '\w+' from '([\w.]+)')/.exec(error);
  const name = m?.[1] ?? m?.[2] ?? m?.[3];
  if (!name) return [];
  const path = name.replace(/\./g, "/");
  return [`${path}.py`, `${path}/__init__.py`];
}

function byPlaceholder(f: Failure, diags: Diag[], tree: EmittedTree): Attribution | null {
  const raised = placeholderRaise(f.error);
  if (!raised) return null;
  // the use: a frame (innermost first) whose line has a counted diagnostic naming the placeholder's name
  for (const frame of [...f.frames].reverse()) {
    const lines = new Set(tree.inputLines(frame.file, frame.line, frame.endLine));
    const use = diags.find((d) => d.file === frame.file && lines.has(d.line) && counts(d) && raised.names.some((n) => prefixes(n).some((p) => mentions(d.message, p))));
    if (use) return { diagnostic: use, construct: raised.names[0] ?? use.code };
  }
  // the binding: that code's diagnostic naming the name (or a prefix), in a frame's file first
  const files = new Set(f.frames.map((x) => x.file));
  for (const name of raised.names)
    for (const p of prefixes(name)) {
      const hits = diags.filter((d) => d.code === raised.code && mentions(d.message, p));
      const hit = hits.find((d) => files.has(d.file)) ?? hits[0];
      if (hit) return { diagnostic: hit, construct: name };
    }
  return null;
}

function byOwner(f: Failure, diags: Diag[], tree: EmittedTree): Attribution | null {
  for (const o of f.owners) {
    const weights = f.stage === "weights" || f.stage === "params";
    // the parameter's own key (`lm_head.weight`), first in `why`: a diagnostic of the class's file naming it names this failure
    const key = /^[\w.]+\.\w+/.exec(o.why)?.[0];
    const named =
      diags.find((d) => d.file === o.file && WEIGHT_WARNINGS.has(d.code) && (mentions(d.message, o.class) || (o.attr !== null && mentions(d.message, o.attr)))) ??
      (weights && key ? diags.find((d) => d.file === o.file && explainsWeights(d) && mentions(d.message, key)) : undefined);
    const lines = tree.inputLines(o.file, o.lines[0], o.lines[1]);
    const [first, last] = [Math.min(...lines), Math.max(...lines)];
    const inside = lines.length
      ? diags
          .filter((d) => d.file === o.file && d.line >= first && d.line <= last && (weights ? explainsWeights(d) : counts(d)))
          .sort((a, b) => Number(b.severity === "error") - Number(a.severity === "error") || a.line - b.line)[0]
      : undefined;
    // a class further up that a weights diagnostic of its file names (C2M-E032: SelectiveKernelBasic given to resnet.py's
    // ResNet, its SelectiveKernel's convs the owner): what it holds, the key included, is not mapped
    const up = weights
      ? (o.above ?? []).map((a) => ({ a, d: diags.find((d) => d.file === a.file && WEIGHT_WARNINGS.has(d.code) && mentions(d.message, a.class)) })).find((x) => x.d)
      : undefined;
    const d = (weights ? (named ?? inside ?? up?.d) : (inside ?? named)) ?? null;
    if (d) return { diagnostic: d, construct: `${d === up?.d ? `${up.a.class} > ` : ""}${o.class}${o.attr ? `.${o.attr}` : ""}: ${o.why}` };
  }
  return null;
}

/** The diagnostic a failure is tied to, or why none is. `diags`: the case's files' diagnostics. */
export function attribute(f: Failure, diags: Diag[], tree: EmittedTree): Attribution {
  const placeholder = byPlaceholder(f, diags, tree);
  if (placeholder) return placeholder;
  if (f.stage === "import") {
    const files = missingModuleFiles(f.error).filter((file) => f.unwritten.includes(file));
    const stop = diags.find((d) => files.includes(d.file) && d.severity === "error");
    if (stop) return { diagnostic: stop, construct: `${stop.file} not written` };
  }
  for (const frame of [...f.frames].reverse()) {
    const d = onFrame(frame, diags, tree);
    if (d) return { diagnostic: d, construct: `${frame.file}:${frame.line} (emitted)` };
  }
  const owner = byOwner(f, diags, tree);
  if (owner) return owner;
  const reason = f.owners.length
    ? `no counted diagnostic in ${f.owners.map((o) => `${o.class} (${o.file}:${o.lines[0]}-${o.lines[1]} emitted; ${o.why})`).join(", ")}`
    : f.frames.length
      ? `no counted diagnostic on the failing lines (${f.frames
          .slice(-3)
          .map((x) => `${x.file}:${x.line}`)
          .join(" < ")})`
      : `no traceback inside the emitted tree and no emitted class located`;
  return { diagnostic: null, construct: reason };
}
