/**
 * The source map of an edited file, as magic-string's `generateMap({ hires: true, source, includeContent: true })`
 * writes it, byte for byte, without its cost. magic-string builds one segment array per character of unedited
 * text (the output keeps most of the input) and then encodes them; here the mappings string is written directly,
 * and a run of unedited characters on one line, whose segments after the first are all the same relative step
 * (`CAAC`: one column on, same source, same line, one column on), is a slice of one shared run of them.
 *
 * It walks magic-string's chunk list (`firstChunk`, `next`, and each chunk's `start`, `end`, `intro`, `outro`,
 * `content`, `edited`), an internal structure stable across magic-string 0.30. Stored names (which c2m never
 * stores) or a missing chunk list fall back to magic-string itself; with `hires`, magic-string ignores
 * explicit sourcemap locations, so they need no case.
 */
import MagicString, { SourceMap } from "magic-string";

interface Chunk {
  start: number;
  end: number;
  intro: string;
  outro: string;
  content: string;
  edited: boolean;
  next: Chunk | null;
}

interface MagicInternals {
  original: string;
  intro: string;
  outro: string;
  firstChunk?: Chunk;
  storedNames?: Record<string, unknown>;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** One base64 VLQ number (sourcemap-codec's encodeInteger(encodeSign(n))). */
function vlq(n: number): string {
  let num = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = "";
  do {
    let digit = num & 31;
    num >>>= 5;
    if (num > 0) digit |= 32;
    out += BASE64[digit];
  } while (num > 0);
  return out;
}

/** `n` one-column steps (`,CAAC` each): a slice of one long run of them, not a new string per line. */
let stepRun = "";
function steps(n: number): string {
  if (stepRun.length < n * 5) stepRun = ",CAAC".repeat(Math.max(n, 1024));
  return stepRun.slice(0, n * 5);
}

/** Writes the encoded mappings the way magic-string's Mappings (hires) and sourcemap-codec's encode() do together. */
class MappingsWriter {
  private parts: string[] = [];
  /** generated column, and the column of the line's last segment (segments are relative within a line) */
  private genColumn = 0;
  private lineSegmentColumn = 0;
  private lineHasSegment = false;
  private sourceLine = 0;
  private sourceColumn = 0;

  private newLine(): void {
    this.parts.push(";");
    this.genColumn = 0;
    this.lineSegmentColumn = 0;
    this.lineHasSegment = false;
  }

  private segment(line: number, column: number): void {
    // the source index is always 0 (one source): its delta is 0, "A"
    this.parts.push(`${this.lineHasSegment ? "," : ""}${vlq(this.genColumn - this.lineSegmentColumn)}A${vlq(line - this.sourceLine)}${vlq(column - this.sourceColumn)}`);
    this.lineHasSegment = true;
    this.lineSegmentColumn = this.genColumn;
    this.sourceLine = line;
    this.sourceColumn = column;
  }

  /** Text with no mapping (inserted text). */
  advance(str: string): void {
    if (!str) return;
    let nl = str.indexOf("\n");
    if (nl < 0) {
      this.genColumn += str.length;
      return;
    }
    let last = nl;
    while (nl >= 0) {
      this.newLine();
      last = nl;
      nl = str.indexOf("\n", nl + 1);
    }
    this.genColumn = str.length - last - 1;
  }

  /** Replaced text: each generated line of it maps to the start of what it replaced. */
  edit(content: string, line: number, column: number): void {
    if (!content.length) return;
    let lineEnd = content.indexOf("\n");
    let previousLineEnd = -1;
    // a last empty line gets no segment (the code after it fills that line)
    while (lineEnd >= 0 && content.length - 1 > lineEnd) {
      this.segment(line, column);
      this.newLine();
      previousLineEnd = lineEnd;
      lineEnd = content.indexOf("\n", lineEnd + 1);
    }
    this.segment(line, column);
    this.advance(content.slice(previousLineEnd + 1));
  }

  /** Unedited text from `start` to `end`: one segment per character. */
  unedited(original: string, start: number, end: number, line: number, column: number): void {
    let i = start;
    while (i < end) {
      let nl = original.indexOf("\n", i);
      if (nl < 0 || nl > end) nl = end;
      const run = nl - i;
      if (run > 0) {
        this.segment(line, column);
        if (run > 1) this.parts.push(steps(run - 1));
        this.lineSegmentColumn = this.genColumn + run - 1;
        this.sourceColumn = column + run - 1;
        this.genColumn += run;
        column += run;
        i = nl;
      }
      if (i < end) {
        // a newline
        line += 1;
        column = 0;
        this.newLine();
        i += 1;
      }
    }
  }

  toString(): string {
    return this.parts.join("");
  }
}

/** `s.generateMap({ hires: true, source, includeContent: true })`, computed faster (see the file comment). */
export function hiresSourceMap(s: MagicString, source: string): SourceMap {
  const m = s as unknown as MagicInternals;
  // a chunk can only name a stored name, so with none stored no chunk needs one
  if (!m.firstChunk || Object.keys(m.storedNames ?? {}).length) return s.generateMap({ hires: true, source, includeContent: true });
  const original = m.original;
  const lineStarts = [0];
  for (let i = original.indexOf("\n"); i >= 0; i = original.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const locate = (index: number): [number, number] => {
    let lo = 0;
    let hi = lineStarts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (index < lineStarts[mid]) hi = mid;
      else lo = mid + 1;
    }
    return [lo - 1, index - lineStarts[lo - 1]];
  };
  const w = new MappingsWriter();
  w.advance(m.intro);
  for (let chunk: Chunk | null = m.firstChunk; chunk; chunk = chunk.next) {
    const [line, column] = locate(chunk.start);
    w.advance(chunk.intro);
    if (chunk.edited) w.edit(chunk.content, line, column);
    else w.unedited(original, chunk.start, chunk.end, line, column);
    w.advance(chunk.outro);
  }
  w.advance(m.outro);
  // magic-string leaves `file` undefined when no `file` option is given (JSON.stringify then omits it)
  const map = new SourceMap({ file: undefined as unknown as string, sources: [source.split(/[/\\]/).join("/")], sourcesContent: [original], names: [], mappings: [] });
  map.mappings = w.toString();
  return map;
}
