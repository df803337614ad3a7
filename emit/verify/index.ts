/**
 * The output verifier: c2m's `lint()` of every emitted Python file (design.md, "Output invariants"). It
 * parses the output again and checks, in order: it parses as Python 3.10+ with no empty block
 * (syntax.ts); every import can be satisfied without torch (imports.ts); every name resolves to a local,
 * the output package, MLX, numpy, the standard library or a builtin (scopes.ts); every MLX attribute
 * exists, and so does every method called on an array or a module (attributes.ts). Each violation is an
 * error located at the input position the offending output came from (read back from the source map), and
 * a `# c2m: CODE …` marker at the end of the output statement concerned.
 */
import { parsePython, plainTreeOf, type SyntaxNode, type Tree } from "../../grammar/python.js";
import type { MlxApi } from "../../passes/tables/index.js";
import { AttributeChecker } from "./attributes.js";
import { checkImports, type PackageInfo } from "./imports.js";
import { analyzeScopes, resolves, type Scope } from "./scopes.js";
import { decodeMappings, inputPosition } from "./source-map.js";
import { checkSyntax, parseErrors } from "./syntax.js";
import { finding, type Finding } from "./types.js";
import { importBindings } from "../prune.js";
import { isTypeString } from "../string-annotations.js";
import { phase } from "../../ir/phases.js";

export type { PackageInfo } from "./imports.js";
export type { Finding } from "./types.js";

/** The codes the verifier reports as errors: the compile went through, but the output fails an invariant there (its code is kept, marked). */
export const OUTPUT_INVARIANT_CODES: ReadonlySet<string> = new Set(["C2M-E020", "C2M-E021", "C2M-E022", "C2M-E023", "C2M-E024", "C2M-E025", "C2M-E026", "C2M-E027"]);

export interface VerifyInput {
  code: string;
  /** the emitter's source map mappings (absent: the output is the input unchanged) */
  mappings?: string;
  api: MlxApi;
  /** names the input bound from torch (`torch`, `F`, `Tensor`): left unbound in the output, they are torch names left */
  torchNames: ReadonlySet<string>;
  package?: PackageInfo;
  /** the input text: a name inside an edited span is looked for after the span's start, to point at it exactly */
  source?: string;
  /**
   * names the emitter bound to a placeholder because functions read them (passes/runtime-placeholders.ts):
   * local → what it stood for. A use resolves as if the binding were absent, so one the translator did not
   * mark is still a torch name left (C2M-E023).
   */
  placeholders?: ReadonlyMap<string, string>;
  /** a parse of `code` without errors the caller has already (the emitter's): read instead of parsing again */
  tree?: Tree;
}

export interface VerifiedFinding extends Finding {
  /** the input position it came from (0-based) */
  input: { row: number; column: number };
}

export interface VerifyResult {
  findings: VerifiedFinding[];
  /** the output with a marker comment per finding */
  code: string;
}

export function verifyOutput(v: VerifyInput): VerifyResult {
  const native = v.tree?.source === v.code ? undefined : phase("verify: parse", () => parsePython(v.code));
  let findings: Finding[];
  // a tree with parse errors: its ERROR and MISSING nodes, read from the native tree (names and attributes
  // would mostly report the parser's recovery, and copying such a tree is slow)
  if (native?.rootNode.hasError) findings = parseErrors(native.rootNode, v.code);
  else {
    const root = native ? phase("verify: plain tree copy", () => plainTreeOf(native, v.code)).rootNode : v.tree!.rootNode;
    findings = [...checkSyntax(root), ...checkModule(root, v)];
  }
  const kept = findings.filter((f) => !(NAME_CODES.has(f.code) && alreadyMarked(v.code, f)));
  // the source map is read only as far as the last finding
  const map = v.mappings !== undefined && kept.length ? decodeMappings(v.mappings, Math.max(...kept.map((f) => f.at.row))) : undefined;
  const located = kept.map((f) => ({ ...f, input: map ? refine(inputPosition(map, f.at), f, v.source) : f.at }));
  located.sort((a, b) => a.at.row - b.at.row || a.at.column - b.at.column);
  return { findings: located, code: addMarkers(v.code, located) };
}

/**
 * An edited span maps only to its start: a name or attribute at fault inside it is looked for in the input
 * from there on, on the same line or the next few (a statement rewritten whole), and pointed at if found.
 */
function refine(at: { row: number; column: number }, f: Finding, source: string | undefined): { row: number; column: number } {
  const node = f.node;
  if (!source || !node || (node.type !== "identifier" && node.type !== "attribute") || !/^[\w.]+$/.test(node.text)) return at;
  const lines = source.split("\n", at.row + 6);
  const word = new RegExp(`(?<![\\w.])${node.text.replace(/[.]/g, "\\.")}(?!\\w)`);
  for (let r = at.row; r < Math.min(lines.length, at.row + 5); r++) {
    const from = r === at.row ? at.column : 0;
    const m = word.exec(lines[r].slice(from));
    if (m) return { row: r, column: from + m.index };
  }
  return at;
}

/** Name and attribute findings the translator already diagnosed: it leaves a marker on the statement. */
const NAME_CODES = new Set(["C2M-E023", "C2M-E024", "C2M-E025"]);

function alreadyMarked(code: string, f: Finding): boolean {
  // inside a function kept as written after an internal error (C2M-E026 on its def line) everything is still torch
  for (let n = f.node?.parent; n; n = n.parent) {
    if (n.type === "function_definition" && /C2M-E026/.test(code.slice(n.startIndex, code.indexOf("\n", n.startIndex)))) return true;
  }
  const end = markerPosition(code, f);
  const line = code.slice(code.lastIndexOf("\n", end - 1) + 1, end);
  return /#\s*c2m: C2M-[EW]\d{3}/.test(line);
}

function checkModule(root: SyntaxNode, v: VerifyInput): Finding[] {
  const scopes = analyzeScopes(root);
  // the placeholders' module bindings count as absent (the analysis is shared with the emitter: not changed)
  const unbound = v.placeholders;
  const imports = checkImports(
    scopes.imports.map((i) => i.node),
    v.api,
    v.package,
  );
  const out = [...imports.findings];
  const builtins = new Set(v.api.builtins);
  for (const { node, scope } of scopes.loads) {
    const name = node.text;
    const from = imports.torchBound.get(name);
    if (from !== undefined) {
      out.push(
        finding(
          "C2M-E023",
          node,
          from === "torch" || from.startsWith("torch.") ? `torch name '${name}' left in the output` : `'${name}' (from ${from}, which needs torch) left in the output`,
        ),
      );
      continue;
    }
    if (resolves(scope, name, unbound) || builtins.has(name)) continue;
    const placeholder = v.placeholders?.get(name);
    if (v.torchNames.has(name)) out.push(finding("C2M-E023", node, `torch name '${name}' left in the output (its torch import was removed)`));
    else if (placeholder !== undefined) out.push(finding("C2M-E023", node, `'${name}' (from ${placeholder}, which needs torch) left in the output`));
    else out.push(finding("C2M-E022", node, `name '${name}' is not defined in the output`));
  }
  // names module-level imports bind other than MLX's and torch's (`from . import initialization as init`): not arrays
  const importedNames = new Set(
    scopes.imports
      .filter((i) => i.scope === scopes.module)
      .flatMap((i) => importBindings(i.node))
      .map((b) => b.name)
      .filter((name) => !imports.namespaces.has(name) && !imports.torchBound.has(name)),
  );
  out.push(...stringAnnotationFindings(root, imports.torchBound, v.torchNames, scopes.module, unbound));
  const attrs = new AttributeChecker(v.api, imports.namespaces, importedNames);
  attrs.run(root);
  out.push(...attrs.findings);
  return out;
}

/**
 * Torch names inside string annotations (forward references: not evaluated on import, read by
 * typing.get_type_hints and type checkers): C2M-W021 where one is left, bound by a torch import the output
 * still has or unbound since the output dropped it.
 */
function stringAnnotationFindings(
  root: SyntaxNode,
  torchBound: ReadonlyMap<string, string>,
  torchNames: ReadonlySet<string>,
  module: Scope,
  unbound: ReadonlyMap<string, string> | undefined,
): Finding[] {
  const out: Finding[] = [];
  for (const str of root.descendantsOfType("string")) {
    if (!isTypeString(str)) continue;
    const content = str.namedChildren.find((c) => c.type === "string_content");
    if (!content || str.namedChildren.some((c) => c.type === "interpolation")) continue;
    for (const m of content.text.matchAll(/(?<![\w.])[A-Za-z_]\w*/g)) {
      const name = m[0];
      const from = torchBound.get(name);
      const torch = (from !== undefined && (from === "torch" || from.startsWith("torch."))) || (torchNames.has(name) && !resolves(module, name, unbound));
      if (torch) out.push(finding("C2M-W021", str, `torch name '${name}' left in the string annotation ${str.text}`));
    }
  }
  return out;
}

/** Appends `  # c2m: CODE message` to the line each finding's statement ends its header on (one marker per code and line). */
function addMarkers(code: string, findings: Finding[]): string {
  const byPos = new Map<number, string[]>();
  for (const f of findings) {
    const pos = markerPosition(code, f);
    const text = `c2m: ${f.code} ${f.message}`;
    const list = byPos.get(pos) ?? [];
    if (!list.some((t) => t.startsWith(`c2m: ${f.code} `) && t === text)) list.push(text);
    byPos.set(pos, list);
  }
  let out = "";
  let last = 0;
  for (const pos of [...byPos.keys()].sort((a, b) => a - b)) {
    // a line the translator already marked gets one comment: `# c2m: W002 …; c2m: E023 …`
    const line = code.slice(code.lastIndexOf("\n", pos - 1) + 1, pos);
    // a marker already there (compiling an output again) is not repeated
    const fresh = byPos.get(pos)!.filter((t) => !line.includes(t));
    if (fresh.length) out += code.slice(last, pos) + (/#\s*c2m: C2M-/.test(line) ? "; " : "  # ") + fresh.join("; ");
    else out += code.slice(last, pos);
    last = pos;
  }
  return out + code.slice(last);
}

/**
 * The end of the line a marker goes on: for a node in a compound statement's or clause's header (`def`,
 * `if`, `elif`, `except`…) the header's line with the colon; in a decorator, the decorator's line; else the
 * last line of its simple statement.
 */
function markerPosition(code: string, f: Finding): number {
  let end: number | undefined;
  for (let n = f.node; n && end === undefined; n = n.parent ?? undefined) {
    if (n.type === "decorator" || n.type === "ERROR") end = n.endIndex;
    else if (n.type === "block" || n.type === "module") break;
    const body = n.namedNonComment.find((c) => c.type === "block");
    if (body && f.node!.startIndex <= body.startIndex && end === undefined) {
      const colon = n.children.filter((c) => c.type === ":" && c.endIndex <= body.startIndex).pop();
      end = colon?.endIndex ?? n.startIndex;
    } else if (n.parent && (n.parent.type === "block" || n.parent.type === "module") && end === undefined) end = n.endIndex;
  }
  end ??= offsetOf(code, f.at.row, f.at.column);
  const nl = code.indexOf("\n", end);
  return nl < 0 ? code.length : nl;
}

function offsetOf(code: string, row: number, column: number): number {
  let i = 0;
  for (let r = 0; r < row; r++) {
    const nl = code.indexOf("\n", i);
    if (nl < 0) return code.length;
    i = nl + 1;
  }
  return i + column;
}
