/**
 * The outline of a Python file: its text with function bodies replaced by `...`, for files c2m only needs
 * the shape of (a library module that defines a base class, imports and re-exports) or the layers its module
 * classes build (`__init__` and what it calls are kept). Function
 * bodies are most of a file's text, and tree-sitter's parse costs in proportion to the text: modeling_utils.py
 * (280 KB) outlines to a fraction of that. The scanner knows just enough of Python's lexical rules to find
 * logical lines (strings, triple-quoted strings, brackets, comments, backslash continuations); where it could
 * be wrong the result does not parse, and the caller falls back to the whole text.
 */

interface LogicalLine {
  start: number;
  /** index after the line's last character (its newline included) */
  end: number;
  indent: number;
  /** the last character that is not whitespace or part of a comment */
  last: string;
}

/** A function definition among the logical lines: its header line and the first line after its body. */
interface DefBlock {
  header: number;
  end: number;
  name: string;
}

/** Rounds of "keep the bodies of functions a kept body calls" (`__init__` → `_make_layer` → a module-level builder). */
const CALL_ROUNDS = 3;

/**
 * The outline, or undefined when the file has tab indentation (a synthesized body could not match it).
 * The bodies of `__init__` methods, and of functions they call by name (`self._make_layer(…)`,
 * `make_blocks(…)`), are kept: that is where a module class builds its layers.
 */
export function pythonOutline(text: string): string | undefined {
  const lines = logicalLines(text);
  if (!lines) return undefined;
  const defs = defBlocks(text, lines);
  const kept = keptBodies(text, lines, defs);
  const out: string[] = [];
  let skipDeeperThan = -1;
  let verbatimUntil = -1;
  const headers = new Map(defs.map((d) => [d.header, d]));
  lines.forEach((l, i) => {
    if (skipDeeperThan >= 0) {
      if (l.indent > skipDeeperThan) return;
      skipDeeperThan = -1;
    }
    const body = text.slice(l.start, l.end);
    out.push(body.endsWith("\n") ? body : `${body}\n`);
    if (i < verbatimUntil) return;
    const def = headers.get(i);
    if (!def) return;
    if (kept.has(def)) verbatimUntil = def.end;
    else {
      out.push(`${" ".repeat(l.indent + 4)}...\n`);
      skipDeeperThan = l.indent;
    }
  });
  return out.join("");
}

function defBlocks(text: string, lines: LogicalLine[]): DefBlock[] {
  const defs: DefBlock[] = [];
  lines.forEach((l, i) => {
    if (l.last !== ":") return;
    const m = /^(?:async\s+)?def\s+(\w+)/.exec(text.slice(l.start + l.indent, l.start + l.indent + 200));
    if (!m) return;
    let end = i + 1;
    while (end < lines.length && lines[end].indent > l.indent) end++;
    defs.push({ header: i, end, name: m[1] });
  });
  return defs;
}

function keptBodies(text: string, lines: LogicalLine[], defs: DefBlock[]): Set<DefBlock> {
  const kept = new Set(defs.filter((d) => d.name === "__init__"));
  let fresh = [...kept];
  for (let round = 0; round < CALL_ROUNDS && fresh.length; round++) {
    // `self.name(…)` calls a method; a bare `name(…)` a module-level function
    const methods = new Set<string>();
    const functions = new Set<string>();
    for (const d of fresh) {
      if (d.end <= d.header + 1) continue;
      const body = text.slice(lines[d.header + 1].start, lines[d.end - 1].end);
      for (const m of body.matchAll(/(?:\bself\.([A-Za-z_]\w*)|(?<![\w.])([A-Za-z_]\w*))\s*\(/g)) {
        if (m[1]) methods.add(m[1]);
        else functions.add(m[2]);
      }
    }
    fresh = defs.filter((d) => !kept.has(d) && (lines[d.header].indent === 0 ? functions : methods).has(d.name));
    for (const d of fresh) kept.add(d);
  }
  return kept;
}

const SPACE = 32,
  TAB = 9,
  LF = 10,
  CR = 13,
  HASH = 35,
  BACKSLASH = 92;
/** The characters that can change the scanner's state; everything between them is skipped by the regex engine. */
const INTERESTING = /["'#\\\n()[\]{}]/g;

function logicalLines(text: string): LogicalLine[] | undefined {
  const lines: LogicalLine[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    // indentation of a new logical line
    const start = i;
    let indent = 0;
    let c = text.charCodeAt(i);
    while (i < n && (c === SPACE || c === TAB)) {
      if (c === TAB) return undefined;
      indent++;
      c = text.charCodeAt(++i);
    }
    if (i >= n) break;
    if (c === LF || c === CR || c === HASH) {
      // blank or comment-only line: no logical line
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    let depth = 0;
    // where the code of the line's last physical line ends (its newline, or its comment)
    let codeEnd = n;
    for (;;) {
      INTERESTING.lastIndex = i;
      const m = INTERESTING.exec(text);
      if (!m) {
        i = n;
        codeEnd = n;
        break;
      }
      const at = m.index;
      const ch = text.charCodeAt(at);
      if (ch === HASH) {
        const nl = text.indexOf("\n", at);
        codeEnd = at;
        i = nl < 0 ? n : nl;
        if (i === n) break;
        i++;
        if (depth === 0) break;
        continue;
      }
      if (ch === BACKSLASH) {
        i = at + 2;
        continue;
      }
      if (ch === LF) {
        codeEnd = at;
        i = at + 1;
        if (depth === 0) break;
        continue;
      }
      if (ch === 34 || ch === 39) {
        i = skipString(text, at, ch);
        continue;
      }
      if (ch === 40 || ch === 91 || ch === 123) depth++;
      else depth = Math.max(0, depth - 1);
      i = at + 1;
    }
    let k = codeEnd - 1;
    while (k > start && (text.charCodeAt(k) === SPACE || text.charCodeAt(k) === TAB || text.charCodeAt(k) === CR)) k--;
    lines.push({ start, end: i, indent, last: text[k] ?? "" });
  }
  return lines;
}

/** Index after the string literal whose opening quote (`q`) is at `i` (prefixes such as r, b, f were read as names). */
function skipString(text: string, i: number, q: number): number {
  const triple = text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q;
  const quote = String.fromCharCode(q);
  const close = triple ? quote + quote + quote : quote;
  let j = i + (triple ? 3 : 1);
  for (;;) {
    const end = text.indexOf(close, j);
    // a one-line string ends at its line's end if unterminated
    const nl = triple ? -1 : text.indexOf("\n", j);
    if (end < 0 || (nl >= 0 && nl < end)) {
      if (nl < 0) return text.length;
      // a backslash before the newline continues the string on the next line
      if (escaped(text, nl, j)) {
        j = nl + 1;
        continue;
      }
      return nl;
    }
    if (!escaped(text, end, j)) return end + close.length;
    j = end + 1;
  }
}

/** Whether the character at `at` follows an odd number of backslashes (none of them before `from`). */
function escaped(text: string, at: number, from: number): boolean {
  let b = at - 1;
  while (b >= from && text.charCodeAt(b) === BACKSLASH) b--;
  return (at - 1 - b) % 2 === 1;
}
