/**
 * An emitted file's source map (emit/sourcemap.ts writes `OUT/x.py.map`, one source, hires) read back as lines:
 * for each emitted line, the input lines its segments point at. The zoo uses it to carry a traceback frame's
 * emitted file:line back to the input, where the diagnostics are (./attribute.ts).
 */

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** The VLQ numbers of one segment (`CAAC` is [1, 0, 0, 1]). */
function decodeSegment(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = DIGIT.get(ch);
    if (digit === undefined) throw new Error(`source map: bad character ${JSON.stringify(ch)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/** Per emitted line (0-based index), the distinct input lines (1-based) its segments map to, in segment order. */
export function inputLinesPerEmittedLine(mappings: string): number[][] {
  const out: number[][] = [];
  let sourceLine = 0;
  for (const line of mappings.split(";")) {
    const lines: number[] = [];
    for (const segment of line ? line.split(",") : []) {
      const fields = decodeSegment(segment);
      // [generated column, source index, source line, source column, name]: the line is relative to the last segment's
      if (fields.length < 4) continue;
      sourceLine += fields[2];
      if (!lines.includes(sourceLine + 1)) lines.push(sourceLine + 1);
    }
    out.push(lines);
  }
  return out;
}

/** The `# c2m: CODE` markers an emitted line carries. */
export const markerCodes = (line: string): string[] => [...line.matchAll(/#\s*c2m:\s*(C2M-[EWK]\d+)/g)].map((m) => m[1]);
