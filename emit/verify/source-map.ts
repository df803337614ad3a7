/**
 * Output position → input position, read back from the emitter's source map (emit/sourcemap.ts writes it):
 * unedited text maps character by character, an edited span maps each of its lines to the start of what it
 * replaced, inserted text has no segment. A position with no segment of its own takes the last segment
 * before it on its line, else the first one after it on that line, else the nearest mapped line above.
 */
import type { Point } from "../../grammar/python.js";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Int8Array(128);
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i;

/** Per output line, its segments as [output column, input line, input column], in column order. */
export type DecodedMap = [number, number, number][][];

/** Decodes the mappings of output lines 0..`lastLine` (all of them by default); segments without a source are skipped. */
export function decodeMappings(mappings: string, lastLine = Infinity): DecodedMap {
  const lines: DecodedMap = [];
  let segs: [number, number, number][] = [];
  let genCol = 0;
  let srcLine = 0;
  let srcCol = 0;
  const fields = [0, 0, 0, 0, 0];
  let field = 0;
  let value = 0;
  let shift = 0;
  const endSegment = () => {
    if (field >= 4) {
      genCol += fields[0];
      srcLine += fields[2];
      srcCol += fields[3];
      segs.push([genCol, srcLine, srcCol]);
    } else if (field >= 1) genCol += fields[0];
    field = 0;
  };
  for (let i = 0; i < mappings.length; i++) {
    const ch = mappings.charCodeAt(i);
    if (ch === 59 /* ; */ || ch === 44 /* , */) {
      endSegment();
      if (ch === 59) {
        lines.push(segs);
        if (lines.length > lastLine) return lines;
        segs = [];
        genCol = 0;
      }
      continue;
    }
    const d = DIGIT[ch];
    value += (d & 31) << shift;
    if (d & 32) shift += 5;
    else {
      if (field < 5) fields[field] = value & 1 ? -(value >>> 1) : value >>> 1;
      field++;
      value = 0;
      shift = 0;
    }
  }
  endSegment();
  lines.push(segs);
  return lines;
}

/** The input position an output position came from (see the file comment); row 0, column 0 when nothing maps. */
export function inputPosition(map: DecodedMap, at: Point): Point {
  const segs = map[at.row] ?? [];
  // unedited text has a segment per character, so a position in it finds its own; an edit maps to its start
  let best: [number, number, number] | undefined;
  for (const s of segs) if (s[0] <= at.column) best = s;
  best ??= segs[0];
  if (best) return { row: best[1], column: best[2] };
  for (let r = Math.min(at.row, map.length) - 1; r >= 0; r--) {
    const above = map[r];
    if (above?.length) return { row: above[0][1], column: above[0][2] };
  }
  return { row: 0, column: 0 };
}
