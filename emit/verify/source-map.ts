/**
 * Output position → input position, read back from the emitter's source map (emit/sourcemap.ts writes it):
 * unedited text maps character by character, an edited span maps each of its lines to the start of what it
 * replaced, inserted text has no segment. A position with no segment of its own takes the last segment
 * before it on its line, else the first one after it on that line, else the nearest mapped line above.
 */
import type { Point } from "../../grammar/python.js";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Per output line, its segments as [output column, input line, input column], in column order. */
export type DecodedMap = [number, number, number][][];

export function decodeMappings(mappings: string): DecodedMap {
  const lines: DecodedMap = [];
  let srcLine = 0;
  let srcCol = 0;
  for (const text of mappings.split(";")) {
    const segs: [number, number, number][] = [];
    let genCol = 0;
    for (const seg of text ? text.split(",") : []) {
      const f = vlqDecode(seg);
      genCol += f[0];
      if (f.length < 4) continue;
      srcLine += f[2];
      srcCol += f[3];
      segs.push([genCol, srcLine, srcCol]);
    }
    lines.push(segs);
  }
  return lines;
}

function vlqDecode(s: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of s) {
    const d = DIGIT.get(ch)!;
    value += (d & 31) << shift;
    if (d & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
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
